"""Window: the VOI functions of PS3.3 C.11.2 checked point by point and against pydicom."""

from __future__ import annotations

import dataclasses
import io
import math

import numpy as np
import pydicom
import pytest
from pydicom.data import get_testdata_file
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.pixels.processing import apply_voi, apply_windowing
from pydicom.uid import ExplicitVRLittleEndian, SecondaryCaptureImageStorage, generate_uid

from dcmview.sdk.errors import WindowError
from dcmview.sdk.window import PRESETS, VoiLut, Window, voi_lut_function


def windowing_dataset(center, width, function="LINEAR", bits=8):
    """A minimal MONOCHROME2 dataset whose window pydicom's apply_windowing reads."""
    ds = Dataset()
    ds.PhotometricInterpretation = "MONOCHROME2"
    ds.BitsStored = bits
    ds.PixelRepresentation = 0
    ds.WindowCenter = center
    ds.WindowWidth = width
    ds.VOILUTFunction = function
    return ds


def pydicom_y(values, center, width, function):
    """pydicom's apply_windowing output, with ymin 0 and ymax 255 (8 bits stored)."""
    ds = windowing_dataset(center, width, function)
    with np.errstate(over="ignore"):  # SIGMOID's exp() far outside the window
        return apply_windowing(np.asarray(values, dtype=np.float64), ds)


def pydicom_grey(values, center, width, function):
    """pydicom's windowed grey level, rounded half up."""
    return np.floor(pydicom_y(values, center, width, function) + 0.5).astype(int)


# -- the standard's formulas at hand-computed points --------------------------------------

# PS3.3 C.11.2.1.2.1, c = 40, w = 400: black at x <= 40 - 0.5 - 399/2 = -160, white at
# x > 39.5 + 199.5 = 239, between y = ((x - 39.5) / 399 + 0.5) * 255.
LINEAR_POINTS = [
    (-1000, 0),
    (-161, 0),
    (-160, 0),  # on the lower threshold: "x <= ..." is ymin
    (-159, 1),  # (-198.5/399 + 0.5) * 255 = 0.639
    (140, 192),  # (100.5/399 + 0.5) * 255 = 191.73
    (238, 254),  # (198.5/399 + 0.5) * 255 = 254.36
    (239, 255),  # on the upper threshold the formula gives exactly 255
    (240, 255),
    (5000, 255),
]

# C.11.2.1.3.2 LINEAR_EXACT, c = 0, w = 10: black at x <= -5, white at x > 5,
# between y = (x / 10 + 0.5) * 255.
LINEAR_EXACT_POINTS = [(-6, 0), (-5, 0), (-3, 51), (1, 153), (2.5, 191), (5, 255), (6, 255)]

# C.11.2.1.3.1 SIGMOID, c = 50, w = 100: y = 255 / (1 + exp(-4 (x - 50) / 100)).
SIGMOID_POINTS = [
    (-1e6, 0),
    (0, 30),  # 255 / (1 + e^2) = 30.40
    (75, 186),  # 255 / (1 + e^-1) = 186.42
    (150, 250),  # 255 / (1 + e^-4) = 250.41
    (1e6, 255),
]


@pytest.mark.parametrize(("x", "grey"), LINEAR_POINTS, ids=lambda v: str(v))
def test_linear_points(x, grey):
    assert Window(40, 400).apply([x]).tolist() == [grey]
    assert pydicom_grey([x], 40, 400, "LINEAR").tolist() == [grey]


@pytest.mark.parametrize(("x", "grey"), LINEAR_EXACT_POINTS, ids=lambda v: str(v))
def test_linear_exact_points(x, grey):
    assert Window(0, 10, "LINEAR_EXACT").apply([x]).tolist() == [grey]
    assert pydicom_grey([x], 0, 10, "LINEAR_EXACT").tolist() == [grey]


@pytest.mark.parametrize(("x", "grey"), SIGMOID_POINTS, ids=lambda v: str(v))
def test_sigmoid_points(x, grey):
    assert Window(50, 100, "SIGMOID").apply([x]).tolist() == [grey]
    assert pydicom_grey([x], 50, 100, "SIGMOID").tolist() == [grey]


