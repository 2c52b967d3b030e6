"""The lean header reader against pydicom: same Header for every file, or a reason why not."""

from __future__ import annotations

import dataclasses
import os
import pickle
import subprocess
import sys
from pathlib import Path

import pytest
from pydicom.data import get_testdata_file
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.sequence import Sequence
from pydicom.uid import (
    DeflatedExplicitVRLittleEndian,
    ExplicitVRBigEndian,
    ExplicitVRLittleEndian,
    ImplicitVRLittleEndian,
    JPEG2000Lossless,
    generate_uid,
)

from dcmview.sdk import _headerpydicom, _headerrecord, _headerscan as hs, _scanworker
from dcmview.sdk._headerpydicom import record_from_pydicom
from dcmview.sdk._headerrecord import ABSENT, HeaderRecord, SkipRecord
from dcmview.sdk.header import Header
from tests.bundled import bundled_files
from tests.corpus import manifest, params

# Keywords a filter may ask for: text, multi-valued DS, binary US, and a meta element.
EXTRA = (
    (0x00180015, "BodyPartExamined", "CS"),
    (0x00280030, "PixelSpacing", "DS"),
    (0x00280101, "BitsStored", "US"),
    (0x00020013, "ImplementationVersionName", "SH"),
)


def _has_dicm(path: str) -> bool:
    with open(path, "rb") as fh:
        return fh.read(132)[128:132] == b"DICM"


def _outcome(rec: HeaderRecord | SkipRecord) -> str:
    return rec.reason if isinstance(rec, SkipRecord) else "listed"


def assert_same_as_pydicom(path: str) -> HeaderRecord | SkipRecord:
    """The lean record equals pydicom's, except where the lean reader is stricter."""
    lean = hs.read_record(path, EXTRA)
    ref = record_from_pydicom(path, EXTRA, no_preamble=not _has_dicm(path))
    truncated = isinstance(lean, SkipRecord) and lean.detail.startswith("header truncated")
    if truncated:
        # pydicom reads a truncated header silently; the lean reader refuses it.
        # Then pydicom cannot have found Pixel Data either.
        assert isinstance(ref, SkipRecord) or ref.has_pixels is False
        return lean
    if isinstance(lean, SkipRecord) or isinstance(ref, SkipRecord):
        assert _outcome(lean) == _outcome(ref)
        return lean
    assert Header(*lean) == Header(*ref)
    return lean


def test_header_record_follows_header():
    fields = dataclasses.fields(Header)
    assert list(HeaderRecord._fields) == [f.name for f in fields]
    for name, f in zip(HeaderRecord._fields, fields, strict=True):
        default = f.default_factory() if f.default_factory is not dataclasses.MISSING else f.default
        if default is not dataclasses.MISSING:
            assert getattr(ABSENT, name) == default, name
    # Every field the readers look for is a field of the record.
    looked_for = {attr for attr, _vr, _kind in _headerrecord.FIELDS.values()}
    assert looked_for | set(_headerrecord.PRESENCE.values()) <= set(HeaderRecord._fields)


# -- reference comparison -----------------------------------------------------------


@pytest.mark.corpus
@pytest.mark.parametrize("row", params(manifest()))
def test_corpus_file_matches_pydicom(row):
    rec = assert_same_as_pydicom(row["abspath"])
    if row["expect"] == "not_dicom":
        assert isinstance(rec, SkipRecord)
        assert rec.reason == "not_dicom"
    else:
        h = Header(*rec)
        assert h.has_pixels == bool(row["pixel_data"])
        assert h.rows == int(row["rows"] or 0)
        assert h.columns == int(row["columns"] or 0)
        assert h.number_of_frames == int(row["frames"] or 0)
        assert h.modality == row["modality"]


BUNDLED = bundled_files()


@pytest.mark.parametrize(
    "path", BUNDLED, ids=[os.path.relpath(p, os.path.dirname(BUNDLED[0])) for p in BUNDLED]
)
def test_bundled_file_matches_pydicom(path):
    assert_same_as_pydicom(path)


# -- files built here ------------------------------------------------------------------


