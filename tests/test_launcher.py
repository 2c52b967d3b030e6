"""dcmview.view(): blocking with a timeout, non-blocking stop, context manager, notebooks."""

from __future__ import annotations

import asyncio
import errno
import socket
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

import dcmview
from dcmview.sdk.errors import InvalidInputError, InvalidPathError
from dcmview.sdk.roi import Roi, RoiSet
from tests.dicom_factory import make_dicom


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("launcher")
    make_dicom(root, "a.dcm", modality="CT", rows=16, columns=16, frames=2)
    make_dicom(root, "b.dcm", modality="MR", rows=16, columns=16, seed=1)
    return root


def _get(handle, path: str) -> httpx.Response:
    return httpx.get(handle.base_url + path, headers={"Authorization": f"Bearer {handle.token}"})


def test_view_is_exported_lazily() -> None:
    code = "import sys, dcmview; print('dcmview.launcher' in sys.modules, callable(dcmview.view))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "True"]
    with pytest.raises(AttributeError):
        dcmview.no_such_name  # noqa: B018


def test_blocking_view_returns_after_timeout(folder: Path) -> None:
    handle = dcmview.view([folder], browser=False, timeout=0, quiet=True)
    assert not handle.running
    assert handle.exit_code == 0
    assert len(handle.catalog) == 2


def test_non_blocking_view_serves_until_stop(folder: Path) -> None:
    handle = dcmview.view(str(folder), browser=False, block=False, quiet=True)
    try:
        assert handle.running
        assert handle.url == f"{handle.base_url}/#token={handle.token}"
        handle.catalog.wait(10)
        files = _get(handle, "/api/files").json()
        assert len(files["files"]) == 2
        assert httpx.get(handle.base_url + "/api/files").status_code == 401
    finally:
        handle.stop()
    assert not handle.running
    with pytest.raises(httpx.TransportError):
        httpx.get(handle.base_url + "/api/health", timeout=2)


def test_context_manager_and_annotations_object(folder: Path) -> None:
    rois = RoiSet({folder / "a.dcm": [Roi(1, 2, 3, 4, (1,))]})
    with dcmview.view([folder], browser=False, block=False, annotations=rois, quiet=True) as h:
        h.catalog.wait(10)
        index = h.catalog.index_of(folder / "a.dcm")
        body = _get(h, f"/api/file/{index}/annotations").json()
        assert body == {"num_roi": 1, "roi_coords": [[1, 2, 3, 4]], "roi_frames": [[1]]}
    assert not h.running


def test_view_inside_a_running_event_loop(folder: Path) -> None:
    # What a notebook does: call view() from code running on an event loop.
    async def cell() -> int:
        with dcmview.view([folder], browser=False, block=False, quiet=True) as h:
            h.catalog.wait(10)
            async with httpx.AsyncClient() as client:
                r = await client.get(
                    h.base_url + "/api/health", headers={"Authorization": f"Bearer {h.token}"}
                )
            return r.json()["file_count"]

    assert asyncio.run(cell()) == 2


def test_the_handle_is_text_and_the_iframe_opens_its_url(folder: Path) -> None:
    from dcmview._notebook import iframe_html

    with dcmview.view([folder], browser=False, block=False, quiet=True) as h:
        assert repr(h).startswith(f"<ViewerHandle {h.base_url} ")
        # No HTML repr: in a notebook view() shows the viewer itself, once.
        assert not hasattr(h, "_repr_html_")
        html = iframe_html(h.url)
    assert f'src="{h.url}"' in html
    assert "<iframe" in html


def test_quiet_prints_nothing_and_ctrl_c_only_when_blocking(folder: Path, capsys) -> None:
    with dcmview.view([folder], browser=False, block=False, quiet=True):
        pass
    assert capsys.readouterr() == ("", "")
    with dcmview.view([folder], browser=False, block=False) as h:
        h.catalog.wait(10)
    out = capsys.readouterr().out
    assert f"dcmview: server running at {h.url}" in out
    assert "Ctrl+C" not in out
    dcmview.view([folder], browser=False, timeout=0)
    assert "dcmview: press Ctrl+C to stop" in capsys.readouterr().out


