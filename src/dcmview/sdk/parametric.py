"""Parametric maps: real-world values, a colour map and its legend, per source frame.

A Parametric Map (PS3.3 A.75) stores a quantity (T1 in ms, ADC, SUV, ...) per
pixel, as float (Float / Double Float Pixel Data) or integers. The Real World
Value Mapping functional group (PS3.3 C.7.6.16.2.11, C.7.6.16.2.11.1) turns
stored values into the quantity: ``value = slope * stored + intercept``, or
a look-up table (Real World Value LUT Data) over ``first .. last`` stored
values, with the unit in Measurement Units Code Sequence (UCUM).

:class:`ParametricMap` gives those values per frame, maps frames onto source
frames as a SEG does (by the Derivation Image reference, else by Frame of
Reference and plane: :mod:`dcmview.sdk.geometry`), and colours them:
:meth:`ParametricMap.colorize` turns values into RGBA with a named colour map,
and :meth:`ParametricMap.legend` describes the scale (min, max, unit, colour
stops) for a viewer to draw.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from dcmview.sdk._derived import Code, colour_ramp, source_frames, text
from dcmview.sdk._framegroups import first_item, functional_groups, is_dataset
from dcmview.sdk._types import AnyArray, ArrayF64, ArrayU8, StrPath
from dcmview.sdk.errors import (
    DerivedObjectError,
    GeometryMismatchError,
    InvalidInputError,
    MissingSourceError,
    WrongObjectKindError,
)
from dcmview.sdk.geometry import frame_plane

if TYPE_CHECKING:  # pragma: no cover
    from pydicom import Dataset

    from dcmview.sdk.catalog import Catalog
    from dcmview.sdk.instance import Instance

__all__ = [
    "COLORMAPS",
    "Legend",
    "ParametricMap",
    "RealWorldMapping",
    "read_parametric_map",
]

PARAMETRIC_MAP_CLASS = "1.2.840.10008.5.1.4.1.1.30"

#: Colour maps by name: control points (position 0..1, r, g, b), linear between.
COLORMAPS: dict[str, tuple[tuple[float, int, int, int], ...]] = {
    "gray": ((0.0, 0, 0, 0), (1.0, 255, 255, 255)),
    "hot": ((0.0, 0, 0, 0), (0.375, 255, 0, 0), (0.75, 255, 255, 0), (1.0, 255, 255, 255)),
    # viridis, sampled at nine points
    "viridis": (
        (0.0, 68, 1, 84),
        (0.125, 71, 44, 122),
        (0.25, 59, 81, 139),
        (0.375, 44, 113, 142),
        (0.5, 33, 144, 141),
        (0.625, 39, 173, 129),
        (0.75, 92, 200, 99),
        (0.875, 170, 220, 50),
        (1.0, 253, 231, 37),
    ),
    "jet": (
        (0.0, 0, 0, 128),
        (0.125, 0, 0, 255),
        (0.375, 0, 255, 255),
        (0.625, 255, 255, 0),
        (0.875, 255, 0, 0),
        (1.0, 128, 0, 0),
    ),
}


def _float(ds: Dataset, *keywords: str) -> float | None:
    for k in keywords:
        v = ds.get(k)
        if v not in (None, ""):
            try:
                return float(v)
            except (TypeError, ValueError):
                return None
    return None


@dataclass(frozen=True, slots=True)
class RealWorldMapping:
    """One item of the Real World Value Mapping Sequence.

    Parameters
    ----------
    slope, intercept : float
        ``value = slope * stored + intercept`` (used when `lut` is None).
    lut : tuple of float or None
        Real World Value LUT Data: the value of stored ``first + i``.
    first, last : float or None
        The stored values the mapping covers.
    unit : Code or None
        Measurement Units Code Sequence (UCUM: ``ms``, ``mm2/s``, ``{SUVbw}g/ml``).
    label, explanation : str
        LUT Label and LUT Explanation.
    quantity : Code or None
        What is measured (the Concept Code of the Quantity Definition Sequence).
    """

    slope: float = 1.0
    intercept: float = 0.0
    lut: tuple[float, ...] | None = None
    first: float | None = None
    last: float | None = None
    unit: Code | None = None
    label: str = ""
    explanation: str = ""
    quantity: Code | None = None

    @classmethod
    def from_item(cls, item: Dataset) -> RealWorldMapping:
        """Read one Real World Value Mapping item."""
        lut_data = item.get("RealWorldValueLUTData")
        quantity = None
        for q in item.get("QuantityDefinitionSequence") or []:
            if is_dataset(q):
                quantity = Code.from_item(first_item(q, "ConceptCodeSequence")) or quantity
        return cls(
            slope=_float(item, "RealWorldValueSlope") or 1.0,
            intercept=_float(item, "RealWorldValueIntercept") or 0.0,
            lut=tuple(float(v) for v in lut_data) if lut_data else None,
            first=_float(
                item, "DoubleFloatRealWorldValueFirstValueMapped", "RealWorldValueFirstValueMapped"
            ),
            last=_float(
                item, "DoubleFloatRealWorldValueLastValueMapped", "RealWorldValueLastValueMapped"
            ),
            unit=Code.from_item(first_item(item, "MeasurementUnitsCodeSequence")),
            label=text(item, "LUTLabel"),
            explanation=text(item, "LUTExplanation"),
            quantity=quantity,
        )

    @property
    def unit_text(self) -> str:
        """The unit to print: the UCUM code value (``"ms"``), "" when unitless or absent."""
        if self.unit is None or self.unit.value in ("1", "{ratio}"):
            return ""
        return self.unit.value

    def apply(self, stored: AnyArray) -> ArrayF64:
        """The real-world values of stored values (float64, same shape)."""
        arr = np.asarray(stored, dtype=np.float64)
        if self.lut is not None:
            first = self.first or 0.0
            table = np.asarray(self.lut, dtype=np.float64)
            idx = np.clip(np.rint(arr - first), 0, len(table) - 1).astype(np.intp)
            return np.asarray(table[idx], dtype=np.float64)
        return np.asarray(arr * self.slope + self.intercept, dtype=np.float64)

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict (the LUT's length, not its values)."""
        return {
            "slope": self.slope,
            "intercept": self.intercept,
            "lut_length": len(self.lut) if self.lut is not None else None,
            "first": self.first,
            "last": self.last,
            "unit": self.unit.to_json() if self.unit else None,
            "unit_text": self.unit_text,
            "label": self.label,
            "explanation": self.explanation,
            "quantity": self.quantity.to_json() if self.quantity else None,
        }


