"""The viewer's tools end to end: ROI list and undo, length, scale bar, orientation, area filter.

Chromium against a real ``dcmview`` at two window sizes (1400×900 and 1000×700): on the
ci corpus (mammograms with Pixel Spacing, Patient Orientation and laterality) and on a
few files built here with pydicom (a detector-only spacing, no spacing at all, and a
3328×2560 zone plate whose fine rings alias when drawn nearest-neighbour).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import httpx
import numpy as np
import pytest
from pydicom.uid import generate_uid

from tests.dicom_factory import make_dataset, write
from tests.e2e.helpers import (
    Server,
    Viewer,
    area_reference,
    assert_matches_server,
    find_file,
    open_file,
    open_viewer,
    server_png,
    start_server,
    view_state,
    viewport_pixels,
    wait_shown,
)

if TYPE_CHECKING:
    from playwright.sync_api import Browser, ViewportSize

pytestmark = [pytest.mark.e2e]

SIZES: list[ViewportSize] = [{"width": 1400, "height": 900}, {"width": 1000, "height": 700}]
SIZE_IDS = ["1400x900", "1000x700"]


@pytest.fixture(params=SIZES, ids=SIZE_IDS)
def sized(request: pytest.FixtureRequest, browser: Browser, server: Server) -> Iterator[Viewer]:
    """The viewer on the ci corpus in a window of each size."""
    v = open_viewer(browser, server.url, size=request.param)
    yield v
    v.page.context.close()
    assert v.errors == [], f"the page logged errors: {v.errors}"


# ---------------------------------------------------------------- files built here


def _zone_plate(rows: int, columns: int) -> np.ndarray:
    """Rings whose frequency grows from the centre to about half a cycle per pixel."""
    y, x = np.mgrid[0:rows, 0:columns].astype(float)
    r2 = (x - columns / 2) ** 2 + (y - rows / 2) ** 2
    scale = 2 * (rows**2 + columns**2) ** 0.5
    return np.round(2048 + 1900 * np.cos(np.pi * r2 / scale)).astype(np.uint16)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A server on three files: detector spacing only, no spacing, a large zone plate."""
    root = tmp_path_factory.mktemp("tools")

    def save(name: str, **attrs: Any) -> None:
        arr = attrs.pop("arr")
        seed = len(list(root.iterdir()))  # a SOP Instance UID of its own
        ds = make_dataset(
            arr=arr,
            rows=arr.shape[0],
            columns=arr.shape[1],
            bits_allocated=16,
            bits_stored=12,
            window=(2048, 4096),
            seed=seed,
        )
        ds.SeriesInstanceUID = generate_uid()
        ds.SeriesDescription = name
        for k, val in attrs.items():
            setattr(ds, k, val)
        write(ds, root / f"{name}.dcm")

    ramp = (np.add.outer(np.arange(300), np.arange(400)) * 5).astype(np.uint16)
    save(
        "detector",
        arr=ramp,
        ImagerPixelSpacing=["0.1", "0.1"],
        PatientOrientation=["P", "L"],
        ImageLaterality="R",
    )
    save("nospacing", arr=ramp)
    save("zoneplate", arr=_zone_plate(3328, 2560))
    srv = start_server([root])
    yield srv
    srv.stop()


@pytest.fixture
def built_viewer(browser: Browser, built: Server) -> Iterator[Viewer]:
    v = open_viewer(browser, built.url, size=SIZES[0])
    yield v
    v.page.context.close()
    assert v.errors == [], f"the page logged errors: {v.errors}"


# ---------------------------------------------------------------- helpers


def image_to_page(v: Viewer, shape: tuple[int, int], x: float, y: float) -> tuple[float, float]:
    """Page coordinates of image point (x, y) (column, row), unrotated view."""
    view = view_state(v)
    box = v.page.locator(".viewport").bounding_box()
    assert box is not None
    h, w = shape
    sx = (x - w / 2) * view["zoom"] + box["width"] / 2 + view["panX"]
    sy = (y - h / 2) * view["zoom"] + box["height"] / 2 + view["panY"]
    return box["x"] + sx, box["y"] + sy


