"""render/png agree with a reference built from pydicom's modality LUT and VOI functions.

For every pydicom bundled file that pydicom decodes and every corpus file expected to
have pixels, the first, middle and last frame are rendered with the DICOM default
window and with an explicit window. The reference is written plainly here from
pydicom's ``apply_modality_lut`` / ``apply_windowing`` / ``apply_voi`` / ``apply_color_lut``
(per-frame functional groups copied to the top level, where pydicom reads them) and
the standard's percentile / inversion / padding rules; it must agree within one
grey level.
"""

from __future__ import annotations

import copy
import functools
import io
import warnings
from pathlib import Path

import numpy as np
import pydicom
import pytest
from PIL import Image
from pydicom.data.data_manager import DATA_ROOT
from pydicom.dataset import Dataset
from pydicom.pixels import pixel_array
from pydicom.pixels.processing import (
    apply_color_lut,
    apply_modality_lut,
    apply_voi,
    apply_windowing,
)
from pydicom.uid import ImplicitVRLittleEndian

from dcmview.sdk import display
from dcmview.sdk.errors import DcmviewError
from dcmview.sdk.window import Window
from tests.corpus import manifest

WINDOWS = ["dicom", "explicit"]


# -- the cases ------------------------------------------------------------------------------


def _frames(path: str) -> int | None:
    """Number of frames of a file with pixel data, None for anything else."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            ds = pydicom.dcmread(path, stop_before_pixels=False, force=True, defer_size=64)
        except Exception:  # not DICOM at all: not a case
            return None
    if "PixelData" not in ds or "Rows" not in ds:
        return None
    try:
        return max(int(ds.get("NumberOfFrames") or 1), 1)
    except (TypeError, ValueError):
        return 1


def _frame_indexes(frames: int) -> list[int]:
    return sorted({0, frames // 2, frames - 1})


def bundled_cases() -> list[object]:
    cases = []
    # The bundled folder itself: get_testdata_files() would try to download pydicom-data.
    for path in sorted(str(p) for p in Path(DATA_ROOT, "test_files").rglob("*") if p.is_file()):
        frames = _frames(path)
        if frames is None:
            continue
        name = Path(path).name
        for index in _frame_indexes(frames):
            for window in WINDOWS:
                cases.append(pytest.param(path, index, window, id=f"{name}-f{index}-{window}"))
    return cases


def corpus_cases() -> list[object]:
    rows = [row for row in manifest() if row["expect"] in {"pixels", "pixels_force"}]
    cases = []
    for row in rows:
        for index in _frame_indexes(int(row["frames"] or 1)):
            for window in WINDOWS:
                cases.append(
                    pytest.param(
                        row["abspath"], index, window, id=f"{row['path']}-f{index}-{window}"
                    )
                )
    return cases


# -- decoding with pydicom alone -------------------------------------------------------------


@functools.lru_cache(maxsize=4)
def header(path: str) -> Dataset:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return pydicom.dcmread(path, stop_before_pixels=True, force=True)


def pydicom_frame(path: str, index: int) -> np.ndarray | None:
    """pydicom's decoded frame; for a file pydicom cannot decode, the SDK's, else None.

    The display pipeline is tested on stored values: when pydicom refuses a frame (a
    deliberately broken bundled file), the SDK's own decode is the input; the SDK must
    decode it or refuse it with its typed error (None: nothing to display).
    """
    try:
        return pydicom_reference(path, index)
    except Exception:
        from dcmview.sdk.instance import open as open_instance

        try:
            return open_instance(path).frame(index).array()
        except DcmviewError:
            return None  # refused with the SDK's typed error, as pydicom refuses it


@functools.lru_cache(maxsize=4)
def pydicom_reference(path: str, index: int) -> np.ndarray:
    """pydicom's decoded frame; raises what pydicom raises."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return pixel_array(path, index=index)
        except Exception:
            pass
        ds = pydicom.dcmread(path, force=True)
        if "TransferSyntaxUID" not in ds.file_meta and ds.original_encoding == (True, True):
            ds.file_meta.TransferSyntaxUID = ImplicitVRLittleEndian  # no meta: PS3.5 default
        return pixel_array(ds, index=index)


# -- the reference --------------------------------------------------------------------------