def _dataset(**attrs) -> Dataset:
    with_pixels = attrs.pop("pixels", True)
    ds = Dataset()
    ds.SpecificCharacterSet = attrs.pop("SpecificCharacterSet", "ISO_IR 100")
    ds.SOPClassUID = "1.2.840.10008.5.1.4.1.1.2"
    ds.SOPInstanceUID = generate_uid()
    ds.StudyDate = "20240102"
    ds.Modality = "CT"
    ds.StudyDescription = "HEAD"
    ds.SeriesDescription = "AX"
    ds.PatientName = "DOE^JANE"
    ds.PatientID = "P1"
    ds.BodyPartExamined = "HEAD"
    ds.StudyInstanceUID = generate_uid()
    ds.SeriesInstanceUID = generate_uid()
    ds.SeriesNumber = 3
    ds.InstanceNumber = 7
    ds.ImagePositionPatient = [-1.5, 2, 30.25]
    ds.ImageOrientationPatient = [1, 0, 0, 0, 1, 0]
    ds.SamplesPerPixel = 1
    ds.PhotometricInterpretation = "MONOCHROME2"
    ds.Rows = 4
    ds.Columns = 2
    ds.PixelSpacing = [0.5, 0.25]
    ds.BitsAllocated = 16
    ds.BitsStored = 12
    ds.HighBit = 11
    ds.PixelRepresentation = 0
    ds.WindowCenter = [40, -600]
    ds.WindowWidth = [400, 1500]
    for key, value in attrs.items():
        setattr(ds, key, value)
    if with_pixels and "PixelData" not in ds:
        ds.PixelData = bytes(16)
    return ds


def _undefined_lengths(ds: Dataset) -> Dataset:
    """Mark every sequence and item of `ds` to be written with undefined length."""
    for elem in ds:
        if elem.VR == "SQ":
            elem.is_undefined_length = True
            for item in elem.value:
                item.is_undefined_length_sequence_item = True
                _undefined_lengths(item)
    return ds


def _write(ds: Dataset, path: Path, syntax: str = ExplicitVRLittleEndian, **kwargs) -> str:
    ds.file_meta = FileMetaDataset()
    ds.file_meta.MediaStorageSOPClassUID = ds.get("SOPClassUID", "1.2.840.10008.5.1.4.1.1.7")
    ds.file_meta.MediaStorageSOPInstanceUID = ds.get("SOPInstanceUID", generate_uid())
    ds.file_meta.TransferSyntaxUID = syntax
    ds.save_as(path, enforce_file_format=kwargs.pop("enforce", True), **kwargs)
    return str(path)


def _nested(depth: int, private: bool = True) -> Sequence:
    item = Dataset()
    item.CodeValue = f"L{depth}"
    if private:
        block = item.private_block(0x0029, "TEST NESTED", create=True)
        block.add_new(0x10, "SH", f"depth{depth}")
    if depth > 1:
        item.ContentSequence = _nested(depth - 1, private)
    return Sequence([item])


