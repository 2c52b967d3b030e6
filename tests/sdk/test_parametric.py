"""sdk.parametric: the corpus's T1 map, values per source frame, colours and legend."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pydicom
import pytest

import dcmview.sdk as sdk
from dcmview.sdk.parametric import COLORMAPS, RealWorldMapping, read_parametric_map


@pytest.fixture(scope="module")
def catalog(corpus_ci: Path) -> sdk.Catalog:
    cat = sdk.scan(str(corpus_ci))
    cat.wait()
    return cat


@pytest.fixture(scope="module")
def pmap_path(corpus_ci: Path) -> Path:
    return corpus_ci / "derived/mr/PMAP_T1.dcm"


def test_values_are_the_float_pixels_through_the_mapping(pmap_path: Path) -> None:
    pm = read_parametric_map(pmap_path)
    ds = pydicom.dcmread(pmap_path)
    pixels = ds.pixel_array
    m = pm.mapping()
    assert m.unit_text == "ms"
    assert m.label == "T1"
    for k in range(pm.number_of_frames):
        np.testing.assert_array_equal(
            pm.values(k), pixels[k].astype(np.float64) * m.slope + m.intercept
        )
    lo, hi = pm.value_range()
    assert lo == pytest.approx(float(pixels.min()))
    assert hi == pytest.approx(float(pixels.max()))


def test_each_source_slice_gets_its_frame(pmap_path: Path, catalog: sdk.Catalog) -> None:
    pm = read_parametric_map(pmap_path, catalog)
    ds = pydicom.dcmread(pmap_path, stop_before_pixels=True)
    for k, item in enumerate(ds.PerFrameFunctionalGroupsSequence):
        uid = item.DerivationImageSequence[0].SourceImageSequence[0].ReferencedSOPInstanceUID
        assert pm.frame_for(uid) == k
        # the map's frame lies on the source slice's plane
        src = next(catalog[i] for i, h in enumerate(catalog.headers) if h.sop_instance_uid == uid)
        from dcmview.sdk.geometry import frame_plane

        p_src, p_map = frame_plane(src.dataset), frame_plane(ds, k)
        assert p_src is not None
        assert p_map is not None
        assert p_src.same_grid(p_map)
    with pytest.raises(sdk.MissingSourceError, match="PMAP_T1.dcm"):
        pm.frame_for("1.2.3.4")
    ct = next(i for i, h in enumerate(catalog.headers) if "series_002_" in h.path)
    with pytest.raises(sdk.MissingSourceError):
        pm.frame_for(catalog[ct])


def test_legend_and_colours(pmap_path: Path) -> None:
    pm = read_parametric_map(pmap_path)
    legend = pm.legend("hot", stops=3)
    assert legend.unit == "ms"
    assert (legend.minimum, legend.maximum) == (0.0, 4000.0)  # first/last value mapped
    assert legend.stops[0] == (0.0, (0, 0, 0, 255))
    assert legend.stops[-1] == (4000.0, (255, 255, 255, 255))
    assert legend.to_json()["stops"][1]["value"] == 2000.0
    rgba = pm.colorize(5, "gray", 0.0, 4000.0)
    v = pm.values(5)
    np.testing.assert_array_equal(rgba[..., 0], np.rint(np.clip(v / 4000.0, 0, 1) * 255))
    assert (rgba[..., 3] == 255).all()
    for name in COLORMAPS:
        assert pm.colorize(0, name).shape == (pm.rows, pm.columns, 4)
    with pytest.raises(sdk.InvalidInputError, match="colour map"):
        pm.colorize(0, "rainbow")


def test_lut_mapping_and_wrong_kind(catalog: sdk.Catalog) -> None:
    m = RealWorldMapping(lut=(10.0, 20.0, 30.0), first=5.0)
    np.testing.assert_array_equal(m.apply(np.asarray([5, 6, 7, 99])), [10, 20, 30, 30])
    ct = next(h.path for h in catalog.headers if "series_002_" in h.path)
    with pytest.raises(sdk.WrongObjectKindError, match="not a Parametric Map"):
        read_parametric_map(ct)


def test_missing_mapping_is_typed(tmp_path: Path, pmap_path: Path) -> None:
    ds = pydicom.dcmread(pmap_path)
    del ds.SharedFunctionalGroupsSequence[0].RealWorldValueMappingSequence
    for item in ds.PerFrameFunctionalGroupsSequence:
        if "RealWorldValueMappingSequence" in item:
            del item.RealWorldValueMappingSequence
    ds.save_as(tmp_path / "nomap.dcm")
    with pytest.raises(sdk.DerivedObjectError, match="nomap.dcm"):
        read_parametric_map(tmp_path / "nomap.dcm")
