"""CT: single-frame axial series of the body phantom (Explicit VR LE, HU with intercept -1024)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from pydicom import uid as U
from pydicom.dataset import Dataset

from tests.corpus.builder import Corpus
from tests.corpus.phantoms import ct_body_slice, ct_stored


@dataclass
class CtSeries:
    """A written CT series: its data sets (slice order), label maps and slice heights."""

    root: str
    datasets: list[Dataset]
    labels: np.ndarray  # (slices, n, n) uint8, phantoms.CT_LABELS
    heights: list[float]  # tz of each slice
    spacing: float


def ct_dataset(c: Corpus, series, inst, arr, n, spacing, thickness, z, sop_uid=None) -> Dataset:
    ds = c.base_ds(series, U.CTImageStorage, inst, sop_uid=sop_uid)
    ds.ImageType = ["ORIGINAL", "PRIMARY", "AXIAL"]
    ds.BodyPartExamined = "ABDOMEN"
    ds.ScanOptions = "HELICAL MODE"
    ds.SliceThickness = f"{thickness:g}"
    ds.KVP = "120"
    ds.DataCollectionDiameter = "500"
    ds.ReconstructionDiameter = f"{n * spacing:g}"
    ds.ConvolutionKernel = "STANDARD"
    ds.PatientPosition = "HFS"
    ds.AcquisitionNumber = 1
    ds.FrameOfReferenceUID = series["frame_of_ref"]
    ds.PositionReferenceIndicator = ""
    off = -(n - 1) / 2.0 * spacing
    ds.ImagePositionPatient = [f"{off:.4f}", f"{off:.4f}", f"{z:.2f}"]
    ds.ImageOrientationPatient = [1, 0, 0, 0, 1, 0]
    ds.SliceLocation = f"{z:.2f}"
    ds.PixelSpacing = [f"{spacing:g}", f"{spacing:g}"]
    c.set_pixel_module(ds, arr, "MONOCHROME2", 16)
    ds.add_new(0x00280120, "SS", -2000)  # Pixel Padding Value
    ds.WindowCenter = ["40", "-600"]
    ds.WindowWidth = ["400", "1500"]
    ds.WindowCenterWidthExplanation = ["SOFT TISSUE", "LUNG"]
    ds.RescaleIntercept = "-1024"
    ds.RescaleSlope = "1"
    ds.RescaleType = "HU"
    return ds


def ct_series(
    c: Corpus,
    root,
    series,
    nslices,
    n,
    spacing,
    thickness,
    tz_range=(0.0, 1.0),
    fname="IM{:05d}.dcm",
    noise_sd=10.0,
) -> CtSeries:
    """Write `nslices` slices, head first supine: instance 1 is the most superior."""
    rng = c.rng("ct", series["key"])
    datasets, labels, heights = [], [], []
    for i in range(nslices):
        tz = tz_range[0] + (tz_range[1] - tz_range[0]) * i / max(1, nslices - 1)
        hu, lab = ct_body_slice(n, spacing, tz, rng, noise_sd)
        arr = ct_stored(hu)
        z = -100.0 - i * thickness
        ds = ct_dataset(c, series, i + 1, arr, n, spacing, thickness, z)
        c.write(
            f"{root}/{fname.format(i + 1)}",
            ds,
            arr,
            U.ExplicitVRLittleEndian,
            desc=f"CT body phantom slice {i + 1}/{nslices}",
        )
        datasets.append(ds)
        labels.append(lab)
        heights.append(tz)
    return CtSeries(root, datasets, np.stack(labels), heights, spacing)
