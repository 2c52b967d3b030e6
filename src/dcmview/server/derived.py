"""ROUTES of the derived objects (SEG, RT, maps, presentation states): references, overlays.

Each endpoint parses, makes one SDK call (:mod:`dcmview.sdk.references`,
:mod:`dcmview.sdk.seg_overlays`, :mod:`dcmview.sdk.value_overlays`,
:mod:`dcmview.sdk.image_layers`, :mod:`dcmview.sdk.semantic`) and answers; reading
the derived objects is file I/O and pixel work, so it runs off the event loop (the
bitmaps and values in the decode pool, like a frame). :mod:`dcmview.server.app`
mounts these beside :data:`dcmview.server.routes.ROUTES`.

Cache keys: ``("seg-overlay", path, frame, segmentation, segments)``, kept only once the
scan is complete (a SEG found later would change the answer);
``("dose-overlay" | "dose-values" | "pmap-overlay" | "pmap-values", path, frame,
object path)``, which depend on the two files only; ``("presentation-layer", path,
frame, boxes)``, `boxes` the frame's redaction boxes as in :mod:`dcmview.server.frames`
(dropped with the frame's other pixel answers when they change).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import TYPE_CHECKING

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from dcmview.sdk.errors import InvalidInputError
from dcmview.sdk.image_layers import graphic_annotations, presentation_layer_png, rt_contours
from dcmview.sdk.references import find_references
from dcmview.sdk.seg_overlays import segmentation_overlay_png
from dcmview.sdk.semantic import semantic_context, value_mapping
from dcmview.sdk.value_overlays import ValueLayer, dose_on_frame, parametric_map_on_frame
from dcmview.server import privacy, schemas
from dcmview.server.privacy import mask_paths
from dcmview.server.routes import _json_offloaded, _non_negative, _path_int, _state
from dcmview.server.transport import ChunkedResponse

if TYPE_CHECKING:
    from dcmview.sdk.catalog import Catalog
    from dcmview.sdk.references import Reference, References
    from dcmview.sdk.roi import Roi

__all__ = ["ROUTES", "references_body", "semantic_body"]


def references_body(catalog: Catalog, index: int, refs: References) -> schemas.ReferencesBody:
    """The JSON of ``GET /api/file/:i/references``: the predecessor's fields, then ours.

    The predecessor lists each instance referred to once, with the catalog files
    that are it (``matches``; frames 0-based, all of a file's frames when the
    reference names none).
    """
    # The SDK lists an instance once per path of sequences naming it (the series
    # list, then Source Image Sequence with frames): one entry, the frames of all.
    frames_of: dict[str, set[int]] = {}
    first: dict[str, Reference] = {}
    for r in refs.refers_to:
        if r.sop_instance_uid:
            first.setdefault(r.sop_instance_uid, r)
            frames_of.setdefault(r.sop_instance_uid, set()).update(r.frames)
    entries: list[schemas.ReferenceEntry] = []
    for uid, r in first.items():
        named = sorted(frames_of[uid])
        matches: list[schemas.ReferenceMatch] = []
        if r.index is not None:
            count = max(catalog.header(r.index).number_of_frames, 1)
            matches.append(
                {
                    "file_index": r.index,
                    "path": r.path or "",
                    "sop_instance_uid": uid,
                    "frame_indices": named or list(range(count)),
                }
            )
        entries.append(
            {
                "relationship": "source_image",
                "target": {
                    "sop_class_uid": r.sop_class_uid,
                    "sop_instance_uid": uid,
                    "series_instance_uid": r.series_instance_uid,
                    "frame_numbers": [f + 1 for f in named],
                    "segment_numbers": [],
                },
                "matches": matches,
            }
        )
    ours = refs.to_json()
    return {
        "source_file_index": index,
        "source_sop_instance_uid": refs.sop_instance_uid,
        "references": entries,
        "sop_instance_uid": ours["sop_instance_uid"],
        "sop_class_uid": ours["sop_class_uid"],
        "kind": ours["kind"],
        "frame_of_reference_uid": ours["frame_of_reference_uid"],
        "refers_to": ours["refers_to"],
        "referenced_by": ours["referenced_by"],
        "missing": ours["missing"],
    }


async def references(request: Request) -> Response:
    """``GET /api/file/:i/references``: what file i refers to and what refers to it."""
    state = _state(request)
    index = _path_int(request, "index")
    catalog = state.catalog
    catalog.header(index)  # 404 for an index out of range, before the thread

    def body() -> schemas.ReferencesBody:
        return mask_paths(state, references_body(catalog, index, find_references(catalog, index)))

    return await _json_offloaded(request, body)


def _segments(request: Request) -> frozenset[int] | None:
    """``segments=1,3``: Segment Numbers to draw (*beyond*); None when absent."""
    text = request.query_params.get("segments")
    if text is None:
        return None
    parts = [p.strip() for p in text.split(",") if p.strip()]
    if not all(p.isascii() and p.isdigit() and len(p) <= 6 for p in parts):
        raise InvalidInputError(
            f"invalid query: segments must be Segment Numbers separated by commas, got {text!r}"
        )
    return frozenset(int(p) for p in parts)


def _colors(request: Request) -> dict[int, tuple[int, int, int]] | None:
    """``colors=1:ff0000,3:00a0ff``: sRGB by Segment Number (*beyond*); None when absent."""
    text = request.query_params.get("colors")
    if text is None:
        return None
    out: dict[int, tuple[int, int, int]] = {}
    for part in (p.strip() for p in text.split(",") if p.strip()):
        number, _, hex_ = part.partition(":")
        hex_ = hex_.removeprefix("#")
        if not (
            number.isascii()
            and number.isdigit()
            and len(number) <= 6
            and len(hex_) == 6
            and all(c in "0123456789abcdefABCDEF" for c in hex_)
        ):
            raise InvalidInputError(
                "invalid query: colors must be Segment Number:rrggbb pairs separated by "
                f"commas (e.g. 1:ff0000,2:00ff00), got {part!r}"
            )
        out[int(number)] = (int(hex_[0:2], 16), int(hex_[2:4], 16), int(hex_[4:6], 16))
    return out


async def segmentation_overlay(request: Request) -> Response:
    """``GET /api/file/:i/frame/:f/segmentation-overlay[?seg=J&segments=N,M&colors=N:rrggbb]``.

    An RGBA PNG. ``i`` is the image, ``f`` its frame; ``seg`` keeps only the SEG that
    is file J, ``segments`` only those Segment Numbers, ``colors`` draws segments in
    the colours given instead of their recommended ones.
    """
    state = _state(request)
    index = _path_int(request, "index")
    frame = _path_int(request, "frame")
    seg = _non_negative(request, "seg")
    segments = _segments(request)
    colors = _colors(request)
    catalog = state.catalog
    path = catalog.header(index).path
    chosen = None if segments is None else tuple(sorted(segments))
    painted = None if colors is None else tuple(sorted(colors.items()))
    key = ("seg-overlay", path, frame, seg, chosen, painted)
    body = state.cache.get(key)
    hit = "HIT"
    if body is None:
        hit = "MISS"
        body = await state.pool.run(
            request,
            lambda: segmentation_overlay_png(
                catalog, index, frame, segmentation=seg, segments=segments, colors=colors
            ),
        )
        if catalog.complete:
            state.cache.put(key, body)
    return ChunkedResponse(body, headers={"X-Cache": hit}, media_type="image/png")


def semantic_body(catalog: Catalog, index: int) -> dict[str, object]:
    """``GET /api/file/:i/semantic-context``: the SDK's context and the ``/references`` entries."""
    body = semantic_context(catalog, index)
    context = body["context"]
    if context["kind"] != "not_applicable":
        entries = references_body(catalog, index, find_references(catalog, index))["references"]
        key = "source_references" if context["kind"] == "parametric_map" else "references"
        context[key] = entries
    return body


