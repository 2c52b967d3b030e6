"""The viewer's Export: the view as displayed (PNG) and the cine loop (the server's file)."""

from __future__ import annotations

import io
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import httpx
import numpy as np
import pytest
from PIL import Image, ImageSequence

from tests.e2e.helpers import Viewer, find_file, open_file, viewport_pixels, wait_idle

pytestmark = pytest.mark.corpus

CT = "series_002_AX_2.5mm/IM00020.dcm"
US = "cine_rgb_20f_explicit_le.dcm"
GREEN = np.array([62, 224, 122])


def _download(viewer: Viewer, testid: str) -> bytes:
    with viewer.page.expect_download(timeout=60_000) as dl:
        viewer.page.click(f'[data-testid="{testid}"]')
    return Path(dl.value.path()).read_bytes()


def test_export_png_is_the_view_as_displayed_with_its_rois(
    viewer: Viewer, api: httpx.Client
) -> None:
    ct = find_file(api, CT)
    roi = {"num_roi": 1, "roi_coords": [[60, 40, 150, 200]], "roi_frames": [[]]}
    assert api.put(f"/api/file/{ct['index']}/annotations", json=roi).status_code == 200
    try:
        open_file(viewer, ct)
        page = viewer.page
        page.keyboard.press("h")  # flipped, as the user sees it
        page.wait_for_function(
            "() => JSON.parse(document.querySelector('.viewport').dataset.view).flipH === true"
        )
        wait_idle(viewer)
        # What is on screen without the DOM overlays (corner text, markers, scale bar, the
        # ROI layer's SVG): everything in the pane but its canvas.
        page.add_style_tag(content=".viewport > :not(canvas) { visibility: hidden !important; }")
        screen = viewport_pixels(viewer).astype(int)
        exported = np.asarray(
            Image.open(io.BytesIO(_download(viewer, "export-view"))).convert("RGB")
        ).astype(int)
        assert exported.shape == screen.shape  # the canvas, at device pixels (dpr 1)
        # Identical but where the ROI box was drawn in.
        near_green = (np.abs(exported - GREEN) < 60).all(axis=2)
        same = (np.abs(exported - screen) <= 1).all(axis=2)
        # The outline's anti-aliased edge blends into its neighbours: 2 pixels around it.
        box = near_green.copy()
        for dy in (-2, -1, 1, 2):
            box |= np.roll(near_green, dy, axis=0)
        for dx in (-2, -1, 1, 2):
            box |= np.roll(box, dx, axis=1)
        assert same[~box].all()
        assert near_green.sum() > 200  # the box's outline
        assert not (np.abs(screen - GREEN) < 60).all(axis=2).any()
        # The box sits where the flipped view puts the ROI: its left edge on screen is the
        # image's column 200 mirrored.
        view = page.evaluate("() => JSON.parse(document.querySelector('.viewport').dataset.view)")
        assert view["flipH"] is True
        assert viewer.errors == []
    finally:
        api.put(
            f"/api/file/{ct['index']}/annotations",
            json={"num_roi": 0, "roi_coords": [], "roi_frames": []},
        )


def test_export_cine_downloads_the_servers_file(viewer: Viewer, api: httpx.Client) -> None:
    us = find_file(api, US)
    open_file(viewer, us)
    body = _download(viewer, "export-cine")
    (asked,) = [u for u in viewer.requests if f"/api/file/{us['index']}/cine?" in u]
    query = dict(parse_qsl(urlsplit(asked).query))
    # WebP, the level fitting 1024 px, the ROIs, the cine bar's rate (the file's own),
    # no window for a colour image.
    assert query == {"format": "webp", "max_size": "1024", "rois": "1", "fps": query["fps"]}
    assert float(query["fps"]) == pytest.approx(
        api.get(f"/api/file/{us['index']}/info").json()["cine_rate"]
    )
    want = api.get(f"/api/file/{us['index']}/cine", params=query)
    assert want.status_code == 200
    assert body == want.content
    with Image.open(io.BytesIO(body)) as im:
        assert sum(1 for _ in ImageSequence.Iterator(im)) == 20
    assert viewer.errors == []
