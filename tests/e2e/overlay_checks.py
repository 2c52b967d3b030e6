"""What the overlay tests read back: the overlay canvas through a pane's transform.

Shared by the tests of derived objects (test_overlays.py), overlay planes and display
shutters: the screen-to-image mapping of render/transform.ts, the overlay canvas's
pixels sampled well inside image pixels, the panel's toggles, and what the user sees.
"""

from __future__ import annotations

import base64
import io
import json

import numpy as np
from PIL import Image

from tests.e2e.helpers import Viewer, overlay_mask, screen_to_image, viewport_pixels


def pane_selector(i: int) -> str:
    return f'.viewport[data-pane="{i}"]'


def overlay_canvas(v: Viewer, pane: int = 0) -> np.ndarray:
    url = v.page.evaluate(
        "(sel) => document.querySelector(sel).toDataURL('image/png')",
        f"{pane_selector(pane)} [data-testid=overlay-canvas]",
    )
    data = base64.b64decode(url.split(",", 1)[1])
    return np.asarray(Image.open(io.BytesIO(data)).convert("RGBA")).astype(int)


def sampled_overlay(
    v: Viewer, shape: tuple[int, int], pane: int = 0
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Overlay canvas pixels whose centre lies well inside an image pixel, and that pixel."""
    canvas = overlay_canvas(v, pane)
    view = json.loads(v.page.get_attribute(pane_selector(pane), "data-view") or "null")
    vh, vw = canvas.shape[:2]
    ys, xs = np.mgrid[0:vh, 0:vw]
    px, py = screen_to_image(view, shape, (vh, vw), xs + 0.5, ys + 0.5)
    fx, fy = px % 1, py % 1
    inside = (px >= 0) & (py >= 0) & (px < shape[1]) & (py < shape[0])
    inside &= (fx > 0.15) & (fx < 0.85) & (fy > 0.15) & (fy < 0.85)
    assert inside.sum() > 2000, "too few pixels to compare: is the image on screen?"
    return canvas[inside], py[inside].astype(int), px[inside].astype(int)


def toggle_overlay(v: Viewer, index: int) -> None:
    v.page.click(f'[data-testid="overlay-toggle-{index}"]')


def wait_overlay_drawn(v: Viewer, key: str, frame_file: int, exact: bool = False) -> None:
    drawn = f'[data-drawn="{key}"]' if exact else f'[data-drawn*="{key}"]'
    v.page.wait_for_selector(
        f'.viewport[data-file="{frame_file}"] [data-testid=overlay-canvas]{drawn}',
        timeout=30_000,
    )
    v.page.evaluate("() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")


def screen_pixels_on(v: Viewer, mask: np.ndarray, pane: int = 0) -> np.ndarray:
    """What the user sees (RGB) at the screen pixels well inside the image pixels of `mask`.

    A screenshot of the pane's viewport (overlays and all), sampled where a screen pixel's
    centre lies well inside an image pixel set in `mask`, away from the corner texts.
    """
    pixels = viewport_pixels(v).astype(int)
    view = json.loads(v.page.get_attribute(pane_selector(pane), "data-view") or "null")
    vh, vw = pixels.shape[:2]
    ys, xs = np.mgrid[0:vh, 0:vw]
    px, py = screen_to_image(view, mask.shape, (vh, vw), xs + 0.5, ys + 0.5)
    inside = (px >= 0) & (py >= 0) & (px < mask.shape[1]) & (py < mask.shape[0])
    inside &= (px % 1 > 0.2) & (px % 1 < 0.8) & (py % 1 > 0.2) & (py % 1 < 0.8)
    on = np.zeros_like(inside)
    on[inside] = mask[py[inside].astype(int), px[inside].astype(int)]
    on &= overlay_mask(v, (vh, vw))  # not under the corner texts
    assert on.sum() > 100, "too few pixels on screen"
    return pixels[on]
