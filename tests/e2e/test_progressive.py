"""Progressive frames end to end: reduced levels first, refinement, the readout, cine's rate.

Issue 13: a big multi-frame file is first drawn from the resolution level that fits the
viewport and refined to full resolution when the viewer stops on a frame; the pixel
readout always follows the frame on screen at full resolution; cine plays at the
file's own rate; and nothing polls the server more than needed.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlparse

import httpx
import numpy as np
import pytest
from pydicom.uid import JPEG2000Lossless, generate_uid

import dcmview.sdk as sdk
from tests.bench_tools import load
from tests.dicom_factory import make_dataset, write
from tests.e2e.helpers import (
    Server,
    Viewer,
    assert_matches_server,
    find_file,
    open_file,
    open_viewer,
    screen_to_image,
    server_png,
    start_server,
    view_state,
    viewport_pixels,
    wait_idle,
    wait_shown,
)

if TYPE_CHECKING:
    from playwright.sync_api import Page, Route

pytestmark = pytest.mark.e2e

READOUT = re.compile(r"\((\d+), (\d+)\) stored (-?\d+)")


def frame_requests(v: Viewer, index: int, frame: int) -> list[dict[str, list[str]]]:
    """The query of every raw-frame request of (index, frame) the page made, in order."""
    out = []
    for u in v.requests:
        url = urlparse(u)
        if url.path == f"/api/file/{index}/frame/{frame}/raw":
            out.append(parse_qs(url.query))
    return out


def readout(v: Viewer) -> tuple[int, int, int] | None:
    text = v.page.text_content('[data-testid="readout"]') or ""
    m = READOUT.search(text)
    return (int(m[1]), int(m[2]), int(m[3])) if m else None


def wait_readout(v: Viewer, stored: int) -> None:
    """Wait until the readout shows stored value `stored` (a stale value times out)."""
    v.page.wait_for_function(
        "(want) => /stored (-?\\d+)/.exec("
        "document.querySelector('[data-testid=\"readout\"]')?.textContent ?? '')?.[1] === want",
        arg=str(stored),
        timeout=15_000,
    )


def point_at_image(v: Viewer, fx: float = 0.5, fy: float = 0.5) -> None:
    box = v.page.locator(".viewport").bounding_box()
    assert box is not None
    v.page.mouse.move(box["x"] + box["width"] * fx, box["y"] + box["height"] * fy)


# -- a big multi-frame JPEG 2000 file (issue 13's tomosynthesis, fewer frames) --------------

BIG_ROWS, BIG_COLUMNS, BIG_FRAMES = 2048, 1664, 6


@pytest.fixture(scope="module")
def big_server(tmp_path_factory: pytest.TempPathFactory, browser: Any) -> Iterator[Server]:
    folder = tmp_path_factory.mktemp("big")
    ds = make_dataset(
        rows=BIG_ROWS,
        columns=BIG_COLUMNS,
        frames=BIG_FRAMES,
        bits_stored=12,
        modality="MG",
        window=(2048, 4096),
    )
    ds.SeriesInstanceUID = generate_uid(entropy_srcs=["dcmview-progressive-big"])
    write(ds, folder / "big_dbt_j2k.dcm", transfer_syntax=JPEG2000Lossless)
    srv = start_server([folder])
    yield srv
    srv.stop()


def test_a_big_frame_is_drawn_from_a_reduced_level_then_refined(
    browser: Any, big_server: Server
) -> None:
    v = open_viewer(browser, big_server.url)
    try:
        with big_server.client() as api:
            f = find_file(api, "big_dbt_j2k.dcm")
            # The first image: any level, then full resolution once the viewer rests on it.
            wait_shown(v, f["index"], 0, level=None)
            wait_shown(v, f["index"], 0)
            levels = v.page.evaluate(f"() => window.__dcmview.stats.levels['{f['index']}:0']")
            assert levels[0] > 0, f"the first image was drawn at full resolution: {levels}"
            assert levels[-1] == 0
            # Over the wire: the reduced level was asked first, full resolution later.
            asked = frame_requests(v, f["index"], 0)
            assert asked[0].get("level") == [str(levels[0])]
            assert "level" not in asked[-1]
            # The refined frame is the server's full-resolution image.
            assert_matches_server(v, api, f["index"], 0)
            # The neighbours were prefetched at the fitting level, not at full resolution.
            wait_idle(v)
            ahead = frame_requests(v, f["index"], 1)
            assert ahead
            assert all(q.get("level") == [str(levels[0])] for q in ahead)
            # A level answer is the full image's geometry: the same view, the same size.
            head = api.get(
                f"/api/file/{f['index']}/frame/1/raw", params={"level": levels[0]}
            ).headers
            assert int(head["x-frame-full-rows"]) == BIG_ROWS
            assert int(head["x-frame-full-columns"]) == BIG_COLUMNS
            assert int(head["x-frame-rows"]) == -(-BIG_ROWS // 2 ** levels[0])
        assert v.errors == []
    finally:
        v.page.context.close()


def hold_full_frames(page: Page) -> None:
    """Keep every full-resolution raw request pending: only reduced levels arrive."""
    held: list[Route] = []

    def route(r: Route) -> None:
        if "level" in parse_qs(urlparse(r.request.url).query):
            r.continue_()
        else:
            held.append(r)  # never answered: the page closes with it pending

    page.route("**/api/file/*/frame/*/raw*", route)


@pytest.mark.parametrize("query", ["", "?canvas2d"], ids=["webgl2", "canvas2d"])
def test_a_reduced_level_is_drawn_over_the_full_image(
    browser: Any, big_server: Server, query: str
) -> None:
    v = open_viewer(
        browser, f"{big_server.base_url}/{query}#token={big_server.token}", hold_full_frames
    )
    try:
        with big_server.client() as api:
            f = find_file(api, "big_dbt_j2k.dcm")
            wait_shown(v, f["index"], 0, level=1)
            # Whatever the level, the view is the full image's: fitted to 2048×1664 pixels.
            view = view_state(v)
            want = server_png(api, f["index"], 0)
            assert want.shape[:2] == (BIG_ROWS, BIG_COLUMNS)
            shot = viewport_pixels(v).astype(int)
            vh, vw = shot.shape[:2]
            ys, xs = np.mgrid[0:vh, 0:vw]
            px, py = screen_to_image(view, want.shape[:2], (vh, vw), xs + 0.5, ys + 0.5)
            inside = (px >= 0) & (py >= 0) & (px < BIG_COLUMNS) & (py < BIG_ROWS)
            inside &= (xs > vw * 0.2) & (xs < vw * 0.8) & (ys > vh * 0.12) & (ys < vh * 0.88)
            got = shot[inside][:, 0]
            ref = want[py[inside].astype(int), px[inside].astype(int)][:, 0]
            # The level is the full image smoothed, in the same place and the same window:
            # close to the full-resolution PNG everywhere, and following it.
            assert np.abs(got - ref).mean() < 4
            assert np.corrcoef(got, ref)[0, 1] > 0.99
            # Outside the image the viewport stays black: the level covers exactly the image.
            # (Away from the corners, where the overlay's text is.)
            outside = ~((px >= -2) & (py >= -2) & (px < BIG_COLUMNS + 2) & (py < BIG_ROWS + 2))
            outside &= (ys > vh * 0.12) & (ys < vh * 0.88)
            assert outside.sum() > 1000
            assert shot[outside].max() == 0
            assert v.page.get_attribute(".viewport", "data-renderer") == (
                "canvas2d" if query else "webgl2"
            )
        assert v.errors == []
    finally:
        v.page.context.close()


def test_stepping_a_big_file_shows_levels_and_the_readout_stays_full_resolution(
    browser: Any, big_server: Server
) -> None:
    v = open_viewer(browser, big_server.url)
    try:
        with big_server.client() as api:
            f = find_file(api, "big_dbt_j2k.dcm")
            wait_shown(v, f["index"], 0)
            wait_idle(v)
            point_at_image(v, 0.47, 0.43)
            v.page.wait_for_function(
                "() => /stored -?\\d/.test(document.querySelector('[data-testid=\"readout\"]')"
                "?.textContent ?? '')"
            )
            first = readout(v)
            assert first is not None
            row, column, _ = first
            arrays = sdk.open(f["path"])
            v.page.keyboard.press("ArrowRight")
            # Frame 2 is on screen from its prefetched level before it is refined ...
            wait_shown(v, f["index"], 1, level=None)
            levels = v.page.evaluate(f"() => window.__dcmview.stats.levels['{f['index']}:1']")
            assert levels[0] > 0
            # ... and the readout is nevertheless the full-resolution stored value.
            wait_readout(v, int(arrays.frame(1).array()[row, column]))
            wait_shown(v, f["index"], 1)
            wait_readout(v, int(arrays.frame(1).array()[row, column]))
        assert v.errors == []
    finally:
        v.page.context.close()


def test_over_a_slow_link_the_refinement_is_the_png_at_the_window(
    browser: Any, big_server: Server
) -> None:
    # 50 Mbit/s each way and 20 ms one way: an SSH forward (benchmarks/throttle.py).
    throttle = load("throttle")
    port = urlparse(big_server.base_url).port
    with throttle.throttled(port, throttle.Link(rate_mbit=50, delay_ms=20)) as proxy:
        v = open_viewer(browser, big_server.url.replace(f":{port}/", f":{proxy.port}/"))
        try:
            with big_server.client() as api:
                f = find_file(api, "big_dbt_j2k.dcm")
                i = f["index"]
                wait_shown(v, i, 0, level=None)
                wait_shown(v, i, 0)
                # The first look asked a level and told the server full resolution was next ...
                asked = frame_requests(v, i, 0)
                assert len(asked) == 1, asked
                assert asked[0].get("then") == ["full"]
                # ... and refined with the PNG at the file's window, not 16-bit samples.
                pngs = [
                    parse_qs(urlparse(u).query)
                    for u in v.requests
                    if urlparse(u).path == f"/api/file/{i}/frame/0"
                ]
                assert pngs == [{"wc": ["2048"], "ww": ["4096"]}], pngs
                assert_matches_server(v, api, i, 0, "?wc=2048&ww=4096")
                # The readout still reads the full-resolution stored value (from the server).
                point_at_image(v, 0.52, 0.46)
                v.page.wait_for_function(
                    "() => /stored -?\\d/.test(document.querySelector("
                    "'[data-testid=\"readout\"]')?.textContent ?? '')"
                )
                got = readout(v)
                assert got is not None
                row, column, stored = got
                assert stored == int(sdk.open(f["path"]).frame(0).array()[row, column])
            assert v.errors == []
        finally:
            v.page.context.close()


# -- the ci corpus ------------------------------------------------------------------------


@pytest.mark.corpus
def test_the_readout_follows_the_frames_stepped_with_the_keyboard(
    viewer: Viewer, api: httpx.Client
) -> None:
    f = find_file(api, "DBT_L_CC_12f_j2k_lossless.dcm")
    open_file(viewer, f)
    wait_idle(viewer)
    point_at_image(viewer, 0.5, 0.45)
    viewer.page.wait_for_selector('[data-testid="readout"]')
    first = readout(viewer)
    assert first is not None
    row, column, stored = first
    instance = sdk.open(f["path"])
    want = [int(instance.frame(k).array()[row, column]) for k in range(f["frame_count"])]
    assert stored == want[0]
    assert len(set(want)) > 1, "the chosen pixel does not change across frames"
    # The pointer stays where it is; only the keyboard moves through the frames.
    for k in range(1, f["frame_count"]):
        viewer.page.keyboard.press("ArrowRight")
        wait_shown(viewer, f["index"], k, level=None)
        wait_readout(viewer, want[k])
        assert readout(viewer) == (row, column, want[k])
    viewer.page.keyboard.press("Home")
    wait_readout(viewer, want[0])


@pytest.mark.corpus
def test_cine_plays_at_the_files_own_rate(viewer: Viewer, api: httpx.Client) -> None:
    us = find_file(api, "cine_rgb_20f_explicit_le.dcm")
    # Cine Rate 30 (and Frame Time 33.333 ms), as the server reads it from the file.
    assert api.get(f"/api/file/{us['index']}/info").json()["cine_rate"] == pytest.approx(30)
    open_file(viewer, us)
    page = viewer.page
    fps = page.locator('input[aria-label="Frames per second"]')
    page.wait_for_function(
        "() => document.querySelector('input[aria-label=\"Frames per second\"]').value === '30'",
        timeout=15_000,
    )
    # Play once through (every frame cached), then count the frame changes in one second.
    page.locator(".viewport").click(button="middle")
    page.keyboard.press("Space")
    page.wait_for_function(
        "() => window.__dcmview.busy() === 0 && "
        "document.querySelector('.viewport')?.dataset.pos === '0'",
        timeout=30_000,
    )
    changes = page.evaluate(
        """() => new Promise((done) => {
            const v = document.querySelector('.viewport');
            let last = v.dataset.pos, n = 0;
            const t0 = performance.now();
            const tick = (now) => {
                if (v.dataset.pos !== last) { n++; last = v.dataset.pos; }
                if (now - t0 < 1000) requestAnimationFrame(tick); else done(n);
            };
            requestAnimationFrame(tick);
        })"""
    )
    page.keyboard.press("Space")
    # 30 fps; at the former fixed 10 fps it could not exceed 11.
    assert changes >= 15, f"cine changed frames {changes} times in one second"
    # A stack without a rate of its own plays at 10 fps.
    ct = find_file(api, "series_002_AX_2.5mm/IM00001.dcm")
    assert api.get(f"/api/file/{ct['index']}/info").json()["cine_rate"] is None
    open_file(viewer, ct)
    assert fps.input_value() == "10"


@pytest.mark.corpus
def test_the_viewer_stops_polling_once_the_scan_is_complete(viewer: Viewer) -> None:
    page = viewer.page
    page.wait_for_selector('.viewport[data-shown$=":0"]', timeout=30_000)
    wait_idle(viewer)
    start = len(viewer.requests)
    page.wait_for_timeout(6500)
    # The navigator's thumbnails (max_size) load as their rows come into view: not polls.
    paths = [urlparse(u).path for u in viewer.requests[start:] if "max_size" not in u]
    assert "/api/files" not in paths
    assert "/api/series" not in paths
    # Health only while nothing else answers, every 3 s at most.
    assert paths.count("/api/health") <= 3
    assert set(paths) <= {"/api/health"}
