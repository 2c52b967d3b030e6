"""A GSPS's display applied in the viewer (issue 15): window, rotation, area, shutters.

The corpus's display GSPS (tests/corpus/gsps.py: W 400 / C 40, rotated 90°, a
displayed area, a rectangular and a circular mid-grey shutter on CT slice 25) is
switched on in the overlay panel: the pane's window readout is the GSPS's, the pane's
view is rotated and the image on screen is the server's W 400 / C 40 PNG turned by 90°
(checked pixel by pixel through the pane's own transform), what lies outside the
shutters is painted the shutter grey; switching it off (or unticking "Apply its
display") puts the window and view the pane had back. In a 1×2 layout the other pane
keeps its own image's settings.
"""

from __future__ import annotations

import io
import json
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pydicom
import pytest
from PIL import Image

from tests.corpus import gsps as corpus_gsps
from tests.e2e.helpers import (
    Viewer,
    find_file,
    image_to_screen,
    open_file,
    open_viewer,
    server_png,
    start_server,
)

pytestmark = pytest.mark.e2e

SLICE = f"series_002_AX_2.5mm/IM{corpus_gsps.SLICE + 1:05d}.dcm"
DISPLAY = "derived/ct/GSPS_CT_display.dcm"
GREY = round(corpus_gsps.SHUTTER_VALUE * 255 / 65535)  # 128, as the SDK rounds it


def _pane(i: int) -> str:
    return f'.viewport[data-pane="{i}"]'


def _frames(v: Viewer) -> None:
    v.page.evaluate("() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")


def _view(v: Viewer, pane: int = 0) -> dict[str, Any]:
    return dict(json.loads(v.page.get_attribute(_pane(pane), "data-view") or "{}"))


def _window(v: Viewer, pane: int = 0) -> str:
    return v.page.text_content(f'{_pane(pane)} [data-testid="window"]') or ""


def _shot(v: Viewer, pane: int = 0) -> np.ndarray:
    png = v.page.locator(_pane(pane)).screenshot()
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGB")).astype(int)


def _at(shot: np.ndarray, view: dict[str, Any], points: list[tuple[float, float]]) -> np.ndarray:
    """Screen pixels at image points [x, y] of the 256×256 slice."""
    sx, sy = image_to_screen(view, (256, 256), shot.shape[:2], *zip(*points, strict=True))
    return shot[np.floor(sy).astype(int), np.floor(sx).astype(int)]


def _wait_window(v: Viewer, text: str, pane: int = 0) -> None:
    v.page.wait_for_function(
        "([sel, t]) => document.querySelector(sel)?.textContent?.trim() === t",
        arg=[f'{_pane(pane)} [data-testid="window"]', text],
        timeout=30_000,
    )


