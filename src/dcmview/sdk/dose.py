"""RT Dose: the dose grid in Gy, resampled onto an image plane; isodose lines and a colour wash.

An RT Dose object (PS3.3 A.18) is a stack of frames, one dose plane each: the
first at Image Position (Patient), each further one moved along the normal
by its Grid Frame Offset Vector (3004,000C) entry (PS3.3 C.8.8.3.2), with the
pixel grid of Image Orientation (Patient) and Pixel Spacing. The geometry is
read by :mod:`dcmview.sdk.geometry` (:func:`~dcmview.sdk.geometry.frame_planes`,
:class:`~dcmview.sdk.geometry.Volume`).

- **Values:** stored value x Dose Grid Scaling (3004,000E), in Dose Units
  (3004,0002): ``"GY"`` (gray) or ``"RELATIVE"`` (relative to an implicit
  reference; shown as is).
- **On an image plane:** :meth:`DoseGrid.on_plane` samples the grid at the
  centre of every pixel of the plane by trilinear interpolation (between the
  two frames around the point, by their offsets, so uneven frame spacing is
  exact too). A pixel outside the grid is NaN and False in the ``inside``
  mask; on a grid of one frame, pixels within half the Slice Thickness of the
  frame (0.5 mm when none is given) are inside.
- **Isodose lines:** :meth:`DosePlane.isodose_lines` traces each level with
  marching squares (numpy only) into polylines in the plane's ``(row,
  column)`` pixel coordinates, closed where the line does not run off the grid.
- **Colour wash:** :meth:`DosePlane.wash` maps dose to RGBA with the
  :data:`DOSE_COLOURS` colour map (blue, cyan, green, yellow, red from the
  lowest to the highest shown dose); :meth:`DosePlane.legend` lists the stops.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypedDict

import numpy as np
import numpy.typing as npt

from dcmview.sdk._derived import colour_ramp
from dcmview.sdk._types import ArrayF32, ArrayF64, ArrayU8, StrPath
from dcmview.sdk.errors import DoseGridError as DoseGridError, InvalidInputError
from dcmview.sdk.geometry import Plane, Volume, frame_planes

if TYPE_CHECKING:  # pragma: no cover
    from pydicom.dataset import Dataset

    from dcmview.sdk.instance import Instance

__all__ = [
    "DOSE_COLOURS",
    "DoseGrid",
    "DoseGridError",
    "DosePlane",
    "DoseSummary",
    "Isoline",
    "LegendStop",
    "read_dose",
]

BoolArray = npt.NDArray[np.bool_]

#: The colour wash's map: (fraction of the shown range, (R, G, B)), linear in between.
DOSE_COLOURS: tuple[tuple[float, tuple[int, int, int]], ...] = (
    (0.00, (0, 0, 255)),
    (0.25, (0, 255, 255)),
    (0.50, (0, 255, 0)),
    (0.75, (255, 255, 0)),
    (1.00, (255, 0, 0)),
)
DOSE_UNITS = ("GY", "RELATIVE")


class DoseSummary(TypedDict):
    """JSON-ready description of a dose grid (see :meth:`DoseGrid.summary`)."""

    sop_instance_uid: str
    frame_of_reference_uid: str | None
    units: str
    dose_type: str
    summation_type: str
    shape: list[int]
    max_dose: float
    referenced_sop_instance_uids: list[str]


class LegendStop(TypedDict):
    """One stop of a colour wash's legend: a dose and its colour (``#rrggbb``)."""

    value: float
    color: str


@dataclass(frozen=True, slots=True, eq=False)
class Isoline:
    """The isodose line at one level on one plane.

    Attributes
    ----------
    level : float
        The dose, in the grid's units.
    color : tuple[int, int, int]
        The wash colour of `level` (:data:`DOSE_COLOURS`).
    paths : tuple of numpy.ndarray
        Polylines, each (N, 2) float64 ``(row, column)`` in the plane's pixels.
    closed : tuple of bool
        For each path, whether it closes on itself (else it ends at the grid's edge).
    """

    level: float
    color: tuple[int, int, int]
    paths: tuple[ArrayF64, ...]
    closed: tuple[bool, ...]

    def to_json(self) -> dict[str, Any]:
        """JSON-ready: level, ``#rrggbb`` colour and paths as lists of [row, column]."""
        return {
            "level": self.level,
            "color": _hex(self.color),
            "paths": [
                {"points": np.round(p, 3).tolist(), "closed": c}
                for p, c in zip(self.paths, self.closed, strict=True)
            ],
        }


