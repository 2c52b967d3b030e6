"""ROUTES of the frames: the PNG windowed to 8 bits, the raw samples, the pixel readout.

Each endpoint parses, makes one SDK call, answers: the SDK answers in values (a
:class:`~dcmview.sdk.window.Window`, :class:`~dcmview.sdk.frame.DisplayParameters`,
:class:`~dcmview.sdk.frame.PixelValue`), which become ``X-Frame-*`` headers in
:mod:`dcmview.wire`, the raw frame's format shared with the client. The decoding and
encoding run in the bounded :class:`~dcmview.server.app.DecodePool`, so the event loop
never waits for a codec; cached bodies are answered straight from the event loop.

Cache keys (one :class:`~dcmview.sdk.cache.ByteCache` for all of them):

- ``(path, frame)``: the decoded frame, stored by :class:`~dcmview.sdk.instance.Instance`;
  ``(path, frame, level)`` the frame at a resolution level above 0 (``Frame.cache_key``);
- ``("png", path, frame, level, window, boxes)``: ``(png_bytes, resolved_window,
  inverted)``, `window` a :class:`~dcmview.sdk.window.Window`, ``"dicom"`` or ``"full"``;
- ``("raw", path, frame, level, coding, shuffle, boxes)``: ``(body, headers)`` of a
  compressed raw body;
- ``("meta", path, frame, level, boxes)``: the ``X-Frame-*`` headers of a raw answer.

``boxes`` are the frame's redaction boxes (:func:`dcmview.server.privacy.frame_boxes`,
``()`` without any): every answer is made from the redacted samples (the decoded frame
of a frame with boxes is cached under ``Frame.cache_key(level, boxes)``), and a change
of boxes is a change of key.

The frame routes take a resolution level (``level=N``, or ``max_size=PX`` for the
level that still fills PX pixels, :meth:`~dcmview.sdk.frame.Frame.level_for`) and
``then=full`` (decode the full frame after answering a reduced level: the viewer's
refinement comes next); the pixel readout always reads full resolution.
"""

from __future__ import annotations

import functools
from collections.abc import Hashable, Sequence
from typing import TYPE_CHECKING, Any

from starlette.background import BackgroundTask
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from dcmview import wire
from dcmview.sdk.errors import InvalidInputError, WindowError
from dcmview.sdk.window import Window, WindowKeyword, voi_lut_function
from dcmview.server import privacy, schemas
from dcmview.server.routes import _json, _non_negative, _path_int, _state
from dcmview.server.transport import ChunkedResponse, choose_encoding

if TYPE_CHECKING:
    from dcmview.sdk.frame import Frame
    from dcmview.sdk.roi import Roi
    from dcmview.server.app import ServerState

__all__ = ["ROUTES"]


def _window_request(request: Request) -> Window | WindowKeyword:
    """The PNG route's window: ``mode``, ``wc``/``ww`` and ``function``, checked by the SDK."""
    q = request.query_params
    mode = q.get("mode", "default")
    if mode not in {"default", "full_dynamic"}:
        raise InvalidInputError(f"invalid query: mode {mode!r} is not 'default' or 'full_dynamic'")
    wc, ww, name = q.get("wc"), q.get("ww"), q.get("function")
    # A bad function name is refused in every mode, also where wc/ww are ignored.
    function = voi_lut_function(name) if name is not None else "LINEAR"
    if mode == "full_dynamic":
        # The predecessor ignores wc/ww in this mode.
        return "full"
    if wc is None and ww is None:
        if name is not None:
            raise WindowError("invalid window request: function needs wc and ww")
        return "dicom"
    if wc is None or ww is None:
        raise WindowError(
            "invalid window request: window center and width must be provided together"
        )
    try:
        center, width = float(wc), float(ww)
    except ValueError:
        raise InvalidInputError(f"invalid query: wc={wc!r} and ww={ww!r} must be numbers") from None
    # Window() refuses what no window is: NaN, infinities, a width too small for the function.
    return Window(center, width, function)


