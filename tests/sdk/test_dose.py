"""RT Dose: grid values in Gy, trilinear resampling onto image planes, isodose lines, colour wash.

Trilinear interpolation is exact for a field linear in x, y and z, so a
synthetic grid holding one gives the expected dose at any point inside it
(also with an oblique orientation and uneven frame offsets). The corpus's
RT Dose peaks at 60 Gy at the PTV centre on the CT series; pydicom's bundled
grids (RELATIVE units, native and RLE) read back their stored values.
"""

from __future__ import annotations

import math

import numpy as np
import pydicom
import pytest
from pydicom.uid import ExplicitVRLittleEndian, RLELossless, RTDoseStorage

from dcmview.sdk import DerivedObjectError, InvalidInputError
from dcmview.sdk.dose import DOSE_COLOURS, DoseGrid, DoseGridError, read_dose
from dcmview.sdk.geometry import Plane, frame_plane
from tests.bundled import TEST_FILES
from tests.corpus import manifest
from tests.corpus.derived import DOSE_MAX_GY, DOSE_SIGMA_MM, PTV_CENTRE
from tests.dicom_factory import make_dataset, write

SCALING = 1e-4
FOR_UID = "1.2.3.4.5"


def field(xyz: np.ndarray) -> np.ndarray:
    """The analytic dose (Gy): linear, so trilinear interpolation reproduces it."""
    x, y, z = xyz[..., 0], xyz[..., 1], xyz[..., 2]
    return 20.0 + 0.05 * x - 0.03 * y + 0.1 * z


def oblique(angle_deg: float) -> tuple[list[float], list[float]]:
    a = math.radians(angle_deg)
    return [math.cos(a), math.sin(a), 0.0], [-math.sin(a), math.cos(a), 0.0]


def dose_dataset(
    *,
    rows: int = 6,
    columns: int = 5,
    offsets: tuple[float, ...] = (0.0, 4.0, 10.0, 12.0),
    spacing: tuple[float, float] = (2.0, 3.0),
    origin: tuple[float, float, float] = (-5.0, -4.0, 10.0),
    angle: float = 0.0,
    units: str | None = "GY",
):
    """An RT Dose data set whose grid holds field() (uint32 x SCALING)."""
    x, y = oblique(angle)
    frames = len(offsets)
    probe = Plane(origin, tuple(x), tuple(y), spacing, rows, columns)  # type: ignore[arg-type]
    grid = probe.pixel_grid()[None] + np.asarray(offsets)[:, None, None, None] * probe.normal
    stored = np.rint(field(grid) / SCALING).astype(np.uint32)
    ds = make_dataset(
        rows=rows,
        columns=columns,
        frames=frames,
        bits_allocated=32,
        arr=stored if frames > 1 else stored[0],
        modality="RTDOSE",
        sop_class_uid=RTDoseStorage,
    )
    ds.ImagePositionPatient = list(origin)
    ds.ImageOrientationPatient = x + y
    ds.PixelSpacing = list(spacing)
    ds.FrameOfReferenceUID = FOR_UID
    if frames > 1:
        ds.GridFrameOffsetVector = list(offsets)
        ds.FrameIncrementPointer = 0x3004000C
    ds.DoseGridScaling = SCALING
    if units is not None:
        ds.DoseUnits = units
    ds.DoseType = "PHYSICAL"
    ds.DoseSummationType = "PLAN"
    return ds, probe


