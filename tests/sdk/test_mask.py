"""sdk.mask: the PS3.15 table, stable pseudonyms, masked headers, paths and tag trees."""

from __future__ import annotations

import json

import pydicom
from pydicom.dataset import Dataset

from dcmview.sdk.header import Header
from dcmview.sdk.mask import Masker, identifying_tags
from dcmview.sdk.tags import tag_tree


def test_table_is_the_basic_profile() -> None:
    table = identifying_tags()
    from pydicom.datadict import tag_for_keyword

    for kw in (
        "PatientName",
        "PatientID",
        "PatientBirthDate",
        "OtherPatientIDs",
        "AccessionNumber",
        "InstitutionName",
        "ReferringPhysicianName",
        "StudyDate",
    ):
        assert table.is_masked(tag_for_keyword(kw)), kw
    for kw in ("Rows", "Modality", "PixelSpacing", "SOPClassUID"):
        assert not table.is_masked(tag_for_keyword(kw)), kw
    # UIDs (action U) are listed apart and kept.
    assert tag_for_keyword("StudyInstanceUID") in table.uids
    assert table.is_masked(0x60003000)  # Overlay Data, a repeating group
    assert len(table.masked) > 300
    assert table.source.startswith("dicom-anonymizer")


def test_pseudonyms_are_stable_per_value_and_kind() -> None:
    m = Masker()
    a = m.value("PatientName", "Doe^John")
    assert a == m.value("PatientName", "Doe^John") != m.value("PatientName", "Roe^Jane")
    assert m.value("PatientID", "") == ""
    assert "Doe" not in repr(m)


def test_paths_keep_the_tree_and_no_name() -> None:
    m = Masker()
    p1 = m.path("/data/Doe_John/CT/IM1.dcm")
    p2 = m.path("/data/Doe_John/CT/IM2.DCM")
    p3 = m.path("/data/Doe_John/MR/IM1")
    assert p1.rsplit("/", 1)[0] == p2.rsplit("/", 1)[0] != p3.rsplit("/", 1)[0]
    assert p2.endswith(".dcm")
    assert not p3.endswith(".dcm")
    assert "Doe" not in p1 + p2 + p3
    assert m.path("/data/Doe_John/CT/IM1.dcm") == p1
    assert "Doe" not in m.text("cannot read /data/Doe_John/CT/IM1.dcm: gone")


def test_header_labels_are_built_from_masked_values() -> None:
    h = Header(
        path="/d/Doe/a.dcm",
        patient_id="P123456",
        patient_name="Doe^John",
        modality="CT",
        study_date="20240101",
        study_description="Doe's scan",
    )
    m = Masker().header(h)
    text = json.dumps([m.path, m.label, m.display_name, m.patient_name, m.study_description])
    for real in ("P123456", "Doe", "20240101"):
        assert real not in text
    assert m.modality == "CT"
    assert m.label.startswith("MASKED-0001 · CT · ")


def test_tag_tree_masks_profile_private_pn_dates_in_sequences_and_scrubs_text() -> None:
    ds = Dataset()
    ds.PatientName = "Doe^Johnathan"
    ds.PatientID = "ID-778899"
    ds.Modality = "MR"
    ds.StudyInstanceUID = "1.2.3.4"
    ds.ImageComments = "scan of ID-778899 by Johnathan"
    item = Dataset()
    item.ContentDate = "20200202"
    item.CodeMeaning = "liver"
    ds.AnatomicRegionSequence = [item]
    block = ds.private_block(0x0011, "ACME", create=True)
    block.add_new(0x01, "PN", "Private^Person")
    block.add_new(0x02, "LO", "vendor text")
    nodes = Masker().tag_tree(tag_tree(ds))
    text = json.dumps(nodes)
    for real in ("Doe", "Johnathan", "ID-778899", "20200202", "Private^Person", "vendor text"):
        assert real not in text, real
    for kept in ("MR", "1.2.3.4", "liver", "ACME"):
        assert kept in text, kept


def test_tag_tree_of_a_bundled_file_hides_its_patient() -> None:
    ds = pydicom.examples.ct
    text = json.dumps(Masker().tag_tree(tag_tree(ds)))
    assert str(ds.PatientName) not in text
    assert ds.PatientID not in text
