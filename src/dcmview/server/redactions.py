"""ROUTES of redaction: the boxes whose pixels the server removes from every answer.

``GET``/``PUT /api/file/:i/redactions`` (the predecessor's shapes, the annotations'
JSON body), ``PUT /api/file/:i/redactions/series`` (the file's boxes onto every other
instance of its series that they fit; answers ``{"file_indices": [...]}``) and
``GET /api/redactions/export.csv`` (EMBED CSV with the real paths, like the
annotations export). The boxes live in ``ServerState.redactions`` (a
:class:`~dcmview.sdk.roi.RoiSet`); :mod:`dcmview.server.privacy` applies them to
the pixel routes and forgets a file's cached pixels when its boxes change. A bad
body is refused with 400 (``invalid_redactions``) and nothing is stored.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import TYPE_CHECKING

import anyio.to_thread
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from dcmview.sdk.errors import RedactionError
from dcmview.sdk.redaction import read_redactions
from dcmview.server import schemas
from dcmview.server.privacy import redactions_changed
from dcmview.server.routes import _json, _path_int, _state
from dcmview.server.security import require_json

if TYPE_CHECKING:
    from dcmview.sdk.header import Header
    from dcmview.sdk.roi import Roi
    from dcmview.server.app import ServerState

__all__ = ["ROUTES"]


def _set_boxes(state: ServerState, header: Header, boxes: tuple[Roi, ...]) -> None:
    redactions = state.redaction_set()
    redactions.set(header.path, boxes)
    redactions_changed(state, header.path)


def _body(state: ServerState, header: Header) -> schemas.AnnotationsBody:
    if state.redactions is None:
        return {"num_roi": 0, "roi_coords": [], "roi_frames": []}
    return state.redactions.to_json(header.path)


async def _payload(request: Request) -> object:
    require_json(request.headers)
    raw = await request.body()
    try:
        return json.loads(raw) if raw.strip() else None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise RedactionError(f"redactions: the request body is not JSON: {exc}") from None


async def file_redactions(request: Request) -> Response:
    """``GET``/``PUT /api/file/:i/redactions``: the file's redaction boxes, kept in memory.

    A PUT replaces them (``[]`` removes them); a bad body is refused with 400 and
    nothing is stored.
    """
    state = _state(request)
    header = state.catalog.header(_path_int(request, "index"))
    if request.method == "PUT":
        payload = await _payload(request)
        # Off the loop: the first edit imports the RoiSet module (pandas).
        boxes = await anyio.to_thread.run_sync(read_redactions, payload, header)
        await anyio.to_thread.run_sync(_set_boxes, state, header, boxes)
    return _json(request, _body(state, header))


def _apply_to_series(state: ServerState, index: int) -> list[int]:
    catalog = state.catalog
    source = catalog.header(index)
    boxes = state.redactions.for_instance(source.path) if state.redactions is not None else ()
    payload = {"roi_coords": [[b.ymin, b.xmin, b.ymax, b.xmax] for b in boxes]}
    payload["roi_frames"] = [list(b.frames) for b in boxes]
    done: list[int] = []
    for i, h in enumerate(catalog.headers):
        if i == index or h.series_instance_uid != source.series_instance_uid:
            continue
        if h.study_instance_uid != source.study_instance_uid:
            continue
        try:
            fitted = read_redactions(payload, h)
        except RedactionError:
            continue  # another size or fewer frames: the boxes do not fit this instance
        _set_boxes(state, h, fitted)
        done.append(i)
    return done


async def series_redactions(request: Request) -> Response:
    """``PUT /api/file/:i/redactions/series``: the file's boxes onto the rest of its series.

    Answers ``{"file_indices": [...]}``, the other instances that now have them
    (those the boxes fit: same size, enough frames).
    """
    state = _state(request)
    index = _path_int(request, "index")
    state.catalog.header(index)  # 404 for an unknown index, before the body
    await _payload(request)  # a JSON request (the predecessor's body is ignored)
    done = await anyio.to_thread.run_sync(_apply_to_series, state, index)
    body: schemas.SeriesRedactionsBody = {"file_indices": done}
    return _json(request, body)


async def export_redactions(request: Request) -> Response:
    """``GET /api/redactions/export.csv``: every redaction box as EMBED CSV, real paths."""
    state = _state(request)
    text = await anyio.to_thread.run_sync(lambda: state.redaction_set().to_embed_csv())
    return Response(
        text,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="dcmview-redactions.csv"'},
    )


#: The redaction routes, mounted beside :data:`dcmview.server.routes.ROUTES`.
ROUTES: Sequence[BaseRoute] = (
    Route("/api/file/{index}/redactions", file_redactions, methods=["GET", "PUT"]),
    Route("/api/file/{index}/redactions/series", series_redactions, methods=["PUT"]),
    Route("/api/redactions/export.csv", export_redactions, methods=["GET"]),
)
