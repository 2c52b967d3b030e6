"""Client (httpx): one method per HTTP route; maps error JSON back to SDK exceptions.

Talk to a running viewer (``dcmview PATH`` or :func:`dcmview.view`) from a script or a
notebook, also through an SSH forward::

    from dcmview.client import Client
    from dcmview.sdk.roi import Roi

    with Client("http://127.0.0.1:8765/#token=...") as viewer:  # the printed URL
        viewer.wait_until_scanned()
        pixels = viewer.frame_array(0, 0)            # numpy, exactly Frame.array()
        viewer.put_annotations(0, [Roi(10, 20, 60, 90)])

:class:`Client` and :class:`AsyncClient` are twins over one :class:`BaseClient`, as in
httpx: the base builds every request (:class:`_Call`) and parses every answer; the
twins only send and read. Both read bodies as raw bytes and undo the
``Content-Encoding`` themselves, so zstd works without the optional ``zstandard``
package (imagecodecs, a dcmview dependency, decodes it).

Errors: an error answer ``{"code", "error"}`` raises the SDK class of that code
(:func:`~dcmview.sdk.errors.error_class_for_code`) with ``status`` set; an unknown code
(``unauthorized``, ``forbidden_host``, ...) raises :class:`DcmviewError` carrying it.
Connection failures and timeouts stay httpx's own (:class:`httpx.TransportError`).

Over 600 lines on purpose: one method per route, each in two twins, as httpx's own
client is laid out; the wire format lives in :mod:`dcmview.wire`.
"""

from __future__ import annotations

import inspect
import io
import json
import math
import operator
import os
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, Literal, TypeAlias, TypeVar, cast
from urllib.parse import parse_qs, urlsplit, urlunsplit

import httpx
import numpy.typing as npt

from dcmview import wire
from dcmview.sdk.errors import (
    DcmviewError,
    FrameIndexError,
    InvalidInputError,
    NotFoundError,
    ScanTimeoutError,
    WindowError,
    error_class_for_code,
)
from dcmview.sdk.window import Window, WindowLike
from dcmview.server import schemas

if TYPE_CHECKING:
    from types import TracebackType
    from typing import Self

    import pandas as pd
    from PIL import Image

    # Imported where used: sdk.roi brings pandas (0.3 s), which fetching frames never needs.
    from dcmview.sdk.roi import Roi, RoiSet

__all__ = ["DEFAULT_TIMEOUT", "AsyncClient", "BaseClient", "Client", "RoisLike"]

T = TypeVar("T")

#: Seconds httpx waits to connect, read, write (a first decode of a large frame is slow).
DEFAULT_TIMEOUT = 30.0

#: What a client accepts: zstd first (4-7x faster than gzip at a similar ratio,
#: docs/http-api.md), gzip for a server without zstd.
ACCEPT_ENCODING = "zstd, gzip"

#: ROIs for :meth:`Client.put_annotations`: Roi objects, a RoiSet (the file's own
#: ROIs are taken from it) or the JSON body ``{"roi_coords": ..., "roi_frames": ...}``.
RoisLike: TypeAlias = "Iterable[Roi] | RoiSet | Mapping[str, Any]"

_TOKEN_HINT = (
    "pass the token: Client() with the URL dcmview printed (it carries #token=...), "
    "Client(url, token=...), or the DCMVIEW_TOKEN environment variable"
)


# ------------------------------------------------------------------ request building


@dataclass(frozen=True, slots=True)
class _Call(Generic[T]):
    """One request and how to parse its successful answer."""

    method: str
    path: str
    parse: Callable[[httpx.Headers, list[bytes]], T]
    params: Mapping[str, str] | None = None
    body: bytes | None = None


def _index(value: object, what: str) -> int:
    # bool is an int to Python, never an index to a user.
    if isinstance(value, bool):
        raise TypeError(f"{what} must be an int, not {value!r}")
    try:
        return operator.index(value)  # type: ignore[arg-type]  # any __index__ type
    except TypeError:
        raise TypeError(f"{what} must be an int, not {type(value).__name__}") from None


def _hex(rgb: tuple[int, int, int]) -> str:
    """``rrggbb`` of an sRGB triple, each 0..255."""
    values: tuple[object, ...] = tuple(rgb)  # a caller's tuple is not checked by Python
    if len(values) != 3 or not all(isinstance(c, int) and 0 <= c <= 255 for c in values):
        raise InvalidInputError(f"a colour must be three ints 0..255 (r, g, b), not {rgb!r}")
    return "{:02x}{:02x}{:02x}".format(*rgb)


def _file_index(value: object) -> int:
    index = _index(value, "a file index")
    if index < 0:
        # What the SDK's Catalog says; the server would answer 400 invalid_path.
        raise NotFoundError(f"file index {index} is negative; file indexes start at 0")
    return index


def _frame_index(value: object) -> int:
    index = _index(value, "a frame index")
    if index < 0:
        # The SDK raises FrameIndexError for sdk.open(p).frame(-1): the same here.
        raise FrameIndexError(f"frame index {index} is negative; frame indexes are 0-based")
    return index


def _window_params(window: WindowLike, mode: str) -> dict[str, str]:
    if mode not in ("default", "full_dynamic"):
        raise InvalidInputError(f"mode must be 'default' or 'full_dynamic', got {mode!r}")
    # The SDK's own reading of a window: a preset, a pair or a mapping becomes a Window
    # (refused here as the SDK refuses it), "dicom" and "full" stay keywords.
    wanted = Window.coerce(window)
    if isinstance(wanted, str):
        return {"mode": "full_dynamic"} if wanted == "full" else {"mode": mode}
    if wanted.lut is not None:
        raise WindowError(
            "a window with a VOI LUT table cannot be sent over HTTP: pass 'dicom' to "
            "use the file's own VOI LUT"
        )
    # repr keeps every digit of the float; the server parses it back exactly.
    params = {"mode": mode, "wc": repr(wanted.center), "ww": repr(wanted.width)}
    if wanted.function != "LINEAR":
        # Beyond the predecessor's API: without it the server would apply LINEAR.
        params["function"] = wanted.function
    return params


def _level_params(level: int | None, max_size: int | None) -> dict[str, str]:
    """The frame routes' ``level`` / ``max_size``, checked as the server checks them."""
    if level is not None and max_size is not None:
        raise InvalidInputError(
            f"give level or max_size, not both (level={level!r}, max_size={max_size!r})"
        )
    if level is not None:
        value = _index(level, "level")
        if value < 0:
            raise InvalidInputError(f"level must be 0 or more, got {value}")
        return {"level": str(value)}
    if max_size is not None:
        value = _index(max_size, "max_size")
        if value < 1:
            raise InvalidInputError(f"max_size must be 1 or more pixels, got {value}")
        return {"max_size": str(value)}
    return {}


