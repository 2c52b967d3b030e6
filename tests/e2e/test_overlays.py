"""The overlay panel and layer: derived objects drawn on the image on screen (issue 15).

A SEG segment is drawn in its colour on exactly the pixels of the SDK's mask for the
frame on screen (the overlay canvas read back and mapped through render/transform.ts's
screenToImage), after a flip and a frame step too, and hides when switched off; an
RTSTRUCT outline is drawn where the SDK places the contour; an RT Dose shows a legend
in Gy; a broken SEG gives a message in the panel while the image still shows.
"""

from __future__ import annotations

import io
import json
import math
from typing import Any

import numpy as np
import pytest
from PIL import Image

import dcmview.sdk as sdk
from dcmview.sdk.rtstruct import read_structure_set
from dcmview.sdk.segmentation import read_segmentation
from tests.e2e.helpers import (
    Viewer,
    find_file,
    open_file,
    screen_to_image,
    view_state,
    wait_shown,
)
from tests.e2e.overlay_checks import (
    overlay_canvas,
    pane_selector,
    sampled_overlay,
    toggle_overlay,
    wait_overlay_drawn,
)

pytestmark = pytest.mark.e2e

CT = "series_002_AX_2.5mm/IM00020.dcm"


def _assert_seg_drawn(
    v: Viewer,
    image_path: str,
    seg_path: str,
    hidden: tuple[int, ...] = (),
    colors: dict[int, tuple[int, int, int]] | None = None,
    frame: int = 0,
    pane: int = 0,
) -> None:
    """The overlay canvas shows the SEG's segments in their colours on exactly its mask.

    `colors`: the colours chosen in the panel, by Segment Number; `frame`: the image's
    frame on screen; `pane`: the pane it is in.
    """
    image = sdk.open(image_path)
    seg = read_segmentation(sdk.open(seg_path))
    mask = seg.mask(image, frame)  # (rows, columns, segments) on this image's pixels
    for k, s in enumerate(seg.segments):
        if s.number in hidden:
            mask[..., k] = False
    assert mask.any(), "the chosen frame has no mask: pick another"
    got, rows, cols = sampled_overlay(v, (image.rows, image.columns), pane)
    want = mask[rows, cols]  # (n, segments)
    np.testing.assert_array_equal(got[:, 3] > 0, want.any(axis=1))
    colours = np.asarray([(colors or {}).get(s.number, s.color) for s in seg.segments])
    single = want.sum(axis=1) == 1
    assert single.sum() > 20
    expected = colours[want[single].argmax(axis=1)]
    # The canvas stores premultiplied colour: a half-transparent pixel reads back within ±3.
    assert np.abs(got[single, :3] - expected).max() <= 3


def test_seg_is_drawn_on_its_mask_through_flip_and_frame_step(
    page_viewer: Viewer, api: Any
) -> None:
    v = page_viewer
    ct = find_file(api, CT)
    seg = find_file(api, "derived/ct/SEG_binary_organs.dcm")
    open_file(v, ct)
    v.page.wait_for_selector(f'[data-testid=overlay-item][data-object="{seg["index"]}"]')
    toggle_overlay(v, seg["index"])
    wait_overlay_drawn(v, f"seg:{seg['index']}:{ct['index']}:0", ct["index"])
    _assert_seg_drawn(v, ct["path"], seg["path"])
    # segments listed with their colours
    v.page.wait_for_selector("text=liver")

    v.page.keyboard.press("h")  # flip horizontally
    v.page.wait_for_function(
        "() => JSON.parse(document.querySelector('.viewport').dataset.view).flipH"
    )
    v.page.evaluate("() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")
    _assert_seg_drawn(v, ct["path"], seg["path"])

    v.page.keyboard.press("ArrowRight")  # the next slice of the series
    v.page.wait_for_function(
        f"() => document.querySelector('.viewport').dataset.file !== '{ct['index']}'"
    )
    nxt = int(v.page.get_attribute(".viewport", "data-file") or -1)
    wait_shown(v, nxt, 0)
    wait_overlay_drawn(v, f"seg:{seg['index']}:{nxt}:0", nxt)
    path = next(f["path"] for f in api.get("/api/files").json()["files"] if f["index"] == nxt)
    _assert_seg_drawn(v, path, seg["path"])

    # one segment switched off: the others stay, on their pixels
    v.page.click(f'[data-testid="segment-toggle-{seg["index"]}-1"]')
    wait_overlay_drawn(v, f"seg:{seg['index']}:{nxt}:0:-1", nxt)
    _assert_seg_drawn(v, path, seg["path"], hidden=(1,))

    # another colour chosen for segment 2: its pixels in that colour, then back again
    chosen = {2: (0, 255, 128)}
    v.page.fill(f'[data-testid="segment-color-{seg["index"]}-2"]', "#00ff80")
    wait_overlay_drawn(v, f"seg:{seg['index']}:{nxt}:0:-1:2:00ff80", nxt)
    _assert_seg_drawn(v, path, seg["path"], hidden=(1,), colors=chosen)
    v.page.keyboard.press("h")  # the chosen colour follows a flip like the rest
    v.page.evaluate("() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")
    _assert_seg_drawn(v, path, seg["path"], hidden=(1,), colors=chosen)
    v.page.click(f'[data-testid="segment-color-reset-{seg["index"]}-2"]')
    v.page.wait_for_selector(
        f'[data-testid="segment-color-reset-{seg["index"]}-2"]', state="detached"
    )
    wait_overlay_drawn(v, f"seg:{seg['index']}:{nxt}:0:-1", nxt, exact=True)
    _assert_seg_drawn(v, path, seg["path"], hidden=(1,))

    toggle_overlay(v, seg["index"])  # off: the overlay leaves the page, the image stays
    v.page.wait_for_selector("[data-testid=overlay-canvas]", state="detached")
    assert v.page.locator(".viewport canvas").count() == 1


