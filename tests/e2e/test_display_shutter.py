"""An image's own Display Shutter, drawn over it in the viewer (issue 15).

The corpus CR with a rectangular and circular shutter (tests/corpus/overlays.py) lists
"Display shutter" in the overlay panel, switched on without asking; the overlay canvas
is opaque black on exactly the pixels outside the shutter (computed here from the
file's edges and circle) and transparent inside, before and after a horizontal flip;
what the user sees (a screenshot) is black outside and the bright image inside, and
the image everywhere once the layer is switched off.
"""

from __future__ import annotations

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
from tests.e2e.helpers import Viewer, find_file, open_file
from tests.e2e.overlay_checks import (
    sampled_overlay,
    screen_pixels_on,
    toggle_overlay,
    wait_overlay_drawn,
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
    got, rows, cols = sampled_overlay(v, shown.shape)
    inside = shown[rows, cols]
    assert (got[~inside] == (0, 0, 0, 255)).all(), "opaque black outside the shutter"
    assert (got[inside, 3] == 0).all(), "transparent inside the shutter"
    assert (~inside).sum() > 500
    assert inside.sum() > 500


def _frame_drawn(v: Viewer) -> None:
    v.page.evaluate("() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")


def test_the_display_shutter_hides_the_outside_in_black_through_a_flip(
    page_viewer: Viewer,
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
    wait_overlay_drawn(v, f"planes:{f['index']}:{f['index']}:0", f["index"])
    _assert_shutter_drawn(v)
    shown = _shown()
    assert (screen_pixels_on(v, ~shown) <= 8).all(), "black outside the shutter"
    assert (screen_pixels_on(v, shown) >= 100).all(), "the bright image inside"

    v.page.keyboard.press("h")  # flip horizontally: the shutter follows the image
    v.page.wait_for_function(
        "() => JSON.parse(document.querySelector('.viewport').dataset.view).flipH"
    )
    _frame_drawn(v)
    _assert_shutter_drawn(v)
    assert (screen_pixels_on(v, ~shown) <= 8).all()
    assert (screen_pixels_on(v, shown) >= 100).all()

    toggle_overlay(v, f["index"])  # off: the whole image shows
    v.page.wait_for_selector("[data-testid=overlay-canvas]", state="detached")
    _frame_drawn(v)
    assert (screen_pixels_on(v, ~shown) >= 100).all(), "the image where the shutter was"
