"""Security regressions against the real ``dcmview`` process (issue 7; extends tests/server).

Requests go out through ``http.client`` on a plain socket, so paths and headers
reach the server byte for byte (httpx would normalise ``..`` segments and
percent-encoding first). Covered: DNS-rebinding Host values, cross-site form
bodies, the token anywhere but the Authorization header, path traversal in
every path segment (plain, encoded, double-encoded), oversize and malformed
query values, CORS, and the 0600 Unix socket.
"""

from __future__ import annotations

import base64
import http.client
import json
import os
import pwd
import shutil
import socket
import stat
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from tests import IN_CI
from tests.dicom_factory import make_dicom
from tests.reliability.server import Server, running


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[Server]:
    root = tmp_path_factory.mktemp("secure")
    make_dicom(root, "a.dcm", rows=32, columns=24, frames=3, window=(40.0, 400.0))
    make_dicom(root, "b.dcm", rows=16, columns=16)
    with running(str(root)) as srv:
        yield srv


def request(
    server: Server,
    method: str,
    path: str,
    *,
    headers: dict[str, str] | None = None,
    body: bytes | None = None,
    token: bool = True,
    host: str | None = None,
) -> tuple[int, dict[str, str], bytes]:
    """Send one request exactly as given; return status, headers (lower-case) and body."""
    url = urlsplit(server.base_url)
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=30)
    try:
        conn.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
        conn.putheader("Host", host if host is not None else url.netloc)
        if token:
            conn.putheader("Authorization", f"Bearer {server.token}")
        for name, value in (headers or {}).items():
            conn.putheader(name, value)
        if body is not None:
            conn.putheader("Content-Length", str(len(body)))
        conn.endheaders(body)
        answer = conn.getresponse()
        return answer.status, {k.lower(): v for k, v in answer.getheaders()}, answer.read()
    finally:
        conn.close()


def error_code(status: int, headers: dict[str, str], body: bytes) -> str:
    """The code of a JSON error answer (and check it is one)."""
    assert headers["content-type"].startswith("application/json"), (status, body[:200])
    parsed: dict[str, Any] = json.loads(body)
    assert set(parsed) == {"code", "error"}, parsed
    return str(parsed["code"])


# -- DNS rebinding ------------------------------------------------------------------

FOREIGN_HOSTS = [
    "evil.example",
    "evil.example:{port}",
    "127.0.0.1.evil.example",
    "127.0.0.1.evil.example:{port}",
    "localhost.evil.example",
    "localhost.evil.example:{port}",
    "evil.example.localhost.evil.example",
    "127.0.0.2",  # loopback, but not a name this server answers to
    "[::1].evil.example",
    "[::ffff:127.0.0.1]:{port}",
    "[::ffff:7f00:1]",
    "[0:0:0:0:0:0:0:2]:{port}",
    "[fe80::1%25lo]:{port}",
    "localhost@evil.example",
    "localhost:{port}@evil.example",
    "evil.example#localhost",
    "localhost\tevil.example",
    "",
]


@pytest.mark.parametrize("path", ["/api/health", "/api/files", "/", "/assets/index.js"])
@pytest.mark.parametrize("host", FOREIGN_HOSTS)
def test_foreign_host_is_refused(server, host, path):
    port = urlsplit(server.base_url).port
    status, headers, body = request(server, "GET", path, host=host.format(port=port))
    if status == 400:  # h11 refuses some of these before the app sees them
        return
    assert status == 403, (host, status, body[:200])
    assert error_code(status, headers, body) == "forbidden_host"
    assert b"a.dcm" not in body


@pytest.mark.parametrize(
    "host",
    ["127.0.0.1:{port}", "localhost:{port}", "LOCALHOST:{port}", "[::1]:{port}", "localhost"],
)
def test_loopback_host_is_served(server, host):
    port = urlsplit(server.base_url).port
    status, _, body = request(server, "GET", "/api/health", host=host.format(port=port))
    assert status == 200, body
    assert json.loads(body)["status"] == "ok"


def test_request_without_host_header_is_refused(server):
    url = urlsplit(server.base_url)
    with socket.create_connection((url.hostname, url.port), timeout=10) as sock:
        sock.sendall(
            f"GET /api/health HTTP/1.0\r\nAuthorization: Bearer {server.token}\r\n\r\n".encode()
        )
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    assert answer.split(b"\r\n", 1)[0].split(b" ")[1] in {b"400", b"403"}
    assert b'"status":"ok"' not in answer


