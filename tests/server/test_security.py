"""Token, Host allow-list, JSON-only bodies, response headers, no CORS, no traversal."""

from __future__ import annotations

import pytest

from dcmview.server.security import host_allowed, is_loopback, new_token, split_host
from tests.server.helpers import TOKEN, index_of

API_ROUTES = [
    "/api/health",
    "/api/files",
    "/api/series",
    "/api/patients",
    "/api/file/0/info",
    "/api/file/0/frame/0",
    "/api/file/0/frame/0/raw",
    "/api/file/0/frame/0/pixel?row=0&column=0",
    "/api/file/0/tags",
    "/api/file/0/annotations",
    "/api/annotations/export.csv",
]


def test_new_token_is_32_random_urlsafe_bytes() -> None:
    tokens = {new_token() for _ in range(50)}
    assert len(tokens) == 50
    for token in tokens:
        assert len(token) == 43  # 32 bytes, base64 without padding
        assert set(token) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


@pytest.mark.parametrize("path", API_ROUTES)
@pytest.mark.parametrize(
    "headers",
    [
        pytest.param({}, id="missing"),
        pytest.param({"Authorization": "Bearer wrong-token"}, id="wrong"),
        pytest.param({"Authorization": f"Bearer {TOKEN}x"}, id="longer"),
        pytest.param({"Authorization": f"Basic {TOKEN}"}, id="basic-scheme"),
        pytest.param({"Authorization": TOKEN}, id="no-scheme"),
        pytest.param({"Cookie": f"token={TOKEN}; dcmview_token={TOKEN}"}, id="cookie"),
    ],
)
def test_api_needs_bearer_token(make_client, path: str, headers: dict[str, str]) -> None:
    http = make_client(auth=False)
    r = http.get(path, headers=headers)
    assert r.status_code == 401
    assert r.json()["code"] == "unauthorized"
    assert r.headers["www-authenticate"] == "Bearer"


@pytest.mark.parametrize("param", ["token", "access_token", "auth"])
def test_token_in_query_string_is_refused(make_client, param: str) -> None:
    http = make_client(auth=False)
    assert http.get(f"/api/files?{param}={TOKEN}").status_code == 401


def test_bearer_scheme_is_case_insensitive(make_client) -> None:
    http = make_client(auth=False)
    assert http.get("/api/health", headers={"Authorization": f"bearer {TOKEN}"}).status_code == 200


def test_no_token_mode_serves_without_token(make_client) -> None:
    http = make_client(auth=False, token=None)
    assert http.get("/api/files").status_code == 200


def test_static_page_needs_no_token(make_client) -> None:
    assert make_client(auth=False).get("/").status_code == 200


@pytest.mark.parametrize(
    "host",
    [
        "evil.example",
        "evil.example:8000",
        "127.0.0.1.evil.example",
        "localhost.evil.example",
        "localhost.",
        "127.0.0.2.nip.io",
        "[::2]",
        "0.0.0.0:8000",
        "",
    ],
)
@pytest.mark.parametrize("path", ["/api/health", "/"])
def test_foreign_host_is_forbidden(http, host: str, path: str) -> None:
    r = http.get(path, headers={"Host": host})
    assert r.status_code == 403
    assert r.json()["code"] == "forbidden_host"


@pytest.mark.parametrize(
    "host", ["localhost", "localhost:1234", "127.0.0.1:8000", "[::1]:80", "[::1]", "LOCALHOST:9"]
)
def test_loopback_hosts_on_any_port_are_accepted(http, host: str) -> None:
    assert http.get("/api/health", headers={"Host": host}).status_code == 200


def test_allow_host_and_bound_address(make_client) -> None:
    http = make_client(allow_hosts=["viewer.lab.example"], bound_host="10.1.2.3")
    assert http.get("/api/health", headers={"Host": "viewer.lab.example:443"}).status_code == 200
    assert http.get("/api/health", headers={"Host": "10.1.2.3:8000"}).status_code == 200
    assert http.get("/api/health", headers={"Host": "other.lab.example"}).status_code == 403


def test_wildcard_bind_is_not_a_host_name(make_client) -> None:
    http = make_client(bound_host="0.0.0.0")
    assert http.get("/api/health", headers={"Host": "0.0.0.0:8000"}).status_code == 403


