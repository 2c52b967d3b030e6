"""sdk.references: what the corpus's derived objects name, and the reverse, across a catalog."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import dcmview.sdk as sdk
from dcmview.sdk.references import find_references, object_kind, outgoing


@pytest.fixture(scope="module")
def catalog(corpus_ci: Path) -> sdk.Catalog:
    cat = sdk.scan(str(corpus_ci))
    cat.wait()
    return cat


def _index(cat: sdk.Catalog, name: str) -> int:
    return next(i for i, h in enumerate(cat.headers) if h.path.endswith(name))


def test_seg_names_every_ct_slice(catalog: sdk.Catalog) -> None:
    refs = catalog[_index(catalog, "SEG_binary_organs.dcm")].references(catalog)
    assert refs.kind == "SEG"
    assert refs.missing == ()
    ct = {i for i, h in enumerate(catalog.headers) if "series_002_" in h.path}
    by_series = {
        r.index
        for r in refs.refers_to
        if r.via == "ReferencedSeriesSequence/ReferencedInstanceSequence"
    }
    assert by_series == ct
    by_frame = {r.index for r in refs.refers_to if r.via == "SourceImageSequence"}
    assert by_frame
    assert by_frame <= ct
    assert json.loads(json.dumps(refs.to_json()))["kind"] == "SEG"


def test_ct_slice_is_referred_to_by_its_derived_objects(catalog: sdk.Catalog) -> None:
    seg = _index(catalog, "SEG_binary_organs.dcm")
    refs = find_references(catalog, seg)
    slice_index = next(r.index for r in refs.refers_to if r.via == "SourceImageSequence")
    assert slice_index is not None
    back = catalog[slice_index].references(catalog)
    kinds = {r.kind for r in back.referenced_by}
    assert {"SEG", "RTSTRUCT", "RTDOSE"} <= kinds
    # one entry per referring object
    assert len({r.index for r in back.referenced_by}) == len(back.referenced_by)
    assert seg in {r.index for r in back.referenced_by}


def test_multi_frame_source_frames(catalog: sdk.Catalog) -> None:
    dbt = _index(catalog, "DBT_L_CC_12f_j2k_lossless.dcm")
    back = find_references(catalog, dbt).referenced_by
    segs = [r for r in back if r.kind == "SEG"]
    assert len(segs) == 2
    for r in segs:
        # the lesions are in focus in a few frames only; frames are 0-based
        assert r.frames
        assert all(0 <= f < 12 for f in r.frames)
        assert len(r.frames) < 12


def test_rtstruct_and_rtdose_paths(catalog: sdk.Catalog) -> None:
    rs = find_references(catalog, _index(catalog, "RTSTRUCT_organs.dcm"))
    vias = {r.via for r in rs.refers_to}
    assert (
        "ReferencedFrameOfReferenceSequence/RTReferencedStudySequence/"
        "RTReferencedSeriesSequence/ContourImageSequence"
    ) in vias
    series_level = [r for r in rs.refers_to if not r.sop_instance_uid]
    assert series_level
    assert series_level[0].series_instance_uid
    dose = find_references(catalog, _index(catalog, "RTDOSE_plan.dcm"))
    plan = [r for r in dose.refers_to if r.via == "ReferencedRTPlanSequence"]
    assert len(plan) == 1
    assert plan[0].kind == "RTPLAN"
    # the corpus has no RT Plan: the dose names one the catalog lacks
    assert plan[0].sop_instance_uid in dose.missing


def test_gsps_names_its_image(catalog: sdk.Catalog) -> None:
    ps = find_references(catalog, _index(catalog, "GSPS_L_CC_findings.dcm"))
    assert ps.kind == "GSPS"
    image = {r.index for r in ps.refers_to}
    assert image == {_index(catalog, "L_CC_explicit_le.dcm")}


def test_without_catalog_and_outgoing_of_an_image() -> None:
    import pydicom.examples

    inst = sdk.open(pydicom.examples.get_path("ct"))
    refs = inst.references()
    assert refs.kind == "IMAGE"
    assert refs.referenced_by == ()
    assert outgoing(inst.dataset) == list(refs.refers_to)
    assert object_kind("1.2.840.10008.5.1.4.1.1.481.3") == "RTSTRUCT"


def test_a_file_not_in_the_catalog(catalog: sdk.Catalog) -> None:
    import pydicom.examples

    with pytest.raises(sdk.NotFoundError):
        sdk.open(pydicom.examples.get_path("ct")).references(catalog)
