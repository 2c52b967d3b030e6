"""Privacy in the browser: --mask leaves no identifying text in the page; the Redact tool.

Each test runs its own server (masking and redaction change what every other test
would see): one with ``--mask`` on the ci corpus, one without on the CT series.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
import numpy as np
import pytest

from tests.e2e.helpers import (
    Server,
    Viewer,
    assert_matches_server,
    image_to_screen,
    open_file,
    open_viewer,
    start_server,
    view_state,
    viewport_pixels,
    wait_idle,
    wait_shown,
)
from tests.server.helpers import identifying_values

if TYPE_CHECKING:
    from playwright.sync_api import Browser


@pytest.fixture(scope="module")
def masked_server(corpus_ci: Path, server: Server) -> Iterator[Server]:
    # `server` first: it checks that Chromium and Playwright are there.
    srv = start_server([corpus_ci], "--mask")
    yield srv
    srv.stop()


@pytest.fixture(scope="module")
def ct_server(corpus_ci: Path, server: Server) -> Iterator[Server]:
    srv = start_server([corpus_ci / "ct"])
    yield srv
    srv.stop()


def _page_text(v: Viewer) -> str:
    """Everything the page shows or holds as text: the rendered text, the DOM, the title."""
    page = v.page
    return "\n".join([page.title(), page.inner_text("body"), page.content()])


def _open_tags(v: Viewer) -> None:
    # The tag panel shows the open file's tags (T toggles it; it is on by default).
    v.page.wait_for_selector(".tags-area", timeout=10_000)


def test_masked_page_shows_no_identifying_value(
    browser: Browser, masked_server: Server, corpus_ci: Path
) -> None:
    values = identifying_values(corpus_ci)
    with masked_server.client() as api:
        files = api.get("/api/files").json()["files"]
        v = open_viewer(browser, masked_server.url)
        try:
            v.page.wait_for_selector(".navigator [data-kind='instance']", timeout=30_000)
            # One file of each modality, the odd ones (UTF-8 names, private tags) among them.
            seen: set[str] = set()
            opened = []
            for f in files:
                if f["modality"] in seen or not f["has_pixels"]:
                    continue
                # Broken files (the corpus has some) answer errors the page logs.
                if api.get(f"/api/file/{f['index']}/frame/0/raw").status_code != 200:
                    continue
                seen.add(f["modality"])
                open_file(v, f)
                _open_tags(v)
                opened.append(f)
                text = _page_text(v)
                leaks = [x for x in values if x in text]
                assert not leaks, (f["index"], leaks[:10])
            assert len(opened) >= 4
            assert "dcmview" in v.page.title()
            assert v.page.locator('[data-testid="masked"]').inner_text() == "masked"
        finally:
            v.page.context.close()
    assert v.errors == [], v.errors


def test_masked_secondary_capture_opens_with_the_burned_in_reminder(
    browser: Browser, masked_server: Server
) -> None:
    with masked_server.client() as api:
        sc = next(
            f
            for f in api.get("/api/files").json()["files"]
            if f["burned_in_text"] == "likely" and f["has_pixels"]
        )
        v = open_viewer(browser, masked_server.url)
        try:
            v.page.wait_for_selector(".navigator [data-kind='instance']", timeout=30_000)
            open_file(v, sc)
            badge = v.page.locator('[data-testid="burned-in"]')
            assert badge.get_attribute("data-level") == "likely"
            reminder = v.page.locator('[data-testid="burned-in-reminder"]')
            assert "not reach text in the pixels" in reminder.inner_text()
            reminder.locator("button").click()
            reminder.wait_for(state="detached", timeout=5_000)
            assert badge.count() == 1  # the badge stays
        finally:
            v.page.context.close()
    assert v.errors == [], v.errors


def test_masked_overlay_planes_start_hidden_and_a_display_shutter_does_not(
    browser: Browser, masked_server: Server
) -> None:
    # Overlay planes can hold a name or an ID in their bits: under --mask they wait to be
    # switched on, and say why; a display shutter alone hides nothing identifying.
    with masked_server.client() as api:
        files = [f for f in api.get("/api/files").json()["files"] if f["presentation_layer"]]
    planes = next(f for f in files if f["presentation_layer_content"] == ["overlay_planes"])
    shutter = next(f for f in files if f["presentation_layer_content"] == ["display_shutter"])
    v = open_viewer(browser, masked_server.url)
    try:
        page = v.page
        page.wait_for_selector(".navigator [data-kind='instance']", timeout=30_000)
        open_file(v, planes)
        toggle = f'[data-testid="overlay-toggle-{planes["index"]}"]'
        page.wait_for_selector(toggle, timeout=30_000)
        assert not page.is_checked(toggle)
        note = page.locator(f'[data-testid="overlay-masked-{planes["index"]}"]')
        assert "masking does not reach" in note.inner_text()
        assert page.locator("[data-testid=overlay-canvas]").count() == 0
        page.click(toggle)  # the user's choice: drawn, and the note goes
        page.wait_for_selector("[data-testid=overlay-canvas]", timeout=30_000)
        assert note.count() == 0

        open_file(v, shutter)
        toggle = f'[data-testid="overlay-toggle-{shutter["index"]}"]'
        page.wait_for_selector(toggle, timeout=30_000)
        assert page.is_checked(toggle)
        assert page.locator(f'[data-testid="overlay-masked-{shutter["index"]}"]').count() == 0
    finally:
        v.page.context.close()
    assert v.errors == [], v.errors


def _drag(v: Viewer, a: tuple[float, float], b: tuple[float, float]) -> None:
    box = v.page.locator(".viewport").bounding_box()
    assert box is not None
    m = v.page.mouse
    m.move(box["x"] + a[0], box["y"] + a[1])
    m.down()
    m.move(box["x"] + (a[0] + b[0]) / 2, box["y"] + (a[1] + b[1]) / 2, steps=4)
    m.move(box["x"] + b[0], box["y"] + b[1], steps=4)
    m.up()


def _image_to_screen(v: Viewer, shape: tuple[int, int], x: float, y: float) -> tuple[float, float]:
    view = view_state(v)
    box = v.page.locator(".viewport").bounding_box()
    assert box is not None
    sx, sy = image_to_screen(view, shape, (box["height"], box["width"]), x, y)
    return float(sx), float(sy)


def _matches_server(v: Viewer, api: httpx.Client, index: int) -> None:
    """The image on screen is the server's PNG, with the box outlines hidden for the check."""
    layer = '[data-testid="redact-layer"]'
    v.page.eval_on_selector(layer, "e => { e.style.visibility = 'hidden'; }")
    try:
        assert_matches_server(v, api, index, 0)
    finally:
        v.page.eval_on_selector(layer, "e => { e.style.visibility = ''; }")