def _split_url(url: str) -> tuple[str, str | None]:
    if not isinstance(url, str):
        raise TypeError(f"url must be a str such as 'http://127.0.0.1:8765/', not {url!r}")
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise InvalidInputError(
            f"{url!r} is not a viewer URL; give the one dcmview printed, "
            "e.g. 'http://127.0.0.1:8765/#token=...'"
        )
    token = parse_qs(parts.fragment).get("token", [None])[0]
    # Keep a path prefix (a reverse proxy's); drop the query and the fragment.
    return urlunsplit((parts.scheme, parts.netloc, parts.path.rstrip("/"), "", "")), token


# ------------------------------------------------------------------- body decoding


def _json_parser(kind: type[T] | str) -> Callable[[httpx.Headers, list[bytes]], T]:
    """A parser of a JSON body; `kind` (the body's TypedDict) only types the result."""

    def parse(headers: httpx.Headers, chunks: list[bytes]) -> T:
        return cast(T, json.loads(wire.decompress(chunks, headers.get("Content-Encoding", ""))))

    return parse


def _bytes(headers: httpx.Headers, chunks: list[bytes]) -> bytes:
    return wire.decompress(chunks, headers.get("Content-Encoding", ""))


def _text(headers: httpx.Headers, chunks: list[bytes]) -> str:
    return _bytes(headers, chunks).decode("utf-8")


def _values(headers: httpx.Headers, chunks: list[bytes]) -> npt.NDArray[Any]:
    """A ``/values`` answer: little-endian float32, shaped by ``X-Frame-Rows``/``-Columns``."""
    import numpy as np

    data = np.frombuffer(_bytes(headers, chunks), dtype="<f4")
    rows, columns = int(headers.get("X-Frame-Rows", 0)), int(headers.get("X-Frame-Columns", 0))
    return data.reshape(rows, columns) if rows * columns == data.size else data


def _rois(headers: httpx.Headers, chunks: list[bytes]) -> tuple[Roi, ...]:
    from dcmview.sdk.roi import rois_from_json

    return rois_from_json(_json_parser(dict)(headers, chunks))


# -------------------------------------------------------------------------- the base