def test_rtstruct_outline_is_drawn_where_the_sdk_places_it(page_viewer: Viewer, api: Any) -> None:
    v = page_viewer
    ct = find_file(api, CT)
    rts = find_file(api, "derived/ct/RTSTRUCT_organs.dcm")
    open_file(v, ct)
    toggle_overlay(v, rts["index"])
    v.page.wait_for_selector('path.contour[data-roi="LIVER"]', timeout=30_000)
    contours = read_structure_set(sdk.open(rts["path"])).contours_for(sdk.open(ct["path"]), 0)
    liver = next(c for c in contours if c.roi_name == "LIVER")
    d = v.page.get_attribute('path.contour[data-roi="LIVER"]', "d") or ""
    first = d.split()[0:2]
    sx, sy = float(first[0][1:]), float(first[1])
    # back to the image: the first vertex is the SDK's first point (row, column) at the pixel centre
    view = view_state(v)
    size = v.page.evaluate(
        "() => { const r = document.querySelector('.viewport').getBoundingClientRect(); "
        "return [r.height, r.width]; }"
    )
    image = sdk.open(ct["path"])
    px, py = screen_to_image(view, (image.rows, image.columns), tuple(size), sx, sy)
    row, column = liver.points[0]
    # Within a tenth of a pixel: the pane's size is whole pixels, its box may not be.
    assert math.isclose(px, column + 0.5, abs_tol=0.1)
    assert math.isclose(py, row + 0.5, abs_tol=0.1)
    assert v.page.locator("path.contour").count() >= 3


def test_dose_shows_a_legend_in_gray(page_viewer: Viewer, api: Any) -> None:
    v = page_viewer
    ct = find_file(api, CT)
    dose = find_file(api, "derived/ct/RTDOSE_plan.dcm")
    open_file(v, ct)
    toggle_overlay(v, dose["index"])
    legend = v.page.wait_for_selector(f'[data-testid="overlay-legend-{dose["index"]}"]')
    assert legend is not None
    text = legend.inner_text()
    assert "Gy" in text
    assert "60 Gy" in text
    wait_overlay_drawn(v, f"dose:{dose['index']}:{ct['index']}:0", ct["index"])
    assert overlay_canvas(v)[..., 3].max() > 0
    # the dose under the pointer, as the server computed it (3 significant digits)
    values = np.frombuffer(
        api.get(
            f"/api/file/{ct['index']}/frame/0/dose-overlay/values?dose={dose['index']}"
        ).content,
        "<f4",
    ).reshape(ct["rows"], ct["columns"])
    row, column = np.unravel_index(np.nanargmax(values), values.shape)
    view = view_state(v)
    box = v.page.evaluate(
        "() => { const r = document.querySelector('.viewport').getBoundingClientRect(); "
        "return [r.left, r.top, r.width, r.height]; }"
    )
    assert view["rotation"] == 0
    assert not view["flipH"]
    assert not view["flipV"]
    sx = box[2] / 2 + view["panX"] + view["zoom"] * (column + 0.5 - ct["columns"] / 2)
    sy = box[3] / 2 + view["panY"] + view["zoom"] * (row + 0.5 - ct["rows"] / 2)
    v.page.mouse.move(box[0] + sx, box[1] + sy)
    at = v.page.wait_for_selector(f'[data-testid="overlay-value-{dose["index"]}"]')
    assert at is not None
    want = f"{float(np.float32(values[row, column])):.3g}"
    v.page.wait_for_function(
        f"() => document.querySelector('[data-testid=\"overlay-value-{dose['index']}\"]')"
        f".textContent.includes('({row}, {column})')"
    )
    text = at.inner_text()
    assert f"{float(want)} Gy" in text or f"{want} Gy" in text, (text, want)