def drag(v: Viewer, a: tuple[float, float], b: tuple[float, float]) -> None:
    v.page.mouse.move(*a)
    v.page.mouse.down()
    v.page.mouse.move((a[0] + b[0]) / 2, (a[1] + b[1]) / 2)
    v.page.mouse.move(*b)
    v.page.mouse.up()


def is_put(r: Any) -> bool:
    return bool(r.request.method == "PUT" and "/annotations" in r.url)


def boxes(api: httpx.Client, index: int) -> list[list[int]]:
    return list(api.get(f"/api/file/{index}/annotations").json()["roi_coords"])


def assert_inside_window(v: Viewer, selector: str) -> None:
    size = v.page.viewport_size
    assert size is not None
    for el in v.page.locator(selector).all():
        b = el.bounding_box()
        assert b is not None, selector
        assert b["x"] >= 0, (selector, b)
        assert b["y"] >= 0, (selector, b)
        assert b["x"] + b["width"] <= size["width"] + 0.5, (selector, b, size)
        assert b["y"] + b["height"] <= size["height"] + 0.5, (selector, b, size)


def marker_texts(v: Viewer) -> dict[str, str]:
    return {
        side: v.page.locator(f'[data-testid="orient-{side}"]').inner_text()
        for side in ("top", "right", "bottom", "left")
    }


# ---------------------------------------------------------------- ROI list and undo


@pytest.mark.corpus
def test_roi_list_and_undo_keep_the_server_in_step(sized: Viewer, api: httpx.Client) -> None:
    name = (
        "L_CC_htj2k_lossless.dcm" if sized.page.viewport_size == SIZES[0] else "L_CC_deflated.dcm"
    )
    f = find_file(api, name)
    assert boxes(api, f["index"]) == []
    open_file(sized, f)
    page = sized.page
    shape = (f["rows"], f["columns"])
    rows = page.locator(".roi-list li")
    page.keyboard.press("r")
    with page.expect_response(is_put):
        drag(sized, image_to_page(sized, shape, 200, 300), image_to_page(sized, shape, 400, 600))
    drawn = boxes(api, f["index"])
    assert len(drawn) == 1
    ymin, xmin, ymax, xmax = drawn[0]
    # The list shows the saved box: corners in image pixels, all frames (single-frame file).
    assert rows.count() == 1
    assert page.locator('[data-testid="roi-coords"]').inner_text() == (
        f"x {xmin}–{xmax} · y {ymin}–{ymax}"
    )
    assert page.locator('[data-testid="roi-frames"]').inner_text() == "all frames"
    # Its size in mm: the file's Pixel Spacing is 0.2 mm.
    mm = f"{(xmax - xmin) * 0.2:.1f}×{(ymax - ymin) * 0.2:.1f} mm"
    assert page.locator('[data-testid="roi-size"]').inner_text() == mm
    assert_inside_window(sized, ".roi-list, .roi-list button")

    # Move it, then undo and redo the move: each is saved.
    zoom = view_state(sized)["zoom"]
    c = image_to_page(sized, shape, 300, 450)
    with page.expect_response(is_put):
        drag(sized, c, (c[0] + 40 * zoom, c[1] + 20 * zoom))
    moved = boxes(api, f["index"])[0]
    assert moved != drawn[0]
    assert moved[3] - moved[1] == xmax - xmin
    with page.expect_response(is_put):
        page.keyboard.press("Control+z")
    assert boxes(api, f["index"]) == drawn
    with page.expect_response(is_put):
        page.keyboard.press("Control+Shift+z")
    assert boxes(api, f["index"]) == [moved]

    # Resize with the bottom-right handle; undo it with the list's button.
    page.mouse.click(*image_to_page(sized, shape, moved[1] + 5, moved[0] + 5))
    corner = image_to_page(sized, shape, moved[3], moved[2])
    with page.expect_response(is_put):
        drag(sized, corner, (corner[0] + 30 * zoom, corner[1] + 30 * zoom))
    resized = boxes(api, f["index"])[0]
    assert resized[:2] == moved[:2]
    assert resized[2] > moved[2]
    assert resized[3] > moved[3]
    with page.expect_response(is_put):
        page.get_by_role("button", name="↶ Undo").click()
    assert boxes(api, f["index"]) == [moved]

    # Delete from the list; undo brings it back (Ctrl+Y redoes the delete).
    with page.expect_response(is_put):
        page.get_by_role("button", name="Delete ROI 1").click()
    assert boxes(api, f["index"]) == []
    assert rows.count() == 0
    with page.expect_response(is_put):
        page.keyboard.press("Control+z")
    assert boxes(api, f["index"]) == [moved]
    assert rows.count() == 1
    with page.expect_response(is_put):
        page.keyboard.press("Control+y")
    assert boxes(api, f["index"]) == []