class BaseClient:
    """What :class:`Client` and :class:`AsyncClient` share: URL, token, requests, parsing.

    Parameters
    ----------
    url : str
        The viewer's address: the URL dcmview printed (``http://127.0.0.1:P/#token=T``),
        or a base URL with `token` / ``DCMVIEW_TOKEN``. A path prefix is kept.
    token : str, optional
        The access token; default the URL's ``#token=``, else ``DCMVIEW_TOKEN``, else none
        (a server started with ``--no-token``).
    compress : bool, default True
        Ask for zstd/gzip bodies and byte-plane raw frames. A 3328x2560 16-bit frame
        then travels as 8.2 MB instead of 17.0 MB, for about 5 ms more CPU: a win on any
        link slower than about 1 GB/s (an SSH tunnel, a network). False suits a
        loopback-only loop over many frames (11 ms instead of 15 ms for that frame).

    Raises
    ------
    InvalidInputError
        `url` is not an http(s) URL.
    """

    def __init__(self, url: str, *, token: str | None = None, compress: bool = True) -> None:
        self._base_url, url_token = _split_url(url)
        self._token = token or url_token or os.environ.get("DCMVIEW_TOKEN") or None
        self._compress = bool(compress)

    @property
    def base_url(self) -> str:
        """The address requests go to, without the token (``http://127.0.0.1:8765``)."""
        return self._base_url

    def __repr__(self) -> str:
        # Never the token: reprs end up in logs and notebooks.
        return f"<{type(self).__name__} {self._base_url}>"

    def _request(self, http: httpx.Client | httpx.AsyncClient, call: _Call[Any]) -> httpx.Request:
        # Per request, so an injected httpx client needs no configuration; its own
        # default headers (say an Authorization for a proxy) stay when we add none.
        headers = {"Accept-Encoding": ACCEPT_ENCODING if self._compress else "identity"}
        if self._token is not None:
            headers["Authorization"] = f"Bearer {self._token}"
        if call.body is not None:
            headers["Content-Type"] = "application/json"
        return http.build_request(
            call.method,
            self._base_url + call.path,
            params=call.params,
            content=call.body,
            headers=headers,
        )

    def _finish(self, call: _Call[T], response: httpx.Response, chunks: list[bytes]) -> T:
        if response.is_success:
            return call.parse(response.headers, chunks)
        raise self._error(response, chunks)

    def _error(self, response: httpx.Response, chunks: list[bytes]) -> DcmviewError:
        status = response.status_code
        where = f"{response.request.method} {response.request.url.path}"
        try:
            body = json.loads(_bytes(response.headers, chunks))
            code, message = str(body["code"]), str(body["error"])
        except Exception:  # not the server's JSON shape: a proxy's page, a foreign server
            text = b"".join(chunks)[:200].decode("utf-8", "replace").strip()
            exc = DcmviewError(f"HTTP {status} from {where}: {text or response.reason_phrase}")
            exc.status = status
            return exc
        cls = error_class_for_code(code)
        if status == 401:
            given = "the token given was refused" if self._token else "no token was given"
            message = f"{message} ({given}); {_TOKEN_HINT}"
        exc = cls(message)
        exc.status = status
        if cls is DcmviewError:
            exc.code = code  # keep the server's code when no SDK class has it
        return exc

    # -- one _Call per route (the twins run them) --

    def _health(self) -> _Call[schemas.HealthBody]:
        return _Call("GET", "/api/health", _json_parser(schemas.HealthBody))

    def _openapi(self) -> _Call[dict[str, Any]]:
        return _Call("GET", "/api/openapi.json", _json_parser("dict[str, Any]"))

    def _files(self) -> _Call[schemas.FilesBody]:
        return _Call("GET", "/api/files", _json_parser(schemas.FilesBody))

    def _series(self) -> _Call[schemas.SeriesBody]:
        return _Call("GET", "/api/series", _json_parser(schemas.SeriesBody))

    def _patients(self) -> _Call[schemas.PatientsBody]:
        return _Call("GET", "/api/patients", _json_parser(schemas.PatientsBody))

    def _info(self, index: int) -> _Call[schemas.InfoBody]:
        path = f"/api/file/{_file_index(index)}/info"
        return _Call("GET", path, _json_parser(schemas.InfoBody))

    def _frame_path(self, index: int, frame: int) -> str:
        return f"/api/file/{_file_index(index)}/frame/{_frame_index(frame)}"

    def _frame_png(
        self,
        index: int,
        frame: int,
        window: WindowLike,
        mode: str,
        level: int | None = None,
        max_size: int | None = None,
    ) -> _Call[bytes]:
        params = {**_window_params(window, mode), **_level_params(level, max_size)}
        return _Call("GET", self._frame_path(index, frame), _bytes, params)

    def _frame_array(
        self, index: int, frame: int, level: int | None = None, max_size: int | None = None
    ) -> _Call[npt.NDArray[Any]]:
        # Byte planes compress to ~0.7x of plain zstd; undone in 3 ms (see wire.decode_frame).
        path = self._frame_path(index, frame) + "/raw"
        params = {"shuffle": "bytes"} if self._compress else {}
        params.update(_level_params(level, max_size))
        return _Call("GET", path, wire.decode_frame, params or None)

    def _pixel(self, index: int, frame: int, row: int, column: int) -> _Call[schemas.PixelBody]:
        params = {"row": str(_index(row, "row")), "column": str(_index(column, "column"))}
        path = self._frame_path(index, frame) + "/pixel"
        return _Call("GET", path, _json_parser(schemas.PixelBody), params)

    def _raw_pixel(self, index: int, frame: int, row: int, column: int) -> _Call[npt.NDArray[Any]]:
        params = {"row": str(_index(row, "row")), "column": str(_index(column, "column"))}
        path = self._frame_path(index, frame) + "/raw/pixel"
        return _Call("GET", path, wire.decode_frame, params)

    def _cine(
        self,
        index: int,
        fmt: str,
        fps: float | None,
        window: WindowLike,
        level: int | None,
        max_size: int | None,
        rois: bool,
    ) -> _Call[bytes]:
        params = {
            "format": fmt,
            **_window_params(window, "default"),
            **_level_params(level, max_size),
        }
        if fps is not None:
            params["fps"] = repr(float(fps))
        if rois:
            params["rois"] = "1"
        return _Call("GET", f"/api/file/{_file_index(index)}/cine", _bytes, params)

    def _tags(self, index: int) -> _Call[list[schemas.TagNode]]:
        return _Call("GET", f"/api/file/{_file_index(index)}/tags", _json_parser(list))

    def _tag(self, index: int, path: str, offset: int, limit: int | None) -> _Call[schemas.TagNode]:
        params = {"path": path, "offset": str(_index(offset, "offset"))}
        if limit is not None:
            params["limit"] = str(limit)
        url = f"/api/file/{_file_index(index)}/tags/select"
        return _Call("GET", url, _json_parser(dict), params)

    def _references(self, index: int) -> _Call[schemas.ReferencesBody]:
        path = f"/api/file/{_file_index(index)}/references"
        return _Call("GET", path, _json_parser(schemas.ReferencesBody))

    def _document(self, index: int) -> _Call[schemas.DocumentBody]:
        path = f"/api/file/{_file_index(index)}/document"
        return _Call("GET", path, _json_parser(schemas.DocumentBody))

    def _segmentation_overlay(
        self,
        index: int,
        frame: int,
        seg: int | None,
        segments: Iterable[int] | None = None,
        colors: Mapping[int, tuple[int, int, int]] | None = None,
    ) -> _Call[bytes]:
        params = {} if seg is None else {"seg": str(_file_index(seg))}
        if segments is not None:
            params["segments"] = ",".join(str(_index(n, "a Segment Number")) for n in segments)
        if colors is not None:
            params["colors"] = ",".join(
                f"{_index(n, 'a Segment Number')}:{_hex(rgb)}" for n, rgb in colors.items()
            )
        path = self._frame_path(index, frame) + "/segmentation-overlay"
        return _Call("GET", path, _bytes, params)

    def _semantic_context(self, index: int) -> _Call[schemas.SemanticContextBody]:
        path = f"/api/file/{_file_index(index)}/semantic-context"
        return _Call("GET", path, _json_parser(schemas.SemanticContextBody))

    def _value_layer(
        self, index: int, frame: int, route: str, param: str, obj: int, values: bool
    ) -> _Call[Any]:
        path = self._frame_path(index, frame) + route + ("/values" if values else "")
        parse: Callable[[httpx.Headers, list[bytes]], Any] = _values if values else _bytes
        return _Call("GET", path, parse, {param: str(_file_index(obj))})

    def _value_legend(
        self, index: int, frame: int, dose: int | None, pmap: int | None
    ) -> _Call[schemas.ValueLegendBody]:
        if (dose is None) == (pmap is None):
            raise InvalidInputError("give one of dose or pmap (a file index)")
        params = {"dose": str(_file_index(dose))} if dose is not None else {}
        if pmap is not None:
            params["map"] = str(_file_index(pmap))
        path = self._frame_path(index, frame) + "/value-legend"
        return _Call("GET", path, _json_parser(schemas.ValueLegendBody), params)

    def _graphic_annotations(
        self, index: int, frame: int, state: int
    ) -> _Call[schemas.GraphicAnnotationsBody]:
        path = self._frame_path(index, frame) + "/graphic-annotations"
        params = {"state": str(_file_index(state))}
        return _Call("GET", path, _json_parser(schemas.GraphicAnnotationsBody), params)

    def _presentation_layer(self, index: int, frame: int) -> _Call[bytes]:
        return _Call("GET", self._frame_path(index, frame) + "/presentation-layer", _bytes)

    def _value_mapping(self, index: int, frame: int) -> _Call[schemas.ValueMappingBody]:
        path = self._frame_path(index, frame) + "/value-mapping"
        return _Call("GET", path, _json_parser(schemas.ValueMappingBody))

    def _rt_contours(
        self, index: int, frame: int, structure_set: int | None
    ) -> _Call[schemas.RtContoursBody]:
        params = (
            None if structure_set is None else {"structure_set": str(_file_index(structure_set))}
        )
        path = self._frame_path(index, frame) + "/rt-contours"
        return _Call("GET", path, _json_parser(schemas.RtContoursBody), params)

    def _annotations(self, index: int) -> _Call[tuple[Roi, ...]]:
        return _Call("GET", f"/api/file/{_file_index(index)}/annotations", _rois)

    def _put_annotations(
        self,
        index: int,
        rois: RoisLike,
        files: schemas.FilesBody | None,
        route: str = "annotations",
    ) -> _Call[tuple[Roi, ...]]:
        from dcmview.sdk.roi import RoiSet, rois_to_json

        path = f"/api/file/{_file_index(index)}/{route}"
        payload: object
        if isinstance(rois, RoiSet):
            assert files is not None
            payload = rois_to_json(rois.for_instance(_path_of(files, index)))
        elif isinstance(rois, Mapping):
            payload = dict(rois)  # the JSON body as given; the server validates it
        else:
            payload = rois_to_json(_roi_list(rois))
        body = json.dumps(payload, allow_nan=False).encode()
        return _Call("PUT", path, _rois, body=body)

    def _export_csv(self) -> _Call[str]:
        return _Call("GET", "/api/annotations/export.csv", _text)

    def _redactions(self, index: int) -> _Call[tuple[Roi, ...]]:
        return _Call("GET", f"/api/file/{_file_index(index)}/redactions", _rois)

    def _series_redactions(self, index: int) -> _Call[schemas.SeriesRedactionsBody]:
        path = f"/api/file/{_file_index(index)}/redactions/series"
        return _Call("PUT", path, _json_parser(schemas.SeriesRedactionsBody), body=b"{}")

    def _export_redactions_csv(self) -> _Call[str]:
        return _Call("GET", "/api/redactions/export.csv", _text)


