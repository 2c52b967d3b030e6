"""RT Structure Sets: contours land on the pixels of the images they are drawn on.

A synthetic structure set on three synthetic slices checks both matching rules
(Contour Image Sequence reference; else Frame of Reference + plane within half
the slice thickness) and the pixel coordinates; the corpus's RTSTRUCT is
matched to its 40 CT slices and the liver outline's centre is liver on the
phantom's label map; pydicom's bundled rtstruct.dcm has no image references.
"""

from __future__ import annotations

import json

import numpy as np
import pydicom
import pytest
from pydicom.dataset import Dataset
from pydicom.uid import CTImageStorage, RTStructureSetStorage

from dcmview.sdk import MissingSourceError, StructureSet, read_structure_set
from dcmview.sdk.geometry import Plane, frame_plane
from dcmview.sdk.rtstruct import ContourImageError, ImageGeometryError, StructureSetError
from tests.bundled import TEST_FILES
from tests.corpus import manifest
from tests.corpus.derived import RT_ROIS
from tests.corpus.phantoms import CT_LABELS, ct_body_slice
from tests.dicom_factory import make_dataset, write

FOR_UID = "1.2.3.4.5"
ORIGIN = (-10.0, -20.0)
SPACING = (0.5, 0.25)  # between rows, between columns
ZS = (0.0, 2.0, 4.0)


def slices(tmp_path):
    """Three axial 20x30 slices 2 mm apart, thickness 2 mm; their paths and UIDs."""
    out = []
    for i, z in enumerate(ZS):
        ds = make_dataset(rows=20, columns=30, modality="CT", sop_class_uid=CTImageStorage)
        ds.SOPInstanceUID = f"1.2.3.9.{i + 1}"
        ds.ImagePositionPatient = [ORIGIN[0], ORIGIN[1], z]
        ds.ImageOrientationPatient = [1, 0, 0, 0, 1, 0]
        ds.PixelSpacing = list(SPACING)
        ds.SliceThickness = 2.0
        ds.FrameOfReferenceUID = FOR_UID
        out.append(write(ds, tmp_path / f"ct{i}.dcm"))
    return out


def xyz(pixels, z):
    """Patient points of (row, column) pixels on the plane at `z`."""
    rc = np.asarray(pixels, float)
    x = ORIGIN[0] + rc[:, 1] * SPACING[1]
    y = ORIGIN[1] + rc[:, 0] * SPACING[0]
    return np.column_stack([x, y, np.full(len(rc), z)])


SQUARE = [[4, 5], [4, 15], [12, 15], [12, 5]]  # (row, column)
LINE = [[1, 1], [3, 8], [9, 20]]


def contour(kind, points, uid=None):
    item = Dataset()
    item.ContourGeometricType = kind
    item.NumberOfContourPoints = len(points)
    item.ContourData = [f"{v:.4f}" for p in points for v in p]
    if uid is not None:
        ref = Dataset()
        ref.ReferencedSOPClassUID = CTImageStorage
        ref.ReferencedSOPInstanceUID = uid
        item.ContourImageSequence = [ref]
    return item


def structure_set(rois):
    """rois: [(name, colour, frame of reference, [contour items])]."""
    ds = Dataset()
    ds.SOPClassUID = RTStructureSetStorage
    ds.SOPInstanceUID = "1.2.3.7"
    ds.Modality = "RTSTRUCT"
    ds.StructureSetLabel = "TEST"
    ds.StructureSetROISequence, ds.ROIContourSequence, ds.RTROIObservationsSequence = [], [], []
    for number, (name, colour, forward, items) in enumerate(rois, start=1):
        roi = Dataset()
        roi.ROINumber = number
        roi.ROIName = name
        roi.ReferencedFrameOfReferenceUID = forward
        ds.StructureSetROISequence.append(roi)
        rc = Dataset()
        rc.ReferencedROINumber = number
        rc.ROIDisplayColor = list(colour)
        rc.ContourSequence = items
        ds.ROIContourSequence.append(rc)
        obs = Dataset()
        obs.ObservationNumber = number
        obs.ReferencedROINumber = number
        obs.RTROIInterpretedType = "ORGAN"
        ds.RTROIObservationsSequence.append(obs)
    return ds