@pytest.mark.parametrize("angle", [0.0, 30.0])
def test_sampled_dose_is_the_trilinear_interpolation_of_a_linear_field(tmp_path, angle):
    ds, probe = dose_dataset(angle=angle)
    grid = read_dose(write(ds, tmp_path / "dose.dcm"))
    assert grid.units == "GY"
    assert grid.values.shape == (4, 6, 5)
    rng = np.random.default_rng(1)
    # Random points inside: fractional (row, column) and offsets within the stack.
    rc = rng.uniform([0, 0], [5, 4], size=(200, 2))
    along = rng.uniform(0.0, 12.0, size=200)
    xyz = probe.to_patient(rc) + along[:, None] * probe.normal
    values, inside = grid.sample(xyz)
    assert inside.all()
    np.testing.assert_allclose(values, field(xyz), atol=SCALING)
    # The grid's own voxels and its corners are inside, a step past any face is not.
    corners = probe.to_patient([[0, 0], [5, 4]]) + np.array([[0.0], [12.0]]) * probe.normal
    assert grid.sample(corners)[1].all()
    outside = np.concatenate(
        [
            probe.to_patient([[-0.1, 2], [2, 4.1]]),
            probe.to_patient([[2, 2]]) + 12.1 * probe.normal,
            probe.to_patient([[2, 2]]) - 0.1 * probe.normal,
        ]
    )
    values, inside = grid.sample(outside)
    assert not inside.any()
    assert np.isnan(values).all()


def test_dose_on_an_image_plane_is_sampled_at_every_pixel_centre(tmp_path):
    ds, _ = dose_dataset(angle=30.0)
    grid = read_dose(write(ds, tmp_path / "dose.dcm"))
    # A finer axial image plane at z = 17 (between the frames at 14 and 20) reaching
    # past the grid on the left and the top.
    image = Plane((-12.0, -8.0, 17.0), (1, 0, 0), (0, 1, 0), (0.5, 0.5), 40, 50, 2.0, FOR_UID)
    plane = grid.on_plane(image)
    assert plane.values.shape == plane.inside.shape == (40, 50)
    assert plane.values.dtype == np.float32
    assert plane.inside.any()
    assert not plane.inside.all()
    centres = image.pixel_grid()
    np.testing.assert_allclose(
        plane.values[plane.inside], field(centres[plane.inside]), atol=1e-3, rtol=1e-6
    )
    assert np.isnan(plane.values[~plane.inside]).all()


def test_a_plane_in_another_frame_of_reference_is_refused(tmp_path):
    ds, probe = dose_dataset()
    path = write(ds, tmp_path / "dose.dcm")
    grid = read_dose(path)
    other = Plane(probe.position, (1, 0, 0), (0, 1, 0), (1, 1), 4, 4, None, "9.9.9")
    with pytest.raises(DoseGridError) as info:
        grid.on_plane(other)
    assert info.value.code == "invalid_dose_grid"
    assert str(path) in str(info.value)


def test_a_one_frame_grid_covers_half_its_slice_thickness(tmp_path):
    ds, probe = dose_dataset(offsets=(0.0,))
    ds.SliceThickness = 3.0
    grid = read_dose(write(ds, tmp_path / "dose.dcm"))
    centre = probe.to_patient([[2, 2]])
    near = centre + np.array([[0, 0, 1.4], [0, 0, -1.4], [0, 0, 1.6]])
    values, inside = grid.sample(near)
    assert inside.tolist() == [True, True, False]
    np.testing.assert_allclose(values[:2], field(centre)[0], atol=SCALING)


@pytest.mark.parametrize(
    ("change", "needle"),
    [
        (lambda ds: delattr(ds, "ImagePositionPatient"), "no usable geometry"),
        (lambda ds: delattr(ds, "GridFrameOffsetVector"), "no usable geometry"),
        (lambda ds: delattr(ds, "DoseUnits"), "Dose Units"),
        (lambda ds: setattr(ds, "DoseUnits", "CGY"), "Dose Units 'CGY'"),
        (lambda ds: setattr(ds, "Modality", "CT"), "not an RT Dose"),
    ],
)
def test_bad_dose_grids_raise_a_typed_error_naming_the_file(tmp_path, change, needle):
    ds, _ = dose_dataset()
    change(ds)
    path = write(ds, tmp_path / "bad.dcm")
    with pytest.raises(DoseGridError) as info:
        read_dose(path)
    assert needle in str(info.value)
    assert str(path) in str(info.value)
    assert info.value.path == str(path)
    assert isinstance(info.value, DerivedObjectError)
    assert isinstance(info.value, ValueError)


# -- bundled and corpus files ----------------------------------------------------------------


