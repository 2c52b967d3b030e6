"""The browser viewer end to end: Chromium against a real ``dcmview`` on the ci corpus.

What is asserted is what a user sees (screenshots of the viewport, the overlay text)
and what the server ends up holding (annotations, the exported CSV).
"""

from __future__ import annotations

import csv
import re
import time
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pydicom
import pytest

from tests.e2e.helpers import (
    Server,
    Viewer,
    assert_matches_server,
    find_file,
    open_file,
    open_viewer,
    start_server,
    view_state,
    viewport_pixels,
    wait_idle,
    wait_shown,
)

pytestmark = [pytest.mark.e2e, pytest.mark.corpus]


def image_to_page(
    v: Viewer, view: dict[str, Any], shape: tuple[int, int], x: float, y: float
) -> tuple[float, float]:
    """Page coordinates of image point (x, y) (column, row)."""
    box = v.page.locator(".viewport").bounding_box()
    assert box is not None
    h, w = shape
    sx = (x - w / 2) * view["zoom"] + box["width"] / 2 + view["panX"]
    sy = (y - h / 2) * view["zoom"] + box["height"] / 2 + view["panY"]
    return box["x"] + sx, box["y"] + sy


def test_first_image_is_drawn_and_matches_the_server_png(viewer: Viewer, api: httpx.Client) -> None:
    page = viewer.page
    page.wait_for_selector('.viewport[data-shown$=":0"]', timeout=30_000)
    index = int(page.get_attribute(".viewport", "data-file") or -1)
    wait_shown(viewer, index)
    assert page.get_attribute(".viewport", "data-renderer") == "webgl2"
    # The token left the address bar (it stays in sessionStorage only).
    assert "token" not in page.url
    assert_matches_server(viewer, api, index, 0)


@pytest.mark.parametrize(
    ("endswith", "frame"),
    [
        pytest.param("L_CC_monochrome1_explicit_le.dcm", 0, id="monochrome1"),
        pytest.param("DBT_L_CC_12f_j2k_lossless.dcm", 0, id="dbt-per-frame-window"),
        pytest.param("nested_sequences_private_tags.dcm", 0, id="no-window-percentile"),
        pytest.param("cine_rgb_20f_explicit_le.dcm", 0, id="rgb"),
        pytest.param("palette_color_8bit.dcm", 0, id="palette-png-fallback"),
    ],
)
def test_default_window_matches_the_server_png(
    viewer: Viewer, api: httpx.Client, endswith: str, frame: int
) -> None:
    f = find_file(api, endswith)
    open_file(viewer, f, frame)
    assert_matches_server(viewer, api, f["index"], frame)


def test_canvas2d_fallback_matches_the_server_png(
    browser: Any, server: Server, api: httpx.Client
) -> None:
    v = open_viewer(browser, server.base_url + "/?canvas2d#token=" + server.token)
    try:
        v.page.wait_for_selector('.viewport[data-shown$=":0"]', timeout=30_000)
        assert v.page.get_attribute(".viewport", "data-renderer") == "canvas2d"
        f = find_file(api, "L_CC_monochrome1_explicit_le.dcm")
        open_file(v, f)
        assert_matches_server(v, api, f["index"], 0)
        assert v.errors == []
    finally:
        v.page.context.close()


def test_preset_window_matches_the_server_png(viewer: Viewer, api: httpx.Client) -> None:
    page = viewer.page
    page.wait_for_selector('.viewport[data-shown$=":0"]', timeout=30_000)
    index = int(page.get_attribute(".viewport", "data-file") or -1)
    page.keyboard.press("8")  # lung, C -600 / W 1500
    expect_text(viewer, '[data-testid="window"]', "W 1500 C -600")
    assert_matches_server(viewer, api, index, 0, "?wc=-600&ww=1500")


def expect_text(v: Viewer, selector: str, text: str) -> None:
    v.page.wait_for_function(
        "([s, t]) => document.querySelector(s)?.textContent?.includes(t)",
        arg=[selector, text],
        timeout=15_000,
    )


