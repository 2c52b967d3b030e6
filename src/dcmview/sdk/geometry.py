"""Image plane geometry: pixel (row, column) <-> patient (x, y, z), and planes of a volume.

A frame with Image Position (Patient) (0020,0032), Image Orientation (Patient)
(0020,0037) and Pixel Spacing (0028,0030) lies on a plane in the patient
coordinate system (PS3.3 C.7.6.2.1.1)::

    P = S + column * Δc * X + row * Δr * Y

with ``S`` the position of the centre of the first transmitted pixel, ``X`` the
direction of a row (the first three cosines of the orientation: the way the
column index grows), ``Y`` the direction of a column (the last three: the way
the row index grows), ``Δr`` the spacing between rows (Pixel Spacing[0]) and
``Δc`` the spacing between columns (Pixel Spacing[1]).

Pixel coordinates here are always ``(row, column)``, in pixels, with integer
values at pixel *centres* (``(0, 0)`` is the centre of the top-left pixel), the
convention of numpy indexing. Annotation formats that count from the top-left
*corner* of the top-left pixel (GSPS and SR SCOORD: ``(column, row)``, centre of
that pixel at ``(0.5, 0.5)``) convert with :func:`corner_to_centre`.

Where the attributes are depends on the object:

- single-frame images: at the top level of the data set;
- enhanced multi-frame images (CT/MR/PET enhanced, tomosynthesis, SEG,
  Parametric Map): in the Plane Position, Plane Orientation and Pixel Measures
  functional groups, per frame or shared (PS3.3 C.7.6.16.2);
- RT Dose grids: one position and orientation at the top level, and the Grid
  Frame Offset Vector (3004,000C) giving each frame's offset along the normal
  (PS3.3 C.8.8.3.2).

:func:`frame_planes` reads all three. :class:`Volume` stacks parallel planes
(a series, a dose grid, a multi-frame volume) and maps patient points to
fractional ``(plane, row, column)`` indices, which is what resampling one grid
onto another image's pixels needs; :meth:`Volume.plane_index` answers on which
plane of the volume a frame lies.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from dcmview.sdk._framegroups import first_item, functional_groups
from dcmview.sdk._types import ArrayF64

if TYPE_CHECKING:  # pragma: no cover
    from pydicom import Dataset

__all__ = [
    "DEFAULT_TOLERANCE_MM",
    "Plane",
    "Volume",
    "centre_to_corner",
    "corner_to_centre",
    "frame_plane",
    "frame_planes",
]

#: How far apart (mm) two positions may be and still count as the same place.
#: Positions are written as decimal strings of at most 16 characters, so a
#: round trip through a file moves them by far less than this.
DEFAULT_TOLERANCE_MM = 0.01

_Vec = tuple[float, float, float]


def _vec(values: Any, length: int) -> tuple[float, ...] | None:
    """`values` as `length` finite floats, or None (absent, short or not numbers)."""
    if values is None:
        return None
    try:
        out = tuple(float(v) for v in values)
    except (TypeError, ValueError):
        return None
    if len(out) != length or not all(math.isfinite(v) for v in out):
        return None
    return out


@dataclass(frozen=True, slots=True)
class Plane:
    """The plane one frame lies on, in the patient coordinate system (mm).

    Parameters
    ----------
    position : tuple of 3 float
        Image Position (Patient): the centre of the top-left pixel.
    row_direction : tuple of 3 float
        Unit vector along a row (the direction the column index grows).
    column_direction : tuple of 3 float
        Unit vector along a column (the direction the row index grows).
    spacing : tuple of 2 float
        Pixel Spacing: (between rows, between columns), mm.
    rows, columns : int
        The frame's size in pixels.
    thickness : float, optional
        Slice Thickness, mm, when given.
    frame_of_reference_uid : str, optional
        The Frame of Reference UID (0020,0052) the coordinates are in.

    Examples
    --------
    >>> p = Plane((10.0, 20.0, 5.0), (1.0, 0.0, 0.0), (0.0, 1.0, 0.0), (0.5, 0.25), 4, 8)
    >>> p.to_patient([[2, 4]]).tolist()
    [[11.0, 21.0, 5.0]]
    >>> p.to_pixel([[11.0, 21.0, 5.0]]).tolist()
    [[2.0, 4.0]]
    """

    position: _Vec
    row_direction: _Vec
    column_direction: _Vec
    spacing: tuple[float, float]
    rows: int
    columns: int
    thickness: float | None = None
    frame_of_reference_uid: str | None = None

    @property
    def normal(self) -> ArrayF64:
        """Unit normal, ``row_direction x column_direction`` (the slice direction)."""
        n = np.cross(np.asarray(self.row_direction), np.asarray(self.column_direction))
        norm = float(np.linalg.norm(n))
        return np.asarray(n / norm if norm else n, dtype=np.float64)

    @property
    def affine(self) -> ArrayF64:
        """4x4 matrix taking ``(row, column, k, 1)`` to ``(x, y, z, 1)``.

        ``k`` counts unit (1 mm) steps along :attr:`normal`, so points off the
        plane can be mapped too; its inverse is what :meth:`to_pixel` uses.
        """
        m = np.eye(4)
        m[:3, 0] = np.asarray(self.column_direction) * self.spacing[0]
        m[:3, 1] = np.asarray(self.row_direction) * self.spacing[1]
        m[:3, 2] = self.normal
        m[:3, 3] = self.position
        return m

    def to_patient(self, pixels: Any) -> ArrayF64:
        """Patient coordinates (mm) of pixel positions.

        Parameters
        ----------
        pixels : array_like, shape (N, 2)
            ``(row, column)`` pairs, integers at pixel centres; fractions allowed.

        Returns
        -------
        numpy.ndarray, shape (N, 3)
            ``(x, y, z)`` for each pair.
        """
        rc = np.asarray(pixels, dtype=np.float64).reshape(-1, 2)
        return np.asarray(
            np.asarray(self.position)
            + rc[:, :1] * self.spacing[0] * np.asarray(self.column_direction)
            + rc[:, 1:] * self.spacing[1] * np.asarray(self.row_direction),
            dtype=np.float64,
        )

    def to_pixel(self, points: Any) -> ArrayF64:
        """``(row, column)`` of patient points projected onto the plane.

        Parameters
        ----------
        points : array_like, shape (N, 3)
            ``(x, y, z)``, mm.

        Returns
        -------
        numpy.ndarray, shape (N, 2)
            Fractional ``(row, column)``; how far each point is off the plane is
            :meth:`distance`.
        """
        xyz = np.asarray(points, dtype=np.float64).reshape(-1, 3)
        d = xyz - np.asarray(self.position)
        rows = d @ np.asarray(self.column_direction) / self.spacing[0]
        cols = d @ np.asarray(self.row_direction) / self.spacing[1]
        return np.stack([rows, cols], axis=1)

    def distance(self, points: Any) -> ArrayF64:
        """Signed distance (mm) of patient points from the plane, along :attr:`normal`."""
        xyz = np.asarray(points, dtype=np.float64).reshape(-1, 3)
        return np.asarray((xyz - np.asarray(self.position)) @ self.normal, dtype=np.float64)

    @property
    def offset(self) -> float:
        """Position of the plane along its normal (mm): sorts parallel planes."""
        return float(np.dot(np.asarray(self.position), self.normal))

    def pixel_grid(self) -> ArrayF64:
        """Patient coordinates of every pixel centre, shape ``(rows, columns, 3)``."""
        r, c = np.mgrid[0 : self.rows, 0 : self.columns]
        xyz = self.to_patient(np.stack([r.ravel(), c.ravel()], axis=1))
        return xyz.reshape(self.rows, self.columns, 3)

    def corners(self) -> ArrayF64:
        """Patient coordinates of the four outer corners (not centres), shape (4, 3).

        In the order top-left, top-right, bottom-right, bottom-left.
        """
        r, c = self.rows - 0.5, self.columns - 0.5
        return self.to_patient([[-0.5, -0.5], [-0.5, c], [r, c], [r, -0.5]])

    def is_parallel(self, other: Plane, tolerance: float = 1e-4) -> bool:
        """Whether `other` has the same orientation (normals equal or opposite)."""
        return bool(abs(abs(float(np.dot(self.normal, other.normal))) - 1.0) <= tolerance)

    def same_plane(self, other: Plane, tolerance: float = DEFAULT_TOLERANCE_MM) -> bool:
        """Whether `other` is parallel and lies on this plane (within `tolerance` mm).

        The pixel grids may still differ (spacing, extent); only the plane is compared.
        """
        return self.is_parallel(other) and abs(float(self.distance([other.position])[0])) <= (
            tolerance
        )

    def same_grid(self, other: Plane, tolerance: float = DEFAULT_TOLERANCE_MM) -> bool:
        """Whether `other` is the same plane with the same pixel grid (position, axes, spacing).

        Then pixel ``(r, c)`` of one is pixel ``(r, c)`` of the other.
        """
        close = np.allclose
        return (
            (self.rows, self.columns) == (other.rows, other.columns)
            and close(self.position, other.position, atol=tolerance, rtol=0)
            and close(self.row_direction, other.row_direction, atol=1e-4, rtol=0)
            and close(self.column_direction, other.column_direction, atol=1e-4, rtol=0)
            and close(self.spacing, other.spacing, atol=1e-6, rtol=1e-6)
        )

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict of the plane (lists of floats, None where absent)."""
        return {
            "position": list(self.position),
            "row_direction": list(self.row_direction),
            "column_direction": list(self.column_direction),
            "spacing": list(self.spacing),
            "rows": self.rows,
            "columns": self.columns,
            "thickness": self.thickness,
            "frame_of_reference_uid": self.frame_of_reference_uid,
        }


