"""Layouts end to end: 1×1 / 1×2 / 2×2 panes, the active pane, synchronised panes and the
mammography hanging, in Chromium at 1400×900 and 1000×700.

Each pane is checked against the server's PNG of the image it should show (through the
pane's own view, flips included), so "the right image in the right place" is what the
user sees, not what the state says.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pydicom
import pytest
from PIL import Image
from pydicom.uid import generate_uid

from tests.e2e.helpers import (
    CHROMIUM,
    Server,
    Viewer,
    assert_area_matches,
    find_file,
    open_file,
    server_png,
    start_server,
    wait_idle,
)

pytestmark = [pytest.mark.e2e, pytest.mark.corpus]

SIZES = [
    pytest.param({"width": 1400, "height": 900}, id="1400x900"),
    pytest.param({"width": 1000, "height": 700}, id="1000x700"),
]


def open_at(browser: Any, url: str, size: dict[str, int]) -> Viewer:
    """The viewer in a page of `size`, with the errors and requests it produced."""
    page = browser.new_context(viewport=size).new_page()
    errors: list[str] = []
    requests: list[str] = []
    page.on("pageerror", lambda exc: errors.append(f"pageerror: {exc}"))
    page.on("console", lambda m: errors.append(f"console: {m.text}") if m.type == "error" else None)
    page.on("request", lambda r: requests.append(r.url))
    page.goto(url)
    page.wait_for_selector(
        '.viewport[data-pane="0"][data-shown]:not([data-shown=""])', timeout=30_000
    )
    # Where the tag panel covers part of the panes (narrow pages, before the responsive
    # layout), hide it: these tests compare what the panes show.
    covered = page.evaluate(
        """() => {
            const t = document.querySelector('.tags-area');
            const m = document.querySelector('.panes');
            if (!t || !m) return false;
            const a = t.getBoundingClientRect(), b = m.getBoundingClientRect();
            return a.width > 0 && a.left < b.right - 1 && a.right > b.left + 1;
        }"""
    )
    if covered:
        page.keyboard.press("t")
    return Viewer(page, errors, requests)


@pytest.fixture(params=SIZES)
def sized(request: pytest.FixtureRequest, browser: Any, server: Server) -> Iterator[Viewer]:
    v = open_at(browser, server.url, request.param)
    yield v
    v.page.context.close()
    assert v.errors == [], f"the page logged errors: {v.errors}"


def pane(v: Viewer, i: int) -> Any:
    return v.page.locator(f'.viewport[data-pane="{i}"]')


def wait_pane(v: Viewer, i: int, index: int, frame: int = 0) -> None:
    """Wait until pane `i` has drawn frame `frame` of file `index` at full resolution."""
    sel = f'.viewport[data-pane="{i}"][data-shown="{index}:{frame}"][data-level="0"]'
    v.page.wait_for_selector(sel, timeout=30_000)
    v.page.evaluate("() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")


def wait_pos(v: Viewer, i: int, pos: int) -> None:
    """Wait until pane `i` is at stack position `pos` and has drawn that frame in full."""
    v.page.wait_for_function(
        """([i, pos]) => {
            const e = document.querySelector(`.viewport[data-pane="${i}"]`);
            return e && e.dataset.pos === String(pos) && e.dataset.level === "0"
                && e.dataset.shown === `${e.dataset.file}:${e.dataset.frame}`;
        }""",
        arg=[i, pos],
        timeout=30_000,
    )


def pane_view(v: Viewer, i: int) -> dict[str, Any]:
    raw = pane(v, i).get_attribute("data-view")
    assert raw, f"pane {i} has no view"
    return dict(json.loads(raw))


def pane_matches_server(v: Viewer, api: httpx.Client, i: int, index: int, frame: int = 0) -> None:
    """Every safely sampled pixel of pane `i` equals the server PNG (through the pane's
    view, flips included) within ±2; see helpers.assert_matches_server for the sampling."""
    want = server_png(api, index, frame)
    shot = np.asarray(Image.open(io.BytesIO(pane(v, i).screenshot())).convert("RGB")).astype(int)
    view = pane_view(v, i)
    assert view["rotation"] == 0
    if view["zoom"] < 1:
        # Below 1:1 the viewer draws the area average of the image pixels (render/gl.ts).
        assert_area_matches(v, want, shot, view, f'.viewport[data-pane="{i}"]')
        return
    vh, vw = shot.shape[:2]
    h, w = want.shape[:2]
    ys, xs = np.mgrid[0:vh, 0:vw]
    px = (xs + 0.5 - vw / 2 - view["panX"]) / view["zoom"]
    py = (ys + 0.5 - vh / 2 - view["panY"]) / view["zoom"]
    px = (-px if view["flipH"] else px) + w / 2
    py = (-py if view["flipV"] else py) + h / 2
    fx, fy = px % 1, py % 1
    mask = (px >= 0) & (py >= 0) & (px < w) & (py < h)
    mask &= (fx > 0.15) & (fx < 0.85) & (fy > 0.15) & (fy < 0.85)
    mask &= (xs > vw * 0.2) & (xs < vw * 0.8) & (ys > vh * 0.12) & (ys < vh * 0.88)
    assert mask.sum() > 1000, f"too few pixels to compare in pane {i}: is the image on screen?"
    # Not under an ROI box or its handles (coloured lines over a grey image).
    if np.ptp(want, axis=2).max() == 0:
        coloured = np.ptp(shot, axis=2) > 2
        near = coloured.copy()
        for dy in range(-3, 4):
            for dx in range(-3, 4):
                near |= np.roll(coloured, (dy, dx), axis=(0, 1))
        mask &= ~near
    got = shot[mask]
    ref = want[py[mask].astype(int), px[mask].astype(int)]
    diff = np.abs(got - ref)
    assert diff.max() <= 2, f"pane {i}: {int((diff > 2).any(axis=1).sum())} pixels differ"
    assert got.std() > 5


def image_box(v: Viewer, i: int, shape: tuple[int, int]) -> tuple[float, float]:
    """Left and right edges of the drawn image in pane `i`, in pane pixels."""
    view = pane_view(v, i)
    box = pane(v, i).bounding_box()
    assert box is not None
    half = shape[1] * view["zoom"] / 2
    centre = box["width"] / 2 + view["panX"]
    return centre - half, centre + half


def assert_inside_window(v: Viewer, n: int) -> None:
    """The `n` panes are laid out side by side inside the page, none covering another."""
    size = v.page.viewport_size
    assert size is not None
    boxes = [pane(v, i).bounding_box() for i in range(n)]
    for b in boxes:
        assert b is not None
        assert b["width"] > 100
        assert b["height"] > 100
        assert b["x"] >= 0
        assert b["y"] >= 0
        assert b["x"] + b["width"] <= size["width"]
        assert b["y"] + b["height"] <= size["height"]
    for a in range(n):
        for b in range(a + 1, n):
            p, q = boxes[a], boxes[b]
            assert p is not None
            assert q is not None
            apart = p["x"] + p["width"] <= q["x"] + 1 or q["x"] + q["width"] <= p["x"] + 1
            apart |= p["y"] + p["height"] <= q["y"] + 1 or q["y"] + q["height"] <= p["y"] + 1
            assert apart, f"panes {a} and {b} overlap"


def test_each_pane_shows_its_own_image_and_the_active_pane_takes_the_keys(
    sized: Viewer, api: httpx.Client
) -> None:
    v = sized
    page = v.page
    ct = find_file(api, "series_002_AX_2.5mm/IM00001.dcm")
    dbt = find_file(api, "DBT_L_CC_12f_j2k_lossless.dcm")
    open_file(v, ct)
    page.click('button[data-layout="1x2"]')
    assert page.locator(".viewport").count() == 2
    assert_inside_window(v, 2)
    # Choose from the navigator into the active pane: the second one, once clicked.
    pane(v, 1).click()
    assert pane(v, 1).get_attribute("data-active") == "true"
    open_file(v, dbt)
    wait_pane(v, 0, ct["index"])
    wait_pane(v, 1, dbt["index"])
    pane_matches_server(v, api, 0, ct["index"])
    pane_matches_server(v, api, 1, dbt["index"])
    # The cine bar and the keys act on the active pane only.
    assert page.text_content('[data-testid="cine-pos"]') == "1 / 12"
    ct_pos = int(pane(v, 0).get_attribute("data-pos") or -1)
    page.keyboard.press("End")
    wait_pane(v, 1, dbt["index"], 11)
    assert pane(v, 0).get_attribute("data-pos") == str(ct_pos)
    pane(v, 0).click()
    assert pane(v, 0).get_attribute("data-active") == "true"
    assert pane(v, 1).get_attribute("data-active") == "false"
    assert page.text_content('[data-testid="cine-pos"]') == f"{ct_pos + 1} / 40"
    page.keyboard.press("Home")
    wait_pos(v, 0, 0)
    assert pane(v, 1).get_attribute("data-pos") == "11"
    # W/L drag changes the window of the pane dragged in, not the other's.
    before = pane(v, 1).locator('[data-testid="window"]').text_content()
    box = pane(v, 0).bounding_box()
    assert box is not None
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] / 2 + 40, box["y"] + box["height"] / 2 + 20)
    page.mouse.up()
    assert pane(v, 1).locator('[data-testid="window"]').text_content() == before
    assert page.locator('select[aria-label="Window preset"]').input_value() == "custom"
    # The tag panel shows the active pane's file (where the page leaves room for it).
    if page.locator(".tags-area").count():
        page.fill('input[aria-label="Filter tags"]', "Modality")
        modality = """m => {
            const r = document.querySelector('.tags-area [data-keyword="Modality"]');
            return r !== null && r.textContent.includes(m);
        }"""
        page.wait_for_function(modality, arg="CT")
        pane(v, 1).click()
        page.wait_for_function(modality, arg="MG")
        pane(v, 0).click()
    # L cycles to 2×2: the new panes are empty until something is put there.
    page.keyboard.press("l")
    assert page.locator(".viewport").count() == 4
    assert_inside_window(v, 4)
    assert pane(v, 0).get_attribute("data-pos") == "0"
    assert pane(v, 1).get_attribute("data-file") == str(dbt["index"])
    assert pane(v, 2).get_attribute("data-file") == ""
    page.keyboard.press("l")
    assert page.locator(".viewport").count() == 1
    wait_idle(v)


def test_a_navigator_row_dragged_onto_a_pane_opens_there(sized: Viewer, api: httpx.Client) -> None:
    v = sized
    page = v.page
    page.click('button[data-layout="1x2"]')
    first = pane(v, 0).get_attribute("data-file")
    mono = find_file(api, "L_CC_monochrome1_explicit_le.dcm")
    page.fill('input[aria-label="Filter the navigator"]', mono["display_name"])
    row = page.locator(f'.navigator [data-kind="instance"][data-file-index="{mono["index"]}"]')
    row.drag_to(pane(v, 1))
    wait_pane(v, 1, mono["index"])
    assert pane(v, 0).get_attribute("data-file") == first
    assert pane(v, 1).get_attribute("data-active") == "true"
    pane_matches_server(v, api, 1, mono["index"])


def test_synchronised_panes_scroll_zoom_and_pan_together(sized: Viewer, api: httpx.Client) -> None:
    v = sized
    page = v.page
    ct = find_file(api, "series_002_AX_2.5mm/IM00001.dcm")
    dbt = find_file(api, "DBT_L_CC_12f_rle_lossless.dcm")
    open_file(v, ct)
    page.keyboard.press("l")
    pane(v, 1).click()
    open_file(v, dbt)
    pane(v, 0).click()
    page.click('[data-testid="sync"]')
    assert page.get_attribute('[data-testid="sync"]', "aria-pressed") == "true"
    # 40 CT slices against 12 tomosynthesis planes: the same fraction along each.
    page.keyboard.press("End")
    wait_pos(v, 0, 39)
    wait_pane(v, 1, dbt["index"], 11)
    page.keyboard.press("Home")
    for _ in range(13):
        page.keyboard.press("ArrowRight")
    assert pane(v, 1).get_attribute("data-pos") == "4"
    wait_pane(v, 1, dbt["index"], 4)
    pane_matches_server(v, api, 1, dbt["index"], 4)
    # Ctrl+wheel zooms the pane under the pointer; the other follows by the same factor.
    z0, z1 = pane_view(v, 0)["zoom"], pane_view(v, 1)["zoom"]
    box = pane(v, 0).bounding_box()
    assert box is not None
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.keyboard.down("Control")
    page.mouse.wheel(0, -300)
    page.keyboard.up("Control")
    page.wait_for_function(
        "z => JSON.parse(document.querySelector('[data-pane=\"0\"]').dataset.view).zoom > z",
        arg=z0 * 1.5,
    )
    a, b = pane_view(v, 0), pane_view(v, 1)
    assert b["zoom"] / z1 == pytest.approx(a["zoom"] / z0, rel=1e-6)
    # A middle-drag pan moves both by the same screen pixels.
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.down(button="middle")
    page.mouse.move(box["x"] + box["width"] / 2 + 30, box["y"] + box["height"] / 2 + 10)
    page.mouse.up(button="middle")
    a2, b2 = pane_view(v, 0), pane_view(v, 1)
    assert a2["panX"] - a["panX"] == pytest.approx(30, abs=0.5)
    assert b2["panX"] - b["panX"] == pytest.approx(a2["panX"] - a["panX"])
    assert b2["panY"] - b["panY"] == pytest.approx(a2["panY"] - a["panY"])
    # Unsynchronised, the other pane stays put.
    page.keyboard.press("y")
    page.keyboard.press("End")
    wait_pos(v, 0, 39)
    assert pane(v, 1).get_attribute("data-pos") == "4"
    wait_idle(v)


def test_hanging_the_corpus_mammography_study(sized: Viewer, api: httpx.Client) -> None:
    """The corpus study has L CC (in many syntaxes, and as tomosynthesis) and an R MLO."""
    v = sized
    page = v.page
    # (Not L_CC_explicit_le.dcm: the corpus's truncated copy of it shares its series.)
    lcc = find_file(api, "L_CC_rle_lossless.dcm")
    rmlo = find_file(api, "R_MLO_normal_j2k_lossless.dcm")
    # Of the many L CC images, the one on screen is hung.
    open_file(v, lcc)
    page.click('[data-testid="hang"]')
    page.wait_for_selector('.panes[data-layout="2x2"]')
    wait_pane(v, 1, lcc["index"])
    wait_pane(v, 2, rmlo["index"])
    # R CC and L MLO are not in the study: their panes stay empty.
    assert pane(v, 0).get_attribute("data-file") == ""
    assert pane(v, 3).get_attribute("data-file") == ""
    assert pane(v, 1).get_attribute("data-active") == "true"
    pane_matches_server(v, api, 1, lcc["index"])
    pane_matches_server(v, api, 2, rmlo["index"])
    # Back to back: the R MLO against its pane's right edge, the L CC against its left.
    w2 = pane(v, 2).bounding_box()
    assert w2 is not None
    shape = (lcc["rows"], lcc["columns"])
    assert image_box(v, 2, (rmlo["rows"], rmlo["columns"]))[1] == pytest.approx(w2["width"], abs=1)
    assert image_box(v, 1, shape)[0] == pytest.approx(0, abs=1)
    wait_idle(v)


def _rewrite(src: Path, dst: Path, series: str, number: int, **changes: Any) -> None:
    ds = pydicom.dcmread(src)
    ds.SeriesInstanceUID = series
    ds.SOPInstanceUID = generate_uid()
    ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
    ds.InstanceNumber = number
    flip = changes.pop("fliplr", False)
    for k, val in changes.items():
        setattr(ds, k, val)
    if flip:
        ds.PixelData = np.ascontiguousarray(np.fliplr(ds.pixel_array)).tobytes()
    ds.save_as(dst, enforce_file_format=True)


@pytest.fixture(scope="module")
def four_views(corpus_ci: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A four-view screening study made from the corpus's L CC and R MLO, all in one series
    and numbered out of order: an R CC mirrored from the L CC (stored as the standard's
    example, P\\L), and an L MLO that keeps the R MLO's pixels (chest wall on the right,
    P\\L) so that the hanging must mirror it."""
    if not CHROMIUM.is_file():
        pytest.skip(f"browser tests need Chromium at {CHROMIUM}")
    root = corpus_ci / "mg" / "CORPUS-MG0001" / "20240117_MAMMO"
    out = tmp_path_factory.mktemp("four_views")
    series = generate_uid()
    lcc, rmlo = root / "L_CC_explicit_le.dcm", root / "R_MLO_normal_j2k_lossless.dcm"
    _rewrite(rmlo, out / "a.dcm", series, 1, ImageLaterality="L")
    _rewrite(
        lcc,
        out / "b.dcm",
        series,
        2,
        ImageLaterality="R",
        PatientOrientation=["P", "L"],
        fliplr=True,
    )
    _rewrite(rmlo, out / "c.dcm", series, 3)
    _rewrite(lcc, out / "d.dcm", series, 4)
    srv = start_server([out])
    yield srv
    srv.stop()