def test_gsps_display_is_applied_and_put_back(page_viewer: Viewer, api: Any) -> None:
    v = page_viewer
    page = v.page
    ct = find_file(api, SLICE)
    state = find_file(api, DISPLAY)
    open_file(v, ct)
    page.keyboard.press("8")  # lung: a window the GSPS's is not
    _wait_window(v, "W 1500 C -600")
    before = _view(v)
    assert before["rotation"] == 0
    item = f'[data-testid=overlay-item][data-object="{state["index"]}"]'
    page.wait_for_selector(item)

    page.click(f'[data-testid="overlay-toggle-{state["index"]}"]')
    page.wait_for_selector(f'{_pane(0)}[data-gsps="{state["index"]}"]', timeout=30_000)
    _wait_window(v, "W 400 C 40")
    assert page.is_checked(f'[data-testid="gsps-apply-{state["index"]}"]')  # on by default
    summary = page.text_content(f'[data-testid="gsps-summary-{state["index"]}"]')
    assert summary == "W 400 / C 40 · rotate 90° · area 192×192 · 2 shutters"
    view = _view(v)
    assert (view["rotation"], view["flipH"], view["flipV"]) == (90, False, False)
    assert page.get_attribute(_pane(0), "data-invert") == "false"
    page.wait_for_selector('[data-testid=gsps-shutter] path[data-shape="circle"]')
    _frames(v)

    shot = _shot(v)
    # The displayed area (columns and rows 32..224) fills the pane's height once turned.
    top = image_to_screen(view, (256, 256), shot.shape[:2], 32, 128)[1]
    bottom = image_to_screen(view, (256, 256), shot.shape[:2], 224, 128)[1]
    assert abs(top) < 1.5
    assert abs(bottom - shot.shape[0]) < 1.5
    # Outside a shutter: the shutter's grey, opaque (image pixels under it do not show).
    # (not at the top centre, where the orientation marker is)
    outside = [(36.5, 90.5), (50.5, 50.5), (200.5, 210.5), (128.5, 225.0 - 3.5)]
    np.testing.assert_array_equal(_at(shot, view, outside), [[GREY] * 3] * len(outside))
    # Inside: the server's W 400 / C 40 rendering, at the rotated place.
    want = server_png(api, ct["index"], 0, "?wc=40&ww=400")
    xs, ys = np.meshgrid(np.arange(100, 160, 3) + 0.5, np.arange(100, 160, 3) + 0.5)
    inside = list(zip(xs.ravel(), ys.ravel(), strict=True))
    ref = want[ys.astype(int).ravel(), xs.astype(int).ravel()]
    got = _at(shot, view, inside)
    assert np.abs(got - ref).max() <= 2
    assert ref.std() > 5  # organs and body, not one grey
    unturned = _at(shot, {**view, "rotation": 0}, inside)
    assert np.abs(unturned - ref).mean() > 10  # the check sees a rotation

    # The user may still change the window; the GSPS stays applied.
    page.keyboard.press("5")  # bone
    _wait_window(v, "W 1500 C 300")
    assert _view(v)["rotation"] == 90

    # Unticking "Apply its display" puts the pane back; the GSPS's text stays drawn.
    page.click(f'[data-testid="gsps-apply-{state["index"]}"]')
    page.wait_for_selector(f'{_pane(0)}[data-gsps=""]')
    _wait_window(v, "W 1500 C -600")
    assert _view(v) == before
    page.wait_for_selector("[data-testid=gsps-shutter]", state="detached")
    page.wait_for_selector("text.gsps-text")
    # Ticked again: applied again, then switched off: back to what it was.
    page.click(f'[data-testid="gsps-apply-{state["index"]}"]')
    _wait_window(v, "W 400 C 40")
    assert _view(v)["rotation"] == 90
    page.click(f'[data-testid="overlay-toggle-{state["index"]}"]')
    _wait_window(v, "W 1500 C -600")
    assert _view(v) == before
    assert page.get_attribute(_pane(0), "data-invert") == ""
    page.wait_for_selector("[data-testid=overlay-vectors]", state="detached")


def test_each_pane_shows_its_own_gsps(page_viewer: Viewer, api: Any) -> None:
    v = page_viewer
    page = v.page
    ct = find_file(api, SLICE)
    display = find_file(api, DISPLAY)
    mg = find_file(api, "L_CC_explicit_le.dcm")
    findings = find_file(api, "derived/mg/GSPS_L_CC_findings.dcm")
    open_file(v, ct)
    page.click('button[data-layout="1x2"]')
    page.locator(_pane(1)).click()
    open_file(v, mg)
    page.wait_for_selector(f'{_pane(1)}[data-shown="{mg["index"]}:0"][data-level="0"]')
    mg_window = _window(v, 1)
    mg_view = _view(v, 1)
    page.click(f'[data-testid="overlay-toggle-{findings["index"]}"]')
    page.wait_for_selector(f'{_pane(1)}[data-gsps="{findings["index"]}"]', timeout=30_000)
    _wait_window(v, "W 658.5 C 2302", pane=1)  # its narrowed window; no rotation
    assert _view(v, 1)["rotation"] == 0
    # the CT pane is untouched until its own GSPS is on
    assert page.get_attribute(_pane(0), "data-gsps") == ""
    assert _view(v, 0)["rotation"] == 0
    page.locator(_pane(0)).click()
    page.click(f'[data-testid="overlay-toggle-{display["index"]}"]')
    page.wait_for_selector(f'{_pane(0)}[data-gsps="{display["index"]}"]', timeout=30_000)
    assert _view(v, 0)["rotation"] == 90
    assert _view(v, 1)["rotation"] == 0
    assert page.locator(f"{_pane(1)} [data-testid=gsps-shutter]").count() == 0
    assert page.locator(f"{_pane(0)} [data-testid=gsps-shutter] path").count() == 2
    page.locator(_pane(1)).click()
    page.click(f'[data-testid="overlay-toggle-{findings["index"]}"]')
    _wait_window(v, mg_window, pane=1)
    assert _view(v, 1) == mg_view
    assert _view(v, 0)["rotation"] == 90  # the other pane keeps its GSPS


