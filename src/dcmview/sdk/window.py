"""Window(center, width, function); from_dataset, full_range, presets, coerce, apply.

A :class:`Window` is the VOI transform of PS3.3 C.11.2: the step of the grayscale
pipeline that maps modality values (HU, say) to display grey levels. It is either
a window center/width with one of the VOI LUT functions of PS3.3 C.11.2.1.2
(``LINEAR``, ``LINEAR_EXACT``, ``SIGMOID``) or a VOI LUT table from the VOI LUT
Sequence (PS3.3 C.11.2.1.1). :meth:`Window.apply` maps values to ``uint8`` with
``ymin = 0`` and ``ymax = 255``.

Public entry points accept a :data:`WindowLike` (flexible input, strict core):

* a :class:`Window`;
* ``(center, width)``: a LINEAR window;
* ``{"center": c, "width": w}``: the same, in the shape of the HTTP API's windows
  (``default_window`` of ``/api/files`` and ``/info``);
* a preset name from :data:`PRESETS` (case-insensitive; ``-``, ``_`` or a space);
* ``"dicom"`` (also ``"default"``, or ``None``): the file's own window for that
  frame (:meth:`Window.from_dataset`), or the 1st..99th percentile of the frame's
  modality values when the file has none;
* ``"full"`` (also ``"full_dynamic"``): the frame's minimum..maximum modality value.

Padding pixels (PS3.3 C.7.5.1.1.2) are left out of the percentiles and of the
full range. Those two need the pixels, so :meth:`Window.coerce` returns them as
the keywords ``"dicom"`` / ``"full"`` and :func:`dcmview.sdk.display.resolve_window`
turns them into a :class:`Window`.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from numbers import Real
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Literal, TypeAlias, cast

import numpy as np
import numpy.typing as npt

from dcmview.sdk._framegroups import first_item, functional_groups
from dcmview.sdk._tables import float_dtype
from dcmview.sdk._types import ArrayU8
from dcmview.sdk.errors import WindowError

if TYPE_CHECKING:
    from pydicom import Dataset

__all__ = [
    "PRESETS",
    "VoiLut",
    "VoiLutFunction",
    "Window",
    "WindowKeyword",
    "WindowLike",
    "voi_lut_function",
]

VoiLutFunction: TypeAlias = Literal["LINEAR", "LINEAR_EXACT", "SIGMOID"]
"""The VOI LUT Function (0028,1056) defined terms of PS3.3 C.11.2.1.3."""

WindowKeyword: TypeAlias = Literal["dicom", "full"]
"""The data-dependent windows that :meth:`Window.coerce` cannot resolve alone."""

_FUNCTIONS: frozenset[str] = frozenset({"LINEAR", "LINEAR_EXACT", "SIGMOID"})
_KEYWORDS: Mapping[str, WindowKeyword] = MappingProxyType(
    {"dicom": "dicom", "default": "dicom", "full": "full", "full_dynamic": "full"}
)
# SIGMOID: exp() of a float32 overflows above ~88.7; 4(x - c)/w beyond +-80 is
# already 0 or 255 to 34 decimal places, so the exponent is clamped there.
_SIGMOID_CLAMP = 80.0


def voi_lut_function(name: str) -> VoiLutFunction:
    """Return the VOI LUT Function (0028,1056) called `name`, read case-insensitively.

    Parameters
    ----------
    name : str
        ``LINEAR``, ``LINEAR_EXACT`` or ``SIGMOID`` in any case (a query parameter, say).

    Returns
    -------
    {"LINEAR", "LINEAR_EXACT", "SIGMOID"}

    Raises
    ------
    WindowError
        Another name.

    Examples
    --------
    >>> voi_lut_function("sigmoid")
    'SIGMOID'
    """
    function = str(name).upper()
    if function not in _FUNCTIONS:
        raise WindowError(f"VOI LUT function {name!r} is not one of LINEAR, LINEAR_EXACT, SIGMOID")
    return cast(VoiLutFunction, function)


def _finite(value: object, what: str) -> float:
    """``float(value)`` for a real number that is finite, else WindowError."""
    if isinstance(value, bool) or not isinstance(value, Real | np.number):
        raise WindowError(f"window {what} must be a number, got {value!r}")
    number = float(cast(float, value))
    if not math.isfinite(number):
        raise WindowError(f"window {what} must be finite, got {number!r}")
    return number


def _to_uint8(buf: npt.NDArray[np.floating[Any]]) -> ArrayU8:
    """Clamp `buf` (already offset by +0.5 for rounding) to 0..255 and truncate.

    NaN (only from a NaN input) becomes 0, so the uint8 cast never sees an invalid
    value; ``isnan(max)`` finds one in a single reduction (NaN propagates).
    """
    np.clip(buf, 0.0, 255.0, out=buf)
    if np.isnan(buf.max()):
        np.nan_to_num(buf, copy=False, nan=0.0)
    return buf.astype(np.uint8)


@dataclass(frozen=True, slots=True)
class VoiLut:
    """A VOI LUT table (one item of the VOI LUT Sequence, PS3.3 C.11.2.1.1).

    Parameters
    ----------
    first_mapped : int
        LUT Descriptor value 2: the input value mapped to the first entry. Inputs
        below it map to the first entry, inputs past the last entry to the last.
    bits : int
        LUT Descriptor value 3: bits per entry (8..16); the output range is
        ``0 .. 2**bits - 1``, scaled here to ``0 .. 255``.
    data : tuple of int
        LUT Data (0028,3006), one entry per input value.

    Raises
    ------
    WindowError
        When the table is empty or `bits` is outside 1..16.
    """

    first_mapped: int
    bits: int
    data: tuple[int, ...]
    _scaled: ArrayU8 = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not self.data:
            raise WindowError("VOI LUT has no entries: LUT Data (0028,3006) is empty")
        if not 1 <= self.bits <= 16:
            raise WindowError(
                f"VOI LUT bits per entry {self.bits} is outside 1..16 "
                "(LUT Descriptor (0028,3002), third value)"
            )
        top = float(2**self.bits - 1)
        table = np.asarray(self.data, dtype=np.float64)
        # Entries above 2**bits - 1 break the descriptor's promise; clamp them.
        scaled = np.rint(np.clip(table, 0.0, top) * (255.0 / top)).astype(np.uint8)
        scaled.flags.writeable = False
        object.__setattr__(self, "_scaled", scaled)

    @classmethod
    def from_item(cls, item: Dataset, *, little_endian: bool = True) -> VoiLut:
        """Build from one VOI LUT Sequence item (LUT Descriptor + LUT Data).

        Parameters
        ----------
        item : pydicom.Dataset
            An item of (0028,3010) VOI LUT Sequence.
        little_endian : bool
            Byte order of an OW-encoded LUT Data.

        Returns
        -------
        VoiLut

        Raises
        ------
        WindowError
            When the descriptor or the data is missing or malformed.
        """
        try:
            descriptor = [int(v) for v in item.LUTDescriptor]
            raw = item.LUTData
        except (AttributeError, TypeError, ValueError) as exc:
            raise WindowError(f"VOI LUT Sequence item is incomplete: {exc}") from exc
        if len(descriptor) != 3:
            raise WindowError(f"VOI LUT Descriptor must have 3 values, got {descriptor}")
        entries = descriptor[0] or 65536  # PS3.3 C.11.2.1.1: 0 means 2**16 entries
        if isinstance(raw, bytes | bytearray):
            # OW: 16-bit words in the dataset's byte order (PS3.5 7.3).
            data = np.frombuffer(raw, dtype="<u2" if little_endian else ">u2").tolist()
        elif isinstance(raw, int):
            data = [raw]
        else:
            data = [int(v) for v in raw]
        return cls(first_mapped=descriptor[1], bits=descriptor[2], data=tuple(data[:entries]))

    def apply(self, values: npt.ArrayLike) -> ArrayU8:
        """Map modality values through the table to ``uint8`` (0..255).

        Parameters
        ----------
        values : array_like
            Modality values, any shape.

        Returns
        -------
        numpy.ndarray
            ``uint8``, the shape of `values`.
        """
        x = np.asarray(values)
        last = len(self.data) - 1
        if x.dtype.kind in "biu":
            index = np.subtract(x, self.first_mapped, dtype=np.int64)
            np.clip(index, 0, last, out=index)
        else:
            shifted = np.subtract(x, self.first_mapped, dtype=np.float64)
            np.floor(shifted, out=shifted)
            np.fmax(shifted, 0.0, out=shifted)  # NaN -> the first entry
            np.fmin(shifted, float(last), out=shifted)
            index = shifted.astype(np.int64)
        out: ArrayU8 = self._scaled[index]
        return out


@dataclass(frozen=True, slots=True)
class Window:
    """A VOI transform: window center/width with a VOI LUT function, or a VOI LUT.

    An instance is always valid: the constructor checks the values (highdicom's
    principle). Windows are immutable and hashable.

    Parameters
    ----------
    center : float
        Window Center (0028,1050), in modality values (HU for CT).
    width : float
        Window Width (0028,1051). PS3.3 C.11.2.1.2.1: ``>= 1`` for LINEAR,
        ``> 0`` for LINEAR_EXACT and SIGMOID.
    function : {"LINEAR", "LINEAR_EXACT", "SIGMOID"}
        VOI LUT Function (0028,1056); LINEAR when the file has none.
    lut : VoiLut, optional
        A VOI LUT table. When set, :meth:`apply` uses the table and `center` /
        `width` only describe the input range it covers (as pydicom's
        ``apply_voi_lut(prefer_lut=True)``).

    Raises
    ------
    WindowError
        A width or center that is not a finite number, a width too small for
        `function`, or an unknown `function`.

    Examples
    --------
    >>> w = Window(40, 400)
    >>> w.apply([-161, 40, 240]).tolist()
    [0, 128, 255]
    >>> Window.coerce("Lung")
    Window(center=-600.0, width=1500.0, function='LINEAR', lut=None)
    """

    center: float
    width: float
    function: VoiLutFunction = "LINEAR"
    lut: VoiLut | None = None

    def __post_init__(self) -> None:
        center = _finite(self.center, "center")
        width = _finite(self.width, "width")
        object.__setattr__(self, "center", center)
        object.__setattr__(self, "width", width)
        if self.function not in _FUNCTIONS:
            raise WindowError(
                f"VOI LUT function {self.function!r} is not one of LINEAR, LINEAR_EXACT, SIGMOID"
            )
        if self.function == "LINEAR" and width < 1:
            raise WindowError(
                f"window width {width:g} is too small: a LINEAR window needs a width >= 1 "
                "(PS3.3 C.11.2.1.2.1)"
            )
        if width <= 0:
            raise WindowError(f"window width {width:g} must be > 0")
        if self.lut is not None and not isinstance(self.lut, VoiLut):
            raise TypeError(f"lut must be a VoiLut or None, not {type(self.lut).__name__}")

    # -- construction -----------------------------------------------------------------

    @classmethod
    def coerce(cls, value: WindowLike) -> Window | WindowKeyword:
        """Normalize a :data:`WindowLike` once, before any pixel is decoded.

        Parameters
        ----------
        value : Window, (center, width), {"center", "width"}, str or None
            A window, a LINEAR ``(center, width)`` pair or mapping, a preset name,
            ``"dicom"`` / ``"default"`` / ``None`` or ``"full"`` / ``"full_dynamic"``.

        Returns
        -------
        Window or {"dicom", "full"}
            A window, or the keyword of a window that needs the frame's pixels
            (resolve it with :func:`dcmview.sdk.display.resolve_window`).

        Raises
        ------
        WindowError
            An unknown name, a pair or mapping that is not two finite numbers, a
            mapping with other keys than ``center`` and ``width``, a bad width.
        TypeError
            A value of another type.

        Examples
        --------
        >>> Window.coerce((40, 400))
        Window(center=40.0, width=400.0, function='LINEAR', lut=None)
        >>> Window.coerce({"center": -600, "width": 1500}) == Window.coerce("lung")
        True
        >>> Window.coerce(None), Window.coerce("Full")
        ('dicom', 'full')
        """
        if value is None:
            return "dicom"
        if isinstance(value, Window):
            return value
        if isinstance(value, str):
            name = "_".join(value.strip().lower().replace("-", " ").replace("_", " ").split())
            if name in _KEYWORDS:
                return _KEYWORDS[name]
            if name in PRESETS:
                return PRESETS[name]
            known = ", ".join([*PRESETS, "dicom", "full"])
            raise WindowError(f"unknown window {value!r}: use one of {known} or (center, width)")
        if isinstance(value, Mapping):
            if set(value) != {"center", "width"}:
                raise WindowError(
                    "a window mapping has the keys 'center' and 'width', "
                    f"got {', '.join(map(repr, value))}"
                )
            return cls(_finite(value["center"], "center"), _finite(value["width"], "width"))
        if isinstance(value, Sequence | np.ndarray):
            items = list(value)
            if len(items) != 2:
                raise WindowError(
                    f"a window is (center, width), got {len(items)} values: {value!r}"
                )
            return cls(_finite(items[0], "center"), _finite(items[1], "width"))
        raise TypeError(
            "window must be a Window, (center, width), {'center', 'width'}, a preset name, "
            "'dicom', 'full' or None, "
            f"not {type(value).__name__}"
        )

    @classmethod
    def from_range(cls, low: float, high: float) -> Window:
        """The LINEAR window that maps `low` to 0 and `high` to 255.

        PS3.3 C.11.2.1.2.1 Note 4: center ``(x1 + x2 + 1) / 2`` and width
        ``x2 - x1 + 1`` select the input range ``x1 .. x2``. With ``low == high``
        the width is 1, a threshold.

        Parameters
        ----------
        low, high : float
            The values shown black and white.

        Returns
        -------
        Window

        Raises
        ------
        WindowError
            When a bound is not finite or ``high < low``.

        Examples
        --------
        >>> Window.from_range(0, 4095)
        Window(center=2048.0, width=4096.0, function='LINEAR', lut=None)
        """
        lo, hi = _finite(low, "range low"), _finite(high, "range high")
        if hi < lo:
            raise WindowError(f"window range high {hi:g} is below low {lo:g}")
        return cls((lo + hi + 1.0) / 2.0, hi - lo + 1.0)

    @classmethod
    def from_dataset(cls, ds: Dataset, index: int = 0) -> Window | None:
        """The file's own window for frame `index`, or None when it has none.

        The first source that holds a usable window wins (PS3.3 C.7.6.16.2.10,
        Frame VOI LUT Macro, replaces the top-level VOI LUT Module in enhanced
        IODs):

        1. the Frame VOI LUT Sequence (0028,9132) of the frame's item of the
           Per-Frame Functional Groups Sequence (5200,9230);
        2. the same in the Shared Functional Groups Sequence (5200,9229);
        3. the top-level VOI LUT Module: Window Center/Width (first value when
           multi-valued), VOI LUT Function and VOI LUT Sequence (first item).

        When a source has both a window and a VOI LUT Sequence, the LUT is applied
        (pydicom's ``prefer_lut``). A source whose values are invalid (width 0,
        say) is skipped rather than failing the render.

        Parameters
        ----------
        ds : pydicom.Dataset
            The instance's dataset (pixel data not needed).
        index : int
            0-based frame index.

        Returns
        -------
        Window or None

        Examples
        --------
        >>> import pydicom
        >>> from pydicom.data import get_testdata_file
        >>> ds = pydicom.dcmread(get_testdata_file("MR_small.dcm"))
        >>> Window.from_dataset(ds, 0)
        Window(center=600.0, width=1600.0, function='LINEAR', lut=None)
        """
        little_endian = _is_little_endian(ds)
        for source in _voi_sources(ds, index):
            window = _window_from(source, little_endian)
            if window is not None:
                return window
        return None

    # -- application ------------------------------------------------------------------

    def apply(self, values: npt.ArrayLike) -> ArrayU8:
        """Map modality values to display grey levels 0..255 (PS3.3 C.11.2).

        With ``ymin = 0``, ``ymax = 255``, ``c`` = center, ``w`` = width, ``x`` an
        input value, rounded half up to the nearest grey level:

        * LINEAR (C.11.2.1.2.1): ``x <= c - 0.5 - (w-1)/2`` gives 0, ``x > c - 0.5 +
          (w-1)/2`` gives 255, else ``((x - (c - 0.5)) / (w-1) + 0.5) * 255``. With
          ``w == 1`` only the two thresholds remain: ``x <= c - 0.5`` is black.
        * LINEAR_EXACT (C.11.2.1.3.2): ``x <= c - w/2`` gives 0, ``x > c + w/2``
          gives 255, else ``((x - c) / w + 0.5) * 255``.
        * SIGMOID (C.11.2.1.3.1): ``255 / (1 + exp(-4 (x - c) / w))``.
        * VOI LUT (C.11.2.1.1): the table entry, scaled from its bits to 0..255.

        NaN maps to 0. Inputs up to 16-bit integers and float32 are computed in
        float32, wider ones in float64.

        Parameters
        ----------
        values : array_like
            Modality values (after rescale or Modality LUT), any shape.

        Returns
        -------
        numpy.ndarray
            ``uint8``, the shape of `values`.

        Examples
        --------
        >>> Window(100, 1).apply([99, 99.5, 100]).tolist()
        [0, 0, 255]
        >>> Window(0, 10, "LINEAR_EXACT").apply([-5, 0, 5]).tolist()
        [0, 128, 255]
        """
        x = np.asarray(values)
        if x.dtype.kind not in "biuf":
            raise TypeError(f"window values must be numeric, not {x.dtype}")
        if self.lut is not None:
            return self.lut.apply(x)
        c, w = self.center, self.width
        dtype = float_dtype(x)
        if self.function == "SIGMOID":
            # y = 255 / (1 + exp(-4 (x - c) / w)) with one buffer and in-place steps.
            buf = np.multiply(x, dtype(-4.0 / w), dtype=dtype)
            buf += dtype(4.0 * c / w)
            np.clip(buf, -_SIGMOID_CLAMP, _SIGMOID_CLAMP, out=buf)
            np.exp(buf, out=buf)
            buf += dtype(1.0)
            np.divide(dtype(255.0), buf, out=buf)
            buf += dtype(0.5)
            return _to_uint8(buf)
        if self.function == "LINEAR" and w == 1.0:
            # PS3.3 C.11.2.1.2.1 (and its Note 3): a threshold at c - 0.5.
            out: ArrayU8 = np.greater(x, c - 0.5).astype(np.uint8)
            out *= np.uint8(255)
            return out
        if self.function == "LINEAR":
            c, w = c - 0.5, w - 1.0
        # Both linear functions are y = ((x - c) / w + 0.5) * 255, clamped: one
        # multiply-add, the +0.5 rounds half up before the truncating cast.
        scale = 255.0 / w
        offset = (0.5 - c / w) * 255.0 + 0.5
        buf = np.multiply(x, dtype(scale), dtype=dtype)
        buf += dtype(offset)
        return _to_uint8(buf)


WindowLike: TypeAlias = Window | tuple[float, float] | Mapping[str, float] | str | None
"""What public entry points accept as a window (see the module docstring)."""

PRESETS: Mapping[str, Window] = MappingProxyType(
    {
        # The predecessor viewer's presets (center, width), in HU.
        "ct_abdomen": Window(60, 400),
        "angio": Window(300, 600),
        "bone": Window(300, 1500),
        "brain": Window(40, 80),
        "chest": Window(40, 400),
        "lung": Window(-600, 1500),
    }
)
"""Named LINEAR windows; names are matched case-insensitively, ``-`` = ``_``."""


# -- reading the dataset ------------------------------------------------------------------


def _is_little_endian(ds: Dataset) -> bool:
    """Byte order of OW values read from `ds` (little endian when unknown)."""
    encoding = getattr(ds, "original_encoding", (None, None))
    return encoding[1] is not False


def _voi_sources(ds: Dataset, index: int) -> Iterator[Dataset]:
    """Datasets that may hold a VOI LUT Module, in precedence order."""
    for group in functional_groups(ds, index):
        item = first_item(group, "FrameVOILUTSequence")
        if item is not None:
            yield item
    yield ds


def _first_value(value: object) -> object:
    """The first value of a multi-valued element (PS3.3 C.11.2.1.2: alternatives)."""
    if isinstance(value, str | bytes):
        return value
    if isinstance(value, Sequence):
        return value[0] if len(value) else None
    return value


def _window_from(source: Dataset, little_endian: bool) -> Window | None:
    """The window of one VOI LUT Module source, or None if it has no usable one."""
    lut: VoiLut | None = None
    lut_item = first_item(source, "VOILUTSequence")
    if lut_item is not None:
        try:
            lut = VoiLut.from_item(lut_item, little_endian=little_endian)
        except WindowError:
            lut = None
    center = _first_value(source.get("WindowCenter"))
    width = _first_value(source.get("WindowWidth"))
    function = str(source.get("VOILUTFunction") or "LINEAR").strip().upper()
    if function not in _FUNCTIONS:
        # An unknown (private or misspelt) function: the center/width are still the
        # best description of the intended contrast, read as the default LINEAR.
        function = "LINEAR"
    if center is not None and width is not None:
        try:
            return Window(
                float(cast(float, center)),
                float(cast(float, width)),
                cast(VoiLutFunction, function),
                lut,
            )
        except (WindowError, TypeError, ValueError):
            pass  # an unusable window; the LUT (if any) still describes the VOI
    if lut is not None:
        # The LUT covers first_mapped .. first_mapped + n - 1 (C.11.2.1.2.1 Note 4).
        covered = Window.from_range(lut.first_mapped, lut.first_mapped + len(lut.data) - 1)
        return dataclasses.replace(covered, lut=lut)
    return None
