"""Export PNG as displayed: the overlay layer, the lengths and, on request, the scale bar.

A SEG switched on is in the PNG in its colour, blended over the image exactly as the
overlay canvas is composited on screen, on the SDK mask's pixels and nowhere else; with
the display GSPS applied (CT slice 25), what its shutters hide is the shutter grey in
the PNG, not the image's pixels, and the PNG is what the pane shows (at a device pixel
ratio of 1 and of 2); a length line is in the PNG, the scale bar and the orientation
markers only when "scale bar" is ticked, and the corner text never; under --mask the
GSPS's free text stays out; the image's own overlay planes (60xx) are in it while shown.
(With nothing switched on the PNG is the canvas and the ROI boxes: test_export.py.)
"""

from __future__ import annotations

import base64
import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image

import dcmview.sdk as sdk
from dcmview.sdk.overlay import read_overlays
from dcmview.sdk.segmentation import read_segmentation
from tests.corpus import gsps as corpus_gsps, overlays as overlays_corpus
from tests.e2e.helpers import (
    VIEWPORT,
    Server,
    Viewer,
    find_file,
    image_to_screen,
    open_file,
    open_viewer,
    screen_to_image,
    server_png,
    start_server,
    view_state,
    wait_idle,
)

pytestmark = pytest.mark.e2e

CT = "series_002_AX_2.5mm/IM00020.dcm"
SEG = "derived/ct/SEG_binary_organs.dcm"
SLICE = f"series_002_AX_2.5mm/IM{corpus_gsps.SLICE + 1:05d}.dcm"
DISPLAY = "derived/ct/GSPS_CT_display.dcm"
GREY = round(corpus_gsps.SHUTTER_VALUE * 255 / 65535)  # 128, as the SDK rounds it
MEASURE = np.array([0x4F, 0xD8, 0xFF])  # --measure
OVERLAY_FG = np.array([0xF2, 0xF2, 0xA0])  # --overlay-fg: markers and the scale bar
# Everything the page draws over the pane that the PNG leaves out (corner text) or only
# puts in on request (markers, scale bar): hidden to compare the PNG with the screen.
NOT_EXPORTED = (
    ".viewport .corner, .viewport [data-export=annotation] { visibility: hidden !important; }"
)
LABEL = np.array([0xFF, 0xE1, 0x4D])  # a GSPS text label


def _frames(v: Viewer) -> None:
    v.page.evaluate("() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")


def _export(v: Viewer) -> np.ndarray:
    with v.page.expect_download(timeout=60_000) as dl:
        v.page.click('[data-testid="export-view"]')
    data = Path(dl.value.path()).read_bytes()
    return np.asarray(Image.open(io.BytesIO(data)).convert("RGB")).astype(int)


def _screen(v: Viewer) -> np.ndarray:
    png = v.page.locator(".viewport").screenshot()
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGB")).astype(int)


def _overlay_rgba(v: Viewer) -> np.ndarray:
    url = v.page.evaluate(
        "() => document.querySelector('[data-testid=overlay-canvas]').toDataURL('image/png')"
    )
    data = base64.b64decode(url.split(",", 1)[1])
    return np.asarray(Image.open(io.BytesIO(data)).convert("RGBA")).astype(int)


def _rect(v: Viewer, selector: str) -> tuple[int, int, int, int]:
    """An element's box in the pane's pixels (dpr 1): x0, y0, x1, y1, rounded outwards."""
    box = v.page.evaluate(
        """(sel) => { const vp = document.querySelector('.viewport').getBoundingClientRect();
        const r = document.querySelector(sel).getBoundingClientRect();
        return [r.left - vp.left, r.top - vp.top, r.right - vp.left, r.bottom - vp.top]; }""",
        selector,
    )
    return int(box[0]) - 2, int(box[1]) - 2, int(box[2]) + 3, int(box[3]) + 3


def _near(pixels: np.ndarray, colour: np.ndarray, tol: int = 40) -> np.ndarray:
    return np.asarray((np.abs(pixels - colour) < tol).all(axis=-1))