def _cases():
    """(id, builder(tmp_path) -> path, expected Header attributes)."""
    big = bytes(40_000)

    def explicit(tmp):
        return _write(_dataset(), tmp / "explicit.dcm")

    def implicit(tmp):
        return _write(_dataset(), tmp / "implicit.dcm", ImplicitVRLittleEndian)

    def defined_sequences(tmp):
        # pydicom writes sequences with defined lengths: skipped in one step.
        ds = _dataset()
        ds.ContentSequence = _nested(10)
        return _write(ds, tmp / "nested.dcm")

    def undefined_sequences(tmp):
        # 10 levels of undefined-length sequences and items, private elements inside.
        ds = _dataset()
        ds.ContentSequence = _nested(10)
        return _write(_undefined_lengths(ds), tmp / "nested_undefined.dcm")

    def implicit_nested(tmp):
        ds = _dataset()
        ds.ContentSequence = _nested(5)
        ds = _undefined_lengths(ds)
        return _write(ds, tmp / "implicit_nested.dcm", ImplicitVRLittleEndian)

    def big_values(tmp):
        # A private OB bigger than the first read, then wanted attributes after it.
        ds = _dataset()
        block = ds.private_block(0x0019, "TEST BIG", create=True)
        block.add_new(0x01, "OB", big)
        ds.SeriesNumber = 11  # (0020,0011) after the big (0019,1001)
        return _write(ds, tmp / "big.dcm")

    def big_sequence(tmp):
        ds = _dataset()
        items = []
        for i in range(300):
            item = Dataset()
            item.ReferencedSOPInstanceUID = generate_uid(entropy_srcs=[str(i)])
            item.ReferencedSOPClassUID = "1.2.840.10008.5.1.4.1.1.2"
            items.append(item)
        ds.ReferencedImageSequence = Sequence(items)  # (0008,1140): ~30 KB, before (0010,...)
        return _write(_undefined_lengths(ds), tmp / "big_sequence.dcm")

    def utf8(tmp):
        ds = _dataset(SpecificCharacterSet="ISO_IR 192")
        ds.PatientName = "Müller^Zoë=山田^太郎=やまだ^たろう"
        ds.StudyDescription = "Kopf – Übersicht ✓"
        return _write(ds, tmp / "utf8.dcm")

    def latin1(tmp):
        ds = _dataset()
        ds.PatientName = "Gänsefüßchen^Élodie"
        return _write(ds, tmp / "latin1.dcm")

    def iso2022(tmp):
        ds = _dataset(SpecificCharacterSet=["ISO 2022 IR 6", "ISO 2022 IR 87"])
        ds.PatientName = "Yamada^Tarou=山田^太郎"
        return _write(ds, tmp / "iso2022.dcm")

    def big_endian(tmp):
        return _write(_dataset(), tmp / "big_endian.dcm", ExplicitVRBigEndian)

    def deflated(tmp):
        return _write(_dataset(), tmp / "deflated.dcm", DeflatedExplicitVRLittleEndian)

    def no_preamble(tmp):
        ds = _dataset()
        path = tmp / "raw.dcm"
        ds.save_as(path, implicit_vr=True, little_endian=True)
        return str(path)

    def no_pixels(tmp):
        return _write(_dataset(pixels=False), tmp / "sr.dcm")

    def multiframe_encapsulated(tmp):
        from pydicom.encaps import encapsulate

        ds = _dataset(NumberOfFrames=3)
        ds.PixelData = encapsulate([b"\xff\xd8abc\xff\xd9\x00"] * 3)
        ds["PixelData"].VR = "OB"
        return _write(ds, tmp / "encapsulated.dcm", JPEG2000Lossless)

    def float_pixels(tmp):
        ds = _dataset(pixels=False)
        ds.FloatPixelData = bytes(32)
        return _write(ds, tmp / "float.dcm")

    def trailing_padding(tmp):
        ds = _dataset()
        ds.add_new(0xFFFCFFFC, "OB", bytes(8))  # Data Set Trailing Padding (PS3.10 7.2)
        return _write(ds, tmp / "padding.dcm")

    def empty_values(tmp):
        ds = _dataset(SeriesNumber=None, InstanceNumber=None, WindowCenter=None, Modality="")
        ds.ImagePositionPatient = None
        return _write(ds, tmp / "empty.dcm")

    def un_sequence(tmp):
        # A private sequence as UN with undefined length (PS3.5 6.2.2): its
        # content is implicit VR little endian. pydicom does not write this; splice it in.
        ds = _dataset()
        ds.private_block(0x0009, "TEST UN", create=True).add_new(0x01, "LO", "placeholder")
        path = _write(ds, tmp / "un.dcm")
        data = Path(path).read_bytes()
        old = b"\x09\x00\x01\x10LO\x0c\x00placeholder "
        item = b"\x08\x00\x00\x01\x02\x00\x00\x00X "  # (0008,0100) implicit, "X "
        new = (
            b"\x09\x00\x01\x10UN\x00\x00\xff\xff\xff\xff"
            + b"\xfe\xff\x00\xe0\xff\xff\xff\xff"
            + item
            + b"\xfe\xff\x0d\xe0\x00\x00\x00\x00"
            + b"\xfe\xff\xdd\xe0\x00\x00\x00\x00"
        )
        assert data.count(old) == 1
        Path(path).write_bytes(data.replace(old, new))
        return path

    def display_attributes(tmp):
        ds = _dataset(BurnedInAnnotation="YES", PixelAspectRatio=[4, 3])
        ds.ImagerPixelSpacing = [0.2, 0.1]  # (0018,1164): before group 0028
        ds.ModalityLUTSequence = Sequence([Dataset()])
        ds.VOILUTSequence = Sequence([Dataset()])
        return _write(ds, tmp / "display.dcm")

    def empty_lut_sequences(tmp):
        ds = _dataset()
        ds.ModalityLUTSequence = Sequence([])
        ds.VOILUTSequence = Sequence([])
        return _write(_undefined_lengths(ds), tmp / "empty_luts.dcm")

    def shared_groups(syntax, undefined, sop_class="1.2.840.10008.5.1.4.1.1.2.1"):
        # Enhanced multi-frame: Pixel Spacing only in the Shared Functional Groups.
        def build(tmp):
            ds = _dataset(NumberOfFrames=2, PixelData=bytes(32))
            del ds.PixelSpacing
            ds.SOPClassUID = sop_class
            measures = Dataset()
            measures.SliceThickness = 1
            measures.PixelSpacing = [0.4, 0.2]
            voi = Dataset()
            voi.WindowCenter, voi.WindowWidth = 40, 400
            shared = Dataset()
            shared.FrameVOILUTSequence = Sequence([voi])
            shared.PixelMeasuresSequence = Sequence([measures])
            ds.SharedFunctionalGroupsSequence = Sequence([shared])
            ds.PerFrameFunctionalGroupsSequence = Sequence([Dataset(), Dataset()])
            if undefined:
                ds = _undefined_lengths(ds)
            return _write(ds, tmp / "shared.dcm", syntax)

        return build

    expect_ct = {"modality": "CT", "patient_id": "P1", "rows": 4, "columns": 2, "has_pixels": True}
    display = {
        "burned_in_annotation": "YES",
        "pixel_aspect_ratio": (4.0, 3.0),
        "imager_pixel_spacing": (0.2, 0.1),
        "pixel_spacing": (0.5, 0.25),
        "has_modality_lut": True,
        "has_voi_lut": True,
    }
    shared = {"pixel_spacing": (0.4, 0.2), "number_of_frames": 2}
    classic = {"pixel_spacing": None, "number_of_frames": 2}
    return [
        ("explicit-le", explicit, expect_ct | {"instance_number": 7, "window_center": 40.0}),
        ("implicit-le", implicit, expect_ct | {"transfer_syntax_uid": ImplicitVRLittleEndian}),
        ("nested-10-defined", defined_sequences, expect_ct),
        ("nested-10-undefined", undefined_sequences, expect_ct),
        ("implicit-nested", implicit_nested, expect_ct),
        ("value-beyond-first-read", big_values, expect_ct | {"series_number": 11}),
        ("sequence-beyond-first-read", big_sequence, expect_ct),
        ("utf8", utf8, {"patient_name": "Müller^Zoë=山田^太郎=やまだ^たろう"}),
        ("latin1", latin1, {"patient_name": "Gänsefüßchen^Élodie"}),
        ("iso2022-fallback", iso2022, {"patient_name": "Yamada^Tarou=山田^太郎"}),
        (
            "big-endian-fallback",
            big_endian,
            expect_ct | {"image_position_patient": (-1.5, 2.0, 30.25)},
        ),
        ("deflated-fallback", deflated, expect_ct),
        ("no-preamble", no_preamble, expect_ct | {"transfer_syntax_uid": ImplicitVRLittleEndian}),
        ("no-pixel-data", no_pixels, {"has_pixels": False, "number_of_frames": 0}),
        (
            "encapsulated-3-frames",
            multiframe_encapsulated,
            {"number_of_frames": 3, "has_pixels": True},
        ),
        ("float-pixel-data", float_pixels, {"has_pixels": True}),
        ("trailing-padding", trailing_padding, expect_ct),
        ("empty-values", empty_values, {"series_number": None, "image_position_patient": None}),
        ("un-undefined-length", un_sequence, expect_ct),
        ("display-attributes", display_attributes, expect_ct | display),
        ("empty-lut-sequences", empty_lut_sequences, {"has_modality_lut": False}),
        ("shared-groups", shared_groups(ExplicitVRLittleEndian, False), shared),
        ("shared-groups-undefined", shared_groups(ExplicitVRLittleEndian, True), shared),
        ("shared-groups-implicit", shared_groups(ImplicitVRLittleEndian, True), shared),
        ("shared-groups-big-endian", shared_groups(ExplicitVRBigEndian, False), shared),
        # Functional groups in a classic IOD are not part of it: not looked for.
        (
            "shared-groups-in-classic-ct",
            shared_groups(ExplicitVRLittleEndian, True, "1.2.840.10008.5.1.4.1.1.2"),
            classic,
        ),
    ]