@dataclass(frozen=True, slots=True, eq=False)
class DosePlane:
    """Dose resampled on an image plane's pixels.

    Attributes
    ----------
    plane : Plane
        The image plane.
    values : numpy.ndarray
        float32 (rows, columns), in `units`; NaN outside the grid.
    inside : numpy.ndarray
        bool (rows, columns): which pixels lie inside the dose grid.
    units : str
        ``"GY"`` or ``"RELATIVE"``.
    max_dose : float
        The grid's maximum (not this plane's): a wash's default top.
    """

    plane: Plane
    values: ArrayF32 = field(repr=False)
    inside: BoolArray = field(repr=False)
    units: str
    max_dose: float

    def isodose_lines(self, levels: Sequence[float]) -> list[Isoline]:
        """Trace isodose lines at `levels` (marching squares on the pixel centres).

        Parameters
        ----------
        levels : sequence of float
            Doses in :attr:`units`.

        Returns
        -------
        list[Isoline]
            One per level, in the order given (empty paths where the level is not reached).
        """
        top = self.max_dose or 1.0
        return [
            Isoline(float(level), _colour(float(level) / top), *_trace(self.values, float(level)))
            for level in levels
        ]

    def wash(
        self,
        *,
        minimum: float | None = None,
        maximum: float | None = None,
        opacity: float = 0.5,
    ) -> ArrayU8:
        """The dose as an RGBA colour wash (:data:`DOSE_COLOURS`), to draw over the image.

        Parameters
        ----------
        minimum : float, optional
            Doses below it are transparent; 10 % of `maximum` by default.
        maximum : float, optional
            The dose shown red (and everything above); the grid's maximum by default.
        opacity : float
            Alpha of the shown pixels, 0..1.

        Returns
        -------
        numpy.ndarray
            uint8 (rows, columns, 4).
        """
        top = self.max_dose if maximum is None else float(maximum)
        bottom = 0.1 * top if minimum is None else float(minimum)
        if not top > bottom or not 0.0 <= opacity <= 1.0:
            raise InvalidInputError(
                f"colour wash needs minimum < maximum and 0 <= opacity <= 1, "
                f"got {bottom}, {top}, {opacity}"
            )
        values = np.nan_to_num(self.values.astype(np.float64), nan=-np.inf)
        fraction = np.clip((values - bottom) / (top - bottom), 0.0, 1.0)
        rgba = np.zeros((*values.shape, 4), np.uint8)
        rgba[..., :3] = colour_ramp(fraction, DOSE_COLOURS)
        rgba[..., 3] = np.where(values >= bottom, round(255 * opacity), 0).astype(np.uint8)
        return rgba

    def legend(
        self, *, minimum: float | None = None, maximum: float | None = None
    ) -> list[LegendStop]:
        """The wash's colour stops as doses (same defaults as :meth:`wash`)."""
        top = self.max_dose if maximum is None else float(maximum)
        bottom = 0.1 * top if minimum is None else float(minimum)
        return [
            LegendStop(value=round(bottom + s * (top - bottom), 6), color=_hex(c))
            for s, c in DOSE_COLOURS
        ]