def corner_to_centre(points: Any) -> ArrayF64:
    """``(column, row)`` from the top-left *corner* (GSPS, SR) to ``(row, column)`` centres.

    Parameters
    ----------
    points : array_like, shape (N, 2)
        ``(column, row)`` pairs where ``(0, 0)`` is the outer corner of the
        top-left pixel and ``(0.5, 0.5)`` its centre (PS3.3 C.10.5.1.2, C.18.6.1.1).

    Returns
    -------
    numpy.ndarray, shape (N, 2)
        ``(row, column)`` with integers at pixel centres.

    Examples
    --------
    >>> corner_to_centre([[0.5, 2.5]]).tolist()
    [[2.0, 0.0]]
    """
    xy = np.asarray(points, dtype=np.float64).reshape(-1, 2)
    return xy[:, ::-1] - 0.5


def centre_to_corner(pixels: Any) -> ArrayF64:
    """The inverse of :func:`corner_to_centre`: ``(row, column)`` to corner ``(column, row)``."""
    rc = np.asarray(pixels, dtype=np.float64).reshape(-1, 2)
    return rc[:, ::-1] + 0.5


def _lookup(groups: Sequence[Dataset], sequence: str, keyword: str) -> Any:
    """`keyword` from the first of `groups` whose `sequence` item has it."""
    for group in groups:
        item = first_item(group, sequence)
        if item is not None and keyword in item:
            return item.get(keyword)
    return None