@pytest.mark.parametrize(
    ("value", "name"),
    [
        ("LocalHost:80", "localhost"),
        ("[::1]:8000", "::1"),
        ("a.b", "a.b"),
        # RFC 9110 7.2 Host = uri-host [":" port]; anything else names no host at all
        ("::1", ""),
        ("[::1].evil.example", ""),
        ("localhost:80@evil.example", ""),
        ("localhost:", ""),
    ],
)
def test_split_host(value: str, name: str) -> None:
    assert split_host(value) == name


def test_is_loopback() -> None:
    assert is_loopback("127.0.0.1")
    assert is_loopback("127.8.9.10")
    assert is_loopback("::1")
    assert is_loopback("localhost")
    assert not is_loopback("0.0.0.0")
    assert not is_loopback("10.0.0.1")
    assert not host_allowed(None, frozenset())


@pytest.mark.parametrize(
    "content_type",
    ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", None],
)
def test_put_needs_json_content_type(http, catalog_of, content_type: str | None) -> None:
    i = index_of(catalog_of(http), "DBT_L_CC.dcm")
    headers = {"Content-Type": content_type} if content_type else {}
    body = b'{"num_roi": 1, "roi_coords": [[1, 2, 3, 4]], "roi_frames": [[]]}'
    r = http.put(f"/api/file/{i}/annotations", content=body, headers=headers)
    assert r.status_code == 415
    assert r.json()["code"] == "invalid_json"
    assert http.get(f"/api/file/{i}/annotations").json()["num_roi"] == 0


def test_put_json_with_charset_is_accepted(http, catalog_of) -> None:
    i = index_of(catalog_of(http), "DBT_L_CC.dcm")
    r = http.put(
        f"/api/file/{i}/annotations",
        content=b'{"roi_coords": [[1, 2, 3, 4]]}',
        headers={"Content-Type": "application/json; charset=utf-8"},
    )
    assert r.status_code == 200


@pytest.mark.parametrize("path", ["/api/health", "/api/file/0/frame/0", "/api/nope", "/"])
def test_security_headers(http, path: str) -> None:
    r = http.get(path, headers={"Origin": "http://evil.example"})
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["referrer-policy"] == "no-referrer"
    assert r.headers["cross-origin-resource-policy"] == "same-origin"
    assert not any(h.startswith("access-control-") for h in r.headers)
    if path.startswith("/api/"):
        assert r.headers["cache-control"] == "no-store"


def test_cors_preflight_is_not_granted(http) -> None:
    r = http.options(
        "/api/file/0/annotations",
        headers={
            "Origin": "http://evil.example",
            "Access-Control-Request-Method": "PUT",
            "Access-Control-Request-Headers": "content-type",
        },
    )
    assert r.status_code in {401, 405}
    assert not any(h.startswith("access-control-") for h in r.headers)


SECRET = "TOP-SECRET-CONTENT-42"


@pytest.fixture
def static_client(make_client, tmp_path):
    static = tmp_path / "pkg" / "static"
    (static / "assets").mkdir(parents=True)
    (static / "index.html").write_text("<!doctype html><title>viewer</title>")
    (static / "assets" / "app.js").write_text("console.log(1)")
    (tmp_path / "pkg" / "secret.txt").write_text(SECRET)
    (tmp_path / "secret.txt").write_text(SECRET)
    (static / "assets" / "link.txt").symlink_to(tmp_path / "secret.txt")
    return make_client(static_dir=static)


@pytest.mark.parametrize(
    "path",
    [
        "/assets/../secret.txt",
        "/assets/..%2fsecret.txt",
        "/assets/%2e%2e/%2e%2e/secret.txt",
        "/assets/%2e%2e%2f%2e%2e%2fsecret.txt",
        "/assets/%252e%252e/%252e%252e/secret.txt",
        "/assets/..%252f..%252fsecret.txt",
        "/%2e%2e/secret.txt",
        "/..%5csecret.txt",
        "/assets/link.txt",
        "/assets/%2fetc%2fpasswd",
        "//etc/passwd",
        "/api/file/..%2f..%2fsecret.txt/info",
        "/api/file/%2e%2e/info",
        "/api/file/0/frame/..%2f..%2fsecret.txt",
        "/api/file/%252e%252e%252fsecret.txt/tags",
    ],
)
def test_traversal_attempts_are_404_without_content(static_client, path: str) -> None:
    r = static_client.get(path)
    assert r.status_code in {400, 404}, (path, r.status_code)
    assert SECRET not in r.text
    assert "root:" not in r.text
    assert set(r.json()) == {"code", "error"}