def _wait_level0(v: Viewer) -> None:
    """The pane shows its frame at full resolution (refined), drawn."""
    v.page.wait_for_selector(f'{_pane(0)}[data-level="0"]', timeout=30_000)
    _frames(v)


def test_an_inverse_gsps_inverts_a_frame_the_viewer_draws_from_the_server_png(
    browser: Any, server: Any, corpus_ci: Path, tmp_path: Path
) -> None:
    # Frames the viewer cannot window itself come as the server's 8-bit PNG (a Modality
    # LUT table, a slow link); the PNG says whether the server inverted it
    # (X-Frame-Inverted), and a GSPS asking for another inversion gets it on screen.
    ct = next(corpus_ci.glob(f"ct/*/*/{SLICE}"))
    gsps = pydicom.dcmread(corpus_ci / DISPLAY)
    gsps.PresentationLUTShape = "INVERSE"
    gsps.SOPInstanceUID = pydicom.uid.generate_uid()
    gsps.file_meta.MediaStorageSOPInstanceUID = gsps.SOPInstanceUID
    shutil.copy(ct, tmp_path / "slice.dcm")
    gsps.save_as(tmp_path / "inverse_gsps.dcm")
    srv = start_server([tmp_path])
    try:
        with srv.client() as api:
            files = {Path(f["path"]).name: f for f in api.get("/api/files").json()["files"]}
            image, state = files["slice.dcm"], files["inverse_gsps.dcm"]
            want = server_png(api, image["index"], 0, "?wc=40&ww=400")
            default = server_png(api, image["index"], 0)  # the window the pane opens with
            r = api.get(f"/api/file/{image['index']}/frame/0")
            assert r.headers["x-frame-inverted"] == "0"
        v = open_viewer(browser, srv.url)
        try:
            page = v.page
            # No raw samples for this image: the viewer falls back to the server's PNG.
            page.route(
                "**/raw*",
                lambda route: route.fulfill(
                    status=422, content_type="application/json", body='{"code": "unsupported"}'
                ),
            )
            open_file(v, image)
            page.click(f'[data-testid="overlay-toggle-{state["index"]}"]')
            page.wait_for_selector(f'{_pane(0)}[data-invert="true"]', timeout=30_000)
            _wait_window(v, "W 400 C 40")
            page.wait_for_selector('[data-testid=gsps-shutter] path[data-shape="circle"]')
            xs, ys = np.meshgrid(np.arange(100, 160, 3) + 0.5, np.arange(100, 160, 3) + 0.5)
            inside = list(zip(xs.ravel(), ys.ravel(), strict=True))
            ref = want[ys.astype(int).ravel(), xs.astype(int).ravel()]
            assert ref.std() > 5
            _wait_level0(v)
            got = _at(_shot(v), _view(v), inside)
            assert np.abs(got - (255 - ref)).max() <= 2  # inverted on screen
            assert np.abs(got - ref).mean() > 10  # (the check sees an inversion)
            # Unticked: the file's own presentation, not inverted.
            page.click(f'[data-testid="gsps-apply-{state["index"]}"]')
            page.wait_for_selector(f'{_pane(0)}[data-invert=""]', timeout=30_000)
            _wait_level0(v)
            plain = default[ys.astype(int).ravel(), xs.astype(int).ravel()]
            assert np.abs(_at(_shot(v), _view(v), inside) - plain).max() <= 2
        finally:
            v.page.context.close()
        assert [e for e in v.errors if "Failed to load resource" not in e] == []
    finally:
        srv.stop()
