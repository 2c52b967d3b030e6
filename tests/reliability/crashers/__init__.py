"""Inputs that broke the SDK once, kept as code that rebuilds them (no binary files).

Each crasher is a seed (see tests/reliability/mutate.py) and the byte-level
operations the fuzzer applied to it, what it broke and how it was fixed, and
the outcome codes the SDK gives now (``ok`` or a DcmviewError code per step of
tests/reliability/sandbox.py). test_fuzz_sdk.py::test_crasher runs them all.

To add one: copy the ``{"seed": ..., "operations": ...}`` line a failing fuzz
test printed, fix the SDK, and write down the codes the sandbox answers now.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Crasher:
    """One input that once escaped the error model, and what the SDK answers now."""

    id: str
    seed: str
    operations: list[list[Any]]
    broke: str
    expect: dict[str, str] = field(default_factory=dict)


CRASHERS = [
    Crasher(
        "rows-value-1-byte-scanned-header",
        "bundled:rtdose.dcm",
        [["length", 992, 4, 1]],
        # (0028,0010) Rows, Implicit VR, length 1: pydicom raised BytesLengthException
        # from Header.from_dataset (fixed: _headerpydicom._element treats it as absent).
        "Instance.header raised pydicom BytesLengthException",
        {"scan": "ok", "open": "ok", "header": "ok", "properties": "ok", "tags": "ok"},
    ),
    Crasher(
        "rows-value-1-byte-instance-property",
        "factory:nested_undefined",
        [["length", 658, 2, 1]],
        # Explicit VR US of length 1 in a nested item read through Instance._int
        # (fixed: Instance._get treats a value pydicom cannot convert as absent).
        "Instance.rows raised pydicom BytesLengthException",
        {"scan": "ok", "open": "ok", "properties": "ok", "tags": "ok"},
    ),
    Crasher(
        "unknown-vr-in-sop-instance-uid",
        "bundled:JPEGLSNearLossless_08.dcm",
        [["flip", 390, 0], ["flip", 0, 0]],
        # The VR "UI" became "TI": pydicom raised NotImplementedError on access.
        "Instance.sop_instance_uid raised NotImplementedError",
        {"open": "ok", "properties": "ok", "opened.frame(0).array": "ok"},
    ),
    Crasher(
        "transfer-syntax-uid-one-bit-off",
        "bundled:CT_small.dcm",
        [["flip", 256, 0]],
        # 1.2.840.10008.1.2.1 became 1.2.840.10008.1.2.0: UID.is_encapsulated raised
        # ValueError "UID is not a transfer syntax" from open().
        "open() raised ValueError for a UID that is not a transfer syntax",
        {
            "open": "ok",
            "tags": "ok",
            "opened.frame(0).array": "unsupported_transfer_syntax",
            "scanned.frame(0).array": "unsupported_transfer_syntax",
        },
    ),
    Crasher(
        "transfer-syntax-uid-private",
        "bundled:CT_small.dcm",
        [["tsuid", "1.2.3.4"]],
        "open() raised ValueError for a private Transfer Syntax UID",
        {"open": "ok", "opened.frame(0).array": "unsupported_transfer_syntax"},
    ),
    Crasher(
        "rle-retagged-explicit-le-undefined-length",
        "bundled:MR_small_RLE.dcm",
        [["tsuid", "1.2.840.10008.1.2.1"]],
        # Native Pixel Data of undefined length (PS3.5 A.4 allows that only for
        # encapsulated data): Instance.tags() failed an assertion on the length.
        "Instance.tags() raised AssertionError",
        {"tags": "ok", "opened.frame(0).array": "pixel_decode_failed"},
    ),
    Crasher(
        "item-length-0xfffffffe-lean-scan",
        "factory:nested_undefined_implicit",
        [["length", 352, 4, 0xFFFFFFFE]],
        # The lean header reader asked os.pread for 4 GiB before reading (MemoryError
        # under an address-space limit; fixed: reads past the end are refused first).
        "scan() raised MemoryError",
        {"scan": "ok", "open": "not_dicom"},
    ),
    Crasher(
        "element-length-0xfffffffe-lean-scan",
        "bundled:rtdose.dcm",
        [["length", 334, 4, 0xFFFFFFFE], ["flip", 0, 0]],
        "scan() raised MemoryError",
        {"scan": "ok", "open": "not_dicom"},
    ),
    Crasher(
        "sequence-delimiter-hides-pixel-data",
        "factory:nested_undefined",
        [["set", 792, "feffdde000000000"]],
        # A Sequence Delimitation Item inside an item: the scan's lean reader still
        # finds Pixel Data, pydicom's full read stops before it, and decode() failed
        # an assertion (fixed: NoPixelDataError naming the cause).
        "Frame.array() raised AssertionError",
        {"scan": "ok", "open": "ok", "scanned.frame(0).array": "no_pixel_data"},
    ),
    Crasher(
        "number-of-frames-multivalue",
        "bundled:MR_small_jp2klossless.dcm",
        [["flip", 366, 5]],
        # (0028,0008) became "1\\..." (two values): int(MultiValue) raised TypeError
        # while indexing the fragments (fixed: _checked_layout validates it).
        "Frame.array() and Instance.tags() raised TypeError",
        {"tags": "ok", "opened.frame(0).array": "unsupported_pixel_layout"},
    ),
    Crasher(
        "unknown-vr-in-window-center",
        "factory:nested_undefined",
        [["flip", 757, 0]],
        # (0028,1050) Window Center with VR "DR": NotImplementedError from windowing
        # (fixed: _keep_raw_when_unreadable turns such elements into UN bytes once).
        "Frame.default_window and png() raised NotImplementedError",
        {"opened.frame(0).default_window": "ok", "opened.frame(0).png": "ok"},
    ),
    Crasher(
        "unknown-vr-in-modality",
        "bundled:MR_small_bigendian.dcm",
        [["flip", 600, 0], ["flip", 0, 0]],
        # (0008,0060) Modality with VR "BS", read for the rescale unit.
        "Frame.png() raised NotImplementedError",
        {"opened.frame(0).png": "ok", "scanned.frame(0).png": "ok"},
    ),
    Crasher(
        "unknown-vr-in-file-meta",
        "bundled:CT_small.dcm",
        [["insert", 197, "00"], ["flip", 0, 0]],
        # A byte inserted in the File Meta Information: (0002,0003) with an unknown VR.
        "open() raised UnicodeDecodeError",
        {"scan": "ok", "open": "ok", "tags": "ok"},
    ),
    Crasher(
        "sequence-item-cut-short",
        "bundled:SC_rgb_jpeg_dcmtk.dcm",
        [["length", 906, 4, 1]],
        "open() raised OSError / TypeError converting a sequence",
        {"scan": "ok", "open": "ok", "tags": "ok"},
    ),
    Crasher(
        "charls-slow-on-corrupt-jpeg-ls",
        "bundled:JPEGLSNearLossless_08.dcm",
        [
            ["flip", 557, 5],
            ["flip", 623, 1],
            ["flip", 634, 4],
            ["flip", 610, 6],
            ["flip", 614, 4],
            ["flip", 569, 7],
            ["flip", 569, 4],
        ],
        # Not an SDK bug: CharLS 2.4.3 (in imagecodecs and in pyjpegls alike) spends
        # about 2.5 s of CPU before rejecting this 56-byte 45x10 stream. The sandbox
        # used to decode it six times per case and hit its 30 s deadline.
        "a 30 s sandbox deadline (six slow decodes)",
        {"opened.frame(0).array": "pixel_decode_failed"},
    ),
    Crasher(
        "functional-groups-not-a-sequence",
        "factory:per_frame_windows",
        [["length", 796, 4, 1]],
        # An item length of 1 in the Per-frame Functional Groups: the element became
        # bytes, and windowing called .get() on an int (fixed: _framegroups.functional_groups
        # and first_item yield only Dataset items).
        "Frame.default_window raised AttributeError",
        {"scan": "ok", "scanned.frame(0).default_window": "ok"},
    ),
]