def test_stepping_tomosynthesis_frames_changes_image_and_counter(
    viewer: Viewer, api: httpx.Client
) -> None:
    f = find_file(api, "DBT_L_CC_12f_j2k_lossless.dcm")
    open_file(viewer, f)
    expect_text(viewer, '[data-testid="frame-counter"]', "Frame 1/12")
    before = viewport_pixels(viewer)
    viewer.page.keyboard.press("ArrowRight")
    wait_shown(viewer, f["index"], 1)
    expect_text(viewer, '[data-testid="frame-counter"]', "Frame 2/12")
    after = viewport_pixels(viewer)
    assert np.abs(after.astype(int) - before.astype(int)).sum() > 0
    assert_matches_server(viewer, api, f["index"], 1)
    viewer.page.keyboard.press("]")
    wait_shown(viewer, f["index"], 2)
    viewer.page.keyboard.press("[")
    viewer.page.keyboard.press("ArrowLeft")
    wait_shown(viewer, f["index"], 0)
    expect_text(viewer, '[data-testid="frame-counter"]', "Frame 1/12")


def test_wheel_walks_the_ct_series_in_slice_position_order(
    viewer: Viewer, api: httpx.Client
) -> None:
    ct = find_file(api, "series_002_AX_2.5mm/IM00001.dcm")
    series = api.get("/api/series").json()
    order = next(
        [i["index"] for i in s["instances"]]
        for p in series["patients"]
        for st in p["studies"]
        for s in st["series"]
        if s["series_instance_uid"] == ct["series_instance_uid"]
    )
    assert len(order) == 40
    open_file(viewer, ct)
    page = viewer.page
    start = order.index(ct["index"])
    expect_text(viewer, '[data-testid="frame-counter"]', f"Frame {start + 1}/40")
    # Walk from the top of the stack with the wheel, one notch per slice.
    page.keyboard.press("Home")
    wait_shown(viewer, order[0])
    box = page.locator(".viewport").bounding_box()
    assert box is not None
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    shown = [order[0]]
    for k in range(1, 6):
        page.mouse.wheel(0, 100)
        wait_shown(viewer, order[k])
        shown.append(int(page.get_attribute(".viewport", "data-file") or -1))
    assert shown == order[:6]
    # The server's order is the slice position along the normal: check it on the files.
    paths = {f["index"]: f["path"] for f in api.get("/api/files").json()["files"]}
    z = []
    for i in order:
        ds = pydicom.dcmread(paths[i], stop_before_pixels=True)
        z.append(float(ds.ImagePositionPatient[2]))
    steps = np.diff(z)
    assert (steps > 0).all() or (steps < 0).all(), "the stack is not in slice-position order"


def test_window_drag_redraws_without_a_frame_request(viewer: Viewer, api: httpx.Client) -> None:
    f = find_file(api, "R_MLO_normal_j2k_lossless.dcm")
    open_file(viewer, f)
    wait_idle(viewer)
    page = viewer.page
    page.keyboard.press("w")
    before = viewport_pixels(viewer)
    label_before = page.text_content('[data-testid="window"]')
    n_requests = len(viewer.requests)
    box = page.locator(".viewport").bounding_box()
    assert box is not None
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.move(x, y)
    page.mouse.down()
    for k in range(1, 11):
        page.mouse.move(x + 12 * k, y + 6 * k)
    page.mouse.up()
    page.evaluate("() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")
    after = viewport_pixels(viewer)
    assert page.text_content('[data-testid="window"]') != label_before
    assert np.abs(after.astype(int) - before.astype(int)).sum() > 0
    # (The pixel readout under the pointer may ask for one sample, the navigator a
    # thumbnail (max_size); neither is the frame on screen.)
    frame_requests = [
        u
        for u in viewer.requests[n_requests:]
        if "/frame/" in u and "/pixel" not in u and "max_size" not in u
    ]
    assert frame_requests == []


