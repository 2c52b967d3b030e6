"""ROUTES of documents: ``GET /api/file/:i/document``, an SR's content tree as JSON.

The endpoint makes one SDK call (:func:`dcmview.sdk.document.read_document`), off
the event loop (it reads the file's header). :mod:`dcmview.server.app` mounts it
beside :data:`dcmview.server.routes.ROUTES`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import cast

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from dcmview.sdk.document import read_document
from dcmview.server import privacy, schemas
from dcmview.server.routes import _json_offloaded, _path_int, _state

__all__ = ["ROUTES"]


async def document(request: Request) -> Response:
    """``GET /api/file/:i/document``: what an object says as text (an SR's content tree)."""
    state = _state(request)
    index = _path_int(request, "index")
    instance = state.catalog[index]  # 404 for an index out of range, before the thread
    return await _json_offloaded(
        request,
        lambda: cast(
            "schemas.DocumentBody",
            privacy.mask_document(state, read_document(instance).to_json()),
        ),
    )


ROUTES: Sequence[BaseRoute] = (Route("/api/file/{index}/document", document, methods=["GET"]),)