def test_linear_width_one_is_a_threshold_at_center_minus_half():
    # C.11.2.1.2.1 with w = 1: x <= c - 0.5 is ymin, anything above is ymax (Note 3).
    values = [98, 99, 99.5, 99.50001, 100, 101]
    assert Window(100, 1).apply(values).tolist() == [0, 0, 0, 255, 255, 255]


def test_linear_width_one_and_two_agree_on_integers():
    # C.11.2.1.2.1 Note 5: "A Window Width of 2 will have the same result for integral
    # input values" as a threshold of width 1.
    values = np.arange(90, 111)
    np.testing.assert_array_equal(Window(100, 1).apply(values), Window(100, 2).apply(values))
    assert Window(100, 1).apply([99, 100]).tolist() == [0, 255]


@pytest.mark.parametrize("function", ["LINEAR", "LINEAR_EXACT", "SIGMOID"])
@pytest.mark.parametrize(
    ("center", "width"),
    [(40, 400), (-600, 1500), (2047.5, 4096), (0.25, 1.5), (1e4, 3), (100, 1)],
    ids=["ct", "lung", "12bit", "fraction", "narrow", "width1"],
)
def test_apply_matches_pydicom_windowing(function, center, width):
    rng = np.random.default_rng(7)
    values = np.concatenate(
        [
            rng.uniform(center - width, center + width, 5000),
            np.round(rng.uniform(center - width, center + width, 5000)),
            [center - width / 2, center + width / 2, center, center - 0.5],
        ]
    )
    got = Window(center, width, function).apply(values).astype(int)
    y = pydicom_y(values, center, width, function)
    expected = np.floor(y + 0.5).astype(int)
    assert np.abs(got - expected).max() <= 1
    # Off by one only where y sits on a rounding tie (y = k + 0.5 up to float error).
    tie = np.abs(y % 1.0 - 0.5) < 1e-6
    np.testing.assert_array_equal(got[~tie], expected[~tie])


def test_apply_keeps_shape_and_handles_nan_and_wide_integers():
    w = Window(3_000_000_000, 1000)
    wide = np.array([[2_999_999_499, 3_000_000_000], [3_000_000_400, 3_000_000_600]], np.int64)
    # float64 for 64-bit input: ((x - (c - 0.5)) / 999 + 0.5) * 255, exact to the grey level.
    assert w.apply(wide).tolist() == [[0, 128], [230, 255]]
    assert Window(0, 10).apply(np.array([np.nan, -100.0, 100.0])).tolist() == [0, 0, 255]
    assert Window(0, 10, "SIGMOID").apply(np.array([np.nan, 0.0])).tolist() == [0, 128]


# -- VOI LUT Sequence (PS3.3 C.11.2.1.1) ------------------------------------------------------


def voi_lut_file(first, bits, data, ow=False):
    """A real Secondary Capture file with a VOI LUT Sequence, written and read back."""
    ds = Dataset()
    ds.file_meta = FileMetaDataset()
    ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds.file_meta.MediaStorageSOPClassUID = SecondaryCaptureImageStorage
    ds.SOPClassUID = SecondaryCaptureImageStorage
    ds.SOPInstanceUID = ds.file_meta.MediaStorageSOPInstanceUID = generate_uid()
    ds.PixelRepresentation = 1 if first < 0 else 0
    ds.PhotometricInterpretation = "MONOCHROME2"
    ds.BitsStored = 16
    item = Dataset()
    item.LUTDescriptor = [len(data) % 65536, first, bits]
    if ow:
        item.add_new("LUTData", "OW", np.asarray(data, "<u2").tobytes())
    else:
        item.add_new("LUTData", "US", list(data))
    ds.VOILUTSequence = [item]
    buffer = io.BytesIO()
    ds.save_as(buffer, enforce_file_format=True)
    return pydicom.dcmread(io.BytesIO(buffer.getvalue()))


