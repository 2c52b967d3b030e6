"""sdk.value_overlays, sdk.image_layers and sdk.semantic over the ci corpus's derived objects."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from dcmview.sdk import errors
from dcmview.sdk.catalog import Catalog, scan
from dcmview.sdk.dose import read_dose
from dcmview.sdk.geometry import frame_plane
from dcmview.sdk.image_layers import graphic_annotations, presentation_layer, rt_contours
from dcmview.sdk.parametric import read_parametric_map
from dcmview.sdk.semantic import semantic_context, value_mapping
from dcmview.sdk.value_overlays import dose_on_frame, parametric_map_on_frame

pytestmark = pytest.mark.corpus


@pytest.fixture(scope="module")
def catalog(corpus_ci: Path) -> Catalog:
    mr = corpus_ci / "mr" / "CORPUS-MR0001" / "20240116_MR_BRAIN" / "series_003_T1_SE_AX"
    return scan(corpus_ci / "ct", mr, corpus_ci / "mg", corpus_ci / "derived")


@pytest.fixture(scope="module")
def names(catalog: Catalog) -> dict[str, int]:
    return {Path(h.path).name: i for i, h in enumerate(catalog.headers)}


@pytest.mark.parametrize("name", ["IM00001.dcm", "IM00020.dcm", "IM00040.dcm"])
def test_dose_on_frame_is_the_grid_on_the_frames_plane(
    catalog: Catalog, names: dict[str, int], name: str
) -> None:
    ct, dose = names[name], names["RTDOSE_plan.dcm"]
    layer = dose_on_frame(catalog, ct, 0, dose)
    grid = read_dose(catalog[dose])
    plane = frame_plane(catalog[ct].dataset, 0)
    assert plane is not None
    expected = grid.on_plane(plane)
    np.testing.assert_array_equal(layer.values, expected.values)
    assert layer.values.shape == (catalog[ct].rows, catalog[ct].columns)
    assert (layer.unit, layer.label) == ("Gy", "Dose")
    assert layer.maximum == pytest.approx(grid.max_dose)
    # the wash shows exactly the pixels at or above its lowest stop
    shown = np.nan_to_num(layer.values, nan=-1) >= layer.minimum
    np.testing.assert_array_equal(layer.rgba[..., 3] > 0, shown)
    assert len(layer.values_bytes()) == layer.values.size * 4


def test_parametric_map_on_frame_is_the_maps_values(
    catalog: Catalog, names: dict[str, int]
) -> None:
    mr, pmap = names["IM0010.dcm"], names["PMAP_T1.dcm"]
    layer = parametric_map_on_frame(catalog, mr, 0, pmap)
    m = read_parametric_map(catalog[pmap], catalog)
    values = m.values_on(catalog[mr], 0)
    assert values is not None
    np.testing.assert_array_equal(layer.values, values.astype(np.float32))
    assert (layer.unit, layer.label) == ("ms", "T1")
    assert layer.stops[0]["value"] == layer.minimum


def test_wrong_objects_raise_typed_errors(catalog: Catalog, names: dict[str, int]) -> None:
    ct, mr = names["IM00020.dcm"], names["IM0010.dcm"]
    dose, pmap = names["RTDOSE_plan.dcm"], names["PMAP_T1.dcm"]
    with pytest.raises(errors.WrongObjectKindError, match="not an RT Dose"):
        dose_on_frame(catalog, ct, 0, pmap)
    with pytest.raises(errors.GeometryMismatchError, match="Frame of Reference"):
        dose_on_frame(catalog, mr, 0, dose)
    with pytest.raises(errors.GeometryMismatchError, match="own frames"):
        dose_on_frame(catalog, dose, 0, dose)
    with pytest.raises(errors.ImageGeometryError):
        dose_on_frame(catalog, names["RTSTRUCT_organs.dcm"], 0, dose)
    with pytest.raises(errors.FrameIndexError):
        dose_on_frame(catalog, names["RTSTRUCT_organs.dcm"], 1, dose)
    with pytest.raises(errors.GeometryMismatchError):
        parametric_map_on_frame(catalog, ct, 0, pmap)
    with pytest.raises(errors.WrongObjectKindError):
        graphic_annotations(catalog, ct, 0, ct)
    with pytest.raises(errors.NoPixelDataError):
        presentation_layer(catalog, names["GSPS_L_CC_findings.dcm"], 0)


def test_graphic_annotations_and_contours(catalog: Catalog, names: dict[str, int]) -> None:
    mg, gsps = names["L_CC_explicit_le.dcm"], names["GSPS_L_CC_findings.dcm"]
    body = graphic_annotations(catalog, mg, 0, gsps)
    assert [g["graphic_type"] for g in body["graphics"]] == ["polyline", "ellipse"]
    # The corpus's box around the mass: DICOM PIXEL (x, y) corners 81..231 x 265..415
    assert body["graphics"][0]["points"][0] == [81.0, 265.0]
    ct = names["IM00020.dcm"]
    found = rt_contours(catalog, ct, 0)
    [one] = found["structure_sets"]
    assert {c["roi_name"] for c in one["contours"]} >= {"BODY", "LIVER"}
    for c in one["contours"]:
        pts = np.asarray(c["points"])
        assert pts.min() >= 0
        assert pts[:, 0].max() < catalog[ct].rows
        assert pts[:, 1].max() < catalog[ct].columns


def test_semantic_context_and_value_mapping(catalog: Catalog, names: dict[str, int]) -> None:
    seg = semantic_context(catalog, names["SEG_binary_lesions_dbt.dcm"])["context"]
    assert seg["kind"] == "segmentation"
    assert seg["segmentation_type"] == "BINARY"
    sources = {f["file_index"] for m in seg["frame_mappings"] for f in m["source_frames"]}
    assert sources <= {
        names["DBT_L_CC_12f_j2k_lossless.dcm"],
        names["DBT_L_CC_12f_rle_lossless.dcm"],
    }
    assert [s["label"] for s in seg["segments"]] == ["calcifications", "mass"]
    ct = semantic_context(catalog, names["IM00020.dcm"])
    assert ct["context"]["kind"] == "not_applicable"
    vm = value_mapping(catalog, names["PMAP_T1.dcm"], 0)
    assert vm["stored_value_type"] == "float32"
    assert vm["real_world"][0]["transform"] == {"kind": "linear", "slope": 1.0, "intercept": 0.0}


def test_catalog_links_and_file_kinds(catalog: Catalog, names: dict[str, int]) -> None:
    from dcmview.sdk.references import catalog_links, file_kind, find_references

    links = catalog_links(catalog)
    ct, seg = names["IM00020.dcm"], names["SEG_binary_organs.dcm"]
    refers_to, referenced_by = links[ct]
    assert refers_to == ()
    # by UID, the same objects find_references lists for the image
    by_uid = {
        r.index
        for r in find_references(catalog, ct).referenced_by
        if r.via != "FrameOfReferenceUID"
    }
    assert set(referenced_by) == by_uid
    assert seg in referenced_by
    assert ct in links[seg][0]
    assert list(links[seg][0]) == sorted(links[seg][0])
    kinds = {
        n: file_kind(catalog.header(names[n]))
        for n in (
            "IM00020.dcm",
            "SEG_binary_organs.dcm",
            "RTDOSE_plan.dcm",
            "RTSTRUCT_organs.dcm",
            "GSPS_L_CC_findings.dcm",
            "PMAP_T1.dcm",
        )
    }
    assert kinds == {
        "IM00020.dcm": "IMAGE",
        "SEG_binary_organs.dcm": "SEG",
        "RTDOSE_plan.dcm": "RTDOSE",
        "RTSTRUCT_organs.dcm": "RTSTRUCT",
        "GSPS_L_CC_findings.dcm": "GSPS",
        "PMAP_T1.dcm": "PMAP",
    }
