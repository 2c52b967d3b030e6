"""Roi: one box ``[ymin, xmin, ymax, xmax]`` on an instance; the JSON body of the annotations API.

The public names are re-exported by :mod:`dcmview.sdk.roi`, whose docstring states
the coordinate convention.
"""

from __future__ import annotations

import operator
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, TypedDict

from dcmview.sdk.errors import RoiFormatError
from dcmview.sdk.header import Header
from dcmview.sdk.roi._cells import COORDS_COLUMN, FRAMES_COLUMN, CellError, as_box, shown

__all__ = ["Roi", "RoiPayload", "problem_of", "rois_from_json", "rois_to_json"]


class RoiPayload(TypedDict):
    """The JSON body of ``GET``/``PUT /api/file/:i/annotations`` (docs/http-api.md)."""

    num_roi: int
    roi_coords: list[list[int]]
    roi_frames: list[list[int]]


# --------------------------------------------------------------------------- Roi


def _coordinate(value: object, name: str) -> int:
    # numpy integers pass through operator.index; bool and float are mistakes.
    if type(value) is int:
        return value
    if isinstance(value, bool):
        raise TypeError(f"Roi {name} must be an integer, not {value!r}")
    try:
        return operator.index(value)  # type: ignore[arg-type]  # any __index__ type
    except TypeError:
        raise TypeError(f"Roi {name} must be an integer, not {value!r}") from None