def test_broken_segs_give_a_message_and_the_image_still_shows(
    page_viewer: Viewer, api: Any
) -> None:
    v = page_viewer
    mr = find_file(api, "edge/utf8_patient_name.dcm")
    geometry = find_file(api, "derived_broken/SEG_wrong_geometry.dcm")
    encoding = find_file(api, "derived_broken/SEG_broken_encoding.dcm")
    open_file(v, mr)
    for broken, words in ((geometry, "does not fit this image"), (encoding, "cannot be decoded")):
        toggle_overlay(v, broken["index"])
        message = v.page.wait_for_selector(f'[data-testid="overlay-message-{broken["index"]}"]')
        assert message is not None
        assert words in message.inner_text()
    # the image is still drawn
    wait_shown(v, mr["index"], 0)
    shot = np.asarray(Image.open(io.BytesIO(v.page.locator(".viewport canvas").first.screenshot())))
    assert shot[..., :3].max() > 50

    missing = find_file(api, "derived_broken/SEG_missing_source.dcm")
    open_file(v, missing)
    self_message = v.page.wait_for_selector('[data-testid="overlay-self"] [role="alert"]')
    assert self_message is not None
    assert "not in the catalog" in self_message.inner_text()


def test_overlays_on_a_tomosynthesis_frame_and_in_two_panes(page_viewer: Viewer, api: Any) -> None:
    """A SEG on a DBT frame lines up at the first (reduced) level and at full resolution;
    in a 1×2 layout each pane draws its own image's SEG, and a flip in one pane moves
    only that pane's overlay."""
    v = page_viewer
    page = v.page
    dbt_seg = find_file(api, "derived/mg/SEG_binary_lesions_dbt.dcm")
    files = {f["index"]: f for f in api.get("/api/files").json()["files"]}
    dbt = next(files[i] for i in dbt_seg["refers_to"] if files[i]["frame_count"] > 1)
    image = sdk.open(dbt["path"])
    seg = read_segmentation(sdk.open(dbt_seg["path"]))
    # The frame with the most lesion on it: at fit zoom the lesions cover few screen pixels.
    frame = max(range(dbt["frame_count"]), key=lambda k: int(seg.mask(image, k).sum()))
    open_file(v, dbt)
    page.wait_for_selector(f'[data-testid=overlay-item][data-object="{dbt_seg["index"]}"]')
    for _ in range(frame):
        page.keyboard.press("ArrowRight")
    wait_shown(v, dbt["index"], frame, level=None)
    toggle_overlay(v, dbt_seg["index"])
    wait_overlay_drawn(v, f"seg:{dbt_seg['index']}:{dbt['index']}:{frame}", dbt["index"])
    # Whatever level is on screen: the overlay is placed on the image, not on its samples.
    _assert_seg_drawn(v, dbt["path"], dbt_seg["path"], frame=frame)
    wait_shown(v, dbt["index"], frame)
    _assert_seg_drawn(v, dbt["path"], dbt_seg["path"], frame=frame)

    ct = find_file(api, CT)
    ct_seg = find_file(api, "derived/ct/SEG_binary_organs.dcm")
    page.click('button[data-layout="1x2"]')
    page.locator(pane_selector(1)).click()
    open_file(v, ct)
    page.wait_for_selector(f'{pane_selector(1)}[data-shown="{ct["index"]}:0"][data-level="0"]')
    page.wait_for_selector(f'[data-testid=overlay-item][data-object="{ct_seg["index"]}"]')
    toggle_overlay(v, ct_seg["index"])
    wait_overlay_drawn(v, f"seg:{ct_seg['index']}:{ct['index']}:0", ct["index"])
    wait_overlay_drawn(v, f"seg:{dbt_seg['index']}:{dbt['index']}:{frame}", dbt["index"])
    _assert_seg_drawn(v, ct["path"], ct_seg["path"], pane=1)
    _assert_seg_drawn(v, dbt["path"], dbt_seg["path"], frame=frame, pane=0)

    page.locator(pane_selector(0)).click()
    page.keyboard.press("h")
    page.wait_for_function(
        "(sel) => JSON.parse(document.querySelector(sel).dataset.view).flipH", arg=pane_selector(0)
    )
    page.evaluate("() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")
    assert not json.loads(page.get_attribute(pane_selector(1), "data-view") or "{}")["flipH"]
    _assert_seg_drawn(v, dbt["path"], dbt_seg["path"], frame=frame, pane=0)
    _assert_seg_drawn(v, ct["path"], ct_seg["path"], pane=1)
