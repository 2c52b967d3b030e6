"""Derived objects over the ci series: SEG, RTSTRUCT, RT Dose, parametric map, GSPS.

highdicom writes the objects it has a writer for (SEG, parametric map, GSPS)
and validates them as it builds them; it has no RT writer, so the RT Structure
Set and RT Dose are built here with pydicom, module by module (PS3.3 A.19 and
A.18). Every object references its source instances by SOP Instance UID (and
shares their Frame of Reference where the IOD has one), and its masks, contours
and doses come from the same phantom geometry as the source pixels, so a
reader can check that an overlay lands where the organ or lesion is.

highdicom stamps a few attributes from the clock or a random source (creation
dates, Dimension Organization UID); _pin() replaces them with values from the
seed, so the files stay byte-identical from one build to the next.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import highdicom as hd
import numpy as np
import pydicom
from pydicom import uid as U
from pydicom.dataset import Dataset
from pydicom.sr.codedict import codes

from tests.corpus.builder import IMPLEMENTATION_VERSION, MODEL_NAME, Corpus
from tests.corpus.ct import CtSeries
from tests.corpus.manifest import Record, manifest_row
from tests.corpus.mg import Dbt
from tests.corpus.mr import mr_quantity_volume
from tests.corpus.phantoms import CT_LABELS, T1_MS, box_blur, ct_organs, ellipse_outline

D = "derived"
TIME = "120000"

#: The CT organs of the binary SEG, in segment order, with their SNOMED CT type.
SEG_ORGANS = {
    "liver": codes.SCT.Liver,
    "spleen": codes.SCT.Spleen,
    "kidney_left": codes.SCT.Kidney,
    "kidney_right": codes.SCT.Kidney,
    "aorta": codes.SCT.Aorta,
    "vertebra": codes.SCT.Vertebra,
}
#: The RT structures, in ROI number order: (name, RT ROI Interpreted Type, colour).
RT_ROIS = [
    ("BODY", "EXTERNAL", (0, 255, 0)),
    ("LIVER", "ORGAN", (165, 42, 42)),
    ("SPLEEN", "ORGAN", (128, 0, 128)),
    ("KIDNEY_L", "ORGAN", (255, 165, 0)),
    ("KIDNEY_R", "ORGAN", (255, 215, 0)),
    ("AORTA", "ORGAN", (255, 0, 0)),
    ("PTV", "PTV", (0, 0, 255)),
]
#: The dose of the RT Dose grid: a Gaussian around the PTV centre (LPS mm).
PTV_CENTRE = (-60.0, 0.0, -172.5)
PTV_RADIUS = 25.0
DOSE_MAX_GY = 60.0
DOSE_SIGMA_MM = 20.0
DOSE_GRID_SCALING = 1e-5  # Gy per stored unit


def derived_objects(
    c: Corpus,
    *,
    ct: CtSeries,
    ct_study,
    mr: list[Dataset],
    mr_root: str,
    mr_study,
    mammogram: Dataset | None,
    mammogram_path: str,
    mg_study,
    tomo: Dbt,
    tomo_path: str,
) -> None:
    seg_ct(c, ct, ct_study)
    rtstruct(c, ct, ct_study)
    rtdose(c, ct, ct_study)
    parametric_map(c, mr, mr_root, mr_study)
    tomo_ds = tomo.datasets.get(Path(tomo_path).name)
    if tomo_ds is not None:
        seg_dbt(c, tomo, tomo_ds, tomo_path, mg_study)
    if mammogram is not None:
        gsps(c, mammogram, mammogram_path, mg_study)


# -- helpers ------------------------------------------------------------------------------


def _equipment(c: Corpus, series) -> dict:
    """The keyword arguments every highdicom SOP class takes, from the seed."""
    return {
        "series_instance_uid": series["uid"],
        "series_number": series["number"],
        "sop_instance_uid": c.uid("sop", series["study"]["key"], series["key"], 1),
        "instance_number": 1,
        "manufacturer": "CORPUS_GEN",
        "manufacturer_model_name": MODEL_NAME,
        "software_versions": IMPLEMENTATION_VERSION,
        "device_serial_number": "0001",
    }


def _pin(c: Corpus, ds: Dataset, key: str) -> Dataset:
    """Replace what highdicom took from the clock or a random UID by seeded values.

    The determinism test (tests/test_corpus.py) finds any new such attribute.
    """
    date = ds.get("StudyDate") or c.date()
    for prefix in ("InstanceCreation", "PresentationCreation", "Content", "Series"):
        if f"{prefix}Date" in ds:
            setattr(ds, f"{prefix}Date", date)
            setattr(ds, f"{prefix}Time", TIME)
    for elem in ds.iterall():
        if elem.keyword == "DimensionOrganizationUID":
            elem.value = c.uid(key, "dimension-organization")
        elif elem.keyword == "ContributionDateTime":  # highdicom's own equipment item
            elem.value = date + TIME
    return ds


def _save(
    c: Corpus, rel: str, ds: Dataset, *, desc: str, derived_from: str, content: dict, check
) -> None:
    """Write a derived object and record it (expect ``derived``) with its own check."""
    path = c.out / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    meta = getattr(ds, "file_meta", None)
    if meta is None or "TransferSyntaxUID" not in meta:
        c.file_meta(ds, U.ExplicitVRLittleEndian)
    ds.save_as(path, enforce_file_format=True)
    row = manifest_row(rel, ds, ds.file_meta.TransferSyntaxUID, desc, "derived")
    row["derived_from"] = derived_from
    row["content"] = json.dumps(content, separators=(",", ":"), sort_keys=True)
    c.add(Record(rel, row, "derived", check=check))


def _uids(datasets) -> set[str]:
    return {str(ds.SOPInstanceUID) for ds in datasets}


def _referenced_uids(ds: Dataset) -> set[str]:
    """Every Referenced SOP Instance UID anywhere in `ds`."""
    return {str(e.value) for e in ds.iterall() if e.keyword == "ReferencedSOPInstanceUID"}


def _check_references(ds: Dataset, sources: set[str], frame_of_reference: str | None) -> None:
    missing = sources - _referenced_uids(ds)
    if missing:
        raise AssertionError(f"{len(missing)} source instances not referenced")
    if frame_of_reference and ds.FrameOfReferenceUID != frame_of_reference:
        raise AssertionError("Frame of Reference differs from the source's")


# -- segmentations --------------------------------------------------------------------------


def _segment(number: int, label: str, category, kind) -> hd.seg.SegmentDescription:
    return hd.seg.SegmentDescription(
        segment_number=number,
        segment_label=label,
        segmented_property_category=category,
        segmented_property_type=kind,
        algorithm_type=hd.seg.SegmentAlgorithmTypeValues.MANUAL,
    )


def _segmentation(c, series, sources, masks, kind, segments, *, desc, ts, key) -> Dataset:
    extra = {"max_fractional_value": 255} if kind == "FRACTIONAL" else {}
    seg = hd.seg.Segmentation(
        source_images=sources,
        pixel_array=masks,
        segmentation_type=kind,
        segment_descriptions=segments,
        series_description=desc,
        transfer_syntax_uid=ts,
        content_label="SEGMENTATION",
        **_equipment(c, series),
        **extra,
    )
    return _pin(c, seg, key)


def _seg_check(sources: list[Dataset], segments: int, kind: str):
    uids = _uids(sources)
    frame_of_reference = str(sources[0].FrameOfReferenceUID)

    def check(path: Path) -> str:
        seg = hd.seg.segread(path)
        if seg.SegmentationType != kind:
            raise AssertionError(f"SegmentationType {seg.SegmentationType}")
        if len(seg.get_segment_numbers()) != segments:
            raise AssertionError(f"{len(seg.get_segment_numbers())} segments")
        referenced = {uid for _, _, uid in seg.get_source_image_uids()}
        if referenced != uids:
            raise AssertionError("referenced instances differ from the sources")
        _check_references(seg, uids, frame_of_reference)
        pixels = pydicom.dcmread(path).pixel_array
        return f"{seg.NumberOfFrames} frames, {segments} segments, {pixels.dtype}"

    return check


def seg_ct(c: Corpus, ct: CtSeries, study) -> None:
    """A binary SEG of six organs and a fractional SEG of the liver on the CT series."""
    source = ct.root
    masks = np.stack([ct.labels == CT_LABELS[name] for name in SEG_ORGANS], axis=-1)
    segments = [
        _segment(i + 1, name, codes.SCT.Organ, kind)
        for i, (name, kind) in enumerate(SEG_ORGANS.items())
    ]
    se = c.series(study, "seg-organs", 100, "SEG", "SEG ORGANS (binary)")
    seg = _segmentation(
        c, se, ct.datasets, masks, "BINARY", segments,
        desc="SEG ORGANS (binary)", ts=U.ExplicitVRLittleEndian, key="seg-ct-binary",
    )  # fmt: skip
    _save(
        c,
        f"{D}/ct/SEG_binary_organs.dcm",
        seg,
        desc="SEG binary, 6 organs, on the 40-slice CT series (empty frames omitted)",
        derived_from=source,
        content={"segmentation_type": "BINARY", "segments": list(SEG_ORGANS)},
        check=_seg_check(ct.datasets, len(SEG_ORGANS), "BINARY"),
    )

    # Soft edges: the liver mask averaged over 7x7 pixels, as a probability.
    liver = np.stack([box_blur(m, 3) for m in ct.labels == CT_LABELS["liver"]])
    se = c.series(study, "seg-liver-prob", 101, "SEG", "SEG LIVER (fractional)")
    seg = _segmentation(
        c, se, ct.datasets, liver, "FRACTIONAL",
        [_segment(1, "liver", codes.SCT.Organ, codes.SCT.Liver)],
        desc="SEG LIVER (fractional)", ts=U.RLELossless, key="seg-ct-fractional",
    )  # fmt: skip
    _save(
        c,
        f"{D}/ct/SEG_fractional_liver.dcm",
        seg,
        desc="SEG fractional (probability, 0-255), liver with soft edges, RLE Lossless",
        derived_from=source,
        content={"segmentation_type": "FRACTIONAL", "segments": ["liver"]},
        check=_seg_check(ct.datasets, 1, "FRACTIONAL"),
    )


def dbt_lesion_masks(tomo: Dbt) -> tuple[np.ndarray, np.ndarray]:
    """(binary, probability) masks (frames, rows, cols, 2) of calcifications and mass."""
    m = tomo.model
    assert m.calc_layer is not None
    assert m.mass_layer is not None
    calc = m.calc_layer > 200.0  # the specks; their peaks are 800-1400
    mass = m.mass_layer > 0.5 * float(m.mass_layer.max())
    binary = np.zeros((*tomo.volume.shape, 2), bool)
    prob = np.zeros((*tomo.volume.shape, 2), np.float32)
    calc_p = np.clip(m.calc_layer / 800.0, 0, 1)
    mass_p = m.mass_layer / float(m.mass_layer.max())
    for k in range(tomo.volume.shape[0]):
        if tomo.calc_focus[k] >= 0.3:
            binary[k, ..., 0] = calc
        if tomo.mass_focus[k] >= 0.3:
            binary[k, ..., 1] = mass
        prob[k, ..., 0] = tomo.calc_focus[k] * calc_p
        prob[k, ..., 1] = tomo.mass_focus[k] * mass_p
    return binary, prob


def seg_dbt(c: Corpus, tomo: Dbt, source: Dataset, source_path: str, study) -> None:
    """Binary and fractional SEGs of the two lesions on the tomosynthesis stack."""
    binary, prob = dbt_lesion_masks(tomo)
    segments = [
        _segment(1, "calcifications", codes.SCT.MorphologicallyAbnormalStructure,
                 codes.SCT.CalcificationCluster),
        _segment(2, "mass", codes.SCT.MorphologicallyAbnormalStructure, codes.SCT.Mass),
    ]  # fmt: skip
    for kind, masks, number, ts in (
        ("BINARY", binary, 101, U.ExplicitVRLittleEndian),
        ("FRACTIONAL", prob, 102, U.RLELossless),
    ):
        label = kind.lower()
        se = c.series(study, f"seg-dbt-{label}", number, "SEG", f"SEG LESIONS DBT ({label})")
        seg = _segmentation(
            c, se, [source], masks, kind, segments,
            desc=f"SEG LESIONS DBT ({label})", ts=ts, key=f"seg-dbt-{label}",
        )  # fmt: skip
        what = "in-focus frames only" if kind == "BINARY" else "weighted by focus, RLE"
        _save(
            c,
            f"{D}/mg/SEG_{label}_lesions_dbt.dcm",
            seg,
            desc=f"SEG {label} of the calcification cluster and the mass on the 12-frame DBT "
            f"({what})",
            derived_from=source_path,
            content={"segmentation_type": kind, "segments": ["calcifications", "mass"]},
            check=_seg_check([source], 2, kind),
        )


# -- RT structure set and dose (pydicom) -----------------------------------------------------


def _rt_common(c: Corpus, series, sop_class, ct: CtSeries) -> Dataset:
    ds = c.base_ds(series, sop_class, 1)
    ds.FrameOfReferenceUID = ct.datasets[0].FrameOfReferenceUID
    ds.PositionReferenceIndicator = ""
    ds.OperatorsName = "PHYSICIST^SYNTHETIC"
    return ds


def _contour_item(ct_ds: Dataset, points: list[tuple[float, float]], z: float) -> Dataset:
    item = Dataset()
    ref = Dataset()
    ref.ReferencedSOPClassUID = ct_ds.SOPClassUID
    ref.ReferencedSOPInstanceUID = ct_ds.SOPInstanceUID
    item.ContourImageSequence = [ref]
    item.ContourGeometricType = "CLOSED_PLANAR"
    item.NumberOfContourPoints = len(points)
    item.ContourData = [f"{v:.2f}" for x, y in points for v in (x, y, z)]
    return item


def rt_contours(ct: CtSeries) -> dict[str, list[tuple[int, list[tuple[float, float]]]]]:
    """ROI name -> [(slice index, outline points (x, y) in mm)] over the CT series."""
    names = {"body": "BODY", "liver": "LIVER", "spleen": "SPLEEN", "aorta": "AORTA"}
    names |= {"kidney_left": "KIDNEY_L", "kidney_right": "KIDNEY_R"}
    out: dict[str, list] = {name: [] for name, _, _ in RT_ROIS}
    for i, (ds, tz) in enumerate(zip(ct.datasets, ct.heights, strict=True)):
        z = float(ds.ImagePositionPatient[2])
        for organ, e in ct_organs(tz).items():
            out[names[organ]].append((i, ellipse_outline(e, 64 if organ == "body" else 32)))
        dz = z - PTV_CENTRE[2]
        if abs(dz) < PTV_RADIUS:
            r = math.sqrt(PTV_RADIUS**2 - dz**2)
            circle = ellipse_outline((PTV_CENTRE[0], PTV_CENTRE[1], r, r, 0.0), 24)
            out["PTV"].append((i, circle))
    return out


def rtstruct(c: Corpus, ct: CtSeries, study) -> None:
    se = c.series(study, "rtstruct", 102, "RTSTRUCT", "RTSTRUCT ORGANS + PTV")
    ds = _rt_common(c, se, U.RTStructureSetStorage, ct)
    ds.StructureSetLabel = "ORGANS"
    ds.StructureSetName = "Organs and target"
    ds.StructureSetDate, ds.StructureSetTime = ds.StudyDate, TIME
    image_refs = []
    for ct_ds in ct.datasets:
        ref = Dataset()
        ref.ReferencedSOPClassUID = ct_ds.SOPClassUID
        ref.ReferencedSOPInstanceUID = ct_ds.SOPInstanceUID
        image_refs.append(ref)
    ref_series = Dataset()
    ref_series.SeriesInstanceUID = ct.datasets[0].SeriesInstanceUID
    ref_series.ContourImageSequence = image_refs
    ref_study = Dataset()
    ref_study.ReferencedSOPClassUID = "1.2.840.10008.3.1.2.3.1"  # Detached Study Management
    ref_study.ReferencedSOPInstanceUID = ct.datasets[0].StudyInstanceUID
    ref_study.RTReferencedSeriesSequence = [ref_series]
    ref_for = Dataset()
    ref_for.FrameOfReferenceUID = ds.FrameOfReferenceUID
    ref_for.RTReferencedStudySequence = [ref_study]
    ds.ReferencedFrameOfReferenceSequence = [ref_for]
    contours = rt_contours(ct)
    rois, roi_contours, observations = [], [], []
    for number, (name, kind, colour) in enumerate(RT_ROIS, start=1):
        roi = Dataset()
        roi.ROINumber = number
        roi.ReferencedFrameOfReferenceUID = ds.FrameOfReferenceUID
        roi.ROIName = name
        roi.ROIGenerationAlgorithm = "MANUAL"
        rois.append(roi)
        rc = Dataset()
        rc.ReferencedROINumber = number
        rc.ROIDisplayColor = list(colour)
        rc.ContourSequence = [
            _contour_item(ct.datasets[i], pts, float(ct.datasets[i].ImagePositionPatient[2]))
            for i, pts in contours[name]
        ]
        roi_contours.append(rc)
        obs = Dataset()
        obs.ObservationNumber = number
        obs.ReferencedROINumber = number
        obs.RTROIInterpretedType = kind
        obs.ROIInterpreter = ""
        observations.append(obs)
    ds.StructureSetROISequence = rois
    ds.ROIContourSequence = roi_contours
    ds.RTROIObservationsSequence = observations
    ds.ApprovalStatus = "UNAPPROVED"
    uids = _uids(ct.datasets)
    frame_of_reference = str(ds.FrameOfReferenceUID)

    def check(path: Path) -> str:
        got = pydicom.dcmread(path)
        if [r.ROIName for r in got.StructureSetROISequence] != [n for n, _, _ in RT_ROIS]:
            raise AssertionError("ROI names")
        _check_references(got, uids, frame_of_reference)
        return f"{len(got.ROIContourSequence)} ROIs"

    _save(
        c,
        f"{D}/ct/RTSTRUCT_organs.dcm",
        ds,
        desc="RT Structure Set: body, liver, spleen, kidneys, aorta and a 25 mm PTV sphere",
        derived_from=ct.root,
        content={"rois": [n for n, _, _ in RT_ROIS]},
        check=check,
    )


def dose_grid() -> tuple[np.ndarray, tuple[float, float, float], float, list[float]]:
    """(dose Gy (frames, rows, cols), first voxel position, spacing mm, frame offsets)."""
    spacing, rows, cols, frames = 5.0, 48, 64, 20
    origin = (-160.0, -120.0, -197.5)  # the PTV centre is a grid point
    x = origin[0] + spacing * np.arange(cols)[None, None, :]
    y = origin[1] + spacing * np.arange(rows)[None, :, None]
    offsets = [spacing * k for k in range(frames)]
    z = origin[2] + np.array(offsets)[:, None, None]
    d2 = (x - PTV_CENTRE[0]) ** 2 + (y - PTV_CENTRE[1]) ** 2 + (z - PTV_CENTRE[2]) ** 2
    dose = DOSE_MAX_GY * np.exp(-d2 / (2 * DOSE_SIGMA_MM**2))
    body = ((x / 165.0) ** 2 + (y / 118.0) ** 2) <= 1.0  # the body outline (phantoms)
    return np.where(body, dose, 0.0), origin, spacing, offsets


def rtdose(c: Corpus, ct: CtSeries, study) -> None:
    se = c.series(study, "rtdose", 103, "RTDOSE", "RTDOSE PLAN")
    ds = _rt_common(c, se, U.RTDoseStorage, ct)
    dose, origin, spacing, offsets = dose_grid()
    stored = np.rint(dose / DOSE_GRID_SCALING).astype(np.uint32)
    ds.ImageType = ["DERIVED", "SECONDARY", "DOSE"]
    # General Image module: the CT slices the dose was computed on.
    refs = []
    for ct_ds in ct.datasets:
        ref = Dataset()
        ref.ReferencedSOPClassUID = ct_ds.SOPClassUID
        ref.ReferencedSOPInstanceUID = ct_ds.SOPInstanceUID
        refs.append(ref)
    ds.ReferencedImageSequence = refs
    ds.ImagePositionPatient = [f"{v:g}" for v in origin]
    ds.ImageOrientationPatient = [1, 0, 0, 0, 1, 0]
    ds.PixelSpacing = [f"{spacing:g}", f"{spacing:g}"]
    ds.SliceThickness = f"{spacing:g}"
    c.set_pixel_module(ds, stored, "MONOCHROME2", 32, frames=stored.shape[0])
    ds.FrameIncrementPointer = 0x3004000C  # Grid Frame Offset Vector
    ds.GridFrameOffsetVector = [f"{v:g}" for v in offsets]
    ds.DoseUnits = "GY"
    ds.DoseType = "PHYSICAL"
    ds.DoseSummationType = "PLAN"
    ds.DoseGridScaling = f"{DOSE_GRID_SCALING:g}"
    ds.TissueHeterogeneityCorrection = "IMAGE"
    # The plan is not in the corpus: a dangling reference, as in many exports.
    plan = Dataset()
    plan.ReferencedSOPClassUID = U.RTPlanStorage
    plan.ReferencedSOPInstanceUID = c.uid("rtplan", study["key"])
    ds.ReferencedRTPlanSequence = [plan]
    c.file_meta(ds, U.ExplicitVRLittleEndian)
    ds.PixelData = stored.astype("<u4").tobytes()
    uids = _uids(ct.datasets)
    frame_of_reference = str(ds.FrameOfReferenceUID)

    def check(path: Path) -> str:
        got = pydicom.dcmread(path)
        if got.pixel_array.shape != stored.shape:
            raise AssertionError(f"shape {got.pixel_array.shape}")
        peak = float(got.pixel_array.max()) * float(got.DoseGridScaling)
        if abs(peak - float(dose.max())) > 1e-4:
            raise AssertionError(f"max dose {peak} Gy")
        _check_references(got, uids, frame_of_reference)
        return f"max {peak:.2f} Gy"

    _save(
        c,
        f"{D}/ct/RTDOSE_plan.dcm",
        ds,
        desc="RT Dose grid 20x48x64 at 5 mm, uint32 x DoseGridScaling, peak 60 Gy at the PTV",
        derived_from=ct.root,
        content={
            "dose_units": "GY",
            "dose_grid_scaling": DOSE_GRID_SCALING,
            "max_dose_gy": round(float(dose.max()), 6),
            "ptv_centre": list(PTV_CENTRE),
        },
        check=check,
    )


# -- parametric map and presentation state (highdicom) ---------------------------------------


def parametric_map(c: Corpus, mr: list[Dataset], source: str, study) -> None:
    """A float32 T1 map (ms) over the T1-weighted MR series, same grid."""
    t1 = mr_quantity_volume(c, 256, len(mr), "t1", T1_MS)
    mapping = hd.pm.RealWorldValueMapping(
        lut_label="T1",
        lut_explanation="T1 relaxation time",
        unit=codes.UCUM.Millisecond,
        value_range=(0.0, 4000.0),
        slope=1.0,
        intercept=0.0,
        quantity_definition=codes.DCM.T1,
    )
    se = c.series(study, "t1-map", 100, "MR", "T1 MAP")
    pm = hd.pm.ParametricMap(
        source_images=mr,
        pixel_array=t1,
        contains_recognizable_visual_features=False,
        real_world_value_mappings=[mapping],
        voi_lut_transformations=[
            hd.VOILUTTransformation(window_center=2000.0, window_width=4000.0)
        ],
        series_description="T1 MAP",
        content_label="T1_MAP",
        **_equipment(c, se),
    )
    pm = _pin(c, pm, "pmap-t1")
    uids = _uids(mr)
    frame_of_reference = str(mr[0].FrameOfReferenceUID)

    def check(path: Path) -> str:
        got = hd.pm.ParametricMap.from_dataset(pydicom.dcmread(path))
        values = np.frombuffer(got.FloatPixelData, "<f4").reshape(t1.shape)
        if not np.array_equal(np.sort(values.ravel()), np.sort(t1.ravel())):
            raise AssertionError("map values differ")
        _check_references(got, uids, frame_of_reference)
        return f"{got.NumberOfFrames} frames float32"

    _save(
        c,
        f"{D}/mr/PMAP_T1.dcm",
        pm,
        desc="Parametric Map, float32 T1 (ms) per tissue, same grid as the 20-slice MR series",
        derived_from=source,
        content={"quantity": "T1", "units": "ms", "value_range": [0.0, 4000.0]},
        check=check,
    )


def gsps(c: Corpus, image: Dataset, source: str, study) -> None:
    """A GSPS on the FFDM: a window, a box around the mass, an ellipse around the calcs."""
    rois = next(a for a in c.annotations if a.path == source)
    (cy0, cx0, cy1, cx1), (my0, mx0, my1, mx1) = rois.boxes
    # PIXEL units: column\row, the top-left corner of the image is 0\0.
    box = np.array(
        [[mx0, my0], [mx1 + 1, my0], [mx1 + 1, my1 + 1], [mx0, my1 + 1], [mx0, my0]], np.float32
    )
    cx, cy = (cx0 + cx1 + 1) / 2, (cy0 + cy1 + 1) / 2
    rx, ry = (cx1 + 1 - cx0) / 2, (cy1 + 1 - cy0) / 2
    ell = np.array([[cx - rx, cy], [cx + rx, cy], [cx, cy - ry], [cx, cy + ry]], np.float32)
    layer = hd.pr.GraphicLayer(layer_name="FINDINGS", order=1, description="Lesions")
    annotation = hd.pr.GraphicAnnotation(
        referenced_images=[image],
        graphic_layer=layer,
        graphic_objects=[
            hd.pr.GraphicObject("POLYLINE", box, "PIXEL"),
            hd.pr.GraphicObject("ELLIPSE", ell, "PIXEL"),
        ],
        text_objects=[
            hd.pr.TextObject("mass", "PIXEL", anchor_point=(float(mx0), float(my0))),
            hd.pr.TextObject("calcifications", "PIXEL", anchor_point=(float(cx0), float(cy0))),
        ],
    )
    window = (float(image.WindowCenter), float(image.WindowWidth))
    se = c.series(study, "gsps", 100, "PR", "GSPS L CC FINDINGS")
    pr = hd.pr.GrayscaleSoftcopyPresentationState(
        referenced_images=[image],
        content_label="FINDINGS",
        content_description="Mass and calcifications outlined, narrowed window",
        graphic_annotations=[annotation],
        graphic_layers=[layer],
        voi_lut_transformations=[
            hd.pr.SoftcopyVOILUTTransformation(window_center=window[0], window_width=window[1] / 2)
        ],
        **_equipment(c, se),
    )
    pr = _pin(c, pr, "gsps")
    uids = {str(image.SOPInstanceUID)}

    def check(path: Path) -> str:
        got = pydicom.dcmread(path)
        _check_references(got, uids, None)
        objects = got.GraphicAnnotationSequence[0].GraphicObjectSequence
        if [o.GraphicType for o in objects] != ["POLYLINE", "ELLIPSE"]:
            raise AssertionError("graphic objects")
        return f"{len(objects)} graphics"

    _save(
        c,
        f"{D}/mg/GSPS_L_CC_findings.dcm",
        pr,
        desc="Grayscale Softcopy Presentation State on the FFDM: window, box, ellipse, text",
        derived_from=source,
        content={
            "graphics": ["POLYLINE", "ELLIPSE"],
            "texts": ["mass", "calcifications"],
            "window": [window[0], window[1] / 2],
        },
        check=check,
    )