@dataclass(frozen=True, slots=True)
class Roi:
    """One rectangular region of interest ``[ymin, xmin, ymax, xmax]`` on an instance.

    Coordinates are 0-based pixel indices, max inclusive: the box covers rows
    ``ymin..ymax`` and columns ``xmin..xmax``, as in the EMBED tables. A Roi is
    valid once constructed: ``0 <= ymin <= ymax`` and ``0 <= xmin <= xmax``.
    Inverted corners are rejected rather than swapped, because a table with
    ``ymin > ymax`` more likely uses another coordinate order than the one
    documented; :meth:`from_corners` orders two arbitrary corners.

    Parameters
    ----------
    ymin, xmin, ymax, xmax : int
        The box, in pixel indices.
    frames : tuple of int, optional
        0-based frame indices the box applies to; ``()`` (default) means every
        frame. Stored sorted and without repeats.

    Raises
    ------
    RoiFormatError
        A negative coordinate or frame, or ``ymin > ymax`` / ``xmin > xmax``.
    TypeError
        A coordinate or frame that is not an integer.

    Examples
    --------
    >>> Roi(120, 340, 220, 430)
    Roi(ymin=120, xmin=340, ymax=220, xmax=430, frames=())
    >>> Roi(1, 2, 3, 4, frames=(5, 4, 5)).frames
    (4, 5)
    >>> Roi(1, 2, 3, 4).height, Roi(1, 2, 3, 4).width
    (3, 3)
    """

    ymin: int
    xmin: int
    ymax: int
    xmax: int
    frames: tuple[int, ...] = ()

    def __post_init__(self) -> None:
        # Written for speed: a 100,000-row CSV builds this about 150,000 times.
        ymin, xmin, ymax, xmax = self.ymin, self.xmin, self.ymax, self.xmax
        if not (
            type(ymin) is int and type(xmin) is int and type(ymax) is int and type(xmax) is int
        ):
            names = ("ymin", "xmin", "ymax", "xmax")
            ymin, xmin, ymax, xmax = (
                _coordinate(v, n) for v, n in zip((ymin, xmin, ymax, xmax), names, strict=True)
            )
            for name, value in zip(names, (ymin, xmin, ymax, xmax), strict=True):
                object.__setattr__(self, name, value)
        if 0 <= ymin <= ymax and 0 <= xmin <= xmax:
            pass
        elif ymin < 0 or xmin < 0 or ymax < 0 or xmax < 0:
            raise RoiFormatError(
                f"box {[ymin, xmin, ymax, xmax]} has a negative coordinate; "
                "pixel indices start at 0"
            )
        else:
            box = [ymin, xmin, ymax, xmax]
            raise RoiFormatError(
                f"box {box} is not [ymin, xmin, ymax, xmax] with ymin <= ymax and "
                "xmin <= xmax; check the coordinate order (Roi.from_corners orders two corners)"
            )
        frames = self.frames
        if type(frames) is not tuple:  # a list or an array
            frames = tuple(frames)
            object.__setattr__(self, "frames", frames)
        if frames:
            # numpy integers or an unsorted sequence are normalized here.
            if not all(type(f) is int for f in frames):
                frames = tuple(_coordinate(f, "frame index") for f in frames)
            if any(a >= b for a, b in zip(frames, frames[1:], strict=False)):
                frames = tuple(sorted(set(frames)))
            if frames[0] < 0:
                raise RoiFormatError(
                    f"frame index {frames[0]} of box {self.to_list()} is negative; "
                    "frame indices are 0-based"
                )
            object.__setattr__(self, "frames", frames)

    @classmethod
    def from_corners(cls, y0: int, x0: int, y1: int, x1: int, frames: Iterable[int] = ()) -> Roi:
        """Return the box spanned by two opposite corners, in either order.

        Examples
        --------
        >>> Roi.from_corners(220, 430, 120, 340)
        Roi(ymin=120, xmin=340, ymax=220, xmax=430, frames=())
        """
        return cls(min(y0, y1), min(x0, x1), max(y0, y1), max(x0, x1), tuple(frames))

    @property
    def box(self) -> tuple[int, int, int, int]:
        """``(ymin, xmin, ymax, xmax)``."""
        return (self.ymin, self.xmin, self.ymax, self.xmax)

    @property
    def height(self) -> int:
        """Number of pixel rows covered (max inclusive)."""
        return self.ymax - self.ymin + 1

    @property
    def width(self) -> int:
        """Number of pixel columns covered (max inclusive)."""
        return self.xmax - self.xmin + 1

    def applies_to(self, index: int) -> bool:
        """Whether the box is shown on frame `index` (0-based); always true for ``frames=()``."""
        return not self.frames or index in self.frames

    def to_list(self) -> list[int]:
        """``[ymin, xmin, ymax, xmax]``, the JSON form of the box."""
        return [self.ymin, self.xmin, self.ymax, self.xmax]

    def validate(self, header: Header) -> None:
        """Check that the box lies inside the image and its frames exist.

        Parameters
        ----------
        header : Header
            The instance the box is drawn on (``rows``, ``columns``, ``number_of_frames``).

        Raises
        ------
        RoiFormatError
            ``ymax >= rows``, ``xmax >= columns`` or a frame ``>= number_of_frames``.

        Examples
        --------
        >>> Roi(0, 0, 9, 9).validate(Header(path="/a.dcm", rows=10, columns=10, number_of_frames=1))
        >>> Roi(0, 0, 10, 9).validate(Header(path="/a.dcm", rows=10, columns=10))
        Traceback (most recent call last):
        ...
        dcmview.sdk.errors.RoiFormatError: box [0, 0, 10, 9] [ymin, xmin, ymax, xmax] is outside...
        """
        problem = problem_of(self, header)
        if problem is not None:
            raise RoiFormatError(problem[1], path=header.path)


def problem_of(roi: Roi, header: Header) -> tuple[str, str] | None:
    """``(column, text)`` of the first way `roi` does not fit the instance, or None."""
    if roi.ymax >= header.rows or roi.xmax >= header.columns:
        return (
            COORDS_COLUMN,
            f"box {roi.to_list()} [ymin, xmin, ymax, xmax] is outside the image of "
            f"{header.rows} rows x {header.columns} columns (indices 0..{header.rows - 1}, "
            f"0..{header.columns - 1}) of {header.path}",
        )
    if roi.frames and roi.frames[-1] >= header.number_of_frames:
        n = header.number_of_frames
        return (
            FRAMES_COLUMN,
            f"frame index {roi.frames[-1]} of box {roi.to_list()} is out of range for "
            f"{n} frame{'s' if n != 1 else ''} (0..{n - 1}) of {header.path}",
        )
    return None


