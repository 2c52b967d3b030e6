"""The built viewer's files (``static/``), compressed for the wire and revalidated by the browser.

Through an SSH tunnel or a slow line, the page's JavaScript is on the way to the
first image: gzip or zstd (whichever the browser prefers, :func:`choose_encoding`)
makes the 110 KB bundle about 40 KB. Each text file is compressed once, on its first
request, and kept in memory beside its size and time; the answer names its coding
in its ETag (``"<identity etag>-zstd"``) and carries ``Vary: Accept-Encoding``.
Files that are compressed already (images, fonts) go out as they are.

The bundle's file names are fixed (``assets/index.js``, see frontend/vite.config.ts),
so no answer may be cached as fresh: ``Cache-Control: no-cache`` makes the browser
ask again each time, and the ETag answers that with a 304 when nothing changed, so
a new version of dcmview is never shown with an old page.
"""

from __future__ import annotations

import os
from pathlib import Path

from starlette.datastructures import Headers
from starlette.responses import FileResponse, Response
from starlette.staticfiles import NotModifiedResponse, StaticFiles
from starlette.types import Scope

from dcmview.server.transport import choose_encoding
from dcmview.wire import compress

__all__ = ["ASSET_CACHE_CONTROL", "COMPRESSIBLE_TYPES", "MIN_COMPRESS_SIZE", "ViewerFiles"]

#: On every answer of the viewer's files: use only after asking the server (ETag).
ASSET_CACHE_CONTROL = "no-cache"

#: Media types sent compressed (text); anything else is compressed already or small.
COMPRESSIBLE_TYPES = frozenset(
    {
        "text/html",
        "text/css",
        "text/javascript",
        "application/javascript",
        "application/json",
        "text/plain",
        "image/svg+xml",
    }
)

#: Smaller files go as they are: they fit in one TCP segment either way.
MIN_COMPRESS_SIZE = 1024

# Compressed once per file, so a high level costs nothing later: ~4 ms for the bundle.
_LEVELS = {"zstd": 10, "gzip": 9}


class ViewerFiles(StaticFiles):
    """:class:`~starlette.staticfiles.StaticFiles` that compresses text and asks for revalidation.

    Paths are resolved by StaticFiles itself (no traversal out of the folder, 404
    otherwise); only the answer for a found file differs.
    """

    def __init__(self, *, directory: str | os.PathLike[str], html: bool = False) -> None:
        super().__init__(directory=directory, html=html)
        # (path, mtime_ns, size, coding) -> body; a rebuilt file gets a new entry.
        self._coded: dict[tuple[str, int, int, str], bytes] = {}

    def file_response(
        self,
        full_path: str | os.PathLike[str],
        stat_result: os.stat_result,
        scope: Scope,
        status_code: int = 200,
    ) -> Response:
        """The file as it is, or compressed for the client, or 304 when its copy is current."""
        request_headers = Headers(scope=scope)
        response = FileResponse(full_path, status_code=status_code, stat_result=stat_result)
        response.headers["Cache-Control"] = ASSET_CACHE_CONTROL
        media_type = (response.media_type or "").split(";", 1)[0].strip().lower()
        if media_type not in COMPRESSIBLE_TYPES:
            return self._or_not_modified(response, request_headers)
        response.headers["Vary"] = "Accept-Encoding"
        coding = choose_encoding(request_headers.get("accept-encoding"))
        if coding is None or stat_result.st_size < MIN_COMPRESS_SIZE:
            return self._or_not_modified(response, request_headers)
        headers = {
            "Cache-Control": ASSET_CACHE_CONTROL,
            "Vary": "Accept-Encoding",
            "Content-Encoding": coding,
            # Another representation, so another tag (RFC 9110 8.8.3).
            "ETag": response.headers["etag"][:-1] + f'-{coding}"',
            "Last-Modified": response.headers["last-modified"],
        }
        if self.is_not_modified(Headers(headers=headers), request_headers):
            return NotModifiedResponse(Headers(headers=headers))
        body = self._compressed(Path(full_path), stat_result, coding)
        return Response(body, status_code, headers=headers, media_type=response.media_type)

    def _or_not_modified(self, response: Response, request_headers: Headers) -> Response:
        if self.is_not_modified(response.headers, request_headers):
            return NotModifiedResponse(response.headers)
        return response

    def _compressed(self, path: Path, stat_result: os.stat_result, coding: str) -> bytes:
        # Called on the event loop only (no lock), once per file: the files are small.
        key = (str(path), stat_result.st_mtime_ns, stat_result.st_size, coding)
        body = self._coded.get(key)
        if body is None:
            body = self._coded[key] = compress(path.read_bytes(), coding, level=_LEVELS[coding])
        return body
