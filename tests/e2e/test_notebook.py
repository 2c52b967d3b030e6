"""view() in a notebook behind a real Jupyter Server with jupyter-server-proxy, seen in Chromium.

A Jupyter Server (with jupyter-server-proxy) listens on loopback; its environment
says, as JupyterHub's does, that browsers reach it as ``http://hub.test:PORT/``
(``JUPYTERHUB_PUBLIC_URL``). A notebook run by nbclient calls ``view()``; the
iframe URL it displays is opened in Chromium, which resolves ``hub.test`` to
loopback, so every request goes through the Jupyter Server's port with
``Host: hub.test:PORT``, as a remote browser's would. The test checks that the
image is drawn, that the viewer was shown once, and what was printed.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pytest

from tests.e2e.helpers import (
    CHROMIUM,
    CHROMIUM_ARGS,
    VIEWPORT,
    Viewer,
    viewport_pixels,
    wait_shown,
)

pytest.importorskip("jupyter_server_proxy", reason="needs the dev group (jupyter-server-proxy)")
nbclient = pytest.importorskip("nbclient")
nbformat = pytest.importorskip("nbformat")

HOST = "hub.test"
JUPYTER_TOKEN = "jupyter-test-token-0123456789"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def jupyter(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """A Jupyter Server with jupyter-server-proxy on 127.0.0.1, public as hub.test."""
    root = tmp_path_factory.mktemp("jupyter")
    port = _free_port()
    env = {
        **os.environ,
        "JUPYTER_RUNTIME_DIR": str(root / "runtime"),
        "JUPYTER_DATA_DIR": str(root / "data"),
        "JUPYTER_PLATFORM_DIRS": "1",
        "JUPYTERHUB_PUBLIC_URL": f"http://{HOST}:{port}/",
    }
    cmd = [
        sys.executable,
        "-m",
        "jupyter_server",
        "--no-browser",
        "--ServerApp.ip=127.0.0.1",
        f"--ServerApp.port={port}",
        "--ServerApp.port_retries=0",
        f"--IdentityProvider.token={JUPYTER_TOKEN}",
        "--allow-root",  # CI containers run as root
        f"--ServerApp.root_dir={root}",
        # The browser calls it hub.test (a remote name), not localhost.
        "--ServerApp.allow_remote_access=True",
        "--ServerApp.jpserver_extensions={'jupyter_server_proxy': True}",
    ]
    log = (root / "jupyter.log").open("w")
    proc = subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if (
                    httpx.get(url + "api/status", params={"token": JUPYTER_TOKEN}).status_code
                    == 200
                ):
                    break
            except httpx.TransportError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise AssertionError((root / "jupyter.log").read_text())
            time.sleep(0.2)
        yield {"port": port, "env": env, "root": root, "log": root / "jupyter.log"}
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


def _kernel_of(jupyter: dict[str, Any]) -> Any:
    """A kernel started by the Jupyter Server (as opening a notebook does), for nbclient."""
    from jupyter_client.manager import AsyncKernelManager

    class ServerKernel(AsyncKernelManager):
        # The server owns the process: nbclient neither starts nor stops it.
        @property
        def has_kernel(self) -> bool:
            return True

    r = httpx.post(
        f"http://127.0.0.1:{jupyter['port']}/api/kernels",
        json={"name": "python3"},
        headers={"Authorization": f"token {JUPYTER_TOKEN}"},
    )
    r.raise_for_status()
    connection = Path(jupyter["env"]["JUPYTER_RUNTIME_DIR"]) / f"kernel-{r.json()['id']}.json"
    km = ServerKernel(connection_file=str(connection))
    km.load_connection_file()
    return km


@pytest.mark.corpus
def test_view_in_a_notebook_behind_jupyter_server_proxy(
    jupyter: dict[str, Any], corpus_ci: Path, playwright_: Any
) -> None:
    ct = corpus_ci / "ct/CORPUS-CT0001/20240115_CT_CHEST_ABDOMEN/series_002_AX_2.5mm/IM00001.dcm"
    assert ct.is_file()
    cells = [
        "import dcmview\n"
        f"h = dcmview.view([{str(ct)!r}], browser=False, block=False)\n"
        "h.catalog.wait(30)",
        "h",
        "print(h.proxy, h.url)",
    ]
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])
    km = _kernel_of(jupyter)
    client = nbclient.NotebookClient(nb, timeout=120, km=km)
    client.kc = km.client()
    client.kc.start_channels()
    with client.setup_kernel():
        for i, cell in enumerate(nb.cells):
            client.execute_cell(cell, i)
        proxy, url = nb.cells[2].outputs[0]["text"].split()
        try:
            assert proxy == "jupyter", jupyter["log"].read_text()
            _check_outputs(nb, url)
            _check_drawn_in_chromium(playwright_, url, jupyter["port"])
        finally:
            nb.cells.append(nbformat.v4.new_code_cell("h.stop()"))
            client.execute_cell(nb.cells[3], 3)
    client.kc.stop_channels()


def _check_outputs(nb: Any, url: str) -> None:
    first = nb.cells[0].outputs
    html = [o for o in first if o["output_type"] == "display_data" and "text/html" in o["data"]]
    assert len(html) == 1, first  # shown once, by view()
    src = re.search(r'<iframe src="([^"]+)"', html[0]["data"]["text/html"])
    assert src is not None
    assert src.group(1).replace("&amp;", "&") == url
    text = "".join(o.get("text", "") for o in first if o["output_type"] == "stream")
    assert f"dcmview: server running at {url}" in text
    assert "Ctrl+C" not in text  # block=False: Ctrl+C is not how it stops
    assert "ssh -L" not in text  # the proxy is the way in, not a tunnel
    # The handle as a cell's result is text: no second viewer.
    (result,) = nb.cells[1].outputs
    assert set(result["data"]) == {"text/plain"}
    assert result["data"]["text/plain"].startswith("<ViewerHandle ")
    assert re.fullmatch(rf"http://{HOST}:\d+/proxy/\d+/#token=[\w-]+", url), url


def _check_drawn_in_chromium(playwright_: Any, url: str, jupyter_port: int) -> None:
    # The session's Playwright (a second sync_playwright() cannot start beside it), with a
    # browser of its own that resolves hub.test to loopback.
    args = [*CHROMIUM_ARGS, f"--host-resolver-rules=MAP {HOST} 127.0.0.1"]
    browser = playwright_.chromium.launch(executable_path=str(CHROMIUM), args=args)
    try:
        page = browser.new_context(viewport=VIEWPORT).new_page()
        errors: list[str] = []
        requests: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.on("request", lambda r: requests.append(r.url))
        # Log in to the Jupyter Server, as the notebook's user is.
        page.goto(f"http://{HOST}:{jupyter_port}/api/status?token={JUPYTER_TOKEN}")
        page.goto(url)
        viewer = Viewer(page, errors, requests)
        try:
            wait_shown(viewer, 0, 0, level=None)
        except Exception as exc:
            raise AssertionError((errors, requests)) from exc
        pixels = viewport_pixels(viewer)
        # The CT is drawn: a body of many grey levels, not an empty canvas.
        assert len(np.unique(pixels.reshape(-1, 3), axis=0)) > 50
        assert errors == []
        # Every request went through the Jupyter Server's port, under the proxy's prefix.
        prefix = url.split("#", 1)[0]
        viewer_requests = [r for r in requests if "/proxy/" in r]
        assert viewer_requests
        assert all(r.startswith(prefix) for r in viewer_requests), viewer_requests
        assert any("/api/file/0/frame/0" in r for r in viewer_requests)
    finally:
        browser.close()