# -- cross-site bodies and CORS -----------------------------------------------------


@pytest.mark.parametrize(
    "content_type",
    [
        "text/plain",
        "text/plain;charset=UTF-8",
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x",
        "application/json-seq",
        "application/jsonx",
        "",
    ],
)
@pytest.mark.parametrize("method", ["PUT", "POST"])
def test_cross_site_form_body_is_refused(server, method, content_type):
    """What a foreign page can send without a preflight never changes annotations."""
    body = b'{"roi_coords": [[1, 1, 5, 5]]}'
    headers = {"Origin": "https://evil.example", "Content-Type": content_type}
    status, answer_headers, answer = request(
        server, method, "/api/file/0/annotations", headers=headers, body=body
    )
    assert status in {405, 415}, (status, answer)
    assert "access-control-allow-origin" not in answer_headers
    # Nothing changed.
    status, _, current = request(server, "GET", "/api/file/0/annotations")
    assert json.loads(current)["num_roi"] == 0


def test_form_put_without_token_is_401_before_anything(server):
    headers = {"Origin": "https://evil.example", "Content-Type": "text/plain"}
    status, h, body = request(
        server, "PUT", "/api/file/0/annotations", headers=headers, body=b"{}", token=False
    )
    assert status == 401
    assert error_code(status, h, body) == "unauthorized"


@pytest.mark.parametrize("path", ["/api/file/0/annotations", "/api/health", "/"])
def test_no_cors_preflight_is_granted(server, path):
    headers = {
        "Origin": "https://evil.example",
        "Access-Control-Request-Method": "PUT",
        "Access-Control-Request-Headers": "authorization, content-type",
    }
    status, answer_headers, _ = request(server, "OPTIONS", path, headers=headers, token=False)
    assert status >= 400
    assert not any(name.startswith("access-control-") for name in answer_headers)
    status, answer_headers, _ = request(server, "GET", path, headers={"Origin": "null"})
    assert not any(name.startswith("access-control-") for name in answer_headers)


# -- the token only as Authorization: Bearer ----------------------------------------


def _token_elsewhere(server: Server) -> list[tuple[str, dict[str, str]]]:
    t = server.token
    basic = base64.b64encode(f"dcmview:{t}".encode()).decode()
    return [
        (f"/api/files?token={t}", {}),
        (f"/api/files?access_token={t}", {}),
        (f"/api/files#token={t}", {}),
        ("/api/files", {"Cookie": f"token={t}"}),
        ("/api/files", {"Cookie": f"dcmview_token={t}; session={t}"}),
        ("/api/files", {"X-Token": t}),
        ("/api/files", {"Authorization": f"Basic {basic}"}),
        ("/api/files", {"Authorization": f"Token {t}"}),
        ("/api/files", {"Authorization": t}),
        ("/api/files", {"Authorization": f"Bearer {t[:-1]}"}),
        ("/api/files", {"Authorization": f"Bearer {t}{t}"}),
        ("/api/files", {"Authorization": "Bearer "}),
    ]


def test_token_anywhere_but_the_bearer_header_is_refused(server):
    for path, headers in _token_elsewhere(server):
        status, h, body = request(server, "GET", path, headers=headers, token=False)
        assert status == 401, (path, headers, body[:200])
        assert error_code(status, h, body) == "unauthorized"
        assert h.get("www-authenticate") == "Bearer"
        assert server.token.encode() not in body


def test_answers_carry_the_protective_headers(server):
    for path in ("/api/files", "/api/file/0/frame/0", "/"):
        status, h, _ = request(server, "GET", path)
        assert status == 200
        assert h["x-content-type-options"] == "nosniff"
        assert h["referrer-policy"] == "no-referrer"
        assert h["cross-origin-resource-policy"] == "same-origin"
        if path.startswith("/api/"):
            assert h["cache-control"] == "no-store"


# -- path traversal ------------------------------------------------------------------