def test_contours_land_on_their_pixels_by_reference_and_by_plane(tmp_path):
    paths = slices(tmp_path)
    square = contour("CLOSED_PLANAR", xyz(SQUARE, 2.0), "1.2.3.9.2")
    ds = structure_set(
        [
            # On slice 1 by reference (its points even say z = 2).
            ("SQUARE", (255, 0, 0), FOR_UID, [square]),
            # No references: by plane; z = 4.9 is within 1 mm (half the thickness) of 4.
            ("LINE", (0, 255, 0), FOR_UID, [contour("OPEN_PLANAR", xyz(LINE, 4.9))]),
            # 1.1 mm past the last slice: on none.
            ("OFF", (0, 0, 255), FOR_UID, [contour("POINT", xyz([[5, 5]], 5.1))]),
            # Another Frame of Reference: on none, although at z = 0.
            ("ELSEWHERE", (9, 9, 9), "9.9.9", [contour("POINT", xyz([[5, 5]], 0.0))]),
        ]
    )  # fmt: skip
    ss = StructureSet.from_dataset(ds)
    assert [s.name for s in ss.structures] == ["SQUARE", "LINE", "OFF", "ELSEWHERE"]
    assert ss["SQUARE"].color == (255, 0, 0)
    assert ss["SQUARE"].interpreted_type == "ORGAN"

    assert ss.contours_for(paths[0]) == []
    [square] = ss.contours_for(paths[1])
    assert (square.roi_name, square.geometric_type, square.matched_by) == (
        "SQUARE",
        "CLOSED_PLANAR",
        "reference",
    )
    np.testing.assert_allclose(square.points, SQUARE, atol=1e-3)
    [line] = ss.contours_for(paths[2])
    assert (line.roi_name, line.geometric_type, line.matched_by) == ("LINE", "OPEN_PLANAR", "plane")
    np.testing.assert_allclose(line.points, LINE, atol=1e-3)
    js = line.to_json()
    assert js["color"] == "#00ff00"
    assert json.loads(json.dumps(js)) == js

    match = ss.match(paths)
    assert sorted(match.by_image) == [("1.2.3.9.2", 0), ("1.2.3.9.3", 0)]
    assert match.unmatched == (("OFF", 0), ("ELSEWHERE", 0))
    with pytest.raises(ContourImageError) as info:
        ss.match(paths, strict=True)
    assert info.value.code == "contour_image_not_found"
    assert "'OFF'" in str(info.value)
    assert isinstance(info.value, MissingSourceError)
    assert isinstance(info.value, LookupError)


def test_a_referencing_contour_does_not_land_on_another_image_at_its_plane(tmp_path):
    paths = slices(tmp_path)
    ds = structure_set(
        [("SQUARE", (1, 2, 3), FOR_UID, [contour("CLOSED_PLANAR", xyz(SQUARE, 0.0), "1.2.3.9.2")])]
    )
    ss = StructureSet.from_dataset(ds)
    assert ss.contours_for(paths[0]) == []  # at its plane, but it names another image
    # A plane without a SOP Instance UID falls back to the plane rule.
    plane = frame_plane(pydicom.dcmread(paths[0]))
    [on] = ss.contours_on(plane)
    assert on.matched_by == "plane"


@pytest.mark.parametrize(
    ("item", "needle"),
    [
        (contour("CLOSED_PLANAR", [[0, 0, 0], [1, 1, 1]]), None),
        (contour("SPLINE", [[0, 0, 0]]), "Contour Geometric Type 'SPLINE'"),
        (Dataset(), "Contour Geometric Type ''"),
    ],
)
def test_bad_contours_raise_a_structure_set_error(tmp_path, item, needle):
    if needle is None:  # Contour Data not in triples
        item.ContourData = item.ContourData[:-1]
        needle = "not (x, y, z) triples"
    ds = structure_set([("BAD", (1, 2, 3), FOR_UID, [item])])
    path = tmp_path / "rs.dcm"
    ds.file_meta = pydicom.dataset.FileMetaDataset()
    ds.file_meta.TransferSyntaxUID = pydicom.uid.ExplicitVRLittleEndian
    ds.file_meta.MediaStorageSOPClassUID = ds.SOPClassUID
    ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
    ds.save_as(path, enforce_file_format=True)
    with pytest.raises(StructureSetError) as info:
        read_structure_set(path)
    assert needle in str(info.value)
    assert str(path) in str(info.value)
    assert info.value.code == "invalid_structure_set"


