"""Vector and bitmap layers on one image frame of a catalog: GSPS graphics, RT contours, 60xx.

- :func:`graphic_annotations`: what presentation state file S draws on frame f of
  image i, in the predecessor's JSON shape (points ``[x, y]`` with the top-left
  corner of the image at ``(0, 0)``, as DICOM's Graphic Data in PIXEL units)
  beside the SDK's own (``annotations``: ``(row, column)`` pixel centres).
- :func:`rt_contours`: the ROI contours of the catalog's RT Structure Sets that
  lie on frame f of image i, as ``(row, column)`` polygons (beyond the predecessor).
- :func:`presentation_layer`: the image's Overlay Planes (60xx) on frame f, as
  an RGBA bitmap of the frame's size, transparent where no overlay is set (the
  predecessor's ``/presentation-layer``).
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial
from typing import TYPE_CHECKING, Any

import numpy as np

from dcmview.sdk._types import ArrayU8
from dcmview.sdk.errors import NoPixelDataError, WrongObjectKindError
from dcmview.sdk.value_overlays import check_frame, read_cached

if TYPE_CHECKING:  # pragma: no cover
    from dcmview.sdk.catalog import Catalog
    from dcmview.sdk.presentation import PresentationState
    from dcmview.sdk.roi import Roi
    from dcmview.sdk.rtstruct import StructureSet

__all__ = [
    "OVERLAY_COLOUR",
    "graphic_annotations",
    "presentation_layer",
    "presentation_layer_png",
    "rt_contours",
]

RT_STRUCTURE_SET_CLASS = "1.2.840.10008.5.1.4.1.1.481.3"
#: RGBA of a set Overlay Plane pixel (PS3.3 C.9.2 leaves the colour to the viewer).
OVERLAY_COLOUR = (255, 255, 255, 255)


def _xy(point: tuple[float, float] | None) -> list[float] | None:
    """``(row, column)`` pixel centre -> ``[x, y]`` from the image's top-left corner."""
    if point is None:
        return None
    return [round(point[1] + 0.5, 4), round(point[0] + 0.5, 4)]


def graphic_annotations(catalog: Catalog, index: int, frame: int, state: int) -> dict[str, Any]:
    """What presentation state file `state` draws on frame `frame` of image file `index`.

    Parameters
    ----------
    catalog : Catalog
        Where both files are.
    index, frame : int
        The image file and its 0-based frame.
    state : int
        The presentation state file.

    Returns
    -------
    dict
        ``layers``, ``graphics`` (``item``, ``layer``, ``graphic_type``,
        ``points``, ``filled``), ``texts`` (``item``, ``layer``, ``text``,
        ``bounding_box``, ``anchor``, ``anchor_visible``, ``justification``),
        ``skipped`` (the predecessor's counts: nothing is skipped here, DISPLAY
        units are converted) and ``annotations`` (:meth:`Annotations.to_json`,
        or None when the state does not apply to the frame), and ``presentation``
        (:meth:`PresentationState.display_settings
        <dcmview.sdk.presentation.PresentationState.display_settings>`: the
        window, inversion, rotation, flip, displayed area and shutters it sets
        for the frame, or None when it does not apply). ``item`` is None: the
        SDK does not keep which Graphic Annotation item a graphic came from.

    Raises
    ------
    NotFoundError, FrameIndexError
        An index or the frame is out of range.
    WrongObjectKindError, DerivedObjectError
        File `state` is not a presentation state, or a broken one.
    """
    from dcmview.sdk.presentation import read_presentation_state

    h = catalog.header(state)
    check_frame(catalog, index, frame)
    ps: PresentationState = read_cached(
        "gsps", h.path, lambda: read_presentation_state(catalog[state], catalog)
    )
    layers = [
        {
            "name": x.name,
            "order": x.order,
            "description": x.description or None,
            "color": list(x.color) if x.color else None,
        }
        for x in ps.layers
    ]
    image = catalog[index]
    if not image.has_pixels or not ps.applies_to(image, frame):
        body: dict[str, Any] = {"layers": layers, "graphics": [], "texts": []}
        body["skipped"] = _nothing_skipped()
        body["annotations"] = None
        body["presentation"] = None
        return body
    found = ps.annotations(image, frame)
    graphics = [
        {
            "item": None,
            "layer": g.layer,
            "graphic_type": g.type.lower(),
            "points": [_xy(p) for p in g.points],
            "filled": g.filled,
        }
        for g in found.graphics
    ]
    texts = [
        {
            "item": None,
            "layer": t.layer,
            "text": t.text,
            "bounding_box": [_xy(p) for p in t.box] if t.box else None,
            "justification": t.justification or None,
            "anchor": _xy(t.anchor),
            "anchor_visible": t.anchor_visible,
        }
        for t in found.texts
    ]
    return {
        "layers": layers,
        "graphics": graphics,
        "texts": texts,
        "skipped": _nothing_skipped(),
        "annotations": found.to_json(),
        # beyond the predecessor: its window, inversion, rotation/flip, area, shutters
        "presentation": ps.display_settings(image, frame),
    }