TRAVERSALS = [
    "..",
    "../..",
    "../../../../../../etc/passwd",
    "%2e%2e",
    "%2e%2e%2f%2e%2e%2fetc%2fpasswd",
    "%252e%252e%252fetc%252fpasswd",
    "..%2f..%2f..%2fetc%2fpasswd",
    "..%252f..%252fetc%252fpasswd",
    "..%5c..%5cetc%5cpasswd",
    "%2fetc%2fpasswd",
    "/etc/passwd",
    "%00",
    "0%00",
    "0%2500",
    "%c0%ae%c0%ae%c0%af",
    "....//....//etc/passwd",
    "0;.",
    "~root",
]

TEMPLATES = [
    "/api/file/{x}/info",
    "/api/file/{x}/tags",
    "/api/file/0/frame/{x}",
    "/api/file/0/frame/{x}/raw",
    "/api/file/{x}/frame/0/raw",
    "/api/file/0/frame/0/{x}",
    "/api/file/{x}/annotations",
    "/api/annotations/{x}",
    "/api/{x}/files",
    "/{x}",
    "/assets/{x}",
    "/assets/{x}/index.js",
]


@pytest.mark.parametrize("template", TEMPLATES)
def test_traversal_in_every_segment(server, template):
    for x in TRAVERSALS:
        status, h, body = request(server, "GET", template.format(x=x))
        assert b"root:" not in body, (template, x)
        assert b"DICM" not in body, (template, x)
        if status in {307, 308}:
            # The static files' "add a trailing slash" redirect: same origin, no body.
            assert h["location"].startswith(server.base_url + "/"), h["location"]
            assert body == b""
            continue
        if template.startswith("/api/"):
            assert status in {400, 404, 405}, (template, x, status, body[:200])
            assert error_code(status, h, body) != "internal"
        else:
            # The static bundle answers its own files only; index.html for "/" is fine.
            assert status in {200, 400, 403, 404}, (template, x, status)
            if status == 200:
                assert h["content-type"].startswith(("text/html", "text/javascript"))


# -- malformed and oversize query values ---------------------------------------------

QUERIES = [
    "/api/file/0/frame/0?wc=nan&ww=nan",
    "/api/file/0/frame/0?wc=1e309&ww=1e309",
    "/api/file/0/frame/0?wc=-inf&ww=inf",
    "/api/file/0/frame/0?wc=40&ww=0",
    "/api/file/0/frame/0?wc=40&ww=-400",
    "/api/file/0/frame/0?wc=40",
    "/api/file/0/frame/0?ww=400",
    "/api/file/0/frame/0?wc=0x10&ww=0b1",
    "/api/file/0/frame/0?wc=&ww=",
    "/api/file/0/frame/0?wc=1,2&ww=3,4",
    "/api/file/0/frame/0?wc=40&wc=50&ww=400",
    "/api/file/0/frame/0?mode=rm%20-rf",
    "/api/file/0/frame/0?mode=" + "x" * 10_000,
    "/api/file/0/frame/0?wc=" + "9" * 5000 + "&ww=1",
    "/api/file/0/frame/0?wc=1e-400&ww=1e-400",
    "/api/file/0/frame/0/pixel?row=-1&column=0",
    "/api/file/0/frame/0/pixel?row=99999999999999999999999&column=0",
    "/api/file/0/frame/0/pixel?row=" + "9" * 5000 + "&column=0",
    "/api/file/0/frame/0/pixel?row=1.5&column=0",
    "/api/file/0/frame/0/pixel?row=0",
    "/api/file/0/frame/0/pixel?row=%00&column=%ff",
    "/api/file/0/frame/99999999999999999999999999",
    "/api/file/0/frame/" + "9" * 5000,
    "/api/file/-1/info",
    "/api/file/99999999999999999999/info",
    "/api/file/1e3/info",
    "/api/file/0x0/info",
    "/api/file/%20%200/info",
    "/api/file/0/frame/-0/raw",
    "/api/files?" + "&".join(f"p{k}={k}" for k in range(5000)),
    "/api/files?x=" + "%" * 3000,
]


@pytest.mark.parametrize("path", QUERIES, ids=[q[:60] for q in QUERIES])
def test_malformed_query_values_are_client_errors(server, path):
    status, h, body = request(server, "GET", path)
    if status == 200:
        # Ignoring an unknown parameter, reading "-0" as 0, or one of two repeated
        # values is fine; nothing else.
        assert path.startswith(("/api/files?", "/api/file/0/frame/-0/raw")) or "&wc=50" in path
        return
        return
    assert 400 <= status < 500, (path[:80], status, body[:200])
    assert error_code(status, h, body) != "internal"