def _level_request(request: Request, frame: Frame) -> int:
    """The frame routes' resolution level: ``level=N`` or ``max_size=PX``, not both."""
    level = _non_negative(request, "level")
    max_size = _non_negative(request, "max_size")
    if level is not None and max_size is not None:
        raise InvalidInputError(
            f"invalid query: give level or max_size, not both (level={level}, max_size={max_size})"
        )
    if max_size is not None:
        return frame.level_for(max_size)  # InvalidInputError below 1
    if level is None:
        return 0
    return frame.resolution(level).level  # InvalidInputError past the deepest level


def _preview(request: Request) -> bool:
    """The predecessor's ``preview`` flag: ``true`` or ``false`` (``1``/``0`` too)."""
    text = request.query_params.get("preview")
    if text is None or text in ("false", "0"):
        return False
    if text in ("true", "1"):
        return True
    raise InvalidInputError(f"invalid query: preview must be true or false, got {text!r}")


def _frame(request: Request) -> tuple[ServerState, Frame]:
    state = _state(request)
    index = _path_int(request, "index")
    frame_index = _path_int(request, "frame")
    return state, state.catalog[index].frame(frame_index)


def _then_full(
    request: Request, state: ServerState, frame: Frame, level: int, boxes: tuple[Roi, ...]
) -> BackgroundTask | None:
    """``then=full`` on a reduced level: decode the full frame after answering (a guess)."""
    then = request.query_params.get("then")
    if then is None:
        return None
    if then != "full":
        raise InvalidInputError(f"invalid query: then must be 'full', got {then!r}")
    if level == 0 or frame.is_cached(0, boxes):
        return None
    return BackgroundTask(state.pool.speculate, functools.partial(frame.array, redactions=boxes), 0)


def _decoded(frame: Frame, level: int, boxes: tuple[Roi, ...]) -> bool:
    """Whether the frame's samples at `level` need no decode: cached, or cached in full."""
    return frame.is_cached(level, boxes) or (level > 0 and frame.is_cached(0, boxes))


def _png(
    state: ServerState,
    frame: Frame,
    want: Window | WindowKeyword,
    level: int,
    key: Hashable,
    keep: bool,
    boxes: tuple[Roi, ...],
) -> Any:
    decoded = _decoded(frame, level, boxes)

    def make() -> tuple[bytes, Window | None, bool]:
        window = frame.window(want, level, redactions=boxes)
        return frame.png(window, level, redactions=boxes), window, frame.inverted

    if keep:
        (body, window, inverted), _ = state.cache.get_or_create(key, make)
    else:
        body, window, inverted = make()
    return body, window, inverted, decoded


async def frame_png(request: Request) -> Response:
    """``GET /api/file/:i/frame/:f``: the frame windowed to 8 bits, as PNG.

    ``preview=true`` (the predecessor's flag, a window being dragged) answers the
    same image but does not keep it in the cache: a cached PNG still answers it.
    """
    want = _window_request(request)
    preview = _preview(request)
    state, frame = _frame(request)
    level = _level_request(request, frame)
    boxes = privacy.frame_boxes(state, frame)
    then = _then_full(request, state, frame, level, boxes)
    key = ("png", frame.instance.path, frame.index, level, want, boxes)
    cached = state.cache.get(key)
    if cached is not None:
        body, window, inverted = cached
        hit, decoded = "HIT", True
    else:
        body, window, inverted, decoded = await state.pool.run(
            request, _png, state, frame, want, level, key, not preview, boxes
        )
        hit = "MISS"
    headers = {
        "X-Cache": hit,
        "X-Cache-Frame": "HIT" if decoded else "MISS",
        **wire.level_headers(frame.resolution(level)),
        **wire.window_headers(window),
    }
    if window is not None:  # grey: say whether the server inverted it
        headers[wire.INVERTED] = "1" if inverted else "0"
    return ChunkedResponse(body, headers=headers, media_type="image/png", background=then)


