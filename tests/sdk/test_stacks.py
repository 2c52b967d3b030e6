"""Stacks of frames per series (the predecessor's /api/series), on the ci corpus."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pydicom
import pytest

from dcmview.sdk.catalog import scan
from dcmview.sdk.stacks import series_stacks

pytestmark = pytest.mark.corpus


@pytest.fixture(scope="module")
def stacks(corpus_ci: Path):
    catalog = scan(corpus_ci)
    return catalog, series_stacks(catalog)


def _stack_of(catalog, stacks, name: str):
    index = next(i for i, h in enumerate(catalog.headers) if h.path.endswith(name))
    return index, next(
        st for s in stacks for st in s.stacks if any(f.file_index == index for f in st.frames)
    )


def test_a_multiframe_file_gives_one_frame_per_frame_at_its_own_position(stacks) -> None:
    catalog, all_stacks = stacks
    index, stack = _stack_of(catalog, all_stacks, "DBT_L_CC_12f_j2k_lossless.dcm")
    ds = pydicom.dcmread(catalog.header(index).path, stop_before_pixels=True)
    shared = ds.SharedFunctionalGroupsSequence[0]
    iop = shared.PlaneOrientationSequence[0].ImageOrientationPatient
    normal = np.cross(iop[:3], iop[3:])
    expected = sorted(
        float(np.dot(item.PlanePositionSequence[0].ImagePositionPatient, normal))
        for item in ds.PerFrameFunctionalGroupsSequence
    )
    assert [f.position_along_normal_mm for f in stack.frames] == pytest.approx(expected)
    assert sorted(f.frame_index for f in stack.frames) == list(range(12))
    assert stack.warnings == ()


def test_a_ct_series_is_ordered_along_its_normal_without_warnings(stacks) -> None:
    catalog, all_stacks = stacks
    _, stack = _stack_of(catalog, all_stacks, "series_002_AX_2.5mm/IM00001.dcm")
    positions = [f.position_along_normal_mm for f in stack.frames]
    assert len(positions) == 40
    assert positions == sorted(positions)
    assert np.allclose(np.diff(positions), 2.5)
    assert [f.virtual_index for f in stack.frames] == list(range(40))
    assert stack.kind == "ordinary"
    assert stack.warnings == ()


def test_a_dose_grid_places_its_frames_by_the_grid_offsets(stacks) -> None:
    catalog, all_stacks = stacks
    index, stack = _stack_of(catalog, all_stacks, "RTDOSE_plan.dcm")
    ds = pydicom.dcmread(catalog.header(index).path, stop_before_pixels=True)
    offsets = [float(v) - float(ds.GridFrameOffsetVector[0]) for v in ds.GridFrameOffsetVector]
    first = stack.frames[0].position_along_normal_mm
    got = [f.position_along_normal_mm - first for f in stack.frames]
    assert got == pytest.approx(sorted(offsets))


def test_projection_images_and_objects_without_pixels_are_flagged(stacks) -> None:
    catalog, all_stacks = stacks
    for name in ("L_CC_rle_lossless.dcm", "sr_basic_text_no_pixels.dcm"):
        index, stack = _stack_of(catalog, all_stacks, name)
        assert [f.position_along_normal_mm for f in stack.frames] == [None]
        codes = {w.code: w.file_indices for w in stack.warnings}
        assert codes["missing_positions"] == (index,)


def test_every_frame_of_the_catalog_is_in_exactly_one_stack(stacks) -> None:
    catalog, all_stacks = stacks
    seen = sorted(
        (f.file_index, f.frame_index) for s in all_stacks for st in s.stacks for f in st.frames
    )
    expected = [
        (i, f) for i, h in enumerate(catalog.headers) for f in range(max(1, h.number_of_frames))
    ]
    assert seen == expected
