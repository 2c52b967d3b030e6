"""MR: single-frame brain slices (T1 and T2 weighted), 12 bits stored."""

from __future__ import annotations

import numpy as np
from pydicom import uid as U
from pydicom.dataset import Dataset

from tests.corpus.builder import Corpus
from tests.corpus.phantoms import mr_brain_slice, mr_heights, mr_textures


def mr_dataset(
    c: Corpus, series, inst, arr, n, spacing, thickness, z, charset="ISO_IR 100", t2=False
) -> Dataset:
    ds = c.base_ds(series, U.MRImageStorage, inst, charset=charset)
    ds.ImageType = ["ORIGINAL", "PRIMARY", "M", "ND"]
    ds.BodyPartExamined = "HEAD"
    ds.ScanningSequence = "SE"
    ds.SequenceVariant = "SK" if t2 else "NONE"
    ds.ScanOptions = ""
    ds.MRAcquisitionType = "2D"
    ds.SequenceName = "se2d1" if not t2 else "tse2d1_15"
    ds.SliceThickness = f"{thickness:g}"
    ds.RepetitionTime = "4000" if t2 else "500"
    ds.EchoTime = "95" if t2 else "12"
    ds.EchoTrainLength = 15 if t2 else 1
    ds.MagneticFieldStrength = "1.5"
    ds.ImagingFrequency = "63.87"
    ds.ImagedNucleus = "1H"
    ds.FlipAngle = "150" if t2 else "90"
    ds.SpacingBetweenSlices = f"{thickness * 1.2:g}"
    ds.PatientPosition = "HFS"
    ds.FrameOfReferenceUID = series["frame_of_ref"]
    ds.PositionReferenceIndicator = ""
    off = -(n - 1) / 2.0 * spacing
    ds.ImagePositionPatient = [f"{off:.4f}", f"{off - 10:.4f}", f"{z:.2f}"]
    ds.ImageOrientationPatient = [1, 0, 0, 0, 1, 0]
    ds.SliceLocation = f"{z:.2f}"
    ds.PixelSpacing = [f"{spacing:g}", f"{spacing:g}"]
    c.set_pixel_module(ds, arr, "MONOCHROME2", 12)
    ds.WindowCenter = "900" if t2 else "500"
    ds.WindowWidth = "1800" if t2 else "1000"
    return ds


def mr_volume(c: Corpus, n, nslices, key, t2=False) -> list[np.ndarray]:
    """The slices of a brain volume, inferior to superior (uint16)."""
    rng = c.rng("mr", key)
    ta, tb = mr_textures(n, rng)
    return [mr_brain_slice(n, tz, ta, tb, rng, t2=t2) for tz in mr_heights(nslices)]


def mr_quantity_volume(c: Corpus, n, nslices, key, quantity: dict) -> np.ndarray:
    """A noise-free map of `quantity` per tissue over the same anatomy as mr_volume(key)."""
    # The textures are the first draws of the volume's generator: a fresh one
    # with the same key gives the same gyri, so the map lines up with the images.
    ta, tb = mr_textures(n, c.rng("mr", key))
    unused = np.random.default_rng(0)
    slices = [
        mr_brain_slice(n, tz, ta, tb, unused, quantity=quantity) for tz in mr_heights(nslices)
    ]
    return np.stack(slices)
