"""Reading a GSPS's items: scopes, graphics and texts as written, layers, shutters."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from dcmview.sdk._derived import lab_to_rgb, text as _s
from dcmview.sdk._framegroups import is_dataset
from dcmview.sdk.errors import DerivedObjectError
from dcmview.sdk.presentation._values import POINTS, GraphicLayer, Point, Shutter

if TYPE_CHECKING:  # pragma: no cover
    from pydicom import Dataset

    from dcmview.sdk._types import StrPath
    from dcmview.sdk.instance import Instance


def items(ds: Dataset, keyword: str) -> list[Dataset]:
    return [i for i in ds.get(keyword) or [] if is_dataset(i)]


def frames(item: Dataset) -> tuple[int, ...]:
    numbers = item.get("ReferencedFrameNumber")
    if numbers in (None, ""):
        return ()
    values = [numbers] if isinstance(numbers, int | float | str) else list(numbers)
    try:
        return tuple(int(n) - 1 for n in values)
    except (TypeError, ValueError):
        return ()


@dataclass(frozen=True, slots=True)
class Scope:
    """The images an item applies to: None for every image of the state."""

    images: tuple[tuple[str, tuple[int, ...]], ...] | None

    @classmethod
    def of(cls, item: Dataset) -> Scope:
        refs = items(item, "ReferencedImageSequence")
        if not refs:
            return cls(None)
        return cls(tuple((_s(r, "ReferencedSOPInstanceUID"), frames(r)) for r in refs))

    def covers(self, uid: str, frame: int) -> bool:
        if self.images is None:
            return True
        return any(u == uid and (not frames or frame in frames) for u, frames in self.images)


@dataclass(frozen=True, slots=True)
class RawGraphic:
    """A graphic or text as written: file coordinates ``(x, y)``, units, scope."""

    scope: Scope
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


def floats(value: Any, what: str, path: str) -> list[float]:
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


def read_graphic(item: Dataset, scope: Scope, layer: str, path: str) -> RawGraphic:
    kind = _s(item, "GraphicType").upper()
    if kind not in POINTS:
        raise DerivedObjectError(
            f"{path}: Graphic Type {kind or 'missing'!r} is not one of {', '.join(POINTS)}",
            path=path,
        )
    units = _units(item, "GraphicAnnotationUnits", path)
    dims = item.get("GraphicDimensions", 2)
    if dims not in (None, "") and int(dims) != 2:
        raise DerivedObjectError(f"{path}: Graphic Dimensions {dims} is not 2", path=path)
    values = floats(item.get("GraphicData"), f"the Graphic Data of a {kind}", path)
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
    wanted = POINTS[kind]
    if wanted is not None and n != wanted:
        raise DerivedObjectError(f"{path}: a {kind} has {n} points, not {wanted}", path=path)
    points = tuple((values[2 * i], values[2 * i + 1]) for i in range(n))
    return RawGraphic(
        scope,
        layer,
        kind,
        units,
        points,
        filled=_s(item, "GraphicFilled").upper() == "Y",
        tracking_id=_s(item, "TrackingID"),
        tracking_uid=_s(item, "TrackingUID"),
    )


def read_text(item: Dataset, scope: Scope, layer: str, path: str) -> RawGraphic:
    text = str(item.get("UnformattedTextValue") or "")
    box: tuple[tuple[float, float], ...] = ()
    units = ""
    if "BoundingBoxTopLeftHandCorner" in item or "BoundingBoxBottomRightHandCorner" in item:
        units = _units(item, "BoundingBoxAnnotationUnits", path)
        tl = floats(item.get("BoundingBoxTopLeftHandCorner"), "a text box corner", path)
        br = floats(item.get("BoundingBoxBottomRightHandCorner"), "a text box corner", path)
        if len(tl) != 2 or len(br) != 2:
            raise DerivedObjectError(f"{path}: a text box corner is not (column, row)", path=path)
        box = ((tl[0], tl[1]), (br[0], br[1]))
    anchor: tuple[float, float] | None = None
    anchor_units = ""
    if "AnchorPoint" in item:
        anchor_units = _units(item, "AnchorPointAnnotationUnits", path)
        xy = floats(item.get("AnchorPoint"), "an Anchor Point", path)
        if len(xy) != 2:
            raise DerivedObjectError(f"{path}: an Anchor Point is not (column, row)", path=path)
        anchor = (xy[0], xy[1])
    if not box and anchor is None:
        raise DerivedObjectError(
            f"{path}: the text {text!r} has neither a bounding box nor an anchor point", path=path
        )
    return RawGraphic(
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


def read_layer(item: Dataset) -> GraphicLayer:
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


def read_shutter(ds: Dataset, path: str) -> Shutter | None:
    raw = ds.get("ShutterShape")
    if raw in (None, ""):
        return None
    shapes = tuple(
        str(v).strip().upper() for v in ([raw] if isinstance(raw, str) else list(raw)) if v
    )
    rectangle = circle = None
    polygon: tuple[Point, ...] = ()
    try:
        if "RECTANGULAR" in shapes:
            # 1-based edges, inclusive: the pixels between them show (C.7.6.11.1)
            left = int(ds.ShutterLeftVerticalEdge)
            right = int(ds.ShutterRightVerticalEdge)
            top = int(ds.ShutterUpperHorizontalEdge)
            bottom = int(ds.ShutterLowerHorizontalEdge)
            if right < left or bottom < top:
                # No pixel would show: a writer's mistake, not a shutter to hide all behind.
                raise DerivedObjectError(
                    f"{path}: the rectangular shutter is empty (Shutter Left/Right Vertical "
                    f"Edge {left}/{right}, Upper/Lower Horizontal Edge {top}/{bottom})",
                    path=path,
                )
            rectangle = (top - 1, left - 1, bottom - 1, right - 1)
        if "CIRCULAR" in shapes:
            centre = floats(ds.CenterOfCircularShutter, "Center of Circular Shutter", path)
            radius = float(ds.RadiusOfCircularShutter)
            if len(centre) != 2 or not radius > 0:
                raise DerivedObjectError(
                    f"{path}: a circular shutter needs row\\column and a radius > 0", path=path
                )
            circle = (centre[0] - 1, centre[1] - 1, radius)  # row\column, 1-based
        if "POLYGONAL" in shapes:
            v = floats(ds.VerticesOfThePolygonalShutter, "the polygonal shutter", path)
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
    lab_ok = lab is not None and not isinstance(lab, str | bytes) and len(lab) == 3
    color = lab_to_rgb(lab) if lab_ok else None
    if isinstance(value, int):
        p_value = min(max(value, 0), 65535)
    elif lab_ok and isinstance(lab[0], int):
        # Only the colour given: on a grey display its L* (0..65535 for 0..100) is the
        # P-value; P-values are perceptually linear, as L* is (PS3.14). The predecessor
        # draws the image's own shutter this way.
        p_value = min(max(int(lab[0]), 0), 65535)
    else:
        p_value = 0
    return Shutter(
        shapes=shapes,
        rectangle=rectangle,
        circle=circle,
        polygon=polygon,
        value=p_value,
        color=color,
    )


def read_display_shutter(source: Instance | Dataset | StrPath) -> Shutter | None:
    """The Display Shutter of an image itself (PS3.3 C.7.6.11), or None without one.

    The same attributes as a presentation state's shutter (DX, MG, CR and XA images
    often carry one), read by the same code.

    Parameters
    ----------
    source : Instance, pydicom.Dataset or path-like
        The image.

    Returns
    -------
    Shutter or None
        None when the image has no Shutter Shape (0018,1600).

    Raises
    ------
    DerivedObjectError
        A shape it names without the attributes that place it, or unusable values
        (the message names the file).
    """
    from dcmview.sdk._derived import dataset_of

    ds, path = dataset_of(source)
    return read_shutter(ds, path or "the data set")
