"""The viewer as an application: navigator, tabs, small screens, documents (issue 14).

Chromium against a real ``dcmview`` on the ci corpus, at 1400×900 and 1000×700: what a
user sees (boxes on screen, overlay text, labels) and what the page asked the server.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlparse

import httpx
import pytest

from tests.e2e.helpers import Server, Viewer, find_file, open_file, open_viewer, wait_shown

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page, ViewportSize

pytestmark = [pytest.mark.e2e, pytest.mark.corpus]

SIZES: list[ViewportSize] = [{"width": 1400, "height": 900}, {"width": 1000, "height": 700}]
SIZE_IDS = ["1400x900", "1000x700"]
MAMMOGRAMS = (
    "L_CC_explicit_le.dcm",
    "R_MLO_normal_j2k_lossless.dcm",
    "DBT_L_CC_12f_j2k_lossless.dcm",
    "DBT_L_CC_12f_rle_lossless.dcm",
    "L_CC_j2k_lossless.dcm",
)


@pytest.fixture(params=SIZES, ids=SIZE_IDS)
def sized(request: pytest.FixtureRequest, browser: Browser, server: Server) -> Iterator[Viewer]:
    """The viewer in a window of each size; fails on any page error."""
    v = open_viewer(browser, server.url, size=request.param)
    yield v
    v.page.context.close()
    assert v.errors == [], f"the page logged errors: {v.errors}"


def box(page: Page, selector: str) -> dict[str, float]:
    b = page.locator(selector).first.bounding_box()
    assert b is not None, f"{selector} is not on the page"
    return dict(b)


def overlaps(a: dict[str, float], b: dict[str, float]) -> bool:
    return not (
        a["x"] + a["width"] <= b["x"] + 0.5
        or b["x"] + b["width"] <= a["x"] + 0.5
        or a["y"] + a["height"] <= b["y"] + 0.5
        or b["y"] + b["height"] <= a["y"] + 0.5
    )


def inside(inner: dict[str, float], outer: dict[str, float]) -> bool:
    return (
        inner["x"] >= outer["x"] - 0.5
        and inner["y"] >= outer["y"] - 0.5
        and inner["x"] + inner["width"] <= outer["x"] + outer["width"] + 0.5
        and inner["y"] + inner["height"] <= outer["y"] + outer["height"] + 0.5
    )


def controls_off_screen(page: Page) -> list[str]:
    """Every visible control whose box leaves the window (or is clipped by its parents)."""
    return list(
        page.evaluate(
            """() => {
            const W = innerWidth, H = innerHeight, out = [];
            for (const el of document.querySelectorAll('button, select, input, [role="tab"]')) {
              const r = el.getBoundingClientRect();
              if (r.width === 0 && r.height === 0) continue;  // not displayed
              // Inside a scrolled list (the navigator's rows, the tag rows): its own business.
              if (el.closest('.list, .tabs, .menu')) continue;
              const off = r.left < -0.5 || r.top < -0.5 || r.right > W + 0.5 || r.bottom > H + 0.5;
              // Clipped by an ancestor that hides overflow?
              let clipped = false;
              for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
                const s = getComputedStyle(p);
                if (s.overflowX === 'visible' && s.overflowY === 'visible') continue;
                const q = p.getBoundingClientRect();
                if (r.left < q.left - 0.5 || r.right > q.right + 0.5) clipped = true;
                if (r.top < q.top - 0.5 || r.bottom > q.bottom + 0.5) clipped = true;
              }
              const name = el.getAttribute('aria-label') || el.textContent || el.tagName;
              if (off || clipped) out.push(name.trim());
            }
            return out;
        }"""
        )
    )


def open_named(v: Viewer, api: httpx.Client, name: str) -> dict[str, Any]:
    f = find_file(api, name)
    open_file(v, f)
    return f


def tab_labels(page: Page) -> list[str]:
    return [t.strip() for t in page.locator('[role="tab"] .label').all_text_contents()]


# -- small screens ---------------------------------------------------------------------


def test_nothing_is_cut_or_covered(sized: Viewer, api: httpx.Client) -> None:
    page = sized.page
    open_named(sized, api, "R_MLO_normal_j2k_lossless.dcm")
    assert controls_off_screen(page) == []
    vp = box(page, ".viewport")
    window = {"x": 0, "y": 0, **page.viewport_size} if page.viewport_size else vp
    assert inside(vp, window)
    # The panels sit beside the image, never over it.
    for panel in (".nav-area", ".tags-area", ".toolbar-area", ".status-area"):
        assert not overlaps(box(page, panel), vp), f"{panel} covers the image"
    # The corner overlay (W/C, zoom, frame) is inside the image area, on screen.
    for overlay in ("window", "zoom", "frame-counter"):
        overlay = f'[data-testid="{overlay}"]'
        assert inside(box(page, overlay), vp), f"{overlay} is cut"
    # The controls the issue found off screen: Tags, ?, the cine Loop menu.
    for selector in (
        'button:has-text("Tags")',
        'button:has-text("?")',
        'select[aria-label="Playback mode"]',
    ):
        assert inside(box(page, selector), window), selector
    # The tag panel keeps a usable Value column.
    assert box(page, ".tags .cols > div:nth-child(4)")["width"] >= 90


def test_nested_sequences_keep_the_tag_column(sized: Viewer, api: httpx.Client) -> None:
    page = sized.page
    f = open_named(sized, api, "nested_sequences_private_tags.dcm")
    # The panel shows this file's tags (not still the first image's).
    n = len(api.get(f"/api/file/{f['index']}/tags").json())
    page.wait_for_function(
        f"() => document.querySelector('.tags .head .muted')?.textContent === '{n} elements'"
    )
    # Open every sequence, level after level. The rows are virtual: on a small screen the
    # deepest are below the fold, so the list scrolls down when none is left on screen.
    depths: list[int] = []
    for _ in range(80):
        cells = page.locator(".tags .tag[data-depth]")
        depths += [int(d) for d in cells.evaluate_all("els => els.map(e => e.dataset.depth)")]
        closed = page.locator('.tags button[aria-label="Expand sequence"]')
        if closed.count():
            closed.first.click()
            continue
        moved = page.evaluate(
            """() => { const el = [...document.querySelectorAll('.tags *')]
                 .find((e) => e.scrollHeight > e.clientHeight + 2);
               if (!el || el.scrollTop + el.clientHeight >= el.scrollHeight - 1) return false;
               el.scrollTop += el.clientHeight; return true; }"""
        )
        if not moved:
            break
    assert max(depths) >= 5, "the corpus file nests deeper than this"
    tag_col = box(page, ".tags .cols > div:nth-child(1)")
    for cell in page.locator(".tags .tag[data-depth]").all()[:200]:
        pad = float(cell.evaluate("e => parseFloat(getComputedStyle(e).paddingLeft)"))
        assert pad <= 24
        # The tag's text still has most of the column.
        assert tag_col["width"] - pad >= 80


# -- the navigator ---------------------------------------------------------------------


def test_navigator_resizes_and_remembers(sized: Viewer) -> None:
    page = sized.page
    page.wait_for_selector('.viewport[data-shown]:not([data-shown=""])', timeout=30_000)
    before = box(page, ".navigator")["width"]
    grip = box(page, '.navigator [role="separator"]')
    x, y = grip["x"] + grip["width"] / 2, grip["y"] + 200
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x + 60, y, steps=4)
    page.mouse.up()
    after = box(page, ".navigator")["width"]
    assert after == pytest.approx(before + 60, abs=3)
    assert not overlaps(box(page, ".nav-area"), box(page, ".viewport"))
    page.reload()
    page.wait_for_selector('.viewport[data-shown]:not([data-shown=""])', timeout=30_000)
    assert box(page, ".navigator")["width"] == pytest.approx(after, abs=1)
    page.evaluate("() => localStorage.removeItem('dcmview.navWidth')")


def test_counts_follow_the_filter(sized: Viewer, api: httpx.Client) -> None:
    page = sized.page
    total = len(api.get("/api/files").json()["files"])
    page.wait_for_selector('.viewport[data-shown]:not([data-shown=""])', timeout=30_000)
    counts = page.locator('[data-testid="nav-counts"]')
    assert f"{total} files" in (counts.text_content() or "")
    page.fill('input[aria-label="Filter the navigator"]', "DBT_L_CC")
    assert (counts.text_content() or "").strip() == f"2 of {total} files"
    page.fill('input[aria-label="Filter the navigator"]', "no such thing")
    assert (counts.text_content() or "").strip() == f"0 of {total} files"


def test_skipped_paths_are_listed_with_their_reason(sized: Viewer, api: httpx.Client) -> None:
    page = sized.page
    body = api.get("/api/files").json()
    assert body["skipped"] == len(body["discovery"]) > 0
    page.wait_for_selector('[data-testid="skipped"]', timeout=30_000)
    assert f"{body['skipped']} skipped" in (page.text_content('[data-testid="skipped"]') or "")
    page.click('[data-testid="skipped"] button')
    items = page.locator('[data-testid="skipped"] li')
    assert items.count() == body["skipped"]
    text = " ".join(items.all_text_contents())
    for entry in body["discovery"]:
        assert entry["path"].split("/")[-1] in text
        assert entry["reason"] in text
    assert "empty file (0 bytes)" in text  # the detail, not only the reason


def test_badges_and_a_broken_file_outside_the_stack(sized: Viewer, api: httpx.Client) -> None:
    page = sized.page
    broken = find_file(api, "edge/truncated_pixel_data.dcm")
    good = find_file(api, "L_CC_explicit_le.dcm")
    assert broken["series_instance_uid"] == good["series_instance_uid"]
    assert broken["support_reason"] == "pixel_data.truncated"
    sr = find_file(api, "sr_basic_text_no_pixels.dcm")
    page.wait_for_selector('.viewport[data-shown]:not([data-shown=""])', timeout=30_000)
    page.fill('input[aria-label="Filter the navigator"]', "truncated_pixel")
    row = page.locator(f'.navigator [data-kind="instance"][data-file-index="{broken["index"]}"]')
    assert row.locator('[data-testid="badge"]').text_content() == "broken"
    page.fill('input[aria-label="Filter the navigator"]', "sr_basic")
    row = page.locator(f'.navigator [data-kind="instance"][data-file-index="{sr["index"]}"]')
    assert row.locator('[data-testid="badge"]').text_content() == "doc"
    page.fill('input[aria-label="Filter the navigator"]', "")
    # The good mammogram is a stack of one: frame 1/1, no error beside it.
    open_file(sized, good)
    assert page.text_content('[data-testid="frame-counter"]') == "Frame 1/1"
    assert page.locator('.viewport [role="alert"]').count() == 0


def test_rows_of_two_tomosynthesis_files_read_differently(sized: Viewer, api: httpx.Client) -> None:
    page = sized.page
    page.wait_for_selector('.viewport[data-shown]:not([data-shown=""])', timeout=30_000)
    page.fill('input[aria-label="Filter the navigator"]', "DBT_L_CC")
    rows = page.locator('.navigator [data-kind="instance"]')
    assert rows.count() == 2
    seen = []
    for r in rows.all():
        tail = r.locator(".tail-part")
        # The end of the name, where the two differ, is whole on screen.
        assert inside(dict(tail.bounding_box() or {}), dict(r.bounding_box() or {}))
        seen.append(tail.text_content())
        assert (r.get_attribute("title") or "").startswith("DBT_L_CC_12f_")
    assert len(set(seen)) == 2, seen


def test_arrow_keys_and_page_keys_walk_the_navigator(sized: Viewer, api: httpx.Client) -> None:
    page = sized.page
    # The navigator's order is the server's /api/patients order.
    ct = find_file(api, "IM00001.dcm")
    study = next(
        s
        for p in api.get("/api/patients").json()["patients"]
        for s in p["studies"]
        if any(e["series_instance_uid"] == ct["series_instance_uid"] for e in s["series"])
    )
    uids = [e["series_instance_uid"] for e in study["series"]]
    k = uids.index(ct["series_instance_uid"])
    stack = [i["index"] for i in study["series"][k]["instances"]]
    files = api.get("/api/files").json()["files"]
    open_file(sized, files[stack[5]])
    page.keyboard.press("ArrowDown")
    wait_shown(sized, stack[6], level=None)
    page.keyboard.press("ArrowUp")
    page.keyboard.press("ArrowUp")
    wait_shown(sized, stack[4], level=None)
    # PageDown: the first file of the next series (another stack, another tab).
    tabs_before = page.locator('[role="tab"]').count()
    page.keyboard.press("PageDown")
    wait_shown(sized, study["series"][k + 1]["instances"][0]["index"], level=None)
    assert page.locator('[role="tab"]').count() == tabs_before + 1
    page.keyboard.press("PageUp")
    wait_shown(sized, stack[0], level=None)
    page.keyboard.press("?")
    assert "next series" in (page.text_content("[role='dialog']") or "")


def test_series_thumbnails_load_lazily(sized: Viewer, api: httpx.Client) -> None:
    page = sized.page
    page.wait_for_selector('[data-testid="thumb"][data-loaded="1"]', timeout=30_000)
    page.wait_for_function("() => window.__dcmview.busy() === 0", timeout=30_000)
    page.wait_for_timeout(500)
    asked = [urlparse(u) for u in sized.requests if "max_size" in u]
    assert asked
    # Small server-rendered PNGs from the frame route, with max_size.
    for u in asked:
        assert re.fullmatch(r"/api/file/\d+/frame/\d+", u.path)
        assert int(parse_qs(u.query)["max_size"][0]) <= 80
    # Only the series rows that came into view asked, not every series of the catalog.
    patients = api.get("/api/patients").json()["patients"]
    series_total = sum(len(s["series"]) for p in patients for s in p["studies"])
    assert len(asked) < series_total
    img = page.locator('[data-testid="thumb"][data-loaded="1"] img').first
    assert img.evaluate("i => i.naturalWidth") > 0


# -- tabs ------------------------------------------------------------------------------


def test_tabs_of_mammograms_read_differently(sized: Viewer, api: httpx.Client) -> None:
    page = sized.page
    for name in MAMMOGRAMS:
        open_named(sized, api, name)
        # The tab just opened is on screen, inside the strip.
        active = box(page, '[role="tab"][aria-selected="true"]')
        assert inside(active, box(page, ".tabs"))
    labels = tab_labels(page)[-len(MAMMOGRAMS) :]
    assert len(set(labels)) == len(labels), labels
    assert "R MLO" in labels
    assert all(lab.startswith("L CC") for lab in labels if "MLO" not in lab)
    titles = page.locator('[role="tab"]').evaluate_all("els => els.map(e => e.title)")
    assert any("L_CC_explicit_le.dcm" in t for t in titles)


def test_overflowing_tabs_have_a_menu(browser: Browser, server: Server, api: httpx.Client) -> None:
    v = open_viewer(browser, server.url, size={"width": 1000, "height": 700})
    try:
        page = v.page
        for name in (*MAMMOGRAMS, "L_CC_rle_lossless.dcm", "L_CC_deflated.dcm", "IM00001.dcm"):
            open_named(v, api, name)
            assert inside(box(page, '[role="tab"][aria-selected="true"]'), box(page, ".tabs"))
        page.click('[data-testid="tab-menu"]')
        page.keyboard.press("Escape")
        assert page.locator('[role="menu"]').count() == 0
        page.click('[data-testid="tab-menu"]')
        items = page.locator('[role="menuitem"]')
        assert items.count() == page.locator('[role="tab"]').count()
        first_label = items.first.text_content()
        items.first.click()
        active = page.locator('[role="tab"][aria-selected="true"] .label')
        assert active.text_content() == first_label
        assert inside(box(page, '[role="tab"][aria-selected="true"]'), box(page, ".tabs"))
        assert controls_off_screen(page) == []
    finally:
        v.page.context.close()
    assert v.errors == []


# -- small defects ---------------------------------------------------------------------


def test_readout_separates_stored_and_modality_values(sized: Viewer, api: httpx.Client) -> None:
    page = sized.page
    open_named(sized, api, "IM00020.dcm")
    vp = box(page, ".viewport")
    page.mouse.move(vp["x"] + vp["width"] / 2, vp["y"] + vp["height"] / 2)
    page.wait_for_selector('[data-testid="readout"]')
    text = page.text_content('[data-testid="readout"]') or ""
    assert re.fullmatch(r"\(\d+, \d+\) stored -?\d+ · -?\d+ HU", text.strip()), text


def test_no_window_on_palette_colour(sized: Viewer, api: httpx.Client) -> None:
    page = sized.page
    f = open_named(sized, api, "palette_color_8bit.dcm")
    assert f["photometric_interpretation"] == "PALETTE COLOR"
    assert page.locator('[data-testid="zoom"]').count() == 1
    assert page.locator('[data-testid="window"]').count() == 0
    open_named(sized, api, "IM00020.dcm")
    assert page.locator('[data-testid="window"]').count() == 1


def test_an_sr_shows_as_a_document(sized: Viewer, api: httpx.Client) -> None:
    page = sized.page
    page.wait_for_selector('.viewport[data-shown]:not([data-shown=""])', timeout=30_000)
    sr = find_file(api, "sr_basic_text_no_pixels.dcm")
    page.fill('input[aria-label="Filter the navigator"]', sr["display_name"])
    page.locator(f'.navigator [data-kind="instance"][data-file-index="{sr["index"]}"]').click()
    doc = page.locator('[data-testid="document"]')
    doc.locator("h2").wait_for()
    assert doc.locator("h2").text_content() == "Diagnostic imaging report"
    text = doc.text_content() or ""
    assert "History: Screening." in text
    assert "Impression: BI-RADS 4" in text
    assert "Basic Text SR Storage · COMPLETE · UNVERIFIED" in text
    assert page.locator('.viewport [role="alert"]').count() == 0
    assert inside(box(page, '[data-testid="document"] h2'), box(page, ".viewport"))
