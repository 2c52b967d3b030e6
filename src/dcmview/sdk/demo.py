"""The built-in sample study of ``dcmview --demo``, generated on the fly with pydicom and numpy.

:func:`write_demo` writes, in well under a second, one synthetic patient with:

- a CT series of 24 single-frame slices (Explicit VR Little Endian) with
  ImagePositionPatient/ImageOrientationPatient, so the series stacks by position;
- a 16-frame breast-tomosynthesis-like multi-frame file whose window lives in the
  Shared Functional Groups (PS3.3 C.7.6.16.2.10 Frame VOI LUT), and whose
  per-frame plane positions move along the normal;
- a 12-frame RGB ultrasound-like cine (Cine Rate, Frame Time).

Everything is synthetic (phantoms drawn with numpy): no patient data.
"""

from __future__ import annotations

import datetime
import os
from pathlib import Path

import numpy as np
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.sequence import Sequence
from pydicom.uid import PYDICOM_IMPLEMENTATION_UID, UID, ExplicitVRLittleEndian, generate_uid

__all__ = ["write_demo"]

_CT_STORAGE = "1.2.840.10008.5.1.4.1.1.2"
_BTO_STORAGE = "1.2.840.10008.5.1.4.1.1.13.1.3"
_US_MULTIFRAME_STORAGE = "1.2.840.10008.5.1.4.1.1.3.1"


def _base(sop_class: str, study: Dataset, series_uid: str, modality: str) -> Dataset:
    ds = Dataset()
    ds.file_meta = FileMetaDataset()
    ds.file_meta.MediaStorageSOPClassUID = UID(sop_class)
    ds.SOPInstanceUID = generate_uid()
    ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
    ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds.file_meta.ImplementationClassUID = PYDICOM_IMPLEMENTATION_UID
    ds.SOPClassUID = sop_class
    ds.SpecificCharacterSet = "ISO_IR 192"
    for keyword in (
        "PatientID",
        "PatientName",
        "StudyInstanceUID",
        "StudyDate",
        "StudyTime",
        "StudyDescription",
        "AccessionNumber",
        "StudyID",
        "PatientBirthDate",
        "PatientSex",
        "ReferringPhysicianName",
    ):
        setattr(ds, keyword, getattr(study, keyword))
    ds.SeriesInstanceUID = series_uid
    ds.Modality = modality
    ds.Manufacturer = "dcmview demo"
    return ds


def _ct_slice(n: int, total: int, size: int) -> np.ndarray:
    # A body phantom: soft tissue ellipse, lungs, a spine, contrast vessels (HU + 1024).
    y, x = np.mgrid[-1 : 1 : size * 1j, -1 : 1 : size * 1j]
    z = n / max(1, total - 1) - 0.5
    hu = np.full((size, size), -1000.0)
    hu[(x / 0.85) ** 2 + (y / 0.6) ** 2 < 1] = 40
    lung = 0.28 + 0.05 * np.cos(3 * z)
    hu[((x - 0.38) / lung) ** 2 + (y / 0.42) ** 2 < 1] = -850
    hu[((x + 0.38) / lung) ** 2 + (y / 0.42) ** 2 < 1] = -850
    hu[(x / 0.12) ** 2 + ((y - 0.42) / 0.1) ** 2 < 1] = 700
    hu[((x - 0.1 * z) / 0.06) ** 2 + ((y + 0.05) / 0.06) ** 2 < 1] = 250
    rng = np.random.default_rng(n)
    hu += rng.normal(0, 12, hu.shape)
    out: np.ndarray = np.clip(hu + 1024, 0, 4095).astype(np.uint16)
    return out


def _dbt_frame(n: int, total: int, rows: int, cols: int) -> np.ndarray:
    y, x = np.mgrid[0 : 1 : rows * 1j, 0 : 1 : cols * 1j]
    breast = (x / 0.75) ** 2 + ((y - 0.5) / 0.48) ** 2 < 1
    img = np.where(breast, 1400 + 500 * (1 - x), 80.0)
    depth = n / max(1, total - 1)
    # A mass in focus at mid depth, calcifications in focus near the top.
    focus = np.exp(-((depth - 0.5) ** 2) / 0.02)
    img += 700 * focus * np.exp(-(((x - 0.35) ** 2 + (y - 0.45) ** 2) / 0.002))
    calc = np.exp(-((depth - 0.2) ** 2) / 0.005)
    for cx, cy in ((0.5, 0.3), (0.52, 0.33), (0.55, 0.31)):
        img += 900 * calc * np.exp(-(((x - cx) ** 2 + (y - cy) ** 2) / 0.00005))
    rng = np.random.default_rng(100 + n)
    img += rng.normal(0, 25, img.shape)
    return np.clip(img, 0, 4095).astype(np.uint16)


def _us_frame(n: int, rows: int, cols: int) -> np.ndarray:
    y, x = np.mgrid[0:rows, 0:cols].astype(np.float32)
    cx, cy = cols / 2, rows * 0.1
    r = np.hypot(x - cx, y - cy)
    theta = np.arctan2(x - cx, y - cy)
    sector = (np.abs(theta) < 0.6) & (r < rows * 0.85)
    rng = np.random.default_rng(200 + n)
    speckle = rng.rayleigh(40, (rows, cols)).astype(np.float32)
    vessel_r = rows * (0.08 + 0.02 * np.sin(2 * np.pi * n / 12))
    vessel = np.hypot(x - cx, y - rows * 0.5) < vessel_r
    gray = np.where(sector & ~vessel, np.clip(speckle, 0, 255), 0)
    rgb = np.stack([gray, gray, gray], axis=-1)
    # Colour Doppler inside the vessel: red one way, blue the other.
    flow = np.sin(2 * np.pi * n / 12)
    rgb[vessel & sector] = (220, 40, 40) if flow >= 0 else (40, 60, 220)
    return rgb.astype(np.uint8)