def _check_http(http: object, kind: type) -> None:
    """TypeError unless `http` is None or an httpx client of the right (a)sync kind."""
    # Duck-typed beyond isinstance: Starlette 1.x's TestClient is an httpx2.Client
    # once httpx2 is installed, with the same API.
    if http is None or isinstance(http, kind):
        return
    send = getattr(http, "send", None)
    if not (
        callable(getattr(http, "build_request", None))
        and callable(send)
        and inspect.iscoroutinefunction(send) == (kind is httpx.AsyncClient)
    ):
        raise TypeError(f"http must be an httpx.{kind.__name__}, not {http!r}")


def _roi_list(rois: Iterable[Roi]) -> list[Roi]:
    from dcmview.sdk.roi import Roi

    items = list(rois)
    for i, roi in enumerate(items):
        if not isinstance(roi, Roi):
            raise TypeError(
                f"rois[{i}] is a {type(roi).__name__}, not a dcmview Roi; pass Roi objects, "
                "a RoiSet or the JSON body {'roi_coords': [...]}"
            )
    return items


def _is_roi_set(rois: object) -> bool:
    from dcmview.sdk.roi import RoiSet

    return isinstance(rois, RoiSet)


def _path_of(files: schemas.FilesBody, index: int) -> str:
    for entry in files["files"]:
        if entry["index"] == index:
            return entry["path"]
    raise NotFoundError(f"file index {index} is not in the viewer's {len(files['files'])} files")


def _matches(files: schemas.FilesBody, rois: RoiSet | pd.DataFrame) -> list[tuple[int, list[Roi]]]:
    """(index, ROIs) of every file of `rois` the viewer serves, matched by path."""
    from dcmview.sdk.roi import RoiSet

    if not isinstance(rois, RoiSet):
        rois = RoiSet.from_dataframe(rois)
    by_path = {entry["path"]: entry["index"] for entry in files["files"]}
    return [(by_path[path], list(items)) for path, items in rois.items() if path in by_path]


def _files_frame(files: schemas.FilesBody) -> pd.DataFrame:
    import pandas as pd

    records = []
    for entry in files["files"]:
        row: dict[str, Any] = {k: v for k, v in entry.items() if k != "default_window"}
        window = entry.get("default_window")
        row["window_center"] = window["center"] if window else math.nan
        row["window_width"] = window["width"] if window else math.nan
        records.append(row)
    table = pd.DataFrame.from_records(records)
    return table.set_index("index") if len(table) else table


def _scan_wait(timeout: float | None, interval: float) -> tuple[float | None, float]:
    if interval <= 0:
        raise InvalidInputError(f"interval must be > 0 seconds, got {interval}")
    return (None if timeout is None else time.monotonic() + timeout), interval


def _scan_complete(health: Mapping[str, object]) -> bool | None:
    """``scan_complete`` of a health body; None when the server does not say (predecessor)."""
    done = health.get("scan_complete")
    return done if isinstance(done, bool) else None


def _scan_timeout(timeout: float | None, health: schemas.HealthBody) -> ScanTimeoutError:
    return ScanTimeoutError(
        f"the viewer was still scanning after {timeout} s ({health['file_count']} files so far)"
    )


# ------------------------------------------------------------------------ the twins


