"""ROUTES of the derived objects (SEG, RT, maps, presentation states): references, overlays.

Each endpoint parses, makes one SDK call (:func:`dcmview.sdk.references.find_references`,
:func:`dcmview.sdk.seg_overlays.segmentation_overlay_png`) and answers; reading the
derived objects is file I/O and pixel work, so it runs off the event loop (the
overlay in the decode pool, like a frame). :mod:`dcmview.server.app` mounts these
beside :data:`dcmview.server.routes.ROUTES`.

Cache key: ``("seg-overlay", path, frame, segmentation)``: the PNG, kept only once
the scan is complete (a SEG found later would change the answer).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from dcmview.sdk.references import find_references
from dcmview.sdk.seg_overlays import segmentation_overlay_png
from dcmview.server import schemas
from dcmview.server.privacy import mask_paths
from dcmview.server.routes import _json_offloaded, _non_negative, _path_int, _state
from dcmview.server.transport import ChunkedResponse

if TYPE_CHECKING:
    from dcmview.sdk.catalog import Catalog
    from dcmview.sdk.references import Reference, References

__all__ = ["ROUTES", "references_body"]


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


async def segmentation_overlay(request: Request) -> Response:
    """``GET /api/file/:i/frame/:f/segmentation-overlay[?seg=J]``: RGBA PNG of the SEGs on it.

    ``i`` is the image, ``f`` its frame; ``seg`` keeps only the SEG that is file J.
    """
    state = _state(request)
    index = _path_int(request, "index")
    frame = _path_int(request, "frame")
    seg = _non_negative(request, "seg")
    catalog = state.catalog
    path = catalog.header(index).path
    key = ("seg-overlay", path, frame, seg)
    body = state.cache.get(key)
    hit = "HIT"
    if body is None:
        hit = "MISS"
        body = await state.pool.run(
            request, lambda: segmentation_overlay_png(catalog, index, frame, segmentation=seg)
        )
        if catalog.complete:
            state.cache.put(key, body)
    return ChunkedResponse(body, headers={"X-Cache": hit}, media_type="image/png")


ROUTES: Sequence[BaseRoute] = (
    Route("/api/file/{index}/references", references, methods=["GET"]),
    Route(
        "/api/file/{index}/frame/{frame}/segmentation-overlay",
        segmentation_overlay,
        methods=["GET"],
    ),
)
