"""tag_tree: JSON shape of the tag browser, truncation, binary, private, nested, text, errors."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pydicom
import pytest
from pydicom.data import get_testdata_file
from pydicom.dataelem import RawDataElement
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.sequence import Sequence
from pydicom.tag import Tag

from dcmview.sdk.tags import tag_tree
from tests.bundled import bundled_files

TYPES = {"string", "number", "numbers", "sequence", "binary", "error"}


def walk(nodes):
    """Every node, depth first, items included."""
    for node in nodes:
        yield node
        if node["value"]["type"] == "sequence":
            for item in node["value"]["items"]:
                yield from walk(item)


def by_keyword(nodes, keyword):
    return next(n for n in nodes if n["keyword"] == keyword)


def assert_shape(nodes):
    json.dumps(nodes, allow_nan=False)  # strict JSON: no NaN, no bytes
    for node in walk(nodes):
        assert set(node) >= {"tag", "vr", "keyword", "name", "value"}
        assert len(node["tag"]) == 11
        assert node["tag"][0] == "("
        assert node["value"]["type"] in TYPES


@pytest.fixture(scope="module")
def ct():
    return pydicom.dcmread(get_testdata_file("CT_small.dcm", download=False))


def test_shape_and_order(ct):
    nodes = tag_tree(ct)
    assert_shape(nodes)
    tags = [n["tag"] for n in nodes]
    # File meta first (decision: the transfer syntax is what one checks first), then tag order.
    assert tags[0].startswith("(0002,")
    meta = [t for t in tags if t.startswith("(0002,")]
    assert tags[: len(meta)] == meta
    assert tags[len(meta) :] == sorted(tags[len(meta) :])
    assert tag_tree(ct, include_meta=False)[0]["tag"] == "(0008,0005)"


def test_values(ct):
    nodes = tag_tree(ct)
    assert by_keyword(nodes, "Rows")["value"] == {"type": "number", "value": 128}
    assert by_keyword(nodes, "ImagePositionPatient")["value"] == {
        "type": "numbers",
        "value": [float(v) for v in ct.ImagePositionPatient],
    }
    assert by_keyword(nodes, "ImageType")["value"] == {
        "type": "string",
        "value": "; ".join(ct.ImageType),
    }
    assert by_keyword(nodes, "PatientName")["value"] == {
        "type": "string",
        "value": str(ct.PatientName),
    }
    assert by_keyword(nodes, "StudyDate")["value"]["type"] == "string"
    assert (
        by_keyword(nodes, "TransferSyntaxUID")["value"]["value"] == ct.file_meta.TransferSyntaxUID
    )
    assert by_keyword(nodes, "PixelData") == {
        "tag": "(7FE0,0010)",
        "vr": "OW",
        "keyword": "PixelData",
        "name": "Pixel Data",
        "value": {"type": "binary", "length": len(ct.PixelData)},
    }


def test_private_tags(ct):
    nodes = tag_tree(ct)
    creator = next(n for n in nodes if n["tag"] == "(0009,0010)")
    assert creator["keyword"] == "PrivateCreator"
    assert creator["value"]["value"] == "GEMS_IDEN_01"
    known = next(n for n in nodes if n["tag"] == "(0009,1001)")
    assert known["private_creator"] == "GEMS_IDEN_01"
    assert known["keyword"] == "Full fidelity"  # pydicom's private dictionary name
    assert known["name"] == "[Full fidelity]"


def test_unknown_and_orphan_private_tags():
    ds = Dataset()
    block = ds.private_block(0x0011, "MY CREATOR", create=True)
    block.add_new(0x01, "LO", "mine")
    ds.add_new(0x00191001, "LO", "orphan")  # no creator in (0019,0010)
    nodes = tag_tree(ds)
    mine = next(n for n in nodes if n["tag"] == "(0011,1001)")
    assert (mine["keyword"], mine["private_creator"]) == ("Unknown", "MY CREATOR")
    assert mine["value"] == {"type": "string", "value": "mine"}
    orphan = next(n for n in nodes if n["tag"] == "(0019,1001)")
    assert (orphan["keyword"], orphan["private_creator"]) == ("Unknown", None)


def test_binary_by_length_only():
    ds = Dataset()
    ds.add_new(0x00091001, "OB", bytes(1234))
    ds.add_new(0x00420011, "OB", b"%PDF" + bytes(96))  # Encapsulated Document
    ds.add_new(0x00660040, "OL", bytes(16))
    nodes = tag_tree(ds)
    assert [n["value"] for n in nodes if n["vr"] in ("OB", "OL")] == [
        {"type": "binary", "length": 1234},
        {"type": "binary", "length": 100},
        {"type": "binary", "length": 16},
    ]


def test_pixel_data_is_not_read(tmp_path):
    # A deferred Pixel Data must be measured, not read: the file is gone when tag_tree runs.
    src = tmp_path / "ct.dcm"
    shutil.copy(get_testdata_file("CT_small.dcm", download=False), src)
    ds = pydicom.dcmread(src, defer_size=1024)
    src.unlink()
    node = by_keyword(tag_tree(ds), "PixelData")
    assert node["value"] == {"type": "binary", "length": 128 * 128 * 2}


def test_pixel_data_of_a_header_read_without_it(ct, tmp_path):
    path = get_testdata_file("CT_small.dcm", download=False)
    header = pydicom.dcmread(path, stop_before_pixels=True)
    nodes = tag_tree(header, pixel_data=(0x7FE00010, "OW", 32768))
    assert nodes[-1]["keyword"] == "PixelData"
    assert nodes[-1]["value"] == {"type": "binary", "length": 32768}
    assert "PixelData" not in [n["keyword"] for n in tag_tree(header)]


def test_truncation():
    ds = Dataset()
    ds.ReferencedImageSequence = Sequence([Dataset() for _ in range(150)])
    ds.add_new(0x00189219, "FD", [float(i) for i in range(100)])  # Tag Angle Second Axis
    ds.add_new(0x00204000, "LT", "x" * 10_000)  # Image Comments
    nodes = tag_tree(ds, max_items=100, max_values=64, max_text=4096)
    seq = by_keyword(nodes, "ReferencedImageSequence")["value"]
    assert (len(seq["items"]), seq["truncated"], seq["total"]) == (100, True, 150)
    numbers = next(n for n in nodes if n["tag"] == "(0018,9219)")["value"]
    assert numbers["type"] == "numbers"
    assert numbers["value"] == [float(i) for i in range(64)]
    assert (numbers["truncated"], numbers["total"]) == (True, 100)
    text = by_keyword(nodes, "ImageComments")["value"]
    assert (len(text["value"]), text["truncated"], text["total"]) == (4096, True, 10_000)
    short = tag_tree(ds, max_items=200, max_values=200, max_text=20_000)
    assert not any("truncated" in n["value"] for n in short)


def _nested(depth: int) -> Dataset:
    ds = Dataset()
    ds.TextValue = f"level {depth}"
    if depth < 10:
        ds.ContentSequence = Sequence([_nested(depth + 1)])
    return ds


def _levels(nodes) -> list[str]:
    out = []
    while True:
        out.append(by_keyword(nodes, "TextValue")["value"]["value"])
        seqs = [n for n in nodes if n["keyword"] == "ContentSequence"]
        if not seqs or not seqs[0]["value"]["items"]:
            return out
        nodes = seqs[0]["value"]["items"][0]


def test_nested_ten_deep():
    nodes = tag_tree(_nested(1))
    assert _levels(nodes) == [f"level {i}" for i in range(1, 11)]
    cut = tag_tree(_nested(1), max_depth=3)
    assert _levels(cut) == ["level 1", "level 2", "level 3", "level 4"]
    deepest = cut
    for _ in range(3):
        deepest = by_keyword(deepest, "ContentSequence")["value"]["items"][0]
    assert by_keyword(deepest, "ContentSequence")["value"] == {
        "type": "sequence",
        "items": [],
        "truncated": True,
        "total": 1,
    }


@pytest.mark.corpus
def test_corpus_nested_private(corpus_ci):
    ds = pydicom.dcmread(corpus_ci / "edge" / "nested_sequences_private_tags.dcm")
    nodes = tag_tree(ds)
    assert_shape(nodes)
    depths = []

    def depth(ns, d):
        depths.append(d)
        for n in ns:
            if n["value"]["type"] == "sequence":
                for item in n["value"]["items"]:
                    depth(item, d + 1)

    depth(nodes, 0)
    assert max(depths) >= 10
    private = [n for n in walk(nodes) if "private_creator" in n]
    assert {n["private_creator"] for n in private} >= {"CORPUS_GEN PRIVATE 1.0", None}
    binary = {n["tag"]: n["value"] for n in private if n["value"]["type"] == "binary"}
    assert binary["(0009,1004)"] == {"type": "binary", "length": 64}


def test_utf8_text():
    ds = Dataset()
    ds.SpecificCharacterSet = "ISO_IR 192"
    ds.PatientName = "Müller^Zoë=山田^太郎=やまだ^たろう"
    ds.InstitutionName = "Hôpital Saint-Éloi"
    ds = roundtrip(ds)
    nodes = tag_tree(ds)
    assert (
        by_keyword(nodes, "PatientName")["value"]["value"] == "Müller^Zoë=山田^太郎=やまだ^たろう"
    )
    assert by_keyword(nodes, "InstitutionName")["value"]["value"] == "Hôpital Saint-Éloi"


@pytest.mark.corpus
def test_corpus_utf8(corpus_ci):
    ds = pydicom.dcmread(corpus_ci / "edge" / "utf8_patient_name.dcm")
    name = by_keyword(tag_tree(ds), "PatientName")["value"]["value"]
    assert name == "Müller^Zoë=山田^太郎=やまだ^たろう"


def roundtrip(ds: Dataset) -> Dataset:
    """Write `ds` to bytes and read it back, so values start out raw (as from a file)."""
    from io import BytesIO

    ds.file_meta = FileMetaDataset()
    ds.file_meta.TransferSyntaxUID = pydicom.uid.ExplicitVRLittleEndian
    buf = BytesIO()
    ds.save_as(buf, enforce_file_format=False)
    buf.seek(0)
    return pydicom.dcmread(buf, force=True)


def test_undecodable_values_are_error_nodes():
    ds = Dataset()
    ds.PatientID = "OK"
    bad_ds = Tag(0x00180050)  # Slice Thickness, DS
    ds[bad_ds] = RawDataElement(bad_ds, "DS", 3, b"abc", 0, False, True)
    bad_at = Tag(0x00209165)  # Dimension Index Pointer, AT: 3 bytes is not a tag
    ds[bad_at] = RawDataElement(bad_at, "AT", 3, b"\x01\x02\x03", 0, False, True)
    nodes = tag_tree(ds)
    assert by_keyword(nodes, "PatientID")["value"]["value"] == "OK"
    error = by_keyword(nodes, "SliceThickness")
    assert error["value"]["type"] == "error"
    assert error["vr"] == "DS"
    assert error["value"]["message"]
    assert_shape(nodes)


def test_non_finite_numbers_stay_json():
    ds = Dataset()
    ds.add_new(0x00189219, "FD", [1.0, float("nan"), float("inf")])
    nodes = tag_tree(ds)
    assert nodes[0]["value"]["type"] == "string"
    assert "nan" in nodes[0]["value"]["value"]
    assert_shape(nodes)


def test_empty_values():
    ds = Dataset()
    ds.PatientName = ""
    ds.add_new(0x00200013, "IS", None)
    ds.ReferencedImageSequence = Sequence([])
    nodes = tag_tree(ds)
    assert by_keyword(nodes, "PatientName")["value"] == {"type": "string", "value": ""}
    assert by_keyword(nodes, "InstanceNumber")["value"] == {"type": "string", "value": ""}
    assert by_keyword(nodes, "ReferencedImageSequence")["value"] == {
        "type": "sequence",
        "items": [],
    }


BUNDLED = bundled_files(".dcm")


@pytest.mark.parametrize("path", BUNDLED, ids=[os.path.basename(p) for p in BUNDLED])
def test_every_bundled_file(path):
    try:
        ds = pydicom.dcmread(path, force=True)
    except Exception as exc:
        pytest.skip(f"pydicom cannot read it: {exc}")
    nodes = tag_tree(ds)  # never raises
    assert_shape(nodes)


@pytest.mark.parametrize(
    "name", ["rtplan.dcm", "MR_small_bigendian.dcm", "JPEG2000.dcm", "test-SR.dcm"]
)
def test_bundled_files_without_errors(name):
    nodes = tag_tree(pydicom.dcmread(get_testdata_file(name, download=False)))
    assert_shape(nodes)
    assert not [n for n in walk(nodes) if n["value"]["type"] == "error"]


def test_limits_must_be_non_negative():
    with pytest.raises(TypeError):
        tag_tree(Dataset(), max_items=-1)


def test_reads_a_path_never(tmp_path):
    # tag_tree takes a Dataset; a header read from a file without pixel data has none.
    path = Path(get_testdata_file("CT_small.dcm", download=False))
    ds = pydicom.dcmread(path, stop_before_pixels=True)
    assert all(not n["tag"].startswith("(7FE0") for n in tag_tree(ds))


def test_select_follows_a_tag_path_and_pages_items() -> None:
    from pydicom.dataset import Dataset
    from pydicom.sequence import Sequence

    from dcmview.sdk.errors import InvalidInputError
    from dcmview.sdk.tags import select

    ds = Dataset()
    items = []
    for n in range(5):
        item = Dataset()
        item.CodeValue = f"C{n}"
        inner = Dataset()
        inner.CodeMeaning = f"meaning {n}"
        item.ConceptNameCodeSequence = Sequence([inner])
        items.append(item)
    ds.ContentSequence = Sequence(items)
    ds.Modality = "SR"
    assert select(ds, "(0008,0060)")["value"] == {"type": "string", "value": "SR"}
    node = select(ds, "(0040,a730)/3/(0040,A043)/0/(0008,0104)")
    assert node["keyword"] == "CodeMeaning"
    assert node["value"]["value"] == "meaning 3"
    page = select(ds, "(0040,A730)", offset=1, limit=2)["value"]
    assert [i[0]["value"]["value"] for i in page["items"]] == ["C1", "C2"]
    assert (page["truncated"], page["total"]) == (True, 5)
    assert "truncated" not in select(ds, "(0040,A730)")["value"]
    for path, kw, words in [
        ("(0040,A730)/5/(0008,0100)", {}, "out of range"),
        ("(0040,A730)/0", {}, "end with a tag"),
        ("(0008,0060)", {"offset": 1}, "only to sequence"),
        ("(0008,0060)", {"limit": 257}, "between 1 and 256"),
        ("(0010,0010)", {}, "not found"),
        ("0010,0010", {}, "(GGGG,EEEE)"),
    ]:
        with pytest.raises(InvalidInputError, match=words.replace("(", r"\(").replace(")", r"\)")):
            select(ds, path, **kw)