async def semantic(request: Request) -> Response:
    """``GET /api/file/:i/semantic-context``: what a SEG, dose, map or state means."""
    state = _state(request)
    index = _path_int(request, "index")
    catalog = state.catalog
    catalog.header(index)  # 404 for an index out of range, before the thread
    return await _json_offloaded(
        request, lambda: privacy.mask_semantic(state, semantic_body(catalog, index))
    )


def _required(request: Request, name: str) -> int:
    """A file index named by a query parameter the route cannot do without."""
    value = _non_negative(request, name)
    if value is None:
        raise InvalidInputError(f"invalid query: missing field `{name}` (a file index)")
    return value


async def _cached_bytes(
    request: Request,
    key: tuple[object, ...],
    make: Callable[[], bytes],
    media_type: str,
    headers: dict[str, str] | None = None,
) -> Response:
    state = _state(request)
    body = state.cache.get(key)
    hit = "HIT"
    if body is None:
        hit = "MISS"
        body = await state.pool.run(request, make)
        state.cache.put(key, body)
    return ChunkedResponse(body, headers={"X-Cache": hit, **(headers or {})}, media_type=media_type)


def _value_route(kind: str, param: str, values: bool) -> Callable[[Request], Awaitable[Response]]:
    """The four value-overlay endpoints: dose or map, RGBA PNG or float32 values."""
    reader: Callable[..., ValueLayer] = dose_on_frame if kind == "dose" else parametric_map_on_frame

    async def endpoint(request: Request) -> Response:
        state = _state(request)
        index = _path_int(request, "index")
        frame = _path_int(request, "frame")
        obj = _required(request, param)
        catalog = state.catalog
        name = f"{kind}-{'values' if values else 'overlay'}"
        key = (name, catalog.header(index).path, frame, catalog.header(obj).path)

        def make() -> bytes:
            layer = reader(catalog, index, frame, obj)
            return layer.values_bytes() if values else layer.png()

        if not values:
            return await _cached_bytes(request, key, make, "image/png")
        # beyond the predecessor: the shape, so a client needs no /info call
        h = catalog.header(index)
        shape = {"X-Frame-Rows": str(h.rows), "X-Frame-Columns": str(h.columns)}
        return await _cached_bytes(request, key, make, "application/octet-stream", shape)

    return endpoint


