"""Frame(instance, index): array() decodes, render(window) -> uint8, png(window) -> bytes.

A :class:`Frame` is a cheap value: the instance and a 0-based index, checked
when it is made. Nothing is decoded until :meth:`Frame.array` (or a method
that needs the samples) is called; with a cache on the instance, a decoded
frame is kept under ``(path, index)`` and shared, read-only, between callers.
The display methods delegate to :mod:`dcmview.sdk.display`; two of them
answer in small typed values for clients that display the samples themselves:
:meth:`Frame.display_parameters` (:class:`DisplayParameters`) and
:meth:`Frame.pixel` (:class:`PixelValue`).

Resolution levels (:mod:`dcmview.sdk.levels`): ``array(level=n)``,
``render(level=n)`` and ``png(level=n)`` give the frame at ``1 / 2**n`` of its
size, for a fraction of the work where the codec can (JPEG 2000, HTJ2K); a level
is cached under ``(path, index, n)``, and a full-resolution frame in the cache
serves any level without decoding again. :meth:`Frame.level_for` picks the
level for a viewport, :meth:`Frame.resolution` says a level's size and scale.

Redaction (:mod:`dcmview.sdk.redaction`): every method that reads samples takes
``redactions=`` (the instance's boxes, :class:`~dcmview.sdk.roi.Roi`); the boxes
that apply to the frame are filled before anything else sees the samples, and the
redacted frame is cached under a key that holds its boxes (:meth:`Frame.cache_key`).
"""

from __future__ import annotations

import operator
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from dcmview.sdk._types import AnyArray, ArrayF32, ArrayU8
from dcmview.sdk.errors import InvalidInputError

if TYPE_CHECKING:  # pragma: no cover
    from dcmview.sdk.instance import Instance
    from dcmview.sdk.levels import ResolutionLevel
    from dcmview.sdk.roi import Roi
    from dcmview.sdk.window import Window, WindowLike

__all__ = ["DisplayParameters", "Frame", "PixelValue", "preload"]


@dataclass(frozen=True, slots=True)
class DisplayParameters:
    """How the SDK displays one frame: what a client needs to draw its samples alike.

    A client that windows the stored samples itself (the browser viewer, from the
    raw frame) applies these in the order of :mod:`dcmview.sdk.display`: rescale,
    window, inversion, padding black.

    Attributes
    ----------
    photometric_interpretation : str
        Of the samples :meth:`Frame.array` returns: ``"RGB"`` for colour (YBR is
        converted when decoding), else the file's (0028,0004).
    rescale_slope, rescale_intercept : float
        Modality value = stored value × slope + intercept (PS3.3 C.11.1), from the
        frame's functional groups first; 1 and 0 when a Modality LUT Sequence
        applies instead (see :func:`dcmview.sdk.display.rescale`).
    unit : str
        The unit of modality values: Rescale Type (0028,1054) or Modality LUT
        Type, else ``"HU"`` for a CT, else ``""``.
    default_window : Window or None
        The file's own window for the frame (:meth:`Frame.default_window`).
    auto_window : Window or None
        What ``"dicom"`` resolves to (:meth:`Frame.window`): the file's window,
        else the 1st..99th percentile of the modality values. None for colour.
    full_window : Window or None
        What ``"full"`` resolves to: the minimum..maximum modality value. None
        for colour.
    presentation_lut_shape : {"IDENTITY", "INVERSE"} or None
        Presentation LUT Shape (2050,0020); INVERSE, like MONOCHROME1, inverts
        after the window, once.
    padding : tuple of (int, int) or None
        The inclusive stored-value range of Pixel Padding (drawn black), if any.
    modality_lut : bool
        Whether a Modality LUT Sequence maps stored values to modality values (no
        slope and intercept describe it: ``rescale_slope`` and ``rescale_intercept``
        are 1 and 0, and a client must not window the stored samples itself).
    """

    photometric_interpretation: str
    rescale_slope: float
    rescale_intercept: float
    unit: str
    default_window: Window | None
    auto_window: Window | None
    full_window: Window | None
    presentation_lut_shape: Literal["IDENTITY", "INVERSE"] | None
    padding: tuple[int, int] | None
    modality_lut: bool = False