class DoseGrid:
    """An RT Dose grid: dose values in their units, on a stack of parallel planes.

    Build it with :func:`read_dose` or :meth:`from_dataset`.

    Parameters
    ----------
    values : numpy.ndarray
        float64 (frames, rows, columns), in `units`, in frame order.
    volume : Volume
        The frames' planes, sorted along the normal.
    units : str
        ``"GY"`` or ``"RELATIVE"``.
    dataset : pydicom.dataset.Dataset
        The header (for the summary's attributes).
    path : str, optional
        The file, for messages.
    """

    def __init__(
        self,
        values: ArrayF64,
        volume: Volume,
        units: str,
        dataset: Dataset,
        path: str | None = None,
    ) -> None:
        self.values = values
        self.volume = volume
        self.units = units
        self.path = path
        self.sop_instance_uid = str(dataset.get("SOPInstanceUID", ""))
        forward = dataset.get("FrameOfReferenceUID")
        self.frame_of_reference_uid = str(forward) if forward else None
        self.dose_type = str(dataset.get("DoseType", ""))
        self.summation_type = str(dataset.get("DoseSummationType", ""))
        self.referenced_sop_instance_uids = tuple(
            str(item.get("ReferencedSOPInstanceUID", ""))
            for item in dataset.get("ReferencedImageSequence", [])
        )
        # The values in the volume's (sorted) plane order, for interpolation.
        self._sorted = values[list(volume.order)]
        thickness = volume.planes[0].thickness
        self._half = thickness / 2 if thickness else 0.5

    def __repr__(self) -> str:
        return f"DoseGrid({self.path or self.sop_instance_uid!r}, shape={self.values.shape})"

    @classmethod
    def from_dataset(cls, ds: Dataset, *, path: str | None = None) -> DoseGrid:
        """A dose grid from a full data set (with Pixel Data); see :func:`read_dose`."""
        name = path or "data set"
        units = _units(ds, name, path)
        try:
            stored = np.asarray(ds.pixel_array)
        except Exception as exc:  # pydicom's decoders raise many kinds
            raise DoseGridError(f"{name}: cannot decode the dose grid: {exc}", path=path) from exc
        return cls._build(stored, ds, units, name, path)

    @classmethod
    def _build(
        cls, stored: npt.NDArray[Any], ds: Dataset, units: str, name: str, path: str | None
    ) -> DoseGrid:
        frames = stored.reshape(-1, *stored.shape[-2:]) if stored.ndim >= 2 else stored
        planes = frame_planes(ds)
        volume = Volume.from_planes(planes)
        stacked = volume is not None and bool(np.all(np.diff(volume.offsets) > 1e-6))
        if volume is None or not stacked or len(planes) != frames.shape[0]:
            raise DoseGridError(
                f"{name}: the dose grid has no usable geometry (Image Position, "
                "Image Orientation, Pixel Spacing and, for several frames, a Grid "
                "Frame Offset Vector with one offset per frame are needed)",
                path=path,
            )
        try:
            scaling = float(ds.get("DoseGridScaling") or 1.0)
        except (TypeError, ValueError) as exc:
            raise DoseGridError(f"{name}: bad Dose Grid Scaling ({exc})", path=path) from exc
        values = frames.astype(np.float64) * scaling
        return cls(values, volume, units, ds, path)

    @property
    def max_dose(self) -> float:
        """The largest dose in the grid, in :attr:`units`."""
        return float(self.values.max()) if self.values.size else 0.0

    def sample(self, points: Any) -> tuple[ArrayF64, BoolArray]:
        """Dose at patient points by trilinear interpolation of the grid.

        Parameters
        ----------
        points : array_like, shape (N, 3)
            ``(x, y, z)`` in mm, in the grid's Frame of Reference.

        Returns
        -------
        values : numpy.ndarray
            float64 (N,), in :attr:`units`; NaN outside the grid.
        inside : numpy.ndarray
            bool (N,): which points lie in the grid.
        """
        xyz = np.asarray(points, dtype=np.float64).reshape(-1, 3)
        index = self.volume.to_index(xyz)
        if len(self.volume.planes) == 1:
            near = np.abs(self.volume.planes[0].distance(xyz)) <= self._half
            index[:, 0] = np.where(near, 0.0, np.nan)
        n, rows, columns = self._sorted.shape
        eps = 1e-6  # a point on the grid's border is in it, despite rounding
        k, r, c = index[:, 0], index[:, 1], index[:, 2]
        inside = (
            np.isfinite(k)
            & (r >= -eps)
            & (r <= rows - 1 + eps)
            & (c >= -eps)
            & (c <= columns - 1 + eps)
        )
        out = np.full(len(xyz), np.nan)
        if not inside.any():
            return out, inside
        k = np.clip(k[inside], 0, n - 1)
        r = np.clip(r[inside], 0, rows - 1)
        c = np.clip(c[inside], 0, columns - 1)
        k0, r0, c0 = (np.minimum(np.floor(a).astype(np.intp), m - 2 if m > 1 else 0)
                      for a, m in ((k, n), (r, rows), (c, columns)))  # fmt: skip
        k1, r1, c1 = (np.minimum(a + 1, m - 1) for a, m in ((k0, n), (r0, rows), (c0, columns)))
        fk, fr, fc = k - k0, r - r0, c - c0
        v = self._sorted
        # Interpolate along the columns, then the rows, then between the frames.
        c00 = v[k0, r0, c0] * (1 - fc) + v[k0, r0, c1] * fc
        c01 = v[k0, r1, c0] * (1 - fc) + v[k0, r1, c1] * fc
        c10 = v[k1, r0, c0] * (1 - fc) + v[k1, r0, c1] * fc
        c11 = v[k1, r1, c0] * (1 - fc) + v[k1, r1, c1] * fc
        front = c00 * (1 - fr) + c01 * fr
        back = c10 * (1 - fr) + c11 * fr
        out[inside] = front * (1 - fk) + back * fk
        return out, inside

    def on_plane(self, plane: Plane) -> DosePlane:
        """The dose at every pixel centre of `plane` (an image frame's plane).

        Parameters
        ----------
        plane : Plane
            E.g. ``geometry.frame_plane(instance.dataset, index)``. Its Frame of
            Reference must be the grid's when both are known.

        Returns
        -------
        DosePlane

        Raises
        ------
        DoseGridError
            The plane is in another Frame of Reference than the grid.
        """
        forward = plane.frame_of_reference_uid
        if forward and self.frame_of_reference_uid and forward != self.frame_of_reference_uid:
            name = self.path or "dose grid"
            raise DoseGridError(
                f"{name}: the image is in Frame of Reference {forward}, the dose grid in "
                f"{self.frame_of_reference_uid}",
                path=self.path,
            )
        values, inside = self.sample(plane.pixel_grid().reshape(-1, 3))
        shape = (plane.rows, plane.columns)
        return DosePlane(
            plane=plane,
            values=values.reshape(shape).astype(np.float32),
            inside=inside.reshape(shape),
            units=self.units,
            max_dose=self.max_dose,
        )

    def summary(self) -> DoseSummary:
        """JSON-ready attributes of the grid (no values)."""
        return DoseSummary(
            sop_instance_uid=self.sop_instance_uid,
            frame_of_reference_uid=self.frame_of_reference_uid,
            units=self.units,
            dose_type=self.dose_type,
            summation_type=self.summation_type,
            shape=list(self.values.shape),
            max_dose=round(self.max_dose, 6),
            referenced_sop_instance_uids=list(self.referenced_sop_instance_uids),
        )