def _status_or_reset(server: Server, path: str, headers: dict[str, str] | None = None) -> int:
    try:
        return request(server, "GET", path, headers=headers)[0]
    except (ConnectionResetError, BrokenPipeError, http.client.RemoteDisconnected):
        return 0  # the HTTP layer (h11) dropped the connection: refused


def test_oversize_request_line_and_headers_are_refused(server):
    assert _status_or_reset(server, "/api/files?x=" + "a" * 200_000) in {0, 400, 414, 431}
    assert _status_or_reset(server, "/api/files", {"X-Big": "a" * 200_000}) in {0, 400, 431}
    # The server is still there.
    assert request(server, "GET", "/api/health")[0] == 200


def test_request_head_over_the_bound_gets_431_in_the_error_shape(server):
    from dcmview.server.protocol import MAX_HEAD_BYTES

    # httptools would accumulate a head without a limit; the server answers
    # before the app runs, in the one JSON error shape, and closes.
    # Just over the bound: the whole head arrives in one read, so the answer is
    # not lost to a reset for unread bytes (the 200 kB case above may be).
    big = {"X-Big": "a" * (MAX_HEAD_BYTES + 4096)}
    status, h, body = request(server, "GET", "/api/health", headers=big)
    assert status == 431
    assert error_code(status, h, body) == "request_head_too_large"
    assert h["connection"] == "close"
    assert h["x-content-type-options"] == "nosniff"
    # A head just under the bound is served.
    ok = request(server, "GET", "/api/health", headers={"X-Big": "a" * (MAX_HEAD_BYTES - 1024)})
    assert ok[0] == 200


def _raw_exchange(server: Server, parts: list[bytes], pause: float = 0.0) -> bytes:
    """Send `parts` on one connection (pausing between them); return the whole answer."""
    url = urlsplit(server.base_url)
    with socket.create_connection((url.hostname, url.port), timeout=30) as sock:
        for i, part in enumerate(parts):
            if i and pause:
                time.sleep(pause)
            sock.sendall(part)
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    return answer