@pytest.mark.parametrize(
    ("first", "bits", "size", "ow"),
    [(0, 8, 256, False), (-100, 12, 300, False), (1000, 16, 4096, True), (0, 16, 65536, True)],
    ids=["8bit-us", "12bit-signed-first", "16bit-ow", "65536-entries"],
)
def test_voi_lut_matches_pydicom_apply_voi(first, bits, size, ow):
    rng = np.random.default_rng(size)
    data = np.sort(rng.integers(0, 2**bits, size))
    ds = voi_lut_file(first, bits, data, ow)
    window = Window.from_dataset(ds, 0)
    assert window is not None
    assert window.lut is not None
    assert (window.lut.first_mapped, window.lut.bits, len(window.lut.data)) == (first, bits, size)
    # Inputs below the first mapped value and inside the table. (pydicom 3.0 builds its
    # index array in the LUT's own dtype, so inputs past 2**bits wrap around there.)
    values = np.arange(first - 50, first + size)
    expected = np.floor(apply_voi(values, ds) * 255.0 / (2**bits - 1) + 0.5)
    np.testing.assert_array_equal(window.apply(values), expected)
    # Past the last entry: clamped to the last entry (C.11.2.1.1).
    last = round(int(data[-1]) * 255 / (2**bits - 1))
    assert window.apply([first + size, first + size + 10**6]).tolist() == [last, last]
    # The window's center/width describe the input range the table covers (Note 4).
    assert (window.center, window.width) == (first + size / 2, size)


def test_voi_lut_is_preferred_over_center_width_like_pydicom():
    ds = voi_lut_file(0, 8, np.arange(256)[::-1])
    ds.WindowCenter, ds.WindowWidth = 128, 256
    window = Window.from_dataset(ds, 0)
    assert (window.center, window.width) == (128, 256)
    assert window.apply([0, 255]).tolist() == [255, 0]  # the (inverting) LUT, not the window


def test_voi_lut_float_inputs_floor_into_the_table():
    lut = VoiLut(first_mapped=10, bits=8, data=(0, 100, 255))
    assert lut.apply(np.array([9.0, 10.9, 11.0, 12.5, 99.0, np.nan])).tolist() == [
        0,
        0,
        100,
        255,
        255,
        0,
    ]


def test_voi_lut_validation():
    with pytest.raises(WindowError, match="empty"):
        VoiLut(0, 8, ())
    with pytest.raises(WindowError, match="17"):
        VoiLut(0, 17, (1, 2))


# -- coerce, presets, from_range -----------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "center", "width"),
    [
        ("ct_abdomen", 60, 400),
        ("angio", 300, 600),
        ("bone", 300, 1500),
        ("brain", 40, 80),
        ("chest", 40, 400),
        ("lung", -600, 1500),
    ],
)
def test_presets_are_the_viewers(name, center, width):
    assert PRESETS[name] == Window(center, width)
    spelled = [name.upper(), name.replace("_", "-"), f"  {name.title()} ", name.replace("_", " ")]
    for spelling in spelled:
        assert Window.coerce(spelling) == Window(center, width), spelling


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, "dicom"),
        ("dicom", "dicom"),
        ("DEFAULT", "dicom"),
        ("full", "full"),
        ("Full-Dynamic", "full"),
        ((40, 400), Window(40, 400)),
        ([40.5, 400], Window(40.5, 400)),
        (np.array([40, 400]), Window(40, 400)),
        ((np.int16(-600), np.float32(1500)), Window(-600, 1500)),
        (Window(1, 2, "SIGMOID"), Window(1, 2, "SIGMOID")),
        ({"center": 40, "width": 400.0}, Window(40, 400)),
    ],
    ids=[
        "none",
        "dicom",
        "default",
        "full",
        "full-dynamic",
        "tuple",
        "list",
        "ndarray",
        "numpy",
        "window",
        "mapping",
    ],
)
def test_coerce(value, expected):
    assert Window.coerce(value) == expected


@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        ((40, 0), "width 0"),
        ((40, -10), "width -10"),
        ((40, 0.5), "width 0.5"),
        ((40, math.nan), "nan"),
        ((math.inf, 400), "inf"),
        (("40", 400), "'40'"),
        ((True, 400), "True"),
        ((1, 2, 3), "3 values"),
        ("bogus", "'bogus'"),
        ("ct abdomen window", "'ct abdomen window'"),
        ({"center": 40}, "'center'$"),
        ({"center": 40, "width": 400, "function": "SIGMOID"}, "'function'"),
        ({"center": "40", "width": 400}, "'40'"),
        ({"center": 40, "width": 0}, "width 0"),
    ],
    ids=[
        "width0",
        "negative",
        "linear-below-1",
        "nan",
        "inf",
        "string",
        "bool",
        "three",
        "name",
        "long-name",
        "mapping-without-width",
        "mapping-with-function",
        "mapping-string",
        "mapping-width0",
    ],
)
def test_coerce_errors_name_the_value(value, fragment):
    with pytest.raises(WindowError, match=fragment.replace("(", r"\(")) as info:
        Window.coerce(value)
    assert info.value.code == "invalid_window"
    assert isinstance(info.value, ValueError)


