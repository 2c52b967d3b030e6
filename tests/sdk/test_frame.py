"""Frame: decoding of files built in the test, the cache, and the display delegation."""

from __future__ import annotations

import io
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pydicom
import pytest
from pydicom import uid
from pydicom.pixels import pixel_array

from dcmview.sdk.cache import ByteCache
from dcmview.sdk.errors import FrameIndexError, NoPixelDataError
from dcmview.sdk.frame import Frame
from dcmview.sdk.instance import Instance, open
from tests.dicom_factory import make_dicom

# name -> make_dicom keywords. Each row is decoded (first, middle, last frame) and
# compared with pydicom's decode of the whole data set, which reads no offsets.
CASES: dict[str, dict[str, Any]] = {
    "u16": {},
    "s16": {"signed": True},
    "u12-garbage-high-bits": {"bits_stored": 12, "garbage_high_bits": True},
    "s12-garbage-high-bits": {"bits_stored": 12, "signed": True, "garbage_high_bits": True},
    "u8": {"bits_allocated": 8},
    "u32": {"bits_allocated": 32},
    "s32-bits24": {"bits_allocated": 32, "bits_stored": 24, "signed": True},
    "rgb-planar0": {"samples": 3, "bits_allocated": 8},
    "rgb-planar1-3f": {"samples": 3, "bits_allocated": 8, "planar_configuration": 1, "frames": 3},
    "rgb16-planar1": {"samples": 3, "bits_allocated": 16, "planar_configuration": 1},
    "float32-2f": {"float_pixels": "FloatPixelData", "bits_allocated": 32, "frames": 2},
    "float64": {"float_pixels": "DoubleFloatPixelData", "bits_allocated": 64},
    "palette-8bit": {"palette": True, "bits_allocated": 8},
    "padding": {"signed": True, "padding_value": -2000, "rescale": (1.0, -1024.0)},
    "1bit-19f-unaligned": {
        "bits_allocated": 1,
        "bits_stored": 1,
        "rows": 5,
        "columns": 3,
        "frames": 19,
    },
    "multiframe-7f": {"frames": 7, "rows": 16, "columns": 8},
    "implicit-le": {"transfer_syntax": uid.ImplicitVRLittleEndian},
    "big-endian-u16": {"transfer_syntax": uid.ExplicitVRBigEndian},
    "big-endian-s12-garbage": {
        "transfer_syntax": uid.ExplicitVRBigEndian,
        "bits_stored": 12,
        "signed": True,
        "garbage_high_bits": True,
    },
    "big-endian-u8-odd-3f": {
        "transfer_syntax": uid.ExplicitVRBigEndian,
        "bits_allocated": 8,
        "rows": 3,
        "columns": 3,
        "frames": 3,
    },
    "big-endian-rgb": {
        "transfer_syntax": uid.ExplicitVRBigEndian,
        "samples": 3,
        "bits_allocated": 8,
    },
    "big-endian-float32": {
        "transfer_syntax": uid.ExplicitVRBigEndian,
        "float_pixels": "FloatPixelData",
        "bits_allocated": 32,
    },
    "deflated": {"transfer_syntax": uid.DeflatedExplicitVRLittleEndian, "frames": 3},
    "no-preamble": {"preamble": False},
    "no-preamble-no-meta": {"file_meta": False},
    "rle-u16-3f": {"transfer_syntax": uid.RLELossless, "frames": 3},
    "rle-u16-3f-no-bot": {
        "transfer_syntax": uid.RLELossless,
        "frames": 3,
        "basic_offset_table": False,
    },
    "rle-s16": {"transfer_syntax": uid.RLELossless, "signed": True, "bits_stored": 12},
    "rle-rgb8-2f": {
        "transfer_syntax": uid.RLELossless,
        "samples": 3,
        "bits_allocated": 8,
        "frames": 2,
    },
    "rle-rgb16": {"transfer_syntax": uid.RLELossless, "samples": 3, "bits_allocated": 16},
    "rle-rgb32": {"transfer_syntax": uid.RLELossless, "samples": 3, "bits_allocated": 32},
    "rle-u32": {"transfer_syntax": uid.RLELossless, "bits_allocated": 32},
    "j2k-4f-bot-3-fragments-each": {
        "transfer_syntax": uid.JPEG2000Lossless,
        "frames": 4,
        "fragments_per_frame": 3,
    },
    "j2k-4f-no-bot-3-fragments-each": {
        "transfer_syntax": uid.JPEG2000Lossless,
        "frames": 4,
        "fragments_per_frame": 3,
        "basic_offset_table": False,
    },
    "j2k-4f-no-bot": {
        "transfer_syntax": uid.JPEG2000Lossless,
        "frames": 4,
        "basic_offset_table": False,
    },
    "j2k-4f-extended-offset-table": {
        "transfer_syntax": uid.JPEG2000Lossless,
        "frames": 4,
        "extended_offset_table": True,
    },
    "j2k-1f-3-fragments": {
        "transfer_syntax": uid.JPEG2000Lossless,
        "fragments_per_frame": 3,
        "basic_offset_table": False,
    },
    "j2k-s12": {"transfer_syntax": uid.JPEG2000Lossless, "signed": True, "bits_stored": 12},
    "j2k-rgb": {"transfer_syntax": uid.JPEG2000Lossless, "samples": 3, "bits_allocated": 8},
    "j2k-lossy": {"transfer_syntax": uid.JPEG2000, "bits_stored": 12},
    "htj2k-u12-3f": {"transfer_syntax": uid.HTJ2KLossless, "bits_stored": 12, "frames": 3},
    "htj2k-s16": {"transfer_syntax": uid.HTJ2KLossless, "signed": True},
    "htj2k-rpcl-ybr-rct": {
        "transfer_syntax": uid.HTJ2KLosslessRPCL,
        "samples": 3,
        "bits_allocated": 8,
    },
    "jpegls-u12-2f": {"transfer_syntax": uid.JPEGLSLossless, "bits_stored": 12, "frames": 2},
    "jpegls-near-s12": {
        "transfer_syntax": uid.JPEGLSNearLossless,
        "lossy_error": 3,
        "bits_stored": 12,
        "signed": True,
    },
    "jpegls-rgb": {"transfer_syntax": uid.JPEGLSLossless, "samples": 3, "bits_allocated": 8},
    "jpeg-sv1-u12-3f-2-fragments-no-bot": {
        "transfer_syntax": uid.JPEGLosslessSV1,
        "bits_stored": 12,
        "frames": 3,
        "fragments_per_frame": 2,
        "basic_offset_table": False,
    },
    "jpeg-sv1-u16": {"transfer_syntax": uid.JPEGLosslessSV1},
}