def test_cine_plays_the_tomosynthesis_stack(viewer: Viewer, api: httpx.Client) -> None:
    f = find_file(api, "DBT_L_CC_12f_rle_lossless.dcm")
    open_file(viewer, f)
    page = viewer.page
    page.fill('input[aria-label="Frames per second"]', "20")
    page.keyboard.press("Tab")
    page.locator(".viewport").click(button="middle")
    page.keyboard.press("Space")
    seen: set[str] = set()
    deadline = time.monotonic() + 20
    while len(seen) < 6 and time.monotonic() < deadline:
        seen.add(page.get_attribute(".viewport", "data-pos") or "")
        page.wait_for_timeout(30)
    assert page.get_attribute('[data-testid="play"]', "aria-label") == "Pause"
    page.keyboard.press("Space")
    assert page.get_attribute('[data-testid="play"]', "aria-label") == "Play"
    assert len(seen) >= 6, f"cine showed only positions {sorted(seen)}"


def test_tag_filter_finds_patient_id(viewer: Viewer, api: httpx.Client) -> None:
    page = viewer.page
    page.wait_for_selector('.viewport[data-shown$=":0"]', timeout=30_000)
    index = int(page.get_attribute(".viewport", "data-file") or -1)
    patient_id = next(
        f["patient_id"] for f in api.get("/api/files").json()["files"] if f["index"] == index
    )
    page.fill('input[aria-label="Filter tags"]', "PatientID")
    row = page.locator('.tags .row[data-keyword="PatientID"]')
    row.wait_for(timeout=15_000)
    assert patient_id in (row.text_content() or "")
    assert "(0010,0020)" in (row.text_content() or "")
    # Filtering by value finds the same element.
    page.fill('input[aria-label="Filter tags"]', patient_id)
    page.locator('.tags .row[data-keyword="PatientID"]').wait_for(timeout=15_000)


def test_drawing_an_roi_is_saved_and_exported(
    viewer: Viewer, api: httpx.Client, tmp_path: Path
) -> None:
    f = find_file(api, "L_CC_jpegls_lossless.dcm")
    assert api.get(f"/api/file/{f['index']}/annotations").json()["num_roi"] == 0
    open_file(viewer, f)
    page = viewer.page
    page.keyboard.press("r")
    view = view_state(viewer)
    shape = (f["rows"], f["columns"])
    x0, y0 = image_to_page(viewer, view, shape, 200, 300)
    x1, y1 = image_to_page(viewer, view, shape, 400, 600)
    with page.expect_response(
        lambda r: r.request.method == "PUT" and "/annotations" in r.url
    ) as put:
        page.mouse.move(x0, y0)
        page.mouse.down()
        page.mouse.move((x0 + x1) / 2, (y0 + y1) / 2)
        page.mouse.move(x1, y1)
        page.mouse.up()
    assert put.value.ok
    body = api.get(f"/api/file/{f['index']}/annotations").json()
    assert body["num_roi"] == 1
    ymin, xmin, ymax, xmax = body["roi_coords"][0]
    tol = 1 + 1 / view["zoom"]
    assert abs(ymin - 300) <= tol
    assert abs(xmin - 200) <= tol
    assert abs(ymax - 600) <= tol
    assert abs(xmax - 400) <= tol
    assert body["roi_frames"] == [[]]

    # Export ROIs: the CSV is fetched with the token and saved by the browser.
    with page.expect_download() as dl:
        page.get_by_role("button", name="Export ROIs").click()
    target = tmp_path / "rois.csv"
    dl.value.save_as(target)
    with target.open(newline="") as fh:
        rows = list(csv.DictReader(fh))
    mine = [r for r in rows if r["anon_dicom_path"] == f["path"]]
    assert len(mine) == 1
    assert [int(v) for v in re.findall(r"-?\d+", mine[0]["ROI_coords"])] == [ymin, xmin, ymax, xmax]

    # Move it by dragging its inside, then delete it with the keyboard.
    cx, cy = image_to_page(viewer, view, shape, 300, 450)
    with page.expect_response(lambda r: r.request.method == "PUT" and "/annotations" in r.url):
        page.mouse.move(cx, cy)
        page.mouse.down()
        page.mouse.move(cx + 20 * view["zoom"], cy + 10 * view["zoom"], steps=4)
        page.mouse.up()
    moved = api.get(f"/api/file/{f['index']}/annotations").json()["roi_coords"][0]
    assert moved[1] - xmin == pytest.approx(20, abs=1)
    assert moved[0] - ymin == pytest.approx(10, abs=1)
    assert moved[3] - moved[1] == xmax - xmin
    with page.expect_response(lambda r: r.request.method == "PUT" and "/annotations" in r.url):
        page.keyboard.press("Delete")
    assert api.get(f"/api/file/{f['index']}/annotations").json()["num_roi"] == 0


