"""Content negotiation and lossless compression of response bodies (zstd, gzip).

Raw frames are large (17 MB for a 3328×2560 16-bit mammogram) and often travel
through an SSH tunnel, so they are compressed when the client offers a codec.
Measured on the bench corpus (one core, 16-bit samples, see docs/http-api.md):

=====================  ==========  =========  ==========================
body                   zstd-1      gzip-1     zstd-1 on byte planes
=====================  ==========  =========  ==========================
3328×2560 FFDM         29 ms 0.69  197 ms 0.61  26 ms 0.48
2048×1664 DBT frame    16 ms 0.48   54 ms 0.43   6 ms 0.39
512×512 CT             1 ms 0.46    4 ms 0.42   0.6 ms 0.34
=====================  ==========  =========  ==========================

zstd (RFC 8878, ``Content-Encoding: zstd``, decoded by Chromium and Firefox)
is preferred: 4–7× faster than gzip level 1. Level 1 keeps its window at
512 KiB, well under the 8 MiB that browsers accept. PNGs are never compressed
again (they are deflate streams already); JSON is compressed above 1 KiB.

The ``byte planes`` layout (all low bytes, then all high bytes: the "shuffle"
filter of Blosc/HDF5) is opt-in with ``?shuffle=bytes`` because it changes the
meaning of the body; it halves the wire size of noisy 16-bit frames.
"""

from __future__ import annotations

import zlib

import imagecodecs
import numpy as np
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from dcmview.sdk._types import AnyArray

__all__ = [
    "CHUNK",
    "JSON_MIN_SIZE",
    "ChunkedResponse",
    "byte_planes",
    "choose_encoding",
    "compress",
]

#: JSON bodies smaller than this are sent as they are (one TCP segment anyway).
JSON_MIN_SIZE = 1024

_SUPPORTED = ("zstd", "gzip")

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
    for coding in _SUPPORTED:
        q = quality.get(coding, wildcard)
        if q > best_q:
            best, best_q = coding, q
    return best


def compress(body: bytes | memoryview, encoding: str, *, level: int = 1) -> bytes:
    """Compress `body` with a content coding of :func:`choose_encoding`.

    Parameters
    ----------
    body : bytes or memoryview
        The uncompressed body.
    encoding : {"zstd", "gzip"}
        The coding.
    level : int, default 1
        The compression level (fast settings for pixels, higher for JSON).
    """
    if encoding == "zstd":
        return bytes(
            imagecodecs.zstd_encode(body if isinstance(body, bytes) else bytes(body), level=level)
        )
    if encoding == "gzip":
        # wbits 31: a gzip member (RFC 1952), what "Content-Encoding: gzip" means.
        encoder = zlib.compressobj(level, zlib.DEFLATED, 31)
        return encoder.compress(body) + encoder.flush()
    raise ValueError(f"unsupported content coding {encoding!r}")


def byte_planes(samples: AnyArray) -> bytes:
    """Return the little-endian bytes of `samples` grouped by byte significance.

    For 16-bit samples the body is every sample's low byte, then every high byte.

    Examples
    --------
    >>> byte_planes(np.array([0x0102, 0x0304], dtype="<u2"))
    b'\\x02\\x04\\x01\\x03'
    """
    le = np.ascontiguousarray(samples, dtype=samples.dtype.newbyteorder("<"))
    if le.dtype.itemsize == 1:
        return le.tobytes()
    return np.ascontiguousarray(
        le.reshape(-1).view(np.uint8).reshape(-1, le.dtype.itemsize).T
    ).tobytes()