@pytest.mark.parametrize("name", ["rtdose.dcm", "rtdose_rle.dcm", "rtdose_expb.dcm"])
def test_bundled_rtdose_reads_its_stored_values_scaled(name):
    path = TEST_FILES / name
    ds = pydicom.dcmread(path)
    grid = read_dose(path)
    assert grid.units == "RELATIVE"
    want = ds.pixel_array.astype(np.float64) * float(ds.DoseGridScaling)
    np.testing.assert_allclose(grid.values, want)
    # Sampling at the voxel centres of a frame gives the frame back.
    k = 7
    plane = frame_plane(ds, k)
    assert plane is not None
    on = grid.on_plane(plane)
    assert on.inside.all()
    np.testing.assert_allclose(on.values, want[k], rtol=1e-6)


def test_the_rle_and_native_bundled_grids_are_the_same():
    native = read_dose(TEST_FILES / "rtdose.dcm")
    rle = read_dose(TEST_FILES / "rtdose_rle.dcm")
    assert pydicom.dcmread(TEST_FILES / "rtdose_rle.dcm").file_meta.TransferSyntaxUID == RLELossless
    np.testing.assert_array_equal(native.values, rle.values)


def test_a_data_set_with_pixels_reads_like_its_file():
    ds = pydicom.dcmread(TEST_FILES / "rtdose.dcm")
    np.testing.assert_array_equal(read_dose(ds).values, read_dose(TEST_FILES / "rtdose.dcm").values)
    assert ds.file_meta.TransferSyntaxUID != ExplicitVRLittleEndian  # implicit VR


def _corpus_rows():
    rows = manifest()
    dose = next(r for r in rows if r["path"].endswith("RTDOSE_plan.dcm"))
    slices = sorted(
        (r for r in rows if r["path"].startswith(dose["derived_from"] + "/")),
        key=lambda r: r["path"],
    )
    return dose, slices


def test_corpus_dose_peaks_at_the_ptv_on_its_ct_slice():
    dose, slices = _corpus_rows()
    grid = read_dose(dose["abspath"])
    assert grid.units == "GY"
    assert grid.max_dose == pytest.approx(DOSE_MAX_GY, abs=1e-4)
    assert set(grid.referenced_sop_instance_uids) == {s["sop_instance_uid"] for s in slices}
    # The CT slice through the PTV centre.
    planes = [frame_plane(pydicom.dcmread(s["abspath"], stop_before_pixels=True)) for s in slices]
    k = int(np.argmin([abs(p.position[2] - PTV_CENTRE[2]) for p in planes]))
    plane = planes[k]
    assert plane.position[2] == pytest.approx(PTV_CENTRE[2])
    on = grid.on_plane(plane)
    peak = np.unravel_index(np.nanargmax(on.values), on.values.shape)
    where = plane.to_patient([peak])[0]
    assert np.linalg.norm(where - np.asarray(PTV_CENTRE)) < 1.5  # within a CT pixel
    # Near the PTV the resampled dose follows the Gaussian the grid was made of, within
    # interpolation's error on a 5 mm grid: h^2/8 x (|D_xx| + |D_yy|) <= 25/8 x 2 x 60/400 Gy.
    centres = plane.pixel_grid()
    d2 = np.sum((centres - np.asarray(PTV_CENTRE)) ** 2, axis=-1)
    near = d2 < 40.0**2
    gaussian = DOSE_MAX_GY * np.exp(-d2 / (2 * DOSE_SIGMA_MM**2))
    np.testing.assert_allclose(on.values[near], gaussian[near], atol=0.94)
    # The dose grid covers the body, not the whole CT field of view.
    assert on.inside.any()
    assert not on.inside.all()
    # The 50 Gy isodose is a closed ring around the peak, at a radius where the
    # Gaussian (sigma 20 mm) falls to 50/60.
    [line] = on.isodose_lines([50.0])
    assert line.closed == (True,)
    radius_mm = 20.0 * math.sqrt(2 * math.log(DOSE_MAX_GY / 50.0))
    ring = plane.to_patient(line.paths[0])
    distances = np.linalg.norm(ring - np.asarray(PTV_CENTRE), axis=1)
    np.testing.assert_allclose(distances, radius_mm, atol=1.5)


