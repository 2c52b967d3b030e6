"""Faults while serving: files that change after the scan, concurrent edits, clients that leave.

Against the real ``dcmview`` process (tests/reliability/server.py):

- a file deleted, truncated, replaced (by garbage, by another DICOM file, by a
  folder, by a FIFO) or made unreadable after the scan gets a JSON error for that
  file only, and the server keeps serving the others;
- concurrent PUTs to the same annotations leave one of the bodies, whole;
- clients that disconnect in the middle of a transfer leak no threads, file
  descriptors or memory.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest
from pydicom.uid import JPEG2000Lossless, RLELossless

from tests.dicom_factory import make_dicom
from tests.reliability.server import Server, running

IS_ROOT = os.geteuid() == 0


def _json_error(answer: httpx.Response) -> dict[str, str]:
    assert answer.headers["content-type"].startswith("application/json"), answer.text
    body = answer.json()
    assert set(body) == {"code", "error"}, body
    assert body["error"]
    return body


@pytest.fixture
def folder(tmp_path) -> Path:
    """Eight small files of three syntaxes; the faults below each take one."""
    root = tmp_path / "data"
    root.mkdir()
    for name in ("ok", "deleted", "truncated", "garbage", "replaced", "folder", "fifo", "mode000"):
        make_dicom(root, f"{name}.dcm", rows=48, columns=40, frames=2, window=(100.0, 200.0))
    make_dicom(root, "rle.dcm", rows=64, columns=64, frames=4, transfer_syntax=RLELossless)
    make_dicom(root, "j2k.dcm", rows=64, columns=64, frames=2, transfer_syntax=JPEG2000Lossless)
    return root


def _index(server: Server, http: httpx.Client, name: str) -> int:
    files = http.get("/api/files").json()["files"]
    return next(f["index"] for f in files if Path(f["path"]).name == name)


def _break(root: Path, name: str) -> None:
    path = root / f"{name}.dcm"
    if name == "deleted":
        path.unlink()
    elif name == "truncated":
        with open(path, "r+b") as fh:
            fh.truncate(400)  # inside the header
    elif name == "garbage":
        path.write_bytes(b"this is not DICOM any more\n" * 40)
    elif name == "replaced":
        # Another DICOM file in its place: a different image, fewer frames.
        make_dicom(root, "replacement.dcm", rows=8, columns=8, frames=1)
        os.replace(root / "replacement.dcm", path)
    elif name == "folder":
        path.unlink()
        path.mkdir()
    elif name == "fifo":
        path.unlink()
        os.mkfifo(path)  # opening it for reading would wait for a writer forever
    elif name == "mode000":
        path.chmod(0)


FAULTS = ["deleted", "truncated", "garbage", "replaced", "folder", "fifo", "mode000"]


@pytest.mark.parametrize("fault", FAULTS)
def test_file_changed_after_scan(folder, fault):
    if fault == "mode000" and IS_ROOT:
        pytest.skip("root reads a mode-000 file anyway; the 'folder' and 'fifo' faults cover it")
    with running(str(folder)) as server, server.client() as http:
        victim = _index(server, http, f"{fault}.dcm")
        ok = _index(server, http, "ok.dcm")
        _break(folder, fault)
        answers = {
            "info": http.get(f"/api/file/{victim}/info"),
            "tags": http.get(f"/api/file/{victim}/tags"),
            "png": http.get(f"/api/file/{victim}/frame/0"),
            "raw": http.get(f"/api/file/{victim}/frame/1/raw"),
        }
        for what, answer in answers.items():
            if answer.status_code == 200:
                # info comes from the header the scan read; a replaced file is DICOM;
                # a header cut short lists the elements before the cut (pydicom).
                assert (
                    what == "info"
                    or fault == "replaced"
                    or (fault == "truncated" and what == "tags")
                ), (what, answer.text)
            else:
                body = _json_error(answer)
                assert answer.status_code in {400, 404, 422, 500}, (what, answer.text)
                assert body["code"] != "internal", (what, body, server.log())
        # Every other file is served as before, and the server is alive.
        assert http.get(f"/api/file/{ok}/frame/0").status_code == 200
        assert http.get(f"/api/file/{ok}/frame/1/raw").status_code == 200
        for name in ("rle.dcm", "j2k.dcm"):
            assert http.get(f"/api/file/{_index(server, http, name)}/frame/1").status_code == 200
        assert http.get("/api/health").json()["status"] == "ok"
        assert server.stop() == 0, server.log()


def test_every_fault_at_once_then_serving_goes_on(folder):
    """Every fault after a first look at each file: cached answers or JSON errors."""
    with running(str(folder)) as server, server.client() as http:
        names = [f for f in FAULTS if not (f == "mode000" and IS_ROOT)]
        indexes = {name: _index(server, http, f"{name}.dcm") for name in names}
        for i in indexes.values():
            assert http.get(f"/api/file/{i}/frame/0").status_code == 200
        for name in names:
            _break(folder, name)
        for name, i in indexes.items():
            for route in (
                f"/api/file/{i}/frame/0",
                f"/api/file/{i}/frame/1",
                f"/api/file/{i}/tags",
            ):
                answer = http.get(route)
                if answer.status_code != 200:
                    assert _json_error(answer)["code"] != "internal", (name, route, server.log())
        assert http.get(f"/api/file/{_index(server, http, 'ok.dcm')}/frame/1").status_code == 200
        assert server.stop() == 0, server.log()


def test_concurrent_puts_leave_one_whole_body(folder):
    bodies = [
        {"roi_coords": [[k, k, k + 10, k + 12] for k in range(n)], "roi_frames": [[0]] * n}
        for n in range(1, 9)
    ]
    with running(str(folder)) as server, server.client() as http:
        target = _index(server, http, "ok.dcm")
        other = _index(server, http, "rle.dcm")
        barrier = threading.Barrier(len(bodies) + 1)

        def put(body, index):
            with server.client() as mine:
                barrier.wait()
                return mine.put(f"/api/file/{index}/annotations", json=body).status_code

        with ThreadPoolExecutor(len(bodies) + 1) as pool:
            futures = [pool.submit(put, body, target) for body in bodies]
            futures.append(pool.submit(put, bodies[2], other))
            assert [f.result() for f in futures] == [200] * (len(bodies) + 1)
        final = http.get(f"/api/file/{target}/annotations").json()
        canonical = [{**b, "num_roi": len(b["roi_coords"])} for b in bodies]
        assert final in canonical  # one whole body, never a mix of two
        assert http.get(f"/api/file/{other}/annotations").json()["num_roi"] == 3
        export = http.get("/api/annotations/export.csv").text
        assert f"{len(final['roi_coords'])}," in export
        assert server.stop() == 0, server.log()


def _leave_mid_transfer(base_url: str, token: str, path: str) -> None:
    """Send a request, read a few bytes of the answer, and close the socket."""
    url = urlsplit(base_url)
    with socket.create_connection((url.hostname, url.port), timeout=10) as sock:
        request = (
            f"GET {path} HTTP/1.1\r\nHost: {url.netloc}\r\n"
            f"Authorization: Bearer {token}\r\nConnection: close\r\n\r\n"
        )
        sock.sendall(request.encode())
        sock.recv(64)
        # RST instead of FIN: the server sees the peer vanish mid-transfer.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")


def _threads_and_fds(server: Server) -> tuple[int, int]:
    return server.vm_kib("Threads"), len(os.listdir(f"/proc/{server.proc.pid}/fd"))


def test_clients_leaving_mid_transfer_leak_nothing(tmp_path):
    root = tmp_path / "big"
    root.mkdir()
    # Frames large enough that an answer is still being sent when the client leaves.
    for k in range(3):
        make_dicom(root, f"big{k}.dcm", rows=1024, columns=1024, frames=4, seed=k)
    with running("--cache-budget", "16MiB", str(root)) as server, server.client() as http:
        files = http.get("/api/files").json()["files"]
        paths = [
            f"/api/file/{f['index']}/frame/{k}{suffix}"
            for f in files
            for k in range(4)
            for suffix in ("/raw", "", "/raw?shuffle=1")
        ]
        for path in paths[:6]:  # warm up: pools and caches exist before counting
            _leave_mid_transfer(server.base_url, server.token, path)
        time.sleep(1.0)
        threads0, fds0 = _threads_and_fds(server)
        rss0 = server.vm_kib("VmRSS")
        for _ in range(3):
            for path in paths:
                _leave_mid_transfer(server.base_url, server.token, path)
        # The work of clients that left finishes or is dropped; then nothing is left over.
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            threads, fds = _threads_and_fds(server)
            if threads <= threads0 and fds <= fds0:
                break
            time.sleep(0.25)
        assert (threads, fds) <= (threads0, fds0) or (threads <= threads0 and fds <= fds0), (
            f"threads {threads0} -> {threads}, fds {fds0} -> {fds}"
        )
        # Memory: the cache budget bounds it, whatever the clients did.
        assert server.vm_kib("VmRSS") - rss0 < 64 * 1024, server.log()
        answer = http.get(f"/api/file/{files[0]['index']}/frame/0/raw")
        assert answer.status_code == 200
        assert len(answer.content) > 0
        assert server.stop() == 0, server.log()
