"""The ``dcmview`` command and server on a DICOMweb archive: a real Orthanc (tests/orthanc.py).

The CLI process lists the archive, the HTTP API serves its frames (equal to the local
decode), credentials never reach the terminal, and a stopped or killed archive gives
clear 502 answers while the server keeps answering everything else.
"""

from __future__ import annotations

import base64
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pydicom
import pytest

import dcmview.sdk as sdk
from dcmview.client import Client
from dcmview.sdk.errors import RemoteSourceError
from tests.e2e.helpers import Server, start_server
from tests.orthanc import Orthanc, OrthancCorpus

pytestmark = [pytest.mark.corpus, pytest.mark.slow]


def _basic(server: Orthanc) -> str:
    user, password = server.auth
    return "Authorization: Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


@pytest.fixture(scope="module")
def served(orthanc_ci: OrthancCorpus) -> Iterator[Server]:
    """``dcmview URL`` with the credentials in a --header."""
    srv = start_server([orthanc_ci.server.dicomweb], "--header", _basic(orthanc_ci.server))
    yield srv
    srv.stop()


def test_api_files_lists_every_uploaded_instance(orthanc_ci: OrthancCorpus, served: Server) -> None:
    with Client(served.base_url, token=served.token) as c:
        files = c.files()["files"]
        uploaded = {
            str(pydicom.dcmread(p, stop_before_pixels=True, force=True).SOPInstanceUID)
            for p in orthanc_ci.accepted
        }
        assert {f["sop_instance_uid"] for f in files} == uploaded
        assert all(f["path"].startswith(orthanc_ci.server.dicomweb + "/studies/") for f in files)
        # A frame over HTTP equals the local decode of the same file.
        mg = next(p for p in orthanc_ci.accepted if p.name == "L_CC_j2k_lossless.dcm")
        local = sdk.open(mg)
        index = next(f["index"] for f in files if f["sop_instance_uid"] == local.sop_instance_uid)
        np.testing.assert_array_equal(c.frame_array(index, 0), local.frame(0).array())
        assert c.frame_png(index, 0).startswith(b"\x89PNG")
        assert c.tags(index)


def test_credentials_never_reach_the_terminal(orthanc_ci: OrthancCorpus) -> None:
    user, password = orthanc_ci.server.auth
    url = orthanc_ci.server.dicomweb.replace("://", f"://{user}:{password}@")
    run = subprocess.run(
        [sys.executable, "-m", "dcmview", "--no-browser", "--port", "0", "--timeout", "0", url],
        capture_output=True,
        text=True,
        timeout=300,
    )
    out = run.stdout + run.stderr
    assert run.returncode == 0, out
    assert (
        f"loaded {len(orthanc_ci.accepted)} DICOM file(s) from {orthanc_ci.server.dicomweb}" in out
    )
    assert password not in out


def test_unreachable_archive_exits_with_one_clear_line(orthanc_ci: OrthancCorpus) -> None:
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "dcmview",
            "--no-browser",
            "--port",
            "0",
            orthanc_ci.server.dicomweb,
        ],  # no credentials: 401
        capture_output=True,
        text=True,
        timeout=120,
        env={k: v for k, v in os.environ.items() if not k.startswith("DCMVIEW_DICOMWEB")},
    )
    assert run.returncode == 1
    assert "the scan failed: listing studies" in run.stderr
    assert f"{orthanc_ci.server.dicomweb}/studies?" in run.stderr
    assert "answered 401 Unauthorized" in run.stderr


@pytest.fixture
def small(corpus_ci: Path, tmp_path: Path) -> Iterator[tuple[Orthanc, Server]]:
    """An Orthanc of its own (one CT series, 3 files) and ``dcmview`` on it, 2 s timeouts."""
    orthanc = Orthanc(tmp_path).start()
    orthanc.upload(sorted((corpus_ci / "ct").rglob("*.dcm"))[:3])
    srv = start_server([orthanc.dicomweb], "--remote-timeout", "2", env=orthanc.env())
    try:
        yield orthanc, srv
    finally:
        srv.stop()
        orthanc.stop()


def test_stopped_archive_answers_502_and_the_server_keeps_answering(small) -> None:
    orthanc, srv = small
    with Client(srv.base_url, token=srv.token) as c:
        assert len(c.files()["files"]) == 3
        c.frame_array(0, 0)  # header and first frame in while the archive answers
        orthanc.pause()
        try:
            result: dict[str, object] = {}

            def slow() -> None:
                t0 = time.monotonic()
                with Client(srv.base_url, token=srv.token) as c2:
                    try:
                        c2.frame_array(1, 0)
                    except RemoteSourceError as exc:
                        result["error"] = exc
                result["seconds"] = time.monotonic() - t0

            t = threading.Thread(target=slow)
            t.start()
            time.sleep(0.5)
            # While a request waits on the archive, the rest of the API answers at once.
            t0 = time.monotonic()
            assert len(c.files()["files"]) == 3
            assert c.health()
            assert time.monotonic() - t0 < 2
            t.join(60)
            assert not t.is_alive()
        finally:
            orthanc.resume()
        exc = result["error"]
        assert isinstance(exc, RemoteSourceError)
        assert exc.status == 502
        assert "did not answer in time" in str(exc)
        assert orthanc.dicomweb in str(exc)
        assert float(result["seconds"]) < 30  # type: ignore[arg-type]
        # The archive is back: the same frame is served.
        assert c.frame_array(1, 0).shape == (256, 256)


def test_killed_archive_answers_502_and_the_server_keeps_serving_what_it_has(small) -> None:
    orthanc, srv = small
    with Client(srv.base_url, token=srv.token) as c:
        first = c.frame_array(0, 0)
        orthanc.stop()
        with pytest.raises(RemoteSourceError, match="cannot connect") as info:
            c.frame_array(2, 0)
        assert info.value.status == 502
        # What was fetched before is still served (from the frame cache), and the catalog.
        np.testing.assert_array_equal(c.frame_array(0, 0), first)
        assert len(c.files()["files"]) == 3
        assert srv.proc.poll() is None