# -- isodose lines and colour wash -------------------------------------------------------------


def _dose_plane(values: np.ndarray, max_dose: float | None = None):
    from dcmview.sdk.dose import DosePlane

    rows, columns = values.shape
    plane = Plane((0, 0, 0), (1, 0, 0), (0, 1, 0), (1, 1), rows, columns)
    top = float(np.nanmax(values)) if max_dose is None else max_dose
    return DosePlane(plane, values.astype(np.float32), np.isfinite(values), "GY", top)


def test_isodose_of_a_ramp_is_one_open_line_at_the_level():
    values = np.tile(np.arange(8, dtype=np.float64), (5, 1))  # dose = column index
    [line] = _dose_plane(values).isodose_lines([2.5])
    assert line.closed == (False,)
    [path] = line.paths
    np.testing.assert_allclose(path[:, 1], 2.5)
    assert sorted(path[:, 0].tolist()) == [0.0, 1.0, 2.0, 3.0, 4.0]


def test_isodose_of_a_cone_is_a_closed_circle():
    r, c = np.mgrid[0:41, 0:41]
    values = 30.0 - np.hypot(r - 20, c - 20)  # 30 at the centre, falling 1 per pixel
    lines = _dose_plane(values).isodose_lines([20.0, 40.0])
    ring, none = lines
    assert ring.closed == (True,)
    radius = np.hypot(ring.paths[0][:, 0] - 20, ring.paths[0][:, 1] - 20)
    np.testing.assert_allclose(radius, 10.0, atol=0.1)
    assert np.array_equal(ring.paths[0][0], ring.paths[0][-1])
    assert none.paths == ()
    js = ring.to_json()
    assert js["level"] == 20.0
    assert js["color"].startswith("#")
    assert js["paths"][0]["closed"] is True


def test_isodose_lines_stop_at_nan_pixels_outside_the_grid():
    r, c = np.mgrid[0:21, 0:21]
    values = 30.0 - np.hypot(r - 10, c - 10)
    values[:, :10] = np.nan  # the left half is outside the grid
    [line] = _dose_plane(values).isodose_lines([25.0])
    assert line.closed == (False,)
    assert all(p[:, 1].min() >= 10 for p in line.paths)


def test_colour_wash_maps_the_documented_colours_and_hides_low_dose():
    values = np.array([[np.nan, 0.0, 5.0, 33.0, 60.0, 70.0]])
    plane = _dose_plane(values, max_dose=60.0)
    rgba = plane.wash(opacity=0.5)
    assert rgba.shape == (1, 6, 4)
    assert rgba.dtype == np.uint8
    # NaN, 0 and 5 Gy are below 10 % of 60 Gy: transparent.
    assert rgba[0, :3, 3].tolist() == [0, 0, 0]
    assert rgba[0, 3:, 3].tolist() == [128, 128, 128]
    assert tuple(rgba[0, 3, :3]) == DOSE_COLOURS[2][1]  # half way from 6 to 60 Gy: green
    assert tuple(rgba[0, 4, :3]) == DOSE_COLOURS[-1][1]  # the maximum: red
    assert tuple(rgba[0, 5, :3]) == DOSE_COLOURS[-1][1]  # above: red too
    legend = plane.legend()
    assert [s["value"] for s in legend] == [6.0, 19.5, 33.0, 46.5, 60.0]
    assert legend[0]["color"] == "#0000ff"
    with pytest.raises(InvalidInputError):
        plane.wash(minimum=10, maximum=5)


def test_summary_is_json_ready(tmp_path):
    import json

    ds, _ = dose_dataset()
    grid = read_dose(write(ds, tmp_path / "dose.dcm"))
    summary = grid.summary()
    assert json.loads(json.dumps(summary)) == summary
    assert summary["shape"] == [4, 6, 5]
    assert summary["units"] == "GY"
    assert isinstance(grid, DoseGrid)
