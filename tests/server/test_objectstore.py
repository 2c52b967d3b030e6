"""``dcmview https://host/folder/``: the command on files served over HTTP with Range support."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import dcmview.sdk as sdk
from dcmview.client import Client
from tests.e2e.helpers import start_server
from tests.sdk.sources.helpers import serve

pytestmark = [pytest.mark.corpus, pytest.mark.slow]


def test_the_viewer_serves_files_from_an_http_prefix(corpus_ci: Path) -> None:
    folder = corpus_ci / "mr"
    local = sdk.scan(folder)
    with serve(folder) as (base, counter):
        srv = start_server([base + "/"])
        try:
            with Client(srv.base_url, token=srv.token) as c:
                files = c.files()["files"]
                assert len(files) == len(local)
                assert all(f["path"].startswith(base + "/") for f in files)
                f = next(f for f in files if f["path"].endswith(Path(local.headers[0].path).name))
                want = sdk.open(local.headers[0].path).frame(0).array()
                np.testing.assert_array_equal(c.frame_array(f["index"], 0), want)
        finally:
            srv.stop()
    assert counter.requests > 0