def _boxes(api: httpx.Client, index: int) -> list[list[int]]:
    return list(api.get(f"/api/file/{index}/redactions").json()["roi_coords"])


def _wait_boxes(v: Viewer, api: httpx.Client, index: int, want: Any) -> list[list[int]]:
    for _ in range(100):
        got = _boxes(api, index)
        if want(got):
            # The viewer reloads the file's frames once the server has the boxes.
            wait_idle(v)
            wait_shown(v, index, 0)
            return got
        v.page.wait_for_timeout(100)
    raise AssertionError(f"redactions of file {index}: {got}")


def _raw_region(api: httpx.Client, index: int, box: list[int]) -> np.ndarray:
    from dcmview import wire

    r = api.get(f"/api/file/{index}/frame/0/raw", headers={"Accept-Encoding": "identity"})
    arr = wire.decode_frame(r.headers, [r.content])
    y0, x0, y1, x1 = box
    return arr[y0 : y1 + 1, x0 : x1 + 1]


@pytest.mark.parametrize("size", [(1400, 900), (1000, 700)])
def test_redact_tool_draws_moves_and_deletes_a_box(
    browser: Browser, ct_server: Server, size: tuple[int, int]
) -> None:
    with ct_server.client() as api:
        f = next(x for x in api.get("/api/files").json()["files"] if x["modality"] == "CT")
        i = f["index"]
        shape = (f["rows"], f["columns"])
        v = open_viewer(browser, ct_server.url)
        try:
            v.page.set_viewport_size({"width": size[0], "height": size[1]})
            v.page.wait_for_selector(".navigator [data-kind='instance']", timeout=30_000)
            open_file(v, f)
            v.page.keyboard.press("x")
            assert v.page.locator('[data-tool="redact"]').get_attribute("aria-checked") == "true"
            # Draw a box over image pixels (60..120, 50..110).
            _drag(
                v, _image_to_screen(v, shape, 50.5, 60.5), _image_to_screen(v, shape, 110.5, 120.5)
            )
            (box,) = _wait_boxes(v, api, i, lambda b: len(b) == 1)
            y0, x0, y1, x1 = box
            assert max(abs(y0 - 60), abs(x0 - 50), abs(y1 - 120), abs(x1 - 110)) <= 1
            region = _raw_region(api, i, box)
            assert (region == region.flat[0]).all()
            # What the browser shows is the server's redacted image.
            _matches_server(v, api, i)
            shot = viewport_pixels(v)
            sx, sy = _image_to_screen(v, shape, 80, 90)
            assert shot[int(sy), int(sx)].max() <= 2  # black under the box
            # Move it: drag from inside the box by 40 image pixels right and down.
            a = _image_to_screen(v, shape, (x0 + x1) / 2, (y0 + y1) / 2)
            b = _image_to_screen(v, shape, (x0 + x1) / 2 + 40, (y0 + y1) / 2 + 40)
            _drag(v, a, b)
            (moved,) = _wait_boxes(v, api, i, lambda bs: len(bs) == 1 and bs[0] != box)
            assert moved[0] > y0
            assert moved[1] > x0
            _matches_server(v, api, i)
            old_only = [y0, x0, moved[0] - 1, moved[1] - 1]
            assert not (
                _raw_region(api, i, old_only) == _raw_region(api, i, old_only).flat[0]
            ).all()
            # Delete it: select (click inside), Delete.
            c = _image_to_screen(v, shape, (moved[1] + moved[3]) / 2, (moved[0] + moved[2]) / 2)
            _drag(v, c, c)
            v.page.keyboard.press("Delete")
            _wait_boxes(v, api, i, lambda bs: bs == [])
            _matches_server(v, api, i)
        finally:
            v.page.context.close()
    assert v.errors == [], v.errors