def _number_of_frames(ds: Dataset) -> int:
    try:
        return max(1, int(ds.get("NumberOfFrames", 1) or 1))
    except (TypeError, ValueError):
        return 1


def frame_plane(ds: Dataset, index: int = 0) -> Plane | None:
    """The plane frame `index` of `ds` lies on, or None when the header does not say.

    Looks in the frame's functional groups first (per-frame, then shared), then
    at the top level; for an RT Dose grid (Grid Frame Offset Vector) each frame
    is moved along the normal by its offset.

    Parameters
    ----------
    ds : pydicom.Dataset
        The header (``Instance.dataset``).
    index : int
        0-based frame index.

    Returns
    -------
    Plane or None
        None when position, orientation, spacing or size is missing or malformed
        (a projection radiograph has no patient-space plane, say).
    """
    return _plane(ds, index, list(functional_groups(ds, index)))


def _plane(ds: Dataset, index: int, groups: list[Dataset]) -> Plane | None:
    position = _vec(_lookup(groups, "PlanePositionSequence", "ImagePositionPatient"), 3)
    orientation = _vec(_lookup(groups, "PlaneOrientationSequence", "ImageOrientationPatient"), 6)
    spacing = _vec(_lookup(groups, "PixelMeasuresSequence", "PixelSpacing"), 2)
    thickness: Any = _lookup(groups, "PixelMeasuresSequence", "SliceThickness")
    position = position or _vec(ds.get("ImagePositionPatient"), 3)
    orientation = orientation or _vec(ds.get("ImageOrientationPatient"), 6)
    spacing = spacing or _vec(ds.get("PixelSpacing"), 2)
    if thickness is None:
        thickness = ds.get("SliceThickness")
    try:
        rows, columns = int(ds.get("Rows", 0) or 0), int(ds.get("Columns", 0) or 0)
    except (TypeError, ValueError):
        return None
    if position is None or orientation is None or spacing is None or rows <= 0 or columns <= 0:
        return None
    if spacing[0] <= 0 or spacing[1] <= 0:
        return None
    x = np.asarray(orientation[:3])
    y = np.asarray(orientation[3:])
    nx, ny = float(np.linalg.norm(x)), float(np.linalg.norm(y))
    if nx < 1e-6 or ny < 1e-6:
        return None
    x, y = x / nx, y / ny
    pos = np.asarray(position)
    offsets = _vec(ds.get("GridFrameOffsetVector"), _number_of_frames(ds))
    if offsets is not None and "PerFrameFunctionalGroupsSequence" not in ds:
        # PS3.3 C.8.8.3.2: offsets along the normal, relative to the position
        # (the first offset is 0 when relative, equal to z when absolute: both
        # cases reduce to "the first frame is at Image Position (Patient)").
        pos = pos + (offsets[index] - offsets[0]) * np.cross(x, y)
    try:
        thick = float(thickness) if thickness not in (None, "") else None
    except (TypeError, ValueError):
        thick = None
    forward = ds.get("FrameOfReferenceUID")
    return Plane(
        position=(float(pos[0]), float(pos[1]), float(pos[2])),
        row_direction=(float(x[0]), float(x[1]), float(x[2])),
        column_direction=(float(y[0]), float(y[1]), float(y[2])),
        spacing=(spacing[0], spacing[1]),
        rows=rows,
        columns=columns,
        thickness=thick,
        frame_of_reference_uid=str(forward) if forward else None,
    )