def write_demo(folder: str | os.PathLike[str]) -> list[Path]:
    """Write the demo study into `folder` and return the files written.

    Parameters
    ----------
    folder : path
        An existing, empty folder (``dcmview --demo`` uses a temporary one).

    Returns
    -------
    list of Path
        The files, CT slices first.

    Examples
    --------
    >>> import tempfile
    >>> from dcmview.sdk import scan
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     files = write_demo(folder)
    ...     print(len(files), sorted({h.modality for h in scan(folder).headers}))
    26 ['CT', 'MG', 'US']
    """
    root = Path(folder)
    study = Dataset()
    study.PatientID = "DEMO-0001"
    study.PatientName = "DEMO^PHANTOM"
    study.PatientBirthDate = "19700101"
    study.PatientSex = "O"
    study.StudyInstanceUID = generate_uid()
    study.StudyDate = datetime.date.today().strftime("%Y%m%d")
    study.StudyTime = "120000"
    study.StudyDescription = "DCMVIEW DEMO STUDY"
    study.AccessionNumber = "DEMO1"
    study.StudyID = "1"
    study.ReferringPhysicianName = ""
    frame_of_reference = generate_uid()
    written: list[Path] = []

    # CT: 24 slices of 256x256, 5 mm apart, written in shuffled order so the
    # viewer's stack order visibly comes from the positions, not the names.
    ct_dir = root / "CT"
    ct_dir.mkdir(parents=True, exist_ok=True)
    series_uid = generate_uid()
    total = 24
    order = np.random.default_rng(7).permutation(total)
    for n in range(total):
        ds = _base(_CT_STORAGE, study, series_uid, "CT")
        ds.SeriesNumber = 2
        ds.SeriesDescription = "CT CHEST 5mm (demo)"
        ds.InstanceNumber = n + 1
        ds.FrameOfReferenceUID = frame_of_reference
        ds.ImageOrientationPatient = [1, 0, 0, 0, 1, 0]
        ds.ImagePositionPatient = [-180.0, -180.0, -60.0 + 5.0 * n]
        ds.SliceThickness = 5
        ds.PixelSpacing = [1.40625, 1.40625]
        ds.RescaleIntercept = -1024
        ds.RescaleSlope = 1
        ds.RescaleType = "HU"
        ds.WindowCenter = 40
        ds.WindowWidth = 400
        ds.set_pixel_data(_ct_slice(n, total, 256), "MONOCHROME2", 12)
        path = ct_dir / f"IM{order[n] + 1:04d}.dcm"
        ds.save_as(path, enforce_file_format=True)
        written.append(path)

    # DBT: one multi-frame file, window in the shared functional groups.
    frames, rows, cols = 16, 320, 256
    ds = _base(_BTO_STORAGE, study, generate_uid(), "MG")
    ds.SeriesNumber = 3
    ds.SeriesDescription = "L CC TOMO (demo)"
    ds.InstanceNumber = 1
    ds.FrameOfReferenceUID = frame_of_reference
    ds.ImageLaterality = "L"
    ds.NumberOfFrames = frames
    stack = np.stack([_dbt_frame(n, frames, rows, cols) for n in range(frames)])
    ds.set_pixel_data(stack, "MONOCHROME2", 12)
    voi = Dataset()
    voi.WindowCenter = 1600
    voi.WindowWidth = 1600
    voi.VOILUTFunction = "LINEAR"
    measures = Dataset()
    measures.PixelSpacing = [0.1, 0.1]
    measures.SliceThickness = 1
    orientation = Dataset()
    orientation.ImageOrientationPatient = [0, 1, 0, 0, 0, -1]
    shared = Dataset()
    shared.FrameVOILUTSequence = Sequence([voi])
    shared.PixelMeasuresSequence = Sequence([measures])
    shared.PlaneOrientationSequence = Sequence([orientation])
    ds.SharedFunctionalGroupsSequence = Sequence([shared])
    per_frame = []
    for n in range(frames):
        position = Dataset()
        position.ImagePositionPatient = [float(n), 0.0, 0.0]
        item = Dataset()
        item.PlanePositionSequence = Sequence([position])
        per_frame.append(item)
    ds.PerFrameFunctionalGroupsSequence = Sequence(per_frame)
    mg_dir = root / "MG"
    mg_dir.mkdir(parents=True, exist_ok=True)
    path = mg_dir / "DBT_L_CC.dcm"
    ds.save_as(path, enforce_file_format=True)
    written.append(path)

    # US: an RGB cine.
    frames, rows, cols = 12, 240, 320
    ds = _base(_US_MULTIFRAME_STORAGE, study, generate_uid(), "US")
    ds.SeriesNumber = 4
    ds.SeriesDescription = "CAROTID DOPPLER CINE (demo)"
    ds.InstanceNumber = 1
    ds.NumberOfFrames = frames
    ds.CineRate = 12
    ds.FrameTime = 1000 / 12
    ds.FrameIncrementPointer = (0x0018, 0x1063)
    ds.set_pixel_data(np.stack([_us_frame(n, rows, cols) for n in range(frames)]), "RGB", 8)
    us_dir = root / "US"
    us_dir.mkdir(parents=True, exist_ok=True)
    path = us_dir / "CINE_RGB.dcm"
    ds.save_as(path, enforce_file_format=True)
    written.append(path)
    return written
