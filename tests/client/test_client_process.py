"""Client and AsyncClient against a real ``python -m dcmview`` process over TCP.

Also through a port forward (what ``ssh -L`` does): the client's Host names the local
port, which the server never bound.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import queue
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from dcmview.client import AsyncClient, Client
from dcmview.sdk.errors import DcmviewError, FrameIndexError, NoPixelDataError
from dcmview.sdk.instance import open as sdk_open
from dcmview.sdk.roi import Roi
from tests.client.helpers import FILES

START_TIMEOUT = 30


class Viewer:
    """A running ``dcmview`` process and what its ``server_started`` line said."""

    def __init__(
        self, proc: subprocess.Popen[str], started: dict[str, object], reader: threading.Thread
    ) -> None:
        self.proc = proc
        self.reader = reader
        self.url = str(started["url"])
        self.base_url = str(started["base_url"])
        self.token = str(started["token"])
        self.port = int(started["port"])  # type: ignore[call-overload]

    def stop(self) -> str:
        """SIGTERM, wait, close the pipes; return stderr (to show when the exit is not 0)."""
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.reader.join(timeout=5)  # it reads stdout to EOF
        assert self.proc.stdout is not None
        assert self.proc.stderr is not None
        err = self.proc.stderr.read()
        self.proc.stdout.close()
        self.proc.stderr.close()
        return err


def _start(paths: list[Path]) -> Viewer:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    env.pop("DCMVIEW_TOKEN", None)
    cmd = [sys.executable, "-m", "dcmview", "--no-browser", "--port", "0", "--startup-json"]
    proc = subprocess.Popen(
        [*cmd, *map(str, paths)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    assert proc.stdout is not None
    # A reader thread: select() on a text pipe misses lines already in Python's buffer.
    lines: queue.Queue[str] = queue.Queue()
    reader = threading.Thread(target=lambda: [lines.put(x) for x in proc.stdout], daemon=True)
    reader.start()
    seen = []
    deadline = time.monotonic() + START_TIMEOUT
    while (left := deadline - time.monotonic()) > 0:
        try:
            line = lines.get(timeout=left)
        except queue.Empty:
            break
        seen.append(line)
        if line.startswith("{"):
            event = json.loads(line)
            if event.get("type") == "server_started":
                return Viewer(proc, event, reader)
    proc.kill()
    proc.wait()
    reader.join(timeout=5)
    err = proc.stderr.read() if proc.stderr else ""
    for pipe in (proc.stdout, proc.stderr):
        if pipe is not None:
            pipe.close()
    raise AssertionError(f"dcmview did not start; stdout: {''.join(seen)!r}; stderr: {err}")


@pytest.fixture(scope="module")
def viewer(data_dir: Path) -> Iterator[Viewer]:
    """``python -m dcmview --no-browser --port 0 --startup-json DATA_DIR``."""
    running = _start([data_dir])
    yield running
    err = running.stop()
    assert running.proc.returncode == 0, err


@pytest.fixture(scope="module")
def paths(viewer: Viewer) -> dict[str, tuple[int, str]]:
    """file name -> (index, absolute path on the server)."""
    with Client(viewer.url) as c:
        c.wait_until_scanned(timeout=30)
        return {Path(f["path"]).name: (f["index"], f["path"]) for f in c.files()["files"]}


def test_every_method_against_a_process(viewer: Viewer, paths) -> None:
    index, path = paths["ct_signed.dcm"]
    with Client(viewer.url) as c:
        assert c.base_url == viewer.base_url
        assert c.wait_until_scanned(timeout=30)["file_count"] == len(paths)
        assert c.health()["status"] == "ok"
        assert len(c.files_frame()) == len(c.files()["files"])
        assert c.series()["scan_complete"] is True
        assert (c.info(index)["rows"], c.info(index)["columns"]) == (32, 24)
        assert c.frame_png(index, 0, window=(40, 400)).startswith(b"\x89PNG\r\n\x1a\n")
        assert c.frame_image(index, 0, window="full").size == (24, 32)
        stored = sdk_open(path).frame(0).array()
        assert c.pixel(index, 0, 3, 4)["stored"] == int(stored[3, 4])
        assert any(t["keyword"] == "PixelData" for t in c.tags(index))
        rois = (Roi(0, 0, 9, 9), Roi(2, 3, 31, 23))
        assert c.put_annotations(index, rois) == rois
        assert c.annotations(index) == rois
        table = pd.DataFrame({"anon_dicom_path": [path], "ROI_coords": ["[[1,1,2,2]]"]})
        assert c.push_annotations(table) == {index: (Roi(1, 1, 2, 2),)}
        assert c.export_annotations().set_index("anon_dicom_path").loc[path, "num_ROI"] == 1
        assert path in c.export_csv()
        with pytest.raises(FrameIndexError) as info:
            c.frame_array(index, 1)
        assert info.value.status == 404
        with pytest.raises(NoPixelDataError):
            c.frame_array(paths["sr_no_pixels.dcm"][0], 0)


@pytest.mark.parametrize("name", list(FILES))
def test_frame_array_equals_sdk_over_tcp(viewer: Viewer, paths, name: str) -> None:
    index, path = paths[name]
    instance = sdk_open(path)
    with Client(viewer.base_url, token=viewer.token) as c:
        for frame in range(instance.number_of_frames):
            got, want = c.frame_array(index, frame), instance.frame(frame).array()
            assert (got.dtype, got.shape) == (want.dtype, want.shape)
            np.testing.assert_array_equal(got, want)


def test_token_from_environment_and_refusal(viewer: Viewer, monkeypatch) -> None:
    monkeypatch.setenv("DCMVIEW_TOKEN", viewer.token)
    with Client(viewer.base_url) as c:
        assert c.health()["status"] == "ok"
    monkeypatch.delenv("DCMVIEW_TOKEN")
    with Client(viewer.base_url) as c, pytest.raises(DcmviewError, match="DCMVIEW_TOKEN") as info:
        c.health()
    assert (info.value.code, info.value.status) == ("unauthorized", 401)


def test_async_client_against_a_process(viewer: Viewer, paths) -> None:
    index, path = paths["rle_3f.dcm"]
    want = sdk_open(path).frame(1).array()

    async def main() -> np.ndarray:
        async with AsyncClient(viewer.url) as c:
            await c.wait_until_scanned(timeout=30)
            assert (await c.info(index))["frame_count"] == 3
            return await c.frame_array(index, 1)

    np.testing.assert_array_equal(asyncio.run(main()), want)


# -------------------------------------------------------------- SSH-like forward


class Forward:
    """A TCP forward from a new local port to `target` (what ``ssh -L`` looks like)."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            upstream = socket.create_connection(self.target)
            for a, b in ((conn, upstream), (upstream, conn)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(src: socket.socket, dst: socket.socket) -> None:
        try:
            while data := src.recv(1 << 16):
                dst.sendall(data)
        except OSError:
            pass
        finally:
            # Either side ending ends both (the other pipe's recv returns b"").
            for s in (src, dst):
                with contextlib.suppress(OSError):
                    s.shutdown(socket.SHUT_RDWR)
                s.close()

    def close(self) -> None:
        self.listener.close()


def test_through_a_port_forward(viewer: Viewer, paths) -> None:
    forward = Forward(("127.0.0.1", viewer.port))
    try:
        assert forward.port != viewer.port
        index, path = paths["gray_u16.dcm"]
        with Client(f"http://localhost:{forward.port}/#token={viewer.token}") as c:
            np.testing.assert_array_equal(c.frame_array(index, 0), sdk_open(path).frame(0).array())
    finally:
        forward.close()