def _nothing_skipped() -> dict[str, int]:
    return {"display_units": 0, "matrix_units": 0, "malformed": 0, "masked_text": 0}


def rt_contours(
    catalog: Catalog, index: int, frame: int, structure_set: int | None = None
) -> dict[str, Any]:
    """The RT Structure Set contours on frame `frame` of image file `index`.

    Parameters
    ----------
    catalog : Catalog
        Where the image and its structure sets are.
    index, frame : int
        The image file and its 0-based frame.
    structure_set : int, optional
        Only this RTSTRUCT file (it need not name the image: it is placed by plane).

    Returns
    -------
    dict
        ``file_index``, ``frame_index`` and ``structure_sets``: per RTSTRUCT its
        ``file_index``, ``label``, ``name`` and ``contours``
        (:meth:`ImageContour.to_json <dcmview.sdk.rtstruct.ImageContour.to_json>`:
        ``roi_number``, ``roi_name``, ``color``, ``geometric_type``,
        ``matched_by``, ``points`` as ``[row, column]``).

    Raises
    ------
    NotFoundError, FrameIndexError
        An index or the frame is out of range.
    WrongObjectKindError
        File `structure_set` is not an RT Structure Set.
    ImageGeometryError
        The frame has no plane geometry.
    StructureSetError
        A structure set is broken.
    """
    from dcmview.sdk.references import find_references

    check_frame(catalog, index, frame)
    if structure_set is not None:
        h = catalog.header(structure_set)
        if h.sop_class_uid != RT_STRUCTURE_SET_CLASS:
            raise WrongObjectKindError(
                f"file {structure_set} is not an RT Structure Set "
                f"(SOP Class {h.sop_class_uid or 'missing'})",
                path=h.path,
            )
        sets = [structure_set]
    else:
        refs = find_references(catalog, index)
        sets = [r.index for r in refs.referenced_by if r.kind == "RTSTRUCT" and r.index is not None]
    image = catalog[index]
    if not image.has_pixels:
        raise NoPixelDataError(
            f"file {index} has no pixel data to draw contours on", path=image.path
        )
    out = []
    for j in sets:
        path = catalog.header(j).path
        ss: StructureSet = read_cached("rtstruct", path, partial(_read_rtstruct, catalog, j))
        out.append(
            {
                "file_index": j,
                "label": ss.label,
                "name": ss.name,
                "contours": [c.to_json() for c in ss.contours_for(image, frame)],
            }
        )
    return {"file_index": index, "frame_index": frame, "structure_sets": out}


def _read_rtstruct(catalog: Catalog, index: int) -> StructureSet:
    from dcmview.sdk.rtstruct import read_structure_set

    return read_structure_set(catalog[index])


def presentation_layer_png(
    catalog: Catalog, index: int, frame: int, redactions: Sequence[Roi] = ()
) -> bytes:
    """:func:`presentation_layer` as an RGBA PNG (the HTTP answer)."""
    from dcmview.sdk._png import encode_png

    return encode_png(presentation_layer(catalog, index, frame, redactions))


def presentation_layer(
    catalog: Catalog, index: int, frame: int, redactions: Sequence[Roi] = ()
) -> ArrayU8:
    """The Overlay Planes (60xx) of file `index` on frame `frame`, as RGBA.

    Parameters
    ----------
    catalog : Catalog
        Where the file is.
    index, frame : int
        The image file and its 0-based frame.
    redactions : sequence of Roi
        Redaction boxes (full-resolution pixel indices) of the frame
        (:meth:`Frame.boxes <dcmview.sdk.frame.Frame.boxes>`): the layer is
        transparent under them, because an overlay plane can hold burned-in
        text (a name, an ID) just as the pixels can.

    Returns
    -------
    numpy.ndarray
        uint8 (rows, columns, 4): :data:`OVERLAY_COLOUR` where an overlay that
        applies to the frame is set, transparent elsewhere (all transparent
        without overlays).

    Raises
    ------
    NotFoundError, FrameIndexError
        The index or the frame is out of range.
    NoPixelDataError
        The file has no pixel data (no frames to lay overlays on).
    UnsupportedOverlayError, OverlayDataError
        An overlay stored in a way that cannot be read.
    """
    from dcmview.sdk.overlay import read_overlays

    h = catalog.header(index)
    if not h.has_pixels:
        raise NoPixelDataError(f"file {index} has no pixel data", path=h.path)
    image = catalog[index]
    image.frame(frame)
    shape = (image.rows, image.columns)
    out = np.zeros((*shape, 4), dtype=np.uint8)
    for plane in read_overlays(image):
        if plane.applies_to(frame):
            out[plane.mask(frame, shape=shape)] = OVERLAY_COLOUR
    for b in redactions:
        out[b.ymin : b.ymax + 1, b.xmin : b.xmax + 1] = 0
    return out
