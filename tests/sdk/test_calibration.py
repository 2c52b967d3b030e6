"""calibration(): spacing, orientation and laterality of a frame, from real pydicom headers."""

from __future__ import annotations

from pathlib import Path

import pydicom
import pytest
from pydicom.data import get_testdata_file
from pydicom.dataset import Dataset
from pydicom.sequence import Sequence

from dcmview.sdk.calibration import Calibration, calibration
from dcmview.sdk.demo import write_demo
from tests.dicom_factory import make_dicom


def test_a_ct_file_has_pixel_spacing_and_orientation() -> None:
    ds = pydicom.dcmread(get_testdata_file("CT_small.dcm", download=False))
    c = calibration(ds)
    assert c.pixel_spacing == pytest.approx((0.661468, 0.661468))
    assert c.imager_pixel_spacing is None
    assert c.image_orientation_patient == (1.0, 0.0, 0.0, 0.0, 1.0, 0.0)
    assert c.laterality is None


def test_a_mammogram_has_detector_spacing_patient_orientation_and_laterality() -> None:
    ds = Dataset()
    ds.ImagerPixelSpacing = ["0.07", "0.07"]
    ds.PatientOrientation = ["P", "L"]
    ds.ImageLaterality = "R"
    assert calibration(ds) == Calibration(
        imager_pixel_spacing=(0.07, 0.07), patient_orientation=("P", "L"), laterality="R"
    )


def test_functional_groups_of_the_frame_come_first(tmp_path: Path) -> None:
    # The demo's tomosynthesis keeps spacing and orientation in the shared groups only.
    write_demo(tmp_path)
    ds = pydicom.dcmread(tmp_path / "MG" / "DBT_L_CC.dcm", stop_before_pixels=True)
    c = calibration(ds, 3)
    assert c.pixel_spacing == (0.1, 0.1)
    assert c.image_orientation_patient == (0.0, 1.0, 0.0, 0.0, 0.0, -1.0)
    assert c.laterality == "L"
    # A per-frame item overrides the shared one, for that frame only.
    measures = Dataset()
    measures.PixelSpacing = [0.2, 0.3]
    ds.PerFrameFunctionalGroupsSequence[3].PixelMeasuresSequence = Sequence([measures])
    assert calibration(ds, 3).pixel_spacing == (0.2, 0.3)
    assert calibration(ds, 2).pixel_spacing == (0.1, 0.1)


def test_frame_and_series_laterality_stand_in_for_image_laterality() -> None:
    ds = Dataset()
    anatomy = Dataset()
    anatomy.FrameLaterality = "B"
    group = Dataset()
    group.FrameAnatomySequence = Sequence([anatomy])
    ds.SharedFunctionalGroupsSequence = Sequence([group])
    ds.Laterality = "L"
    assert calibration(ds).laterality == "B"
    del ds.SharedFunctionalGroupsSequence
    assert calibration(ds).laterality == "L"


@pytest.mark.parametrize(
    ("keyword", "value"),
    [
        ("PixelSpacing", ["0", "0.1"]),
        ("PixelSpacing", ["0.1"]),
        ("PixelSpacing", ["nan", "0.1"]),
        ("ImagerPixelSpacing", ["-1", "1"]),
        ("ImageOrientationPatient", [0, 0, 0, 0, 1, 0]),
        ("ImageOrientationPatient", [1, 0, 0, 0, 1]),
        ("PatientOrientation", ["A"]),
        ("PatientOrientation", ["A", "X"]),
        ("ImageLaterality", "left"),
    ],
    ids=lambda v: str(v),
)
def test_malformed_values_are_none_not_errors(keyword: str, value: object) -> None:
    ds = Dataset()
    setattr(ds, keyword, value)
    assert calibration(ds) == Calibration()


def test_a_file_without_any_of_them(tmp_path: Path) -> None:
    ds = pydicom.dcmread(make_dicom(tmp_path, rows=4, columns=5))
    assert calibration(ds) == Calibration()
