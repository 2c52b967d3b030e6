"""The viewer draws every VOI function like the server: SIGMOID, LINEAR_EXACT, VOI LUT, INVERSE.

The files are built here with pydicom (no corpus needed): the canvas must equal the
server PNG of the same frame, drawn on the GPU from raw samples with the window the
server reports (X-Frame-Auto-*, X-Frame-Window-Function), or, for a VOI LUT table,
shown as the server PNG itself.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pydicom
import pytest
from pydicom.uid import generate_uid

from tests.dicom_factory import make_dataset, write
from tests.e2e.helpers import (
    Server,
    assert_matches_server,
    find_file,
    open_file,
    open_viewer,
    start_server,
)

pytestmark = pytest.mark.e2e


def _files(folder: Path) -> None:
    """One file per case, each its own series (one stack each), 12-bit ramps of 96x128."""

    def dataset(seed: int, **kw: Any) -> pydicom.Dataset:
        ds = make_dataset(rows=96, columns=128, bits_stored=12, seed=seed, **kw)
        ds.SeriesInstanceUID = generate_uid(entropy_srcs=[f"dcmview-voi-{seed}"])
        return ds

    sigmoid = dataset(1, window=(2048, 1200))
    sigmoid.VOILUTFunction = "SIGMOID"
    write(sigmoid, folder / "voi_sigmoid.dcm")
    exact = dataset(2, window=(1500, 2000))
    exact.VOILUTFunction = "LINEAR_EXACT"
    exact.PresentationLUTShape = "INVERSE"
    write(exact, folder / "voi_linear_exact_inverse.dcm")
    lut = dataset(3)
    item = pydicom.Dataset()
    item.LUTDescriptor = [4096, 0, 16]
    # Not a ramp: a saw tooth no window can imitate, so only the server PNG matches.
    item.add_new("LUTData", "US", [(v * 40) % 65536 for v in range(4096)])
    lut.VOILUTSequence = pydicom.Sequence([item])
    write(lut, folder / "voi_lut_table.dcm")


@pytest.fixture(scope="module")
def voi_server(tmp_path_factory: pytest.TempPathFactory, browser: Any) -> Iterator[Server]:
    folder = tmp_path_factory.mktemp("voi")
    _files(folder)
    srv = start_server([folder])
    yield srv
    srv.stop()


@pytest.mark.parametrize(
    ("name", "function"),
    [
        pytest.param("voi_sigmoid.dcm", "SIGMOID", id="sigmoid"),
        pytest.param("voi_linear_exact_inverse.dcm", "LINEAR_EXACT", id="linear-exact-inverse"),
        pytest.param("voi_lut_table.dcm", "LINEAR", id="voi-lut-table"),
    ],
)
def test_default_window_function_matches_the_server_png(
    browser: Any, voi_server: Server, name: str, function: str
) -> None:
    v = open_viewer(browser, voi_server.url)
    try:
        with voi_server.client() as api:
            f = find_file(api, name)
            raw = api.get(f"/api/file/{f['index']}/frame/0/raw").headers
            assert raw["x-frame-window-function"] == function
            open_file(v, f)
            assert_matches_server(v, api, f["index"], 0)
        # Drawn from raw samples on the GPU, except the VOI LUT (the server's PNG).
        assert v.page.get_attribute(".viewport", "data-renderer") == "webgl2"
        shown = v.page.get_attribute(".viewport", "data-shown-key") or ""
        png = f"/api/file/{f['index']}/frame/0"
        # (A navigator thumbnail of the file asks the same path with max_size.)
        asked_png = any(
            httpx.URL(u).path == png and "max_size" not in httpx.URL(u).params for u in v.requests
        )
        if "x-frame-voi-lut" in raw:
            assert shown.endswith(":png:default")
            assert asked_png
        else:
            assert shown == f"{f['index']}:0"
            assert not asked_png
        assert v.errors == []
    finally:
        v.page.context.close()