def test_a_drag_outside_the_image_sends_no_invalid_box(viewer: Viewer, api: httpx.Client) -> None:
    f = find_file(api, "L_CC_rle_lossless.dcm")
    open_file(viewer, f)
    page = viewer.page
    page.keyboard.press("r")
    view = view_state(viewer)
    shape = (f["rows"], f["columns"])
    x0, y0 = image_to_page(viewer, view, shape, f["columns"] - 100, 50)
    x1, y1 = image_to_page(viewer, view, shape, f["columns"] + 300, -200)
    with page.expect_response(
        lambda r: r.request.method == "PUT" and "/annotations" in r.url
    ) as put:
        page.mouse.move(x0, y0)
        page.mouse.down()
        page.mouse.move(x1, y1, steps=3)
        page.mouse.up()
    assert put.value.status == 200
    ymin, xmin, ymax, xmax = api.get(f"/api/file/{f['index']}/annotations").json()["roi_coords"][0]
    assert (ymin, xmax) == (0, f["columns"] - 1)
    assert 0 <= xmin < xmax
    assert ymin < ymax < f["rows"]
    page.keyboard.press("Delete")


def test_without_the_token_the_page_shows_no_image(browser: Any, server: Server) -> None:
    v = open_viewer(browser, server.base_url + "/")
    try:
        v.page.wait_for_selector('[data-testid="no-token"]', timeout=15_000)
        assert v.page.locator("canvas").count() == 0
        text = v.page.text_content("body") or ""
        assert "CORPUS-" not in text
        assert "PHANTOM" not in text
        assert [u for u in v.requests if "/api/" in u] == []
        assert v.errors == []
    finally:
        v.page.context.close()


def test_a_stopped_server_is_noticed(browser: Any, corpus_ci: Path) -> None:
    srv = start_server([corpus_ci / "mr" / "CORPUS-MR0001"])
    v = open_viewer(browser, srv.url)
    try:
        v.page.wait_for_selector('.viewport[data-shown$=":0"]', timeout=30_000)
        srv.stop()
        v.page.wait_for_selector('[data-testid="server-banner"]', timeout=15_000)
        assert "not answering" in (v.page.text_content('[data-testid="server-banner"]') or "")
        # The image already on screen stays.
        assert v.page.locator("canvas").count() == 1
    finally:
        v.page.context.close()
        srv.stop()


def test_help_overlay_lists_the_shortcuts(viewer: Viewer) -> None:
    page = viewer.page
    page.wait_for_selector('.viewport[data-shown$=":0"]', timeout=30_000)
    page.keyboard.press("?")
    dialog = page.get_by_role("dialog", name="Keyboard shortcuts")
    dialog.wait_for()
    text = dialog.text_content() or ""
    for needle in ("Space", "Ctrl/Cmd + wheel", "Lung", "Delete / Backspace"):
        assert needle in text
    page.keyboard.press("Escape")
    assert page.get_by_role("dialog").count() == 0