def read_dose(source: Instance | Dataset | StrPath) -> DoseGrid:
    """Read an RT Dose grid.

    Parameters
    ----------
    source : Instance, pydicom.dataset.Dataset, str or os.PathLike
        The RT Dose object; a data set must hold its Pixel Data.

    Returns
    -------
    DoseGrid

    Raises
    ------
    DoseGridError
        Not an RT Dose, Dose Units missing or unknown, no grid geometry, or one
        offset per frame missing; the message names the file.
    DecodeError, UnsupportedError, FileReadError
        The Pixel Data cannot be decoded (from :meth:`Instance.decode`).

    Examples
    --------
    >>> from tests.bundled import TEST_FILES  # doctest: +SKIP
    >>> grid = read_dose(TEST_FILES / "rtdose.dcm")  # doctest: +SKIP
    >>> grid.values.shape, grid.units  # doctest: +SKIP
    ((15, 10, 10), 'RELATIVE')
    """
    from pydicom.dataset import Dataset

    from dcmview.sdk.instance import Instance, open

    if isinstance(source, Dataset):
        filename = getattr(source, "filename", None)
        return DoseGrid.from_dataset(source, path=filename if isinstance(filename, str) else None)
    inst = source if isinstance(source, Instance) else open(source)
    ds, path = inst.dataset, inst.path
    units = _units(ds, path, path)
    if not inst.has_pixels:
        raise DoseGridError(f"{path}: the RT Dose has no Pixel Data", path=path)
    stored = np.stack([inst.decode(i) for i in range(inst.number_of_frames)])
    return DoseGrid._build(stored, ds, units, path, path)


def _units(ds: Dataset, name: str, path: str | None) -> str:
    modality = str(ds.get("Modality", "")).upper()
    if modality and modality != "RTDOSE":
        raise DoseGridError(f"{name}: Modality {modality}, not an RT Dose", path=path)
    units = str(ds.get("DoseUnits", "")).strip().upper()
    if units not in DOSE_UNITS:
        raise DoseGridError(
            f"{name}: Dose Units {units or '(absent)'!r}, expected one of {DOSE_UNITS}", path=path
        )
    return units


def _colour(fraction: float) -> tuple[int, int, int]:
    r, g, b = (int(v) for v in colour_ramp(fraction, DOSE_COLOURS))
    return (r, g, b)


def _hex(rgb: tuple[int, int, int]) -> str:
    return "#{:02x}{:02x}{:02x}".format(*rgb)


# -- marching squares ----------------------------------------------------------------------