@pytest.mark.corpus
def test_a_list_row_goes_to_the_frame_of_its_box(sized: Viewer, api: httpx.Client) -> None:
    f = find_file(api, "DBT_L_CC_12f_rle_lossless.dcm")
    open_file(sized, f)
    page = sized.page
    for _ in range(3):
        page.keyboard.press("ArrowRight")
    wait_shown(sized, f["index"], 3, level=None)
    page.keyboard.press("r")
    shape = (f["rows"], f["columns"])
    before = len(boxes(api, f["index"]))
    with page.expect_response(is_put):
        drag(sized, image_to_page(sized, shape, 50, 60), image_to_page(sized, shape, 150, 160))
    k = before  # the new box is the last
    row = page.locator(f'.roi-list li[data-roi-row="{k}"]')
    assert row.locator('[data-testid="roi-frames"]').inner_text() == "frame 4"
    page.keyboard.press("Home")
    wait_shown(sized, f["index"], 0, level=None)
    # On frame 0 the row is dimmed (its box is elsewhere); a click goes to frame 3.
    assert "elsewhere" in (row.get_attribute("class") or "")
    row.locator("button.pick").click()
    wait_shown(sized, f["index"], 3, level=None)
    assert "selected" in (row.get_attribute("class") or "")
    with page.expect_response(is_put):
        page.get_by_role("button", name=f"Delete ROI {k + 1}").click()
    assert len(boxes(api, f["index"])) == before


# ---------------------------------------------------------------- length, scale bar, markers


def _number(text: str) -> float:
    m = re.match(r"([\d.]+) ", text)
    assert m, text
    return float(m.group(1))


@pytest.mark.corpus
def test_length_scale_bar_and_markers_of_a_mammogram(sized: Viewer, api: httpx.Client) -> None:
    f = find_file(api, "L_CC_implicit_le.dcm")
    info = api.get(f"/api/file/{f['index']}/info").json()
    assert info["pixel_spacing"] == [0.2, 0.2]
    assert info["patient_orientation"] == ["A", "R"]
    assert info["laterality"] == "L"
    open_file(sized, f)
    page = sized.page
    shape = (f["rows"], f["columns"])
    page.keyboard.press("m")
    assert page.locator('button[data-tool="length"]').get_attribute("aria-checked") == "true"
    a, b = (100.0, 200.0), (400.0, 600.0)
    drag(sized, image_to_page(sized, shape, *a), image_to_page(sized, shape, *b))
    label = page.locator('[data-testid="length-label"]')
    assert label.count() == 1
    text = label.text_content() or ""
    assert text.endswith(" mm")
    assert "detector" not in text
    # 300 × 400 pixels of 0.2 mm: 100 mm, within the screen's rounding of the end points.
    zoom = view_state(sized)["zoom"]
    assert _number(text) == pytest.approx(100, abs=2 * 0.2 / zoom + 0.5)

    # The scale bar is a round number of mm whose length matches the zoom.
    bar = page.locator('[data-testid="scale-bar"]')
    value, px = (
        float(bar.get_attribute("data-value") or 0),
        float(bar.get_attribute("data-px") or 0),
    )
    assert bar.get_attribute("data-unit") == "mm"
    assert value in {1, 2, 5, 10, 20, 50, 100}
    assert px == pytest.approx(value / 0.2 * zoom, rel=0.01)
    page.locator(".viewport").hover()
    page.keyboard.down("Control")
    page.mouse.wheel(0, -300)
    page.keyboard.up("Control")
    page.wait_for_function(
        f"() => JSON.parse(document.querySelector('.viewport').dataset.view).zoom > {zoom * 1.5}"
    )
    zoom2 = view_state(sized)["zoom"]
    value2 = float(bar.get_attribute("data-value") or 0)
    px2 = float(bar.get_attribute("data-px") or 0)
    assert px2 == pytest.approx(value2 / 0.2 * zoom2, rel=0.01)
    assert value2 < value or px2 > px

    # Patient Orientation A\\R: rows run anterior, columns to the right; laterality L.
    assert marker_texts(sized) == {"top": "L", "right": "A", "bottom": "R", "left": "P"}
    assert page.locator('[data-testid="laterality"]').inner_text() == "L"
    page.keyboard.press("h")
    assert marker_texts(sized) == {"top": "L", "right": "P", "bottom": "R", "left": "A"}
    page.keyboard.press("e")
    assert marker_texts(sized) == {"top": "A", "right": "L", "bottom": "P", "left": "R"}
    assert_inside_window(sized, '[data-testid^="orient-"], [data-testid="scale-bar"]')

    # Lines stay with the frame and tab; Clear lengths removes them.
    page.get_by_role("button", name="Clear lengths").click()
    assert label.count() == 0


