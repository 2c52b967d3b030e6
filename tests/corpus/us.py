"""Ultrasound: an RGB cine (uncompressed and JPEG Baseline YBR_FULL_422), one JPEG frame
and a PALETTE COLOR image."""

from __future__ import annotations

from pydicom import uid as U
from pydicom.datadict import tag_for_keyword
from pydicom.dataset import Dataset

from tests.corpus.builder import Corpus
from tests.corpus.phantoms import palette_image, us_cine


def us_dataset(c: Corpus, series, inst, arr, frames=None, photometric="RGB", lut=None) -> Dataset:
    sop = U.UltrasoundMultiFrameImageStorage if frames else U.UltrasoundImageStorage
    ds = c.base_ds(series, sop, inst)
    ds.ImageType = ["ORIGINAL", "PRIMARY", "VASCULAR", "0011"]
    ds.BodyPartExamined = "NECK"
    ds.BurnedInAnnotation = "NO"
    ds.TransducerData = "L12-5"
    c.set_pixel_module(ds, arr, photometric, 8, frames=frames)
    if frames:
        ds.FrameTime = "33.333"
        ds.FrameIncrementPointer = 0x00181063
        ds.CineRate = 30
        ds.RecommendedDisplayFrameRate = 30
    rg = Dataset()
    rg.RegionSpatialFormat = 1
    rg.RegionDataType = 1
    rg.RegionFlags = 0
    rg.RegionLocationMinX0, rg.RegionLocationMinY0 = 40, 0
    rg.RegionLocationMaxX1, rg.RegionLocationMaxY1 = ds.Columns - 41, ds.Rows - 25
    rg.PhysicalUnitsXDirection = rg.PhysicalUnitsYDirection = 3  # cm
    rg.PhysicalDeltaX = rg.PhysicalDeltaY = 0.0175
    ds.SequenceOfUltrasoundRegions = [rg]
    if lut is not None:
        desc = [256, 0, 16]
        for c_, name in enumerate(("Red", "Green", "Blue")):
            ds.add_new(tag_for_keyword(f"{name}PaletteColorLookupTableDescriptor"), "US", desc)
            ds.add_new(
                tag_for_keyword(f"{name}PaletteColorLookupTableData"),
                "OW",
                lut[:, c_].astype("<u2").tobytes(),
            )
    return ds


def ultrasound(c: Corpus, root, study) -> None:
    cine = us_cine(20, 240, 320, c.rng("us"))
    se = c.series(study, "cine", 1, "US", "CAROTID L LONG CINE")
    ds = us_dataset(c, se, 1, cine, frames=20)
    c.write(
        f"{root}/cine_rgb_20f_explicit_le.dcm",
        ds,
        cine,
        U.ExplicitVRLittleEndian,
        desc="US RGB cine 20 frames, uncompressed, PlanarConfiguration 0",
    )
    se = c.series(study, "cine-jpeg", 4, "US", "CAROTID L LONG CINE (JPEG)")
    ds = us_dataset(c, se, 1, cine, frames=20, photometric="YBR_FULL_422")
    c.write(
        f"{root}/cine_ybr_full_422_20f_jpeg_baseline.dcm",
        ds,
        cine,
        U.JPEGBaseline8Bit,
        lossy=True,
        desc="US cine 20 frames, JPEG baseline 8-bit, YBR_FULL_422",
    )
    se = c.series(study, "jpeg", 2, "US", "CAROTID L LONG (JPEG)")
    ds = us_dataset(c, se, 1, cine[5], photometric="YBR_FULL_422")
    c.write(
        f"{root}/frame_jpeg_baseline_ybr_full_422.dcm",
        ds,
        cine[5],
        U.JPEGBaseline8Bit,
        lossy=True,
        desc="US RGB frame JPEG baseline 8-bit, YBR_FULL_422",
    )
    se = c.series(study, "palette", 3, "US", "ELASTOGRAPHY MAP (PALETTE COLOR)")
    idx, lut = palette_image(cine[5])
    ds = us_dataset(c, se, 1, idx, photometric="PALETTE COLOR", lut=lut)
    c.write(
        f"{root}/palette_color_8bit.dcm",
        ds,
        idx,
        U.ExplicitVRLittleEndian,
        desc="PALETTE COLOR 8-bit indices with 16-bit 256-entry LUTs",
    )