@dataclass(frozen=True, slots=True)
class PixelValue:
    """One pixel of a frame: its stored sample(s) and its modality value.

    Attributes
    ----------
    row, column : int
        The position, 0-based.
    stored : int, float or tuple
        The stored value; a tuple of samples for colour (RGB).
    modality : float or None
        The value after the Modality LUT / rescale (PS3.3 C.11.1) in `unit`;
        None for colour.
    unit : str
        As :attr:`DisplayParameters.unit` (``"HU"`` for a CT).
    """

    row: int
    column: int
    stored: int | float | tuple[int | float, ...]
    modality: float | None
    unit: str


@dataclass(frozen=True, slots=True)
class Frame:
    """One frame of an instance.

    Parameters
    ----------
    instance : Instance
        The file the frame belongs to.
    index : int
        0-based frame index.

    Raises
    ------
    NoPixelDataError
        The instance has no pixel data.
    FrameIndexError
        `index` is outside ``0 .. number_of_frames - 1``.

    Examples
    --------
    >>> import pydicom.examples
    >>> from dcmview.sdk.instance import open
    >>> frame = open(pydicom.examples.get_path("ct")).frame(0)
    >>> frame.index, frame.array().dtype.name, frame.array().shape
    (0, 'int16', (128, 128))
    """

    instance: Instance
    index: int

    def __post_init__(self) -> None:
        # Valid once constructed: an out-of-range frame never exists.
        object.__setattr__(self, "index", self.instance._check_index(self.index))

    def __repr__(self) -> str:
        return f"Frame({self.instance.path!r}, index={self.index})"

    @property
    def key(self) -> tuple[str, int]:
        """The cache key of the decoded frame: ``(path, index)``."""
        return (self.instance.path, self.index)

    def cache_key(
        self, level: int = 0, redactions: Iterable[Roi] | None = None
    ) -> tuple[object, ...]:
        """The cache key of the frame at `level`: :attr:`key`, else ``(path, index, level)``.

        With redaction boxes that apply to this frame, the key ends with
        ``("redacted", boxes)``: a change of the boxes is a new key.
        """
        base = self.key if level == 0 else (self.instance.path, self.index, level)
        boxes = self.boxes(redactions)
        return (*base, ("redacted", boxes)) if boxes else base

    def boxes(self, redactions: Iterable[Roi] | None) -> tuple[Roi, ...]:
        """The redaction boxes of `redactions` that apply to this frame."""
        if not redactions:
            return ()
        from dcmview.sdk.redaction import boxes_for_frame

        return boxes_for_frame(redactions, self.index)

    # -- resolution levels ---------------------------------------------------

    @property
    def levels(self) -> int:
        """The number of resolution levels: 0 (full) to the first that is 1×1.

        Examples
        --------
        >>> import pydicom.examples
        >>> from dcmview.sdk.instance import open
        >>> open(pydicom.examples.get_path("ct")).frame(0).levels  # 128×128: 128 .. 1
        8
        """
        from dcmview.sdk.levels import max_level

        return max_level(self.instance.rows, self.instance.columns) + 1

    def level_for(self, max_size: int) -> int:
        """Return the least-work level whose larger side is still at least `max_size` pixels.

        Parameters
        ----------
        max_size : int
            The larger side, in pixels, the frame is displayed at (a viewport).

        Returns
        -------
        int
            The largest *n* with ``max(ceil(rows / 2**n), ceil(columns / 2**n)) >= max_size``;
            0 when the frame is smaller than `max_size`.

        Raises
        ------
        InvalidInputError
            `max_size` below 1.

        Examples
        --------
        >>> import pydicom.examples
        >>> from dcmview.sdk.instance import open
        >>> frame = open(pydicom.examples.get_path("ct")).frame(0)
        >>> frame.level_for(64), frame.level_for(50), frame.level_for(1000)
        (1, 1, 0)
        """
        from dcmview.sdk.levels import level_for

        return level_for(self.instance.rows, self.instance.columns, max_size)

    def resolution(self, level: int = 0) -> ResolutionLevel:
        """Describe `level`: its size and its scale to full resolution (no decoding).

        Raises
        ------
        InvalidInputError
            `level` outside ``0 .. levels - 1``.

        Examples
        --------
        >>> import pydicom.examples
        >>> from dcmview.sdk.instance import open
        >>> lv = open(pydicom.examples.get_path("ct")).frame(0).resolution(2)
        >>> lv.rows, lv.columns, lv.row_scale
        (32, 32, 4.0)
        """
        from dcmview.sdk.levels import ResolutionLevel

        return ResolutionLevel(level, self.instance.rows, self.instance.columns)

    def _level(self, level: int) -> int:
        from dcmview.sdk.levels import check_level

        return check_level(level, self.instance.rows, self.instance.columns)

    # -- samples -------------------------------------------------------------

    def array(self, level: int = 0, *, redactions: Iterable[Roi] | None = None) -> AnyArray:
        """Decode the frame's stored values, at full resolution or at a resolution level.

        Parameters
        ----------
        level : int
            0 is full resolution; level *n* has ``ceil(rows / 2**n)`` ×
            ``ceil(columns / 2**n)`` samples (:meth:`resolution`). JPEG 2000 and
            HTJ2K decode at the level natively (OpenJPEG leaves the finer
            wavelet levels out); other syntaxes, and any frame whose full
            resolution is in the cache, are area-averaged from full resolution
            (:func:`dcmview.sdk.levels.downsample`). The samples are stored values
            either way (same dtype and bit depth), so rescale, windows and padding
            apply as at full resolution.
        redactions : iterable of Roi, optional
            The instance's redaction boxes (full-resolution pixel indices); those
            that apply to this frame are filled with the redaction value
            (:func:`dcmview.sdk.redaction.redact`).

        Returns
        -------
        numpy.ndarray
            Without redactions, at level 0 exactly what
            ``pydicom.pixels.pixel_array(path, index=index)`` returns: shape (rows,
            columns) or (rows, columns, samples), YBR converted to RGB, palette not
            applied. With a cache the array is
            shared and read-only; copy it before changing it.

        Raises
        ------
        InvalidInputError
            `level` outside ``0 .. levels - 1``.
        DecodeError
            Corrupt or truncated pixel data; DecoderUnavailableError when no
            codec for the transfer syntax is installed.
        ImageTooLargeError
            Declared dimensions too large to decode safely (judged at full
            resolution, whatever the level).
        UnsupportedPixelLayoutError
            Image Pixel attributes that cannot describe a frame.

        Examples
        --------
        >>> import pydicom.examples
        >>> from dcmview.sdk.instance import open
        >>> frame = open(pydicom.examples.get_path("ct")).frame(0)
        >>> frame.array(level=1).shape, frame.array(level=7).shape
        ((64, 64), (1, 1))
        """
        level = self._level(level)
        boxes = self.boxes(redactions)
        if boxes:
            return self._redacted(level, boxes)
        cache = self.instance.cache
        if cache is None:
            return self.instance.decode(self.index, level)
        make = self._decode_shared if level == 0 else lambda: self._level_shared(level)
        value, _hit = cache.get_or_create(self.cache_key(level), make)
        return value

    def _decode_shared(self) -> AnyArray:
        arr = self.instance.decode(self.index)
        # Cached arrays are shared between callers (and threads): freeze them.
        arr.flags.writeable = False
        return arr

    def _level_shared(self, level: int) -> AnyArray:
        cache = self.instance.cache
        assert cache is not None
        full = cache.get(self.key)
        if full is None and not self.instance._decodes_levels():
            # Decoded in full anyway: keep that in the cache too, for the next level.
            full = self.array()
        if full is not None:
            arr = self.instance._downsample(full, level)
        else:
            arr = self.instance.decode(self.index, level)
        arr.flags.writeable = False
        return arr

    def _redacted(self, level: int, boxes: tuple[Roi, ...]) -> AnyArray:
        from dcmview.sdk.redaction import redact

        cache = self.instance.cache

        def make() -> AnyArray:
            if level == 0:
                plain = None if cache is None else cache.get(self.key)
                source = self.instance.decode(self.index) if plain is None else plain
            elif self.instance._decodes_levels():
                source = self.instance.decode(self.index, level)
            else:
                # From the redacted full frame (cached): the level's means never see
                # the pixels under a box.
                source = self.instance._downsample(self._redacted(0, boxes), level)
            arr = redact(source, boxes, level)
            arr.flags.writeable = False
            if cache is not None:
                # The unredacted frame is not kept beside the redacted one.
                cache.discard(self.cache_key(level))
            return arr

        if cache is None:
            return make()
        value, _hit = cache.get_or_create(self.cache_key(level, boxes), make)
        return value

    def is_cached(self, level: int = 0, redactions: Iterable[Roi] | None = None) -> bool:
        """Whether the frame at `level` (full resolution by default) is in the instance's cache."""
        cache = self.instance.cache
        return cache is not None and self.cache_key(level, redactions) in cache

    def modality_values(
        self, level: int = 0, *, redactions: Iterable[Roi] | None = None
    ) -> ArrayF32:
        """Return the modality values: stored values through the Modality LUT / rescale.

        Per-frame Pixel Value Transformation (functional groups) first, then the
        shared groups, then the top level (see :func:`dcmview.sdk.display.modality_values`).

        Parameters
        ----------
        level : int
            The resolution level of the samples (see :meth:`array`).
        redactions : iterable of Roi, optional
            Redaction boxes (see :meth:`array`).
        """
        from dcmview.sdk import display

        samples = self.array(level, redactions=redactions)
        return display.modality_values(samples, self.instance.dataset, self.index)

    def default_window(self) -> Window | None:
        """Return the file's own window for this frame, or None when it has none.

        The frame's Frame VOI LUT in the functional groups first, then the top-level
        VOI LUT Module (see :meth:`dcmview.sdk.window.Window.from_dataset`). Reads
        the header (once per instance), not the pixels.
        """
        from dcmview.sdk.window import Window

        return Window.from_dataset(self.instance.dataset, self.index)

    @property
    def inverted(self) -> bool:
        """Whether :meth:`render` inverts grey levels after the window, once.

        MONOCHROME1, or Presentation LUT Shape (2050,0020) INVERSE
        (:func:`dcmview.sdk.display.inverted`); reads the header only.
        """
        from dcmview.sdk import display

        return display.inverted(self.instance.dataset)

    def display_parameters(
        self,
        stored: AnyArray | None = None,
        *,
        level: int = 0,
        redactions: Iterable[Roi] | None = None,
    ) -> DisplayParameters:
        """Return how the SDK displays this frame (rescale, unit, windows, inversion, padding).

        Parameters
        ----------
        stored : numpy.ndarray, optional
            This frame's :meth:`array`, when the caller holds it already: a frame
            larger than the cache's budget is not kept, and would be decoded again.
        level : int
            The resolution level whose samples the auto and full windows come
            from (when `stored` is not given).
        redactions : iterable of Roi, optional
            Redaction boxes (see :meth:`array`), when `stored` is not given.

        Returns
        -------
        DisplayParameters
            What :meth:`render` does with the samples, as values a client can apply.
        """
        from dcmview.sdk import display

        samples = self.array(level, redactions=redactions) if stored is None else stored
        ds = self.instance.dataset
        slope, intercept, unit = display.rescale(ds, self.index)
        auto = display.resolve_window("dicom", samples, ds, self.index)
        full = None if auto is None else display.resolve_window("full", samples, ds, self.index)
        colour = samples.ndim == 3 and samples.shape[2] == 3
        return DisplayParameters(
            # Frame.array() converts YBR to RGB (pydicom's default): colour samples are RGB.
            photometric_interpretation="RGB"
            if colour
            else self.instance.photometric_interpretation,
            rescale_slope=slope,
            rescale_intercept=intercept,
            unit=unit,
            default_window=self.default_window(),
            auto_window=auto,
            full_window=full,
            presentation_lut_shape=display.presentation_lut_shape(ds),
            padding=display.padding_range(ds),
            modality_lut=display.has_modality_lut(ds, self.index),
        )

    def pixel(
        self, row: int, column: int, *, redactions: Iterable[Roi] | None = None
    ) -> PixelValue:
        """Return one pixel's stored value and modality value (HU for a CT).

        Parameters
        ----------
        row, column : int
            The position, 0-based.
        redactions : iterable of Roi, optional
            Redaction boxes (see :meth:`array`): a pixel under one reads the
            redaction value.

        Returns
        -------
        PixelValue

        Raises
        ------
        InvalidInputError
            `row` or `column` outside the frame.
        """
        from dcmview.sdk import display

        row, column = _position(row, "row"), _position(column, "column")
        samples = self.array(redactions=redactions)
        if not (0 <= row < samples.shape[0] and 0 <= column < samples.shape[1]):
            raise InvalidInputError(
                f"pixel (row={row}, column={column}) is outside the "
                f"{samples.shape[0]}×{samples.shape[1]} frame"
            )
        one = samples[row : row + 1, column : column + 1]
        stored = one.reshape(-1).tolist()
        ds = self.instance.dataset
        _, _, unit = display.rescale(ds, self.index)
        if samples.ndim != 2:
            return PixelValue(row, column, tuple(stored), None, unit)
        modality = float(display.modality_values(one, ds, self.index).reshape(-1)[0])
        return PixelValue(row, column, stored[0], modality, unit)

    def window(
        self,
        window: WindowLike = None,
        level: int = 0,
        *,
        redactions: Iterable[Roi] | None = None,
    ) -> Window | None:
        """Resolve `window` for this frame (presets, ``"dicom"``, ``"full"``, percentiles).

        Parameters
        ----------
        window : Window, (center, width), str or None
            See :data:`dcmview.sdk.window.WindowLike`.
        level : int
            The resolution level whose samples a percentile or full-range window
            is computed from (the file's own window does not depend on it).
        redactions : iterable of Roi, optional
            Redaction boxes (see :meth:`array`).

        Returns
        -------
        Window or None
            None for color frames, where no window applies.
        """
        from dcmview.sdk import display

        samples = self.array(level, redactions=redactions)
        return display.resolve_window(window, samples, self.instance.dataset, self.index)

    def render(
        self,
        window: WindowLike = None,
        level: int = 0,
        *,
        redactions: Iterable[Roi] | None = None,
    ) -> ArrayU8:
        """Render the frame for display as 8-bit grey (rows, columns) or RGB (rows, columns, 3).

        Parameters
        ----------
        window : Window, (center, width), str or None
            See :data:`dcmview.sdk.window.WindowLike`; None is the file's window,
            else the 1st..99th percentile of the modality values (of this level's
            samples).
        level : int
            The resolution level (see :meth:`array`); the image has its size.
        redactions : iterable of Roi, optional
            Redaction boxes (see :meth:`array`).

        Examples
        --------
        >>> import pydicom.examples
        >>> from dcmview.sdk.instance import open
        >>> open(pydicom.examples.get_path("ct")).frame(0).render("lung", level=2).shape
        (32, 32)
        """
        from dcmview.sdk import display

        samples = self.array(level, redactions=redactions)
        image, _used = display.render(samples, self.instance.dataset, self.index, window)
        return image

    def png(
        self,
        window: WindowLike = None,
        level: int = 0,
        *,
        redactions: Iterable[Roi] | None = None,
    ) -> bytes:
        """Render the frame at `level` (see :meth:`render`) and encode it as PNG.

        With `redactions`, the samples under the boxes that apply to this frame
        are filled before rendering (see :meth:`array`).
        """
        from dcmview.sdk._png import encode_png

        return encode_png(self.render(window, level, redactions=redactions))


def preload() -> None:
    """Import the decoding and rendering stack now (≈0.2 s), so the first frame does not wait.

    pydicom's pixel handlers, the codecs and their plugin, the display pipeline
    and the PNG encoder are otherwise imported by the first :meth:`Frame.array`
    and :meth:`Frame.png`. A server runs this in a background thread once it listens.
    """
    from dcmview.sdk import _png, codecs, display  # noqa: F401

    codecs.register()


def _position(value: int, what: str) -> int:
    # bool is an int to Python, never a position to a user.
    if isinstance(value, bool):
        raise TypeError(f"{what} must be an int, not {value!r}")
    return operator.index(value)