def test_coerce_rejects_other_types():
    with pytest.raises(TypeError, match="int"):
        Window.coerce(40)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("function", "width", "valid"),
    [
        ("LINEAR", 1, True),
        ("LINEAR", 0.999, False),
        ("LINEAR_EXACT", 0.001, True),
        ("LINEAR_EXACT", 0, False),
        ("SIGMOID", 0.001, True),
        ("SIGMOID", -1, False),
    ],
)
def test_width_limits_per_function(function, width, valid):
    if valid:
        assert Window(0, width, function).width == width
    else:
        with pytest.raises(WindowError, match=f"{width:g}"):
            Window(0, width, function)


def test_unknown_function_is_rejected():
    with pytest.raises(WindowError, match="'GAMMA'"):
        Window(0, 10, "GAMMA")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("name", "function"),
    [("LINEAR", "LINEAR"), ("linear_exact", "LINEAR_EXACT"), ("Sigmoid", "SIGMOID")],
)
def test_voi_lut_function_reads_any_case(name, function):
    assert voi_lut_function(name) == function
    assert Window(0, 10, voi_lut_function(name)).function == function


@pytest.mark.parametrize("name", ["GAMMA", "", " SIGMOID", "LINEAR-EXACT"])
def test_voi_lut_function_refuses_other_names(name):
    with pytest.raises(WindowError, match="is not one of LINEAR, LINEAR_EXACT, SIGMOID"):
        voi_lut_function(name)


def test_window_is_immutable_and_hashable():
    w = Window(40, 400)
    with pytest.raises(dataclasses.FrozenInstanceError):
        w.center = 0  # type: ignore[misc]
    assert {w, Window(40.0, 400.0)} == {w}
    assert isinstance(w.center, float)


@pytest.mark.parametrize(("low", "high"), [(0, 4095), (-1024, 3071), (0.25, 0.75), (7, 8)])
def test_from_range_maps_low_to_black_and_high_to_white(low, high):
    w = Window.from_range(low, high)
    assert w.function == "LINEAR"
    below, at_low, at_high, above = w.apply([low - 1, low, high, high + 1]).tolist()
    assert (below, at_low, at_high, above) == (0, 0, 255, 255)


def test_from_range_of_one_value_is_a_threshold_there():
    # Width 1 (C.11.2.1.2.1 Note 5): the value itself is black, anything above white.
    assert Window.from_range(7, 7).apply([6, 7, 7.01, 8]).tolist() == [0, 0, 255, 255]


def test_from_range_rejects_reversed_bounds():
    with pytest.raises(WindowError, match="below"):
        Window.from_range(10, 5)


# -- from_dataset ---------------------------------------------------------------------


def test_from_dataset_reads_the_first_of_multi_valued_windows():
    ds = pydicom.dcmread(get_testdata_file("CT_small.dcm"), stop_before_pixels=True)
    ds.WindowCenter = [40, -600]
    ds.WindowWidth = [400, 1500]
    ds.VOILUTFunction = "SIGMOID"
    assert Window.from_dataset(ds, 0) == Window(40, 400, "SIGMOID")


def test_from_dataset_bundled_mr_matches_its_tags():
    ds = pydicom.dcmread(get_testdata_file("MR_small.dcm"), stop_before_pixels=True)
    assert Window.from_dataset(ds, 0) == Window(float(ds.WindowCenter), float(ds.WindowWidth))


def test_from_dataset_reads_an_unknown_function_as_linear():
    ds = Dataset()
    ds.WindowCenter, ds.WindowWidth, ds.VOILUTFunction = 40, 400, "GAMMA22"
    assert Window.from_dataset(ds, 0) == Window(40, 400)


@pytest.mark.parametrize(
    "tags",
    [{}, {"WindowCenter": 40}, {"WindowCenter": 40, "WindowWidth": 0}],
    ids=["none", "center-without-width", "width-0"],
)
def test_from_dataset_without_a_usable_window_is_none(tags):
    ds = Dataset()
    for keyword, value in tags.items():
        setattr(ds, keyword, value)
    assert Window.from_dataset(ds, 0) is None
