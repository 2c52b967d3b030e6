"""ROUTES in the predecessor's shapes: ``/api/series`` as stacks, ``tags/select``, ``raw/pixel``.

Scripts written for the predecessor (``dcmview-py`` 0.4.1) read these paths and
shapes. Each endpoint parses, makes one SDK call and answers:

- ``GET /api/series``: series → stacks → frames (:func:`dcmview.sdk.stacks.series_stacks`;
  reads every header, so it is built off the event loop and kept once the scan is
  complete). Our patient → study → series tree is ``GET /api/patients``.
- ``GET /api/file/:i/tags/select?path=&offset=&limit=``: one element by tag path
  (:meth:`dcmview.sdk.instance.Instance.tag`).
- ``GET /api/file/:i/frame/:f/raw/pixel?row=&column=``: one pixel's samples as
  raw bytes with ``X-Frame-*`` headers (rows and columns 1), beside our JSON
  ``/pixel``.

:mod:`dcmview.server.app` mounts these beside :data:`dcmview.server.routes.ROUTES`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from dcmview import wire
from dcmview.sdk.errors import InvalidInputError
from dcmview.sdk.stacks import SeriesStacks, series_stacks
from dcmview.server import privacy, schemas
from dcmview.server.frames import _frame
from dcmview.server.routes import _catalog_json, _json_offloaded, _non_negative, _path_int, _state
from dcmview.server.transport import ChunkedResponse

if TYPE_CHECKING:
    from dcmview.sdk.frame import Frame
    from dcmview.sdk.roi import Roi
    from dcmview.server.app import ServerState

__all__ = ["ROUTES", "series_body"]


def series_body(stacks: list[SeriesStacks], complete: bool) -> schemas.SeriesBody:
    """The JSON of ``GET /api/series`` from the SDK's stacks."""
    return {
        "series": [
            {
                "id": s.id,
                "study_instance_uid": s.study_instance_uid,
                "series_instance_uid": s.series_instance_uid,
                "frame_of_reference_uids": list(s.frame_of_reference_uids),
                "stacks": [
                    {
                        "id": st.id,
                        "kind": st.kind,
                        "concatenation_uid": st.concatenation_uid,
                        "pyramid_uid": st.pyramid_uid,
                        "image_type_role": st.image_type_role,
                        "total_pixel_matrix_rows": st.total_pixel_matrix_rows,
                        "total_pixel_matrix_columns": st.total_pixel_matrix_columns,
                        "frames": [
                            {
                                "virtual_index": f.virtual_index,
                                "file_index": f.file_index,
                                "frame_index": f.frame_index,
                                "sop_instance_uid": f.sop_instance_uid,
                                "instance_number": f.instance_number,
                                "position_along_normal_mm": f.position_along_normal_mm,
                            }
                            for f in st.frames
                        ],
                        "warnings": [
                            {
                                "code": w.code,
                                "message": w.message,
                                "file_indices": list(w.file_indices),
                            }
                            for w in st.warnings
                        ],
                    }
                    for st in s.stacks
                ],
            }
            for s in stacks
        ],
        "scan_complete": complete,
    }


def _series(state: ServerState) -> schemas.SeriesBody:
    complete = state.catalog.complete  # read first: the stacks are at least this complete
    return series_body(series_stacks(state.catalog), complete)


async def series(request: Request) -> Response:
    """``GET /api/series``: series → stacks → frames, the predecessor's shape."""
    return await _catalog_json(request, "series", lambda: _series(_state(request)))


async def tags_select(request: Request) -> Response:
    """``GET /api/file/:i/tags/select?path=(GGGG,EEEE)[/N/(GGGG,EEEE)...]&offset=&limit=``."""
    state = _state(request)
    instance = state.catalog[_path_int(request, "index")]
    path = request.query_params.get("path")
    if path is None:
        raise InvalidInputError("invalid query: path is required, e.g. path=(0010,0010)")
    offset = _non_negative(request, "offset") or 0
    limit = _non_negative(request, "limit")
    # Reading the header is file I/O: off the loop.

    def select() -> object:
        node = instance.tag(path, offset=offset, limit=limit)
        # Under --mask the element is masked as in the whole tree (names, dates, ...).
        return node if state.masker is None else state.masker.tag_tree([node])[0]

    return await _json_offloaded(request, select)


def _raw_pixel(
    frame: Frame, row: int, column: int, boxes: tuple[Roi, ...]
) -> tuple[bytes | memoryview, dict[str, str]]:
    frame.pixel(row, column)  # InvalidInputError outside the frame, naming the position
    # Redacted samples never leave the server.
    samples = frame.array(redactions=boxes or None)
    one = wire.little_endian(samples[row : row + 1, column : column + 1])
    headers = wire.frame_headers(one, frame.display_parameters(samples))
    return wire.encode_samples(one), headers


async def frame_raw_pixel(request: Request) -> Response:
    """``GET /api/file/:i/frame/:f/raw/pixel?row=R&column=C``: one pixel's raw samples."""
    row, column = _non_negative(request, "row"), _non_negative(request, "column")
    if row is None or column is None:
        raise InvalidInputError(
            "invalid query: row and column are required non-negative integers, got "
            f"row={request.query_params.get('row')!r}, "
            f"column={request.query_params.get('column')!r}"
        )
    state, frame = _frame(request)
    boxes = privacy.frame_boxes(state, frame)
    body, headers = await state.pool.run(request, _raw_pixel, frame, row, column, boxes)
    return ChunkedResponse(body, headers=headers, media_type="application/octet-stream")


ROUTES: list[BaseRoute] = [
    Route("/api/series", series, methods=["GET"]),
    Route("/api/file/{index}/tags/select", tags_select, methods=["GET"]),
    Route("/api/file/{index}/frame/{frame}/raw/pixel", frame_raw_pixel, methods=["GET"]),
]
