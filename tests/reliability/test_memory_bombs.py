"""Memory bombs: small files that declare huge images are refused before allocating (issue 7).

Each file is built here with pydicom and run through every SDK entry point in
the sandbox child (sandbox.py), which reports its peak resident set size
(VmHWM, reset before the case). The property: the answer is the expected
DcmviewError and the peak stays within a few MiB of what an ordinary small
file costs; a regression shows up as hundreds of MiB, or as a MemoryError
against the child's address-space limit.
"""

from __future__ import annotations

import struct
from pathlib import Path

import imagecodecs
import numpy as np
import pytest
from pydicom.dataset import FileMetaDataset
from pydicom.encaps import encapsulate
from pydicom.uid import (
    DeflatedExplicitVRLittleEndian,
    JPEG2000Lossless,
    RLELossless,
)

from dcmview.sdk.instance import MAX_FRAME_BYTES, open as sdk_open
from tests.dicom_factory import make_dataset, write
from tests.reliability.mutate import huge_native

#: Peak RSS a bomb may add over an ordinary small file in the same child.
SLACK_KIB = 48 * 1024


def _j2k(rows: int, columns: int, declared: tuple[int, int] | None, tiles: bool) -> bytes:
    """A real 8-bit J2K codestream of rows x columns whose SIZ may declare another size."""
    arr = (np.arange(rows * columns) % 251).astype(np.uint8).reshape(rows, columns)
    stream = bytearray(imagecodecs.jpeg2k_encode(arr, level=0, codecformat="j2k"))
    if declared is not None:
        siz = stream.find(b"\xff\x4f\xff\x51")
        # ISO/IEC 15444-1 A.5.1: Xsiz, Ysiz at SIZ+8; XTsiz, YTsiz at SIZ+24.
        struct.pack_into(">LL", stream, siz + 8, declared[1], declared[0])
        if tiles:
            struct.pack_into(">LL", stream, siz + 24, declared[1], declared[0])
    return bytes(stream)


def _encapsulated(path: Path, rows: int, columns: int, frame: bytes, syntax: str) -> Path:
    """A one-frame file in an encapsulated `syntax` whose header says rows x columns."""
    ds = make_dataset(rows=4, columns=4, bits_allocated=8)
    ds.Rows, ds.Columns = rows, columns
    ds.PixelData = encapsulate([frame])
    ds["PixelData"].VR = "OB"
    ds["PixelData"].is_undefined_length = True
    ds.file_meta = FileMetaDataset()
    ds.file_meta.MediaStorageSOPClassUID = ds.SOPClassUID
    ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
    ds.file_meta.TransferSyntaxUID = syntax
    ds.save_as(path, enforce_file_format=True)
    return path


def build_bomb(kind: str, folder: Path) -> Path:
    """Write the bomb file `kind` in `folder`."""
    path = folder / f"{kind}.dcm"
    if kind == "native-65535x65535":
        return write(huge_native(65535, 65535), path)
    if kind == "native-1e6-frames":
        ds = huge_native(512, 512, frames=1_000_000)
        ds.PixelData = np.zeros(512 * 512, "<u2").tobytes()  # one frame of data
        return write(ds, path)
    if kind == "j2k-header-and-stream-65535x65535":
        return _encapsulated(
            path, 65535, 65535, _j2k(64, 64, (65535, 65535), True), JPEG2000Lossless
        )
    if kind == "j2k-stream-60000x60000-header-64x64":
        return _encapsulated(path, 64, 64, _j2k(64, 64, (60000, 60000), False), JPEG2000Lossless)
    if kind == "j2k-1kib-declaring-16000x16000":
        # OpenJPEG allocated 1.8 GiB for this 1 KiB codestream before issue 7.
        return _encapsulated(
            path, 16000, 16000, _j2k(64, 64, (16000, 16000), False), JPEG2000Lossless
        )
    if kind == "rle-8mib-expanding-to-512mib":
        # PS3.5 G.3: one segment of "repeat the next byte 128 times" runs.
        frame = struct.pack("<16L", 1, 64, *([0] * 14)) + bytes([0x81, 0x07]) * 4_000_000
        return _encapsulated(path, 64, 64, frame, RLELossless)
    if kind == "deflate-256kib-inflating-to-256mib":
        ds = make_dataset(rows=64, columns=64, bits_allocated=8)
        ds.NumberOfFrames = 65537
        ds.PixelData = bytes(64 * 64 * 65537)
        return write(ds, path, transfer_syntax=DeflatedExplicitVRLittleEndian)
    raise KeyError(kind)


BOMBS = {
    # kind: {step: expected code}
    "native-65535x65535": {"open": "ok", "opened.frame(0).array": "image_too_large"},
    "native-1e6-frames": {
        "open": "ok",
        "opened.frame(0).array": "ok",  # the one frame that is there
        "opened.frame(999999).array": "pixel_decode_failed",  # truncated, said so
    },
    "j2k-header-and-stream-65535x65535": {"opened.frame(0).array": "image_too_large"},
    "j2k-stream-60000x60000-header-64x64": {"opened.frame(0).array": "pixel_decode_failed"},
    "j2k-1kib-declaring-16000x16000": {"opened.frame(0).array": "image_too_large"},
    "rle-8mib-expanding-to-512mib": {"opened.frame(0).array": "pixel_decode_failed"},
    "deflate-256kib-inflating-to-256mib": {"scan": "ok", "open": "image_too_large"},
}


@pytest.fixture(scope="module")
def baseline_kib(sandbox, tmp_path_factory) -> int:
    """Peak RSS of the child for an ordinary small file (imports and all)."""
    folder = tmp_path_factory.mktemp("baseline")
    ds = make_dataset(rows=512, columns=512, frames=2)
    outcome = sandbox.run("file", write(ds, folder / "ordinary.dcm"))
    assert not outcome.problems
    return outcome.peak_kib


@pytest.mark.parametrize("kind", sorted(BOMBS))
def test_bomb_refused_without_allocating(sandbox, baseline_kib, tmp_path, kind):
    path = build_bomb(kind, tmp_path)
    assert path.stat().st_size < 9 << 20  # the attack is a small file
    outcome = sandbox.run("file", path)
    assert outcome.problems == []
    codes = outcome.codes()
    assert {step: codes.get(step) for step in BOMBS[kind]} == BOMBS[kind]
    assert outcome.peak_kib <= baseline_kib + SLACK_KIB, (
        f"peak RSS {outcome.peak_kib >> 10} MiB vs {baseline_kib >> 10} MiB for an ordinary file"
    )


def test_refusal_names_the_size_and_the_limit(tmp_path):
    """The error says what was declared and what the limit is, before any decode."""
    inst = sdk_open(build_bomb("j2k-1kib-declaring-16000x16000", tmp_path))
    with pytest.raises(Exception, match="16000 x 16000") as info:
        inst.frame(0).array()
    assert info.value.code == "image_too_large"
    assert f"{MAX_FRAME_BYTES / 2**30:g} GiB" in str(info.value)
    assert "JPEG 2000 decoder memory" in str(info.value)


def test_million_frames_header_is_cheap(tmp_path):
    """A header of 10^6 frames lists, indexes and answers without per-frame work."""
    import tracemalloc

    path = build_bomb("native-1e6-frames", tmp_path)
    tracemalloc.start()
    try:
        inst = sdk_open(path)
        assert len(inst) == 1_000_000
        last = inst.frame(999_999)
        with pytest.raises(Exception, match="truncated") as info:
            last.array()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert info.value.code == "pixel_decode_failed"
    assert peak < 8 << 20  # Python and numpy allocations, traced
