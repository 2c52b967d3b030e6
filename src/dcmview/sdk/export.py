"""Cine exports people share: an instance's frames as animated WebP, PNG, GIF or MP4.

:func:`cine_frames` renders the frames of an instance exactly as
:meth:`~dcmview.sdk.frame.Frame.render` does (the same window, per frame, at a
resolution level), optionally with ROI boxes drawn in; :func:`export_cine`
writes them to a file, its format chosen by the suffix:

- ``.webp``: animated WebP, lossless (Pillow);
- ``.png``: animated PNG (APNG), lossless (Pillow);
- ``.gif``: GIF, lossless for grey images (256 levels), colour reduced to a
  palette of 256 for colour ones (Pillow);
- ``.mp4``: H.264 in MP4, lossy (PyAV, the optional ``dcmview[video]`` extra).
  H.264 with 4:2:0 chroma needs an even width and height: an odd last row or
  column is repeated.

Nothing else is written into the file: no patient name, ID or date is drawn
on the images, and no metadata is added beyond what the format needs (frame
durations, the loop count).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Final

import numpy as np

from dcmview.sdk.errors import InvalidInputError
from dcmview.sdk.redaction import boxes_for_frame

if TYPE_CHECKING:
    from dcmview.sdk._types import ArrayU8, StrPath
    from dcmview.sdk.frame import Frame
    from dcmview.sdk.instance import Instance
    from dcmview.sdk.roi import Roi
    from dcmview.sdk.window import WindowLike

__all__ = [
    "CINE_FORMATS",
    "MAX_FPS",
    "MIN_FPS",
    "ROI_COLOUR",
    "burn_rois",
    "cine_frames",
    "export_cine",
    "frame_png",
]

#: The suffixes :func:`export_cine` writes, and what each is.
CINE_FORMATS: Final = {
    ".webp": "animated WebP, lossless",
    ".png": "animated PNG (APNG), lossless",
    ".gif": "GIF (lossless for grey images)",
    ".mp4": "H.264 MP4, lossy (needs dcmview[video])",
}
#: The colour ROI boxes are drawn in: the viewer's ROI green (``--roi``, #3ee07a).
ROI_COLOUR: Final = (62, 224, 122)
_DEFAULT_FPS: Final = 10.0
#: The frame rates an export takes: a frame shows 1 ms to 10 s.
MIN_FPS: Final = 0.1
MAX_FPS: Final = 1000.0


def burn_rois(image: ArrayU8, rois: Iterable[Roi], frame: int, scale: float = 1.0) -> ArrayU8:
    """Return `image` as RGB with the outline of each ROI that applies to `frame` drawn in.

    Parameters
    ----------
    image : numpy.ndarray
        uint8, (rows, columns) grey or (rows, columns, 3) RGB.
    rois : iterable of Roi
        Boxes in full-resolution pixel indices (max inclusive); a box applies to
        `frame` when its ``frames`` is empty or holds it.
    frame : int
        The 0-based frame index of `image`.
    scale : float
        Image pixels per full-resolution pixel (``1 / 2**level``).

    Returns
    -------
    numpy.ndarray
        A new (rows, columns, 3) uint8 array; the input is not changed.
    """
    out = np.repeat(image[..., None], 3, axis=2) if image.ndim == 2 else image[..., :3].copy()
    rows, columns = out.shape[:2]
    colour = np.asarray(ROI_COLOUR, dtype=np.uint8)
    for roi in rois:
        if roi.frames and frame not in roi.frames:
            continue
        y0, x0 = int(roi.ymin * scale), int(roi.xmin * scale)
        y1, x1 = min(int(roi.ymax * scale), rows - 1), min(int(roi.xmax * scale), columns - 1)
        if y0 >= rows or x0 >= columns:
            continue
        out[y0, x0 : x1 + 1] = colour
        out[y1, x0 : x1 + 1] = colour
        out[y0 : y1 + 1, x0] = colour
        out[y0 : y1 + 1, x1] = colour
    return out


def frame_png(
    frame: Frame, *, window: WindowLike = None, level: int = 0, rois: Iterable[Roi] | None = None
) -> bytes:
    """One frame as PNG: :meth:`Frame.png` itself, or with `rois` drawn in (RGB then).

    Examples
    --------
    >>> import pydicom.examples
    >>> from dcmview.sdk.instance import open
    >>> f = open(pydicom.examples.get_path("ct")).frame(0)
    >>> frame_png(f, window="lung") == f.png("lung")
    True
    """
    boxes = list(rois) if rois is not None else []
    if not boxes:
        return frame.png(window, level)
    from dcmview.sdk._png import encode_png

    scale = 1.0 / (1 << level) if level else 1.0
    return encode_png(burn_rois(frame.render(window, level), boxes, frame.index, scale))


def cine_frames(
    instance: Instance,
    *,
    window: WindowLike = None,
    frames: Sequence[int] | None = None,
    level: int = 0,
    rois: Iterable[Roi] | None = None,
    redactions: Iterable[Roi] | None = None,
) -> list[ArrayU8]:
    """Render the frames a cine export holds, as :meth:`Frame.render` does.

    Parameters
    ----------
    instance : Instance
    window : Window, (center, width), str or None
        Applied to every frame (see :data:`dcmview.sdk.window.WindowLike`).
    frames : sequence of int, optional
        0-based frame indices, in playing order; every frame by default.
    level : int
        The resolution level (each side ``1 / 2**level``).
    rois : iterable of Roi, optional
        Boxes to draw in (:func:`burn_rois`); the frames are RGB then.
    redactions : iterable of Roi, optional
        The file's redaction boxes: the pixels under those that apply to a frame are
        removed before it is rendered (:meth:`Frame.render`).

    Returns
    -------
    list of numpy.ndarray
        uint8 images, all of one shape.

    Raises
    ------
    FrameIndexError
        A frame index outside the instance.
    InvalidInputError
        No frames to export.
    """
    order = list(range(instance.number_of_frames)) if frames is None else list(frames)
    if not order:
        raise InvalidInputError(f"no frames to export from {instance.path}")
    boxes = list(rois) if rois is not None else None
    hidden = list(redactions) if redactions is not None else []
    scale = 1.0 / (1 << level) if level else 1.0
    out: list[ArrayU8] = []
    for index in order:
        covered = boxes_for_frame(hidden, index)
        image = instance.frame(index).render(window, level, redactions=covered or None)
        if boxes:
            image = burn_rois(image, boxes, index, scale)
        out.append(image)
    return out


def export_cine(
    instance: Instance,
    path: StrPath,
    *,
    window: WindowLike = None,
    fps: float | None = None,
    frames: Sequence[int] | None = None,
    level: int = 0,
    rois: Iterable[Roi] | None = None,
    redactions: Iterable[Roi] | None = None,
) -> list[ArrayU8]:
    """Write the frames of `instance` as an animation; the suffix of `path` picks the format.

    Parameters
    ----------
    instance : Instance
    path : path
        Ends with ``.webp``, ``.png``, ``.gif`` or ``.mp4`` (:data:`CINE_FORMATS`).
    window, frames, level, rois, redactions
        See :func:`cine_frames`.
    fps : float, optional
        Frames per second, 0.1 to 1000; the file's own rate (:attr:`Instance.cine_rate`)
        or 10.

    Returns
    -------
    list of numpy.ndarray
        The frames written (before any encoding loss), as :func:`cine_frames` made them.

    Raises
    ------
    InvalidInputError
        An unknown suffix, a rate outside 0.1..1000, no frames, or ``.mp4``
        without PyAV.
    """
    suffix = os.path.splitext(os.fspath(path))[1].lower()
    if suffix not in CINE_FORMATS:
        known = ", ".join(CINE_FORMATS)
        raise InvalidInputError(
            f"cannot export a cine loop as {suffix or 'no suffix'!r}: use {known}"
        )
    rate = fps if fps is not None else (instance.cine_rate or _DEFAULT_FPS)
    if not (MIN_FPS <= rate <= MAX_FPS):  # NaN fails too
        raise InvalidInputError(
            f"fps must be a positive number from {MIN_FPS:g} to {MAX_FPS:g}, got {rate!r}"
        )
    if suffix == ".mp4":
        _need_av()
    images = cine_frames(
        instance, window=window, frames=frames, level=level, rois=rois, redactions=redactions
    )
    if suffix == ".mp4":
        _write_mp4(images, path, rate)
    else:
        _write_pillow(images, path, rate, suffix)
    return images


def _write_pillow(images: list[ArrayU8], path: StrPath, fps: float, suffix: str) -> None:
    from PIL import Image

    pictures = [Image.fromarray(a) for a in images]
    duration = max(1, round(1000.0 / fps))
    options: dict[str, object] = {
        "save_all": True,
        "append_images": pictures[1:],
        "duration": duration,
        "loop": 0,
    }
    if suffix == ".webp":
        options |= {"lossless": True, "quality": 100, "method": 4}
    elif suffix == ".png":
        # Without default_image the first frame is also the APNG's still image.
        options |= {"compress_level": 6, "disposal": 0, "blend": 0}
    elif suffix == ".gif":
        options |= {"optimize": False, "disposal": 1}
    pictures[0].save(os.fspath(path), format=suffix[1:].upper(), **options)


def _need_av() -> None:
    try:
        import av  # noqa: F401  # the optional video extra
    except ImportError:
        raise InvalidInputError(
            "writing MP4 needs PyAV: pip install 'dcmview[video]' "
            "(or export as .webp, .png or .gif, which need nothing more)"
        ) from None


def _write_mp4(images: list[ArrayU8], path: StrPath, fps: float) -> None:
    import importlib
    from fractions import Fraction
    from typing import Any

    av: Any = importlib.import_module("av")  # untyped to mypy: Any
    rows, columns = images[0].shape[:2]
    even_rows, even_columns = rows + rows % 2, columns + columns % 2
    with av.open(os.fspath(path), mode="w") as container:
        stream = container.add_stream("h264", rate=Fraction(fps).limit_denominator(1000))
        stream.width, stream.height = even_columns, even_rows
        stream.pix_fmt = "yuv420p"
        # High quality; no metadata beyond the encoder's defaults.
        stream.options = {"crf": "12", "preset": "medium"}
        for image in images:
            rgb = np.repeat(image[..., None], 3, axis=2) if image.ndim == 2 else image
            if (even_rows, even_columns) != (rows, columns):
                rgb = np.pad(
                    rgb, ((0, even_rows - rows), (0, even_columns - columns), (0, 0)), mode="edge"
                )
            frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(rgb), format="rgb24")
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
