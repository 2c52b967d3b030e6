"""Header.has_display_shutter: every reader notes an image's own Display Shutter alike.

The Display Shutter module (PS3.3 C.7.6.11) of DX, MG, CR and XA images: Shutter Shape
(0018,1600) and the attributes that place each shape. The lean reader, the pydicom
reader, ``Header.from_dataset`` and the DICOM JSON reader of DICOMweb metadata are
compared on images with shutters written each way (and broken ways: the predecessor
lists a file with a presentation layer only when a shape it names is placed);
``classify`` turns the flag into ``Support.presentation_layer``.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from pydicom import dcmread
from pydicom.data import get_testdata_file
from pydicom.dataset import Dataset
from pydicom.uid import ExplicitVRLittleEndian, ImplicitVRLittleEndian, generate_uid

from dcmview.sdk import _headerscan as hs
from dcmview.sdk.header import Header
from dcmview.sdk.sources._json import record_from_json
from dcmview.sdk.support import classify
from tests.corpus import manifest
from tests.corpus.overlays import SHUTTER_FILES
from tests.sdk.helpers import every_reader, save

CT_SMALL = get_testdata_file("CT_small.dcm")


def _ct() -> Dataset:
    ds = dcmread(CT_SMALL)
    ds.SOPInstanceUID = generate_uid()
    return ds


def _shutter(*shapes: str, value: int | None = 0, drop: str = "") -> Callable[[], Dataset]:
    """CT_small with a Display Shutter of `shapes`, without the attribute `drop`."""

    def build() -> Dataset:
        ds = _ct()
        ds.ShutterShape = list(shapes) if len(shapes) > 1 else shapes[0]
        if "RECTANGULAR" in shapes:
            ds.ShutterLeftVerticalEdge = 10
            ds.ShutterRightVerticalEdge = 100
            ds.ShutterUpperHorizontalEdge = 20
            ds.ShutterLowerHorizontalEdge = 90
        if "CIRCULAR" in shapes:
            ds.CenterOfCircularShutter = [60, 50]
            ds.RadiusOfCircularShutter = 40
        if "POLYGONAL" in shapes:
            ds.VerticesOfThePolygonalShutter = [10, 64, 110, 10, 110, 120]
        if value is not None:
            ds.ShutterPresentationValue = value
        if drop:
            delattr(ds, drop)
        return ds

    return build


def _private_after_shutter() -> Dataset:
    # Private elements after group 0028: the lean reader jumps to Pixel Data over them,
    # the shutter (group 0018) is read before.
    ds = _shutter("RECTANGULAR")()
    block = ds.private_block(0x0029, "TEST SHUTTER", create=True)
    for k in range(20):
        block.add_new(0x10 + k, "LO", f"private value {k}")
    return ds


def _no_pixels() -> Dataset:
    ds = _shutter("RECTANGULAR")()
    del ds.PixelData
    return ds


def _empty_edge() -> Dataset:
    ds = _shutter("RECTANGULAR")()
    ds["ShutterRightVerticalEdge"].value = None
    return ds


def _with_overlay() -> Dataset:
    ds = _shutter("CIRCULAR")()
    ds.add_new(0x60000010, "US", int(ds.Rows))
    ds.add_new(0x60000011, "US", int(ds.Columns))
    ds.add_new(0x60000100, "US", 1)
    ds.add_new(0x60003000, "OW", bytes(int(ds.Rows) * int(ds.Columns) // 8))
    return ds


# id -> (builder, transfer syntax, expected has_display_shutter, expected presentation_layer)
CASES: dict[str, tuple[Callable[[], Dataset], str, bool, bool]] = {
    "none": (_ct, ExplicitVRLittleEndian, False, False),
    "rectangular": (_shutter("RECTANGULAR"), ExplicitVRLittleEndian, True, True),
    "rectangular-implicit": (_shutter("RECTANGULAR"), ImplicitVRLittleEndian, True, True),
    "circular": (_shutter("CIRCULAR"), ExplicitVRLittleEndian, True, True),
    "polygonal-implicit": (_shutter("POLYGONAL"), ImplicitVRLittleEndian, True, True),
    "all-three": (
        _shutter("RECTANGULAR", "CIRCULAR", "POLYGONAL"),
        ExplicitVRLittleEndian,
        True,
        True,
    ),
    "no-presentation-value": (_shutter("CIRCULAR", value=None), ExplicitVRLittleEndian, True, True),
    "after-private-tags": (_private_after_shutter, ExplicitVRLittleEndian, True, True),
    "with-overlay-plane": (_with_overlay, ExplicitVRLittleEndian, True, True),
    # A shape needs the attributes that place it (the predecessor: no layer without).
    "rectangle-missing-an-edge": (
        _shutter("RECTANGULAR", drop="ShutterRightVerticalEdge"),
        ExplicitVRLittleEndian,
        False,
        False,
    ),
    "rectangle-with-an-empty-edge": (_empty_edge, ImplicitVRLittleEndian, False, False),
    "circle-without-radius": (
        _shutter("CIRCULAR", drop="RadiusOfCircularShutter"),
        ExplicitVRLittleEndian,
        False,
        False,
    ),
    # ... one placed shape is enough, as for the predecessor.
    "rectangle-and-a-broken-circle": (
        _shutter("RECTANGULAR", "CIRCULAR", drop="RadiusOfCircularShutter"),
        ExplicitVRLittleEndian,
        True,
        True,
    ),
    # A BITMAP shutter is an overlay plane: not drawn as a shutter (nor by the predecessor).
    "bitmap-only": (_shutter("BITMAP"), ExplicitVRLittleEndian, False, False),
    "rectangular-and-bitmap": (
        _shutter("RECTANGULAR", "BITMAP"),
        ExplicitVRLittleEndian,
        True,
        True,
    ),
    # Attributes without a shape: no shutter.
    "edges-without-a-shape": (
        _shutter("RECTANGULAR", drop="ShutterShape"),
        ExplicitVRLittleEndian,
        False,
        False,
    ),
    # A shutter but nothing to draw it on: no presentation layer.
    "no-pixel-data": (_no_pixels, ExplicitVRLittleEndian, True, False),
}


def _file(tmp_path: Path, case: str) -> str:
    build, syntax, _, _ = CASES[case]
    return save(build(), str(tmp_path / f"{case}.dcm"), syntax)


@pytest.mark.parametrize("case", list(CASES))
def test_every_reader_notes_a_display_shutter_alike(tmp_path, monkeypatch, case):
    _, _, has, layer = CASES[case]
    headers = every_reader(_file(tmp_path, case), monkeypatch)
    assert [h.has_display_shutter for h in headers] == [has] * len(headers)
    assert classify(headers[0]).presentation_layer is layer


def test_the_shutter_shape_is_read_in_any_case():
    # CS values are upper case (PS3.5 6.2); a lower-case writer still means its shape.
    ds = _shutter("RECTANGULAR")()
    ds.ShutterShape = "rectangular"
    as_json = ds.to_json_dict()
    assert record_from_json(as_json, "x", has_pixels=True).has_display_shutter
    assert Header.from_dataset(ds, "x").has_display_shutter


@pytest.mark.corpus
@pytest.mark.parametrize("rel", SHUTTER_FILES)
def test_corpus_files_with_a_display_shutter(rel):
    row = next(r for r in manifest() if r["path"] == rel)
    h = hs.read_header(row["abspath"])
    assert isinstance(h, Header)
    assert h.has_display_shutter
    assert classify(h).presentation_layer


@pytest.mark.corpus
def test_no_other_corpus_image_has_a_display_shutter():
    # The GSPS files have shutters too (a presentation state's): listed, without pixels.
    flagged = {
        r["path"]
        for r in manifest()
        if r["expect"] != "not_dicom"
        and isinstance(h := hs.read_header(r["abspath"]), Header)
        and h.has_display_shutter
        and h.has_pixels
    }
    assert flagged == set(SHUTTER_FILES)
