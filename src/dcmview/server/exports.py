"""ROUTES of exports: an instance's frames as an animation file (the viewer's "Export cine").

``GET /api/file/:i/cine?format=webp|png|gif|mp4&fps=&level=|max_size=&wc=&ww=&rois=1``
answers :meth:`~dcmview.sdk.instance.Instance.export_cine`'s file, the same bytes
the SDK and ``dcmview export --cine`` write, as a download. The encoders (Pillow's
WebP, APNG and GIF, PyAV's H.264) live on the server, so the browser does not
re-implement them and every export path gives one file. ``rois=1`` draws the
file's ROIs (the annotations being edited) in. The window and level parameters
are the PNG route's. No patient text is drawn.
"""

from __future__ import annotations

import os
import tempfile
from typing import TYPE_CHECKING

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from dcmview.sdk.errors import InvalidInputError
from dcmview.server.frames import _level_request, _window_request
from dcmview.server.routes import _path_int, _state
from dcmview.server.transport import ChunkedResponse

if TYPE_CHECKING:
    from dcmview.sdk.instance import Instance
    from dcmview.sdk.roi import Roi
    from dcmview.sdk.window import Window, WindowKeyword

__all__ = ["CINE_MEDIA_TYPES", "ROUTES"]

#: format= value -> media type of the answer.
CINE_MEDIA_TYPES = {
    "webp": "image/webp",
    "png": "image/apng",
    "gif": "image/gif",
    "mp4": "video/mp4",
}


def _cine(
    instance: Instance,
    suffix: str,
    window: Window | WindowKeyword,
    fps: float | None,
    level: int,
    rois: list[Roi] | None,
    redactions: list[Roi] | None,
) -> bytes:
    # The encoders write files (PyAV needs a path); a private temporary folder, removed.
    with tempfile.TemporaryDirectory(prefix="dcmview-cine-") as folder:
        path = os.path.join(folder, f"cine.{suffix}")
        instance.export_cine(
            path, window=window, fps=fps, level=level, rois=rois, redactions=redactions
        )
        with open(path, "rb") as f:
            return f.read()


async def cine(request: Request) -> Response:
    """``GET /api/file/:i/cine``: the frames as an animation file, for download."""
    state = _state(request)
    index = _path_int(request, "index")
    q = request.query_params
    fmt = q.get("format", "webp")
    if fmt not in CINE_MEDIA_TYPES:
        raise InvalidInputError(
            f"invalid query: format {fmt!r} is not one of {', '.join(CINE_MEDIA_TYPES)}"
        )
    fps: float | None = None
    if "fps" in q:
        try:
            fps = float(q["fps"])
        except ValueError:
            raise InvalidInputError(f"invalid query: fps={q['fps']!r} is not a number") from None
    window = _window_request(request)
    instance = state.catalog[index]
    level = _level_request(request, instance.frame(0))
    rois = None
    if q.get("rois") in ("1", "true") and state.rois is not None:
        rois = list(state.rois.for_instance(instance.header))
    # Redacted pixels never leave the server, in an export neither.
    hidden = None
    if state.redactions is not None:
        hidden = list(state.redactions.for_instance(instance.path))
    body = await state.pool.run(request, _cine, instance, fmt, window, fps, level, rois, hidden)
    headers = {"Content-Disposition": f'attachment; filename="dcmview-{index}.{fmt}"'}
    return ChunkedResponse(body, headers=headers, media_type=CINE_MEDIA_TYPES[fmt])


ROUTES: list[BaseRoute] = [Route("/api/file/{index}/cine", cine, methods=["GET"])]