def test_export_holds_the_seg_in_its_colour_on_its_pixels(page_viewer: Viewer, api: Any) -> None:
    v = page_viewer
    page = v.page
    ct = find_file(api, CT)
    seg = find_file(api, SEG)
    open_file(v, ct)
    wait_idle(v)
    plain = _export(v)  # nothing switched on: the canvas
    page.click(f'[data-testid="overlay-toggle-{seg["index"]}"]')
    page.wait_for_selector(
        f'[data-testid=overlay-canvas][data-drawn*="seg:{seg["index"]}:{ct["index"]}:0"]',
        timeout=30_000,
    )
    _frames(v)
    out = _export(v)
    overlay = _overlay_rgba(v)
    assert out.shape == plain.shape
    assert overlay.shape[:2] == out.shape[:2]

    # Each PNG pixel whose centre lies well inside an image pixel, and that pixel's segments.
    image = sdk.open(ct["path"])
    segmentation = read_segmentation(sdk.open(seg["path"]))
    mask = segmentation.mask(image, 0)  # (rows, columns, segments)
    h, w = out.shape[:2]
    ys, xs = np.mgrid[0:h, 0:w]
    px, py = screen_to_image(view_state(v), (image.rows, image.columns), (h, w), xs + 0.5, ys + 0.5)
    inside = (px >= 0) & (py >= 0) & (px < image.columns) & (py < image.rows)
    inside &= (px % 1 > 0.15) & (px % 1 < 0.85) & (py % 1 > 0.15) & (py % 1 < 0.85)
    segments = mask[py[inside].astype(int), px[inside].astype(int)]
    single = segments.sum(axis=1) == 1
    none = ~segments.any(axis=1)
    assert single.sum() > 200
    assert none.sum() > 200

    # On the mask: the segment's colour over the image at the overlay's alpha, as the
    # browser composites the overlay canvas over the image canvas on screen.
    colours = np.asarray([s.color for s in segmentation.segments])
    colour = colours[segments[single].argmax(axis=1)]
    alpha = overlay[inside][single, 3:4] / 255
    assert (alpha > 0.2).all()
    want = plain[inside][single] * (1 - alpha) + colour * alpha
    got = out[inside][single]
    assert np.abs(got - want).max() <= 3
    assert np.abs(got - plain[inside][single]).mean() > 20  # the SEG shows
    # Off the mask: the image, untouched.
    assert np.abs(out[inside][none] - plain[inside][none]).max() <= 1


@pytest.fixture(params=[1, 2], ids=["dpr1", "dpr2"])
def dpr_viewer(request: pytest.FixtureRequest, browser: Any, server: Server) -> Iterator[Viewer]:
    """The viewer at a device pixel ratio of 1 and of 2 (the PNG is in device pixels)."""
    context = browser.new_context(
        viewport=VIEWPORT, device_scale_factor=request.param, accept_downloads=True
    )
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(f"pageerror: {exc}"))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(server.url)
    yield Viewer(page, errors, [])
    context.close()
    assert [e for e in errors if "Failed to load resource" not in e] == []


