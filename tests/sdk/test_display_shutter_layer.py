"""An image's own Display Shutter in ``presentation_layer``, drawn as the predecessor draws it.

The rules were measured on dcmview-py 0.4.1 with pydicom's CT_small.dcm (128x128) and
a shutter added (tests/compat/test_derived.py compares the pixels with it): outside
the shutter opaque in the grey of Shutter Presentation Value (round(v * 255 / 65535)),
or of the L* of Shutter Presentation Color CIELab Value when only that is given;
inside transparent; edge pixels of a rectangle, the rim of a circle and the outline of
a polygon show; several shapes: the image shows inside all; overlay planes are drawn
white over the shutter on both sides of it. Beyond it (by PS3.3 C.7.6.11): on a colour
image the CIELab colour. A broken shutter is an error naming the file.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from pydicom import dcmread
from pydicom.data import get_testdata_file
from pydicom.dataset import Dataset
from pydicom.uid import ExplicitVRLittleEndian, generate_uid

from dcmview.sdk.catalog import scan
from dcmview.sdk.errors import DerivedObjectError
from dcmview.sdk.image_layers import presentation_layer
from dcmview.sdk.presentation import read_display_shutter
from tests.corpus.overlays import (
    SHUTTER,
    SHUTTER_CIRCLE,
    SHUTTER_COLUMNS,
    SHUTTER_EDGES,
    SHUTTER_ROWS,
)

N = 128  # CT_small.dcm is 128x128
LAB_RED = [34885, 53485, 50171]  # L* 53.2: sRGB (255, 0, 0)


def _ct(**shutter: object) -> Dataset:
    ds = dcmread(get_testdata_file("CT_small.dcm"))
    ds.SOPInstanceUID = generate_uid()
    for keyword, value in shutter.items():
        setattr(ds, keyword, value)
    return ds


def _rect(**more: object) -> Dataset:
    edges: dict[str, object] = {
        "ShutterShape": "RECTANGULAR",
        "ShutterLeftVerticalEdge": 10,
        "ShutterRightVerticalEdge": 100,
        "ShutterUpperHorizontalEdge": 20,
        "ShutterLowerHorizontalEdge": 90,
    }
    return _ct(**(edges | more))


def _layer(tmp_path: Path, ds: Dataset) -> np.ndarray:
    path = tmp_path / "image.dcm"
    ds.save_as(path, enforce_file_format=True)
    return presentation_layer(scan(path), 0, 0)


def _box() -> np.ndarray:
    """Shown pixels of _rect(): columns 10-100 and rows 20-90, 1-based and inclusive."""
    shown = np.zeros((N, N), bool)
    shown[19:90, 9:100] = True
    return shown


def test_a_rectangle_hides_the_outside_in_black(tmp_path):
    rgba = _layer(tmp_path, _rect(ShutterPresentationValue=0))
    shown = _box()
    assert (rgba[shown] == 0).all()  # transparent inside
    assert (rgba[~shown] == (0, 0, 0, 255)).all()
    assert (~shown).sum() == 9923  # the predecessor's count


@pytest.mark.parametrize(
    ("more", "grey"),
    [
        ({"ShutterPresentationValue": 65535}, 255),
        ({"ShutterPresentationValue": 32768}, 128),
        ({"ShutterPresentationValue": 200}, 1),  # rounded, not shifted
        ({"ShutterPresentationValue": 65280}, 254),
        ({}, 0),  # neither value nor colour: black
        # Only the colour: its L* as the grey (53.2% of 255).
        ({"ShutterPresentationColorCIELabValue": LAB_RED}, 136),
        ({"ShutterPresentationColorCIELabValue": [65535, 32896, 32896]}, 255),
        # Both on a greyscale image: the P-value (PS3.3 C.7.6.11, a grey display).
        ({"ShutterPresentationValue": 0, "ShutterPresentationColorCIELabValue": LAB_RED}, 0),
    ],
)
def test_the_grey_of_the_hidden_area(tmp_path, more, grey):
    rgba = _layer(tmp_path, _rect(**more))
    assert (rgba[~_box()] == (grey, grey, grey, 255)).all()


def test_a_colour_image_takes_the_cielab_colour(tmp_path):
    # Beyond the predecessor, which paints the grey: the colour is for a colour display.
    ds = _rect(ShutterPresentationValue=0, ShutterPresentationColorCIELabValue=LAB_RED)
    ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds.SamplesPerPixel, ds.PhotometricInterpretation, ds.PlanarConfiguration = 3, "RGB", 0
    ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 8, 8, 7, 0
    del ds.RescaleIntercept, ds.RescaleSlope
    ds.PixelData = np.full((N, N, 3), 90, np.uint8).tobytes()
    rgba = _layer(tmp_path, ds)
    assert (rgba[~_box()] == (255, 0, 0, 255)).all()


def test_a_circle_with_its_rim(tmp_path):
    ds = _ct(ShutterShape="CIRCULAR", CenterOfCircularShutter=[60, 50], RadiusOfCircularShutter=40)
    shown = _layer(tmp_path, ds)[..., 3] == 0
    r, c = np.mgrid[0:N, 0:N]
    np.testing.assert_array_equal(shown, (r - 59) ** 2 + (c - 49) ** 2 <= 40**2)
    assert shown[59, 89]  # on the rim (0-based centre 59, 49)
    assert not shown[59, 90]


def test_a_polygon_with_its_outline(tmp_path):
    ds = _ct(ShutterShape="POLYGONAL", VerticesOfThePolygonalShutter=[10, 64, 110, 10, 110, 120])
    shown = _layer(tmp_path, ds)[..., 3] == 0
    # Vertices and edges through pixel centres show: the bottom edge (row 110, columns
    # 10-120, 1-based) and the apex (row 10, column 64); nothing below or above.
    assert shown[109, 9:120].all()
    assert not shown[109, 120]
    assert shown[9, 63]
    assert shown[9].sum() == 1
    assert not shown[110:].any()
    assert not shown[:9].any()
    assert shown.sum() == 5559  # the predecessor's count


def test_shapes_combine(tmp_path):
    ds = _rect(
        ShutterShape=["RECTANGULAR", "CIRCULAR"],
        CenterOfCircularShutter=[60, 50],
        RadiusOfCircularShutter=40,
    )
    shown = _layer(tmp_path, ds)[..., 3] == 0
    r, c = np.mgrid[0:N, 0:N]
    np.testing.assert_array_equal(shown, _box() & ((r - 59) ** 2 + (c - 49) ** 2 <= 40**2))


def test_overlay_planes_are_drawn_over_the_shutter(tmp_path):
    ds = _rect(ShutterPresentationValue=32768)
    bits = np.zeros((N, N), np.uint8)
    bits[0:40, 0:40] = 1  # across the shutter's top-left corner
    ds.add_new(0x60000010, "US", N)
    ds.add_new(0x60000011, "US", N)
    ds.add_new(0x60000040, "CS", "G")
    ds.add_new(0x60000050, "SS", [1, 1])
    ds.add_new(0x60000100, "US", 1)
    ds.add_new(0x60000102, "US", 0)
    ds.add_new(0x60003000, "OW", np.packbits(bits.ravel(), bitorder="little").tobytes())
    rgba = _layer(tmp_path, ds)
    overlay = bits.astype(bool)
    assert (rgba[overlay] == 255).all()  # white, behind and inside the shutter
    assert (rgba[~overlay & ~_box()] == (128, 128, 128, 255)).all()
    assert (rgba[~overlay & _box()] == 0).all()


def test_the_corpus_shutter_image(corpus_ci):
    catalog = scan(corpus_ci / SHUTTER)
    rgba = presentation_layer(catalog, 0, 0)
    assert rgba.shape == (SHUTTER_ROWS, SHUTTER_COLUMNS, 4)
    r, c = np.mgrid[0:SHUTTER_ROWS, 0:SHUTTER_COLUMNS] + 1  # 1-based, as in the file
    e = SHUTTER_EDGES
    cr, cc, radius = SHUTTER_CIRCLE
    shown = (e["left"] <= c) & (c <= e["right"]) & (e["upper"] <= r) & (r <= e["lower"])
    shown &= (r - cr) ** 2 + (c - cc) ** 2 <= radius**2
    assert (rgba[shown] == 0).all()
    assert (rgba[~shown] == (0, 0, 0, 255)).all()
    # off centre: a flip shows
    assert shown[47, 45]
    assert not shown[47, 30]


def test_a_shape_without_its_attributes_is_not_drawn(tmp_path):
    # The scan does not count it (Header.has_display_shutter), nor draws the predecessor.
    ds = _rect()
    del ds.ShutterRightVerticalEdge
    assert not _layer(tmp_path, ds).any()


@pytest.mark.parametrize(
    ("build", "words"),
    [
        (
            lambda: _ct(
                ShutterShape=["RECTANGULAR", "CIRCULAR"],
                ShutterLeftVerticalEdge=10,
                ShutterRightVerticalEdge=100,
                ShutterUpperHorizontalEdge=20,
                ShutterLowerHorizontalEdge=90,
                CenterOfCircularShutter=[60, 50],
            ),
            "without its attributes",
        ),
        (lambda: _rect(ShutterRightVerticalEdge=5), "empty"),
    ],
    ids=["circle-without-radius", "right-edge-left-of-left-edge"],
)
def test_a_broken_shutter_is_an_error_naming_the_file(tmp_path, build, words):
    with pytest.raises(DerivedObjectError, match=words) as err:
        _layer(tmp_path, build())
    assert "image.dcm" in str(err.value)


def test_read_display_shutter(tmp_path):
    assert read_display_shutter(_ct()) is None
    shutter = read_display_shutter(_rect(ShutterPresentationValue=65535))
    assert shutter is not None
    assert (shutter.shapes, shutter.rectangle, shutter.grey) == (
        ("RECTANGULAR",),
        (19, 9, 89, 99),
        255,
    )
