"""sdk.document: SR content trees as text, over pydicom's bundled SR, the corpus and built files."""

from __future__ import annotations

import pydicom
import pytest
from pydicom.data import get_testdata_file
from pydicom.dataset import Dataset
from pydicom.sequence import Sequence

import dcmview.sdk as sdk
from dcmview.sdk.document import MAX_DEPTH, read_document
from tests.corpus import manifest


def _corpus(name: str) -> str:
    return next(r["abspath"] for r in manifest() if r["path"].endswith(name))


def test_bundled_sr_every_value_type():
    doc = read_document(sdk.open(get_testdata_file("test-SR.dcm", download=False)))
    assert doc.title == "Diagnosis"
    assert doc.sop_class_name == "Comprehensive SR Storage"
    by_type = {}
    for top in doc.items:
        for _, item in top.walk():
            by_type.setdefault(item.value_type, item)
    # Each value type reads the element PS3.3 C.17.3.2.1 puts its value in.
    assert by_type["UIDREF"].value == "1.2.3.4.5"
    assert by_type["CODE"].value == "Sample Code 1"
    assert by_type["NUM"].value == "3 cm"
    assert by_type["DATE"].value == "20001206"
    assert by_type["SCOORD"].value == "CIRCLE [0, 0, 255, 255]"
    assert by_type["IMAGE"].value == "1.2.3.4.5.0 (frame numbers 5, 2)"
    assert by_type["CONTAINER"].value == ""
    assert by_type["CONTAINER"].children
    assert "  Diameter: 3 cm" in doc.text().splitlines()


@pytest.mark.corpus
def test_corpus_basic_text_sr():
    doc = read_document(sdk.open(_corpus("edge/sr_basic_text_no_pixels.dcm")))
    assert doc.title == "Diagnostic imaging report"
    assert (doc.completion_flag, doc.verification_flag) == ("COMPLETE", "UNVERIFIED")
    concepts = [i.concept for i in doc.items]
    assert concepts[:3] == ["History", "Finding", "Impression"]
    assert doc.items[2].value.startswith("BI-RADS 4")
    assert doc.items[0].relationship == "CONTAINS"
    body = doc.to_json()
    assert body["items"][1]["value_type"] == "TEXT"
    assert body["truncated"] is False


@pytest.mark.corpus
def test_object_without_content_has_no_items():
    doc = read_document(sdk.open(_corpus("derived/mg/GSPS_L_CC_findings.dcm")))
    assert doc.sop_class_name == "Grayscale Softcopy Presentation State Storage"
    assert doc.items == ()
    assert doc.text() == doc.title or doc.text() == doc.sop_class_name


def test_deep_tree_is_cut(tmp_path):
    ds = pydicom.dcmread(get_testdata_file("test-SR.dcm", download=False))
    node: Dataset = ds
    for _ in range(MAX_DEPTH + 5):
        child = Dataset()
        child.RelationshipType = "CONTAINS"
        child.ValueType = "CONTAINER"
        node.ContentSequence = Sequence([child])
        node = child
    path = tmp_path / "deep.dcm"
    ds.save_as(path)
    doc = read_document(sdk.open(path))
    assert doc.truncated
    assert max(d for d, _ in doc.items[0].walk()) == MAX_DEPTH - 1
