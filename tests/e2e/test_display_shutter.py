"""An image's own Display Shutter, drawn over it in the viewer (issue 15).

The corpus CR with a rectangular and circular shutter (tests/corpus/overlays.py) lists
"Display shutter" in the overlay panel, switched on without asking; the overlay canvas
is opaque black on exactly the pixels outside the shutter (computed here from the
file's edges and circle) and transparent inside, before and after a horizontal flip;
what the user sees (a screenshot) is black outside and the bright image inside, and
the image everywhere once the layer is switched off.
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pytest

from tests.corpus.overlays import (
    SHUTTER,
    SHUTTER_CIRCLE,
    SHUTTER_COLUMNS,
    SHUTTER_EDGES,
    SHUTTER_ROWS,
)
from tests.e2e.helpers import Viewer, find_file, open_file, overlay_mask, viewport_pixels
from tests.e2e.test_overlays import (  # the SEG tests' read-back of the overlay canvas
    _pane,
    _sampled,
    _screen_to_image,
    _toggle,
    _wait_drawn,
    page_viewer,  # noqa: F401  (the fixture, used by name)
)

pytestmark = pytest.mark.e2e


def _shown() -> np.ndarray:
    """True inside the shutter (the image shows), from the file's 1-based attributes."""
    r, c = np.mgrid[0:SHUTTER_ROWS, 0:SHUTTER_COLUMNS] + 1
    e = SHUTTER_EDGES
    cr, cc, radius = SHUTTER_CIRCLE
    shown = (e["left"] <= c) & (c <= e["right"]) & (e["upper"] <= r) & (r <= e["lower"])
    return shown & ((r - cr) ** 2 + (c - cc) ** 2 <= radius**2)


def _assert_shutter_drawn(v: Viewer) -> None:
    """The overlay canvas: opaque black outside the shutter, transparent inside."""
    shown = _shown()
    got, rows, cols = _sampled(v, shown.shape)
    inside = shown[rows, cols]
    assert (got[~inside] == (0, 0, 0, 255)).all(), "opaque black outside the shutter"
    assert (got[inside, 3] == 0).all(), "transparent inside the shutter"
    assert (~inside).sum() > 500
    assert inside.sum() > 500


def _screen(v: Viewer, mask: np.ndarray) -> np.ndarray:
    """What the user sees (RGB) at screen pixels well inside the image pixels of `mask`."""
    pixels = viewport_pixels(v).astype(int)
    view = json.loads(v.page.get_attribute(_pane(0), "data-view") or "null")
    vh, vw = pixels.shape[:2]
    ys, xs = np.mgrid[0:vh, 0:vw]
    px, py = _screen_to_image(view, mask.shape, (vh, vw), xs + 0.5, ys + 0.5)
    inside = (px >= 0) & (py >= 0) & (px < mask.shape[1]) & (py < mask.shape[0])
    inside &= (px % 1 > 0.2) & (px % 1 < 0.8) & (py % 1 > 0.2) & (py % 1 < 0.8)
    on = np.zeros_like(inside)
    on[inside] = mask[py[inside].astype(int), px[inside].astype(int)]
    on &= overlay_mask(v, (vh, vw))  # not under the corner texts
    assert on.sum() > 100, "too few pixels on screen"
    return pixels[on]


def _frame_drawn(v: Viewer) -> None:
    v.page.evaluate("() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")


def test_the_display_shutter_hides_the_outside_in_black_through_a_flip(
    page_viewer: Viewer,  # noqa: F811
    api: Any,
) -> None:
    v = page_viewer
    f = find_file(api, SHUTTER)
    assert f["presentation_layer"] is True
    assert f["presentation_layer_content"] == ["display_shutter"]
    open_file(v, f)
    item = f'[data-testid=overlay-item][data-kind="planes"][data-object="{f["index"]}"]'
    v.page.wait_for_selector(item, timeout=30_000)
    # The entry says what the layer holds: a shutter, not overlay planes.
    text = v.page.inner_text(item)
    assert "Display shutter" in text
    assert "Overlay planes" not in text
    assert v.page.is_checked(f'[data-testid="overlay-toggle-{f["index"]}"]')  # on by default
    _wait_drawn(v, f"planes:{f['index']}:{f['index']}:0", f["index"])
    _assert_shutter_drawn(v)
    shown = _shown()
    assert (_screen(v, ~shown) <= 8).all(), "black outside the shutter"
    assert (_screen(v, shown) >= 100).all(), "the bright image inside"

    v.page.keyboard.press("h")  # flip horizontally: the shutter follows the image
    v.page.wait_for_function(
        "() => JSON.parse(document.querySelector('.viewport').dataset.view).flipH"
    )
    _frame_drawn(v)
    _assert_shutter_drawn(v)
    assert (_screen(v, ~shown) <= 8).all()
    assert (_screen(v, shown) >= 100).all()

    _toggle(v, f["index"])  # off: the whole image shows
    v.page.wait_for_selector("[data-testid=overlay-canvas]", state="detached")
    _frame_drawn(v)
    assert (_screen(v, ~shown) >= 100).all(), "the image where the shutter was"
