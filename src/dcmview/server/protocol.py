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

__all__ = ["MAX_HEAD_BYTES", "http_protocol"]

#: The most bytes a request line and its headers may take (h11 allows 16 KiB;
#: the viewer's requests take under 1 KiB).
MAX_HEAD_BYTES = 64 * 1024


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

        _head_bytes = 0
        _in_head = True

        def data_received(self, data: bytes) -> None:
            if self._in_head:
                # Counts whole reads: a read that also carries body bytes can
                # only make the bound a little stricter.
                self._head_bytes += len(data)
                if self._head_bytes > MAX_HEAD_BYTES:
                    self._refuse_head()
                    return
            super().data_received(data)

        def on_headers_complete(self) -> None:
            self._in_head = False
            super().on_headers_complete()

        def on_message_complete(self) -> None:
            super().on_message_complete()
            self._in_head, self._head_bytes = True, 0

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
                # What SecurityMiddleware adds to every answer the app makes.
                b"x-content-type-options: nosniff",
                b"referrer-policy: no-referrer",
                b"cross-origin-resource-policy: same-origin",
                b"cache-control: no-store",
            ]
            self.transport.write(b"\r\n".join(head) + b"\r\n\r\n" + body)
            self.transport.close()

    return BoundedHttpToolsProtocol
