"""Names the client tests share: the app's token, the link a user pastes, the test files."""

from __future__ import annotations

TOKEN = "client-test-token-0123456789"
# Not the port any server listens on: the Host of an SSH forward differs too.
URL = f"http://127.0.0.1:54321/#token={TOKEN}"

#: name -> what the file is, for the files `data_dir` (conftest.py) makes with pixel data;
#: the test ids read as these names
FILES = {
    "gray_u16.dcm": "16-bit unsigned MONOCHROME2",
    "ct_signed.dcm": "16-bit signed CT with rescale and a window",
    "rle_3f.dcm": "3-frame RLE Lossless",
    "rgb_2f.dcm": "2-frame RGB 8-bit",
    "gray_u8.dcm": "8-bit MONOCHROME2",
    "float32.dcm": "Float Pixel Data (32-bit)",
}