def test_detector_spacing_and_no_spacing_say_so(built_viewer: Viewer, built: Server) -> None:
    page = built_viewer.page
    with built.client() as api:
        det = find_file(api, "detector.dcm")
        plain = find_file(api, "nospacing.dcm")
        assert api.get(f"/api/file/{det['index']}/info").json()["imager_pixel_spacing"] == [
            0.1,
            0.1,
        ]
        open_file(built_viewer, det)
        page.keyboard.press("m")
        shape = (det["rows"], det["columns"])
        drag(
            built_viewer,
            image_to_page(built_viewer, shape, 50, 100),
            image_to_page(built_viewer, shape, 350, 100),
        )
        text = page.locator('[data-testid="length-label"]').text_content() or ""
        assert text.endswith(" mm (detector)")
        zoom = view_state(built_viewer)["zoom"]
        assert _number(text) == pytest.approx(30, abs=2 * 0.1 / zoom + 0.1)
        assert "(detector)" in page.locator('[data-testid="scale-bar"]').inner_text()
        # Patient Orientation P\\L of a right breast; laterality R.
        assert marker_texts(built_viewer) == {"top": "R", "right": "P", "bottom": "L", "left": "A"}
        assert page.locator('[data-testid="laterality"]').inner_text() == "R"

        open_file(built_viewer, plain)
        shape = (plain["rows"], plain["columns"])
        drag(
            built_viewer,
            image_to_page(built_viewer, shape, 10, 10),
            image_to_page(built_viewer, shape, 40, 50),
        )
        text = page.locator('[data-testid="length-label"]').text_content() or ""
        assert text.endswith(" px")
        assert _number(text) == pytest.approx(50, abs=2 / view_state(built_viewer)["zoom"] + 0.1)
        assert page.locator('[data-testid="scale-bar"]').get_attribute("data-unit") == "px"
        # No orientation of any kind: no markers, no laterality.
        assert page.locator('[data-testid^="orient-"]').count() == 0
        assert page.locator('[data-testid="laterality"]').count() == 0


# ---------------------------------------------------------------- area filter


def _detail(img: np.ndarray) -> float:
    """Fine-detail energy: the mean square of a discrete Laplacian of the grey levels."""
    g = img[..., 0].astype(float)
    lap = 4 * g[1:-1, 1:-1] - g[:-2, 1:-1] - g[2:, 1:-1] - g[1:-1, :-2] - g[1:-1, 2:]
    return float((lap**2).mean())