# Lossy JPEG: the reference is pydicom's Pillow plugin (libjpeg-turbo, as in imagecodecs).
LOSSY_JPEG: dict[str, dict[str, Any]] = {
    "jpeg-baseline-ybr422": {
        "transfer_syntax": uid.JPEGBaseline8Bit,
        "samples": 3,
        "bits_allocated": 8,
    },
    "jpeg-baseline-gray-2f": {
        "transfer_syntax": uid.JPEGBaseline8Bit,
        "bits_allocated": 8,
        "frames": 2,
    },
}


def _pydicom_frames(path: Path, n: int, ts: str) -> np.ndarray:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ds = pydicom.dcmread(path, force=True)
        if "TransferSyntaxUID" not in getattr(ds, "file_meta", {}):
            ds.file_meta = pydicom.dataset.FileMetaDataset()
            ds.file_meta.TransferSyntaxUID = ts
        arr = pixel_array(ds)
    return arr if n > 1 else arr[None]


@pytest.mark.parametrize("kwargs", CASES.values(), ids=CASES.keys())
def test_frame_equals_pydicom(tmp_path: Path, kwargs: dict[str, Any]) -> None:
    path = make_dicom(tmp_path, **kwargs)
    inst = open(path)
    n = kwargs.get("frames", 1)
    assert len(inst) == n
    expected = _pydicom_frames(path, n, inst.transfer_syntax_uid)
    for index in sorted({0, n // 2, n - 1}):
        got = inst.frame(index).array()
        assert got.dtype == expected.dtype
        assert got.shape == expected[index].shape
        np.testing.assert_array_equal(got, expected[index])


@pytest.mark.parametrize("kwargs", LOSSY_JPEG.values(), ids=LOSSY_JPEG.keys())
def test_lossy_jpeg_equals_libjpeg_turbo(tmp_path: Path, kwargs: dict[str, Any]) -> None:
    path = make_dicom(tmp_path, **kwargs)
    inst = open(path)
    for index in range(len(inst)):
        expected = pixel_array(path, index=index, decoding_plugin="pillow")
        np.testing.assert_array_equal(inst.frame(index).array(), expected)


def test_garbage_high_bits_are_masked(tmp_path: Path) -> None:
    path = make_dicom(tmp_path, bits_stored=12, garbage_high_bits=True)
    raw = np.frombuffer(pydicom.dcmread(path).PixelData, "<u2")
    assert raw.max() >= 4096  # the file really has bits above Bits Stored
    got = open(path).frame(0).array()
    assert got.max() < 4096
    np.testing.assert_array_equal(got.ravel(), raw & 0x0FFF)


def test_signed_values_are_sign_extended(tmp_path: Path) -> None:
    path = make_dicom(tmp_path, bits_stored=12, signed=True, garbage_high_bits=True)
    got = open(path).frame(0).array()
    assert got.dtype == np.int16
    assert got.min() == -2048
    assert got.max() == 2047


def test_ybr_jpeg_is_converted_to_rgb(tmp_path: Path) -> None:
    path = make_dicom(tmp_path, transfer_syntax=uid.JPEGBaseline8Bit, samples=3, bits_allocated=8)
    inst = open(path)
    assert inst.photometric_interpretation == "YBR_FULL_422"
    got = inst.frame(0).array()
    raw = pixel_array(path, decoding_plugin="pillow", raw=True)
    assert not np.array_equal(got, raw)  # converted, not the stored YCbCr
    source = pydicom.dcmread(path)  # the factory encoded RGB pixels: compare loosely
    assert got.shape == (int(source.Rows), int(source.Columns), 3)


def test_frame_is_a_checked_value(tmp_path: Path) -> None:
    inst = open(make_dicom(tmp_path, frames=3, rows=8, columns=8))
    assert inst.frame(2) == Frame(inst, 2)
    assert repr(inst.frame(1)).endswith("index=1)")
    with pytest.raises(FrameIndexError) as info:
        inst.frame(3)
    assert "frame index 3 out of range for 3 frames (0..2)" in str(info.value)
    assert isinstance(info.value, IndexError)
    with pytest.raises(FrameIndexError):
        inst.frame(-1)
    with pytest.raises(TypeError):
        inst.frame("1")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        inst.frame(True)
    assert [f.index for f in inst] == [0, 1, 2]


def test_frame_of_file_without_pixels(tmp_path: Path) -> None:
    path = make_dicom(tmp_path, rows=8, columns=8)
    ds = pydicom.dcmread(path)
    del ds.PixelData
    ds.save_as(path, enforce_file_format=True)
    inst = open(path)
    with pytest.raises(NoPixelDataError) as info:
        inst.frame(0)
    assert str(path) in str(info.value)


def test_cache_is_used_and_shared(tmp_path: Path) -> None:
    cache = ByteCache(10 * 1024 * 1024)
    path = make_dicom(tmp_path, frames=2, rows=8, columns=8)
    inst = Instance(path, cache=cache)
    frame = inst.frame(1)
    assert not frame.is_cached()
    first = frame.array()
    assert frame.is_cached()
    assert (inst.path, 1) in cache
    assert not inst.frame(0).is_cached()
    again = Instance(path, cache=cache).frame(1).array()
    assert again is first  # decoded once, shared
    assert not first.flags.writeable  # shared arrays are frozen
    np.testing.assert_array_equal(first, Instance(path).frame(1).array())
    assert Instance(path).frame(1).array().flags.writeable
    assert not Instance(path).frame(1).is_cached()


# -- display delegation ------------------------------------------------------------------


def test_display_methods_delegate_to_display(tmp_path: Path) -> None:
    from dcmview.sdk import display
    from dcmview.sdk.window import Window

    path = make_dicom(
        tmp_path, signed=True, rescale=(2.0, -1024.0), window=(40.0, 400.0), rows=16, columns=16
    )
    inst = open(path)
    frame = inst.frame(0)
    stored = frame.array()
    ds = inst.dataset
    np.testing.assert_array_equal(frame.modality_values(), display.modality_values(stored, ds, 0))
    np.testing.assert_allclose(frame.modality_values(), stored.astype(np.float64) * 2 - 1024)
    assert frame.default_window() == Window(40.0, 400.0)
    assert frame.window() == Window(40.0, 400.0)
    assert frame.window((10, 20)) == Window(10.0, 20.0)
    image = frame.render((10, 20))
    np.testing.assert_array_equal(image, display.render(stored, ds, 0, (10, 20))[0])
    from PIL import Image

    decoded = np.asarray(Image.open(io.BytesIO(frame.png((10, 20)))))
    np.testing.assert_array_equal(decoded, image)


def test_display_parameters_are_what_render_uses(tmp_path: Path) -> None:
    from dcmview.sdk.frame import DisplayParameters
    from dcmview.sdk.window import Window

    path = make_dicom(
        tmp_path,
        signed=True,
        rescale=(2.0, -1024.0),
        window=(40.0, 400.0),
        padding_value=-2000,
        modality="CT",
        rows=16,
        columns=16,
    )
    frame = open(path).frame(0)
    p = frame.display_parameters()
    assert p == DisplayParameters(
        photometric_interpretation="MONOCHROME2",
        rescale_slope=2.0,
        rescale_intercept=-1024.0,
        unit="HU",
        default_window=Window(40.0, 400.0),
        auto_window=frame.window("dicom"),
        full_window=frame.window("full"),
        presentation_lut_shape=None,
        padding=(-2000, -2000),
    )
    assert p.auto_window == Window(40.0, 400.0)
    # Given the samples it already holds, the same answer without decoding again.
    assert frame.display_parameters(frame.array()) == p


def test_display_parameters_of_a_colour_frame(tmp_path: Path) -> None:
    path = make_dicom(tmp_path, samples=3, bits_allocated=8, rows=8, columns=8)
    p = open(path).frame(0).display_parameters()
    assert p.photometric_interpretation == "RGB"
    assert (p.auto_window, p.full_window, p.default_window) == (None, None, None)
    assert (p.rescale_slope, p.rescale_intercept, p.unit) == (1.0, 0.0, "")


def test_display_parameters_of_a_file_without_a_window(tmp_path: Path) -> None:
    path = make_dicom(tmp_path, rows=8, columns=8, rescale=(1.0, 0.0))
    ds = pydicom.dcmread(path)
    ds.PresentationLUTShape = "INVERSE"
    ds.RescaleType = "OD"
    ds.save_as(path)
    frame = open(path).frame(0)
    p = frame.display_parameters()
    assert p.default_window is None
    assert p.auto_window == frame.window("dicom")  # the percentile fallback
    assert p.full_window == frame.window("full")
    assert (p.presentation_lut_shape, p.unit, p.padding) == ("INVERSE", "OD", None)


def test_pixel_is_the_stored_and_modality_value(tmp_path: Path) -> None:
    path = make_dicom(
        tmp_path, signed=True, rescale=(2.0, -1024.0), modality="CT", rows=16, columns=12
    )
    frame = open(path).frame(0)
    stored = int(frame.array()[5, 7])
    value = frame.pixel(5, 7)
    assert (value.row, value.column, value.stored, value.unit) == (5, 7, stored, "HU")
    assert value.modality == stored * 2.0 - 1024.0
    assert type(value.stored) is int


def test_pixel_of_a_colour_frame_has_samples_and_no_modality(tmp_path: Path) -> None:
    path = make_dicom(tmp_path, samples=3, bits_allocated=8, rows=8, columns=8)
    frame = open(path).frame(0)
    value = frame.pixel(1, 2)
    assert value.stored == tuple(frame.array()[1, 2].tolist())
    assert value.modality is None


@pytest.mark.parametrize(("row", "column"), [(16, 0), (0, 12), (-1, 0), (0, -1)])
def test_pixel_outside_the_frame_is_invalid_input(tmp_path: Path, row: int, column: int) -> None:
    from dcmview.sdk.errors import InvalidInputError

    frame = open(make_dicom(tmp_path, rows=16, columns=12)).frame(0)
    with pytest.raises(InvalidInputError, match="outside the 16×12 frame"):
        frame.pixel(row, column)
    with pytest.raises(TypeError):
        frame.pixel(True, 0)


def test_default_window_comes_from_functional_groups(tmp_path: Path) -> None:
    from dcmview.sdk.window import Window

    path = make_dicom(
        tmp_path,
        frames=3,
        rows=8,
        columns=8,
        per_frame_windows=[(100.0, 50.0), (200.0, 60.0), (300.0, 70.0)],
        shared_window=(1.0, 2.0),
    )
    inst = open(path)
    assert [f.default_window() for f in inst] == [
        Window(100.0, 50.0),
        Window(200.0, 60.0),
        Window(300.0, 70.0),
    ]
    assert inst.frame(2).render().dtype == np.uint8