def flat_dataset(ds: Dataset, index: int) -> Dataset:
    """A copy of `ds` with the frame's functional-group rescale and VOI at the top level.

    PS3.3 C.7.6.16: the per-frame item overrides the shared item, which overrides the
    top level; so assign shared first, then per-frame.
    """
    flat = copy.deepcopy(ds)
    groups = []
    if "SharedFunctionalGroupsSequence" in ds:
        groups.append(ds.SharedFunctionalGroupsSequence[0])
    per_frame = ds.get("PerFrameFunctionalGroupsSequence")
    if per_frame and index < len(per_frame):
        groups.append(per_frame[index])
    for group in groups:
        if "PixelValueTransformationSequence" in group:
            pvt = group.PixelValueTransformationSequence[0]
            flat.RescaleSlope = pvt.get("RescaleSlope", 1)
            flat.RescaleIntercept = pvt.get("RescaleIntercept", 0)
            if "ModalityLUTSequence" in flat:
                del flat.ModalityLUTSequence
        if "FrameVOILUTSequence" in group:
            voi = group.FrameVOILUTSequence[0]
            for keyword in ("WindowCenter", "WindowWidth", "VOILUTFunction"):
                if keyword in voi:
                    setattr(flat, keyword, voi[keyword].value)
    return flat


def stored_padding(stored: np.ndarray, ds: Dataset) -> np.ndarray:
    """PS3.3 C.7.5.1.1.2 on stored values, read as the Pixel Representation says."""
    if "PixelPaddingValue" not in ds:
        return np.zeros(stored.shape, dtype=bool)

    def as_stored(v):
        v = int(v)
        if ds.PixelRepresentation == 1 and v > 32767:
            return v - 65536
        if ds.PixelRepresentation == 0 and v < 0:
            return v + 65536
        return v

    first = as_stored(ds.PixelPaddingValue)
    last = as_stored(ds.get("PixelPaddingRangeLimit", ds.PixelPaddingValue))
    low, high = min(first, last), max(first, last)
    values = stored.astype(np.int64)
    return (values >= low) & (values <= high)


def windowed(values: np.ndarray, flat: Dataset) -> np.ndarray:
    """pydicom's apply_windowing, normalized to 0..1 by two far-away sentinel inputs."""
    extended = np.concatenate([values.ravel().astype(np.float64), [-1e300, 1e300]])
    with np.errstate(over="ignore"):
        y = apply_windowing(extended, flat)
    y_min, y_max = y[-2], y[-1]
    return ((y[:-2] - y_min) / (y_max - y_min)).reshape(values.shape)


def to_grey(fraction: np.ndarray) -> np.ndarray:
    return np.floor(fraction * 255.0 + 0.5).astype(np.int64)


def reference(stored: np.ndarray, ds: Dataset, index: int, window):
    """(expected image, expected (center, width) or None) per the standard and pydicom."""
    photometric = str(ds.get("PhotometricInterpretation", "")).strip()
    if stored.ndim == 3:
        bits = int(ds.BitsStored)
        return to_grey(stored.astype(np.float64) / (2**bits - 1)), None
    if photometric == "PALETTE COLOR":
        bits = int(ds.RedPaletteColorLookupTableDescriptor[2])
        rgb = apply_color_lut(stored, ds)[..., :3].astype(np.float64)
        return to_grey(rgb / (2**bits - 1)), None

    flat = flat_dataset(ds, index)
    modality = apply_modality_lut(stored, flat)
    values = np.asarray(modality, dtype=np.float64)
    padding = stored_padding(stored, ds)
    has_window = "WindowCenter" in flat and "WindowWidth" in flat
    if window == "explicit":
        center = float(np.median(values))
        width = max(float(np.percentile(values, 90) - np.percentile(values, 10)), 2.0)
        for keyword in ("VOILUTSequence", "VOILUTFunction", "WindowCenter", "WindowWidth"):
            if keyword in flat:
                delattr(flat, keyword)
        flat.WindowCenter, flat.WindowWidth = center, width
        fraction, expected = windowed(values, flat), (center, width)
    elif "VOILUTSequence" in flat:
        bits = int(flat.VOILUTSequence[0].LUTDescriptor[2])
        fraction, expected = apply_voi(modality, flat) / (2**bits - 1), None
    elif has_window:
        elem_c, elem_w = flat["WindowCenter"], flat["WindowWidth"]
        center = float(elem_c.value[0] if elem_c.VM > 1 else elem_c.value)
        width = float(elem_w.value[0] if elem_w.VM > 1 else elem_w.value)
        fraction, expected = windowed(values, flat), (center, width)
    else:
        # No DICOM window: the 1st..99th percentile of the non-padding modality values,
        # windowed as PS3.3 C.11.2.1.2.1 Note 4's full-range window (x1+x2+1)/2, x2-x1+1.
        kept = values[~padding] if (~padding).any() else values.ravel()
        low, high = np.percentile(kept, [1, 99], method="inverted_cdf")
        flat.WindowCenter, flat.WindowWidth = (low + high + 1) / 2, high - low + 1
        if "VOILUTFunction" in flat:
            del flat.VOILUTFunction
        fraction = windowed(values, flat)
        expected = (float(flat.WindowCenter), float(flat.WindowWidth))
    grey = to_grey(fraction)
    shape = str(ds.get("PresentationLUTShape", "")).strip()
    if photometric == "MONOCHROME1" or shape == "INVERSE":
        grey = 255 - grey  # PS3.3 C.7.6.3.1.2 / C.11.6.1: one inversion after the VOI
    grey[padding] = 0
    return grey, expected


