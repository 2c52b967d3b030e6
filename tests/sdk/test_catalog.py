"""scan() and Catalog: what is listed and skipped, order, filters, grouping, progress."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import ExplicitVRLittleEndian, generate_uid

from dcmview.sdk import catalog as catalog_module
from dcmview.sdk.catalog import Catalog, ScanProgress, Series, SkippedFile, scan, stack_order
from dcmview.sdk.errors import InvalidInputError, InvalidPathError, NotFoundError
from dcmview.sdk.header import Header
from tests.corpus import manifest
from tests.corpus.annotations import TABLES

# -- files built here -----------------------------------------------------------------


def write_ct(
    path: Path,
    *,
    patient: str = "P1",
    study_uid: str | None = "1.2.3.1",
    series_uid: str | None = "1.2.3.1.1",
    instance: int | None = 1,
    z: float | None = 0.0,
    modality: str = "CT",
    body_part: str = "CHEST",
    pixels: bool = True,
) -> Path:
    """A small single-frame CT file with the attributes a catalog looks at."""
    ds = Dataset()
    ds.SOPClassUID = "1.2.840.10008.5.1.4.1.1.2"
    ds.SOPInstanceUID = generate_uid()
    ds.PatientID = patient
    ds.PatientName = f"TEST^{patient}"
    ds.StudyDate = "20240301"
    ds.Modality = modality
    ds.BodyPartExamined = body_part
    if study_uid:
        ds.StudyInstanceUID = study_uid
    if series_uid:
        ds.SeriesInstanceUID = series_uid
    ds.SeriesNumber = 2
    if instance is not None:
        ds.InstanceNumber = instance
    if z is not None:
        ds.ImagePositionPatient = [0, 0, z]
        ds.ImageOrientationPatient = [1, 0, 0, 0, 1, 0]
    ds.Rows = ds.Columns = 2
    ds.SamplesPerPixel = 1
    ds.PhotometricInterpretation = "MONOCHROME2"
    ds.BitsAllocated = ds.BitsStored = 16
    ds.HighBit = 15
    ds.PixelRepresentation = 0
    if pixels:
        ds.PixelData = bytes(8)
    ds.file_meta = FileMetaDataset()
    ds.file_meta.MediaStorageSOPClassUID = ds.SOPClassUID
    ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
    ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    path.parent.mkdir(parents=True, exist_ok=True)
    ds.save_as(path, enforce_file_format=True)
    return path


@pytest.fixture
def tree(tmp_path) -> Path:
    """Two patients, a shuffled 5-slice series, a file without UIDs, and junk."""
    root = tmp_path / "tree"
    # Slices written in an order that is neither position nor name order.
    for name, instance, z in [
        ("c", 3, 10.0),
        ("a", 5, 20.0),
        ("e", 1, 0.0),
        ("b", 2, 5.0),
        ("d", 4, 15.0),
    ]:
        write_ct(root / "p1" / f"{name}.dcm", instance=instance, z=z)
    write_ct(root / "p2" / "x.dcm", patient="P2", study_uid="1.2.3.2", series_uid="1.2.3.2.1",
             modality="MR", body_part="HEAD")  # fmt: skip
    write_ct(root / "p2" / "nouid.dcm", patient="P2", study_uid=None, series_uid=None, z=None,
             modality="MR", body_part="HEAD")  # fmt: skip
    (root / "junk").mkdir()
    (root / "junk" / "empty.dcm").write_bytes(b"")
    (root / "junk" / "page.html").write_text("<html><body>404</body></html>")
    (root / "readme.txt").write_text("not DICOM")
    return root


# -- the basics ----------------------------------------------------------------------------


def test_scan_lists_dicom_and_skips_the_rest(tree):
    cat = scan(tree)
    assert cat.complete
    assert len(cat) == 7
    assert sorted(os.path.basename(s.path) for s in cat.skipped) == [
        "empty.dcm",
        "page.html",
        "readme.txt",
    ]
    assert {s.reason for s in cat.skipped} == {"not_dicom"}
    assert all(s.detail for s in cat.skipped)
    assert cat.scanned == 10
    assert cat.discovered == 10
    assert cat.filtered == 0
    assert cat.progress == ScanProgress(10, 10, 7, 3, 0, True)


def test_blocking_order_is_patient_study_series_instance(tree):
    headers = scan(tree).headers
    assert [h.patient_id for h in headers] == ["P1"] * 5 + ["P2"] * 2
    assert [h.instance_number for h in headers[:5]] == [1, 2, 3, 4, 5]
    # Within P2, the file without a study UID ("" sorts first), then the MR series.
    assert [os.path.basename(h.path) for h in headers[5:]] == ["nouid.dcm", "x.dcm"]


def test_two_scans_give_the_same_indexes(tree):
    assert scan(tree).headers == scan(tree).headers


def test_index_of_normalizes(tree, monkeypatch):
    cat = scan(tree)
    monkeypatch.chdir(tree / "p1")
    i = cat.index_of("./c.dcm")
    assert i is not None
    assert cat.header(i).path == str(tree / "p1" / "c.dcm")
    assert cat.index_of(tree / "p1" / ".." / "p1" / "c.dcm") == i
    assert cat.index_of(tree / "readme.txt") is None


def test_index_out_of_range_names_index_and_count(tree):
    cat = scan(tree)
    with pytest.raises(NotFoundError, match=r"file index 7 out of range.* 7 files \(0\.\.6\)"):
        cat[7]
    with pytest.raises(NotFoundError, match="-1"):
        cat.header(-1)
    with pytest.raises(TypeError):
        cat["0"]  # type: ignore[index]


def test_getitem_opens_instances_lazily_and_keeps_a_few(tree):
    pytest.importorskip("dcmview.sdk.instance")
    cat = Catalog(scan(tree).headers, max_open=2)
    first = cat[0]
    assert first.path == cat.header(0).path
    assert cat[0] is first
    cat[1], cat[2]  # evicts index 0
    assert cat[0] is not first
    assert [inst.path for inst in cat] == [h.path for h in cat.headers]


def test_missing_path_raises_before_scanning(tree):
    with pytest.raises(InvalidPathError, match="nope") as info:
        scan(tree, tree / "nope")
    assert info.value.path == str(tree / "nope")


def test_no_path_is_an_error():
    with pytest.raises(InvalidInputError):
        scan()


def test_directory_of_non_dicom_files_is_all_skipped(tree):
    cat = scan(tree / "junk")
    assert len(cat) == 0
    assert [s.reason for s in cat.skipped] == ["not_dicom", "not_dicom"]


def test_file_given_twice_is_listed_once(tree):
    f = tree / "p2" / "x.dcm"
    cat = scan(f, tree / "p2", f)
    assert len(cat) == 2


def test_no_recursive_reads_only_the_top_level(tree):
    cat = scan(tree, recursive=False)
    assert len(cat) == 0
    assert [os.path.basename(s.path) for s in cat.skipped] == ["readme.txt"]
    # A file given by name is always read.
    assert len(scan(tree / "p1", tree / "p2" / "x.dcm", recursive=False)) == 6


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_fifo_is_skipped_not_opened(tree):
    os.mkfifo(tree / "pipe")
    entry = next(s for s in scan(tree).skipped if s.path == str(tree / "pipe"))
    assert entry.reason == "not_a_file"
    assert isinstance(entry, SkippedFile)


def test_symlink_loop_terminates(tree):
    (tree / "p1" / "loop").symlink_to(tree)
    assert len(scan(tree)) == 7


# -- filters ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("filters", "listed"),
    [
        ({"modality": "mr"}, 2),
        ({"patient_id": "p1"}, 5),
        ({"Modality": "CT"}, 5),
        ({"BodyPartExamined": "hea"}, 2),  # any keyword, not a Header attribute
        ({"modality": "MR", "study_uid": "1.2.3.2"}, 1),  # AND
        ({"series_number": "2"}, 7),
        ({"modality": "US"}, 0),
    ],
    ids=["field", "case", "keyword", "extra-keyword", "and", "number", "none"],
)
def test_filters(tree, filters, listed):
    cat = scan(tree, filters=filters)
    assert len(cat) == listed
    assert cat.filtered == 7 - listed
    assert len(cat.skipped) == 3


def test_extra_keyword_value_is_kept(tree):
    cat = scan(tree, filters={"BodyPartExamined": "HEAD"})
    assert {h.extra["BodyPartExamined"] for h in cat.headers} == {"HEAD"}


@pytest.mark.parametrize("field", ["NoSuchKeyword", "patientid", ""])
def test_unknown_filter_field(tree, field):
    with pytest.raises(InvalidInputError, match=repr(field)):
        scan(tree, filters={field: "x"})


def test_sequence_filter_field_is_refused(tree):
    with pytest.raises(InvalidInputError, match="sequence"):
        scan(tree, filters={"ReferencedImageSequence": "x"})


# -- grouping and stack order ------------------------------------------------------------


def test_grouping(tree):
    cat = scan(tree)
    assert [p.patient_id for p in cat.patients] == ["P1", "P2"]
    p2 = cat.patients[1]
    # Sorted as the catalog is: the file without a StudyInstanceUID first, in a
    # study of its folder.
    assert [s.key for s in p2.studies] == ["folder:" + str(tree / "p2"), "1.2.3.2"]
    assert cat.studies[1].indexes == (5,)
    assert len(cat.studies) == 3
    assert [len(s) for s in cat.series] == [5, 1, 1]
    assert sum(len(s) for s in cat.series) == len(cat)


def test_series_in_stack_order(tree):
    series = scan(tree, background=True)  # walk order: a, b, c, d, e
    series.wait()
    ct = next(s for s in series.series if s.series_instance_uid == "1.2.3.1.1")
    assert [h.image_position_patient[2] for h in ct.headers] == [0.0, 5.0, 10.0, 15.0, 20.0]
    assert ct.frame_count == 5
    assert isinstance(ct, Series)


def _h(name, *, z=None, instance=None, iop=(1.0, 0.0, 0.0, 0.0, 1.0, 0.0)):
    return Header(
        path=f"/d/{name}",
        image_position_patient=None if z is None else (0.0, 0.0, z),
        image_orientation_patient=iop,
        instance_number=instance,
    )


def test_stack_order_rules():
    by_pos = [(0, _h("a", z=3.0, instance=1)), (1, _h("b", z=-1.0, instance=2))]
    assert stack_order(by_pos) == [1, 0]
    # A sagittal stack: rows along y, columns along z, so the normal is +x.
    sag = (0.0, 1.0, 0.0, 0.0, 0.0, 1.0)
    items = [(0, _h("a", z=0, iop=sag)), (1, _h("b", z=0, iop=sag))]
    items[0] = (0, items[0][1].replace(image_position_patient=(5.0, 0.0, 0.0)))
    items[1] = (1, items[1][1].replace(image_position_patient=(-5.0, 0.0, 0.0)))
    assert stack_order(items) == [1, 0]
    # One missing position: instance numbers decide.
    mixed = [(0, _h("a", z=1.0, instance=9)), (1, _h("b", instance=3))]
    assert stack_order(mixed) == [1, 0]
    # Neither: the path.
    assert stack_order([(0, _h("z")), (1, _h("b", instance=1))]) == [1, 0]


# -- labels ---------------------------------------------------------------------------------


def test_labels(tree):
    labels = {h.label for h in scan(tree).headers}
    assert labels == {"P1 · CT · 20240301", "P2 · MR · 20240301"}


# -- progress and background ----------------------------------------------------------------


@pytest.fixture
def many(tmp_path) -> Path:
    """More files than the in-process limit, so that worker processes start."""
    root = tmp_path / "many"
    template = write_ct(root / "s0" / "IM0000.dcm", instance=0, z=0.0).read_bytes()
    count = catalog_module._SMALL + 60
    marker = b"\x20\x00\x13\x00IS\x02\x000 "  # InstanceNumber "0 "
    assert marker in template
    for i in range(1, count):
        number = str(i).encode()
        number += b" " * (len(number) % 2)
        data = template.replace(
            marker, b"\x20\x00\x13\x00IS" + len(number).to_bytes(2, "little") + number
        )
        (root / f"s{i % 3}").mkdir(exist_ok=True)
        (root / f"s{i % 3}" / f"IM{i:04d}.dcm").write_bytes(data)
    (root / "s1" / "junk.txt").write_text("junk")
    return root


def test_workers_give_the_same_catalog(many, monkeypatch):
    monkeypatch.setenv("DCMVIEW_SCAN_WORKERS", "0")
    alone = scan(many)
    monkeypatch.setenv("DCMVIEW_SCAN_WORKERS", "1")
    seen: list[ScanProgress] = []
    shared = scan(many, progress=seen.append)
    assert shared.headers == alone.headers
    assert shared.skipped == alone.skipped
    assert len(shared) == catalog_module._SMALL + 60
    assert seen[-1].complete
    assert seen[-1].listed == len(shared)
    assert [p.scanned for p in seen] == sorted(p.scanned for p in seen)


def test_background_scan_fills_progressively_with_stable_indexes(many, monkeypatch):
    monkeypatch.setenv("DCMVIEW_SCAN_WORKERS", "1")
    progress: list[ScanProgress] = []
    cat = scan(many, background=True, progress=progress.append)
    snapshots: list[list[str]] = []
    while not cat.complete:  # what a server does: serve what is there
        snapshots.append([h.path for h in cat.headers])
        cat.wait(0.005)
    assert cat.error is None
    final = [h.path for h in cat.headers]
    assert len(final) == catalog_module._SMALL + 60
    assert len(progress) > 2
    assert progress[-1].complete
    assert progress[-1].listed == len(final)
    for snap in snapshots:  # append-only: every index ever given keeps its file
        assert final[: len(snap)] == snap
    # Walk order (folders sorted, then names), not the sorted order of a blocking scan.
    assert final == sorted(final)
    assert [s.reason for s in cat.skipped] == ["not_dicom"]


def test_background_catalog_index_errors_while_scanning(many):
    cat = scan(many, background=True)
    cat.cancel()
    assert cat.wait(60)
    n = len(cat)
    with pytest.raises(NotFoundError):
        cat.header(n)


def test_progress_in_blocking_scan(tree):
    seen: list[ScanProgress] = []
    scan(tree, progress=seen.append)
    assert seen[-1] == ScanProgress(10, 10, 7, 3, 0, True)


# -- the ci corpus -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def corpus_catalog(request):
    root = request.getfixturevalue("corpus_ci")
    return root, scan(root)


@pytest.mark.corpus
def test_corpus_every_file_listed_or_skipped(corpus_catalog):
    root, cat = corpus_catalog
    skipped = {s.path: s for s in cat.skipped}
    for row in manifest():
        path = row["abspath"]
        if row["expect"] == "not_dicom":
            assert skipped[path].reason == "not_dicom", path
            assert cat.index_of(path) is None
        else:
            i = cat.index_of(path)
            assert i is not None, (path, skipped.get(path))
            assert cat.header(i).has_pixels == bool(row["pixel_data"]), path
    # Besides the MANIFEST's not_dicom files, only the CSV tables are skipped.
    listed_or_skipped = {h.path for h in cat.headers} | set(skipped)
    expected = {r["abspath"] for r in manifest()}
    extras = {os.path.basename(p) for p in listed_or_skipped - expected}
    assert extras <= {"MANIFEST.csv", *TABLES}


@pytest.mark.corpus
def test_corpus_ct_series_in_slice_order(corpus_catalog):
    _, cat = corpus_catalog
    ct = next(s for s in cat.series if s.modality == "CT" and len(s) == 40)
    z = [h.image_position_patient[2] for h in ct.headers]
    assert z == sorted(z)
    assert len(set(z)) == 40
    assert ct.headers[0].label == "CORPUS-CT0001 · CT · 20240115"


@pytest.mark.corpus
def test_corpus_filters(corpus_ci):
    mg = scan(corpus_ci, filters={"modality": "mg"})
    assert len(mg) > 0
    assert {h.modality for h in mg.headers} == {"MG"}
    utf8 = scan(corpus_ci, filters={"PatientName": "zoë"})
    assert {h.patient_name for h in utf8.headers} == {"Müller^Zoë=山田^太郎=やまだ^たろう"}
    # the MR slice and the three SEGs broken on purpose over it (derived_broken/)
    assert sorted(h.modality for h in utf8.headers) == ["MR", "SEG", "SEG", "SEG"]
    edge = scan(corpus_ci / "edge", recursive=False)
    assert all(os.path.dirname(h.path) == str(corpus_ci / "edge") for h in edge.headers)
    assert len(scan(corpus_ci / "edge").headers) == len(edge) + 6  # the no-extension folder


def test_background_scan_and_open_in_another_thread_import_pydicom_safely(tmp_path) -> None:
    # pydicom's modules import each other in a cycle: a background scan that falls
    # back to pydicom (a file without preamble) while another thread opens a file
    # once failed with "cannot import name 'dcmread' from partially initialized
    # module". Each try needs a fresh interpreter, where pydicom is not imported yet.
    import subprocess
    import sys

    import pydicom
    import pydicom.examples

    # Without the 128-byte preamble and "DICM": read through pydicom with force.
    data = Path(pydicom.examples.get_path("ct")).read_bytes()[132:]
    for n in range(20):
        (tmp_path / f"raw{n}.dcm").write_bytes(data)
    code = (
        "import threading, dcmview.sdk as sdk\n"
        f"c = sdk.scan({str(tmp_path)!r}, background=True)\n"
        "t = threading.Thread(target=lambda: sdk.open("
        f"{str(pydicom.examples.get_path('ct'))!r}).frame(0).array())\n"
        "t.start(); t.join(); c.wait()\n"
        "assert c.error is None, c.error\n"
        "print(len(c))\n"
    )
    for _ in range(6):  # the race showed in about one fresh interpreter in three
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
        assert out.returncode == 0, out.stderr
        assert out.stdout.strip() == "20"
