"""Seed files and the byte-level mutations the fuzz tests apply to them.

A *seed* is a real DICOM file named by a string, so that a crashing input can
be written down as ``(seed, operations)`` and rebuilt exactly (the crashers in
``crashers/__init__.py``): ``bundled:<name>`` is one of pydicom's bundled test
files, ``factory:<name>`` a file :mod:`tests.dicom_factory` writes, and
``corpus:<path>`` a file of the synthetic ci corpus (tests/corpus).

An *operation* is a JSON-able list applied to the file's bytes:

- ``["flip", offset, bit]``: flip one bit;
- ``["set", offset, hex]``: overwrite bytes;
- ``["truncate", length]``: keep the first `length` bytes;
- ``["length", offset, width, value]``: overwrite a length field (2 or 4 bytes,
  little endian, or big endian when width is negative);
- ``["tsuid", uid]``: rewrite the File Meta Information with another Transfer
  Syntax UID, leaving the data set bytes as they are;
- ``["insert", offset, hex]``: insert bytes.
"""

from __future__ import annotations

import functools
import io
import struct
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pydicom
from pydicom.dataset import Dataset
from pydicom.filereader import data_element_generator
from pydicom.filewriter import write_file_meta_info
from pydicom.sequence import Sequence as DicomSequence
from pydicom.uid import (
    JPEG2000Lossless,
    JPEGBaseline8Bit,
    JPEGLSLossless,
    RLELossless,
)

from tests.bundled import TEST_FILES
from tests.corpus import corpus_dir
from tests.dicom_factory import make_dataset, make_dicom, write

#: Bundled files used as seeds: one or more per transfer syntax and layout, all small.
BUNDLED = (
    "CT_small.dcm",
    "MR_small.dcm",
    "MR_small_bigendian.dcm",
    "MR_small_implicit.dcm",
    "MR_small_RLE.dcm",
    "MR_small_jp2klossless.dcm",
    "MR_small_jpeg_ls_lossless.dcm",
    "JPEG-lossy.dcm",
    "JPEG2000.dcm",
    "JPEGLSNearLossless_08.dcm",
    "SC_rgb_jpeg_dcmtk.dcm",
    "SC_rgb_jpeg_gdcm.dcm",
    "SC_rgb_rle_16bit_2frame.dcm",
    "SC_rgb_small_odd.dcm",
    "SC_ybr_full_422_uncompressed.dcm",
    "SC_rgb_gdcm_KY.dcm",
    "rtdose.dcm",
    "rtdose_rle.dcm",
    "image_dfl.dcm",
    "liver_1frame.dcm",
    "no_meta.dcm",
    "test-SR.dcm",
    "badVR.dcm",
    "emri_small.dcm",
)

#: Corpus files used as seeds (small ones, each a different case).
CORPUS = (
    "edge/nested_sequences_private_tags.dcm",
    "edge/deflated_explicit_le.dcm",
    "edge/no_preamble_no_meta_implicit_le.dcm",
    "edge/sr_basic_text_no_pixels.dcm",
    "us/CORPUS-US0001/20240118_US_CAROTID/frame_jpeg_baseline_ybr_full_422.dcm",
    "us/CORPUS-US0001/20240118_US_CAROTID/palette_color_8bit.dcm",
    "mg/CORPUS-MG0001/20240117_MAMMO/L_CC_j2k_lossy.dcm",
)


def _nested(ds: Dataset, depth: int) -> Dataset:
    """Add a sequence nested `depth` deep, every sequence and item of undefined length."""
    inner = Dataset()
    inner.CodeValue = "LEAF"
    for level in range(depth):
        item = Dataset()
        item.CodeMeaning = f"level {level}"
        seq = DicomSequence([inner])
        item.ContentSequence = seq
        inner = item
    ds.ContentSequence = DicomSequence([inner, Dataset()])
    return ds


def _undefined_lengths(ds: Dataset) -> None:
    """Mark every sequence and item of `ds` as written with undefined length (PS3.5 7.5)."""
    for elem in ds.iterall():
        if elem.VR == "SQ":
            elem.is_undefined_length = True
            for item in elem.value:
                item.is_undefined_length_sequence_item = True


