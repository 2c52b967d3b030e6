"""The small typed values of a presentation state: references, layers, graphics, shutters."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from dcmview.sdk._types import ArrayF64

if TYPE_CHECKING:  # pragma: no cover
    import numpy.typing as npt

GraphicType = Literal["POINT", "POLYLINE", "INTERPOLATED", "CIRCLE", "ELLIPSE"]
# How many points each graphic type has (None: any number >= 1), PS3.3 C.10.5.1.2.
POINTS: dict[str, int | None] = {
    "POINT": 1,
    "POLYLINE": None,
    "INTERPOLATED": None,
    "CIRCLE": 2,
    "ELLIPSE": 4,
}
Point = tuple[float, float]


def pair(rc: Sequence[float]) -> Point:
    return (float(rc[0]), float(rc[1]))


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
    points: tuple[Point, ...]
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
    box: tuple[Point, Point] | None = None
    anchor: Point | None = None
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
        ``(row, column)`` vertices: pixels whose centre is inside or on the outline
        show (as the rectangle's edge pixels and the circle's rim do).
    value : int
        Shutter Presentation Value, the P-value (0..65535) of the hidden area;
        when the file gives only Shutter Presentation Color CIELab Value, its L*
        (0..65535 for 0..100: P-values are perceptually linear, as L* is); 0
        (black) when it gives neither.
    color : (int, int, int) or None
        sRGB of Shutter Presentation Color CIELab Value, when given.
    """

    shapes: tuple[str, ...] = ()
    rectangle: tuple[int, int, int, int] | None = None
    circle: tuple[float, float, float] | None = None
    polygon: tuple[Point, ...] = ()
    value: int = 0
    color: tuple[int, int, int] | None = None

    @property
    def grey(self) -> int:
        """:attr:`value` as an 8-bit grey level (0..255)."""
        return round(self.value * 255 / 65535)

    def fill(self, colour_image: bool) -> tuple[int, int, int]:
        """sRGB of the hidden area: the CIELab colour on a colour image, else the grey.

        PS3.3 C.7.6.11: the colour is for a colour display, the P-value for a grey
        one; a greyscale image goes through the grey pipeline (PS3.4 N.2).
        """
        if colour_image and self.color is not None:
            return self.color
        return (self.grey,) * 3

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
            shown &= polygon_mask(self.polygon, rows, columns) | _on_outline(
                self.polygon, rows, columns
            )
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


def _on_outline(vertices: Sequence[Point], rows: int, columns: int) -> npt.NDArray[np.bool_]:
    """Pixels whose centre lies on a polygon's outline (its closing edge included)."""
    out = np.zeros((rows, columns), dtype=np.bool_)
    r = np.arange(rows, dtype=np.float64)[:, None]
    c = np.arange(columns, dtype=np.float64)[None, :]
    eps = 1e-9
    for k, (r0, c0) in enumerate(vertices):
        r1, c1 = vertices[(k + 1) % len(vertices)]
        # Collinear with the edge (cross product 0) and within its bounding box.
        cross = (r - r0) * (c1 - c0) - (c - c0) * (r1 - r0)
        on = np.abs(cross) <= eps * max(abs(r1 - r0), abs(c1 - c0), 1.0)
        on &= (min(r0, r1) - eps <= r) & (r <= max(r0, r1) + eps)
        on &= (min(c0, c1) - eps <= c) & (c <= max(c0, c1) + eps)
        out |= on
    return out


def polygon_mask(vertices: Sequence[Point], rows: int, columns: int) -> npt.NDArray[np.bool_]:
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