@dataclass(frozen=True, slots=True)
class Legend:
    """The scale of a coloured map: what colour means what value.

    Parameters
    ----------
    colormap : str
        A name of :data:`COLORMAPS`.
    minimum, maximum : float
        The values at the ends of the scale (clipped beyond).
    unit : str
        The unit (UCUM), "" when none.
    label : str
        What the values are (LUT Label / Explanation / quantity).
    stops : tuple of (float, (r, g, b, a))
        Values and their colours, from `minimum` to `maximum`, to draw a colour bar.
    """

    colormap: str
    minimum: float
    maximum: float
    unit: str
    label: str
    stops: tuple[tuple[float, tuple[int, int, int, int]], ...]

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict (stops as ``{"value", "rgba"}``)."""
        return {
            "colormap": self.colormap,
            "minimum": self.minimum,
            "maximum": self.maximum,
            "unit": self.unit,
            "label": self.label,
            "stops": [{"value": v, "rgba": list(c)} for v, c in self.stops],
        }


def colormap_rgb(name: str, t: AnyArray) -> ArrayU8:
    """RGB (uint8, shape ``t.shape + (3,)``) of positions `t` in ``[0, 1]`` on a colour map.

    Raises
    ------
    InvalidInputError
        `name` is not a key of :data:`COLORMAPS`.
    """
    points = COLORMAPS.get(name)
    if points is None:
        raise InvalidInputError(
            f"unknown colour map {name!r}: use one of {', '.join(sorted(COLORMAPS))}"
        )
    return colour_ramp(t, [(p[0], p[1:]) for p in points])


class ParametricMap:
    """A Parametric Map read for display: values, units and colours per source frame.

    Parameters
    ----------
    instance : Instance
        The Parametric Map file.
    catalog : Catalog, optional
        Where its source images are (to place frames by geometry, resolve indices).

    Raises
    ------
    WrongObjectKindError
        Not a Parametric Map.
    DerivedObjectError
        No Real World Value Mapping for a frame.
    """

    def __init__(self, instance: Instance, catalog: Catalog | None = None) -> None:
        ds = instance.dataset
        self._instance = instance
        self._catalog = catalog
        path = instance.path
        if text(ds, "SOPClassUID") != PARAMETRIC_MAP_CLASS:
            raise WrongObjectKindError(
                f"{path} is not a Parametric Map "
                f"(SOP Class {text(ds, 'SOPClassUID') or 'missing'})",
                path=path,
            )
        self.rows, self.columns = instance.rows, instance.columns
        self.frame_of_reference_uid = text(ds, "FrameOfReferenceUID")
        self._mappings: list[RealWorldMapping] = []
        self._by_source: dict[tuple[str, int | None], int] = {}
        for k in range(instance.number_of_frames):
            groups = list(functional_groups(ds, k))
            item = None
            for g in groups:
                item = first_item(g, "RealWorldValueMappingSequence")
                if item is not None:
                    break
            if item is None:
                item = first_item(ds, "RealWorldValueMappingSequence")
            if item is None:
                raise DerivedObjectError(
                    f"{path}: frame {k + 1} has no Real World Value Mapping Sequence", path=path
                )
            self._mappings.append(RealWorldMapping.from_item(item))
            for key in source_frames(groups):
                self._by_source.setdefault(key, k)

    def __repr__(self) -> str:
        return f"<ParametricMap {self.mapping().label or '?'} {self.path!r}>"

    @property
    def path(self) -> str:
        """The file."""
        return self._instance.path

    @property
    def number_of_frames(self) -> int:
        """How many frames the map has."""
        return len(self._mappings)

    def mapping(self, frame: int = 0) -> RealWorldMapping:
        """The real-world value mapping of frame `frame` (0-based) of the map."""
        return self._mappings[frame]

    def values(self, frame: int = 0) -> ArrayF64:
        """Real-world values of frame `frame` (0-based) of the map, float64 (rows, columns)."""
        return self._mappings[frame].apply(self._instance.decode(frame))

    def value_range(self) -> tuple[float, float]:
        """(min, max) of the finite real-world values over every frame (decodes them all)."""
        lo, hi = math.inf, -math.inf
        for k in range(self.number_of_frames):
            v = self.values(k)
            v = v[np.isfinite(v)]
            if v.size:
                lo, hi = min(lo, float(v.min())), max(hi, float(v.max()))
        return (lo, hi) if lo <= hi else (0.0, 0.0)

    def frame_for(self, source: Instance | str, frame: int = 0) -> int | None:
        """The map's frame (0-based) on a source frame, or None when none lies on it.

        Raises
        ------
        MissingSourceError
            The map neither names `source` nor shares its Frame of Reference.
        GeometryMismatchError
            Placed by geometry, but on another pixel grid.
        """
        uid = source if isinstance(source, str) else source.sop_instance_uid
        for key in ((uid, frame), (uid, None) if frame == 0 else None):
            if key is not None and key in self._by_source:
                return self._by_source[key]
        if any(u == uid for u, _ in self._by_source):
            return None
        if isinstance(source, str):
            raise MissingSourceError(
                f"{self.path} does not refer to {uid}; pass the source Instance to place it "
                "by geometry",
                path=self.path,
            )
        ds = source.dataset
        if not self.frame_of_reference_uid or text(ds, "FrameOfReferenceUID") != (
            self.frame_of_reference_uid
        ):
            raise MissingSourceError(
                f"{self.path} does not refer to {source.path} and does not share its Frame "
                "of Reference",
                path=self.path,
            )
        plane = frame_plane(ds, frame)
        mine = self._instance.dataset
        near = False
        for k in range(self.number_of_frames):
            p = frame_plane(mine, k)
            if p is not None and plane is not None and p.same_grid(plane):
                return k
            near = near or (p is not None and plane is not None and p.same_plane(plane))
        if near:
            raise GeometryMismatchError(
                f"{self.path} lies on the plane of {source.path} frame {frame} on another "
                "pixel grid (resampling is not supported)",
                path=self.path,
            )
        return None

    def values_on(self, source: Instance | str, frame: int = 0) -> ArrayF64 | None:
        """Real-world values on a source frame's pixels, or None where the map has no frame."""
        k = self.frame_for(source, frame)
        return None if k is None else self.values(k)

    def legend(
        self,
        colormap: str = "viridis",
        minimum: float | None = None,
        maximum: float | None = None,
        stops: int = 5,
    ) -> Legend:
        """The colour scale for :meth:`colorize` with the same arguments.

        `minimum` and `maximum` default to the first frame's First/Last Value
        Mapped turned into values, else to :meth:`value_range`.
        """
        lo, hi = self._limits(minimum, maximum)
        values = np.linspace(lo, hi, max(2, int(stops)))
        rgb = colormap_rgb(colormap, (values - lo) / (hi - lo) if hi > lo else values * 0)
        m = self.mapping()
        label = m.label or (m.quantity.meaning if m.quantity else "") or m.explanation
        return Legend(
            colormap=colormap,
            minimum=lo,
            maximum=hi,
            unit=m.unit_text,
            label=label,
            stops=tuple(
                (float(v), (int(c[0]), int(c[1]), int(c[2]), 255))
                for v, c in zip(values, rgb, strict=True)
            ),
        )

    def _limits(self, minimum: float | None, maximum: float | None) -> tuple[float, float]:
        if minimum is None or maximum is None:
            m = self.mapping()
            if m.first is not None and m.last is not None and m.last > m.first:
                ends = m.apply(np.asarray([m.first, m.last]))
                lo, hi = float(ends.min()), float(ends.max())
            else:
                lo, hi = self.value_range()
            minimum = lo if minimum is None else minimum
            maximum = hi if maximum is None else maximum
        if not (math.isfinite(minimum) and math.isfinite(maximum)) or maximum < minimum:
            raise InvalidInputError(
                f"a colour scale needs minimum <= maximum, got {minimum}, {maximum}"
            )
        return float(minimum), float(maximum)

    def colorize(
        self,
        frame: int = 0,
        colormap: str = "viridis",
        minimum: float | None = None,
        maximum: float | None = None,
        opacity: float = 1.0,
    ) -> ArrayU8:
        """RGBA (uint8, rows x columns x 4) of frame `frame` of the map on a colour map.

        Values below `minimum` or above `maximum` take the end colours; NaN is
        transparent.
        """
        lo, hi = self._limits(minimum, maximum)
        v = self.values(frame)
        t = (v - lo) / (hi - lo) if hi > lo else np.zeros_like(v)
        out = np.empty((*v.shape, 4), dtype=np.uint8)
        out[..., :3] = colormap_rgb(colormap, np.nan_to_num(t))
        alpha = int(round(255 * min(max(opacity, 0.0), 1.0)))
        out[..., 3] = np.where(np.isfinite(v), alpha, 0).astype(np.uint8)
        return out

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready summary: mapping, frames, sources, the default legend's ends."""
        return {
            "path": self.path,
            "sop_instance_uid": self._instance.sop_instance_uid,
            "rows": self.rows,
            "columns": self.columns,
            "frames": self.number_of_frames,
            "frame_of_reference_uid": self.frame_of_reference_uid,
            "mapping": self.mapping().to_json(),
            "sources": [
                {"sop_instance_uid": u, "frame": f or 0, "map_frame": k}
                for (u, f), k in sorted(self._by_source.items(), key=lambda x: x[1])
            ],
        }


def read_parametric_map(
    source: Instance | StrPath, catalog: Catalog | None = None
) -> ParametricMap:
    """Read a Parametric Map file (or an opened Instance); see :class:`ParametricMap`."""
    from dcmview.sdk.instance import Instance, open

    inst = source if isinstance(source, Instance) else open(source)
    return ParametricMap(inst, catalog)
