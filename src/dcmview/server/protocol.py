"""The HTTP/1.1 protocol uvicorn runs: httptools, with a bound on the request head.

uvicorn parses HTTP with httptools (llhttp, in C) when it is installed and with
h11 (pure Python) otherwise. Measured on a 3328x2560 16-bit frame served warm
from the cache (median of 30 requests): raw samples 18 ms with h11 and 11 ms
with httptools and uvloop; PNG 2.4 ms and 1.7 ms. h11 joins every body slice
into a new bytes object on the event loop; httptools hands it to the transport
as it is.

h11 refuses a request line and headers over 16 KiB; httptools accumulates them
without a limit, so a client could make the server hold any amount of memory
before a single check runs. :class:`BoundedHttpToolsProtocol` answers 431 and
closes the connection once a request head passes :data:`MAX_HEAD_BYTES`.
"""

from __future__ import annotations

import asyncio
import json

from dcmview.server.security import API_HEADERS, RESPONSE_HEADERS

__all__ = ["MAX_HEAD_BYTES", "http_protocol"]

#: The most bytes a request line and its headers may take (h11 allows 16 KiB;
#: the viewer's requests take under 1 KiB).
MAX_HEAD_BYTES = 64 * 1024


class _HeadTooLarge(Exception):
    """Raised from a parser callback to stop parsing a request head over the bound."""


def http_protocol() -> type[asyncio.Protocol] | str:
    """Return what to pass as uvicorn's ``http`` setting.

    Returns
    -------
    type or str
        :class:`BoundedHttpToolsProtocol` when httptools is installed, else ``"h11"``.
    """
    try:
        from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
    except ImportError:  # pragma: no cover - httptools is a core dependency
        return "h11"

    class BoundedHttpToolsProtocol(HttpToolsProtocol):
        """uvicorn's httptools protocol, refusing a request head over MAX_HEAD_BYTES."""

        _head_bytes = 0  # bytes read while the current request's head is incomplete
        _in_head = False  # between the first byte of a request and the end of its head
        _head_too_large = False

        def data_received(self, data: bytes) -> None:
            # Parse first: a read may end one head and carry body bytes (uvloop reads
            # up to 256 KiB at once), and body bytes must not count. A head still
            # incomplete after the read owns the read's bytes, bar the tail of a
            # pipelined request that ended in the same read. What httptools holds
            # meanwhile is at most one read past the bound; a head that completes
            # within a read is measured exactly in on_headers_complete.
            super().data_received(data)
            if self._in_head and not self.transport.is_closing():
                self._head_bytes += len(data)
                if self._head_bytes > MAX_HEAD_BYTES:
                    self._refuse_head()

        def on_message_begin(self) -> None:
            super().on_message_begin()
            self._in_head, self._head_bytes = True, 0

        def on_headers_complete(self) -> None:
            self._in_head = False
            # Request line (method, URL, version, CRLFs) and "name: value\r\n" each.
            size = len(self.url) + 16 + sum(len(n) + len(v) + 4 for n, v in self.headers)
            if size > MAX_HEAD_BYTES:
                # Abort the parse before the app sees the request: httptools turns
                # the exception into a parser error, which uvicorn answers through
                # send_400_response (below).
                self._head_too_large = True
                raise _HeadTooLarge(size)
            super().on_headers_complete()

        def send_400_response(self, msg: str) -> None:
            if self._head_too_large:
                self._refuse_head()
            else:
                super().send_400_response(msg)

        def _refuse_head(self) -> None:
            body = json.dumps(
                {
                    "code": "request_head_too_large",
                    "error": f"the request line and headers exceed {MAX_HEAD_BYTES} bytes",
                }
            ).encode()
            head = [
                b"HTTP/1.1 431 Request Header Fields Too Large",
                b"content-type: application/json",
                b"content-length: " + str(len(body)).encode(),
                b"connection: close",
                # What SecurityMiddleware adds to the app's API answers.
                *(f"{k}: {v}".encode() for k, v in {**RESPONSE_HEADERS, **API_HEADERS}.items()),
            ]
            self.transport.write(b"\r\n".join(head) + b"\r\n\r\n" + body)
            self.transport.close()

    return BoundedHttpToolsProtocol