def check(image: np.ndarray, expected: np.ndarray) -> None:
    assert image.dtype == np.uint8
    assert image.shape == expected.shape
    difference = np.abs(image.astype(np.int64) - expected)
    worst = np.unravel_index(int(difference.argmax()), difference.shape)
    assert difference.max() <= 1, (
        f"{difference.max()} grey levels off at {worst}: got {image[worst]}, "
        f"expected {expected[worst]}; {int((difference > 1).sum())} pixels off by > 1"
    )


def run_display(path: str, index: int, window: str) -> None:
    ds = header(path)
    stored = pydicom_frame(path, index)
    if stored is None:
        return  # a broken file both decoders refuse (pydicom_frame checked the SDK's error)
    expected, expected_window = reference(stored, ds, index, window)
    argument = expected_window if window == "explicit" else None
    image, used = display.render(stored, ds, index, argument)
    check(image, expected)
    if expected_window is None:
        if (
            stored.ndim == 3
            or str(ds.get("PhotometricInterpretation", "")).strip() == "PALETTE COLOR"
        ):
            assert used is None
        else:
            assert used is not None
            assert used.lut is not None  # a VOI LUT Sequence
    else:
        assert used is not None
        np.testing.assert_allclose((used.center, used.width), expected_window, rtol=1e-9)


@pytest.mark.parametrize(("path", "index", "window"), bundled_cases())
def test_bundled_render_matches_reference(path, index, window):
    run_display(path, index, window)


@pytest.mark.corpus
@pytest.mark.parametrize(("path", "index", "window"), corpus_cases())
def test_corpus_render_matches_reference(path, index, window):
    run_display(path, index, window)


# -- the same through the SDK's own decoding: open(p).frame(i).render() / .png() --------------


def run_instance(path: str, index: int, window: str) -> None:
    instance_module = pytest.importorskip("dcmview.sdk.instance")
    ds = header(path)
    frame = instance_module.open(path).frame(index)
    # The reference is computed from the SDK's own decoded samples: their equality
    # with pydicom's decode is test_codecs' job (lossy JPEG decoders may differ
    # by a few stored values, which a narrow window magnifies).
    try:
        stored = frame.array()
    except DcmviewError:
        # Only the deliberately broken files pydicom cannot decode either may fail here.
        with pytest.raises(Exception):  # noqa: B017 - whatever pydicom raises
            pydicom_reference(path, index)
        return
    expected, expected_window = reference(stored, ds, index, window)
    argument = expected_window if window == "explicit" else None
    image = frame.render(argument)
    check(image, expected)
    png = frame.png(argument)
    decoded = np.asarray(Image.open(io.BytesIO(png)))
    np.testing.assert_array_equal(decoded, image)
    if expected_window is not None:
        used = frame.window(argument)
        assert isinstance(used, Window)
        np.testing.assert_allclose((used.center, used.width), expected_window, rtol=1e-9)


@pytest.mark.parametrize(("path", "index", "window"), bundled_cases())
def test_bundled_instance_render_and_png_match_reference(path, index, window):
    run_instance(path, index, window)


@pytest.mark.corpus
@pytest.mark.parametrize(("path", "index", "window"), corpus_cases())
def test_corpus_instance_render_and_png_match_reference(path, index, window):
    run_instance(path, index, window)
