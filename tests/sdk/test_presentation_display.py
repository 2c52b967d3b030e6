"""PresentationState.display_settings: a GSPS's display for a viewer, against the SDK's own.

Each value is checked against the PresentationState method it stands for: the
window against :meth:`window` (and, carried over from the state's own rescale,
against :meth:`apply`'s pixels for every VOI function), ``invert`` against what
:meth:`apply` does, the shutter shapes rasterised at pixel centres against
:meth:`shutter_mask`, the area against :meth:`displayed_area`. The corpus's
display GSPS (tests/corpus/gsps.py) and GSPS built here with highdicom.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import highdicom as hd
import numpy as np
import pytest

import dcmview.sdk as sdk
from dcmview.sdk.image_layers import graphic_annotations
from dcmview.sdk.presentation import PresentationState, read_presentation_state
from dcmview.sdk.window import Window
from tests.corpus import gsps as corpus_gsps
from tests.sdk.test_presentation import COLUMNS, ROWS, _image, _read, _shutters, _state

DISPLAY = "derived/ct/GSPS_CT_display.dcm"
FINDINGS = "derived/mg/GSPS_L_CC_findings.dcm"


def rasterise(shapes: list[dict[str, Any]], rows: int, columns: int) -> np.ndarray:
    """Pixels whose centre ([x, y] = column + 0.5, row + 0.5) is inside every shape."""
    y, x = np.mgrid[0:rows, 0:columns] + 0.5
    shown = np.ones((rows, columns), bool)
    for s in shapes:
        if s["type"] == "rectangle":
            (x0, y0), (x1, y1) = s["top_left"], s["bottom_right"]
            shown &= (x > x0) & (x < x1) & (y > y0) & (y < y1)
        elif s["type"] == "circle":
            (cx, cy), r = s["center"], s["radius"]
            shown &= (x - cx) ** 2 + (y - cy) ** 2 <= r * r
        else:
            pts = np.asarray(s["points"]) - 0.5  # back to (column, row) pixel centres
            # inside or on the outline (Shutter.polygon): a Shutter of this polygon alone
            polygon = tuple((float(p[1]), float(p[0])) for p in pts)
            shown &= sdk.presentation.Shutter(polygon=polygon).mask(rows, columns)
    return shown


# -- the corpus's display GSPS ------------------------------------------------------------


@pytest.fixture(scope="module")
def catalog(corpus_ci: Path) -> sdk.Catalog:
    cat = sdk.scan(str(corpus_ci))
    cat.wait()
    return cat


def _index(catalog: sdk.Catalog, rel: str) -> int:
    return next(i for i in range(len(catalog)) if catalog.header(i).path.endswith(rel))


@pytest.fixture(scope="module")
def display_state(corpus_ci: Path, catalog: sdk.Catalog) -> PresentationState:
    return read_presentation_state(corpus_ci / DISPLAY, catalog)


def test_corpus_display_gsps_settings_are_its_methods(
    display_state: PresentationState, catalog: sdk.Catalog
):
    ref = display_state.references[0]
    assert ref.index is not None
    image = catalog[ref.index]
    got = display_state.display_settings(image)
    json.dumps(got)
    window = display_state.window(image)
    assert window is not None
    assert got["window"] == {
        "center": window.center,
        "width": window.width,
        "function": "LINEAR",
        "lut": False,
        "rescaled": False,
    }
    assert (got["window"]["center"], got["window"]["width"]) == corpus_gsps.WINDOW
    assert got["invert"] is display_state.inverted(image) is False
    assert (
        (got["rotation"], got["flip"])
        == (90, False)
        == (
            display_state.spatial.rotation,
            display_state.spatial.flip,
        )
    )
    area = display_state.displayed_area(image)
    (r0, c0), (r1, c1) = area.top_left, area.bottom_right
    assert got["displayed_area"]["top_left"] == [c0, r0] == [32, 32]  # 1-based 33\33
    assert got["displayed_area"]["bottom_right"] == [c1 + 1, r1 + 1] == [224, 224]
    shutter = got["shutter"]
    assert [s["type"] for s in shutter["shapes"]] == ["rectangle", "circle"]
    assert shutter["grey"] == 128
    assert shutter["fill"] == "#808080"
    assert shutter["bitmap"] is False
    mask = display_state.shutter_mask(image)
    np.testing.assert_array_equal(rasterise(shutter["shapes"], image.rows, image.columns), mask)
    assert 0 < mask.mean() < 1
    # what apply() paints behind the shutters is the fill
    assert (display_state.apply(image)[~mask] == 128).all()


def test_graphic_annotations_carry_presentation(
    catalog: sdk.Catalog, display_state: PresentationState
):
    ref = display_state.references[0]
    assert ref.index is not None
    state = _index(catalog, DISPLAY)
    body = graphic_annotations(catalog, ref.index, 0, state)
    assert body["presentation"] == display_state.display_settings(catalog[ref.index])
    assert [t["text"] for t in body["texts"]] == ["soft tissue"]
    # a slice it does not refer to: nothing to apply, the predecessor's empty shape
    other = _index(catalog, "series_002_AX_2.5mm/IM00020.dcm")
    empty = graphic_annotations(catalog, other, 0, state)
    assert empty["presentation"] is None
    assert empty["graphics"] == empty["texts"] == []
    # the mammogram's GSPS: its window, nothing else changed
    mg = _index(catalog, "L_CC_explicit_le.dcm")
    findings = graphic_annotations(catalog, mg, 0, _index(catalog, FINDINGS))["presentation"]
    assert findings["rotation"] == 0
    assert findings["shutter"] is None
    assert findings["window"]["lut"] is False


# -- built here --------------------------------------------------------------------------


@pytest.mark.parametrize("function", ["LINEAR", "LINEAR_EXACT", "SIGMOID"])
def test_window_carried_over_from_the_states_own_rescale(tmp_path: Path, function: str):
    image, image_path = _image(tmp_path)  # rescale 1, -1024
    voi = hd.pr.SoftcopyVOILUTTransformation(
        window_center=1500, window_width=900, voi_lut_function=function
    )
    pr = _state(
        image,
        voi_lut_transformations=[voi],
        modality_lut_transformation=hd.ModalityLUTTransformation(
            rescale_intercept=-300.0, rescale_slope=2.0, rescale_type="US"
        ),
    )
    state, inst = _read(tmp_path, pr, image_path)
    got = state.display_settings(inst)["window"]
    assert got["rescaled"] is True
    assert got["lut"] is False
    assert got["function"] == function
    # the carried-over window on the image's own HU draws what apply() draws
    ours = inst.frame(0).render(Window(got["center"], got["width"], function))
    np.testing.assert_allclose(ours, state.apply(inst), atol=1)
    assert np.abs(ours.astype(int) - state.apply(inst)).mean() < 0.01


def test_modality_lut_table_keeps_the_viewers_window(tmp_path: Path):
    image, image_path = _image(tmp_path)
    table = hd.ModalityLUT(
        lut_type="US", first_mapped_value=0, lut_data=np.arange(4096, dtype=np.uint16)
    )
    pr = _state(
        image,
        voi_lut_transformations=[hd.pr.SoftcopyVOILUTTransformation(1000, 2000)],
        modality_lut_transformation=hd.ModalityLUTTransformation(modality_lut=table),
    )
    state, inst = _read(tmp_path, pr, image_path)
    assert state.display_settings(inst)["window"]["lut"] is True


def test_voi_lut_table_is_reported(tmp_path: Path):
    image, image_path = _image(tmp_path)
    lut = np.arange(4095, -1, -1, dtype=np.uint16)
    voi = hd.pr.SoftcopyVOILUTTransformation(
        voi_luts=[hd.VOILUT(first_mapped_value=0, lut_data=lut)]
    )
    state, inst = _read(tmp_path, _state(image, voi_lut_transformations=[voi]), image_path)
    assert state.display_settings(inst)["window"]["lut"] is True


@pytest.mark.parametrize(
    ("photometric", "shape", "inverted"),
    [
        ("MONOCHROME2", "IDENTITY", False),
        ("MONOCHROME2", "INVERSE", True),
        ("MONOCHROME1", "IDENTITY", False),
        ("MONOCHROME1", "INVERSE", True),
        ("MONOCHROME1", None, True),  # no Presentation LUT: the image's own inversion
    ],
)
def test_invert_is_what_apply_does(
    tmp_path: Path, photometric: str, shape: str | None, inverted: bool
):
    image, image_path = _image(tmp_path, photometric=photometric)
    voi = hd.pr.SoftcopyVOILUTTransformation(window_center=0, window_width=2000)
    pr = _state(image, voi_lut_transformations=[voi])
    if shape is None:
        del pr.PresentationLUTShape
    else:
        pr.PresentationLUTShape = shape
    state, inst = _read(tmp_path, pr, image_path)
    assert state.display_settings(inst)["invert"] is inverted
    values = inst.frame(0).array() * 1.0 - 1024
    plain = Window(0, 2000).apply(values)
    np.testing.assert_array_equal(state.apply(inst), 255 - plain if inverted else plain)


def test_flip_polygon_and_colour_less_grey(tmp_path: Path):
    image, image_path = _image(tmp_path)
    pr = _state(image)
    pr.ImageRotation, pr.ImageHorizontalFlip = 270, "Y"
    _shutters(
        pr,
        ShutterShape="POLYGONAL",
        VerticesOfThePolygonalShutter=[2, 3, 2, 50, 35, 30],
        ShutterPresentationValue=65535,
    )
    state, inst = _read(tmp_path, pr, image_path)
    got = state.display_settings(inst)
    assert (got["rotation"], got["flip"]) == (270, True)
    assert got["window"] is None  # none given: the viewer keeps its own
    assert got["displayed_area"]["bottom_right"] == [COLUMNS, ROWS]
    assert got["shutter"]["fill"] == "#ffffff"
    np.testing.assert_array_equal(
        rasterise(got["shutter"]["shapes"], ROWS, COLUMNS), state.shutter_mask(inst)
    )