def _raw(
    state: ServerState,
    frame: Frame,
    level: int,
    coding: str | None,
    shuffle: bool,
    boxes: tuple[Roi, ...],
) -> tuple[bytes | memoryview, dict[str, str], bool]:
    decoded = _decoded(frame, level, boxes)
    samples = wire.little_endian(frame.array(level, redactions=boxes))
    meta_key = ("meta", frame.instance.path, frame.index, level, boxes)

    def headers() -> dict[str, str]:
        # From `samples`: a frame over the cache budget is not kept, and would decode again.
        params = frame.display_parameters(samples)
        return {
            **wire.frame_headers(samples, params),
            **wire.level_headers(frame.resolution(level)),
        }

    meta, _ = state.cache.get_or_create(meta_key, headers)
    if coding is None and not shuffle:
        return wire.encode_samples(samples), meta, decoded

    def make() -> tuple[bytes, dict[str, str]]:
        body = wire.encode_samples(samples, shuffle=shuffle)
        if coding is not None:
            body = wire.compress(body, coding)
        return bytes(body), meta

    (body, meta), _ = state.cache.get_or_create(
        ("raw", frame.instance.path, frame.index, level, coding, shuffle, boxes), make
    )
    return body, meta, decoded


async def frame_raw(request: Request) -> Response:
    """``GET /api/file/:i/frame/:f/raw``: decoded samples, little-endian, interleaved color."""
    shuffle_arg = request.query_params.get("shuffle", "none")
    if shuffle_arg not in {"none", "bytes"}:
        raise InvalidInputError(f"invalid query: shuffle {shuffle_arg!r} is not 'none' or 'bytes'")
    shuffle = shuffle_arg == "bytes"
    coding = choose_encoding(request.headers.get("accept-encoding"))
    state, frame = _frame(request)
    level = _level_request(request, frame)
    boxes = privacy.frame_boxes(state, frame)
    then = _then_full(request, state, frame, level, boxes)
    path = frame.instance.path
    body: bytes | memoryview | None = None
    meta: dict[str, str] | None = None
    if coding is not None or shuffle:
        cached = state.cache.get(("raw", path, frame.index, level, coding, shuffle, boxes))
        if cached is not None:
            body, meta = cached
    else:
        samples = state.cache.get(frame.cache_key(level, boxes))
        meta = state.cache.get(("meta", path, frame.index, level, boxes))
        if samples is not None and meta is not None:
            body = wire.encode_samples(samples)
    if body is not None and meta is not None:
        decoded = True
        hit = "HIT"
    else:
        body, meta, decoded = await state.pool.run(
            request, _raw, state, frame, level, coding, shuffle, boxes
        )
        hit = "HIT" if decoded else "MISS"
    assert meta is not None
    headers = {
        "X-Cache": hit,
        "Vary": "Accept-Encoding",
        **meta,
        **wire.body_headers(shuffle=shuffle, coding=coding),
    }
    return ChunkedResponse(
        body, headers=headers, media_type="application/octet-stream", background=then
    )


def _pixel(frame: Frame, row: int, column: int, boxes: tuple[Roi, ...]) -> schemas.PixelBody:
    value = frame.pixel(row, column, redactions=boxes)
    stored = value.stored
    return {
        "row": value.row,
        "column": value.column,
        "stored": list(stored) if isinstance(stored, tuple) else stored,
        "modality": value.modality,
        "unit": value.unit,
    }


async def frame_pixel(request: Request) -> Response:
    """``GET /api/file/:i/frame/:f/pixel?row=R&column=C``: one sample and its modality value."""
    q = request.query_params
    try:
        row, column = int(q["row"]), int(q["column"])
    except (KeyError, ValueError):
        raise InvalidInputError(
            "invalid query: row and column are required non-negative integers, "
            f"got row={q.get('row')!r}, column={q.get('column')!r}"
        ) from None
    state, frame = _frame(request)
    boxes = privacy.frame_boxes(state, frame)
    body = await state.pool.run(request, _pixel, frame, row, column, boxes)
    return _json(request, body)


ROUTES: Sequence[BaseRoute] = (
    Route("/api/file/{index}/frame/{frame}", frame_png, methods=["GET"]),
    Route("/api/file/{index}/frame/{frame}/raw", frame_raw, methods=["GET"]),
    Route("/api/file/{index}/frame/{frame}/pixel", frame_pixel, methods=["GET"]),
)