def test_a_fitted_zone_plate_is_area_filtered_and_1_to_1_is_exact(
    built_viewer: Viewer, built: Server
) -> None:
    with built.client() as api:
        f = find_file(api, "zoneplate.dcm")
        assert (f["rows"], f["columns"]) == (3328, 2560)
        open_file(built_viewer, f)
        page = built_viewer.page
        assert page.get_attribute(".viewport", "data-renderer") == "webgl2"
        assert page.get_attribute(".viewport", "data-filter") == "area"
        view = view_state(built_viewer)
        assert view["zoom"] < 0.3
        want = server_png(api, f["index"], 0)
        shot = viewport_pixels(built_viewer).astype(float)
        vh, vw = shot.shape[:2]
        ref, inside = area_reference(want, view, (vh, vw))
        # Nearest-neighbour: the image pixel under each screen pixel's centre.
        ys, xs = np.mgrid[0:vh, 0:vw]
        h, w = want.shape[:2]
        px = np.clip(
            ((xs + 0.5 - vw / 2 - view["panX"]) / view["zoom"] + w / 2).astype(int), 0, w - 1
        )
        py = np.clip(
            ((ys + 0.5 - vh / 2 - view["panY"]) / view["zoom"] + h / 2).astype(int), 0, h - 1
        )
        nearest = want[py, px].astype(float)
        # The image well inside the viewport, away from the overlay text.
        rows = np.flatnonzero(inside.any(axis=1))
        cols = np.flatnonzero(inside.any(axis=0))
        r0, r1 = rows[0] + 40, rows[-1] - 40
        c0, c1 = cols[0] + 40, cols[-1] - 40
        crop = (slice(r0, r1), slice(c0, c1))
        assert inside[crop].all()
        on_screen = np.abs(shot[crop] - ref[crop]).mean()
        aliased = np.abs(nearest[crop] - ref[crop]).mean()
        assert on_screen < 1.0, f"screen vs area-filtered server PNG: mean |diff| {on_screen:.2f}"
        assert aliased > 20 * max(on_screen, 0.5), (
            f"nearest-neighbour would differ by {aliased:.1f}"
        )
        # The aliasing is gone: the fine-detail energy is that of the area-filtered image,
        # where nearest-neighbour sampling has several times more.
        assert _detail(shot[crop]) < 1.2 * _detail(ref[crop])
        assert _detail(nearest[crop]) > 2 * _detail(ref[crop])
        # The helper agrees (and checks every pixel, not only the mean).
        assert_matches_server(built_viewer, api, f["index"], 0)

        # Zoom in past 1:1: nearest-neighbour again, equal to the server's pixels.
        page.locator(".viewport").hover()
        page.keyboard.down("Control")
        for _ in range(3):
            page.mouse.wheel(0, -300)
        page.keyboard.up("Control")
        page.wait_for_function(
            "() => JSON.parse(document.querySelector('.viewport').dataset.view).zoom >= 1"
        )
        page.wait_for_selector('.viewport[data-filter="nearest"]')
        page.evaluate(
            "() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))"
        )
        assert_matches_server(built_viewer, api, f["index"], 0)


def test_the_help_lists_the_new_keys(sized: Viewer) -> None:
    page = sized.page
    page.wait_for_selector('.viewport[data-shown$=":0"]', timeout=30_000)
    page.keyboard.press("?")
    dialog = page.get_by_role("dialog", name="Keyboard shortcuts")
    dialog.wait_for()
    text = dialog.text_content() or ""
    for needle in ("Ctrl/Cmd + Z", "Ctrl + Y", "ROI list", "length tool"):
        assert needle in text
    page.keyboard.press("Escape")
    # B hides and shows the ROI list.
    assert page.locator(".roi-list").count() == 1
    page.keyboard.press("b")
    assert page.locator(".roi-list").count() == 0
    page.keyboard.press("b")
    assert page.locator(".roi-list").count() == 1


@pytest.mark.corpus
def test_markers_of_an_axial_ct_come_from_its_orientation(sized: Viewer, api: httpx.Client) -> None:
    f = find_file(api, "series_002_AX_2.5mm/IM00001.dcm")
    info = api.get(f"/api/file/{f['index']}/info").json()
    assert info["image_orientation_patient"] == [1, 0, 0, 0, 1, 0]
    assert info["laterality"] is None
    open_file(sized, f)
    page = sized.page
    # The usual axial display: the patient's left on the right of the screen.
    assert marker_texts(sized) == {"top": "A", "right": "L", "bottom": "P", "left": "R"}
    assert page.locator('[data-testid="laterality"]').count() == 0
    page.keyboard.press("q")  # rotate left: the image's right (L) comes to the top
    assert marker_texts(sized) == {"top": "L", "right": "P", "bottom": "R", "left": "A"}
    page.keyboard.press("v")  # flip as seen on screen: top and bottom swap
    assert marker_texts(sized) == {"top": "R", "right": "P", "bottom": "L", "left": "A"}
    assert page.locator('[data-testid="scale-bar"]').get_attribute("data-unit") == "mm"
