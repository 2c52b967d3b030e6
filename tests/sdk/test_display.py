"""display: rescale, functional groups, padding, MONOCHROME1, palette and RGB rendering."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pydicom
import pytest
from pydicom.data import get_testdata_file
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.pixels import pixel_array
from pydicom.pixels.processing import apply_color_lut, apply_modality_lut
from pydicom.uid import (
    BreastTomosynthesisImageStorage,
    CTImageStorage,
    DigitalXRayImageStorageForPresentation,
    ExplicitVRLittleEndian,
    MRImageStorage,
    SecondaryCaptureImageStorage,
    UltrasoundImageStorage,
    generate_uid,
)

from dcmview.sdk import display
from dcmview.sdk.errors import UnsupportedPixelLayoutError, WindowError
from dcmview.sdk.window import Window
from tests.corpus import manifest, params

# -- DICOM built in the test ---------------------------------------------------------------


def build(pixels, photometric="MONOCHROME2", sop_class=SecondaryCaptureImageStorage, **tags):
    """Write a real DICOM file (BytesIO) with `pixels` and `tags`; return its bytes."""
    ds = Dataset()
    ds.file_meta = FileMetaDataset()
    ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds.SOPClassUID = sop_class
    ds.SOPInstanceUID = generate_uid()
    ds.Modality = tags.pop("Modality", "OT")
    arr = np.asarray(pixels)
    bits = tags.pop("BitsStored", arr.dtype.itemsize * 8)
    ds.set_pixel_data(arr, photometric, bits)
    for keyword, value in tags.items():
        if isinstance(value, tuple):  # (VR, value) for an explicit VR
            ds.add_new(pydicom.datadict.tag_for_keyword(keyword), *value)
        else:
            setattr(ds, keyword, value)
    buffer = io.BytesIO()
    ds.save_as(buffer, enforce_file_format=True)
    return buffer.getvalue()


def read(data):
    """(header dataset, [frames decoded by pydicom]) of a file built by :func:`build`."""
    ds = pydicom.dcmread(io.BytesIO(data), stop_before_pixels=True)
    frames = int(ds.get("NumberOfFrames") or 1)
    return ds, [pixel_array(io.BytesIO(data), index=i) for i in range(frames)]


def item(**tags):
    ds = Dataset()
    for keyword, value in tags.items():
        setattr(ds, keyword, value)
    return ds


def ramp(shape=(32, 40), low=0, high=1023, dtype=np.uint16):
    return np.linspace(low, high, np.prod(shape)).round().astype(dtype).reshape(shape)


# -- rescale and modality values ------------------------------------------------------------


@pytest.mark.parametrize(
    ("tags", "expected"),
    [
        ({"Modality": "CT", "RescaleSlope": 1, "RescaleIntercept": -1024}, (1.0, -1024.0, "HU")),
        (
            {"Modality": "CT", "RescaleSlope": 1, "RescaleIntercept": -1024, "RescaleType": "US"},
            (1.0, -1024.0, "HU"),
        ),
        (
            {"Modality": "MR", "RescaleSlope": 2.5, "RescaleIntercept": -5, "RescaleType": "OD"},
            (2.5, -5.0, "OD"),
        ),
        (
            {"Modality": "DX", "RescaleSlope": 1, "RescaleIntercept": 0, "RescaleType": "US"},
            (1, 0, ""),
        ),
        ({"Modality": "MR"}, (1.0, 0.0, "")),
    ],
    ids=["ct", "ct-type-unspecified", "rescale-type", "dx-unspecified", "none"],
)
def test_rescale_and_unit(tags, expected):
    ds, _ = read(build(ramp(), **tags))
    assert display.rescale(ds, 0) == expected


@pytest.mark.parametrize("name", ["CT_small.dcm", "MR_small.dcm", "693_J2KI.dcm"])
def test_modality_values_match_pydicom(name):
    path = get_testdata_file(name)
    ds = pydicom.dcmread(path, stop_before_pixels=True)
    stored = pixel_array(path)
    values = display.modality_values(stored, ds, 0)
    assert values.dtype == np.float32
    np.testing.assert_array_equal(values, apply_modality_lut(stored, ds).astype(np.float32))


def modality_lut_file(pixels, first=0):
    lut = Dataset()
    lut.LUTDescriptor = [256, first, 16]
    lut.ModalityLUTType = "OD"
    lut.add_new("LUTData", "US", [int(v) for v in (np.arange(256) ** 2 // 16)])
    return build(pixels, Modality="DX", ModalityLUTSequence=[lut], BitsStored=8)


def test_modality_lut_sequence_is_applied_like_pydicom():
    ds, (stored,) = read(modality_lut_file(ramp(high=255, dtype=np.uint8), first=10))
    np.testing.assert_array_equal(
        display.modality_values(stored, ds, 0), apply_modality_lut(stored, ds).astype(np.float32)
    )
    assert display.rescale(ds, 0) == (1.0, 0.0, "OD")
    # No slope and intercept describe it: a client must not window stored samples.
    assert display.has_modality_lut(ds, 0)
    assert not display.has_modality_lut(read(build(ramp(), RescaleSlope=2))[0], 0)
    image, used = display.render(stored, ds, 0, (2000, 4000))
    np.testing.assert_array_equal(image, used.apply(apply_modality_lut(stored, ds)))


# -- per-frame / shared functional groups --------------------------------------------------


def enhanced_file():
    """A Breast-Tomosynthesis-like file whose window and rescale live ONLY in the groups.

    Frame 0: its own window (800/1200) and rescale (x2 - 100); frame 1: nothing of its
    own, so the shared window (500/400) and rescale (x1 + 0); frame 2: its own SIGMOID.
    """
    frames = np.stack([ramp(high=1023), ramp(high=1023)[::-1], ramp(high=900)])
    shared = item(
        FrameVOILUTSequence=[item(WindowCenter=500, WindowWidth=400)],
        PixelValueTransformationSequence=[
            item(RescaleSlope=1, RescaleIntercept=0, RescaleType="US")
        ],
    )
    per_frame = [
        item(
            FrameVOILUTSequence=[item(WindowCenter=800, WindowWidth=1200)],
            PixelValueTransformationSequence=[item(RescaleSlope=2, RescaleIntercept=-100)],
        ),
        item(FrameContentSequence=[item(InStackPositionNumber=2)]),
        item(
            FrameVOILUTSequence=[item(WindowCenter=450, WindowWidth=300, VOILUTFunction="SIGMOID")]
        ),
    ]
    return build(
        frames,
        sop_class=BreastTomosynthesisImageStorage,
        Modality="MG",
        BitsStored=10,
        SharedFunctionalGroupsSequence=[shared],
        PerFrameFunctionalGroupsSequence=per_frame,
    )


EXPECTED_FRAMES = [
    (Window(800, 1200), (2.0, -100.0, "")),
    (Window(500, 400), (1.0, 0.0, "")),
    (Window(450, 300, "SIGMOID"), (1.0, 0.0, "")),
]


@pytest.mark.parametrize("index", [0, 1, 2], ids=["own-window", "shared-window", "own-sigmoid"])
def test_window_and_rescale_come_from_the_functional_groups(index):
    ds, frames = read(enhanced_file())
    assert "WindowCenter" not in ds
    assert "RescaleSlope" not in ds
    window, scaling = EXPECTED_FRAMES[index]
    stored = frames[index]
    assert display.rescale(ds, index) == scaling
    assert Window.from_dataset(ds, index) == window
    image, used = display.render(stored, ds, index)
    assert used == window  # not the percentile fallback
    slope, intercept, _ = scaling
    np.testing.assert_array_equal(image, window.apply(stored * slope + intercept))
    assert (image == 255).mean() < 0.5  # not rendered white
    assert int(image.max()) - int(image.min()) > 200  # and not flat
    assert used != display.resolve_window("full", stored, ds, index)


DBT_ROWS = [row for row in manifest() if "DBT_L_CC_12f_" in row["path"]]


@pytest.mark.corpus
@pytest.mark.parametrize("row", params(DBT_ROWS))
def test_corpus_dbt_uses_its_frame_voi_lut_sequence(row):
    path = row["abspath"]
    ds = pydicom.dcmread(path, stop_before_pixels=True)
    assert "WindowCenter" not in ds
    frames = int(ds.NumberOfFrames)
    for index in sorted({0, frames // 2, frames - 1}):
        per_frame = ds.PerFrameFunctionalGroupsSequence[index]
        group = (
            per_frame
            if "FrameVOILUTSequence" in per_frame
            else ds.SharedFunctionalGroupsSequence[0]
        )
        voi = group.FrameVOILUTSequence[0]
        expected = Window(float(voi.WindowCenter), float(voi.WindowWidth))
        image, used = display.render(pixel_array(path, index=index), ds, index)
        assert used == expected, index
        assert (image == 255).mean() < 0.5, index
        assert 0 < image.mean() < 200, index


# -- padding ------------------------------------------------------------------------------


def padded_ct():
    """A CT with PixelPaddingValue -2000 outside a disc, and HU = stored - 1024."""
    yy, xx = np.mgrid[:48, :48]
    stored = ramp((48, 48), 0, 2500, np.int16)
    stored[(yy - 24) ** 2 + (xx - 24) ** 2 > 20**2] = -2000
    data = build(
        stored,
        sop_class=CTImageStorage,
        Modality="CT",
        RescaleSlope=1,
        RescaleIntercept=-1024,
        PixelPaddingValue=("SS", -2000),
    )
    return read(data)[0], stored


def test_padding_is_black_and_excluded_from_auto_windows():
    ds, stored = padded_ct()
    mask = display.padding_mask(stored, ds)
    np.testing.assert_array_equal(mask, stored == -2000)
    hu = stored[~mask].astype(np.float64) - 1024
    image, used = display.render(stored, ds, 0)  # no window in the file: percentiles
    low, high = np.percentile(hu, [1, 99], method="inverted_cdf")
    assert used == Window.from_range(low, high)
    assert (image[mask] == 0).all()
    full = display.resolve_window("full", stored, ds, 0)
    assert full == Window.from_range(hu.min(), hu.max())
    # Padding stays black under a window that would show -3024 HU as white, inverted too.
    image, _ = display.render(stored, ds, 0, Window(-4000, 10))
    assert (image[mask] == 0).all()
    assert (image[~mask] == 255).all()


@pytest.mark.parametrize(
    ("stored", "tags"),
    [
        (ramp(low=0, high=4095), {}),
        (ramp(low=0, high=4095), {"RescaleSlope": -2, "RescaleIntercept": 100}),
        (ramp(low=0, high=4095), {"PixelPaddingValue": ("US", 0)}),
        (
            ramp(low=0, high=4095),
            {"PixelPaddingValue": ("US", 4000), "PixelPaddingRangeLimit": ("US", 4095)},
        ),
        (ramp(low=0, high=4095), {"PixelPaddingValue": ("US", 100)}),
        (np.full((8, 8), 7, np.uint16), {"PixelPaddingValue": ("US", 7)}),
        (ramp(low=-3000, high=3000, dtype=np.int16), {"PixelPaddingValue": ("SS", -3000)}),
        (ramp(low=0, high=255, dtype=np.uint8), {"PixelPaddingValue": ("US", 255)}),
    ],
    ids=[
        "plain",
        "negative-slope",
        "padding-at-minimum",
        "padding-range-at-top",
        "padding-value-inside-range",
        "nothing-but-padding",
        "signed-padding",
        "uint8-padding-at-maximum",
    ],
)
def test_full_window_is_min_max_of_modality_values_without_padding(stored, tags):
    # The full range comes from the stored extremes (fast path): it must equal the
    # minimum..maximum of the modality values of the non-padding pixels.
    ds, (decoded,) = read(build(stored, **tags))
    values = display.modality_values(decoded, ds).astype(np.float64)
    mask = display.padding_mask(decoded, ds)
    if mask is not None and (~mask).any():
        values = values[~mask]
    full = display.resolve_window("full", decoded, ds, 0)
    assert full == Window.from_range(values.min(), values.max())


def test_full_window_of_32_bit_samples():
    # Beyond 16 bits there is no histogram table: the extremes still decide.
    stored = ramp(low=-70000, high=90000, dtype=np.int32)
    ds = item(PhotometricInterpretation="MONOCHROME2", RescaleSlope=-0.5, RescaleIntercept=3)
    values = display.modality_values(stored, ds).astype(np.float64)
    full = display.resolve_window("full", stored, ds, 0)
    assert full == Window.from_range(values.min(), values.max())


def test_full_window_through_a_modality_lut_uses_the_lut_values():
    # A Modality LUT need not be monotonic: the extremes of the output decide.
    ds, (decoded,) = read(modality_lut_file(ramp(high=255, dtype=np.uint8), first=10))
    values = display.modality_values(decoded, ds)
    assert display.resolve_window("full", decoded, ds, 0) == Window.from_range(
        float(values.min()), float(values.max())
    )


@pytest.mark.parametrize(
    ("pixel_representation", "padding", "stored_value"),
    [
        (1, ("US", 63536), -2000),
        (1, ("SS", -2000), -2000),
        (0, ("SS", -1), 65535),
        (0, ("US", 7), 7),
    ],
    ids=["signed-read-as-US", "signed-SS", "unsigned-read-as-SS", "unsigned-US"],
)
def test_padding_value_is_compared_with_the_stored_sign(
    pixel_representation, padding, stored_value
):
    dtype = np.int16 if pixel_representation else np.uint16
    stored = ramp((8, 8), 0, 1000, dtype)
    stored[0, :3] = stored_value
    ds, (decoded,) = read(build(stored, PixelPaddingValue=padding))
    assert ds.PixelRepresentation == pixel_representation
    mask = display.padding_mask(decoded, ds)
    np.testing.assert_array_equal(mask, decoded == stored_value)
    assert mask.sum() == 3


def test_padding_range_limit_covers_an_inclusive_range():
    stored = ramp((16, 16), 0, 255, np.uint16)
    ds, (decoded,) = read(
        build(stored, PixelPaddingValue=("US", 20), PixelPaddingRangeLimit=("US", 5))
    )
    mask = display.padding_mask(decoded, ds)
    np.testing.assert_array_equal(mask, (decoded >= 5) & (decoded <= 20))
    image, used = display.render(decoded, ds, 0, "full")
    assert used == Window.from_range(decoded[~mask].min(), decoded.max())
    assert (image[mask] == 0).all()


def test_no_padding_attribute_means_no_mask():
    ds = pydicom.dcmread(get_testdata_file("MR_small.dcm"), stop_before_pixels=True)
    assert display.padding_mask(np.zeros((2, 2), np.int16), ds) is None


# -- MONOCHROME1 and Presentation LUT Shape -------------------------------------------------


@pytest.mark.parametrize(
    ("photometric", "shape", "inverted"),
    [
        ("MONOCHROME2", None, False),
        ("MONOCHROME2", "IDENTITY", False),
        ("MONOCHROME1", None, True),
        ("MONOCHROME1", "INVERSE", True),  # one inversion, described twice (PS3.3 C.8.11.1.1)
        ("MONOCHROME2", "INVERSE", True),
    ],
    ids=["mono2", "mono2-identity", "mono1", "mono1-inverse", "mono2-inverse"],
)
def test_inversion_happens_once_after_the_window(photometric, shape, inverted):
    stored = ramp()
    tags = {"PresentationLUTShape": shape} if shape else {}
    ds, (decoded,) = read(
        build(stored, photometric, DigitalXRayImageStorageForPresentation, BitsStored=10, **tags)
    )
    window = Window(400, 300)
    image, _ = display.render(decoded, ds, 0, window)
    plain = window.apply(stored)
    np.testing.assert_array_equal(image, 255 - plain if inverted else plain)
    assert display.inverted(ds) is inverted


@pytest.mark.corpus
def test_corpus_monochrome1_displays_like_its_monochrome2_twin(corpus_ci):
    mg = next(corpus_ci.glob("mg/*/*"))
    images = []
    for name in ("L_CC_monochrome1_explicit_le.dcm", "L_CC_explicit_le.dcm"):
        path = mg / name
        ds = pydicom.dcmread(path, stop_before_pixels=True)
        images.append(display.render(pixel_array(path), ds, 0)[0].astype(int))
    # Their stored values are mirror images; inverted once they look alike (inverted
    # twice or never, the mean difference would be ~150 grey levels).
    assert np.abs(images[0] - images[1]).mean() < 8


# -- color --------------------------------------------------------------------------------


def test_rgb_8bit_passes_through_and_ignores_a_valid_window():
    path = get_testdata_file("examples_rgb_color.dcm")
    ds = pydicom.dcmread(path, stop_before_pixels=True)
    stored = pixel_array(path)
    image, used = display.render(stored, ds, 0, (40, 400))
    assert used is None
    assert display.resolve_window(None, stored, ds, 0) is None
    np.testing.assert_array_equal(image, stored)
    assert image is not stored
    with pytest.raises(WindowError, match="width 0"):
        display.render(stored, ds, 0, (40, 0))


@pytest.mark.parametrize("name", ["SC_rgb_rle_16bit.dcm", "SC_rgb_rle_32bit.dcm"])
def test_rgb_wider_than_8_bits_is_scaled_from_bits_stored(name):
    path = get_testdata_file(name)
    ds = pydicom.dcmread(path, stop_before_pixels=True)
    stored = pixel_array(path)
    image, _ = display.render(stored, ds, 0)
    expected = np.floor(stored.astype(np.float64) * 255 / (2**ds.BitsStored - 1) + 0.5)
    assert image.shape == stored.shape
    np.testing.assert_array_equal(image, expected)


def test_ybr_decoded_to_rgb_renders_as_rgb():
    path = get_testdata_file("SC_ybr_full_422_uncompressed.dcm")
    ds = pydicom.dcmread(path, stop_before_pixels=True)
    stored = pixel_array(path)  # pydicom converts YBR to RGB (the Frame.array contract)
    np.testing.assert_array_equal(display.render(stored, ds, 0)[0], stored)


def palette_file(bits, entries=256, first=0, stored_dtype=np.uint8):
    rng = np.random.default_rng(bits)
    top = 2**bits - 1
    luts = [rng.integers(0, top + 1, entries).astype(f"<u{bits // 8}") for _ in range(3)]
    descriptor = [entries % 65536, first, bits]
    stored = (
        ramp(high=entries - 1 + first, dtype=stored_dtype)
        if first == 0
        else ramp(low=first - 3, high=first + entries + 3, dtype=stored_dtype)
    )
    return build(
        stored,
        "PALETTE COLOR",
        UltrasoundImageStorage,
        Modality="US",
        RedPaletteColorLookupTableDescriptor=("US", descriptor),
        GreenPaletteColorLookupTableDescriptor=("US", descriptor),
        BluePaletteColorLookupTableDescriptor=("US", descriptor),
        RedPaletteColorLookupTableData=("OW", luts[0].tobytes()),
        GreenPaletteColorLookupTableData=("OW", luts[1].tobytes()),
        BluePaletteColorLookupTableData=("OW", luts[2].tobytes()),
    )


@pytest.mark.parametrize(
    ("data", "entry_bits"),
    [
        (lambda: palette_file(8), 8),
        (lambda: palette_file(16), 16),
        (lambda: palette_file(16, entries=4096, first=100, stored_dtype=np.uint16), 16),
        (lambda: Path(get_testdata_file("examples_palette.dcm")).read_bytes(), 16),
    ],
    ids=["8bit-entries", "16bit-entries", "16bit-indices-first-100", "bundled-examples_palette"],
)
def test_palette_color_goes_through_its_luts(data, entry_bits):
    ds, (stored,) = read(data())
    assert ds.RedPaletteColorLookupTableDescriptor[2] == entry_bits
    image, used = display.render(stored, ds, 0, "lung")
    assert used is None
    rgb = apply_color_lut(stored, ds).astype(np.float64)
    expected = np.floor(rgb * 255 / (2**entry_bits - 1) + 0.5)
    assert image.shape == (*stored.shape, 3)
    assert image.dtype == np.uint8
    np.testing.assert_array_equal(image, expected)


def test_four_samples_are_refused_with_the_count():
    ds = pydicom.dcmread(get_testdata_file("examples_rgb_color.dcm"), stop_before_pixels=True)
    with pytest.raises(UnsupportedPixelLayoutError, match="4 samples"):
        display.render(np.zeros((4, 4, 4), np.uint8), ds, 0)


# -- one computation, whichever path -------------------------------------------------------


def test_big_endian_frames_render_like_little_endian():
    little, big = (get_testdata_file(n) for n in ("MR_small.dcm", "MR_small_bigendian.dcm"))
    stored_big = pixel_array(big)
    assert not stored_big.dtype.isnative
    images = [
        display.render(pixel_array(p), pydicom.dcmread(p, stop_before_pixels=True), 0)
        for p in (little, big)
    ]
    np.testing.assert_array_equal(images[0][0], images[1][0])
    assert images[0][1] == images[1][1]


@pytest.mark.parametrize(
    "window",
    [None, "full", (300, 500), Window(200, 300, "SIGMOID")],
    ids=["percentile", "full", "linear", "sigmoid"],
)
@pytest.mark.parametrize("dtype", [np.uint16, np.int16, np.uint8], ids=["u16", "i16", "u8"])
def test_table_path_equals_float_path(window, dtype):
    ds, stored = padded_ct()
    stored = np.clip(stored, np.iinfo(dtype).min, np.iinfo(dtype).max).astype(dtype)
    ds.PixelRepresentation = int(np.dtype(dtype).kind == "i")
    via_table = display.render(stored, ds, 0, window)
    via_floats = display.render(stored.astype(np.float32), ds, 0, window)
    assert via_table[1] == via_floats[1]
    np.testing.assert_array_equal(via_table[0], via_floats[0])
    expected = via_table[1].apply(display.modality_values(stored, ds, 0))
    mask = display.padding_mask(stored, ds)
    expected[mask] = 0
    np.testing.assert_array_equal(via_table[0], expected)


def test_a_mostly_padding_frame_still_gets_a_window():
    ds, stored = padded_ct()
    stored = np.full_like(stored, -2000)
    image, used = display.render(stored, ds, 0)
    assert used == Window.from_range(-3024, -3024)
    assert (image == 0).all()


def test_frame_index_selects_only_that_frames_group():
    ds, frames = read(enhanced_file())
    # Past the per-frame items (a damaged file): the shared group still applies.
    assert Window.from_dataset(ds, 99) == Window(500, 400)
    assert display.rescale(ds, 99) == (1.0, 0.0, "")


def test_mr_file_is_windowed_from_its_tags():
    path = get_testdata_file("MR_small.dcm")
    ds = pydicom.dcmread(path, stop_before_pixels=True)
    image, used = display.render(pixel_array(path), ds, 0)
    assert used == Window(float(ds.WindowCenter), float(ds.WindowWidth))
    assert image.shape == (ds.Rows, ds.Columns)


def test_mr_modality_is_not_hu():
    ds, _ = read(build(ramp(), sop_class=MRImageStorage, Modality="MR"))
    assert display.rescale(ds, 0)[2] == ""
