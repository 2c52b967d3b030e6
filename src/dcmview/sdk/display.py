"""Display pipeline: stored values -> modality values -> window -> 8-bit grey or RGB.

The grayscale pipeline of PS3.3 C.11 (Figure C.11-1), per frame:

1. Modality LUT (C.11.1): Rescale Slope/Intercept from the frame's Pixel Value
   Transformation Sequence (0028,9145) in the Per-Frame, else Shared Functional
   Groups, else the top-level Modality LUT Sequence or Rescale Slope/Intercept.
2. VOI LUT (C.11.2): a :class:`~dcmview.sdk.window.Window`.
3. Presentation: MONOCHROME1 (C.7.6.3.1.2, minimum = white) and Presentation
   LUT Shape INVERSE (C.11.6.1) both mean "invert after the VOI"; they are not
   combined twice. PS3.3 C.8.11.1.1 (DX/MG) requires INVERSE exactly when the
   image is MONOCHROME1, so both describe the same inversion; MONOCHROME2 with
   INVERSE is inverted once too, and MONOCHROME1 with IDENTITY still inverts
   (the photometric interpretation is what defines the stored values).
4. Padding (C.7.5.1.1.2): pixels whose *stored* value is the Pixel Padding Value
   (or within the range to Pixel Padding Range Limit) are not image: black.

Color: RGB (YBR is already converted by the decoder) passes through, samples
wider than 8 bits scaled from Bits Stored to 0..255; PALETTE COLOR goes through
its 8- or 16-bit LUTs (pydicom's ``apply_color_lut``) and is scaled the same way.

Speed: for stored samples of up to 16 bits, every step above is folded into one
``uint8`` table over all stored codes, and the percentile window comes from a
histogram of the codes (:mod:`dcmview.sdk._tables`). The full-range window of a
rescaled frame only needs the stored extremes (~1 ms; ~6 ms when padding must be
left out).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, cast

import numpy as np
import numpy.typing as npt
from pydicom.pixels.processing import apply_color_lut, apply_modality_lut

from dcmview.sdk import _tables
from dcmview.sdk._framegroups import first_item, functional_groups
from dcmview.sdk._types import AnyArray, ArrayF32, ArrayU8
from dcmview.sdk.errors import UnsupportedPixelLayoutError
from dcmview.sdk.window import Window, WindowKeyword, WindowLike

if TYPE_CHECKING:
    from pydicom import Dataset

__all__ = [
    "PERCENTILES",
    "inverted",
    "is_grayscale",
    "modality_values",
    "padding_mask",
    "padding_range",
    "presentation_lut_shape",
    "render",
    "rescale",
    "resolve_window",
]

PERCENTILES: tuple[float, float] = (1.0, 99.0)
"""The auto-window of a frame without a DICOM window: these percentiles of its
modality values (numpy's ``inverted_cdf`` definition), padding excluded."""


# -- modality LUT (PS3.3 C.11.1) -----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Modality:
    """The Modality LUT stage of one frame: a rescale or a Modality LUT Sequence."""

    slope: float = 1.0
    intercept: float = 0.0
    unit: str = ""
    lut_dataset: Dataset | None = None  # set when the Modality LUT Sequence applies

    def __call__(self, stored: AnyArray, dtype: type[np.floating[Any]]) -> AnyArray:
        if self.lut_dataset is not None:
            # pydicom implements C.11.1.1 (first mapped value, clamping, OW byte order).
            return np.asarray(apply_modality_lut(stored, self.lut_dataset), dtype=dtype)
        if self.slope == 1.0 and self.intercept == 0.0:
            return stored.astype(dtype)
        out = np.multiply(stored, dtype(self.slope), dtype=dtype)
        out += dtype(self.intercept)
        return out


def _number(source: Dataset, keyword: str, default: float) -> float:
    """A finite numeric attribute of `source`, else `default` (bad files still render)."""
    value = source.get(keyword)
    if value is None or value == "":
        return default
    try:
        number = float(value)
    except (TypeError, ValueError):
        return default
    return number if np.isfinite(number) else default


def _unit(source: Dataset, ds: Dataset, keyword: str = "RescaleType") -> str:
    """The unit of modality values: Rescale Type, else HU for CT (PS3.3 C.8.2.1.1.2)."""
    kind = str(source.get(keyword) or "").strip()
    if kind and kind.upper() != "US":  # "US" is "unspecified"
        return kind
    return "HU" if str(ds.get("Modality") or "").strip().upper() == "CT" else ""


def _modality(ds: Dataset, index: int) -> _Modality:
    """Find the Modality LUT stage of frame `index` (see the module docstring)."""
    for group in functional_groups(ds, index):
        item = first_item(group, "PixelValueTransformationSequence")
        if item is not None and ("RescaleSlope" in item or "RescaleIntercept" in item):
            return _Modality(
                _number(item, "RescaleSlope", 1.0),
                _number(item, "RescaleIntercept", 0.0),
                _unit(item, ds),
            )
    if first_item(ds, "ModalityLUTSequence") is not None:
        item = cast("Dataset", first_item(ds, "ModalityLUTSequence"))
        if "LUTDescriptor" in item and "LUTData" in item:
            return _Modality(unit=_unit(item, ds, "ModalityLUTType"), lut_dataset=ds)
    return _Modality(
        _number(ds, "RescaleSlope", 1.0), _number(ds, "RescaleIntercept", 0.0), _unit(ds, ds)
    )


def has_modality_lut(ds: Dataset, index: int = 0) -> bool:
    """Whether frame `index` maps stored values through a Modality LUT Sequence (0028,3000).

    Then no slope and intercept describe the modality values (:func:`rescale`
    answers 1 and 0): a client that windows stored samples itself must ask for
    rendered or modality values instead.
    """
    return _modality(ds, index).lut_dataset is not None


def rescale(ds: Dataset, index: int = 0) -> tuple[float, float, str]:
    """Rescale slope, intercept and unit of frame `index`.

    Read from the Pixel Value Transformation Sequence (0028,9145) of the frame's
    Per-Frame Functional Groups item, else the Shared Functional Groups, else the
    top-level Rescale Slope (0028,1053) / Intercept (0028,1052). Absent or
    unusable values are 1 and 0. When a Modality LUT Sequence applies instead,
    slope and intercept are 1 and 0 and the unit is its Modality LUT Type.

    Parameters
    ----------
    ds : pydicom.Dataset
        The instance's dataset.
    index : int
        0-based frame index.

    Returns
    -------
    tuple of (float, float, str)
        ``(slope, intercept, unit)``; the unit is Rescale Type (0028,1054) when
        present and not ``"US"`` (unspecified), ``"HU"`` for a CT, else ``""``.

    Examples
    --------
    >>> import pydicom
    >>> from pydicom.data import get_testdata_file
    >>> rescale(pydicom.dcmread(get_testdata_file("CT_small.dcm")))
    (1.0, -1024.0, 'HU')
    """
    stage = _modality(ds, index)
    return stage.slope, stage.intercept, stage.unit


def is_grayscale(stored: AnyArray, ds: Dataset) -> bool:
    """True for one-sample, non-palette values (MONOCHROME1/2): those a window applies to."""
    photometric = str(ds.get("PhotometricInterpretation") or "").strip().upper()
    return stored.ndim != 3 and photometric != "PALETTE COLOR"


def modality_values(stored: npt.ArrayLike, ds: Dataset, index: int = 0) -> ArrayF32:
    """Stored values of frame `index` -> modality values (HU for CT), as float32.

    Parameters
    ----------
    stored : array_like
        The frame's stored values, as :meth:`dcmview.sdk.Frame.array` returns them.
    ds : pydicom.Dataset
        The instance's dataset.
    index : int
        0-based frame index (selects the per-frame rescale).

    Returns
    -------
    numpy.ndarray
        float32, the shape of `stored`. Color frames are returned unchanged (as
        float32): the Modality LUT applies to grayscale only. float32 holds
        integers exactly up to 2**24; wider stored values are rounded.

    Examples
    --------
    >>> import numpy as np, pydicom
    >>> from pydicom.data import get_testdata_file
    >>> ds = pydicom.dcmread(get_testdata_file("CT_small.dcm"))
    >>> modality_values(np.array([0, 1024]), ds).tolist()
    [-1024.0, 0.0]
    """
    arr = _tables.native(np.asarray(stored))
    if arr.ndim == 3:
        return arr.astype(np.float32)
    return cast(ArrayF32, _modality(ds, index)(arr, np.float32))


# -- padding (PS3.3 C.7.5.1.1.2) -----------------------------------------------------------


def _as_stored(value: int, signed: bool) -> int:
    """A US/SS padding value in the stored values' sign (the VR may disagree)."""
    if signed and value >= 2**15:
        return value - 2**16
    if not signed and value < 0:
        return value + 2**16
    return value


def padding_range(ds: Dataset) -> tuple[int, int] | None:
    """Return the inclusive stored-value range of padding, or None without padding.

    Parameters
    ----------
    ds : pydicom.dataset.Dataset
        The header, with Pixel Padding Value (0028,0120) and optionally Pixel
        Padding Range Limit (0028,0121) (PS3.3 C.7.5.1.1.2).

    Returns
    -------
    tuple of int or None
        ``(low, high)`` in stored values, with the sign of Pixel Representation.
    """
    value = ds.get("PixelPaddingValue")
    if value is None or isinstance(value, bytes | str):
        return None
    signed = int(ds.get("PixelRepresentation") or 0) == 1
    first = _as_stored(int(value), signed)
    limit = ds.get("PixelPaddingRangeLimit")
    if limit is None or isinstance(limit, bytes | str):
        return first, first
    last = _as_stored(int(limit), signed)
    return min(first, last), max(first, last)


def padding_mask(stored: npt.ArrayLike, ds: Dataset) -> npt.NDArray[np.bool_] | None:
    """Pixels that are padding, not image (PS3.3 C.7.5.1.1.2), or None.

    Padding is compared on *stored* values: Pixel Padding Value (0028,0120) alone,
    or the inclusive range from it to Pixel Padding Range Limit (0028,0121). Both
    have VR US or SS; a value read with the other sign than Pixel Representation
    says (65535 for -1, say) is reinterpreted as the 16-bit value it encodes.

    Parameters
    ----------
    stored : array_like
        The frame's stored values.
    ds : pydicom.Dataset
        The instance's dataset.

    Returns
    -------
    numpy.ndarray of bool or None
        The mask, shape of `stored`; None when the file declares no padding or
        the frame is not grayscale.

    Examples
    --------
    >>> import numpy as np, pydicom
    >>> from pydicom.data import get_testdata_file
    >>> ds = pydicom.dcmread(get_testdata_file("CT_small.dcm"))
    >>> padding_mask(np.array([-2000, 0], dtype=np.int16), ds).tolist()
    [True, False]
    """
    arr = np.asarray(stored)
    bounds = padding_range(ds)
    if bounds is None or not is_grayscale(arr, ds):
        return None
    low, high = bounds
    if arr.dtype.kind in "iu":
        # Clamp the bounds into the dtype so the comparisons never overflow.
        info = np.iinfo(arr.dtype)
        if high < info.min or low > info.max:
            return np.zeros(arr.shape, dtype=np.bool_)
        low, high = max(low, int(info.min)), min(high, int(info.max))
    if low == high:
        return cast(npt.NDArray[np.bool_], arr == low)
    return (arr >= low) & (arr <= high)


# -- windows ---------------------------------------------------------------------------------


def inverted(ds: Dataset) -> bool:
    """True when grey levels are inverted after the VOI (MONOCHROME1 or INVERSE).

    See the module docstring: MONOCHROME1 (PS3.3 C.7.6.3.1.2) and Presentation LUT
    Shape INVERSE (C.11.6.1) describe one inversion, applied once.
    """
    photometric = str(ds.get("PhotometricInterpretation") or "").strip().upper()
    return photometric == "MONOCHROME1" or presentation_lut_shape(ds) == "INVERSE"


def presentation_lut_shape(ds: Dataset) -> Literal["IDENTITY", "INVERSE"] | None:
    """Presentation LUT Shape (2050,0020) when it is IDENTITY or INVERSE, else None.

    PS3.3 C.11.6.1: the shape applied after the VOI; other values are not defined
    for images and are ignored, as an absent attribute.
    """
    shape = str(ds.get("PresentationLUTShape") or "").strip().upper()
    if shape == "IDENTITY":
        return "IDENTITY"
    return "INVERSE" if shape == "INVERSE" else None


def _rank(n: int, percentile: float) -> int:
    """0-based rank of a percentile of `n` sorted values, as numpy's ``inverted_cdf``."""
    virtual = n * (percentile / 100.0) - 1.0
    below = float(np.floor(virtual))
    rank = int(below) if virtual == below else int(below) + 1
    return min(max(rank, 0), n - 1)


def _window_of_values(values: AnyArray, keyword: WindowKeyword) -> Window | None:
    """Percentile or full-range window of a 1-D float array (None when empty)."""
    values = values[np.isfinite(values)]
    if values.size == 0:
        return None
    if keyword == "full":
        return Window.from_range(float(values.min()), float(values.max()))
    low, high = np.percentile(values, PERCENTILES, method="inverted_cdf")
    return Window.from_range(float(low), float(high))


def _window_of_histogram(
    values: AnyArray, counts: npt.NDArray[np.intp], keyword: WindowKeyword
) -> Window | None:
    """The same as :func:`_window_of_values`, from counts per distinct code."""
    present = np.flatnonzero(counts)
    if present.size == 0:
        return None
    vals = values[present].astype(np.float64)
    weights = counts[present]
    finite = np.isfinite(vals)
    vals, weights = vals[finite], weights[finite]
    if vals.size == 0:
        return None
    order = np.argsort(vals, kind="stable")
    vals, cumulative = vals[order], np.cumsum(weights[order])
    if keyword == "full":
        return Window.from_range(float(vals[0]), float(vals[-1]))
    n = int(cumulative[-1])
    low, high = (
        float(vals[np.searchsorted(cumulative, _rank(n, p) + 1, side="left")]) for p in PERCENTILES
    )
    return Window.from_range(low, high)


def _full_window_of_extremes(stored: AnyArray, ds: Dataset, stage: _Modality) -> Window | None:
    """The full-range window from the stored minimum and maximum, or None when it can't.

    A rescale (slope, intercept) is monotonic, so the extreme modality values are
    those of the extreme stored values; a Modality LUT need not be (then None, and
    the histogram decides). Same result as the histogram, padding excluded alike.
    """
    if stage.lut_dataset is not None or stored.dtype.kind not in "iu" or stored.size == 0:
        return None
    low, high = stored.min(), stored.max()
    bounds = padding_range(ds)
    if bounds is not None and bounds[0] <= high and bounds[1] >= low:
        keep = ~cast(npt.NDArray[np.bool_], padding_mask(stored, ds))
        info = np.iinfo(stored.dtype)
        kept_low = stored.min(where=keep, initial=info.max)
        kept_high = stored.max(where=keep, initial=info.min)
        if kept_low <= kept_high:  # else nothing but padding: keep the whole range
            low, high = kept_low, kept_high
    values = stage(np.array([low, high], dtype=stored.dtype), _tables.float_dtype(stored))
    if not np.isfinite(values).all():
        return None
    return Window.from_range(float(values.min()), float(values.max()))


def _auto_window(keyword: WindowKeyword, stored: AnyArray, ds: Dataset, stage: _Modality) -> Window:
    """The percentile ("dicom" fallback) or full-range window, padding excluded."""
    window: Window | None = None
    if keyword == "full":
        window = _full_window_of_extremes(stored, ds, stage)
        if window is not None:
            return window
    if _tables.uses_table(stored):
        codes_dtype, codes = _tables.codes(stored.dtype)
        counts = _tables.histogram(stored.view(codes_dtype), codes.size)
        values = stage(codes, _tables.float_dtype(stored))
        padding = padding_mask(codes, ds)
        if padding is not None:
            kept = counts.copy()
            kept[padding] = 0
            window = _window_of_histogram(values, kept, keyword)
        if window is None:  # no padding, or nothing but padding
            window = _window_of_histogram(values, counts, keyword)
    else:
        values = stage(stored, _tables.float_dtype(stored))
        mask = padding_mask(stored, ds)
        if mask is not None:
            window = _window_of_values(values[~mask], keyword)
        if window is None:
            window = _window_of_values(values.ravel(), keyword)
    return window if window is not None else Window.from_range(0.0, 0.0)


def resolve_window(
    window: WindowLike, stored: npt.ArrayLike, ds: Dataset, index: int = 0
) -> Window | None:
    """The :class:`Window` that `window` means for this frame; None for color.

    Parameters
    ----------
    window : Window, (center, width), str or None
        See :data:`dcmview.sdk.window.WindowLike`. ``None``/``"dicom"`` is the
        file's window for the frame (:meth:`Window.from_dataset`), else the
        1st..99th percentile of the frame's modality values; ``"full"`` is their
        minimum..maximum. Padding pixels are excluded from both.
    stored : array_like
        The frame's stored values.
    ds : pydicom.Dataset
        The instance's dataset.
    index : int
        0-based frame index.

    Returns
    -------
    Window or None
        None for color frames (RGB, YBR, PALETTE COLOR): no window applies. The
        `window` argument is still validated.

    Raises
    ------
    WindowError
        An invalid window (see :meth:`Window.coerce`).
    """
    wanted = Window.coerce(window)
    arr = _tables.native(np.asarray(stored))
    if not is_grayscale(arr, ds):
        return None
    if isinstance(wanted, Window):
        return wanted
    stage = _modality(ds, index)
    if wanted == "dicom":
        own = Window.from_dataset(ds, index)
        if own is not None:
            return own
    return _auto_window(wanted, arr, ds, stage)


# -- rendering ---------------------------------------------------------------------------


def _gray_table(
    values: AnyArray, window: Window, invert: bool, padding: AnyArray | None
) -> ArrayU8:
    """Window, invert and black out padding: the grayscale steps after the modality LUT."""
    out = window.apply(values)
    if invert:
        np.subtract(np.uint8(255), out, out=out)
    if padding is not None:
        out[padding] = 0
    return out


def _render_gray(stored: AnyArray, ds: Dataset, index: int, window: Window) -> ArrayU8:
    stage = _modality(ds, index)
    invert = inverted(ds)
    dtype = _tables.float_dtype(stored)
    if _tables.uses_table(stored):

        def build(codes: AnyArray) -> AnyArray:
            return _gray_table(stage(codes, dtype), window, invert, padding_mask(codes, ds))

        return _tables.through_table(stored, build)
    arr = stored.astype(np.uint8) if stored.dtype == np.bool_ else stored
    return _gray_table(stage(arr, dtype), window, invert, padding_mask(arr, ds))


def _scale_to_8bit(values: AnyArray, bits: int) -> ArrayU8:
    """Scale ``0 .. 2**bits - 1`` to ``0 .. 255``, rounded (values beyond clamp)."""
    if values.dtype == np.uint8 and bits == 8:
        return values.copy()
    top = float(2**bits - 1)
    scaled = np.clip(values.astype(np.float64), 0.0, top) * (255.0 / top) + 0.5
    return scaled.astype(np.uint8)


def _bits_stored(ds: Dataset, arr: AnyArray) -> int:
    bits = int(ds.get("BitsStored") or 0)
    return bits if 1 <= bits <= 8 * arr.dtype.itemsize else 8 * arr.dtype.itemsize


def _render_rgb(stored: AnyArray, ds: Dataset) -> ArrayU8:
    if stored.shape[-1] != 3:
        raise UnsupportedPixelLayoutError(
            f"cannot display {stored.shape[-1]} samples per pixel "
            f"({ds.get('PhotometricInterpretation', '')}): only 1 (grayscale) or 3 (color)"
        )
    bits = _bits_stored(ds, stored)
    if stored.dtype == np.uint8:
        return stored.copy()
    if _tables.uses_table(stored):
        return _tables.through_table(stored, lambda codes: _scale_to_8bit(codes, bits))
    return _scale_to_8bit(stored, bits)


def _render_palette(stored: AnyArray, ds: Dataset) -> ArrayU8:
    descriptor = ds.get("RedPaletteColorLookupTableDescriptor")
    try:
        entry_bits = int(descriptor[2])
    except (TypeError, IndexError, ValueError) as exc:
        raise UnsupportedPixelLayoutError(
            "PALETTE COLOR without a usable Red Palette Color Lookup Table Descriptor "
            f"(0028,1101): {descriptor!r}"
        ) from exc

    def build(codes: AnyArray) -> AnyArray:
        try:
            rgb = np.asarray(apply_color_lut(codes, ds))[..., :3]
        except (AttributeError, KeyError, TypeError, ValueError) as exc:
            raise UnsupportedPixelLayoutError(f"cannot apply the palette color LUT: {exc}") from exc
        # The LUT entries have `entry_bits` bits (8 or 16, PS3.3 C.7.6.3.1.5).
        return _scale_to_8bit(rgb, entry_bits if rgb.dtype != np.uint8 else 8)

    if _tables.uses_table(stored):
        return _tables.through_table(stored, build, (3,))
    return cast(ArrayU8, build(stored))


def render(
    stored: npt.ArrayLike, ds: Dataset, index: int = 0, window: WindowLike = None
) -> tuple[ArrayU8, Window | None]:
    """Render one frame's stored values for display as 8-bit grey or RGB.

    Grayscale: modality values, then `window`, then MONOCHROME1 / INVERSE
    inversion, then padding black (see the module docstring). Color: RGB as is
    (scaled to 8 bits), PALETTE COLOR through its LUTs; `window` is validated
    but does not apply.

    Parameters
    ----------
    stored : array_like
        The frame's stored values as :meth:`dcmview.sdk.Frame.array` returns
        them: (rows, columns), or (rows, columns, 3) with YBR converted to RGB.
    ds : pydicom.Dataset
        The instance's dataset.
    index : int
        0-based frame index (per-frame rescale and window).
    window : Window, (center, width), str or None
        See :func:`resolve_window`; None is the file's window or the percentile
        fallback.

    Returns
    -------
    tuple of (numpy.ndarray, Window or None)
        ``uint8`` (rows, columns) or (rows, columns, 3), and the window applied
        (None for color).

    Raises
    ------
    WindowError
        An invalid `window`.
    UnsupportedPixelLayoutError
        Samples per pixel other than 1 or 3, or an unusable palette.

    Examples
    --------
    >>> import pydicom
    >>> from pydicom.data import get_testdata_file
    >>> from pydicom.pixels import pixel_array
    >>> path = get_testdata_file("CT_small.dcm")
    >>> image, used = render(pixel_array(path), pydicom.dcmread(path), 0, "lung")
    >>> image.dtype, image.shape, used.center, used.width
    (dtype('uint8'), (128, 128), -600.0, 1500.0)
    """
    arr = _tables.native(np.asarray(stored))
    if arr.ndim not in (2, 3):
        raise TypeError(f"a frame is (rows, columns) or (rows, columns, samples), not {arr.shape}")
    resolved = resolve_window(window, arr, ds, index)
    if resolved is None:
        if arr.ndim == 3:
            return _render_rgb(arr, ds), None
        return _render_palette(arr, ds), None
    return _render_gray(arr, ds, index, resolved), resolved
