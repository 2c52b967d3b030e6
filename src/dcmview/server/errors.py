"""One STATUS table from error class to HTTP status, and the one handler that answers errors.

Every non-2xx answer of the server has the contract's shape
``{"code": "<stable_code>", "error": "<message>"}`` — SDK errors, routing's
404/405, the security checks and unexpected exceptions alike. An unexpected
exception is answered with 500 ``internal``; its traceback goes to the log,
never into the body.
"""

from __future__ import annotations

import logging

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import Scope

from dcmview.sdk.errors import (
    ContourImageError,
    DcmviewError,
    DecodeError,
    DecoderUnavailableError,
    DerivedObjectError,
    DoseGridError,
    FileReadError,
    FrameIndexError,
    GeometryMismatchError,
    ImageGeometryError,
    ImageTooLargeError,
    InvalidInputError,
    InvalidPathError,
    MissingSourceError,
    NoPixelDataError,
    NotDicomError,
    NotFoundError,
    OverlayDataError,
    RedactionError,
    RemoteSourceError,
    RoiFormatError,
    ScanTimeoutError,
    StructureSetError,
    UnsupportedError,
    UnsupportedOverlayError,
    UnsupportedPixelLayoutError,
    WindowError,
    WrongObjectKindError,
)

__all__ = [
    "STATUS",
    "HttpError",
    "error_response",
    "exception_handlers",
    "internal_error_response",
    "status_for",
]

logger = logging.getLogger("dcmview.server")

#: HTTP status of every SDK error class (docs/http-api.md, "Routes"). A class
#: missing here falls back to its nearest listed base class.
STATUS: dict[type[DcmviewError], int] = {
    DcmviewError: 500,
    NotFoundError: 404,
    FrameIndexError: 404,
    InvalidInputError: 400,
    InvalidPathError: 400,
    NotDicomError: 400,
    WindowError: 400,
    RoiFormatError: 400,
    RedactionError: 400,
    # The predecessor answers 404 for a file without Pixel Data: there is no frame.
    NoPixelDataError: 404,
    # A file that was readable at scan time and is not now: the server's side.
    FileReadError: 500,
    UnsupportedError: 422,
    UnsupportedPixelLayoutError: 422,
    ImageTooLargeError: 422,
    DecodeError: 500,
    # The server could decode this with one more package installed.
    DecoderUnavailableError: 501,
    # A derived object (SEG, parametric map, presentation state) the SDK cannot
    # use: the file is there, its content is not usable.
    DerivedObjectError: 422,
    # A file index that names an object of another kind than the route asks for
    # (dose=J not an RT Dose, ...): a bad request, as the predecessor answers.
    WrongObjectKindError: 400,
    # The object's source image is not in the catalog: nothing to draw it on.
    MissingSourceError: 404,
    GeometryMismatchError: 422,
    # Raised by the client's wait_until_scanned, never by the server; listed so
    # that every class has a status.
    ScanTimeoutError: 504,
    # RT objects and overlays: a file whose content cannot be used is 422, a contour
    # on none of the images asked about 404.
    StructureSetError: 422,
    ImageGeometryError: 422,
    DoseGridError: 422,
    ContourImageError: 404,
    OverlayDataError: 422,
    UnsupportedOverlayError: 422,
    # An archive or object store behind the catalog failed or timed out: a gateway error.
    RemoteSourceError: 502,
}


class HttpError(Exception):
    """An HTTP-level refusal that is not an SDK error (token, Host, media type, routing).

    Parameters
    ----------
    status : int
        The HTTP status.
    code : str
        The stable code of the JSON body.
    message : str
        The human-readable message.
    headers : dict of str to str, optional
        Extra response headers (``WWW-Authenticate``, ``Allow``).
    """

    def __init__(
        self, status: int, code: str, message: str, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers or {}


def status_for(exc: DcmviewError) -> int:
    """Return the HTTP status of an SDK error: its class's entry, else its nearest base's."""
    for cls in type(exc).__mro__:
        status = STATUS.get(cls)
        if status is not None:
            return status
    return 500  # pragma: no cover - DcmviewError itself is in STATUS


def error_response(
    status: int, code: str, message: str, headers: dict[str, str] | None = None
) -> JSONResponse:
    """Build the one JSON error shape ``{"code", "error"}``."""
    return JSONResponse({"code": code, "error": message}, status_code=status, headers=headers)


async def _dcmview_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, DcmviewError)
    status = status_for(exc)
    if status >= 500:
        logger.warning(
            "%s %s -> %d %s: %s", request.method, request.url.path, status, exc.code, exc
        )
    message = exc.message
    masker = getattr(getattr(request.app.state, "dcmview", None), "masker", None)
    if masker is not None:
        message = masker.text(message)  # --mask: no real path in an answer
    return error_response(status, exc.code, message)


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HttpError)
    return error_response(exc.status, exc.code, exc.message, exc.headers)


async def _starlette_http(request: Request, exc: Exception) -> Response:
    # Routing's 404/405 (and StaticFiles' 404) in the contract's shape.
    assert isinstance(exc, HTTPException)
    headers = dict(exc.headers or {})
    if exc.status_code == 404:
        if request.url.path.startswith("/api/"):
            return error_response(404, "route_not_found", "API route not found", headers)
        return error_response(404, "asset_not_found", f"not found: {request.url.path}", headers)
    if exc.status_code == 405:
        return error_response(405, "method_not_allowed", "method not allowed", headers)
    return error_response(exc.status_code, "http_error", str(exc.detail), headers)


def internal_error_response(scope: Scope, exc: BaseException) -> JSONResponse:
    """Log `exc` with its traceback and return the 500 ``internal`` answer (no traceback)."""
    # The body never carries the traceback: it could leak paths and values.
    logger.error("internal error on %s %s", scope.get("method"), scope.get("path"), exc_info=exc)
    return error_response(500, "internal", "internal server error; see the server log")


def exception_handlers() -> dict[type[Exception] | int, object]:
    """The handlers to give to ``Starlette(exception_handlers=...)``."""
    return {
        DcmviewError: _dcmview_error,
        HttpError: _http_error,
        HTTPException: _starlette_http,
    }
