"""RT Dose and parametric map values on one image frame of a catalog: values, wash, legend.

The viewer and the HTTP API ask "what does dose file D (or map M) show on frame
f of image i?". :func:`dose_on_frame` resamples the grid onto the frame's plane
(:meth:`DoseGrid.on_plane <dcmview.sdk.dose.DoseGrid.on_plane>`);
:func:`parametric_map_on_frame` finds the map's frame on it
(:meth:`ParametricMap.frame_for <dcmview.sdk.parametric.ParametricMap.frame_for>`).
Both answer a :class:`ValueLayer`: values in the image's pixel grid (float32,
NaN where the object says nothing), an RGBA colour wash and its legend.

Errors are those of the predecessor's routes: the selected file is not of the
kind asked for (:class:`WrongObjectKindError`), the image frame is the object
itself, has no plane or is not in the object's Frame of Reference
(:class:`GeometryMismatchError`, :class:`ImageGeometryError`).

Grids and maps are read once and kept (a few, by path): a dose grid is decoded
whole, and the viewer asks for it on every frame step.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

import numpy as np

from dcmview.sdk._types import ArrayF32, ArrayU8
from dcmview.sdk.errors import (
    DerivedObjectError,
    FrameIndexError,
    GeometryMismatchError,
    ImageGeometryError,
    MissingSourceError,
    WrongObjectKindError,
)

if TYPE_CHECKING:  # pragma: no cover
    from dcmview.sdk.catalog import Catalog
    from dcmview.sdk.dose import DoseGrid
    from dcmview.sdk.geometry import Plane
    from dcmview.sdk.parametric import ParametricMap

__all__ = [
    "RT_DOSE_CLASS",
    "ValueLayer",
    "check_frame",
    "dose_on_frame",
    "parametric_map_on_frame",
    "read_cached",
]

RT_DOSE_CLASS = "1.2.840.10008.5.1.4.1.1.481.2"
PARAMETRIC_MAP_CLASS = "1.2.840.10008.5.1.4.1.1.30"
_KEEP = 4  # grids / maps kept: a viewer shows one or two at a time

_T = TypeVar("_T")
_CACHE: OrderedDict[tuple[str, str], Any] = OrderedDict()
_LOCK = threading.Lock()


def read_cached(kind: str, path: str, read: Callable[[], _T]) -> _T:
    """`read()` once per (`kind`, `path`), the last few kept (a dose grid decodes whole)."""
    key = (kind, path)
    with _LOCK:
        if key in _CACHE:
            _CACHE.move_to_end(key)
            return _CACHE[key]  # type: ignore[no-any-return]  # stored by this function
    value = read()
    with _LOCK:
        _CACHE[key] = value
        while len(_CACHE) > _KEEP:
            _CACHE.popitem(last=False)
    return value


@dataclass(frozen=True, slots=True, eq=False)
class ValueLayer:
    """What a dose grid or parametric map shows on one image frame.

    Attributes
    ----------
    values : numpy.ndarray
        float32 (rows, columns) on the image frame's pixels, in `unit`; NaN where
        the object has no value (outside a dose grid).
    rgba : numpy.ndarray
        uint8 (rows, columns, 4): the colour wash, straight alpha.
    unit : str
        ``"Gy"``, ``"ms"``, ... ("" when none).
    label : str
        What the values are (``"Dose"``, ``"T1"``).
    minimum, maximum : float
        The ends of the colour scale.
    stops : list of dict
        ``{"value", "color"}`` (``#rrggbb``) from `minimum` to `maximum`: a colour bar.
    source_index : int
        The dose or map file in the catalog.
    """

    values: ArrayF32 = field(repr=False)
    rgba: ArrayU8 = field(repr=False)
    unit: str
    label: str
    minimum: float
    maximum: float
    stops: list[dict[str, Any]]
    source_index: int

    def legend(self) -> dict[str, Any]:
        """The colour scale as JSON: label, unit, minimum, maximum, stops."""
        return {
            "label": self.label,
            "unit": self.unit,
            "minimum": self.minimum,
            "maximum": self.maximum,
            "stops": self.stops,
        }

    def png(self) -> bytes:
        """The colour wash as an RGBA PNG (the overlay routes' answer)."""
        from dcmview.sdk._png import encode_png

        return encode_png(self.rgba)

    def values_bytes(self) -> bytes:
        """The values as little-endian float32, row-major (the ``/values`` answer)."""
        return np.ascontiguousarray(self.values, dtype="<f4").tobytes()


def check_frame(catalog: Catalog, index: int, frame: int) -> None:
    """Frame `frame` of file `index` exists; a file without pixel data counts one frame.

    The predecessor's rule for its derived-object routes: the header of an
    RTSTRUCT or a presentation state is "frame 0".
    """
    h = catalog.header(index)
    if h.has_pixels:
        catalog[index].frame(frame)  # FrameIndexError for a frame out of range
    elif frame != 0:
        raise FrameIndexError(
            f"frame {frame} is out of range: file {index} has no pixel data (1 frame: 0)",
            path=h.path,
        )


def _check_kind(catalog: Catalog, index: int, frame: int, obj: int, cls: str, what: str) -> None:
    """The predecessor's checks, in its order: the object's kind, the image, the frame."""
    h = catalog.header(obj)
    if h.sop_class_uid != cls:
        raise WrongObjectKindError(
            f"file {obj} is not {what} (SOP Class {h.sop_class_uid or 'missing'})", path=h.path
        )
    catalog.header(index)  # NotFoundError for an unknown image index
    if index == obj:
        raise GeometryMismatchError(
            f"{what} file {obj} is drawn on image frames, not on its own frames", path=h.path
        )
    check_frame(catalog, index, frame)


def _plane(catalog: Catalog, index: int, frame: int) -> Plane:
    from dcmview.sdk.geometry import frame_plane

    inst = catalog[index]
    plane = frame_plane(inst.dataset, frame) if inst.has_pixels else None
    if plane is None:
        raise ImageGeometryError(
            f"file {index} frame {frame} has no Image Position, Orientation and Pixel Spacing "
            "to place an overlay on",
            path=inst.path,
        )
    return plane


def dose_on_frame(
    catalog: Catalog,
    index: int,
    frame: int,
    dose: int,
    *,
    opacity: float = 0.5,
) -> ValueLayer:
    """RT Dose file `dose` resampled on frame `frame` of image file `index`.

    Parameters
    ----------
    catalog : Catalog
        Where both files are.
    index, frame : int
        The image file and its 0-based frame.
    dose : int
        The RT Dose file.
    opacity : float
        Alpha of the wash (:meth:`DosePlane.wash <dcmview.sdk.dose.DosePlane.wash>`).

    Returns
    -------
    ValueLayer
        Values in Gy (or relative), NaN outside the grid; the wash from 10 % of
        the grid's maximum to it, with :data:`~dcmview.sdk.dose.DOSE_COLOURS`.

    Raises
    ------
    NotFoundError, FrameIndexError
        An index or the frame is out of range.
    WrongObjectKindError
        File `dose` is not an RT Dose.
    GeometryMismatchError, ImageGeometryError, DoseGridError
        The frame is the dose itself, has no plane, or lies in another Frame of Reference.
    """
    from dcmview.sdk.dose import read_dose

    _check_kind(catalog, index, frame, dose, RT_DOSE_CLASS, "an RT Dose")
    plane = _plane(catalog, index, frame)
    path = catalog.header(dose).path
    grid: DoseGrid = read_cached("dose", path, lambda: read_dose(catalog[dose]))
    forward = plane.frame_of_reference_uid
    if forward and grid.frame_of_reference_uid and forward != grid.frame_of_reference_uid:
        raise GeometryMismatchError(
            f"file {index} is in Frame of Reference {forward}, the dose grid of file {dose} "
            f"in {grid.frame_of_reference_uid}",
            path=path,
        )
    on = grid.on_plane(plane)
    top = grid.max_dose or 1.0
    unit = "Gy" if grid.units == "GY" else "relative"
    return ValueLayer(
        values=on.values,
        rgba=on.wash(maximum=top, opacity=opacity),
        unit=unit,
        label="Dose",
        minimum=round(0.1 * top, 6),
        maximum=round(top, 6),
        stops=[{"value": s["value"], "color": s["color"]} for s in on.legend(maximum=top)],
        source_index=dose,
    )


def parametric_map_on_frame(
    catalog: Catalog,
    index: int,
    frame: int,
    pmap: int,
    *,
    colormap: str = "viridis",
    opacity: float = 1.0,
) -> ValueLayer:
    """Parametric map file `pmap` on frame `frame` of image file `index`.

    Parameters
    ----------
    catalog : Catalog
        Where both files are.
    index, frame : int
        The image file and its 0-based frame.
    pmap : int
        The Parametric Map file.
    colormap : str
        A name of :data:`~dcmview.sdk.parametric.COLORMAPS`.
    opacity : float
        Alpha of the colour map, 0..1.

    Returns
    -------
    ValueLayer
        Real-world values; the colour scale spans the First/Last Value Mapped.

    Raises
    ------
    NotFoundError, FrameIndexError
        An index or the frame is out of range.
    WrongObjectKindError
        File `pmap` is not a Parametric Map.
    GeometryMismatchError
        The frame is the map itself, or no frame of the map lies on it (another
        Frame of Reference, another plane or pixel grid).
    DerivedObjectError
        The map is broken.
    """
    from dcmview.sdk.parametric import read_parametric_map

    _check_kind(catalog, index, frame, pmap, PARAMETRIC_MAP_CLASS, "a Parametric Map")
    path = catalog.header(pmap).path
    m: ParametricMap = read_cached(
        "pmap", path, lambda: read_parametric_map(catalog[pmap], catalog)
    )
    try:
        k = m.frame_for(catalog[index], frame)
    except MissingSourceError as exc:
        raise GeometryMismatchError(str(exc), path=path) from exc
    if k is None:
        raise GeometryMismatchError(
            f"no frame of the parametric map file {pmap} lies on file {index} frame {frame}",
            path=path,
        )
    legend = m.legend(colormap)
    values = m.values(k).astype(np.float32)
    if values.shape != (catalog[index].rows, catalog[index].columns):
        raise DerivedObjectError(  # pragma: no cover - frame_for checks the grid
            f"parametric map file {pmap} frame {k} does not fit file {index}", path=path
        )
    return ValueLayer(
        values=values,
        rgba=m.colorize(k, colormap, opacity=opacity),
        unit=legend.unit,
        label=legend.label,
        minimum=legend.minimum,
        maximum=legend.maximum,
        stops=[
            {"value": v, "color": "#{:02x}{:02x}{:02x}".format(*c[:3])} for v, c in legend.stops
        ],
        source_index=pmap,
    )