# Cell corners: top-left 1, top-right 2, bottom-right 4, bottom-left 8 (set when >= level).
# Edges: 0 top, 1 right, 2 bottom, 3 left. Each case lists the edge pairs its line
# segments join; the saddles 5 and 10 have two choices, keyed by (case, centre inside).
_SEGMENTS: dict[int, tuple[tuple[int, int], ...]] = {
    1: ((3, 0),), 2: ((0, 1),), 3: ((3, 1),), 4: ((1, 2),), 6: ((0, 2),),
    7: ((3, 2),), 8: ((2, 3),), 9: ((0, 2),), 11: ((1, 2),), 12: ((3, 1),),
    13: ((0, 1),), 14: ((3, 0),),
}  # fmt: skip
_SADDLES: dict[tuple[int, bool], tuple[tuple[int, int], ...]] = {
    (5, True): ((0, 1), (2, 3)),
    (5, False): ((3, 0), (1, 2)),
    (10, True): ((3, 0), (1, 2)),
    (10, False): ((0, 1), (2, 3)),
}


def _trace(values: npt.NDArray[Any], level: float) -> tuple[tuple[ArrayF64, ...], tuple[bool, ...]]:
    """Isolines of `values` at `level`: (paths of (row, column), closed flags)."""
    v = np.asarray(values, dtype=np.float64)
    rows, columns = v.shape
    if rows < 2 or columns < 2:
        return (), ()
    tl, tr = v[:-1, :-1], v[:-1, 1:]
    bl, br = v[1:, :-1], v[1:, 1:]
    valid = np.isfinite(tl) & np.isfinite(tr) & np.isfinite(bl) & np.isfinite(br)
    case = (tl >= level) * 1 + (tr >= level) * 2 + (br >= level) * 4 + (bl >= level) * 8
    case = np.where(valid, case, 0)
    centre = (tl + tr + bl + br) / 4 >= level

    # Edge ids: the top edge of cell (r, c) is horizontal edge (r, c), its bottom
    # (r + 1, c); its left edge is vertical edge (r, c), its right (r, c + 1).
    def edge_id(r: npt.NDArray[np.intp], c: npt.NDArray[np.intp], e: int) -> npt.NDArray[np.intp]:
        if e == 0:
            ids = (r * columns + c) * 2
        elif e == 2:
            ids = ((r + 1) * columns + c) * 2
        elif e == 3:
            ids = (r * columns + c) * 2 + 1
        else:
            ids = (r * columns + c + 1) * 2 + 1
        return np.asarray(ids, dtype=np.intp)

    pairs: list[npt.NDArray[np.intp]] = []
    for k, edges in _SEGMENTS.items():
        r, c = np.nonzero(case == k)
        for a, b in edges:
            pairs.append(np.stack([edge_id(r, c, a), edge_id(r, c, b)], axis=1))
    for (k, middle), edges in _SADDLES.items():
        r, c = np.nonzero((case == k) & (centre == middle))
        for a, b in edges:
            pairs.append(np.stack([edge_id(r, c, a), edge_id(r, c, b)], axis=1))
    segments = np.concatenate(pairs) if pairs else np.zeros((0, 2), np.intp)
    if not len(segments):
        return (), ()
    ids = np.unique(segments)
    points = _crossings(v, ids, level, columns)
    where = {int(e): i for i, e in enumerate(ids)}
    neighbours: dict[int, list[int]] = {}
    for a, b in segments.tolist():
        neighbours.setdefault(a, []).append(b)
        neighbours.setdefault(b, []).append(a)
    seen: set[int] = set()
    paths: list[ArrayF64] = []
    closed: list[bool] = []
    # Open lines first (from an end: an edge with one neighbour), then the loops.
    starts = [e for e, n in neighbours.items() if len(n) == 1] + list(neighbours)
    for start in starts:
        if start in seen:
            continue
        chain = [start]
        seen.add(start)
        current = start
        while True:
            nxt = next((e for e in neighbours[current] if e not in seen), None)
            if nxt is None:
                break
            chain.append(nxt)
            seen.add(nxt)
            current = nxt
        loop = len(chain) > 2 and start in neighbours[current]
        if loop:
            chain.append(start)
        paths.append(points[[where[e] for e in chain]])
        closed.append(loop)
    return tuple(paths), tuple(closed)


def _crossings(v: ArrayF64, ids: npt.NDArray[np.intp], level: float, columns: int) -> ArrayF64:
    """(row, column) where the line crosses each edge id, linear between its two ends."""
    vertical = ids % 2 == 1
    cell = ids // 2
    r, c = cell // columns, cell % columns
    r1 = np.where(vertical, r + 1, r)
    c1 = np.where(vertical, c, c + 1)
    v0, v1 = v[r, c], v[r1, c1]
    with np.errstate(divide="ignore", invalid="ignore"):
        t = np.where(v1 != v0, (level - v0) / (v1 - v0), 0.5)
    t = np.clip(t, 0.0, 1.0)
    return np.stack([r + t * (r1 - r), c + t * (c1 - c)], axis=1).astype(np.float64)
