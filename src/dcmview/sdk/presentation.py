"""Grayscale Softcopy Presentation States (GSPS): annotations, VOI, shutters, rotation.

A GSPS (PS3.3 A.33.1) says how to show one or more images: which VOI (window
or VOI LUT) and Modality LUT to use, whether to invert (Presentation LUT Shape),
how to rotate and flip, which area to display, which parts to hide behind
display shutters, and which graphics and text to draw, on which graphic layers.
:class:`PresentationState` reads one, with pydicom (highdicom's ``hd.pr``
writes presentation states but, as of 0.28, does not read them), and answers
for one referenced image and frame:

- :meth:`PresentationState.annotations`: the Graphic Annotation Sequence
  (0070,0001) items that apply to the image and frame, their graphic objects
  (POINT, POLYLINE, INTERPOLATED, CIRCLE, ELLIPSE) and text objects, in the
  image's pixel coordinates (``(row, column)``, integers at pixel centres, see
  :mod:`dcmview.sdk.geometry`). PIXEL units count from the top-left corner of
  the image (:func:`~dcmview.sdk.geometry.corner_to_centre`); DISPLAY units are
  fractions of the displayed area *after* rotation and flip (PS3.3 C.10.5.1.1,
  C.10.6 Note), converted back through the displayed area and the spatial
  transformation;
- :meth:`PresentationState.window`: the Softcopy VOI LUT Sequence (0028,3110)
  item for the image, as a :class:`~dcmview.sdk.window.Window`;
- :meth:`PresentationState.displayed_area`, :attr:`PresentationState.spatial`;
- :meth:`PresentationState.shutter_mask`: the display shutters (rectangular,
  circular, polygonal) as a boolean mask, True where the image shows;
- :meth:`PresentationState.apply`: the frame rendered as the state says,
  through :func:`dcmview.sdk.display.render` (the same pipeline as
  :meth:`Frame.render <dcmview.sdk.frame.Frame.render>`), with shutters and,
  on request, rotation and flip.

Grey levels follow the GSPS pipeline of PS3.4 N.2: the presentation state's
Modality LUT (when it has one, and the image keeps none in functional groups)
replaces the image's, its VOI replaces the image's window, and its
Presentation LUT Shape decides the inversion (the image's MONOCHROME1 is then
not used: INVERSE is what a GSPS of a MONOCHROME1 image says). A GSPS without
a VOI for the image falls back to the image's own window (or the percentile
window), as :meth:`Frame.render <dcmview.sdk.frame.Frame.render>` does.

Not read: bitmap shutters and overlays (Overlay Planes), Presentation LUT
tables (a Presentation LUT Sequence is reported, and shown as IDENTITY),
compound graphics, MATRIX units (whole-slide images).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from dcmview.sdk._derived import lab_to_rgb, text as _s
from dcmview.sdk._framegroups import first_item, functional_groups, is_dataset
from dcmview.sdk._types import ArrayF64, ArrayU8, StrPath
from dcmview.sdk.errors import DerivedObjectError, MissingSourceError, WrongObjectKindError
from dcmview.sdk.geometry import corner_to_centre

if TYPE_CHECKING:  # pragma: no cover
    import numpy.typing as npt
    from pydicom import Dataset

    from dcmview.sdk.catalog import Catalog
    from dcmview.sdk.instance import Instance
    from dcmview.sdk.window import Window

__all__ = [
    "GSPS_CLASS",
    "Annotations",
    "DisplayedArea",
    "GraphicLayer",
    "GraphicObject",
    "ImageReference",
    "PresentationState",
    "Shutter",
    "SpatialTransform",
    "TextObject",
    "read_presentation_state",
]

#: Grayscale Softcopy Presentation State Storage.
GSPS_CLASS = "1.2.840.10008.5.1.4.1.1.11.1"

GraphicType = Literal["POINT", "POLYLINE", "INTERPOLATED", "CIRCLE", "ELLIPSE"]
# How many points each graphic type has (None: any number >= 1), PS3.3 C.10.5.1.2.
_POINTS: dict[str, int | None] = {
    "POINT": 1,
    "POLYLINE": None,
    "INTERPOLATED": None,
    "CIRCLE": 2,
    "ELLIPSE": 4,
}
_Point = tuple[float, float]


def _pair(rc: Sequence[float]) -> _Point:
    return (float(rc[0]), float(rc[1]))


# -- small typed values ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ImageReference:
    """An image the presentation state applies to.

    Parameters
    ----------
    sop_instance_uid, sop_class_uid : str
        The image.
    frames : tuple of int
        0-based frames named by Referenced Frame Number; empty: every frame.
    series_instance_uid : str
        The series it is listed under.
    index : int or None
        Its file index in the catalog the state was read with, when listed.
    """

    sop_instance_uid: str
    sop_class_uid: str = ""
    frames: tuple[int, ...] = ()
    series_instance_uid: str = ""
    index: int | None = None

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {
            "sop_instance_uid": self.sop_instance_uid,
            "sop_class_uid": self.sop_class_uid,
            "frames": list(self.frames),
            "series_instance_uid": self.series_instance_uid,
            "index": self.index,
        }


@dataclass(frozen=True, slots=True)
class GraphicLayer:
    """A graphic layer (Graphic Layer Sequence item, PS3.3 C.10.7).

    Parameters
    ----------
    name : str
        Graphic Layer, the name annotations refer to.
    order : int
        Graphic Layer Order: higher layers are drawn over lower ones.
    description : str
        Graphic Layer Description ("" when absent).
    color : tuple of 3 int or None
        sRGB of the Graphic Layer Recommended Display CIELab Value (or of the
        retired RGB value), None when the file recommends no colour.
    grayscale : int or None
        Graphic Layer Recommended Display Grayscale Value (0..65535), if any.
    """

    name: str
    order: int = 0
    description: str = ""
    color: tuple[int, int, int] | None = None
    grayscale: int | None = None

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict (colour as ``[r, g, b]`` and ``#rrggbb``, or None)."""
        return {
            "name": self.name,
            "order": self.order,
            "description": self.description,
            "color": list(self.color) if self.color else None,
            "color_hex": "#{:02x}{:02x}{:02x}".format(*self.color) if self.color else None,
            "grayscale": self.grayscale,
        }