# --------------------------------------------------------------------- JSON body


def rois_from_json(payload: object) -> tuple[Roi, ...]:
    """Read the JSON body of the annotations API into ROIs (canonical form).

    Parameters
    ----------
    payload : object
        The decoded body ``{"num_roi", "roi_coords", "roi_frames"}``. ``roi_coords``
        is required; ``num_roi``, when present, must equal the number of boxes;
        ``roi_frames``, when present, holds one list per box (``[]`` = all frames),
        or is ``[]`` for all frames of every box. Other keys are ignored.

    Returns
    -------
    tuple of Roi
        Corners in either order are accepted and ordered (the viewer sends the
        drag corners); frames are sorted without repeats.

    Raises
    ------
    RoiFormatError
        Naming the key and box index, e.g. ``roi_coords[1]``.

    Examples
    --------
    >>> rois_from_json({"roi_coords": [[220, 430, 120, 340]], "roi_frames": [[2, 1]]})
    (Roi(ymin=120, xmin=340, ymax=220, xmax=430, frames=(1, 2)),)
    """
    if not isinstance(payload, dict):
        raise RoiFormatError(
            f"annotations JSON must be an object with roi_coords, got {shown(payload)}"
        )
    coords = payload.get("roi_coords")
    if not isinstance(coords, list):
        raise RoiFormatError(
            f"annotations JSON roi_coords must be a list of [ymin, xmin, ymax, xmax] boxes, "
            f"got {shown(coords)}"
        )
    boxes = []
    for i, item in enumerate(coords):
        try:
            boxes.append(as_box(item, list))
        except CellError as exc:
            raise RoiFormatError(f"annotations JSON roi_coords[{i}]: {exc}") from None
    count = payload.get("num_roi")
    if count is not None and (type(count) is not int or count != len(boxes)):
        raise RoiFormatError(
            f"annotations JSON num_roi {count!r} does not equal the {len(boxes)} boxes "
            "of roi_coords"
        )
    frames = payload.get("roi_frames")
    if frames is None or frames == []:
        frame_lists: list[Any] = [[] for _ in boxes]
    elif not isinstance(frames, list) or len(frames) != len(boxes):
        raise RoiFormatError(
            f"annotations JSON roi_frames {shown(frames)} must be a list with one "
            f"frame-index list per box ({len(boxes)})"
        )
    else:
        frame_lists = frames
    rois = []
    for i, (box, item) in enumerate(zip(boxes, frame_lists, strict=True)):
        if not isinstance(item, list) or not all(type(f) is int for f in item):
            raise RoiFormatError(
                f"annotations JSON roi_frames[{i}]: {shown(item)} is not a list of "
                "0-based frame indices"
            )
        try:
            rois.append(Roi.from_corners(*box, frames=item))
        except RoiFormatError as exc:
            raise RoiFormatError(f"annotations JSON roi_coords[{i}]: {exc}") from None
    return tuple(rois)


def rois_to_json(rois: Iterable[Roi]) -> RoiPayload:
    """Write ROIs as the JSON body of the annotations API.

    Examples
    --------
    >>> rois_to_json([Roi(120, 340, 220, 430, frames=(0, 1))])
    {'num_roi': 1, 'roi_coords': [[120, 340, 220, 430]], 'roi_frames': [[0, 1]]}
    """
    items = list(rois)
    return {
        "num_roi": len(items),
        "roi_coords": [r.to_list() for r in items],
        "roi_frames": [list(r.frames) for r in items],
    }