def test_proxy_url_serves_under_the_prefix_and_accepts_only_its_host(folder: Path) -> None:
    public = "https://hub.example.org/user/me/"
    with dcmview.view([folder], browser=False, block=False, quiet=True, proxy=public) as h:
        port = int(h.base_url.rsplit(":", 1)[1])
        assert h.url == f"{public}proxy/{port}/#token={h.token}"
        assert h.local_url == f"{h.base_url}/#token={h.token}"
        assert h.proxy == "jupyter"
        auth = {"Authorization": f"Bearer {h.token}"}
        # What jupyter-server-proxy forwards: the browser's Host, the prefix removed.
        ok = httpx.get(h.base_url + "/api/health", headers={**auth, "Host": "hub.example.org"})
        assert ok.status_code == 200
        page = httpx.get(h.base_url + "/", headers={"Host": "hub.example.org:443"})
        assert page.status_code == 200
        # Relative asset URLs: the page works under any prefix.
        assert 'src="./assets/' in page.text
        other = httpx.get(h.base_url + "/api/health", headers={**auth, "Host": "evil.example"})
        assert other.status_code == 403
        # The token is still required through the proxy.
        no_token = httpx.get(h.base_url + "/api/health", headers={"Host": "hub.example.org"})
        assert no_token.status_code == 401


def test_proxy_false_and_no_notebook_is_direct(folder: Path, monkeypatch) -> None:
    monkeypatch.setenv("JUPYTERHUB_SERVICE_PREFIX", "/user/me/")
    with dcmview.view([folder], browser=False, block=False, quiet=True, proxy=False) as h:
        assert (h.proxy, h.url) == ("direct", h.local_url)
    # Outside a notebook kernel nothing is detected, even under a hub's environment.
    with dcmview.view([folder], browser=False, block=False, quiet=True) as h:
        assert h.proxy == "direct"


def test_bad_path_raises_before_starting(tmp_path: Path, capsys) -> None:
    with pytest.raises(InvalidPathError, match="no such file") as info:
        dcmview.view([tmp_path / "missing"], browser=False, block=False)
    assert info.value.path == str(tmp_path / "missing")
    assert capsys.readouterr().out == ""


def test_a_port_in_use_is_an_oserror_not_a_bad_path(folder: Path, capsys) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        with pytest.raises(OSError, match=f"^cannot listen on 127.0.0.1:{port}: ") as info:
            dcmview.view([folder], port=port, browser=False, block=False)
    assert info.value.errno == errno.EADDRINUSE
    assert not isinstance(info.value, InvalidPathError)
    assert capsys.readouterr().out == ""


def test_a_file_where_the_unix_socket_goes_is_an_oserror(folder: Path, tmp_path: Path) -> None:
    path = tmp_path / "not-a-socket"
    path.write_text("keep me")
    with pytest.raises(OSError, match="exists and is not a socket") as info:
        dcmview.view([folder], unix_socket=str(path), browser=False, block=False, quiet=True)
    assert info.value.errno == errno.EEXIST
    assert not isinstance(info.value, InvalidPathError)
    assert path.read_text() == "keep me"


@pytest.mark.parametrize(
    ("field", "message"),
    [
        pytest.param("NoSuchKeyword", "unknown filter field 'NoSuchKeyword'", id="unknown"),
        pytest.param("ReferencedImageSequence", r"is a sequence \(SQ\)", id="sequence"),
    ],
)
def test_a_bad_filter_raises_before_starting(folder: Path, capsys, field: str, message) -> None:
    with pytest.raises(InvalidInputError, match=message):
        dcmview.view([folder], filters={field: "x"}, browser=False, block=False)
    assert capsys.readouterr().out == ""


def test_filters_keyword(folder: Path) -> None:
    h = dcmview.view([folder], browser=False, timeout=0, filters={"modality": "mr"}, quiet=True)
    assert [hd.modality for hd in h.catalog.headers] == ["MR"]
