"""Frame(instance, index): array() decodes, render(window) -> uint8, png(window) -> bytes.

A :class:`Frame` is a cheap value: the instance and a 0-based index, checked
when it is made. Nothing is decoded until :meth:`Frame.array` (or a method
that needs the samples) is called; with a cache on the instance, a decoded
frame is kept under ``(path, index)`` and shared, read-only, between callers.
The display methods delegate to :mod:`dcmview.sdk.display`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from dcmview.sdk._types import AnyArray, ArrayF32, ArrayU8

if TYPE_CHECKING:  # pragma: no cover
    from dcmview.sdk.instance import Instance
    from dcmview.sdk.window import Window, WindowLike

__all__ = ["Frame"]


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

    def array(self) -> AnyArray:
        """Decode the frame's stored values.

        Returns
        -------
        numpy.ndarray
            Exactly what ``pydicom.pixels.pixel_array(path, index=index)`` returns:
            shape (rows, columns) or (rows, columns, samples), YBR converted to
            RGB, palette not applied. With a cache the array is shared and
            read-only; copy it before changing it.

        Raises
        ------
        DecodeError
            Corrupt or truncated pixel data; DecoderUnavailableError when no
            codec for the transfer syntax is installed.
        ImageTooLargeError
            Declared dimensions too large to decode safely.
        UnsupportedPixelLayoutError
            Image Pixel attributes that cannot describe a frame.
        """
        cache = self.instance.cache
        if cache is None:
            return self.instance.decode(self.index)
        value, _hit = cache.get_or_create(self.key, self._decode_shared)
        return value

    def _decode_shared(self) -> AnyArray:
        arr = self.instance.decode(self.index)
        # Cached arrays are shared between callers (and threads): freeze them.
        arr.flags.writeable = False
        return arr

    def is_cached(self) -> bool:
        """Whether the decoded frame is in the instance's cache."""
        cache = self.instance.cache
        return cache is not None and self.key in cache

    def modality_values(self) -> ArrayF32:
        """Return the modality values: stored values through the Modality LUT / rescale.

        Per-frame Pixel Value Transformation (functional groups) first, then the
        shared groups, then the top level (see :func:`dcmview.sdk.display.modality_values`).
        """
        from dcmview.sdk import display

        return display.modality_values(self.array(), self.instance.dataset, self.index)

    def default_window(self) -> Window | None:
        """Return the file's own window for this frame, or None when it has none.

        The frame's Frame VOI LUT in the functional groups first, then the top-level
        VOI LUT Module (see :meth:`dcmview.sdk.window.Window.from_dataset`). Reads
        the header (once per instance), not the pixels.
        """
        from dcmview.sdk.window import Window

        return Window.from_dataset(self.instance.dataset, self.index)

    def window(self, window: WindowLike = None) -> Window | None:
        """Resolve `window` for this frame (presets, ``"dicom"``, ``"full"``, percentiles).

        Parameters
        ----------
        window : Window, (center, width), str or None
            See :data:`dcmview.sdk.window.WindowLike`.

        Returns
        -------
        Window or None
            None for color frames, where no window applies.
        """
        from dcmview.sdk import display

        return display.resolve_window(window, self.array(), self.instance.dataset, self.index)

    def render(self, window: WindowLike = None) -> ArrayU8:
        """Render the frame for display as 8-bit grey (rows, columns) or RGB (rows, columns, 3).

        Parameters
        ----------
        window : Window, (center, width), str or None
            See :data:`dcmview.sdk.window.WindowLike`; None is the file's window,
            else the 1st..99th percentile of the modality values.
        """
        from dcmview.sdk import display

        image, _used = display.render(self.array(), self.instance.dataset, self.index, window)
        return image

    def png(self, window: WindowLike = None) -> bytes:
        """Render the frame (see :meth:`render`) and encode it as PNG."""
        from dcmview.sdk._png import encode_png

        return encode_png(self.render(window))
