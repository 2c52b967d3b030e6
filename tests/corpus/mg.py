"""Mammography: FFDM For Presentation in many transfer syntaxes, and breast tomosynthesis.

The lesions of each breast are recorded as ROI boxes (annotations.py writes
them); the tomosynthesis stack also records in which frames each lesion is in
focus, and keeps its model for the segmentations (derived.py).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from pydicom import uid as U
from pydicom.dataset import Dataset

from tests.corpus.builder import Corpus
from tests.corpus.phantoms import BreastModel, breast_compose, breast_model, dbt_focus

BREAST_TOMO_STORAGE = U.UID("1.2.840.10008.5.1.4.1.1.13.1.3")

# (file name, transfer syntax, lossy, encoder options, series label)
Syntax = tuple[str, str, bool, dict, str]

#: Every transfer syntax dcmview decodes, for the 12-bit 1024x832 FFDM of the ci profile.
FFDM_CI: list[Syntax] = [
    ("L_CC_explicit_le.dcm", U.ExplicitVRLittleEndian, False, {}, "Explicit VR LE"),
    ("L_CC_j2k_lossless.dcm", U.JPEG2000Lossless, False, {}, "JPEG 2000 lossless"),
    ("L_CC_j2k_lossy.dcm", U.JPEG2000, True, {"j2k_cr": [20]}, "JPEG 2000 lossy 20:1"),
    ("L_CC_jpeg_lossless_sv1.dcm", U.JPEGLosslessSV1, False, {}, "JPEG Lossless SV1"),
    ("L_CC_jpeg_extended_12bit.dcm", U.JPEGExtended12Bit, True, {}, "JPEG Extended 12-bit lossy"),
    ("L_CC_jpegls_lossless.dcm", U.JPEGLSLossless, False, {}, "JPEG-LS lossless"),
    ("L_CC_rle_lossless.dcm", U.RLELossless, False, {}, "RLE lossless"),
    ("L_CC_implicit_le.dcm", U.ImplicitVRLittleEndian, False, {}, "Implicit VR LE"),
    ("L_CC_explicit_be.dcm", U.ExplicitVRBigEndian, False, {}, "Explicit VR Big Endian"),
    ("L_CC_deflated.dcm", U.DeflatedExplicitVRLittleEndian, False, {}, "Deflated Explicit VR LE"),
    ("L_CC_jpeg_lossless_p14.dcm", U.JPEGLossless, False, {}, "JPEG Lossless predictor 6"),
    (
        "L_CC_jpegls_near_lossless.dcm",
        U.JPEGLSNearLossless,
        True,
        {"jls_error": 2},
        "JPEG-LS near-lossless error 2",
    ),
    ("L_CC_htj2k_lossless.dcm", U.HTJ2KLossless, False, {}, "HTJ2K lossless"),
    ("L_CC_htj2k_lossless_rpcl.dcm", U.HTJ2KLosslessRPCL, False, {}, "HTJ2K lossless RPCL"),
    ("L_CC_htj2k_lossy.dcm", U.HTJ2K, True, {}, "HTJ2K lossy"),
    ("L_CC_jpeg_baseline_8bit.dcm", U.JPEGBaseline8Bit, True, {}, "JPEG Baseline 8-bit export"),
]
#: The 3328x2560 FFDM syntaxes the benchmarks time.
FFDM_BENCH: list[Syntax] = [
    ("L_CC_explicit_le.dcm", U.ExplicitVRLittleEndian, False, {}, "Explicit VR LE"),
    ("L_CC_j2k_lossless.dcm", U.JPEG2000Lossless, False, {}, "JPEG 2000 lossless"),
    ("L_CC_jpegls_lossless.dcm", U.JPEGLSLossless, False, {}, "JPEG-LS lossless"),
    ("L_CC_rle_lossless.dcm", U.RLELossless, False, {}, "RLE lossless"),
]


@dataclass
class Dbt:
    """A written tomosynthesis volume, what it was composed from, and its data sets."""

    volume: np.ndarray  # (frames, rows, columns) uint16, 10 bits
    model: BreastModel
    calc_focus: list[float]  # per frame, 1 = in focus
    mass_focus: list[float]
    datasets: dict[str, Dataset]  # file name -> data set


def mg_dataset(
    c: Corpus,
    series,
    inst,
    arr,
    laterality,
    view,
    spacing,
    photometric="MONOCHROME2",
    bits=12,
    sop_class=U.DigitalMammographyXRayImageStorageForPresentation,
    frames=None,
) -> Dataset:
    ds = c.base_ds(series, sop_class, inst)
    ds.ImageType = (
        ["ORIGINAL", "PRIMARY", "TOMOSYNTHESIS", "NONE"] if frames else ["ORIGINAL", "PRIMARY"]
    )
    ds.PresentationIntentType = "FOR PRESENTATION"
    ds.BodyPartExamined = "BREAST"
    ds.ImageLaterality = laterality
    ds.ViewPosition = view
    code = {"CC": ("399162004", "cranio-caudal"), "MLO": ("399368009", "medio-lateral oblique")}
    ds.ViewCodeSequence = [c.code(code[view][0], "SCT", code[view][1])]
    ds.PatientOrientation = ["A", "R"] if laterality == "L" else ["P", "L"]
    ds.BreastImplantPresent = "NO"
    ds.KVP = "29"
    ds.ExposureInuAs = 98000
    ds.AnodeTargetMaterial = "TUNGSTEN"
    ds.FilterMaterial = "RHODIUM"
    ds.BodyPartThickness = "52"
    ds.CompressionForce = "105"
    ds.DetectorType = "DIRECT"
    ds.PositionerType = "MAMMOGRAPHIC"
    ds.BurnedInAnnotation = "NO"
    ds.ImagerPixelSpacing = [f"{spacing:g}", f"{spacing:g}"]
    ds.PixelSpacing = [f"{spacing:g}", f"{spacing:g}"]
    ds.EstimatedRadiographicMagnificationFactor = "1.0"
    c.set_pixel_module(ds, arr, photometric, bits, frames=frames)
    ds.PresentationLUTShape = "INVERSE" if photometric == "MONOCHROME1" else "IDENTITY"
    ds.PixelIntensityRelationship = "LOG"
    ds.PixelIntensityRelationshipSign = 1 if photometric == "MONOCHROME1" else -1
    sample = arr[arr.shape[0] // 2] if frames else arr
    tissue = sample[sample > (0.25 * (2**bits) if photometric == "MONOCHROME2" else 0)]
    if photometric == "MONOCHROME1":
        tissue = sample[sample < 0.75 * (2**bits)]
    lo, hi = np.percentile(tissue, [1, 99.5]) if tissue.size else (0, 2**bits - 1)
    wc, ww = f"{(lo + hi) / 2:.0f}", f"{max(hi - lo, 16):.0f}"
    if frames:
        _functional_groups(c, ds, series, laterality, frames, wc, ww)
    else:
        ds.WindowCenter, ds.WindowWidth = wc, ww
        ds.RescaleIntercept, ds.RescaleSlope, ds.RescaleType = "0", "1", "US"
    return ds


def _functional_groups(c: Corpus, ds, series, laterality, frames, wc, ww) -> None:
    """The enhanced multi-frame modules of a tomosynthesis stack, 1 mm between planes."""
    fg = Dataset()
    pm = Dataset()
    pm.PixelSpacing = ds.PixelSpacing
    pm.SliceThickness = "1"
    fg.PixelMeasuresSequence = [pm]
    po = Dataset()
    # The detector plane of a CC view is axial: rows run along Patient Orientation's
    # first value (A for a left breast, P for a right one), columns along its second
    # (R, L); the planes step along z, the compression axis.
    po.ImageOrientationPatient = [0, -1, 0, -1, 0, 0] if laterality == "L" else [0, 1, 0, 1, 0, 0]
    fg.PlaneOrientationSequence = [po]
    voi = Dataset()
    voi.WindowCenter, voi.WindowWidth = wc, ww
    fg.FrameVOILUTSequence = [voi]
    pvt = Dataset()
    pvt.RescaleIntercept, pvt.RescaleSlope, pvt.RescaleType = "0", "1", "US"
    fg.PixelValueTransformationSequence = [pvt]
    ds.SharedFunctionalGroupsSequence = [fg]
    per = []
    for k in range(frames):
        it = Dataset()
        fc = Dataset()
        fc.FrameAcquisitionNumber = k + 1
        fc.StackID = "1"
        fc.InStackPositionNumber = k + 1
        fc.DimensionIndexValues = [k + 1]
        it.FrameContentSequence = [fc]
        pp = Dataset()
        pp.ImagePositionPatient = ["0", "0", f"{k * 1.0:.1f}"]
        it.PlanePositionSequence = [pp]
        per.append(it)
    ds.PerFrameFunctionalGroupsSequence = per
    ds.FrameOfReferenceUID = series["frame_of_ref"]
    ds.PositionReferenceIndicator = ""
    ds.ContentQualification = "PRODUCT"
    ds.AcquisitionDateTime = ds.ContentDate + ds.ContentTime
    ds.VolumetricProperties = "VOLUME"


def ffdm(
    c: Corpus,
    root,
    study,
    rows,
    cols,
    spacing,
    syntaxes: list[Syntax],
    key,
    first_series=1,
    extras=True,
) -> dict[str, Dataset]:
    """FFDM L CC (with lesions) in several syntaxes, + a MONOCHROME1 copy and a normal R MLO.

    Returns the written data sets by file name.
    """
    rng = c.rng("ffdm", key)
    m = breast_model(rows, cols, rng, "CC", lesions=True)
    img = breast_compose(m, m.tex[0], rng)
    boxes = [m.rois["calcifications"], m.rois["mass"]]
    written: dict[str, Dataset] = {}
    sn = first_series
    for fname, ts, lossy, opts, label in syntaxes:
        se = c.series(study, f"{key}-{fname}", sn, "MG", f"L CC {label}")
        sn += 1
        arr, bits = img, 12
        if ts == U.JPEGBaseline8Bit:  # an 8-bit export: the top 8 of the 12 bits
            arr, bits = (img >> 4).astype(np.uint8), 8
        ds = mg_dataset(c, se, 1, arr, "L", "CC", spacing, bits=bits)
        rel = f"{root}/{fname}"
        desc = f"FFDM L CC {bits}-bit, {label}"
        if c.write(rel, ds, arr, ts, desc=desc, lossy=lossy, **opts):
            c.annotate(rel, boxes, [[] for _ in boxes], view="CC", laterality="L")
            written[fname] = ds
    if not extras:
        return written
    inv = (4095 - img).astype(np.uint16)
    se = c.series(study, f"{key}-mono1", sn, "MG", "L CC MONOCHROME1")
    ds = mg_dataset(c, se, 1, inv, "L", "CC", spacing, photometric="MONOCHROME1")
    rel = f"{root}/L_CC_monochrome1_explicit_le.dcm"
    desc = "FFDM L CC stored inverted as MONOCHROME1 (displays like the MONOCHROME2 one)"
    if c.write(rel, ds, inv, U.ExplicitVRLittleEndian, desc=desc):
        c.annotate(rel, boxes, [[] for _ in boxes], view="CC", laterality="L")
    rng2 = c.rng("ffdm-normal", key)
    m2 = breast_model(rows, cols, rng2, "MLO", lesions=False)
    img2 = np.ascontiguousarray(np.fliplr(breast_compose(m2, m2.tex[0], rng2)))
    se = c.series(study, f"{key}-rmlo", sn + 1, "MG", "R MLO")
    ds = mg_dataset(c, se, 1, img2, "R", "MLO", spacing)
    rel = f"{root}/R_MLO_normal_j2k_lossless.dcm"
    desc = "FFDM R MLO with pectoral muscle, no findings, JPEG 2000 lossless"
    if c.write(rel, ds, img2, U.JPEG2000Lossless, desc=desc):
        c.annotate(rel, [], [], view="MLO", laterality="R")
    return written


def dbt(c: Corpus, root, study, frames, rows, cols, spacing, syntaxes, key, first_series=20) -> Dbt:
    """A breast tomosynthesis stack (10 bits) in each of `syntaxes` ((name, ts, label))."""
    rng = c.rng("dbt", key)
    m = breast_model(rows, cols, rng, "CC", lesions=True, n_tex=2)
    calc_focus, mass_focus = dbt_focus(frames)
    vol = np.empty((frames, rows, cols), np.uint16)
    for k in range(frames):
        u = 0.5 * math.pi * k / max(1, frames - 1)
        tex = math.cos(u) * m.tex[0] + math.sin(u) * m.tex[1]
        vol[k] = breast_compose(
            m, tex, rng, maxval=1023, calc_w=calc_focus[k], mass_w=mass_focus[k], noise=10.0
        )
    fr_c = [k for k in range(frames) if calc_focus[k] >= 0.3]
    fr_m = [k for k in range(frames) if mass_focus[k] >= 0.3]
    boxes = [m.rois["calcifications"], m.rois["mass"]]
    written: dict[str, Dataset] = {}
    for i, (fname, ts, label) in enumerate(syntaxes):
        se = c.series(study, f"{key}-{fname}", first_series + i, "MG", f"L CC Tomo {label}")
        ds = mg_dataset(
            c, se, 1, vol, "L", "CC", spacing, bits=10, sop_class=BREAST_TOMO_STORAGE, frames=frames
        )
        rel = f"{root}/{fname}"
        if c.write(rel, ds, vol, ts, desc=f"DBT {frames} frames 10-bit, {label}"):
            c.annotate(rel, boxes, [fr_c, fr_m], view="CC", laterality="L")
            written[fname] = ds
    return Dbt(vol, m, calc_focus, mass_focus, written)
