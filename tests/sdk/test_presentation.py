"""sdk.presentation: GSPS annotations, VOI, spatial transformation, shutters and apply().

The corpus's GSPS (a box around the mammogram's mass, drawn with highdicom) is
checked against the mass box of annotations.csv and its window against the one
it was written with; GSPS built here with highdicom (and pydicom where
highdicom has no argument: rotation, shutters) cover every graphic type, text,
DISPLAY units, each shutter shape, a VOI LUT and broken objects.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import highdicom as hd
import numpy as np
import pydicom
import pydicom.examples
import pytest
from pydicom.dataset import Dataset

import dcmview.sdk as sdk
from dcmview.sdk import display
from dcmview.sdk.presentation import (
    PresentationState,
    SpatialTransform,
    polygon_mask,
    read_presentation_state,
)
from dcmview.sdk.window import Window
from tests.corpus import manifest

GSPS_PATH = "derived/mg/GSPS_L_CC_findings.dcm"
ROWS, COLUMNS = 40, 60


# -- the corpus GSPS --------------------------------------------------------------------


@pytest.fixture(scope="module")
def catalog(corpus_ci: Path) -> sdk.Catalog:
    cat = sdk.scan(str(corpus_ci))
    cat.wait()
    return cat


@pytest.fixture(scope="module")
def corpus_state(corpus_ci: Path, catalog: sdk.Catalog) -> PresentationState:
    return read_presentation_state(corpus_ci / GSPS_PATH, catalog)


def _row() -> dict[str, str]:
    return next(r for r in manifest("ci") if r["path"] == GSPS_PATH)


def test_corpus_box_lands_on_the_mass_box(
    corpus_ci: Path, catalog: sdk.Catalog, corpus_state: PresentationState
):
    row = _row()
    rois = sdk.RoiSet.from_embed_csv(corpus_ci / "annotations.csv")
    image = corpus_ci / row["derived_from"]
    boxes = [r.box for r in rois.for_instance(str(image))]
    assert corpus_state.missing_sources() == []
    ref = corpus_state.references[0]
    assert ref.index is not None
    notes = corpus_state.annotations(ref.sop_instance_uid)
    polyline = next(g for g in notes.graphics if g.type == "POLYLINE")
    y0, x0, y1, x1 = polyline.bounds()
    # The outline runs along the outer pixel edges: the pixels inside it are the box.
    mass = (round(y0 + 0.5), round(x0 + 0.5), round(y1 - 0.5), round(x1 - 0.5))
    assert mass in boxes
    source = catalog[ref.index]
    shape = (source.rows, source.columns)
    inside = polygon_mask(polyline.points, *shape)
    expected = np.zeros(shape, dtype=bool)
    expected[mass[0] : mass[2] + 1, mass[1] : mass[3] + 1] = True
    np.testing.assert_array_equal(inside, expected)
    # the ellipse encloses the calcifications box the same way
    ellipse = next(g for g in notes.graphics if g.type == "ELLIPSE")
    ey0, ex0, ey1, ex1 = ellipse.bounds()
    calc = (round(ey0 + 0.5), round(ex0 + 0.5), round(ey1 - 0.5), round(ex1 - 0.5))
    assert calc in boxes
    assert [t.text for t in notes.texts] == json.loads(row["content"])["texts"]
    assert notes.texts[0].anchor == (mass[0] - 0.5, mass[1] - 0.5)
    assert [x.name for x in notes.layers] == ["FINDINGS"]


def test_corpus_window_and_apply(corpus_state: PresentationState, catalog: sdk.Catalog):
    center, width = json.loads(_row()["content"])["window"]
    ref = corpus_state.references[0]
    assert corpus_state.window(ref.sop_instance_uid) == Window(center, width)
    image = catalog[ref.index]  # type: ignore[index]
    rendered = corpus_state.apply(image)
    assert rendered.dtype == np.uint8
    # a MONOCHROME2 image, IDENTITY, no shutter: Frame.render with the state's window
    np.testing.assert_array_equal(rendered, image.frame(0).render(Window(center, width)))
    summary = corpus_state.to_json(image)
    json.dumps(summary)
    assert summary["image"]["window"]["width"] == width
    assert summary["presentation_lut_shape"] == "IDENTITY"


# -- GSPS built here --------------------------------------------------------------------


def _image(tmp_path: Path, *, photometric: str = "MONOCHROME2") -> tuple[Dataset, Path]:
    """A small non-square CT-like image (rescale -1024) with a gradient."""
    ds = copy.deepcopy(pydicom.examples.ct)
    ds.SOPInstanceUID = hd.UID()
    ds.Rows, ds.Columns = ROWS, COLUMNS
    values = (np.arange(ROWS * COLUMNS, dtype=np.int16).reshape(ROWS, COLUMNS) % 2000) + 100
    ds.PixelData = values.tobytes()
    ds.PhotometricInterpretation = photometric
    for keyword in ("WindowCenter", "WindowWidth"):
        if keyword in ds:
            del ds[keyword]
    path = tmp_path / "image.dcm"
    ds.save_as(path, enforce_file_format=True)
    return ds, path


def _equipment() -> dict[str, Any]:
    return {
        "series_instance_uid": hd.UID(),
        "series_number": 100,
        "sop_instance_uid": hd.UID(),
        "instance_number": 1,
        "manufacturer": "tests",
        "manufacturer_model_name": "test_presentation",
        "software_versions": "1",
        "device_serial_number": "1",
    }


def _state(image: Dataset, **kwargs: Any) -> hd.pr.GrayscaleSoftcopyPresentationState:
    return hd.pr.GrayscaleSoftcopyPresentationState(
        referenced_images=[image], content_label="TEST", **_equipment(), **kwargs
    )


def _read(tmp_path: Path, pr: Dataset, image_path: Path) -> tuple[PresentationState, Any]:
    path = tmp_path / "gsps.dcm"
    pr.save_as(path, enforce_file_format=True)
    return read_presentation_state(path), sdk.open(image_path)


def test_every_graphic_type_text_and_layers(tmp_path: Path):
    image, image_path = _image(tmp_path)
    red = hd.color.CIELabColor.from_string("red")
    layers = [
        hd.pr.GraphicLayer("TOP", order=2, display_color=red),
        hd.pr.GraphicLayer("BOTTOM", order=1, description="under"),
    ]
    f32 = np.float32
    objects = [
        hd.pr.GraphicObject("POINT", np.array([[10.5, 5.5]], f32), "PIXEL"),
        hd.pr.GraphicObject("POLYLINE", np.array([[0, 0], [4, 0], [4, 2]], f32), "PIXEL"),
        hd.pr.GraphicObject(
            "INTERPOLATED", np.array([[1, 1], [2, 3], [5, 2], [1, 1]], f32), "PIXEL", is_filled=True
        ),
        hd.pr.GraphicObject("CIRCLE", np.array([[20.5, 10.5], [23.5, 10.5]], f32), "PIXEL"),
        hd.pr.GraphicObject(
            "ELLIPSE",
            np.array([[30.5, 20.5], [40.5, 20.5], [35.5, 18.5], [35.5, 22.5]], f32),
            "PIXEL",
            is_filled=True,
        ),
    ]
    texts = [
        hd.pr.TextObject(
            "boxed", "PIXEL", bounding_box=(2.0, 3.0, 12.0, 8.0), text_justification="RIGHT"
        ),
        hd.pr.TextObject("anchored", "PIXEL", anchor_point=(7.5, 9.5), anchor_point_visible=False),
    ]
    annotations = [
        hd.pr.GraphicAnnotation([image], layers[0], graphic_objects=objects, text_objects=texts),
        hd.pr.GraphicAnnotation(
            [image],
            layers[1],
            graphic_objects=[hd.pr.GraphicObject("POINT", np.array([[0.5, 0.5]], f32), "PIXEL")],
        ),
    ]
    pr = _state(image, graphic_annotations=annotations, graphic_layers=layers)
    state, inst = _read(tmp_path, pr, image_path)
    notes = state.annotations(inst)
    assert [x.name for x in notes.layers] == ["BOTTOM", "TOP"]  # draw order
    assert notes.layers[1].color == (255, 0, 0)
    assert notes.layers[0].color is None
    assert notes.layers[0].description == "under"
    got = {(g.type, g.layer): g for g in notes.graphics}
    assert got["POINT", "TOP"].points == ((5.0, 10.0),)
    assert got["POINT", "BOTTOM"].points == ((0.0, 0.0),)
    assert got["POLYLINE", "TOP"].points == ((-0.5, -0.5), (-0.5, 3.5), (1.5, 3.5))
    assert got["INTERPOLATED", "TOP"].filled
    assert got["CIRCLE", "TOP"].points == ((10.0, 20.0), (10.0, 23.0))
    assert got["CIRCLE", "TOP"].bounds() == (7.0, 17.0, 13.0, 23.0)
    ellipse = got["ELLIPSE", "TOP"]
    assert ellipse.filled
    assert ellipse.bounds() == (18.0, 30.0, 22.0, 40.0)
    boxed, anchored = notes.texts
    assert boxed.box == ((2.5, 1.5), (7.5, 11.5))
    assert boxed.anchor is None
    assert boxed.justification == "RIGHT"
    assert anchored.anchor == (9.0, 7.0)
    assert anchored.box is None
    assert not anchored.anchor_visible
    json.dumps(state.to_json(inst))


def test_display_units_follow_displayed_area_rotation_and_flip(tmp_path: Path):
    image, image_path = _image(tmp_path)
    objects = [
        hd.pr.GraphicObject(
            "POLYLINE", np.array([[0, 0], [1, 0], [1, 1], [0, 1]], np.float32), "DISPLAY"
        )
    ]
    texts = [hd.pr.TextObject("centre", "DISPLAY", anchor_point=(0.5, 0.5))]
    layer = hd.pr.GraphicLayer("L", order=1)
    annotation = hd.pr.GraphicAnnotation(
        [image], layer, graphic_objects=objects, text_objects=texts
    )
    pr = _state(image, graphic_annotations=[annotation], graphic_layers=[layer])
    # the displayed area: columns 11..50, rows 6..25 (1-based, inclusive)
    area = pr.DisplayedAreaSelectionSequence[0]
    area.DisplayedAreaTopLeftHandCorner = [11, 6]
    area.DisplayedAreaBottomRightHandCorner = [50, 25]
    corners_of_area = {(4.5, 9.5), (4.5, 49.5), (24.5, 49.5), (24.5, 9.5)}
    for rotation in (0, 90, 180, 270):
        for flip in ("N", "Y"):
            pr.ImageRotation = rotation
            pr.ImageHorizontalFlip = flip
            state, inst = _read(tmp_path, pr, image_path)
            assert state.spatial == SpatialTransform(rotation, flip == "Y")
            outline = state.annotations(inst).graphics[0].points
            # whatever the rotation and flip, the displayed area's corners ...
            assert {(round(r, 6), round(c, 6)) for r, c in outline} == corners_of_area
            # ... and the first point is the one shown top-left
            t = state.spatial
            shown = t.to_display([outline[0]], ROWS, COLUMNS)[0]
            others = t.to_display(outline, ROWS, COLUMNS)
            assert shown[0] == others[:, 0].min()
            assert shown[1] == others[:, 1].min()
            assert state.annotations(inst).texts[0].anchor == (14.5, 29.5)


def test_spatial_transform_matches_numpy(tmp_path: Path):
    image = np.arange(ROWS * COLUMNS).reshape(ROWS, COLUMNS)
    for rotation in (0, 90, 180, 270):
        for flip in (False, True):
            t = SpatialTransform(rotation, flip)
            out = t.apply(image)
            assert out.shape == t.shape(ROWS, COLUMNS)
            # every pixel lands where to_display says, and back
            rc = np.array([[3, 7], [0, 0], [ROWS - 1, COLUMNS - 1]])
            shown = t.to_display(rc, ROWS, COLUMNS).astype(int)
            for (r, c), (sr, sc) in zip(rc, shown, strict=True):
                assert out[sr, sc] == image[r, c]
            np.testing.assert_allclose(t.from_display(shown, ROWS, COLUMNS), rc)


def test_apply_rotates_and_flips_on_request(tmp_path: Path):
    image, image_path = _image(tmp_path)
    pr = _state(image)
    pr.ImageRotation = 90
    pr.ImageHorizontalFlip = "Y"
    state, inst = _read(tmp_path, pr, image_path)
    plain = state.apply(inst)
    assert plain.shape == (ROWS, COLUMNS)
    turned = state.apply(inst, spatial=True)
    np.testing.assert_array_equal(turned, np.rot90(plain, -1)[:, ::-1])


def _shutters(pr: Dataset, **attrs: Any) -> None:
    for keyword, value in attrs.items():
        setattr(pr, keyword, value)


def test_rectangular_shutter(tmp_path: Path):
    image, image_path = _image(tmp_path)
    pr = _state(image)
    _shutters(
        pr,
        ShutterShape="RECTANGULAR",
        ShutterLeftVerticalEdge=5,
        ShutterRightVerticalEdge=20,
        ShutterUpperHorizontalEdge=3,
        ShutterLowerHorizontalEdge=30,
        ShutterPresentationValue=65535,
    )
    state, inst = _read(tmp_path, pr, image_path)
    mask = state.shutter_mask(inst)
    expected = np.zeros((ROWS, COLUMNS), bool)
    expected[2:30, 4:20] = True  # 1-based inclusive edges
    np.testing.assert_array_equal(mask, expected)
    out = state.apply(inst)
    assert (out[~mask] == 255).all()
    np.testing.assert_array_equal(out[mask], state.apply(inst, shutters=False)[mask])


def test_circular_shutter(tmp_path: Path):
    image, image_path = _image(tmp_path)
    pr = _state(image)
    _shutters(
        pr,
        ShutterShape="CIRCULAR",
        CenterOfCircularShutter=[21, 31],  # row\column, 1-based
        RadiusOfCircularShutter=12,
        ShutterPresentationValue=0,
    )
    state, inst = _read(tmp_path, pr, image_path)
    mask = state.shutter_mask(inst)
    r, c = np.mgrid[0:ROWS, 0:COLUMNS]
    np.testing.assert_array_equal(mask, (r - 20) ** 2 + (c - 30) ** 2 <= 144)
    assert (state.apply(inst)[~mask] == 0).all()


def test_polygonal_shutter_and_combined_shapes(tmp_path: Path):
    image, image_path = _image(tmp_path)
    pr = _state(image)
    # a triangle, vertices 1-based row\column, off the pixel centres
    vertices = [(2.3, 3.7), (35.2, 10.1), (12.6, 55.4)]
    _shutters(
        pr,
        ShutterShape=["POLYGONAL", "RECTANGULAR"],
        VerticesOfThePolygonalShutter=[v for p in vertices for v in p],
        ShutterLeftVerticalEdge=1,
        ShutterRightVerticalEdge=30,
        ShutterUpperHorizontalEdge=1,
        ShutterLowerHorizontalEdge=ROWS,
        ShutterPresentationValue=32768,
    )
    state, inst = _read(tmp_path, pr, image_path)
    mask = state.shutter_mask(inst)
    # inside the triangle: the same side of all three edges (pixel centres, 1-based)
    r, c = np.mgrid[0:ROWS, 0:COLUMNS] + 1.0
    sides = []
    for (r0, c0), (r1, c1) in zip(vertices, vertices[1:] + vertices[:1], strict=True):
        sides.append((r1 - r0) * (c - c0) - (c1 - c0) * (r - r0))
    s = np.stack(sides)
    triangle = (s > 0).all(axis=0) | (s < 0).all(axis=0)
    expected = triangle & (c <= 30)
    assert expected.sum() > 100
    np.testing.assert_array_equal(mask, expected)
    assert (state.apply(inst)[~mask] == 128).all()
    assert state.to_json()["shutter"]["shapes"] == ["POLYGONAL", "RECTANGULAR"]


def test_voi_lut_and_inverse(tmp_path: Path):
    image, image_path = _image(tmp_path)
    # a VOI LUT over modality values -1024 .. -1024+4095, 12 bits, a ramp down
    lut = np.arange(4095, -1, -1, dtype=np.uint16)
    voi = hd.pr.SoftcopyVOILUTTransformation(
        voi_luts=[hd.VOILUT(first_mapped_value=0, lut_data=lut)]
    )
    pr = _state(image, voi_lut_transformations=[voi])
    state, inst = _read(tmp_path, pr, image_path)
    window = state.window(inst)
    assert window is not None
    assert window.lut is not None
    ds = inst.dataset
    stored = inst.frame(0).array()
    expected, _ = display.render(stored, ds, 0, window)
    np.testing.assert_array_equal(state.apply(inst), expected)
    # INVERSE inverts after the VOI
    pr.PresentationLUTShape = "INVERSE"
    state, inst = _read(tmp_path, pr, image_path)
    assert state.presentation_lut_shape == "INVERSE"
    np.testing.assert_array_equal(state.apply(inst), 255 - expected)


def test_monochrome1_follows_the_states_presentation_lut(tmp_path: Path):
    image, image_path = _image(tmp_path, photometric="MONOCHROME1")
    voi = hd.pr.SoftcopyVOILUTTransformation(window_center=0, window_width=2000)
    pr = _state(image, voi_lut_transformations=[voi])
    state, inst = _read(tmp_path, pr, image_path)
    plain = inst.frame(0).render(Window(0, 2000))  # MONOCHROME1: inverted
    np.testing.assert_array_equal(state.apply(inst), 255 - plain)  # IDENTITY: not
    pr.PresentationLUTShape = "INVERSE"
    state, inst = _read(tmp_path, pr, image_path)
    np.testing.assert_array_equal(state.apply(inst), plain)


def test_modality_lut_of_the_state_replaces_the_images(tmp_path: Path):
    image, image_path = _image(tmp_path)
    voi = hd.pr.SoftcopyVOILUTTransformation(window_center=1000, window_width=2000)
    pr = _state(image, voi_lut_transformations=[voi])
    pr.RescaleSlope, pr.RescaleIntercept = 1, 0  # the image's is -1024
    state, inst = _read(tmp_path, pr, image_path)
    assert state.modality_lut() == (1.0, 0.0, pr.get("RescaleType", ""))
    stored = inst.frame(0).array().astype(np.float64)
    np.testing.assert_array_equal(state.apply(inst), Window(1000, 2000).apply(stored))
    assert inst.dataset.RescaleIntercept == -1024  # the image's header is not changed


def test_annotation_scoped_to_its_images(tmp_path: Path):
    image, image_path = _image(tmp_path)
    other = copy.deepcopy(image)
    other.SOPInstanceUID = hd.UID()
    layer = hd.pr.GraphicLayer("L", order=1)
    point = hd.pr.GraphicObject("POINT", np.array([[1.5, 1.5]], np.float32), "PIXEL")
    only_other = hd.pr.GraphicAnnotation([other], layer, graphic_objects=[point])
    pr = _state(image, graphic_annotations=[], graphic_layers=[layer])
    # reference both images, the annotation only the other one
    pr.ReferencedSeriesSequence[0].ReferencedImageSequence.append(
        copy.deepcopy(only_other.ReferencedImageSequence[0])
    )
    pr.GraphicAnnotationSequence = [only_other]
    state, inst = _read(tmp_path, pr, image_path)
    assert state.annotations(inst).graphics == ()
    assert len(state.annotations(other.SOPInstanceUID).graphics) == 1
    # without a Referenced Image Sequence it applies to every image
    del pr.GraphicAnnotationSequence[0].ReferencedImageSequence
    state, inst = _read(tmp_path, pr, image_path)
    assert len(state.annotations(inst).graphics) == 1


# -- broken objects ------------------------------------------------------------------------


def test_missing_source(tmp_path: Path):
    image, image_path = _image(tmp_path)
    state, inst = _read(tmp_path, _state(image), image_path)
    with pytest.raises(sdk.MissingSourceError):
        state.annotations("1.2.3.4")
    with pytest.raises(sdk.MissingSourceError):
        state.window("1.2.3.4")
    with pytest.raises(sdk.MissingSourceError):
        state.apply(image.SOPInstanceUID)  # referenced, but no catalog to find it in
    assert state.missing_sources() == [image.SOPInstanceUID]
    assert not state.applies_to("1.2.3.4")
    assert state.applies_to(inst)


def test_wrong_object_kind(tmp_path: Path):
    _image_ds, image_path = _image(tmp_path)
    with pytest.raises(sdk.WrongObjectKindError):
        read_presentation_state(image_path)


@pytest.mark.parametrize(
    ("graphic_type", "data", "points"),
    [
        ("POLYLINE", [1.0, 2.0, 3.0], None),  # odd number of values
        ("CIRCLE", [1.0, 2.0, 3.0, 4.0, 5.0, 6.0], 3),  # a circle has 2 points
        ("POINT", [1.0, 2.0], 2),  # declared count differs
        ("SPLINE", [1.0, 2.0], 1),  # not a graphic type
        ("POINT", [float("nan"), 2.0], 1),
    ],
)
def test_malformed_graphic_data(tmp_path: Path, graphic_type, data, points):
    image, image_path = _image(tmp_path)
    layer = hd.pr.GraphicLayer("L", order=1)
    point = hd.pr.GraphicObject("POINT", np.array([[1.5, 1.5]], np.float32), "PIXEL")
    annotation = hd.pr.GraphicAnnotation([image], layer, graphic_objects=[point])
    pr = _state(image, graphic_annotations=[annotation], graphic_layers=[layer])
    item = pr.GraphicAnnotationSequence[0].GraphicObjectSequence[0]
    item.GraphicType = graphic_type
    item.GraphicData = data
    item.NumberOfGraphicPoints = points if points is not None else 1
    path = tmp_path / "broken.dcm"
    pr.save_as(path, enforce_file_format=True)
    with pytest.raises(sdk.DerivedObjectError) as info:
        read_presentation_state(path)
    assert str(path) in str(info.value)


def test_text_without_position_is_malformed(tmp_path: Path):
    image, image_path = _image(tmp_path)
    layer = hd.pr.GraphicLayer("L", order=1)
    text = hd.pr.TextObject("t", "PIXEL", anchor_point=(1.0, 1.0))
    annotation = hd.pr.GraphicAnnotation([image], layer, text_objects=[text])
    pr = _state(image, graphic_annotations=[annotation], graphic_layers=[layer])
    del pr.GraphicAnnotationSequence[0].TextObjectSequence[0].AnchorPoint
    with pytest.raises(sdk.DerivedObjectError):
        _read(tmp_path, pr, image_path)