CASES = _cases()


@pytest.mark.parametrize(("build", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_built_file(tmp_path, build, expected):
    path = build(tmp_path)
    rec = assert_same_as_pydicom(path)
    assert isinstance(rec, HeaderRecord), rec
    h = Header(*rec)
    for key, value in expected.items():
        assert getattr(h, key) == value, key
    assert h.extra.get("BodyPartExamined") == "HEAD"
    assert h.extra.get("BitsStored") == "12"


def test_lean_path_needs_no_pydicom(tmp_path, monkeypatch):
    # The common files must not silently fall back to pydicom (that is the speed).
    path = _write(_dataset(ContentSequence=_nested(3)), tmp_path / "a.dcm")

    def refuse(*args, **kwargs):
        raise AssertionError("fell back to pydicom")

    monkeypatch.setattr(_headerpydicom, "record_from_pydicom", refuse)
    h = Header(*hs.read_record(path, EXTRA))
    assert h.window_width == 400.0
    assert h.image_orientation_patient == (1.0, 0.0, 0.0, 0.0, 1.0, 0.0)
    assert h.extra["PixelSpacing"] == "0.5\\0.25"
    assert h.extra["ImplementationVersionName"].startswith("PYDICOM")


def test_lean_path_reads_shared_functional_groups(tmp_path, monkeypatch):
    # Pixel Spacing of an enhanced multi-frame file, nested two sequences deep.
    ds = _dataset(NumberOfFrames=2, PixelData=bytes(32))
    ds.SOPClassUID = "1.2.840.10008.5.1.4.1.1.13.1.3"  # Breast Tomosynthesis
    del ds.PixelSpacing
    measures = Dataset()
    measures.PixelSpacing = [0.4, 0.2]
    group = Dataset()
    group.PixelMeasuresSequence = Sequence([measures])
    ds.SharedFunctionalGroupsSequence = Sequence([group])
    path = _write(_undefined_lengths(ds), tmp_path / "a.dcm")

    def refuse(*args, **kwargs):
        raise AssertionError("fell back to pydicom")

    monkeypatch.setattr(_headerpydicom, "record_from_pydicom", refuse)
    h = Header(*hs.read_record(path, EXTRA))
    assert h.pixel_spacing == (0.4, 0.2)
    assert h.has_pixels


# -- bad input ------------------------------------------------------------------------------


def test_zero_byte_file(tmp_path):
    (tmp_path / "empty.dcm").write_bytes(b"")
    path, reason, detail = hs.read_record(str(tmp_path / "empty.dcm"))
    assert reason == "not_dicom"
    assert "empty" in detail


@pytest.mark.parametrize(
    "content",
    [b"<!DOCTYPE html><html><body>502 Bad Gateway</body></html>", b"path,rows\n", b"DICM", b"\x08"],
    ids=["html", "csv", "just-DICM", "one-byte"],
)
def test_not_dicom(tmp_path, content):
    (tmp_path / "f").write_bytes(content)
    assert hs.read_record(str(tmp_path / "f")).reason == "not_dicom"


@pytest.mark.parametrize("cut", [140, 401, 0.5, 0.9], ids=["in-meta", "in-dataset", "half", "90%"])
def test_truncated_header_is_parse_failed(tmp_path, cut):
    src = Path(get_testdata_file("CT_small.dcm", download=False))
    data = src.read_bytes()
    pixel_at = data.index(b"\xe0\x7f\x10\x00")
    size = cut if isinstance(cut, int) else int(pixel_at * cut)
    (tmp_path / "t.dcm").write_bytes(data[:size])
    path, reason, detail = hs.read_record(str(tmp_path / "t.dcm"))
    assert reason == "parse_failed"
    assert f"byte {size}" in detail


def test_truncated_pixel_data_is_listed(tmp_path):
    # The header is whole: the file is listed; decoding reports the damage later.
    src = Path(get_testdata_file("CT_small.dcm", download=False)).read_bytes()
    (tmp_path / "t.dcm").write_bytes(src[: len(src) - 1000])
    h = hs.read_header(str(tmp_path / "t.dcm"))
    assert isinstance(h, Header)
    assert h.has_pixels
    # ... and notes that the value runs past the end of the file, as pydicom's reader does.
    assert h.pixel_data_truncated
    assert assert_same_as_pydicom(str(tmp_path / "t.dcm")).pixel_data_truncated
    whole = hs.read_header(get_testdata_file("CT_small.dcm", download=False))
    assert isinstance(whole, Header)
    assert not whole.pixel_data_truncated


@pytest.mark.corpus
def test_truncated_encapsulated_pixel_data(tmp_path):
    # A JPEG 2000 mammogram cut inside its last fragment: both readers see it.
    src = next(r["abspath"] for r in manifest() if r["path"].endswith("L_CC_j2k_lossless.dcm"))
    data = Path(src).read_bytes()
    (tmp_path / "cut.dcm").write_bytes(data[: len(data) - 5000])
    cut = assert_same_as_pydicom(str(tmp_path / "cut.dcm"))
    assert isinstance(cut, HeaderRecord)
    assert cut.pixel_data_truncated
    # Cut exactly before the Sequence Delimitation Item: the end comes first.
    (tmp_path / "nodelim.dcm").write_bytes(data[:-8])
    assert hs.read_header(str(tmp_path / "nodelim.dcm")).pixel_data_truncated
    # Whole, and whole with Data Set Trailing Padding after the delimiter.
    assert not assert_same_as_pydicom(src).pixel_data_truncated
    padded = data + b"\xfc\xff\xfc\xff" + b"OB\x00\x00" + (4).to_bytes(4, "little") + bytes(4)
    (tmp_path / "padded.dcm").write_bytes(padded)
    assert not hs.read_header(str(tmp_path / "padded.dcm")).pixel_data_truncated


@pytest.mark.corpus
def test_laterality_and_view_of_a_mammogram():
    rows = {r["path"].rsplit("/", 1)[-1]: r["abspath"] for r in manifest()}
    for name, want in {
        "L_CC_explicit_le.dcm": ("L", "CC"),
        "R_MLO_normal_j2k_lossless.dcm": ("R", "MLO"),
        "DBT_L_CC_12f_j2k_lossless.dcm": ("L", "CC"),
    }.items():
        h = hs.read_header(rows[name])
        assert isinstance(h, Header)
        assert (h.image_laterality, h.view_position) == want, name


def test_unreadable_file(tmp_path):
    if os.geteuid() == 0:
        pytest.skip("root reads any file")
    path = Path(_write(_dataset(), tmp_path / "locked.dcm"))
    path.chmod(0)
    assert hs.read_record(str(path)).reason == "unreadable"


def test_dicomdir_is_skipped():
    path = get_testdata_file("DICOMDIR", download=False)
    assert hs.read_record(path).reason == "dicomdir"


def _run_worker(request: tuple, *options: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, *options, _scanworker.__file__],
        input=pickle.dumps(request),
        capture_output=True,
        check=True,
    )


def test_worker_protocol(tmp_path):
    # The worker runs as a script: a request in, (headers, skipped) out, as plain tuples.
    # Without site-packages or PYTHONPATH (-I -S) it still finds the dcmview it is part of.
    path = _write(_dataset(), tmp_path / "a.dcm")
    missing = str(tmp_path / "missing")
    proc = _run_worker(([path, missing], EXTRA, None), "-I", "-S")
    headers, skipped = pickle.loads(proc.stdout)
    assert [type(r) for r in headers + skipped] == [tuple, tuple]
    assert Header(*headers[0]) == Header(*hs.read_record(path, EXTRA))
    assert skipped[0][:2] == (missing, "unreadable")
    assert hs.scan_records([path, missing], EXTRA) == ([tuple(headers[0])], [skipped[0]])


def test_worker_imports_no_pydicom_for_a_plain_file(tmp_path):
    # Every scan starts cores - 1 workers: they stay lean until a file needs pydicom.
    path = _write(_dataset(), tmp_path / "a.dcm")
    proc = _run_worker(([path], EXTRA, None), "-X", "importtime")
    assert len(pickle.loads(proc.stdout)[0]) == 1
    imported = {line.rsplit("|", 1)[-1].strip() for line in proc.stderr.decode().splitlines()}
    assert "dcmview.sdk._headerscan" in imported
    assert not {m for m in imported if m.split(".")[0] in ("pydicom", "numpy")}


def test_without_pread(tmp_path, monkeypatch):
    # Windows has no os.pread: seek and read give the same header.
    ds = _dataset()
    ds.private_block(0x0019, "TEST BIG", create=True).add_new(0x01, "OB", bytes(40_000))
    path = _write(ds, tmp_path / "big.dcm")
    expected = hs.read_record(path, EXTRA)
    monkeypatch.setattr(_headerrecord, "_HAS_PREAD", False)
    assert hs.read_record(path, EXTRA) == expected