def test_a_point_count_that_disagrees_and_a_non_rtstruct_are_refused(tmp_path):
    item = contour("CLOSED_PLANAR", xyz(SQUARE, 0.0))
    item.NumberOfContourPoints = 5
    with pytest.raises(StructureSetError, match="Number of Contour Points says 5"):
        StructureSet.from_dataset(structure_set([("A", (1, 2, 3), FOR_UID, [item])]))
    with pytest.raises(StructureSetError, match="not an RTSTRUCT"):
        read_structure_set(slices(tmp_path)[0])


def test_an_image_without_geometry_cannot_take_contours(tmp_path):
    ds = make_dataset(rows=4, columns=4)
    path = write(ds, tmp_path / "flat.dcm")
    ss = StructureSet.from_dataset(structure_set([]))
    with pytest.raises(ImageGeometryError) as info:
        ss.contours_for(path)
    assert info.value.code == "no_image_geometry"
    assert str(path) in str(info.value)


def test_bundled_rtstruct_matches_by_frame_of_reference_and_plane():
    ds = pydicom.dcmread(TEST_FILES / "rtstruct.dcm", force=True)
    ss = read_structure_set(ds)
    summary = ss.summary()
    assert json.loads(json.dumps(summary)) == summary
    assert [(r["name"], r["contours"]) for r in summary["rois"]] == [
        ("patient", 3),
        ("Isocenter 1", 1),
        ("Isocenter 2", 1),
    ]
    assert ss["Isocenter 1"].contours[0].geometric_type == "POINT"
    forward = ss["patient"].frame_of_reference_uid
    # An axial plane at z = -200 mm, 1 mm pixels centred on the origin.
    plane = Plane((-255.5, -255.5, -200.0), (1, 0, 0), (0, 1, 0), (1, 1), 512, 512, 2.0, forward)
    [outline] = ss.contours_on(plane)
    assert outline.roi_name == "patient"
    assert outline.matched_by == "plane"
    first = np.asarray(ss["patient"].contours[0].points)
    np.testing.assert_allclose(outline.points[:, 1], first[:, 0] + 255.5)  # column from x
    np.testing.assert_allclose(outline.points[:, 0], first[:, 1] + 255.5)  # row from y
    # The isocentre points at z = 0 sit on the plane at z = 0, on pixel (255.5, 255.5).
    at_zero = Plane((-255.5, -255.5, 0.0), (1, 0, 0), (0, 1, 0), (1, 1), 512, 512, 2.0, forward)
    names = sorted(c.roi_name for c in ss.contours_on(at_zero))
    assert names == ["Isocenter 1", "Isocenter 2"]


def _corpus():
    rows = manifest()
    rs = next(r for r in rows if r["path"].endswith("RTSTRUCT_organs.dcm"))
    cts = sorted(
        (r for r in rows if r["path"].startswith(rs["derived_from"] + "/")),
        key=lambda r: r["path"],
    )
    return rs, cts


@pytest.mark.parametrize("references", [True, False], ids=["by-reference", "by-plane"])
def test_corpus_rtstruct_lands_on_the_organs_of_its_ct_slices(references):
    rs, cts = _corpus()
    ds = pydicom.dcmread(rs["abspath"])
    if not references:
        for rc in ds.ROIContourSequence:
            for item in rc.ContourSequence:
                del item.ContourImageSequence
    ss = read_structure_set(ds)
    assert [s.name for s in ss.structures] == [n for n, _, _ in RT_ROIS]
    assert ss["PTV"].color == RT_ROIS[-1][2]
    match = ss.match([r["abspath"] for r in cts], strict=True)
    assert match.unmatched == ()
    assert len(match.by_image) == 40
    how = "reference" if references else "plane"
    uids = [r["sop_instance_uid"] for r in cts]
    for i in (20, 30):
        contours = match.by_image[(uids[i], 0)]
        assert {c.matched_by for c in contours} == {how}
        _, labels = ct_body_slice(256, 1.5, i / 39, np.random.default_rng(0), noise_sd=0)
        liver = next(c for c in contours if c.roi_name == "LIVER")
        row, col = np.rint(liver.points.mean(axis=0)).astype(int)
        assert labels[row, col] == CT_LABELS["liver"]
        # Every outline point lies inside the image, and the body outline
        # encloses the liver's.
        body = next(c for c in contours if c.roi_name == "BODY")
        assert (body.points >= 0).all()
        assert (body.points <= 255).all()
        assert body.points[:, 1].min() < liver.points[:, 1].min()