def _factory(name: str, folder: Path) -> Path:
    if name == "rle_3frames":
        return make_dicom(folder, name, rows=16, columns=12, frames=3, transfer_syntax=RLELossless)
    if name == "j2k_2frames_split_no_bot":
        return make_dicom(
            folder,
            name,
            rows=64,
            columns=64,
            frames=2,
            transfer_syntax=JPEG2000Lossless,
            fragments_per_frame=2,
            basic_offset_table=False,
        )
    if name == "jpegls_eot":
        return make_dicom(
            folder,
            name,
            rows=16,
            columns=16,
            frames=2,
            transfer_syntax=JPEGLSLossless,
            extended_offset_table=True,
        )
    if name == "jpeg_rgb":
        return make_dicom(
            folder,
            name,
            rows=16,
            columns=16,
            samples=3,
            bits_allocated=8,
            transfer_syntax=JPEGBaseline8Bit,
        )
    if name == "bits1_9frames":
        return make_dicom(folder, name, rows=5, columns=3, frames=9, bits_allocated=1)
    if name == "float32":
        return make_dicom(
            folder, name, rows=8, columns=8, bits_allocated=32, float_pixels="FloatPixelData"
        )
    if name == "per_frame_windows":
        return make_dicom(
            folder,
            name,
            rows=8,
            columns=8,
            frames=2,
            rescale=(2.0, -100.0),
            per_frame_windows=[(40.0, 400.0), (50.0, 350.0)],
        )
    if name == "nested_undefined":
        ds = _nested(make_dataset(rows=8, columns=8, frames=2, window=(100.0, 200.0)), 6)
        _undefined_lengths(ds)
        return write(ds, folder / name)
    if name == "nested_undefined_implicit":
        ds = _nested(make_dataset(rows=8, columns=8), 4)
        _undefined_lengths(ds)
        from pydicom.uid import ImplicitVRLittleEndian

        return write(ds, folder / name, transfer_syntax=ImplicitVRLittleEndian)
    raise KeyError(name)


FACTORY = (
    "rle_3frames",
    "j2k_2frames_split_no_bot",
    "jpegls_eot",
    "jpeg_rgb",
    "bits1_9frames",
    "float32",
    "per_frame_windows",
    "nested_undefined",
    "nested_undefined_implicit",
)


@functools.cache
def _factory_dir() -> Path:
    import tempfile

    return Path(tempfile.mkdtemp(prefix="dcmview-seeds-"))


@functools.cache
def seed_bytes(seed: str) -> bytes:
    """The bytes of a seed file (built once per process)."""
    kind, _, name = seed.partition(":")
    if kind == "bundled":
        return (TEST_FILES / name).read_bytes()
    if kind == "factory":
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return _factory(name, _factory_dir()).read_bytes()
    if kind == "corpus":
        return (corpus_dir("ci") / name).read_bytes()
    raise KeyError(seed)


def seeds() -> list[str]:
    """Every seed: bundled files present in this pydicom, factory files, corpus files."""
    out = [f"bundled:{n}" for n in BUNDLED if (TEST_FILES / n).is_file()]
    out += [f"factory:{n}" for n in FACTORY]
    root = corpus_dir("ci")
    out += [f"corpus:{n}" for n in CORPUS if (root / n).is_file()]
    return out


@dataclass(frozen=True)
class Layout:
    """Where things are in a seed: the header/pixel boundary and the length fields."""

    size: int
    pixel_offset: int  # first byte of the Pixel Data element (size when there is none)
    lengths: tuple[tuple[int, int], ...]  # (offset, width): element and item length fields
    meta_end: int  # first byte after the File Meta Information (0 without it)


# PS3.5 7.1.2: VRs with a 2-byte reserved field and a 4-byte length in explicit VR.
_LONG_VRS = frozenset({"OB", "OW", "OF", "OD", "OL", "OV", "SQ", "UC", "UR", "UT", "UN"})