@pytest.mark.parametrize("size", SIZES)
def test_hanging_four_views_mirrored_back_to_back(
    browser: Any, four_views: Server, size: dict[str, int]
) -> None:
    v = open_at(browser, four_views.url, size)
    page = v.page
    with four_views.client() as api:
        by_name = {Path(f["path"]).name: f["index"] for f in api.get("/api/files").json()["files"]}
        page.keyboard.press("g")
        page.wait_for_selector('.panes[data-layout="2x2"]')
        want = {0: "b.dcm", 1: "d.dcm", 2: "c.dcm", 3: "a.dcm"}  # R CC, L CC, R MLO, L MLO
        for i, name in want.items():
            wait_pane(v, i, by_name[name])
        # Each view alone in its pane although all four share a series.
        assert page.text_content('[data-testid="cine-pos"]') == "1 / 1"
        flips = [pane_view(v, i)["flipH"] for i in range(4)]
        assert flips == [False, False, False, True]
        assert not any(pane_view(v, i)["flipV"] for i in range(4))
        for i, name in want.items():
            pane_matches_server(v, api, i, by_name[name])
        # Chest walls in the middle: right-hand images against their left edge and
        # left-hand ones against their right edge, rows aligned.
        info = {i: api.get(f"/api/file/{by_name[n]}/info").json() for i, n in want.items()}
        for i in range(4):
            left, right = image_box(v, i, (info[i]["rows"], info[i]["columns"]))
            width = (pane(v, i).bounding_box() or {})["width"]
            if i % 2 == 0:
                assert right == pytest.approx(width, abs=1), f"pane {i}"
            else:
                assert left == pytest.approx(0, abs=1), f"pane {i}"
    page.context.close()
    assert v.errors == [], f"the page logged errors: {v.errors}"
