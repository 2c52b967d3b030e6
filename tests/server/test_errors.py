"""One STATUS table, one JSON error shape for every non-2xx answer (as datasette's test)."""

from __future__ import annotations

import logging

import pytest
from starlette.routing import Route

from dcmview.sdk import errors as sdk_errors
from dcmview.sdk.errors import DcmviewError
from dcmview.server.errors import STATUS, status_for
from tests.server.helpers import index_of


def _all_error_classes() -> list[type[DcmviewError]]:
    found: list[type[DcmviewError]] = [DcmviewError]
    for cls in found:
        found.extend(c for c in cls.__subclasses__() if c not in found)
    return found


ERROR_CLASSES = _all_error_classes()


def test_every_error_class_has_a_status_and_a_unique_code() -> None:
    assert len(ERROR_CLASSES) >= 15
    for cls in ERROR_CLASSES:
        assert cls in STATUS, f"{cls.__name__} has no entry in server.errors.STATUS"
        assert 400 <= STATUS[cls] < 600
    codes = [cls.code for cls in ERROR_CLASSES]
    assert len(codes) == len(set(codes)), codes
    for cls in ERROR_CLASSES:
        assert sdk_errors.error_class_for_code(cls.code) is cls


@pytest.mark.parametrize("cls", ERROR_CLASSES, ids=lambda c: c.__name__)
def test_error_answer_shape(make_client, cls: type[DcmviewError]) -> None:
    http = make_client()

    async def boom(request):
        raise cls(f"{cls.__name__} raised on purpose", path="/x.dcm")

    http.app.router.routes.insert(0, Route("/api/boom", boom))
    r = http.get("/api/boom")
    assert r.status_code == STATUS[cls] == status_for(cls("m"))
    assert r.headers["content-type"] == "application/json"
    assert r.json() == {"code": cls.code, "error": f"{cls.__name__} raised on purpose"}
    assert r.headers["cache-control"] == "no-store"


@pytest.mark.parametrize(
    ("method", "path", "status", "code"),
    [
        pytest.param("GET", "/api/nope", 404, "route_not_found", id="unknown-api-route"),
        pytest.param("GET", "/api/file/0/nope", 404, "route_not_found", id="unknown-sub-route"),
        pytest.param("DELETE", "/api/health", 405, "method_not_allowed", id="delete-health"),
        pytest.param("POST", "/api/files", 405, "method_not_allowed", id="post-files"),
        pytest.param("GET", "/api/file/abc/info", 400, "invalid_path", id="non-integer-index"),
        pytest.param("GET", "/api/file/-1/info", 400, "invalid_path", id="negative-index"),
        pytest.param("GET", "/api/file/0/frame/x", 400, "invalid_path", id="non-integer-frame"),
        pytest.param("GET", "/api/file/99999/info", 404, "not_found", id="unknown-index"),
        pytest.param("GET", "/api/file/0/frame/0?wc=40", 400, "invalid_window", id="wc-only"),
        pytest.param("GET", "/api/file/0/frame/0?ww=40", 400, "invalid_window", id="ww-only"),
        pytest.param("GET", "/api/file/0/frame/0?wc=40&ww=0", 400, "invalid_window", id="ww-zero"),
        pytest.param("GET", "/api/file/0/frame/0?wc=nan&ww=9", 400, "invalid_window", id="wc-nan"),
        pytest.param("GET", "/api/file/0/frame/0?wc=a&ww=9", 400, "invalid_query", id="wc-text"),
        pytest.param("GET", "/api/file/0/frame/0?mode=bogus", 400, "invalid_query", id="mode"),
        pytest.param(
            "GET", "/api/file/0/frame/0/raw?shuffle=x", 400, "invalid_query", id="shuffle"
        ),
    ],
)
def test_routing_and_parameter_errors(http, method: str, path: str, status: int, code: str) -> None:
    r = http.request(method, path)
    assert r.status_code == status, r.text
    body = r.json()
    assert body["code"] == code
    assert set(body) == {"code", "error"}
    assert body["error"]


def test_method_not_allowed_names_allowed_methods(http) -> None:
    r = http.delete("/api/health")
    assert "GET" in r.headers["allow"]


@pytest.mark.parametrize(
    ("name", "frame", "status", "code"),
    [
        pytest.param("ct_padding.dcm", 1, 404, "frame_out_of_range", id="frame-out-of-range"),
        pytest.param("sr_no_pixels.dcm", 0, 404, "no_pixel_data", id="no-pixel-data"),
        pytest.param("truncated.dcm", 0, 500, "pixel_decode_failed", id="truncated"),
        pytest.param("mpeg2.dcm", 0, 422, "unsupported_transfer_syntax", id="mpeg2"),
        pytest.param("bits12.dcm", 0, 422, "unsupported_pixel_layout", id="bits-allocated-12"),
    ],
)
@pytest.mark.parametrize("route", ["", "/raw", "/pixel?row=0&column=0"])
def test_frame_errors(http, catalog_of, name, frame, status, code, route) -> None:
    i = index_of(catalog_of(http), name)
    r = http.get(f"/api/file/{i}/frame/{frame}{route}")
    assert r.status_code == status, r.text
    assert r.json()["code"] == code


def test_unexpected_error_is_internal_without_traceback(make_client, caplog) -> None:
    http = make_client()

    async def broken(request):
        raise RuntimeError("secret /home/patient/path detail")

    http.app.router.routes.insert(0, Route("/api/broken", broken))
    with caplog.at_level(logging.ERROR, logger="dcmview.server"):
        r = http.get("/api/broken")
    assert r.status_code == 500
    assert r.json() == {"code": "internal", "error": "internal server error; see the server log"}
    assert "secret" not in r.text
    assert "Traceback" not in r.text
    assert r.headers["x-content-type-options"] == "nosniff"
    assert any("RuntimeError" in (rec.exc_text or "") or rec.exc_info for rec in caplog.records)
    # The server goes on serving.
    assert http.get("/api/health").status_code == 200