@dataclass(frozen=True, slots=True)
class GraphicObject:
    """One graphic of a Graphic Object Sequence item, in the image's pixel coordinates.

    Parameters
    ----------
    type : {"POINT", "POLYLINE", "INTERPOLATED", "CIRCLE", "ELLIPSE"}
        Graphic Type. CIRCLE: the centre, then a point on the circle; ELLIPSE:
        the two ends of the major axis, then of the minor axis (PS3.3 C.10.5.1.2).
    points : tuple of (float, float)
        ``(row, column)`` pairs, integers at pixel centres.
    filled : bool
        Graphic Filled (closed shapes only).
    layer : str
        The Graphic Layer of its annotation.
    units : {"PIXEL", "DISPLAY"}
        The units the file gives it in (converted to pixels here).
    tracking_id, tracking_uid : str
        Tracking Identifier and UID ("" when absent).
    """

    type: GraphicType
    points: tuple[_Point, ...]
    filled: bool = False
    layer: str = ""
    units: str = "PIXEL"
    tracking_id: str = ""
    tracking_uid: str = ""

    def bounds(self) -> tuple[float, float, float, float]:
        """``(row_min, column_min, row_max, column_max)`` of the drawn shape.

        A CIRCLE's and an ELLIPSE's extents, not just their defining points.
        """
        pts = np.asarray(self.points, dtype=np.float64).reshape(-1, 2)
        if self.type == "CIRCLE":
            r = float(np.hypot(*(pts[1] - pts[0])))
            (cr, cc) = pts[0]
            return (cr - r, cc - r, cr + r, cc + r)
        if self.type == "ELLIPSE":
            centre = pts.mean(axis=0)
            a, b = (pts[1] - pts[0]) / 2, (pts[3] - pts[2]) / 2
            half = np.sqrt(a**2 + b**2)  # extent of the ellipse along each axis
            lo, hi = centre - half, centre + half
            return (float(lo[0]), float(lo[1]), float(hi[0]), float(hi[1]))
        lo, hi = pts.min(axis=0), pts.max(axis=0)
        return (float(lo[0]), float(lo[1]), float(hi[0]), float(hi[1]))

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict (points as ``[[row, column], ...]``)."""
        return {
            "type": self.type,
            "points": [list(p) for p in self.points],
            "filled": self.filled,
            "layer": self.layer,
            "units": self.units,
            "tracking_id": self.tracking_id,
            "tracking_uid": self.tracking_uid,
        }


@dataclass(frozen=True, slots=True)
class TextObject:
    """One Text Object Sequence item, in the image's pixel coordinates.

    Parameters
    ----------
    text : str
        Unformatted Text Value.
    box : tuple of two (float, float) or None
        The bounding box's top-left and bottom-right corners, ``(row, column)``
        (its edges: a box around pixel (5, 5) alone is (4.5, 4.5)..(5.5, 5.5)).
    anchor : (float, float) or None
        The anchor point, ``(row, column)``.
    anchor_visible : bool
        Anchor Point Visibility: draw a line from the box to the anchor.
    justification : {"LEFT", "RIGHT", "CENTER"}
        Bounding Box Text Horizontal Justification (LEFT when not given).
    layer : str
        The Graphic Layer of its annotation.
    units : str
        The units the file gives it in (the box's, else the anchor's).
    tracking_id, tracking_uid : str
        Tracking Identifier and UID ("" when absent).
    """

    text: str
    box: tuple[_Point, _Point] | None = None
    anchor: _Point | None = None
    anchor_visible: bool = False
    justification: str = "LEFT"
    layer: str = ""
    units: str = "PIXEL"
    tracking_id: str = ""
    tracking_uid: str = ""

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {
            "text": self.text,
            "box": [list(p) for p in self.box] if self.box else None,
            "anchor": list(self.anchor) if self.anchor else None,
            "anchor_visible": self.anchor_visible,
            "justification": self.justification,
            "layer": self.layer,
            "units": self.units,
            "tracking_id": self.tracking_id,
            "tracking_uid": self.tracking_uid,
        }


@dataclass(frozen=True, slots=True)
class Annotations:
    """What a presentation state draws on one image frame.

    Parameters
    ----------
    sop_instance_uid : str
        The image.
    frame : int
        0-based frame.
    layers : tuple of GraphicLayer
        The state's layers, lowest :attr:`GraphicLayer.order` first (draw in this order).
    graphics : tuple of GraphicObject
    texts : tuple of TextObject
    """

    sop_instance_uid: str
    frame: int
    layers: tuple[GraphicLayer, ...] = ()
    graphics: tuple[GraphicObject, ...] = ()
    texts: tuple[TextObject, ...] = ()

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {
            "sop_instance_uid": self.sop_instance_uid,
            "frame": self.frame,
            "layers": [x.to_json() for x in self.layers],
            "graphics": [g.to_json() for g in self.graphics],
            "texts": [t.to_json() for t in self.texts],
        }


@dataclass(frozen=True, slots=True)
class SpatialTransform:
    """Image Rotation (clockwise, degrees) then Image Horizontal Flip (PS3.3 C.10.6).

    Parameters
    ----------
    rotation : {0, 90, 180, 270}
    flip : bool

    Examples
    --------
    >>> t = SpatialTransform(90, False)
    >>> t.to_display([[0, 0]], rows=4, columns=8).tolist()  # top-left goes top-right
    [[0.0, 3.0]]
    """

    rotation: int = 0
    flip: bool = False

    @property
    def identity(self) -> bool:
        """Whether it changes nothing."""
        return self.rotation == 0 and not self.flip

    def shape(self, rows: int, columns: int) -> tuple[int, int]:
        """The displayed ``(rows, columns)`` of a ``rows`` x ``columns`` image."""
        return (columns, rows) if self.rotation in (90, 270) else (rows, columns)

    def apply(self, image: npt.NDArray[Any]) -> npt.NDArray[Any]:
        """Rotate, then flip, an image array (rows, columns[, samples])."""
        out = np.rot90(image, k=-(self.rotation // 90)) if self.rotation else image
        if self.flip:
            out = out[:, ::-1]
        return np.ascontiguousarray(out)

    def _forward(self, xy: ArrayF64, width: float, height: float) -> ArrayF64:
        """Corner ``(x, y)`` in the image -> in the displayed image."""
        x, y = xy[:, 0], xy[:, 1]
        if self.rotation == 90:
            x, y, width = height - y, x, height
        elif self.rotation == 180:
            x, y = width - x, height - y
        elif self.rotation == 270:
            x, y, width = y, width - x, height
        if self.flip:
            x = width - x
        return np.stack([x, y], axis=1)

    def _inverse(self, xy: ArrayF64, width: float, height: float) -> ArrayF64:
        """Corner ``(x, y)`` in the displayed image -> in the image."""
        x, y = xy[:, 0], xy[:, 1]
        shown_width = height if self.rotation in (90, 270) else width
        if self.flip:
            x = shown_width - x
        if self.rotation == 90:
            x, y = y, height - x
        elif self.rotation == 180:
            x, y = width - x, height - y
        elif self.rotation == 270:
            x, y = width - y, x
        return np.stack([x, y], axis=1)

    def to_display(self, pixels: Any, rows: int, columns: int) -> ArrayF64:
        """Where image pixels ``(row, column)`` land in the displayed image (N, 2)."""
        rc = np.asarray(pixels, dtype=np.float64).reshape(-1, 2)
        xy = self._forward(rc[:, ::-1] + 0.5, float(columns), float(rows))
        return xy[:, ::-1] - 0.5

    def from_display(self, pixels: Any, rows: int, columns: int) -> ArrayF64:
        """The inverse of :meth:`to_display`: displayed ``(row, column)`` -> image pixels."""
        rc = np.asarray(pixels, dtype=np.float64).reshape(-1, 2)
        xy = self._inverse(rc[:, ::-1] + 0.5, float(columns), float(rows))
        return xy[:, ::-1] - 0.5

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {"rotation": self.rotation, "flip": self.flip}


@dataclass(frozen=True, slots=True)
class DisplayedArea:
    """The Displayed Area Selection for one image (PS3.3 C.10.4).

    Parameters
    ----------
    top_left, bottom_right : (int, int)
        The image pixels ``(row, column)`` (0-based) shown at the top-left and
        bottom-right after rotation and flip; they may lie outside the image.
    size_mode : str
        Presentation Size Mode: ``"SCALE TO FIT"``, ``"TRUE SIZE"``, ``"MAGNIFY"``.
    pixel_spacing : (float, float) or None
        Presentation Pixel Spacing (mm, between rows, between columns).
    aspect_ratio : (int, int) or None
        Presentation Pixel Aspect Ratio (vertical, horizontal).
    magnification : float or None
        Presentation Pixel Magnification Ratio (MAGNIFY).
    """

    top_left: tuple[int, int]
    bottom_right: tuple[int, int]
    size_mode: str = "SCALE TO FIT"
    pixel_spacing: tuple[float, float] | None = None
    aspect_ratio: tuple[int, int] | None = None
    magnification: float | None = None

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {
            "top_left": list(self.top_left),
            "bottom_right": list(self.bottom_right),
            "size_mode": self.size_mode,
            "pixel_spacing": list(self.pixel_spacing) if self.pixel_spacing else None,
            "aspect_ratio": list(self.aspect_ratio) if self.aspect_ratio else None,
            "magnification": self.magnification,
        }


@dataclass(frozen=True, slots=True)
class Shutter:
    """The Display Shutter of a presentation state (PS3.3 C.7.6.11), in 0-based pixels.

    Parameters
    ----------
    shapes : tuple of str
        Shutter Shape values: ``"RECTANGULAR"``, ``"CIRCULAR"``, ``"POLYGONAL"``
        (``"BITMAP"`` is listed but not applied: it needs the overlay planes).
    rectangle : (int, int, int, int) or None
        ``(top_row, left_column, bottom_row, right_column)`` of the pixels shown,
        inclusive.
    circle : (float, float, float) or None
        ``(row, column, radius)``: pixels whose centre is within the radius show.
    polygon : tuple of (float, float)
        ``(row, column)`` vertices: pixels whose centre is inside show.
    value : int
        Shutter Presentation Value, the P-value (0..65535) of the hidden area;
        0 (black) when the file gives none.
    color : (int, int, int) or None
        sRGB of Shutter Presentation Color CIELab Value, when given.
    """

    shapes: tuple[str, ...] = ()
    rectangle: tuple[int, int, int, int] | None = None
    circle: tuple[float, float, float] | None = None
    polygon: tuple[_Point, ...] = ()
    value: int = 0
    color: tuple[int, int, int] | None = None

    @property
    def grey(self) -> int:
        """:attr:`value` as an 8-bit grey level (0..255)."""
        return round(self.value * 255 / 65535)

    def mask(self, rows: int, columns: int) -> npt.NDArray[np.bool_]:
        """True where the image shows, False behind a shutter; shape (rows, columns).

        Shapes combine: a pixel shows when every shutter lets it through.
        """
        shown = np.ones((rows, columns), dtype=np.bool_)
        if self.rectangle is not None:
            top, left, bottom, right = self.rectangle
            keep = np.zeros_like(shown)
            keep[max(top, 0) : max(bottom + 1, 0), max(left, 0) : max(right + 1, 0)] = True
            shown &= keep
        if self.circle is not None:
            cr, cc, radius = self.circle
            r = np.arange(rows, dtype=np.float64)[:, None] - cr
            c = np.arange(columns, dtype=np.float64)[None, :] - cc
            shown &= r * r + c * c <= radius * radius
        if self.polygon:
            shown &= polygon_mask(self.polygon, rows, columns)
        return shown

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {
            "shapes": list(self.shapes),
            "rectangle": list(self.rectangle) if self.rectangle else None,
            "circle": list(self.circle) if self.circle else None,
            "polygon": [list(p) for p in self.polygon],
            "value": self.value,
            "grey": self.grey,
            "color": list(self.color) if self.color else None,
        }


def polygon_mask(vertices: Sequence[_Point], rows: int, columns: int) -> npt.NDArray[np.bool_]:
    """Pixels whose centre is inside a polygon (even-odd rule), shape (rows, columns).

    Parameters
    ----------
    vertices : sequence of (float, float)
        ``(row, column)`` vertices; the polygon closes itself.

    Examples
    --------
    >>> polygon_mask([(-0.5, -0.5), (-0.5, 1.5), (1.5, 1.5), (1.5, -0.5)], 3, 3).astype(int)
    array([[1, 1, 0],
           [1, 1, 0],
           [0, 0, 0]])
    """
    pts = np.asarray(vertices, dtype=np.float64).reshape(-1, 2)
    out = np.zeros((rows, columns), dtype=np.bool_)
    if len(pts) < 3:
        return out
    r0, c0 = pts[:, 0], pts[:, 1]
    r1, c1 = np.roll(r0, -1), np.roll(c0, -1)
    cols = np.arange(columns, dtype=np.float64)
    for row in range(rows):
        y = float(row)
        # edges crossing this row's centre line (half-open, so a vertex counts once)
        crossing = (r0 <= y) != (r1 <= y)
        if not crossing.any():
            continue
        t = (y - r0[crossing]) / (r1[crossing] - r0[crossing])
        xs = np.sort(c0[crossing] + t * (c1[crossing] - c0[crossing]))
        # pixels left of an odd number of crossings are inside
        inside = np.searchsorted(xs, cols, side="right") % 2 == 1
        out[row] = inside
    return out


# -- reading ------------------------------------------------------------------------------


def _items(ds: Dataset, keyword: str) -> list[Dataset]:
    return [i for i in ds.get(keyword) or [] if is_dataset(i)]


def _frames(item: Dataset) -> tuple[int, ...]:
    numbers = item.get("ReferencedFrameNumber")
    if numbers in (None, ""):
        return ()
    values = [numbers] if isinstance(numbers, int | float | str) else list(numbers)
    try:
        return tuple(int(n) - 1 for n in values)
    except (TypeError, ValueError):
        return ()


@dataclass(frozen=True, slots=True)
class _Scope:
    """The images an item applies to: None for every image of the state."""

    images: tuple[tuple[str, tuple[int, ...]], ...] | None

    @classmethod
    def of(cls, item: Dataset) -> _Scope:
        refs = _items(item, "ReferencedImageSequence")
        if not refs:
            return cls(None)
        return cls(tuple((_s(r, "ReferencedSOPInstanceUID"), _frames(r)) for r in refs))

    def covers(self, uid: str, frame: int) -> bool:
        if self.images is None:
            return True
        return any(u == uid and (not frames or frame in frames) for u, frames in self.images)


@dataclass(frozen=True, slots=True)
class _RawGraphic:
    """A graphic or text as written: file coordinates ``(x, y)``, units, scope."""

    scope: _Scope
    layer: str
    kind: str  # a graphic type, or "TEXT"
    units: str
    data: tuple[tuple[float, float], ...]  # graphic points; for TEXT: box corners
    anchor: tuple[float, float] | None = None
    anchor_units: str = ""
    filled: bool = False
    text: str = ""
    anchor_visible: bool = False
    justification: str = "LEFT"
    tracking_id: str = ""
    tracking_uid: str = ""


def _floats(value: Any, what: str, path: str) -> list[float]:
    try:
        out = [float(v) for v in ([value] if isinstance(value, int | float) else value)]
    except (TypeError, ValueError) as exc:
        raise DerivedObjectError(f"{path}: {what} is not numbers: {value!r}", path=path) from exc
    if not all(math.isfinite(v) for v in out):
        raise DerivedObjectError(f"{path}: {what} has a value that is not finite", path=path)
    return out


def _units(item: Dataset, keyword: str, path: str) -> str:
    units = _s(item, keyword).upper()
    if units not in ("PIXEL", "DISPLAY"):
        raise DerivedObjectError(
            f"{path}: {keyword} is {units or 'missing'!r}; PIXEL and DISPLAY are supported",
            path=path,
        )
    return units


def _graphic(item: Dataset, scope: _Scope, layer: str, path: str) -> _RawGraphic:
    kind = _s(item, "GraphicType").upper()
    if kind not in _POINTS:
        raise DerivedObjectError(
            f"{path}: Graphic Type {kind or 'missing'!r} is not one of {', '.join(_POINTS)}",
            path=path,
        )
    units = _units(item, "GraphicAnnotationUnits", path)
    dims = item.get("GraphicDimensions", 2)
    if dims not in (None, "") and int(dims) != 2:
        raise DerivedObjectError(f"{path}: Graphic Dimensions {dims} is not 2", path=path)
    values = _floats(item.get("GraphicData"), f"the Graphic Data of a {kind}", path)
    if not values or len(values) % 2:
        raise DerivedObjectError(
            f"{path}: the Graphic Data of a {kind} has {len(values)} values, not (column, row) "
            "pairs",
            path=path,
        )
    n = len(values) // 2
    declared = item.get("NumberOfGraphicPoints")
    if declared not in (None, "") and int(declared) != n:
        raise DerivedObjectError(
            f"{path}: a {kind} declares {declared} points but its Graphic Data holds {n}",
            path=path,
        )
    wanted = _POINTS[kind]
    if wanted is not None and n != wanted:
        raise DerivedObjectError(f"{path}: a {kind} has {n} points, not {wanted}", path=path)
    points = tuple((values[2 * i], values[2 * i + 1]) for i in range(n))
    return _RawGraphic(
        scope,
        layer,
        kind,
        units,
        points,
        filled=_s(item, "GraphicFilled").upper() == "Y",
        tracking_id=_s(item, "TrackingID"),
        tracking_uid=_s(item, "TrackingUID"),
    )


def _text(item: Dataset, scope: _Scope, layer: str, path: str) -> _RawGraphic:
    text = str(item.get("UnformattedTextValue") or "")
    box: tuple[tuple[float, float], ...] = ()
    units = ""
    if "BoundingBoxTopLeftHandCorner" in item or "BoundingBoxBottomRightHandCorner" in item:
        units = _units(item, "BoundingBoxAnnotationUnits", path)
        tl = _floats(item.get("BoundingBoxTopLeftHandCorner"), "a text box corner", path)
        br = _floats(item.get("BoundingBoxBottomRightHandCorner"), "a text box corner", path)
        if len(tl) != 2 or len(br) != 2:
            raise DerivedObjectError(f"{path}: a text box corner is not (column, row)", path=path)
        box = ((tl[0], tl[1]), (br[0], br[1]))
    anchor: tuple[float, float] | None = None
    anchor_units = ""
    if "AnchorPoint" in item:
        anchor_units = _units(item, "AnchorPointAnnotationUnits", path)
        xy = _floats(item.get("AnchorPoint"), "an Anchor Point", path)
        if len(xy) != 2:
            raise DerivedObjectError(f"{path}: an Anchor Point is not (column, row)", path=path)
        anchor = (xy[0], xy[1])
    if not box and anchor is None:
        raise DerivedObjectError(
            f"{path}: the text {text!r} has neither a bounding box nor an anchor point", path=path
        )
    return _RawGraphic(
        scope,
        layer,
        "TEXT",
        units or anchor_units,
        box,
        anchor=anchor,
        anchor_units=anchor_units,
        text=text,
        anchor_visible=_s(item, "AnchorPointVisibility").upper() == "Y",
        justification=_s(item, "BoundingBoxTextHorizontalJustification").upper() or "LEFT",
        tracking_id=_s(item, "TrackingID"),
        tracking_uid=_s(item, "TrackingUID"),
    )


def _layer(item: Dataset) -> GraphicLayer:
    color: tuple[int, int, int] | None = None
    lab = item.get("GraphicLayerRecommendedDisplayCIELabValue")
    if lab is not None and len(lab) == 3:
        try:
            color = lab_to_rgb(lab)
        except (TypeError, ValueError):
            color = None
    rgb = item.get("GraphicLayerRecommendedDisplayRGBValue")  # retired, still written
    if color is None and rgb is not None and len(rgb) == 3:
        color = (int(rgb[0]) & 255, int(rgb[1]) & 255, int(rgb[2]) & 255)
    grey = item.get("GraphicLayerRecommendedDisplayGrayscaleValue")
    try:
        order = int(item.get("GraphicLayerOrder", 0) or 0)
    except (TypeError, ValueError):
        order = 0
    return GraphicLayer(
        name=_s(item, "GraphicLayer"),
        order=order,
        description=_s(item, "GraphicLayerDescription"),
        color=color,
        grayscale=int(grey) if isinstance(grey, int) else None,
    )


def _shutter(ds: Dataset, path: str) -> Shutter | None:
    raw = ds.get("ShutterShape")
    if raw in (None, ""):
        return None
    shapes = tuple(
        str(v).strip().upper() for v in ([raw] if isinstance(raw, str) else list(raw)) if v
    )
    rectangle = circle = None
    polygon: tuple[_Point, ...] = ()
    try:
        if "RECTANGULAR" in shapes:
            # 1-based edges, inclusive: the pixels between them show (C.7.6.11.1)
            left = int(ds.ShutterLeftVerticalEdge)
            right = int(ds.ShutterRightVerticalEdge)
            top = int(ds.ShutterUpperHorizontalEdge)
            bottom = int(ds.ShutterLowerHorizontalEdge)
            rectangle = (top - 1, left - 1, bottom - 1, right - 1)
        if "CIRCULAR" in shapes:
            centre = _floats(ds.CenterOfCircularShutter, "Center of Circular Shutter", path)
            radius = float(ds.RadiusOfCircularShutter)
            if len(centre) != 2 or not radius > 0:
                raise DerivedObjectError(
                    f"{path}: a circular shutter needs row\\column and a radius > 0", path=path
                )
            circle = (centre[0] - 1, centre[1] - 1, radius)  # row\column, 1-based
        if "POLYGONAL" in shapes:
            v = _floats(ds.VerticesOfThePolygonalShutter, "the polygonal shutter", path)
            if len(v) < 6 or len(v) % 2:
                raise DerivedObjectError(
                    f"{path}: a polygonal shutter needs 3 or more row\\column vertices", path=path
                )
            polygon = tuple((v[i] - 1, v[i + 1] - 1) for i in range(0, len(v), 2))
    except AttributeError as exc:
        raise DerivedObjectError(
            f"{path}: Shutter Shape {'/'.join(shapes)} without its attributes ({exc})", path=path
        ) from exc
    except (TypeError, ValueError) as exc:
        raise DerivedObjectError(f"{path}: unusable shutter attributes ({exc})", path=path) from exc
    value = ds.get("ShutterPresentationValue")
    lab = ds.get("ShutterPresentationColorCIELabValue")
    color = lab_to_rgb(lab) if lab is not None and len(lab) == 3 else None
    return Shutter(
        shapes=shapes,
        rectangle=rectangle,
        circle=circle,
        polygon=polygon,
        value=min(max(int(value), 0), 65535) if isinstance(value, int) else 0,
        color=color,
    )


class PresentationState:
    """A Grayscale Softcopy Presentation State read for display.

    Use :func:`read_presentation_state` (or the constructor with an Instance).

    Parameters
    ----------
    instance : Instance
        The GSPS file.
    catalog : Catalog, optional
        Where its images are: resolves :attr:`references` to file indices, and
        lets methods take a SOP Instance UID where they need the image.

    Attributes
    ----------
    label, description, creator : str
        Content Label, Content Description, Content Creator's Name.
    references : tuple of ImageReference
        The images it applies to (Referenced Series Sequence).
    layers : tuple of GraphicLayer
        Its graphic layers, lowest order first.
    spatial : SpatialTransform
        Image Rotation and Image Horizontal Flip.
    shutter : Shutter or None
        Its display shutter.
    presentation_lut_shape : {"IDENTITY", "INVERSE"} or None
        Presentation LUT Shape; None for a Presentation LUT Sequence (a table,
        not applied) or when absent.
    has_presentation_lut_table : bool
        Whether it has a Presentation LUT Sequence.

    Raises
    ------
    WrongObjectKindError
        The file is not a GSPS.
    DerivedObjectError
        It references no image, or a graphic, text or shutter is malformed.
    """

    def __init__(self, instance: Instance, catalog: Catalog | None = None) -> None:
        ds = instance.dataset
        path = instance.path
        self._instance = instance
        self._catalog = catalog
        if _s(ds, "SOPClassUID") != GSPS_CLASS:
            raise WrongObjectKindError(
                f"{path} is not a Grayscale Softcopy Presentation State "
                f"(SOP Class {_s(ds, 'SOPClassUID') or 'missing'})",
                path=path,
            )
        by_uid = self._uids()
        refs: list[ImageReference] = []
        for series in _items(ds, "ReferencedSeriesSequence"):
            for image in _items(series, "ReferencedImageSequence"):
                uid = _s(image, "ReferencedSOPInstanceUID")
                if uid:
                    refs.append(
                        ImageReference(
                            uid,
                            _s(image, "ReferencedSOPClassUID"),
                            _frames(image),
                            _s(series, "SeriesInstanceUID"),
                            by_uid.get(uid),
                        )
                    )
        if not refs:
            raise DerivedObjectError(f"{path}: the GSPS references no image", path=path)
        self.references: tuple[ImageReference, ...] = tuple(refs)
        self.label: str = _s(ds, "ContentLabel")
        self.description: str = _s(ds, "ContentDescription")
        self.creator: str = _s(ds, "ContentCreatorName")
        self.layers: tuple[GraphicLayer, ...] = tuple(
            sorted((_layer(i) for i in _items(ds, "GraphicLayerSequence")), key=lambda x: x.order)
        )
        try:
            rotation = int(ds.get("ImageRotation", 0) or 0)
        except (TypeError, ValueError):
            rotation = -1
        if rotation not in (0, 90, 180, 270):
            raise DerivedObjectError(
                f"{path}: Image Rotation {ds.get('ImageRotation')!r} is not 0, 90, 180 or 270",
                path=path,
            )
        self.spatial = SpatialTransform(rotation, _s(ds, "ImageHorizontalFlip").upper() == "Y")
        self.shutter: Shutter | None = _shutter(ds, path)
        shape = _s(ds, "PresentationLUTShape").upper()
        self.presentation_lut_shape: Literal["IDENTITY", "INVERSE"] | None = (
            "INVERSE" if shape == "INVERSE" else "IDENTITY" if shape == "IDENTITY" else None
        )
        self.has_presentation_lut_table: bool = bool(_items(ds, "PresentationLUTSequence"))
        self._raw: list[_RawGraphic] = []
        for annotation in _items(ds, "GraphicAnnotationSequence"):
            scope = _Scope.of(annotation)
            layer = _s(annotation, "GraphicLayer")
            for item in _items(annotation, "GraphicObjectSequence"):
                self._raw.append(_graphic(item, scope, layer, path))
            for item in _items(annotation, "TextObjectSequence"):
                self._raw.append(_text(item, scope, layer, path))
        self._voi = [(_Scope.of(i), i) for i in _items(ds, "SoftcopyVOILUTSequence")]
        self._areas = [(_Scope.of(i), i) for i in _items(ds, "DisplayedAreaSelectionSequence")]

    def __repr__(self) -> str:
        return f"<PresentationState {self.label!r} {len(self.references)} images {self.path!r}>"

    @property
    def path(self) -> str:
        """The GSPS file."""
        return self._instance.path

    @property
    def instance(self) -> Instance:
        """The GSPS file as an :class:`Instance`."""
        return self._instance

    def _uids(self) -> dict[str, int]:
        if self._catalog is None:
            return {}
        return {h.sop_instance_uid: i for i, h in enumerate(self._catalog.headers)}

    def missing_sources(self) -> list[str]:
        """Referenced SOP Instance UIDs the catalog does not have (all, without a catalog)."""
        return sorted({r.sop_instance_uid for r in self.references if r.index is None})

    # -- which image -----------------------------------------------------------------

    def _check(self, uid: str, frame: int) -> None:
        for ref in self.references:
            if ref.sop_instance_uid == uid and (not ref.frames or frame in ref.frames):
                return
        named = any(r.sop_instance_uid == uid for r in self.references)
        raise MissingSourceError(
            f"{self.path} does not apply to "
            + (f"frame {frame} of {uid}" if named else f"the image {uid}"),
            path=self.path,
        )

    def _source(self, source: Instance | str) -> Instance:
        if not isinstance(source, str):
            return source
        if self._catalog is not None:
            # the same choice as references.find_references when a UID is in the
            # catalog twice (a copy of the file, say)
            index = self._uids().get(source)
            if index is not None:
                return self._catalog[index]
        raise MissingSourceError(
            f"{self.path}: the image {source} is not in the catalog (pass the Instance)",
            path=self.path,
        )

    def applies_to(self, source: Instance | str, frame: int = 0) -> bool:
        """Whether the state references this image (and frame)."""
        uid = source if isinstance(source, str) else source.sop_instance_uid
        try:
            self._check(uid, frame)
        except MissingSourceError:
            return False
        return True

    # -- per image ---------------------------------------------------------------------

    def displayed_area(self, source: Instance | str, frame: int = 0) -> DisplayedArea:
        """The displayed area for an image frame; the whole image when none is given.

        Raises
        ------
        MissingSourceError
            The state does not reference the image (or frame); or `source` is a
            UID, no item names it and the catalog does not have it.
        """
        uid = source if isinstance(source, str) else source.sop_instance_uid
        self._check(uid, frame)
        for scope, item in self._areas:
            if scope.covers(uid, frame) and "DisplayedAreaTopLeftHandCorner" in item:
                tl = _floats(item.DisplayedAreaTopLeftHandCorner, "a displayed area", self.path)
                br = _floats(
                    item.get("DisplayedAreaBottomRightHandCorner"), "a displayed area", self.path
                )
                if len(tl) != 2 or len(br) != 2:
                    raise DerivedObjectError(
                        f"{self.path}: a displayed area corner is not column\\row", path=self.path
                    )
                spacing = item.get("PresentationPixelSpacing")
                aspect = item.get("PresentationPixelAspectRatio")
                magnification = item.get("PresentationPixelMagnificationRatio")
                return DisplayedArea(
                    top_left=(int(tl[1]) - 1, int(tl[0]) - 1),
                    bottom_right=(int(br[1]) - 1, int(br[0]) - 1),
                    size_mode=_s(item, "PresentationSizeMode") or "SCALE TO FIT",
                    pixel_spacing=(float(spacing[0]), float(spacing[1]))
                    if spacing is not None and len(spacing) == 2
                    else None,
                    aspect_ratio=(int(aspect[0]), int(aspect[1]))
                    if aspect is not None and len(aspect) == 2
                    else None,
                    magnification=float(magnification) if magnification is not None else None,
                )
        image = self._source(source)
        return DisplayedArea((0, 0), (image.rows - 1, image.columns - 1))

    def window(self, source: Instance | str, frame: int = 0) -> Window | None:
        """The state's VOI for an image frame (window or VOI LUT), None when it gives none.

        Raises
        ------
        MissingSourceError
            The state does not reference the image (or frame).
        """
        from dcmview.sdk.window import Window

        uid = source if isinstance(source, str) else source.sop_instance_uid
        self._check(uid, frame)
        for scope, item in self._voi:
            if scope.covers(uid, frame):
                # A Softcopy VOI LUT item holds a VOI LUT Module (PS3.3 C.11.8).
                found = Window.from_dataset(item)
                if found is not None:
                    return found
        return None

    def modality_lut(self) -> tuple[float, float, str] | None:
        """The state's rescale ``(slope, intercept, type)``, or None when it has none.

        A Modality LUT Sequence is reported as ``(1.0, 0.0, its type)``: it is
        applied by :meth:`apply` all the same.
        """
        ds = self._instance.dataset
        item = first_item(ds, "ModalityLUTSequence")
        if item is not None:
            return (1.0, 0.0, _s(item, "ModalityLUTType"))
        if "RescaleSlope" not in ds and "RescaleIntercept" not in ds:
            return None
        slope = _floats(ds.get("RescaleSlope", 1.0), "Rescale Slope", self.path)
        intercept = _floats(ds.get("RescaleIntercept", 0.0), "Rescale Intercept", self.path)
        return (slope[0], intercept[0], _s(ds, "RescaleType"))

    def _points(
        self, xy: Sequence[tuple[float, float]], units: str, source: Instance | str, frame: int
    ) -> tuple[_Point, ...]:
        """File ``(x, y)`` in `units` -> ``(row, column)`` pixel centres of the image."""
        pts = np.asarray(xy, dtype=np.float64).reshape(-1, 2)
        if units == "DISPLAY":
            pts = self._display_to_corner(pts, self._source(source), frame)
        return tuple(_pair(p) for p in corner_to_centre(pts))

    def _display_to_corner(self, uv: ArrayF64, image: Instance, frame: int) -> ArrayF64:
        """DISPLAY ``(x, y)`` (0..1 of the displayed area, after rotation/flip) -> image corners."""
        area = self.displayed_area(image, frame)
        rows, columns = float(image.rows), float(image.columns)
        (r0, c0), (r1, c1) = area.top_left, area.bottom_right
        # the displayed area's outer corners in the image, then where they are shown
        xs = (min(c0, c1), max(c0, c1) + 1.0)
        ys = (min(r0, r1), max(r0, r1) + 1.0)
        corners = np.array([[x, y] for x in xs for y in ys], dtype=np.float64)
        shown = self.spatial._forward(corners, columns, rows)
        lo, hi = shown.min(axis=0), shown.max(axis=0)
        displayed = lo + uv * (hi - lo)
        return self.spatial._inverse(displayed, columns, rows)

    def annotations(self, source: Instance | str, frame: int = 0) -> Annotations:
        """The graphics and texts the state draws on one image frame, in its pixels.

        Parameters
        ----------
        source : Instance or str
            The image (a SOP Instance UID needs the image in the catalog only
            when an annotation is in DISPLAY units).
        frame : int
            0-based frame.

        Raises
        ------
        MissingSourceError
            The state does not reference the image (or frame).
        """
        uid = source if isinstance(source, str) else source.sop_instance_uid
        self._check(uid, frame)
        graphics: list[GraphicObject] = []
        texts: list[TextObject] = []
        for raw in self._raw:
            if not raw.scope.covers(uid, frame):
                continue

            def pixels(xy: Sequence[tuple[float, float]], units: str) -> tuple[_Point, ...]:
                return self._points(xy, units, source, frame)

            if raw.kind == "TEXT":
                box = pixels(raw.data, raw.units) if raw.data else ()
                anchor = pixels([raw.anchor], raw.anchor_units)[0] if raw.anchor else None
                texts.append(
                    TextObject(
                        text=raw.text,
                        box=(box[0], box[1]) if box else None,
                        anchor=anchor,
                        anchor_visible=raw.anchor_visible,
                        justification=raw.justification,
                        layer=raw.layer,
                        units=raw.units,
                        tracking_id=raw.tracking_id,
                        tracking_uid=raw.tracking_uid,
                    )
                )
            else:
                graphics.append(
                    GraphicObject(
                        type=raw.kind,  # type: ignore[arg-type]  # checked against _POINTS
                        points=pixels(raw.data, raw.units),
                        filled=raw.filled,
                        layer=raw.layer,
                        units=raw.units,
                        tracking_id=raw.tracking_id,
                        tracking_uid=raw.tracking_uid,
                    )
                )
        return Annotations(uid, frame, self.layers, tuple(graphics), tuple(texts))

    def shutter_mask(self, source: Instance | str, frame: int = 0) -> npt.NDArray[np.bool_]:
        """True where the image frame shows, False behind a shutter (all True without one).

        Raises
        ------
        MissingSourceError
            The state does not reference the image (or frame).
        """
        uid = source if isinstance(source, str) else source.sop_instance_uid
        self._check(uid, frame)
        image = self._source(source)
        if self.shutter is None:
            return np.ones((image.rows, image.columns), dtype=np.bool_)
        return self.shutter.mask(image.rows, image.columns)

    # -- rendering ---------------------------------------------------------------------

    def _view(self, image: Instance) -> Dataset:
        """The image's header with the state's Modality LUT and Presentation LUT Shape.

        A new Dataset over the same elements: the image's own is not changed.
        Elements are replaced, never mutated (they are shared).
        """
        from pydicom import Dataset
        from pydicom.dataelem import DataElement

        ds = image.dataset
        view = Dataset(dict(ds.items()))
        own = self._instance.dataset
        in_groups = any(
            "PixelValueTransformationSequence" in g
            for k in range(image.number_of_frames)
            for g in functional_groups(ds, k)
        )
        # PS3.3 C.11.1: a state's Modality LUT does not apply to images that keep
        # theirs in functional groups (enhanced multi-frame).
        if self.modality_lut() is not None and not in_groups:
            for keyword in (
                "RescaleSlope",
                "RescaleIntercept",
                "RescaleType",
                "ModalityLUTSequence",
            ):
                if keyword in view:
                    del view[keyword]
                if keyword in own:
                    view[keyword] = own[keyword]
        if self.presentation_lut_shape is None and not self.has_presentation_lut_table:
            return view  # no Presentation LUT at all: the image's own inversion stays
        # The state's Presentation LUT decides the inversion (PS3.4 N.2), not the
        # image's MONOCHROME1; a table (not applied) is shown as IDENTITY.
        if _s(ds, "PhotometricInterpretation").upper() == "MONOCHROME1":
            view["PhotometricInterpretation"] = DataElement(0x00280004, "CS", "MONOCHROME2")
        shape = self.presentation_lut_shape or "IDENTITY"
        view["PresentationLUTShape"] = DataElement(0x20500020, "CS", shape)
        return view

    def apply(
        self,
        source: Instance | str,
        frame: int = 0,
        *,
        spatial: bool = False,
        shutters: bool = True,
        level: int = 0,
    ) -> ArrayU8:
        """Render an image frame as the state says: its VOI, inversion and shutters.

        Parameters
        ----------
        source : Instance or str
            The image (a UID needs the catalog).
        frame : int
            0-based frame.
        spatial : bool
            Also rotate and flip (:attr:`spatial`); off by default, so the result
            stays in the image's pixel coordinates, where :meth:`annotations` are.
        shutters : bool
            Paint the area behind the shutters with the shutter's grey.
        level : int
            The resolution level (see :meth:`Frame.array <dcmview.sdk.frame.Frame.array>`);
            shutters are scaled to it.

        Returns
        -------
        numpy.ndarray
            uint8, (rows, columns), or (rows, columns, 3) for a colour image.

        Raises
        ------
        MissingSourceError
            The state does not reference the image (or frame), or a UID not in
            the catalog.
        """
        from dcmview.sdk import display

        image = self._source(source)
        self._check(image.sop_instance_uid, frame)
        voi = self.window(image, frame)
        stored = image.frame(frame).array(level)
        out, _used = display.render(stored, self._view(image), frame, voi)
        if shutters and self.shutter is not None:
            mask = self.shutter.mask(image.rows, image.columns)
            if mask.shape != out.shape[:2]:
                # a reduced level: sample the full-size mask at the level's pixel centres
                rs = (np.arange(out.shape[0]) * image.rows) // out.shape[0]
                cs = (np.arange(out.shape[1]) * image.columns) // out.shape[1]
                mask = mask[np.ix_(rs, cs)]
            out = out.copy() if not out.flags.writeable else out
            out[~mask] = (
                self.shutter.color if out.ndim == 3 and self.shutter.color else (self.shutter.grey)
            )
        return self.spatial.apply(out) if spatial else out

    def to_json(self, source: Instance | str | None = None, frame: int = 0) -> dict[str, Any]:
        """A JSON-ready summary; with `source`, also what it does to that image frame."""
        out: dict[str, Any] = {
            "path": self.path,
            "sop_instance_uid": self._instance.sop_instance_uid,
            "label": self.label,
            "description": self.description,
            "creator": self.creator,
            "references": [r.to_json() for r in self.references],
            "missing_sources": self.missing_sources() if self._catalog is not None else [],
            "layers": [x.to_json() for x in self.layers],
            "spatial": self.spatial.to_json(),
            "shutter": self.shutter.to_json() if self.shutter else None,
            "presentation_lut_shape": self.presentation_lut_shape,
            "presentation_lut_table": self.has_presentation_lut_table,
            "modality_lut": list(m) if (m := self.modality_lut()) else None,
        }
        if source is not None:
            window = self.window(source, frame)
            out["image"] = {
                "annotations": self.annotations(source, frame).to_json(),
                "window": None
                if window is None
                else {
                    "center": window.center,
                    "width": window.width,
                    "function": window.function,
                    "lut": window.lut is not None,
                },
                "displayed_area": self.displayed_area(source, frame).to_json(),
            }
        return out


def read_presentation_state(
    source: Instance | StrPath, catalog: Catalog | None = None
) -> PresentationState:
    """Read a GSPS file (or an opened Instance) for display.

    Parameters
    ----------
    source : Instance or str or os.PathLike
        The presentation state.
    catalog : Catalog, optional
        Where its images are (see :class:`PresentationState`).

    Returns
    -------
    PresentationState

    Raises
    ------
    WrongObjectKindError, DerivedObjectError
        Not a GSPS, or a broken one; the message names the file.
    InvalidPathError, NotDicomError
        As :func:`dcmview.sdk.open`.
    """
    from dcmview.sdk.instance import Instance, open

    inst = source if isinstance(source, Instance) else open(source)
    return PresentationState(inst, catalog)