def _length_fields(data: bytes, start: int, implicit: bool, little: bool) -> list[tuple[int, int]]:
    fields: list[tuple[int, int]] = []
    fp = io.BytesIO(data)
    fp.seek(start)
    try:
        for elem in data_element_generator(fp, implicit, little, defer_size=64):
            tell = elem.value_tell
            if implicit or elem.VR in _LONG_VRS:
                fields.append((tell - 4, 4 if little else -4))
            else:
                fields.append((tell - 2, 2 if little else -2))
    except Exception:  # a seed that pydicom only partly parses: keep what was found
        pass
    # Item and delimitation lengths anywhere in the header (PS3.5 7.5: (FFFE,E000) items).
    tag = b"\xfe\xff\x00\xe0" if little else b"\xff\xfe\xe0\x00"
    at = data.find(tag, start)
    while at >= 0:
        fields.append((at + 4, 4 if little else -4))
        at = data.find(tag, at + 4)
    return sorted(set(fields))


@functools.cache
def layout(seed: str) -> Layout:
    """The :class:`Layout` of a seed."""
    data = seed_bytes(seed)
    meta_end = 0
    if data[128:132] == b"DICM":
        (group_length,) = struct.unpack("<L", data[140:144])
        meta_end = 144 + group_length
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fp = io.BytesIO(data)
        try:
            ds = pydicom.dcmread(fp, stop_before_pixels=True, force=True)
            pixel_offset = fp.tell()
            implicit, little = ds.original_encoding[:2]
        except Exception:
            pixel_offset, implicit, little = len(data), True, True
    fields = _length_fields(data, 132, False, True)[:64] if meta_end else []
    fields = [f for f in fields if f[0] < meta_end]
    if implicit is not None and little is not None:
        fields += _length_fields(data[:pixel_offset], meta_end, bool(implicit), bool(little))
    return Layout(len(data), min(pixel_offset, len(data)), tuple(fields), meta_end)


def _retag_syntax(data: bytes, uid: str) -> bytes:
    """Rewrite the File Meta Information with Transfer Syntax `uid`, data set bytes unchanged."""
    if data[128:132] != b"DICM":
        return data
    (group_length,) = struct.unpack("<L", data[140:144])
    meta_end = 144 + group_length
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        meta = pydicom.dcmread(io.BytesIO(data), stop_before_pixels=True).file_meta
    meta.TransferSyntaxUID = uid
    out = io.BytesIO()
    write_file_meta_info(out, meta, enforce_standard=False)  # type: ignore[arg-type]
    return data[:132] + out.getvalue() + data[meta_end:]


def apply(data: bytes, operations: list[list[Any]]) -> bytes:
    """Apply `operations` (see the module docs) to `data` in order."""
    buf = bytearray(data)
    for op in operations:
        kind = op[0]
        if kind == "flip":
            offset = op[1] % max(len(buf), 1)
            if buf:
                buf[offset] ^= 1 << (op[2] % 8)
        elif kind == "set":
            value = bytes.fromhex(op[2])
            buf[op[1] : op[1] + len(value)] = value
        elif kind == "insert":
            buf[op[1] : op[1]] = bytes.fromhex(op[2])
        elif kind == "truncate":
            del buf[op[1] :]
        elif kind == "length":
            offset, width, value = op[1], op[2], op[3]
            fmt = {2: "<H", 4: "<L", -2: ">H", -4: ">L"}[width]
            value &= 0xFFFF if abs(width) == 2 else 0xFFFFFFFF
            if offset + abs(width) <= len(buf):
                buf[offset : offset + abs(width)] = struct.pack(fmt, value)
        elif kind == "tsuid":
            buf = bytearray(_retag_syntax(bytes(buf), op[1]))
        else:
            raise ValueError(f"unknown mutation {op!r}")
    return bytes(buf)


def build(seed: str, operations: list[list[Any]], path: Path) -> Path:
    """Write the mutated seed to `path` and return it."""
    path.write_bytes(apply(seed_bytes(seed), operations))
    return path
