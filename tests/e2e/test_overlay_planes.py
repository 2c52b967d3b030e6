"""Overlay Planes (60xx) of the image on screen, drawn in white over it (issue 15).

The corpus images with overlays (tests/corpus/overlays.py) list "Overlay planes (60xx)"
in the overlay panel, switched on without asking; the overlay canvas holds white on
exactly the pixels of the SDK's mask for the frame on screen, after a flip, a rotation
and in each pane of a 1×2 layout; what the user sees (a screenshot) is white there and
dark once switched off; on a multi-frame image the frames the overlay does not cover show none.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import dcmview.sdk as sdk
from dcmview.sdk.overlay import read_overlays
from tests.corpus.overlays import MULTIFRAME, MULTIFRAME_ORIGIN, SINGLE
from tests.e2e.helpers import (
    Viewer,
    find_file,
    open_file,
    wait_shown,
)
from tests.e2e.overlay_checks import (
    overlay_canvas,
    pane_selector,
    sampled_overlay,
    screen_pixels_on,
    toggle_overlay,
    wait_overlay_drawn,
)

pytestmark = pytest.mark.e2e


def _mask(path: str, frame: int) -> np.ndarray:
    """The SDK's overlay planes on `frame`, on the image's pixel grid."""
    image = sdk.open(path)
    out = np.zeros((image.rows, image.columns), bool)
    for plane in read_overlays(image):
        out |= plane.mask(frame, shape=(image.rows, image.columns))
    return out


def _assert_planes_drawn(v: Viewer, path: str, frame: int, pane: int = 0) -> None:
    """The overlay canvas is opaque white on the mask's pixels, transparent elsewhere."""
    mask = _mask(path, frame)
    got, rows, cols = sampled_overlay(v, mask.shape, pane)
    want = mask[rows, cols]
    np.testing.assert_array_equal(got[:, 3] > 0, want)
    if want.any():
        assert (got[want] == 255).all(), "overlay planes are drawn opaque white"


def _planes_item(v: Viewer, index: int) -> None:
    v.page.wait_for_selector(
        f'[data-testid=overlay-item][data-kind="planes"][data-object="{index}"]', timeout=30_000
    )


def test_overlay_planes_are_drawn_in_white_through_a_flip_and_switched_off(
    page_viewer: Viewer,
    api: Any,
) -> None:
    v = page_viewer
    f = find_file(api, SINGLE)
    assert f["presentation_layer"] is True
    open_file(v, f)
    _planes_item(v, f["index"])
    # No derived object refers to this image: the panel is there for its own overlay.
    assert v.page.locator("[data-testid=overlay-item]").count() == 1
    assert "Overlay planes (60xx)" in v.page.inner_text("[data-testid=overlay-panel]")
    assert v.page.is_checked(f'[data-testid="overlay-toggle-{f["index"]}"]')  # on by default
    wait_overlay_drawn(v, f"planes:{f['index']}:{f['index']}:0", f["index"])
    _assert_planes_drawn(v, f["path"], 0)
    mask = _mask(f["path"], 0)
    assert (screen_pixels_on(v, mask) >= 250).all(), "the user sees white overlay pixels"

    v.page.keyboard.press("h")  # flip horizontally: the overlay follows the image
    v.page.wait_for_function(
        "() => JSON.parse(document.querySelector('.viewport').dataset.view).flipH"
    )
    v.page.evaluate("() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")
    _assert_planes_drawn(v, f["path"], 0)
    assert (screen_pixels_on(v, mask) >= 250).all()
    v.page.keyboard.press("e")  # rotate 90° right: still on its pixels
    v.page.wait_for_function(
        "() => JSON.parse(document.querySelector('.viewport').dataset.view).rotation === 90"
    )
    v.page.evaluate("() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")
    _assert_planes_drawn(v, f["path"], 0)
    assert (screen_pixels_on(v, mask) >= 250).all()

    toggle_overlay(v, f["index"])  # off: the overlay leaves the page, the (dark) image stays
    v.page.wait_for_selector("[data-testid=overlay-canvas]", state="detached")
    v.page.evaluate("() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")
    assert (screen_pixels_on(v, mask) < 160).all(), "no white left where the overlay was"
    toggle_overlay(v, f["index"])  # and on again
    wait_overlay_drawn(v, f"planes:{f['index']}:{f['index']}:0", f["index"])
    _assert_planes_drawn(v, f["path"], 0)


def test_multiframe_overlay_only_on_its_frames_and_in_two_panes(
    page_viewer: Viewer,
    api: Any,
) -> None:
    v = page_viewer
    page = v.page
    mf = find_file(api, MULTIFRAME)
    open_file(v, mf)
    _planes_item(v, mf["index"])
    # Frame 1 (0-based 0) is before the overlay's Image Frame Origin: nothing drawn.
    wait_overlay_drawn(v, f"planes:{mf['index']}:{mf['index']}:0", mf["index"])
    assert not _mask(mf["path"], 0).any()
    _assert_planes_drawn(v, mf["path"], 0)
    assert overlay_canvas(v)[..., 3].max() == 0
    first = MULTIFRAME_ORIGIN - 1  # the first frame the overlay covers (0-based)
    for _ in range(first):
        page.keyboard.press("ArrowRight")
    wait_shown(v, mf["index"], first)
    wait_overlay_drawn(v, f"planes:{mf['index']}:{mf['index']}:{first}", mf["index"])
    _assert_planes_drawn(v, mf["path"], first)
    page.keyboard.press("ArrowRight")  # its second frame: the block elsewhere
    wait_shown(v, mf["index"], first + 1)
    wait_overlay_drawn(v, f"planes:{mf['index']}:{mf['index']}:{first + 1}", mf["index"])
    _assert_planes_drawn(v, mf["path"], first + 1)
    assert not np.array_equal(_mask(mf["path"], first), _mask(mf["path"], first + 1))
    page.keyboard.press("ArrowRight")  # past the overlay's frames: none again
    wait_shown(v, mf["index"], first + 2)
    wait_overlay_drawn(v, f"planes:{mf['index']}:{mf['index']}:{first + 2}", mf["index"])
    _assert_planes_drawn(v, mf["path"], first + 2)
    assert overlay_canvas(v)[..., 3].max() == 0

    # 1×2: the single-frame image in the other pane draws its own overlay there.
    single = find_file(api, SINGLE)
    page.click('button[data-layout="1x2"]')
    page.locator(pane_selector(1)).click()
    open_file(v, single)
    page.wait_for_selector(f'{pane_selector(1)}[data-shown="{single["index"]}:0"][data-level="0"]')
    wait_overlay_drawn(v, f"planes:{single['index']}:{single['index']}:0", single["index"])
    _assert_planes_drawn(v, single["path"], 0, pane=1)
    _assert_planes_drawn(v, mf["path"], first + 2, pane=0)
    page.locator(pane_selector(1)).click()
    page.keyboard.press("h")  # a flip in pane 1 moves only its overlay
    page.wait_for_function(
        "(sel) => JSON.parse(document.querySelector(sel).dataset.view).flipH", arg=pane_selector(1)
    )
    page.evaluate("() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")
    _assert_planes_drawn(v, single["path"], 0, pane=1)
    page.locator(pane_selector(0)).click()
    page.keyboard.press("ArrowLeft")  # pane 0 back onto the overlay's last frame
    wait_shown(v, mf["index"], first + 1, level=None)
    wait_overlay_drawn(v, f"planes:{mf['index']}:{mf['index']}:{first + 1}", mf["index"])
    _assert_planes_drawn(v, mf["path"], first + 1, pane=0)
