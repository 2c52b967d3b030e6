"""sdk.geometry: pixel <-> patient on real headers (single-frame CT, tomosynthesis, RT Dose)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pydicom
import pytest
from pydicom.dataset import Dataset

from dcmview.sdk.geometry import (
    Plane,
    Volume,
    centre_to_corner,
    corner_to_centre,
    frame_plane,
    frame_planes,
)

CT_SERIES = "ct/CORPUS-CT0001"


def _ct_files(root: Path) -> list[Path]:
    return sorted((root / CT_SERIES).rglob("series_002_*/*.dcm"))


def _oblique() -> Dataset:
    ds = Dataset()
    ds.Rows, ds.Columns = 10, 20
    ds.ImagePositionPatient = [5.0, -3.0, 12.0]
    c, s = np.cos(0.3), np.sin(0.3)
    ds.ImageOrientationPatient = [c, s, 0.0, 0.0, 0.0, -1.0]
    ds.PixelSpacing = [0.7, 0.4]
    return ds


def test_the_formula_of_ps3_3_c_7_6_2_1_1() -> None:
    ds = _oblique()
    plane = frame_plane(ds)
    assert plane is not None
    x, y = np.asarray(ds.ImageOrientationPatient[:3]), np.asarray(ds.ImageOrientationPatient[3:])
    # row 3, column 7: 7 steps of the column spacing along X, 3 of the row spacing along Y
    expected = np.asarray(ds.ImagePositionPatient) + 7 * 0.4 * x + 3 * 0.7 * y
    np.testing.assert_allclose(plane.to_patient([[3, 7]])[0], expected)
    np.testing.assert_allclose(plane.to_pixel([expected]), [[3, 7]], atol=1e-12)
    assert plane.distance([expected])[0] == pytest.approx(0, abs=1e-12)
    # the affine agrees with to_patient, and steps one mm along the normal
    np.testing.assert_allclose((plane.affine @ [3, 7, 0, 1])[:3], expected)
    np.testing.assert_allclose((plane.affine @ [3, 7, 2, 1])[:3], expected + 2 * plane.normal)
    assert plane.distance([expected + 2 * plane.normal])[0] == pytest.approx(2)


def test_grid_and_corners() -> None:
    plane = frame_plane(_oblique())
    assert plane is not None
    grid = plane.pixel_grid()
    assert grid.shape == (10, 20, 3)
    np.testing.assert_allclose(grid[4, 9], plane.to_patient([[4, 9]])[0])
    corners = plane.to_pixel(plane.corners())
    np.testing.assert_allclose(corners, [[-0.5, -0.5], [-0.5, 19.5], [9.5, 19.5], [9.5, -0.5]])


def test_corner_convention_round_trips() -> None:
    # GSPS/SR (column, row) from the corner: the first pixel's centre is (0.5, 0.5)
    np.testing.assert_allclose(corner_to_centre([[0.5, 0.5], [3.5, 1.0]]), [[0, 0], [0.5, 3]])
    np.testing.assert_allclose(centre_to_corner(corner_to_centre([[2.25, 7.0]])), [[2.25, 7.0]])


def test_missing_or_malformed_geometry_is_none() -> None:
    ds = _oblique()
    del ds.PixelSpacing
    assert frame_plane(ds) is None
    ds = _oblique()
    ds.ImageOrientationPatient = [0, 0, 0, 0, 0, 0]
    assert frame_plane(ds) is None
    ds = _oblique()
    ds.Rows = 0
    assert frame_plane(ds) is None


def test_ct_series_is_a_volume_in_any_order(corpus_ci: Path) -> None:
    files = _ct_files(corpus_ci)
    assert len(files) == 40
    headers = [pydicom.dcmread(f, stop_before_pixels=True) for f in files]
    planes = [frame_plane(ds) for ds in headers]
    assert all(p is not None and p.frame_of_reference_uid for p in planes)
    shuffled = planes[::-1]
    volume = Volume.from_planes(shuffled)
    assert volume is not None
    assert volume.shape == (40, 256, 256)
    assert list(np.diff(volume.offsets) > 0) == [True] * 39
    for k, plane in enumerate(volume.planes):
        assert volume.plane_index(plane) == k
        assert shuffled[volume.order[k]] is plane
    # a point at the centre of pixel (100, 50) of the 10th plane maps back to it
    point = volume.planes[10].to_patient([[100, 50]])
    np.testing.assert_allclose(volume.to_index(point), [[10, 100, 50]], atol=1e-6)
    # half-way between two planes is a fractional index; outside is NaN
    mid = (volume.planes[3].to_patient([[0, 0]]) + volume.planes[4].to_patient([[0, 0]])) / 2
    assert volume.to_index(mid)[0, 0] == pytest.approx(3.5)
    below = volume.planes[0].to_patient([[0, 0]]) - 10 * volume.planes[0].normal
    assert np.isnan(volume.to_index(below)[0, 0])
    # a plane between slices is on none of them
    assert volume.plane_index(_shifted(volume.planes[5], 1.0)) is None


def _shifted(plane: Plane, mm: float) -> Plane:
    p = np.asarray(plane.position) + mm * plane.normal
    return Plane(
        (float(p[0]), float(p[1]), float(p[2])),
        plane.row_direction,
        plane.column_direction,
        plane.spacing,
        plane.rows,
        plane.columns,
    )


def test_tomosynthesis_per_frame_positions(corpus_ci: Path) -> None:
    path = next((corpus_ci / "mg").rglob("DBT_L_CC_12f_j2k_lossless.dcm"))
    ds = pydicom.dcmread(path, stop_before_pixels=True)
    planes = frame_planes(ds)
    assert len(planes) == 12
    assert all(p is not None for p in planes)
    for i, plane in enumerate(planes):
        assert plane is not None
        item = ds.PerFrameFunctionalGroupsSequence[i].PlanePositionSequence[0]
        np.testing.assert_allclose(plane.position, [float(v) for v in item.ImagePositionPatient])
    volume = Volume.from_planes(planes)
    assert volume is not None
    assert volume.shape == (12, ds.Rows, ds.Columns)


def test_rt_dose_grid_frame_offsets(corpus_ci: Path) -> None:
    path = next((corpus_ci / "derived").rglob("RTDOSE_plan.dcm"))
    ds = pydicom.dcmread(path, stop_before_pixels=True)
    planes = frame_planes(ds)
    assert len(planes) == int(ds.NumberOfFrames)
    offsets = [float(v) for v in ds.GridFrameOffsetVector]
    first = planes[0]
    assert first is not None
    np.testing.assert_allclose(first.position, [float(v) for v in ds.ImagePositionPatient])
    for plane, off in zip(planes, offsets, strict=True):
        assert plane is not None
        assert plane.distance(first.to_patient([[0, 0]]))[0] == pytest.approx(
            -(off - offsets[0]), abs=1e-9
        )
    # the CT slice at a dose plane's height lies on that plane of the dose volume
    volume = Volume.from_planes(planes)
    assert volume is not None
    ct = [frame_plane(pydicom.dcmread(f, stop_before_pixels=True)) for f in _ct_files(corpus_ci)]
    hits = [volume.plane_index(p) for p in ct if p is not None]
    assert any(h is not None for h in hits)


def test_to_json_is_plain() -> None:
    import json

    plane = frame_plane(_oblique())
    assert plane is not None
    back = json.loads(json.dumps(plane.to_json()))
    assert back["rows"] == 10
    assert back["spacing"] == [0.7, 0.4]