class Client(BaseClient):
    """A synchronous client of a running dcmview viewer; one method per HTTP route.

    Parameters
    ----------
    url : str
        The URL dcmview printed (``http://127.0.0.1:8765/#token=...``): its fragment
        carries the token. Or a base URL with `token` or ``DCMVIEW_TOKEN``. Any host
        and port that reach the server work (an SSH forward's local port included).
    token : str, optional
        The access token, if `url` has none; default ``DCMVIEW_TOKEN``.
    timeout : float or httpx.Timeout, default 30
        Seconds to connect, and to wait for each read, when the client makes its own
        httpx client; an injected `http` keeps its own timeouts.
    http : httpx.Client, optional
        The httpx client to send with (proxies, certificates, a Unix socket through
        ``httpx.HTTPTransport(uds=...)``, or Starlette's ``TestClient`` in tests). It
        is not closed by :meth:`close`; a client made here is.
    compress : bool, default True
        Ask for compressed bodies (zstd, else gzip) and byte-plane raw frames; see
        :class:`BaseClient`.

    Raises
    ------
    InvalidInputError
        `url` is not an http(s) URL.

    Notes
    -----
    Every method raises the SDK error the server mapped (``FrameIndexError`` for a
    frame out of range, ``WindowError``, ``RoiFormatError``, ...) with ``status`` set
    to the HTTP status; an unknown code (``unauthorized`` 401, ``forbidden_host`` 403)
    raises :class:`~dcmview.sdk.errors.DcmviewError` with ``code`` and ``status``.
    Connection failures and timeouts are httpx's own :class:`httpx.TransportError`.

    Examples
    --------
    >>> from dcmview.client import Client
    >>> with Client("http://127.0.0.1:8765/#token=abc") as viewer:
    ...     viewer.base_url
    'http://127.0.0.1:8765'
    """

    def __init__(
        self,
        url: str,
        *,
        token: str | None = None,
        timeout: float | httpx.Timeout = DEFAULT_TIMEOUT,
        http: httpx.Client | None = None,
        compress: bool = True,
    ) -> None:
        super().__init__(url, token=token, compress=compress)
        _check_http(http, httpx.Client)
        self._owns_http = http is None
        self._http = http if http is not None else httpx.Client(timeout=timeout)

    def close(self) -> None:
        """Close the httpx client if this client made it (an injected one stays open)."""
        if self._owns_http:
            self._http.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def _run(self, call: _Call[T]) -> T:
        response = self._http.send(self._request(self._http, call), stream=True)
        try:
            # Raw bytes: the Content-Encoding is undone by _finish (zstd without zstandard).
            chunks = list(response.iter_raw())
        finally:
            response.close()
        return self._finish(call, response, chunks)

    def health(self) -> schemas.HealthBody:
        """``GET /api/health``: ``{"status": "ok", "file_count", "scan_complete", ...}``."""
        return self._run(self._health())

    def openapi(self) -> dict[str, Any]:
        """``GET /api/openapi.json``: the OpenAPI 3.1 document of the HTTP API."""
        return self._run(self._openapi())

    def files(self) -> schemas.FilesBody:
        """``GET /api/files``: the catalog so far (``files``), with the scan's progress.

        Returns
        -------
        FilesBody
            ``files`` (one :class:`~dcmview.server.schemas.FileSummary` per file, its
            ``index`` is the `index` of the other methods; ``object_kind``,
            ``support_state`` and the other fields of :func:`dcmview.sdk.classify`
            say what each file is and whether it can be shown), ``scan_complete``,
            ``scanned``, ``skipped``, ``filtered``, ``discovery`` (skipped paths and why).
        """
        return self._run(self._files())

    def files_frame(self) -> pd.DataFrame:
        """The files of :meth:`files` as a DataFrame indexed by file index.

        ``default_window`` becomes the columns ``window_center`` and ``window_width``
        (NaN when the file has none).
        """
        return _files_frame(self.files())

    def series(self) -> schemas.SeriesBody:
        """``GET /api/series``: series → stacks → frames with positions (predecessor shape)."""
        return self._run(self._series())

    def patients(self) -> schemas.PatientsBody:
        """``GET /api/patients``: patients → studies → series → instances in stack order."""
        return self._run(self._patients())

    def info(self, index: int) -> schemas.InfoBody:
        """``GET /api/file/:i/info``: ``frame_count``, ``rows``, ``columns``, ``default_window``...

        Also ``object_kind``, ``support_state`` and ``support_reason``
        (:func:`dcmview.sdk.classify`): whether the frames can be shown, and why not.

        Raises
        ------
        NotFoundError
            No file has this index.
        """
        return self._run(self._info(index))

    def frame_png(
        self,
        index: int,
        frame: int = 0,
        *,
        window: WindowLike = None,
        mode: Literal["default", "full_dynamic"] = "default",
        level: int | None = None,
        max_size: int | None = None,
    ) -> bytes:
        """``GET /api/file/:i/frame/:f``: the frame windowed to 8 bits, as PNG bytes.

        Parameters
        ----------
        index, frame : int
            File index (from :meth:`files`) and 0-based frame index.
        window : Window, (center, width), {"center", "width"}, str or None
            The VOI window in modality units (PS3.3 C.11.2.1.2), read as the SDK reads
            it (:data:`dcmview.sdk.window.WindowLike`): None or ``"dicom"``: the file's
            own window for that frame, else its 1st..99th percentile; ``"full"``: the
            frame's minimum..maximum; a preset name is its Window. A pair or mapping is
            LINEAR; a Window's LINEAR_EXACT or SIGMOID function travels as ``function``
            (beyond the predecessor's API); a Window holding a VOI LUT table raises
            WindowError (pass ``"dicom"`` for the file's own). Colour frames are not
            windowed.
        mode : {"default", "full_dynamic"}
            The route's ``mode``; ``"full_dynamic"`` is ``window="full"``.
        level : int, optional
            A resolution level (beyond the predecessor's API): the frame at
            ``1 / 2**level`` of its size, ``ceil(rows / 2**level)`` ×
            ``ceil(columns / 2**level)`` pixels (docs/http-api.md, "Resolution levels").
        max_size : int, optional
            Instead of `level`: the least-work level whose larger side is still at
            least `max_size` pixels (``dcmview.sdk.levels.level_for``).

        Raises
        ------
        FrameIndexError
            `frame` outside ``0 .. frame_count - 1``.
        WindowError
            A window the SDK refuses (a width too small, not two finite numbers, an
            unknown name), before anything is sent.
        InvalidInputError
            Both `level` and `max_size`, a negative level, `max_size` below 1, or a
            level past the frame's deepest (from the server).
        """
        return self._run(self._frame_png(index, frame, window, mode, level, max_size))

    def frame_image(
        self,
        index: int,
        frame: int = 0,
        *,
        window: WindowLike = None,
        mode: Literal["default", "full_dynamic"] = "default",
        level: int | None = None,
        max_size: int | None = None,
    ) -> Image.Image:
        """:meth:`frame_png` decoded as a Pillow image (mode ``L`` or ``RGB``)."""
        from PIL import Image

        png = self.frame_png(index, frame, window=window, mode=mode, level=level, max_size=max_size)
        image = Image.open(io.BytesIO(png))
        image.load()
        return image

    def frame_array(
        self,
        index: int,
        frame: int = 0,
        *,
        level: int | None = None,
        max_size: int | None = None,
    ) -> npt.NDArray[Any]:
        """``GET /api/file/:i/frame/:f/raw``: the frame's stored values as numpy.

        Parameters
        ----------
        index, frame : int
            File index (from :meth:`files`) and 0-based frame index.
        level : int, optional
            A resolution level (beyond the predecessor's API); see :meth:`frame_png`.
        max_size : int, optional
            Instead of `level`: the least-work level whose larger side is still at
            least `max_size` pixels.

        Returns
        -------
        numpy.ndarray
            Equal to ``dcmview.sdk.open(path).frame(frame).array(level)`` on the server:
            same dtype (``uint8``/``int16``/``uint16``/``float32``...), shape (rows,
            columns) or (rows, columns, samples), YBR converted to RGB, palette not
            applied. Writable, owned by the caller.

        Raises
        ------
        FrameIndexError, NoPixelDataError, DecodeError, UnsupportedError
            As :meth:`dcmview.sdk.Frame.array` raises them on the server.
        InvalidInputError
            Both `level` and `max_size`, or values out of range.
        """
        return self._run(self._frame_array(index, frame, level, max_size))

    def pixel(self, index: int, frame: int, row: int, column: int) -> schemas.PixelBody:
        """``GET /api/file/:i/frame/:f/pixel``: one stored sample and its modality value.

        Raises
        ------
        InvalidInputError
            `row` / `column` outside the frame.
        """
        return self._run(self._pixel(index, frame, row, column))

    def raw_pixel(self, index: int, frame: int, row: int, column: int) -> npt.NDArray[Any]:
        """``GET /api/file/:i/frame/:f/raw/pixel``: one pixel's stored samples, shape (1, 1[, 3]).

        Raises
        ------
        InvalidInputError
            `row` / `column` outside the frame.
        """
        return self._run(self._raw_pixel(index, frame, row, column))

    def cine(
        self,
        index: int,
        format: str = "webp",
        *,
        fps: float | None = None,
        window: WindowLike = None,
        level: int | None = None,
        max_size: int | None = None,
        rois: bool = False,
    ) -> bytes:
        """``GET /api/file/:i/cine``: the frames as an animation file (``Instance.export_cine``).

        Parameters
        ----------
        index : int
        format : str
            ``"webp"``, ``"png"`` (APNG), ``"gif"`` or ``"mp4"`` (the server needs PyAV).
        fps : float, optional
            Frames per second (0.1 to 1000); the file's own rate by default.
        window, level, max_size
            As for :meth:`frame_png`.
        rois : bool
            Draw the file's ROIs (as edited on the server) in.
        """
        return self._run(self._cine(index, format, fps, window, level, max_size, rois))

    def tags(self, index: int) -> list[schemas.TagNode]:
        """``GET /api/file/:i/tags``: the header as ``{"tag", "vr", "keyword", "value"}`` nodes."""
        return self._run(self._tags(index))

    def tag(
        self, index: int, path: str, *, offset: int = 0, limit: int | None = None
    ) -> schemas.TagNode:
        """``GET /api/file/:i/tags/select``: one element by tag path, a page of its items.

        Parameters
        ----------
        index : int
        path : str
            ``"(0010,0010)"``, or tags and item numbers: ``"(0040,A730)/0/(0040,A043)"``.
        offset, limit : int
            The page of a sequence's items (`limit` 1..256, 100 by default).

        Raises
        ------
        InvalidInputError
            A malformed path, or one that names nothing in the file.
        """
        return self._run(self._tag(index, path, offset, limit))

    def references(self, index: int) -> schemas.ReferencesBody:
        """``GET /api/file/:i/references``: what file i refers to, and what refers to it.

        The predecessor's ``references`` (each instance named, with the catalog
        files that are it) and the SDK's :class:`~dcmview.sdk.references.References`
        fields (``refers_to``, ``referenced_by``, ``missing``, as its ``to_json``).

        Raises
        ------
        NotFoundError
            No file has this index.
        """
        return self._run(self._references(index))

    def document(self, index: int) -> schemas.DocumentBody:
        """``GET /api/file/:i/document``: the file as a document (an SR's content tree).

        :meth:`dcmview.sdk.document.Document.to_json`: title, SOP Class, the SR's
        completion and verification flags, and ``items`` (relationship, value type,
        concept, value as text, children); an object without a Content Sequence
        has no items.

        Raises
        ------
        NotFoundError
            No file has this index.
        """
        return self._run(self._document(index))

    def segmentation_overlay(
        self,
        index: int,
        frame: int = 0,
        *,
        seg: int | None = None,
        segments: Iterable[int] | None = None,
        colors: Mapping[int, tuple[int, int, int]] | None = None,
    ) -> bytes:
        """``GET /api/file/:i/frame/:f/segmentation-overlay``: RGBA PNG bytes.

        The segmentations (SEG files of the catalog) on frame `frame` of image file
        `index`, as :func:`dcmview.sdk.seg_overlays.segmentation_overlay` draws them;
        `seg`: only the SEG that is that file index; `segments`: only those Segment
        Numbers; `colors`: sRGB ``(r, g, b)`` by Segment Number, drawn instead of the
        segments' recommended colours.

        Raises
        ------
        NotFoundError
            No SEG has masks for the frame (or no such file); FrameIndexError for a
            frame out of range.
        """
        return self._run(self._segmentation_overlay(index, frame, seg, segments, colors))

    def semantic_context(self, index: int) -> schemas.SemanticContextBody:
        """``GET /api/file/:i/semantic-context``: what a SEG, RT Dose, map or state means.

        As :func:`dcmview.sdk.semantic.semantic_context`, with the ``/references``
        entries (``context["kind"]`` is ``"not_applicable"`` for other files).
        """
        return self._run(self._semantic_context(index))

    def dose_overlay(self, index: int, frame: int, dose: int) -> bytes:
        """``GET /api/file/:i/frame/:f/dose-overlay?dose=J``: the dose colour wash, RGBA PNG.

        Raises
        ------
        WrongObjectKindError
            File `dose` is not an RT Dose.
        GeometryMismatchError, ImageGeometryError
            The frame is not in the dose grid's Frame of Reference, or has no plane.
        """
        call = self._value_layer(index, frame, "/dose-overlay", "dose", dose, False)
        return cast(bytes, self._run(call))

    def dose_values(self, index: int, frame: int, dose: int) -> npt.NDArray[Any]:
        """``GET .../dose-overlay/values?dose=J``: dose in Gy on the frame's pixels.

        float32 (rows, columns), NaN outside the grid
        (:func:`dcmview.sdk.value_overlays.dose_on_frame`).
        """
        call = self._value_layer(index, frame, "/dose-overlay", "dose", dose, True)
        return cast("npt.NDArray[Any]", self._run(call))

    def parametric_map_overlay(self, index: int, frame: int, pmap: int) -> bytes:
        """``GET /api/file/:i/frame/:f/parametric-map-overlay?map=J``: RGBA PNG (viridis)."""
        call = self._value_layer(index, frame, "/parametric-map-overlay", "map", pmap, False)
        return cast(bytes, self._run(call))

    def parametric_map_values(self, index: int, frame: int, pmap: int) -> npt.NDArray[Any]:
        """``GET .../parametric-map-overlay/values?map=J``: values, float32 (rows, columns)."""
        call = self._value_layer(index, frame, "/parametric-map-overlay", "map", pmap, True)
        return cast("npt.NDArray[Any]", self._run(call))

    def value_legend(
        self, index: int, frame: int, *, dose: int | None = None, pmap: int | None = None
    ) -> schemas.ValueLegendBody:
        """``GET /api/file/:i/frame/:f/value-legend``: the colour scale of a dose or map overlay."""
        return self._run(self._value_legend(index, frame, dose, pmap))

    def graphic_annotations(
        self, index: int, frame: int, state: int
    ) -> schemas.GraphicAnnotationsBody:
        """``GET /api/file/:i/frame/:f/graphic-annotations?state=J``: GSPS graphics, texts.

        Also ``presentation``: the window, inversion, rotation, flip, displayed
        area and shutters the state sets for the frame (None when it does not
        apply), :meth:`PresentationState.display_settings
        <dcmview.sdk.presentation.PresentationState.display_settings>`.
        """
        return self._run(self._graphic_annotations(index, frame, state))

    def presentation_layer(self, index: int, frame: int = 0) -> bytes:
        """``GET /api/file/:i/frame/:f/presentation-layer``: the Overlay Planes (60xx), RGBA PNG."""
        return self._run(self._presentation_layer(index, frame))

    def value_mapping(self, index: int, frame: int = 0) -> schemas.ValueMappingBody:
        """``GET /api/file/:i/frame/:f/value-mapping``: rescale, real-world mappings, VOI LUT."""
        return self._run(self._value_mapping(index, frame))

    def rt_contours(
        self, index: int, frame: int = 0, *, structure_set: int | None = None
    ) -> schemas.RtContoursBody:
        """``GET /api/file/:i/frame/:f/rt-contours``: RTSTRUCT polygons as ``[row, column]``."""
        return self._run(self._rt_contours(index, frame, structure_set))

    def annotations(self, index: int) -> tuple[Roi, ...]:
        """``GET /api/file/:i/annotations``: the file's ROIs (as ``RoiSet.for_instance``)."""
        return self._run(self._annotations(index))

    def put_annotations(self, index: int, rois: RoisLike) -> tuple[Roi, ...]:
        """``PUT /api/file/:i/annotations``: replace the file's ROIs; ``[]`` deletes them.

        Parameters
        ----------
        index : int
            The file.
        rois : iterable of Roi, RoiSet or mapping
            The new ROIs: Roi objects, a RoiSet (its ROIs for this file's path, which
            costs one :meth:`files` request), or the JSON body
            ``{"roi_coords": [[ymin, xmin, ymax, xmax], ...], "roi_frames": [...]}``.

        Returns
        -------
        tuple of Roi
            What the viewer stored (its canonical form).

        Raises
        ------
        RoiFormatError
            A box outside the image or a frame out of range (HTTP 400).
        """
        files = self.files() if _is_roi_set(rois) else None
        return self._run(self._put_annotations(index, rois, files))

    def push_annotations(self, rois: RoiSet | pd.DataFrame) -> dict[int, tuple[Roi, ...]]:
        """Send the ROIs of every file the viewer serves, matched by absolute path.

        Parameters
        ----------
        rois : RoiSet or pandas.DataFrame
            A RoiSet, or a DataFrame with the EMBED columns (``anon_dicom_path``,
            ``ROI_coords``, optional ``ROI_frames``; see ``RoiSet.from_dataframe``).
            Paths name files as the server sees them; rows of other files are skipped.

        Returns
        -------
        dict of int to tuple of Roi
            What the viewer stored, by file index.
        """
        matched = _matches(self.files(), rois)
        return {i: self._run(self._put_annotations(i, items, None)) for i, items in matched}

    def export_csv(self) -> str:
        """``GET /api/annotations/export.csv``: every annotation as EMBED CSV text."""
        return self._run(self._export_csv())

    def export_annotations(self) -> pd.DataFrame:
        """:meth:`export_csv` read by pandas (one row per annotated file, ROI cells as text)."""
        import pandas as pd

        return pd.read_csv(io.StringIO(self.export_csv()))

    def redactions(self, index: int) -> tuple[Roi, ...]:
        """``GET /api/file/:i/redactions``: the file's redaction boxes."""
        return self._run(self._redactions(index))

    def put_redactions(self, index: int, rois: RoisLike) -> tuple[Roi, ...]:
        """``PUT /api/file/:i/redactions``: replace the file's redaction boxes; ``[]`` removes them.

        The viewer removes the pixels under the boxes from every image, raw frame,
        pixel readout and thumbnail of the file from then on. `rois` as for
        :meth:`put_annotations`.

        Raises
        ------
        RedactionError
            A box outside the image, a frame out of range, a body of the wrong
            shape (HTTP 400); nothing is stored.
        """
        files = self.files() if _is_roi_set(rois) else None
        return self._run(self._put_annotations(index, rois, files, "redactions"))

    def put_series_redactions(self, index: int) -> list[int]:
        """``PUT /api/file/:i/redactions/series``: the file's boxes onto the rest of its series.

        Returns
        -------
        list of int
            The other files of the series that now have the boxes (those they fit).
        """
        return self._run(self._series_redactions(index))["file_indices"]

    def export_redactions_csv(self) -> str:
        """``GET /api/redactions/export.csv``: every redaction box as EMBED CSV (real paths)."""
        return self._run(self._export_redactions_csv())

    def wait_until_scanned(
        self, timeout: float | None = 60.0, *, interval: float = 0.1
    ) -> schemas.HealthBody:
        """Poll :meth:`health` until the viewer's scan is complete.

        Parameters
        ----------
        timeout : float or None, default 60
            Seconds to wait at most; None waits as long as it takes.
        interval : float, default 0.1
            Seconds between polls.

        Returns
        -------
        HealthBody
            The first answer with ``scan_complete`` true.

        Raises
        ------
        ScanTimeoutError
            Still scanning after `timeout` seconds (a :class:`DcmviewError` and a
            :class:`TimeoutError`).
        """
        deadline, interval = _scan_wait(timeout, interval)
        while True:
            health = self.health()
            done = _scan_complete(health)
            if done is None:  # the predecessor's health has no scan_complete; its files do
                done = self.files()["scan_complete"]
            if done:
                return health
            if deadline is not None and time.monotonic() >= deadline:
                raise _scan_timeout(timeout, health)
            pause = interval if deadline is None else min(interval, deadline - time.monotonic())
            time.sleep(max(pause, 0.0))


