"""Memory bombs: small files that declare (or inflate to) far more pixels than they hold.

They make the ``hostile`` profile, never the ``ci`` one: a folder that holds a
file of a million frames cannot be swept frame by frame, and the tests and
benchmarks that serve the ci corpus whole do exactly that. Each file is named
after its kind; tests/reliability/test_memory_bombs.py says what the SDK must
answer for each.
"""

from __future__ import annotations

import struct

import numpy as np
from pydicom import uid as U
from pydicom.dataset import Dataset
from pydicom.encaps import encapsulate

from tests.corpus.builder import Corpus
from tests.corpus.manifest import Record, manifest_row

B = "bombs"


def _image(c: Corpus, kind: str, rows: int, columns: int, bits: int = 16) -> Dataset:
    """A Secondary Capture header of rows x columns, without Pixel Data yet."""
    pt = c.patient("BOMB0001", "PHANTOM^MEMORY BOMBS", "O", "19700101", "054Y")
    st = c.study(pt, "bombs", "MEMORY BOMBS (crafted headers)", day=7)
    se = c.series(st, kind, 1, "OT", kind)
    ds = c.base_ds(se, U.SecondaryCaptureImageStorage, 1)
    ds.ConversionType = "WSD"
    ds.SamplesPerPixel = 1
    ds.PhotometricInterpretation = "MONOCHROME2"
    ds.Rows, ds.Columns = rows, columns
    ds.BitsAllocated = ds.BitsStored = bits
    ds.HighBit = bits - 1
    ds.PixelRepresentation = 0
    return ds


def _j2k(rows: int, columns: int, declared: tuple[int, int] | None, tiles: bool) -> bytes:
    """A real 8-bit J2K codestream of rows x columns whose SIZ may declare another size."""
    import imagecodecs

    arr = (np.arange(rows * columns) % 251).astype(np.uint8).reshape(rows, columns)
    stream = bytearray(imagecodecs.jpeg2k_encode(arr, level=0, codecformat="j2k"))
    if declared is not None:
        siz = stream.find(b"\xff\x4f\xff\x51")
        # ISO/IEC 15444-1 A.5.1: Xsiz, Ysiz at SIZ+8; XTsiz, YTsiz at SIZ+24.
        struct.pack_into(">LL", stream, siz + 8, declared[1], declared[0])
        if tiles:
            struct.pack_into(">LL", stream, siz + 24, declared[1], declared[0])
    return bytes(stream)


def _encapsulated(c: Corpus, kind: str, rows: int, columns: int, frame: bytes, ts, desc) -> None:
    """One frame in an encapsulated syntax under a header that says rows x columns (8-bit)."""
    ds = _image(c, kind, rows, columns, bits=8)
    c.file_meta(ds, ts)
    ds.PixelData = encapsulate([frame])
    ds["PixelData"].VR = "OB"
    ds["PixelData"].is_undefined_length = True
    _save(c, kind, ds, ts, desc)


def _save(c: Corpus, kind: str, ds: Dataset, ts, desc) -> None:
    c.file_meta(ds, ts)
    rel = f"{B}/{kind}.dcm"
    (c.out / B).mkdir(parents=True, exist_ok=True)
    ds.save_as(c.out / rel, enforce_file_format=True)
    c.add(Record(rel, manifest_row(rel, ds, ts, desc, "bomb"), "bomb"))


def memory_bombs(c: Corpus) -> None:
    ds = _image(c, "native-65535x65535", 65535, 65535)
    ds.PixelData = np.zeros(16, "<u2").tobytes()
    _save(c, "native-65535x65535", ds, U.ExplicitVRLittleEndian, "declares 65535 x 65535 x 16 bit")

    ds = _image(c, "native-1e6-frames", 512, 512)
    ds.NumberOfFrames = 1_000_000
    ds.PixelData = np.zeros(512 * 512, "<u2").tobytes()  # one frame of data
    desc = "declares 10^6 frames of 512 x 512, holds one"
    _save(c, "native-1e6-frames", ds, U.ExplicitVRLittleEndian, desc)

    kind = "j2k-header-and-stream-65535x65535"
    stream = _j2k(64, 64, (65535, 65535), True)
    _encapsulated(c, kind, 65535, 65535, stream, U.JPEG2000Lossless, "header and SIZ 65535^2")
    kind = "j2k-stream-60000x60000-header-64x64"
    stream = _j2k(64, 64, (60000, 60000), False)
    _encapsulated(c, kind, 64, 64, stream, U.JPEG2000Lossless, "SIZ 60000^2 under a 64^2 header")
    # OpenJPEG allocated 1.8 GiB for this 1 KiB codestream before issue 7.
    kind = "j2k-1kib-declaring-16000x16000"
    stream = _j2k(64, 64, (16000, 16000), False)
    _encapsulated(c, kind, 16000, 16000, stream, U.JPEG2000Lossless, "1 KiB J2K of 16000^2")

    # PS3.5 G.3: one segment of "repeat the next byte 128 times" runs.
    kind = "rle-8mib-expanding-to-512mib"
    frame = struct.pack("<16L", 1, 64, *([0] * 14)) + bytes([0x81, 0x07]) * 4_000_000
    _encapsulated(c, kind, 64, 64, frame, U.RLELossless, "8 MiB of RLE runs for a 64^2 frame")

    kind = "deflate-256kib-inflating-to-256mib"
    ds = _image(c, kind, 64, 64, bits=8)
    ds.NumberOfFrames = 65537
    ds.PixelData = bytes(64 * 64 * 65537)
    _save(c, kind, ds, U.DeflatedExplicitVRLittleEndian, "deflated data set of 256 MiB zeros")