async def value_legend(request: Request) -> Response:
    """``GET /api/file/:i/frame/:f/value-legend?dose=J|map=J``: the colour scale (*beyond*)."""
    state = _state(request)
    index = _path_int(request, "index")
    frame = _path_int(request, "frame")
    dose = _non_negative(request, "dose")
    pmap = _non_negative(request, "map")
    if (dose is None) == (pmap is None):
        raise InvalidInputError("invalid query: give one of dose or map (a file index)")
    catalog = state.catalog

    def make() -> dict[str, object]:
        if dose is not None:
            return dose_on_frame(catalog, index, frame, dose).legend()
        assert pmap is not None
        return parametric_map_on_frame(catalog, index, frame, pmap).legend()

    return await _json_offloaded(request, make)


async def graphic_annotations_route(request: Request) -> Response:
    """``GET /api/file/:i/frame/:f/graphic-annotations?state=J``: a GSPS's graphics and texts."""
    state = _state(request)
    index = _path_int(request, "index")
    frame = _path_int(request, "frame")
    ps = _required(request, "state")
    catalog = state.catalog
    catalog.header(index)
    return await _json_offloaded(
        request,
        lambda: privacy.mask_graphic_annotations(
            state, graphic_annotations(catalog, index, frame, ps)
        ),
    )


async def contours(request: Request) -> Response:
    """``GET /api/file/:i/frame/:f/rt-contours[?structure_set=J]``: RTSTRUCT polygons (*beyond*)."""
    state = _state(request)
    index = _path_int(request, "index")
    frame = _path_int(request, "frame")
    only = _non_negative(request, "structure_set")
    catalog = state.catalog
    catalog.header(index)
    return await _json_offloaded(
        request, lambda: privacy.mask_contours(state, rt_contours(catalog, index, frame, only))
    )


async def layer(request: Request) -> Response:
    """``GET /api/file/:i/frame/:f/presentation-layer``: shutter and overlay planes, RGBA."""
    state = _state(request)
    index = _path_int(request, "index")
    frame = _path_int(request, "frame")
    catalog = state.catalog
    path = catalog.header(index).path
    # Transparent under the frame's redaction boxes: overlay planes can hold text.
    boxes: tuple[Roi, ...] = ()
    if state.redactions is not None:
        boxes = privacy.frame_boxes(state, catalog[index].frame(frame))
    key = ("presentation-layer", path, frame, boxes)
    return await _cached_bytes(
        request, key, lambda: presentation_layer_png(catalog, index, frame, boxes), "image/png"
    )


async def mapping(request: Request) -> Response:
    """``GET /api/file/:i/frame/:f/value-mapping``: rescale, real-world mappings, VOI LUT."""
    state = _state(request)
    index = _path_int(request, "index")
    frame = _path_int(request, "frame")
    catalog = state.catalog
    catalog.header(index)
    return await _json_offloaded(request, lambda: value_mapping(catalog, index, frame))


_FRAME = "/api/file/{index}/frame/{frame}"
ROUTES: Sequence[BaseRoute] = (
    Route("/api/file/{index}/references", references, methods=["GET"]),
    Route("/api/file/{index}/semantic-context", semantic, methods=["GET"]),
    Route(f"{_FRAME}/segmentation-overlay", segmentation_overlay, methods=["GET"]),
    Route(f"{_FRAME}/dose-overlay", _value_route("dose", "dose", False), methods=["GET"]),
    Route(f"{_FRAME}/dose-overlay/values", _value_route("dose", "dose", True), methods=["GET"]),
    Route(f"{_FRAME}/parametric-map-overlay", _value_route("pmap", "map", False), methods=["GET"]),
    Route(
        f"{_FRAME}/parametric-map-overlay/values",
        _value_route("pmap", "map", True),
        methods=["GET"],
    ),
    Route(f"{_FRAME}/value-legend", value_legend, methods=["GET"]),
    Route(f"{_FRAME}/graphic-annotations", graphic_annotations_route, methods=["GET"]),
    Route(f"{_FRAME}/presentation-layer", layer, methods=["GET"]),
    Route(f"{_FRAME}/value-mapping", mapping, methods=["GET"]),
    Route(f"{_FRAME}/rt-contours", contours, methods=["GET"]),
)