class AsyncClient(BaseClient):
    """The asynchronous twin of :class:`Client`: the same methods, awaited.

    Parameters are those of :class:`Client`; `http` is an :class:`httpx.AsyncClient`
    (for tests, ``httpx.AsyncClient(transport=httpx.ASGITransport(app))``).

    Examples
    --------
    >>> import asyncio
    >>> from dcmview.client import AsyncClient
    >>> async def main():
    ...     async with AsyncClient("http://127.0.0.1:8765/#token=abc") as viewer:
    ...         return viewer.base_url
    >>> asyncio.run(main())
    'http://127.0.0.1:8765'
    """

    def __init__(
        self,
        url: str,
        *,
        token: str | None = None,
        timeout: float | httpx.Timeout = DEFAULT_TIMEOUT,
        http: httpx.AsyncClient | None = None,
        compress: bool = True,
    ) -> None:
        super().__init__(url, token=token, compress=compress)
        _check_http(http, httpx.AsyncClient)
        self._owns_http = http is None
        self._http = http if http is not None else httpx.AsyncClient(timeout=timeout)

    async def aclose(self) -> None:
        """Close the httpx client if this client made it."""
        if self._owns_http:
            await self._http.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def _run(self, call: _Call[T]) -> T:
        response = await self._http.send(self._request(self._http, call), stream=True)
        try:
            chunks = [chunk async for chunk in response.aiter_raw()]
        finally:
            await response.aclose()
        return self._finish(call, response, chunks)

    async def health(self) -> schemas.HealthBody:
        """See :meth:`Client.health`."""
        return await self._run(self._health())

    async def openapi(self) -> dict[str, Any]:
        """See :meth:`Client.openapi`."""
        return await self._run(self._openapi())

    async def files(self) -> schemas.FilesBody:
        """See :meth:`Client.files`."""
        return await self._run(self._files())

    async def files_frame(self) -> pd.DataFrame:
        """See :meth:`Client.files_frame`."""
        return _files_frame(await self.files())

    async def series(self) -> schemas.SeriesBody:
        """See :meth:`Client.series`."""
        return await self._run(self._series())

    async def patients(self) -> schemas.PatientsBody:
        """See :meth:`Client.patients`."""
        return await self._run(self._patients())

    async def info(self, index: int) -> schemas.InfoBody:
        """See :meth:`Client.info`."""
        return await self._run(self._info(index))

    async def frame_png(
        self,
        index: int,
        frame: int = 0,
        *,
        window: WindowLike = None,
        mode: Literal["default", "full_dynamic"] = "default",
        level: int | None = None,
        max_size: int | None = None,
    ) -> bytes:
        """See :meth:`Client.frame_png`."""
        return await self._run(self._frame_png(index, frame, window, mode, level, max_size))

    async def frame_image(
        self,
        index: int,
        frame: int = 0,
        *,
        window: WindowLike = None,
        mode: Literal["default", "full_dynamic"] = "default",
        level: int | None = None,
        max_size: int | None = None,
    ) -> Image.Image:
        """See :meth:`Client.frame_image`."""
        from PIL import Image

        png = await self.frame_png(
            index, frame, window=window, mode=mode, level=level, max_size=max_size
        )
        image = Image.open(io.BytesIO(png))
        image.load()
        return image

    async def frame_array(
        self,
        index: int,
        frame: int = 0,
        *,
        level: int | None = None,
        max_size: int | None = None,
    ) -> npt.NDArray[Any]:
        """See :meth:`Client.frame_array`."""
        return await self._run(self._frame_array(index, frame, level, max_size))

    async def pixel(self, index: int, frame: int, row: int, column: int) -> schemas.PixelBody:
        """See :meth:`Client.pixel`."""
        return await self._run(self._pixel(index, frame, row, column))

    async def raw_pixel(self, index: int, frame: int, row: int, column: int) -> npt.NDArray[Any]:
        """See :meth:`Client.raw_pixel`."""
        return await self._run(self._raw_pixel(index, frame, row, column))

    async def cine(
        self,
        index: int,
        format: str = "webp",
        *,
        fps: float | None = None,
        window: WindowLike = None,
        level: int | None = None,
        max_size: int | None = None,
        rois: bool = False,
    ) -> bytes:
        """See :meth:`Client.cine`."""
        return await self._run(self._cine(index, format, fps, window, level, max_size, rois))

    async def tags(self, index: int) -> list[schemas.TagNode]:
        """See :meth:`Client.tags`."""
        return await self._run(self._tags(index))

    async def tag(
        self, index: int, path: str, *, offset: int = 0, limit: int | None = None
    ) -> schemas.TagNode:
        """See :meth:`Client.tag`."""
        return await self._run(self._tag(index, path, offset, limit))

    async def references(self, index: int) -> schemas.ReferencesBody:
        """See :meth:`Client.references`."""
        return await self._run(self._references(index))

    async def document(self, index: int) -> schemas.DocumentBody:
        """See :meth:`Client.document`."""
        return await self._run(self._document(index))

    async def segmentation_overlay(
        self,
        index: int,
        frame: int = 0,
        *,
        seg: int | None = None,
        segments: Iterable[int] | None = None,
        colors: Mapping[int, tuple[int, int, int]] | None = None,
    ) -> bytes:
        """See :meth:`Client.segmentation_overlay`."""
        return await self._run(self._segmentation_overlay(index, frame, seg, segments, colors))

    async def semantic_context(self, index: int) -> schemas.SemanticContextBody:
        """See :meth:`Client.semantic_context`."""
        return await self._run(self._semantic_context(index))

    async def dose_overlay(self, index: int, frame: int, dose: int) -> bytes:
        """See :meth:`Client.dose_overlay`."""
        call = self._value_layer(index, frame, "/dose-overlay", "dose", dose, False)
        return cast(bytes, await self._run(call))

    async def dose_values(self, index: int, frame: int, dose: int) -> npt.NDArray[Any]:
        """See :meth:`Client.dose_values`."""
        call = self._value_layer(index, frame, "/dose-overlay", "dose", dose, True)
        return cast("npt.NDArray[Any]", await self._run(call))

    async def parametric_map_overlay(self, index: int, frame: int, pmap: int) -> bytes:
        """See :meth:`Client.parametric_map_overlay`."""
        call = self._value_layer(index, frame, "/parametric-map-overlay", "map", pmap, False)
        return cast(bytes, await self._run(call))

    async def parametric_map_values(self, index: int, frame: int, pmap: int) -> npt.NDArray[Any]:
        """See :meth:`Client.parametric_map_values`."""
        call = self._value_layer(index, frame, "/parametric-map-overlay", "map", pmap, True)
        return cast("npt.NDArray[Any]", await self._run(call))

    async def value_legend(
        self, index: int, frame: int, *, dose: int | None = None, pmap: int | None = None
    ) -> schemas.ValueLegendBody:
        """See :meth:`Client.value_legend`."""
        return await self._run(self._value_legend(index, frame, dose, pmap))

    async def graphic_annotations(
        self, index: int, frame: int, state: int
    ) -> schemas.GraphicAnnotationsBody:
        """See :meth:`Client.graphic_annotations`."""
        return await self._run(self._graphic_annotations(index, frame, state))

    async def presentation_layer(self, index: int, frame: int = 0) -> bytes:
        """See :meth:`Client.presentation_layer`."""
        return await self._run(self._presentation_layer(index, frame))

    async def value_mapping(self, index: int, frame: int = 0) -> schemas.ValueMappingBody:
        """See :meth:`Client.value_mapping`."""
        return await self._run(self._value_mapping(index, frame))

    async def rt_contours(
        self, index: int, frame: int = 0, *, structure_set: int | None = None
    ) -> schemas.RtContoursBody:
        """See :meth:`Client.rt_contours`."""
        return await self._run(self._rt_contours(index, frame, structure_set))

    async def annotations(self, index: int) -> tuple[Roi, ...]:
        """See :meth:`Client.annotations`."""
        return await self._run(self._annotations(index))

    async def put_annotations(self, index: int, rois: RoisLike) -> tuple[Roi, ...]:
        """See :meth:`Client.put_annotations`."""
        files = await self.files() if _is_roi_set(rois) else None
        return await self._run(self._put_annotations(index, rois, files))

    async def push_annotations(self, rois: RoiSet | pd.DataFrame) -> dict[int, tuple[Roi, ...]]:
        """See :meth:`Client.push_annotations`."""
        matched = _matches(await self.files(), rois)
        return {i: await self._run(self._put_annotations(i, items, None)) for i, items in matched}

    async def export_csv(self) -> str:
        """See :meth:`Client.export_csv`."""
        return await self._run(self._export_csv())

    async def export_annotations(self) -> pd.DataFrame:
        """See :meth:`Client.export_annotations`."""
        import pandas as pd

        return pd.read_csv(io.StringIO(await self.export_csv()))

    async def redactions(self, index: int) -> tuple[Roi, ...]:
        """See :meth:`Client.redactions`."""
        return await self._run(self._redactions(index))

    async def put_redactions(self, index: int, rois: RoisLike) -> tuple[Roi, ...]:
        """See :meth:`Client.put_redactions`."""
        files = await self.files() if _is_roi_set(rois) else None
        return await self._run(self._put_annotations(index, rois, files, "redactions"))

    async def put_series_redactions(self, index: int) -> list[int]:
        """See :meth:`Client.put_series_redactions`."""
        return (await self._run(self._series_redactions(index)))["file_indices"]

    async def export_redactions_csv(self) -> str:
        """See :meth:`Client.export_redactions_csv`."""
        return await self._run(self._export_redactions_csv())

    async def wait_until_scanned(
        self, timeout: float | None = 60.0, *, interval: float = 0.1
    ) -> schemas.HealthBody:
        """See :meth:`Client.wait_until_scanned`."""
        import anyio

        deadline, interval = _scan_wait(timeout, interval)
        while True:
            health = await self.health()
            done = _scan_complete(health)
            if done is None:
                done = (await self.files())["scan_complete"]
            if done:
                return health
            if deadline is not None and time.monotonic() >= deadline:
                raise _scan_timeout(timeout, health)
            pause = interval if deadline is None else min(interval, deadline - time.monotonic())
            await anyio.sleep(max(pause, 0.0))