def test_export_with_the_gsps_display_keeps_its_shutters(dpr_viewer: Viewer, api: Any) -> None:
    v = dpr_viewer
    page = v.page
    dpr = page.evaluate("() => window.devicePixelRatio")
    ct = find_file(api, SLICE)
    state = find_file(api, DISPLAY)
    open_file(v, ct)
    page.wait_for_selector(f'[data-testid=overlay-item][data-object="{state["index"]}"]')
    page.click(f'[data-testid="overlay-toggle-{state["index"]}"]')
    page.wait_for_selector(f'.viewport[data-gsps="{state["index"]}"]', timeout=30_000)
    page.wait_for_selector('[data-testid=gsps-shutter] path[data-shape="circle"]')
    page.wait_for_selector("text.gsps-text")
    wait_idle(v)
    _frames(v)

    out = _export(v)
    view = json.loads(page.get_attribute(".viewport", "data-view") or "{}")
    assert view["rotation"] == 90
    css = page.evaluate(
        "() => { const r = document.querySelector('.viewport').getBoundingClientRect(); "
        "return [r.height, r.width]; }"
    )
    assert out.shape[:2] == (round(css[0] * dpr), round(css[1] * dpr))  # device pixels
    # Outside the shutters: the shutter grey, not the image the canvas holds there.
    outside = [(36.5, 90.5), (50.5, 50.5), (200.5, 210.5), (128.5, 221.5), (210.5, 60.5)]
    sx, sy = image_to_screen(view, (256, 256), tuple(css), *zip(*outside, strict=True))
    at = out[np.floor(sy * dpr).astype(int), np.floor(sx * dpr).astype(int)]
    np.testing.assert_array_equal(at, [[GREY] * 3] * len(outside))
    image = server_png(api, ct["index"], 0, "?wc=40&ww=400")
    under = image[[int(y) for _, y in outside], [int(x) for x, _ in outside]]
    assert (np.abs(under - GREY) > 20).any(axis=1).sum() >= 3  # the image is not grey there

    # The PNG is the pane as shown (but the corner text and markers it leaves out): the
    # image, the grey, the GSPS's text label, at device pixels. Text and curves are
    # rasterised by two paths (the page and an SVG image): a few edge pixels may differ.
    page.add_style_tag(content=NOT_EXPORTED)
    _frames(v)
    screen = _screen(v)
    assert screen.shape == out.shape
    differs = np.abs(out - screen).max(axis=2) > 8
    assert differs.mean() < 0.002, differs.sum()
    x0, y0, x1, y1 = (round(c * dpr) for c in _rect(v, "text.gsps-text"))
    assert _near(screen[y0:y1, x0:x1], LABEL, 60).sum() > 10 * dpr  # the label is there
    assert _near(out[y0:y1, x0:x1], LABEL, 60).sum() > 10 * dpr


def test_export_holds_lengths_and_the_scale_bar_on_request(page_viewer: Viewer, api: Any) -> None:
    v = page_viewer
    page = v.page
    ct = find_file(api, CT)
    open_file(v, ct)
    wait_idle(v)
    plain = _export(v)
    page.wait_for_selector("[data-testid=scale-bar]")
    page.wait_for_selector("[data-testid=orient-left]")

    page.keyboard.press("m")  # the Length tool
    vp = page.locator(".viewport").bounding_box()
    assert vp is not None
    a = (vp["x"] + vp["width"] * 0.35, vp["y"] + vp["height"] * 0.5)
    b = (vp["x"] + vp["width"] * 0.6, vp["y"] + vp["height"] * 0.6)
    page.mouse.move(*a)
    page.mouse.down()
    page.mouse.move(*b, steps=5)
    page.mouse.up()
    page.wait_for_selector("[data-testid=length-label]")
    _frames(v)
    lines = _export(v)
    drawn = np.abs(lines - plain).max(axis=2) > 8
    assert _near(lines[drawn], MEASURE).sum() > 50  # the line and its length
    assert not _near(plain, MEASURE).any()
    # Not the scale bar, markers or corner text: those parts are the image as before.
    regions = ["[data-testid=scale-bar]", "[data-testid=orient-left]", "[data-testid=orient-top]"]
    regions += [".viewport .corner.tl", ".viewport .corner.br"]
    for sel in regions:
        x0, y0, x1, y1 = _rect(v, sel)
        assert not drawn[y0:y1, x0:x1].any(), sel

    page.check("[data-testid=export-annotations]")
    labelled = _export(v)
    added = np.abs(labelled - lines).max(axis=2) > 8
    marked = [
        "[data-testid=scale-bar] .bar",
        "[data-testid=orient-left]",
        "[data-testid=orient-top]",
    ]
    for sel in marked:
        x0, y0, x1, y1 = _rect(v, sel)
        assert _near(labelled[y0:y1, x0:x1], OVERLAY_FG).sum() >= 5, sel
    # Only there: the corner text stays out, the rest of the image is unchanged.
    allowed = np.zeros_like(added)
    boxes = page.evaluate(
        """() => { const vp = document.querySelector('.viewport').getBoundingClientRect();
        return [...document.querySelectorAll('.viewport [data-export=annotation]')].map((e) => {
          const r = e.getBoundingClientRect();
          return [r.left - vp.left, r.top - vp.top, r.right - vp.left, r.bottom - vp.top]; }); }"""
    )
    assert len(boxes) >= 5  # four markers and the scale bar
    for x0, y0, x1, y1 in boxes:
        allowed[max(0, int(y0) - 6) : int(y1) + 7, max(0, int(x0) - 6) : int(x1) + 7] = True
    assert added.sum() > 50
    assert not added[~allowed].any()
    page.uncheck("[data-testid=export-annotations]")
    again = _export(v)
    assert np.abs(again - lines).max() <= 1


