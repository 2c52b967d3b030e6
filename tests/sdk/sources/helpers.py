"""A loopback HTTP file server with Range support that counts the bytes it sends.

``http.server``'s SimpleHTTPRequestHandler serves a folder (HTML directory listings
included, which fsspec's HTTP filesystem reads as a prefix) but answers every GET
with the whole file. :class:`RangeHandler` adds single ``Range: bytes=a-b``
requests (206 with Content-Range) and counts, per server, the requests and the body
bytes sent, so that a test can tell how much of a file a reader fetched.
"""

from __future__ import annotations

import contextlib
import http.server
import os
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial
from pathlib import Path

_RANGE = re.compile(r"bytes=(\d*)-(\d*)$")


class Counter:
    """Requests and body bytes sent, thread-safe."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.requests = 0
        self.bytes = 0
        self.by_path: dict[str, int] = {}

    def add(self, path: str, n: int) -> None:
        with self.lock:
            self.requests += 1
            self.bytes += n
            self.by_path[path] = self.by_path.get(path, 0) + n

    def reset(self) -> None:
        with self.lock:
            self.requests = self.bytes = 0
            self.by_path.clear()


class RangeHandler(http.server.SimpleHTTPRequestHandler):
    counter: Counter

    def log_message(self, format: str, *args: object) -> None:
        pass  # quiet tests

    def do_GET(self) -> None:
        rng = self.headers.get("Range")
        path = self.translate_path(self.path)
        if rng is None or not os.path.isfile(path):
            body = self._whole(path)
            return body
        m = _RANGE.match(rng.strip())
        size = os.path.getsize(path)
        if m is None or (not m[1] and not m[2]):
            self.send_error(416)
            return None
        if m[1]:
            start, end = int(m[1]), min(int(m[2]) if m[2] else size - 1, size - 1)
        else:  # the last N bytes
            start, end = max(0, size - int(m[2])), size - 1
        if start > end:
            self.send_response(416)
            self.send_header("Content-Range", f"bytes */{size}")
            self.end_headers()
            return None
        with open(path, "rb") as fh:
            fh.seek(start)
            data = fh.read(end - start + 1)
        self.send_response(206)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Content-Range", f"bytes {start}-{end}/{size}")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Accept-Ranges", "bytes")
        self.end_headers()
        self.counter.add(self.path, len(data))  # counted as sent, even if the reader hangs up
        self._send(data)
        return None

    def _send(self, data: bytes) -> None:
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            self.wfile.write(data)  # a reader that had enough may hang up

    def _whole(self, path: str) -> None:
        f = self.send_head()
        if f is None:
            return
        try:
            data = f.read()
            self.counter.add(self.path, len(data))
            self._send(data)
        finally:
            f.close()

    def end_headers(self) -> None:
        self.send_header("Accept-Ranges", "bytes")
        super().end_headers()


@contextmanager
def serve(folder: Path) -> Iterator[tuple[str, Counter]]:
    """Serve `folder` on a loopback port; yield the base URL and the byte counter."""
    counter = Counter()
    handler = type("Handler", (RangeHandler,), {"counter": counter})
    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), partial(handler, directory=str(folder))
    )
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", counter
    finally:
        server.shutdown()
        server.server_close()
        thread.join(10)