def frame_planes(ds: Dataset) -> list[Plane | None]:
    """The plane of every frame of `ds` (see :func:`frame_plane`), in frame order."""
    return [frame_plane(ds, i) for i in range(_number_of_frames(ds))]


@dataclass(frozen=True, slots=True)
class Volume:
    """Parallel planes with one pixel grid, sorted along their normal: a 3-D grid.

    Build it with :meth:`from_planes` (which sorts and checks); ``planes[k]``
    came from frame (or instance) ``order[k]`` of the input.

    Parameters
    ----------
    planes : tuple of Plane
        Sorted by :attr:`Plane.offset`, ascending.
    order : tuple of int
        For each sorted plane, its index in the list given to :meth:`from_planes`.
    """

    planes: tuple[Plane, ...]
    order: tuple[int, ...]

    @classmethod
    def from_planes(cls, planes: Sequence[Plane | None]) -> Volume | None:
        """Sort parallel planes into a volume, or None if they do not form one.

        Parameters
        ----------
        planes : sequence of Plane or None
            E.g. :func:`frame_planes` of a multi-frame, or one plane per instance
            of a series. None entries (frames without geometry) make it fail.

        Returns
        -------
        Volume or None
            None when empty, a plane is None, the planes are not parallel, or
            their row/column directions, spacing or size differ.
        """
        if not planes or any(p is None for p in planes):
            return None
        given = [p for p in planes if p is not None]
        first = given[0]
        for p in given[1:]:
            if (
                (p.rows, p.columns) != (first.rows, first.columns)
                or not np.allclose(p.row_direction, first.row_direction, atol=1e-4)
                or not np.allclose(p.column_direction, first.column_direction, atol=1e-4)
                or not np.allclose(p.spacing, first.spacing, rtol=1e-4)
            ):
                return None
        order = sorted(range(len(given)), key=lambda i: given[i].offset)
        return cls(tuple(given[i] for i in order), tuple(order))

    @property
    def offsets(self) -> ArrayF64:
        """Each plane's position along the normal (mm), ascending."""
        return np.asarray([p.offset for p in self.planes], dtype=np.float64)

    @property
    def shape(self) -> tuple[int, int, int]:
        """``(planes, rows, columns)``."""
        first = self.planes[0]
        return (len(self.planes), first.rows, first.columns)

    def plane_index(self, plane: Plane, tolerance: float = DEFAULT_TOLERANCE_MM) -> int | None:
        """Which plane (sorted index) `plane` lies on, or None (not parallel, or between planes).

        Only the plane is compared, not the pixel grid: a dose grid's plane and a
        CT slice at the same z match even with different spacings.
        """
        first = self.planes[0]
        if not first.is_parallel(plane):
            return None
        k = float(first.distance([plane.position])[0]) + first.offset
        offsets = self.offsets
        i = int(np.argmin(np.abs(offsets - k)))
        return i if abs(float(offsets[i]) - k) <= tolerance else None

    def to_index(self, points: Any) -> ArrayF64:
        """Fractional ``(plane, row, column)`` of patient points, shape (N, 3).

        ``plane`` is interpolated between the planes' offsets (uneven spacing is
        fine) and is NaN outside ``[offsets[0], offsets[-1]]``; row and column
        are those of the first plane (all planes share the in-plane grid).
        """
        xyz = np.asarray(points, dtype=np.float64).reshape(-1, 3)
        first = self.planes[0]
        rc = first.to_pixel(xyz)
        along = xyz @ first.normal
        offsets = self.offsets
        if len(offsets) == 1:
            k = np.where(np.abs(along - offsets[0]) <= DEFAULT_TOLERANCE_MM, 0.0, np.nan)
        else:
            k = np.interp(along, offsets, np.arange(len(offsets), dtype=np.float64))
            k[
                (along < offsets[0] - DEFAULT_TOLERANCE_MM)
                | (along > offsets[-1] + DEFAULT_TOLERANCE_MM)
            ] = np.nan
        return np.column_stack([k, rc])