@pytest.fixture(scope="module")
def masked_server(corpus_ci: Path, server: Server) -> Iterator[Server]:
    # `server` first: it checks that Chromium and Playwright are there.
    srv = start_server([corpus_ci], "--mask")
    yield srv
    srv.stop()


def test_masked_export_leaves_out_the_overlays_free_text(
    browser: Any, masked_server: Server, api: Any
) -> None:
    """Under --mask a GSPS's text label is neither on screen nor in the file; its shutter is."""
    # The same files in the masked server's catalog, by SOP Instance UID (paths are masked).
    uids = {find_file(api, p)["sop_instance_uid"]: p for p in (SLICE, DISPLAY)}
    with masked_server.client() as masked_api:
        files = masked_api.get("/api/files").json()["files"]
    found = {uids[f["sop_instance_uid"]]: f for f in files if f["sop_instance_uid"] in uids}
    ct, state = found[SLICE], found[DISPLAY]
    v = open_viewer(browser, masked_server.url)
    try:
        page = v.page
        page.wait_for_selector(".navigator [data-kind='instance']", timeout=30_000)
        open_file(v, ct)
        page.click(f'[data-testid="overlay-toggle-{state["index"]}"]')
        page.wait_for_selector('[data-testid=gsps-shutter] path[data-shape="circle"]')
        wait_idle(v)
        # The server leaves the text objects out under --mask (Unformatted Text Value is
        # in PS3.15's list): nothing to draw, and the export's own rule has nothing to drop.
        assert page.locator("text.gsps-text").count() == 0
        _frames(v)
        out = _export(v)
        page.add_style_tag(content=NOT_EXPORTED)
        _frames(v)
        screen = _screen(v)
        assert not _near(out, LABEL, 60).any()  # no label colour anywhere in the file
        # The rest of the overlay layer is: the shutter grey where the screen has it.
        grey = (screen == GREY).all(axis=2)
        assert grey.sum() > 1000
        # (but for a few anti-aliased pixels on the circle's edge, rasterised twice)
        assert (~(out[grey] == GREY).all(axis=1)).mean() < 0.001
    finally:
        v.page.context.close()
    assert [e for e in v.errors if "Failed to load resource" not in e] == []


def test_export_holds_the_images_own_overlay_planes(page_viewer: Viewer, api: Any) -> None:
    """The 60xx planes, drawn on the overlay layer's canvas, go in as they are shown."""
    v = page_viewer
    page = v.page
    f = find_file(api, overlays_corpus.SINGLE)
    open_file(v, f)
    page.wait_for_selector(
        f'[data-testid=overlay-canvas][data-drawn*="planes:{f["index"]}:{f["index"]}:0"]',
        timeout=30_000,
    )
    wait_idle(v)
    _frames(v)
    out = _export(v)
    image = sdk.open(f["path"])
    mask = np.zeros((image.rows, image.columns), bool)
    for plane in read_overlays(image):
        mask |= plane.mask(0, shape=mask.shape)
    h, w = out.shape[:2]
    ys, xs = np.mgrid[0:h, 0:w]
    px, py = screen_to_image(view_state(v), mask.shape, (h, w), xs + 0.5, ys + 0.5)
    inside = (px >= 0) & (py >= 0) & (px < mask.shape[1]) & (py < mask.shape[0])
    inside &= (px % 1 > 0.2) & (px % 1 < 0.8) & (py % 1 > 0.2) & (py % 1 < 0.8)
    on = np.zeros_like(inside)
    on[inside] = mask[py[inside].astype(int), px[inside].astype(int)]
    assert on.sum() > 100
    assert (out[on] >= 250).all()  # opaque white, as on screen

    page.click(f'[data-testid="overlay-toggle-{f["index"]}"]')  # off: the image alone
    page.wait_for_selector("[data-testid=overlay-canvas]", state="detached")
    _frames(v)
    assert (_export(v)[on] < 160).all()
