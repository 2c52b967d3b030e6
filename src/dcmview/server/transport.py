"""Content negotiation and chunked sending of response bodies.

Raw frames are large (17 MB for a 3328×2560 16-bit mammogram) and often travel
through an SSH tunnel, so they are compressed when the client offers a codec:
:func:`choose_encoding` picks zstd (4–7× faster than gzip level 1) over gzip;
the codings themselves and the raw frame's layout are :mod:`dcmview.wire`'s,
shared with the client. PNGs are never compressed again (they are deflate
streams already); JSON is compressed above :data:`JSON_MIN_SIZE`.
:class:`ChunkedResponse` sends a large body in slices.
"""

from __future__ import annotations

import json

from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from dcmview.wire import CODINGS, compress

__all__ = [
    "CHUNK",
    "JSON_MIN_SIZE",
    "ChunkedResponse",
    "choose_encoding",
    "encode_json",
    "json_response",
]

#: JSON bodies smaller than this are sent as they are (one TCP segment anyway).
JSON_MIN_SIZE = 1024

#: Large bodies go out in slices of this size (see :class:`ChunkedResponse`): 4 MiB,
#: so a PNG goes in one piece and a 17 MB raw frame in five.
CHUNK = 4 << 20


class ChunkedResponse(Response):
    """A response whose (large) body is sent in 4 MiB slices with its Content-Length.

    A whole 17 MB frame handed to the transport at once is copied into the
    transport's buffer for as long as a slow client (an SSH tunnel) takes to read
    it, once per such client. Sent in slices, uvicorn's flow control holds back
    the next slice until the last one is drained: memory per slow client stays at
    about one slice, and the cached frame itself is never copied.
    """

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await send(
            {"type": "http.response.start", "status": self.status_code, "headers": self.raw_headers}
        )
        body = memoryview(self.body)
        size = len(body)
        for start in range(0, max(size, 1), CHUNK):
            end = start + CHUNK
            await send(
                {"type": "http.response.body", "body": body[start:end], "more_body": end < size}
            )
        if self.background is not None:
            await self.background()


def choose_encoding(accept_encoding: str | None) -> str | None:
    """Pick the content coding for a response from an ``Accept-Encoding`` header.

    zstd is preferred over gzip when both are acceptable; ``q=0`` refuses a coding
    and ``*`` stands for any coding not named.

    Parameters
    ----------
    accept_encoding : str or None
        The request's header.

    Returns
    -------
    str or None
        ``"zstd"``, ``"gzip"`` or None (send the body as it is).

    Examples
    --------
    >>> choose_encoding("gzip, deflate, br, zstd")
    'zstd'
    >>> choose_encoding("gzip;q=1.0, zstd;q=0")
    'gzip'
    >>> choose_encoding("identity") is None
    True
    """
    if not accept_encoding:
        return None
    quality: dict[str, float] = {}
    for part in accept_encoding.split(","):
        name, _, params = part.strip().partition(";")
        q = 1.0
        for param in params.split(";"):
            key, _, value = param.strip().partition("=")
            if key.strip().lower() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        quality[name.strip().lower()] = q
    wildcard = quality.get("*", 0.0)
    best: str | None = None
    best_q = 0.0
    for coding in CODINGS:
        q = quality.get(coding, wildcard)
        if q > best_q:
            best, best_q = coding, q
    return best


def encode_json(body: object, coding: str | None, *, allow_nan: bool = False) -> tuple[bytes, bool]:
    """Serialize `body` compactly, compressed with `coding` above :data:`JSON_MIN_SIZE`.

    Returns the bytes and whether they are compressed.
    """
    data = json.dumps(body, ensure_ascii=False, separators=(",", ":"), allow_nan=allow_nan)
    raw = data.encode()
    if coding is None or len(raw) < JSON_MIN_SIZE:
        return raw, False
    return compress(raw, coding, level=3 if coding == "zstd" else 6), True


def json_response(data: bytes, coded: bool, coding: str | None) -> Response:
    """A JSON answer of :func:`encode_json`'s bytes, saying its coding."""
    headers = {"Vary": "Accept-Encoding"}
    if coded and coding is not None:
        headers["Content-Encoding"] = coding
    return Response(data, headers=headers, media_type="application/json")
