"""The corpus itself: deterministic, complete, and its derived objects read back right.

The derived objects are checked against the phantom geometry they were made
from (tests/corpus/phantoms.py), not against themselves: a SEG's masks are the
CT's organ labels, the RT Dose peaks at the PTV centre, the GSPS box is the
mass's ROI box of annotations.csv, and each references its source instances
by the SOP Instance UIDs the MANIFEST lists for them.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

import highdicom as hd
import numpy as np
import pydicom
import pytest

from dcmview.sdk.roi import RoiSet
from tests.corpus import builder_key, corpus_dir, gsps, manifest
from tests.corpus.annotations import TABLES
from tests.corpus.build import build
from tests.corpus.cache import REPO
from tests.corpus.derived import (
    DOSE_GRID_SCALING,
    DOSE_MAX_GY,
    PTV_CENTRE,
    RT_ROIS,
    SEG_ORGANS,
)
from tests.corpus.phantoms import CT_LABELS, T1_MS, box_blur, ct_body_slice

pytestmark = pytest.mark.corpus


def rows_under(prefix: str) -> list[dict[str, str]]:
    return [r for r in manifest() if r["path"].startswith(prefix + "/")]


def row(name: str) -> dict[str, str]:
    return next(r for r in manifest() if r["path"].endswith(name))


def ct_slices() -> list[dict[str, str]]:
    """The 40-slice CT series, instance 1 (most superior) first."""
    return sorted(rows_under(row("SEG_binary_organs.dcm")["derived_from"]), key=lambda r: r["path"])


# -- the builder -------------------------------------------------------------------------------


@pytest.mark.slow
def test_a_second_build_is_byte_identical(tmp_path):
    """Building again (no cache) gives the same sha256 for every file."""
    again = build(tmp_path / "ci", "ci", check=False, quiet=True)
    assert not again.skipped
    cached = (corpus_dir("ci") / "MANIFEST.csv").read_bytes()
    assert (tmp_path / "ci" / "MANIFEST.csv").read_bytes() == cached
    for name in TABLES:
        assert (tmp_path / "ci" / name).read_bytes() == (corpus_dir("ci") / name).read_bytes()


def test_manifest_lists_every_file_with_its_hash():
    root = corpus_dir("ci")
    rows = manifest()
    on_disk = {p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()}
    assert on_disk == {r["path"] for r in rows} | {"MANIFEST.csv", *TABLES}
    for r in rows:
        data = (root / r["path"]).read_bytes()
        assert hashlib.sha256(data).hexdigest() == r["sha256"], r["path"]
        assert len(data) == int(r["size_bytes"])


def test_the_key_names_the_seed_and_the_folder():
    assert builder_key(0) != builder_key(1)
    assert corpus_dir("ci").name == f"ci-{builder_key(0)}"


def test_every_transfer_syntax_has_a_mammogram():
    syntaxes = {r["transfer_syntax_name"] for r in manifest() if r["path"].startswith("mg/")}
    assert {
        "Implicit VR Little Endian",
        "Explicit VR Little Endian",
        "Explicit VR Big Endian",
        "Deflated Explicit VR Little Endian",
        "RLE Lossless",
        "JPEG Baseline (Process 1)",
        "JPEG Extended (Process 2 and 4)",
        "JPEG Lossless, Non-Hierarchical (Process 14)",
        "JPEG Lossless, Non-Hierarchical, First-Order Prediction (Process 14 [Selection Value 1])",
        "JPEG-LS Lossless Image Compression",
        "JPEG-LS Lossy (Near-Lossless) Image Compression",
        "JPEG 2000 Image Compression (Lossless Only)",
        "JPEG 2000 Image Compression",
        "High-Throughput JPEG 2000 Image Compression (Lossless Only)",
        "High-Throughput JPEG 2000 with RPCL Options Image Compression (Lossless Only)",
        "High-Throughput JPEG 2000 Image Compression",
    } <= syntaxes


def test_command_line_builds_a_profile(tmp_path):
    out = tmp_path / "hostile"
    cmd = [sys.executable, "-m", "tests.corpus", str(out), "--profile", "hostile", "--quiet"]
    run = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, check=False)
    assert run.returncode == 0, run.stderr
    assert "ALL OK" in run.stdout
    assert (out / "MANIFEST.csv").read_bytes() == (
        corpus_dir("hostile") / "MANIFEST.csv"
    ).read_bytes()
    again = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, check=False)
    assert again.returncode == 2
    assert "is not empty" in again.stderr


def test_hostile_profile_holds_only_small_bombs():
    rows = manifest("hostile")
    assert len(rows) == 7
    for r in rows:
        assert r["expect"] == "bomb"
        assert int(r["size_bytes"]) < 9 << 20  # the attack is a small file


# -- the ROI tables ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("table", "dialect"), list(zip(TABLES, ["json", "tuple", "nested"], strict=True))
)
def test_each_roi_table_is_read_in_its_dialect_with_the_same_boxes(table, dialect):
    root = corpus_dir("ci")
    rois = RoiSet.from_embed_csv(root / table)
    assert rois.dialect == dialect
    reference = RoiSet.from_embed_csv(root / "annotations.csv")
    nested = dialect == "nested"
    for path in sorted((root / "mg").rglob("*.dcm")):
        want = reference.for_instance(path)
        if nested and any(r.frames for r in want):
            continue  # this dialect has no frames column: 2-D images only
        assert [r.box for r in rois.for_instance(path)] == [r.box for r in want], path
        if not nested:
            assert rois.for_instance(path) == want


# -- derived objects --------------------------------------------------------------------------


def test_every_derived_object_names_its_source():
    derived = [r for r in manifest() if r["expect"] == "derived"]
    assert len(derived) == 9
    root = corpus_dir("ci")
    for r in derived:
        assert (root / r["derived_from"]).exists(), r["path"]
        assert json.loads(r["content"])
        assert r["sop_instance_uid"]
        sources = rows_under(r["derived_from"]) or [row(r["derived_from"])]
        # A GSPS has no Frame of Reference module (PS3.3 A.33.1): it names images by UID.
        if sources[0]["frame_of_reference_uid"] and r["modality"] != "PR":
            assert r["frame_of_reference_uid"] == sources[0]["frame_of_reference_uid"]


def test_ct_binary_seg_masks_are_the_phantom_organs():
    seg = hd.seg.segread(row("SEG_binary_organs.dcm")["abspath"])
    assert seg.SegmentationType == "BINARY"
    labels = [seg.get_segment_description(n).segment_label for n in seg.get_segment_numbers()]
    assert labels == list(SEG_ORGANS)
    slices = ct_slices()
    assert {uid for _, _, uid in seg.get_source_image_uids()} == {
        r["sop_instance_uid"] for r in slices
    }
    assert seg.FrameOfReferenceUID == slices[0]["frame_of_reference_uid"]
    rng = np.random.default_rng(0)  # the labels do not depend on the noise
    for i in (5, 20, 35):
        masks = seg.get_pixels_by_source_instance(
            [slices[i]["sop_instance_uid"]], assert_missing_frames_are_empty=True
        )[0]
        _, want = ct_body_slice(256, 1.5, i / 39, rng, noise_sd=0)
        assert masks.shape == (256, 256, len(SEG_ORGANS))
        for k, name in enumerate(SEG_ORGANS):
            np.testing.assert_array_equal(masks[..., k], want == CT_LABELS[name])


def test_ct_fractional_seg_is_the_blurred_liver():
    seg = hd.seg.segread(row("SEG_fractional_liver.dcm")["abspath"])
    assert seg.SegmentationType == "FRACTIONAL"
    assert seg.file_meta.TransferSyntaxUID == pydicom.uid.RLELossless
    slices = ct_slices()
    i = 30
    prob = seg.get_pixels_by_source_instance(
        [slices[i]["sop_instance_uid"]], assert_missing_frames_are_empty=True
    )[0, ..., 0]
    _, labels = ct_body_slice(256, 1.5, i / 39, np.random.default_rng(0), noise_sd=0)
    want = box_blur(labels == CT_LABELS["liver"], 3)
    assert prob.max() == pytest.approx(1.0)
    np.testing.assert_allclose(prob, want, atol=0.5 / 255 + 1e-6)


@pytest.mark.parametrize("kind", ["binary", "fractional"])
def test_dbt_seg_lesions_lie_in_their_annotated_boxes_and_frames(kind):
    r = row(f"SEG_{kind}_lesions_dbt.dcm")
    source = row(r["derived_from"])
    seg = hd.seg.segread(r["abspath"])
    assert [uid for _, _, uid in seg.get_source_image_uids()] == [source["sop_instance_uid"]]
    assert seg.FrameOfReferenceUID == source["frame_of_reference_uid"]
    frames = int(source["frames"])
    masks = seg.get_pixels_by_source_frame(
        source["sop_instance_uid"], list(range(1, frames + 1)), assert_missing_frames_are_empty=True
    )
    assert masks.shape == (frames, int(source["rows"]), int(source["columns"]), 2)
    rois = RoiSet.from_embed_csv(corpus_dir("ci") / "annotations.csv")
    for k, roi in enumerate(rois.for_instance(source["abspath"])):
        lesion = masks[..., k] > (0 if kind == "binary" else 0.5)
        shown = sorted({int(f) for f in np.nonzero(lesion.any(axis=(1, 2)))[0]})
        if kind == "binary":
            assert shown == list(roi.frames)
        else:  # the probability passes 0.5 in the sharpest frames only
            assert set(shown) <= set(roi.frames)
        ys, xs = np.nonzero(lesion.any(axis=0))
        ymin, xmin, ymax, xmax = roi.box
        assert ymin <= ys.min()
        assert xmin <= xs.min()
        assert ys.max() <= ymax
        assert xs.max() <= xmax


def test_rtstruct_contours_sit_on_their_ct_slices():
    ds = pydicom.dcmread(row("RTSTRUCT_organs.dcm")["abspath"])
    assert [r.ROIName for r in ds.StructureSetROISequence] == [n for n, _, _ in RT_ROIS]
    slices = {r["sop_instance_uid"]: r for r in ct_slices()}
    assert ds.FrameOfReferenceUID == next(iter(slices.values()))["frame_of_reference_uid"]
    listed = ds.ReferencedFrameOfReferenceSequence[0].RTReferencedStudySequence[0]
    contour_images = listed.RTReferencedSeriesSequence[0].ContourImageSequence
    assert {i.ReferencedSOPInstanceUID for i in contour_images} == set(slices)
    by_name = {
        r.ROIName: c for r, c in zip(ds.StructureSetROISequence, ds.ROIContourSequence, strict=True)
    }
    assert len(by_name["BODY"].ContourSequence) == 40
    for contour in by_name["LIVER"].ContourSequence:
        uid = contour.ContourImageSequence[0].ReferencedSOPInstanceUID
        image = pydicom.dcmread(slices[uid]["abspath"], stop_before_pixels=True)
        points = np.array(contour.ContourData, float).reshape(-1, 3)
        assert len(points) == contour.NumberOfContourPoints
        assert np.all(points[:, 2] == float(image.ImagePositionPatient[2]))
        # The outline's centre is liver on that slice.
        i = int(image.InstanceNumber) - 1
        _, labels = ct_body_slice(256, 1.5, i / 39, np.random.default_rng(0), noise_sd=0)
        origin, spacing = np.array(image.ImagePositionPatient[:2], float), 1.5
        col, row_ = np.rint((points[:, :2].mean(axis=0) - origin) / spacing).astype(int)
        assert labels[row_, col] == CT_LABELS["liver"]


def test_rtdose_scales_to_gray_and_peaks_at_the_ptv():
    r = row("RTDOSE_plan.dcm")
    ds = pydicom.dcmread(r["abspath"])
    assert ds.Modality == "RTDOSE"
    assert ds.DoseUnits == "GY"
    assert float(ds.DoseGridScaling) == DOSE_GRID_SCALING
    dose = ds.pixel_array.astype(np.float64) * float(ds.DoseGridScaling)
    assert dose.shape == (len(ds.GridFrameOffsetVector), ds.Rows, ds.Columns) == (20, 48, 64)
    assert dose.max() == pytest.approx(DOSE_MAX_GY, abs=1e-4)
    k, y, x = np.unravel_index(np.argmax(dose), dose.shape)
    spacing = [float(v) for v in ds.PixelSpacing]  # row, column
    ipp = [float(v) for v in ds.ImagePositionPatient]
    where = (
        ipp[0] + x * spacing[1],
        ipp[1] + y * spacing[0],
        ipp[2] + float(ds.GridFrameOffsetVector[k]),
    )
    assert where == pytest.approx(PTV_CENTRE)
    slices = ct_slices()
    assert ds.FrameOfReferenceUID == slices[0]["frame_of_reference_uid"]
    assert {i.ReferencedSOPInstanceUID for i in ds.ReferencedImageSequence} == {
        s["sop_instance_uid"] for s in slices
    }


def test_parametric_map_holds_t1_in_ms_on_the_mr_grid():
    r = row("PMAP_T1.dcm")
    pm = hd.pm.ParametricMap.from_dataset(pydicom.dcmread(r["abspath"]))
    mapping = pm.SharedFunctionalGroupsSequence[0].RealWorldValueMappingSequence[0]
    assert mapping.LUTLabel == "T1"
    assert mapping.MeasurementUnitsCodeSequence[0].CodeValue == "ms"
    values = np.frombuffer(pm.FloatPixelData, "<f4").reshape(20, 256, 256)
    assert set(np.unique(values).tolist()) <= {0.0, *map(float, T1_MS.values())}
    mr = rows_under(r["derived_from"])
    assert len(mr) == 20
    referenced = {
        i.ReferencedSOPInstanceUID
        for i in pm.ReferencedSeriesSequence[0].ReferencedInstanceSequence
    }
    assert referenced == {s["sop_instance_uid"] for s in mr}
    assert pm.FrameOfReferenceUID == mr[0]["frame_of_reference_uid"]


def test_gsps_outlines_the_annotated_mass_of_its_mammogram():
    r = row("GSPS_L_CC_findings.dcm")
    source = row(r["derived_from"])
    ds = pydicom.dcmread(r["abspath"])
    assert ds.Modality == "PR"
    images = ds.ReferencedSeriesSequence[0].ReferencedImageSequence
    assert [i.ReferencedSOPInstanceUID for i in images] == [source["sop_instance_uid"]]
    objects = ds.GraphicAnnotationSequence[0].GraphicObjectSequence
    box = np.array(objects[0].GraphicData, float).reshape(-1, 2)  # column, row
    mass = RoiSet.from_embed_csv(corpus_dir("ci") / "annotations.csv").for_instance(
        source["abspath"]
    )[1]
    ymin, xmin, ymax, xmax = mass.box
    assert (box.min(axis=0) == [xmin, ymin]).all()
    assert (box.max(axis=0) == [xmax + 1, ymax + 1]).all()
    image = pydicom.dcmread(source["abspath"], stop_before_pixels=True)
    voi = ds.SoftcopyVOILUTSequence[0]
    assert float(voi.WindowCenter) == float(image.WindowCenter)
    assert float(voi.WindowWidth) == float(image.WindowWidth) / 2


def test_display_gsps_sets_window_rotation_area_and_shutters_of_its_ct_slice():
    r = row("GSPS_CT_display.dcm")
    source = row(r["derived_from"])
    assert r["derived_from"].endswith(f"IM{gsps.SLICE + 1:05d}.dcm")
    ds = pydicom.dcmread(r["abspath"])
    images = ds.ReferencedSeriesSequence[0].ReferencedImageSequence
    assert [i.ReferencedSOPInstanceUID for i in images] == [source["sop_instance_uid"]]
    voi = ds.SoftcopyVOILUTSequence[0]
    assert (float(voi.WindowCenter), float(voi.WindowWidth)) == gsps.WINDOW
    assert int(ds.ImageRotation) == 90
    assert ds.ImageHorizontalFlip == "N"
    area = ds.DisplayedAreaSelectionSequence[0]
    assert list(area.DisplayedAreaTopLeftHandCorner) == list(gsps.AREA[0])
    assert list(area.DisplayedAreaBottomRightHandCorner) == list(gsps.AREA[1])
    assert list(ds.ShutterShape) == ["RECTANGULAR", "CIRCULAR"]
    assert int(ds.ShutterPresentationValue) == gsps.SHUTTER_VALUE
    # its Modality LUT is the slice's: the window is in the slice's HU
    image = pydicom.dcmread(source["abspath"], stop_before_pixels=True)
    assert float(ds.RescaleIntercept) == float(image.RescaleIntercept)
    assert float(ds.RescaleSlope) == float(image.RescaleSlope)


def test_every_derived_file_is_listed_apart_from_the_images(corpus_ci: Path):
    assert {r["path"].split("/")[0] for r in manifest() if r["expect"] == "derived"} == {"derived"}
    assert not [
        r for r in manifest() if r["path"].startswith("derived/") and r["expect"] != "derived"
    ]
    assert (corpus_ci / "derived").is_dir()