def test_a_head_growing_over_several_reads_gets_431(server):
    from dcmview.server.protocol import MAX_HEAD_BYTES

    url = urlsplit(server.base_url)
    first = f"GET /api/health HTTP/1.1\r\nHost: {url.netloc}\r\nX-A: ".encode()
    # Each part arrives in a read of its own; the head never completes.
    parts = [first + b"a" * (MAX_HEAD_BYTES // 2), b"a" * (MAX_HEAD_BYTES // 2), b"a" * 4096]
    answer = _raw_exchange(server, parts, pause=0.2)
    assert answer.startswith(b"HTTP/1.1 431 ")
    assert b'"request_head_too_large"' in answer
    assert request(server, "GET", "/api/health")[0] == 200


def test_a_large_body_in_the_heads_read_is_not_taken_for_the_head(server):
    # Regression: uvloop reads up to 256 KiB at once, so the first read of a big
    # PUT carries its head and much of its body; counting that read as head bytes
    # refused most such PUTs with 431 (a reset while the client was still sending).
    url = urlsplit(server.base_url)
    body = json.dumps({"roi_coords": [[1, 1, 2, 2]] * 40_000}).encode()  # 560 kB
    head = (
        f"PUT /api/file/1/annotations HTTP/1.1\r\nHost: {url.netloc}\r\n"
        f"Authorization: Bearer {server.token}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
    ).encode()
    for _ in range(5):
        answer = _raw_exchange(server, [head + body])
        assert answer.startswith(b"HTTP/1.1 200 "), answer[:200]


def test_request_head_bound_is_per_request_on_a_kept_alive_connection(server):
    from dcmview.server.protocol import MAX_HEAD_BYTES

    url = urlsplit(server.base_url)
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=30)
    try:
        # Three requests on one connection whose heads add up past the bound.
        for _ in range(3):
            conn.request(
                "GET",
                "/api/health",
                headers={
                    "Authorization": f"Bearer {server.token}",
                    "X-Pad": "a" * (MAX_HEAD_BYTES // 2),
                },
            )
            answer = conn.getresponse()
            answer.read()
            assert answer.status == 200
    finally:
        conn.close()


def test_oversize_json_body_is_refused_or_read_safely(server):
    body = json.dumps({"roi_coords": [[1, 1, 2, 2]] * 200_000}).encode()
    status, h, answer = request(
        server,
        "PUT",
        "/api/file/1/annotations",
        headers={"Content-Type": "application/json"},
        body=body,
    )
    if status != 200:
        assert 400 <= status < 500
        assert error_code(status, h, answer) != "internal"
    for bad in (
        b"{",
        b"[]",
        b"null",
        b'{"roi_coords": "x"}',
        b"\xff\xfe",
        b'{"roi_coords": [[1e400, 0, 1, 1]]}',
    ):
        status, h, answer = request(
            server,
            "PUT",
            "/api/file/1/annotations",
            headers={"Content-Type": "application/json"},
            body=bad,
        )
        assert status == 400, (bad, status, answer)
        assert error_code(status, h, answer) in {
            "invalid_annotations",
            "invalid_json",
            "invalid_query",
        }
    assert request(server, "GET", "/api/health")[0] == 200


# -- the Unix socket -------------------------------------------------------------------


def _other_user() -> pwd.struct_passwd | None:
    """An unprivileged account to probe with: ``nobody``, or one made with useradd in CI."""
    for name in ("nobody", "dcmview-probe"):
        try:
            return pwd.getpwnam(name)
        except KeyError:
            continue
    if not IN_CI:
        return None  # never add users to a developer's machine
    subprocess.run(["useradd", "--system", "--no-create-home", "dcmview-probe"], check=True)
    return pwd.getpwnam("dcmview-probe")


@pytest.fixture
def open_folder() -> Iterator[Path]:
    """A folder every user can traverse (pytest's tmp_path is under a 0700 folder)."""
    folder = Path(tempfile.mkdtemp(prefix="dcmview-sock-"))
    folder.chmod(0o755)  # only the socket's own mode may keep others out
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def test_unix_socket_is_0600_and_closed_to_other_users(open_folder):
    folder = open_folder
    make_dicom(folder, "a.dcm", rows=8, columns=8)
    sock_path = folder / "dcmview.sock"
    with running("--unix-socket", str(sock_path), str(folder / "a.dcm")) as srv:
        mode = stat.S_IMODE(os.stat(sock_path).st_mode)
        assert stat.S_ISSOCK(os.stat(sock_path).st_mode)
        assert mode == 0o600, oct(mode)
        transport = httpx.HTTPTransport(uds=str(sock_path))
        with httpx.Client(transport=transport, base_url="http://localhost") as http:
            assert http.get("/api/health", headers=srv.auth).status_code == 200
            assert http.get("/api/health").status_code == 401
        user = _other_user() if os.geteuid() == 0 else None
        if user is None:
            pytest.skip(
                "connecting as another user needs root (to switch to it) and an unprivileged "
                "account (nobody, or one useradd makes in CI only)"
            )
        probe = (
            "import socket, sys\n"
            "s = socket.socket(socket.AF_UNIX)\n"
            "try:\n    s.connect(sys.argv[1])\nexcept PermissionError:\n    sys.exit(13)\n"
            "sys.exit(0)\n"
        )
        # Control: the same user reaches a 0666 socket in the same folder, so a refusal
        # below is the 0600 mode's doing, not the folder's.
        control_path = folder / "control.sock"
        control = socket.socket(socket.AF_UNIX)
        control.bind(str(control_path))
        control.listen(1)
        control_path.chmod(0o666)
        # The venv's interpreter may live under root's home (mode 0700): use the system's.
        python = shutil.which("python3", path="/usr/bin:/bin") or sys.executable

        def probe_as_other(path: Path) -> int:
            return subprocess.run(
                [python, "-c", probe, str(path)],
                user=user.pw_uid,
                group=user.pw_gid,
                extra_groups=[],
                check=False,
            ).returncode

        try:
            assert probe_as_other(control_path) == 0
        finally:
            control.close()
        assert probe_as_other(sock_path) == 13, "another user could connect to the 0600 socket"
    assert not sock_path.exists()  # removed on exit
