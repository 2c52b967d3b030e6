"""Tests for dcmview.sdk.roi: Roi, RoiSet, the EMBED CSV dialects, the JSON body."""

from __future__ import annotations

import doctest
import hashlib
import importlib
import io
import os
import pickle
import shutil
import subprocess
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd
import pydicom
import pytest
from hypothesis import given, settings, strategies as st
from pandas.testing import assert_frame_equal
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import UID, ExplicitVRLittleEndian, generate_uid

from dcmview.sdk.errors import InvalidInputError, InvalidPathError, RoiFormatError
from dcmview.sdk.header import Header
from dcmview.sdk.roi import MatchReport, Roi, RoiSet, rois_from_json, rois_to_json
from dcmview.sdk.roi._cells import RowFormat, format_coords, parse_coords

DATA = Path(__file__).parent / "data"
DIALECT_FILES = {
    "tuple": DATA / "embed_tuple.csv",
    "json": DATA / "embed_json.csv",
    "nested": DATA / "embed_nested.csv",
}


def read_cells(source: Path | io.StringIO) -> pd.DataFrame:
    """A CSV's cells as strings, exactly as written."""
    return pd.read_csv(source, dtype=str, keep_default_na=False)


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def header_of(path: Path) -> Header:
    """The Header a scan gives for a real DICOM file (the attributes roi.py uses)."""
    ds = pydicom.dcmread(path, stop_before_pixels=True, force=True)
    return Header(
        path=os.path.normpath(os.path.abspath(path)),
        rows=int(ds.get("Rows", 0)),
        columns=int(ds.get("Columns", 0)),
        number_of_frames=int(ds.get("NumberOfFrames", 1) or 1),
        has_pixels=True,
    )


@pytest.fixture
def dicom_file(tmp_path: Path) -> Path:
    """A real 3-frame 20 x 30 DICOM file written with pydicom, under tmp_path/img."""
    ds = Dataset()
    ds.file_meta = FileMetaDataset()
    ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds.file_meta.MediaStorageSOPClassUID = UID("1.2.840.10008.5.1.4.1.1.7")
    ds.SOPClassUID = ds.file_meta.MediaStorageSOPClassUID
    ds.SOPInstanceUID = generate_uid()
    ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
    ds.Modality = "OT"
    ds.set_pixel_data(np.zeros((3, 20, 30), dtype=np.uint16), "MONOCHROME2", 12)
    path = tmp_path / "img" / "a.dcm"
    path.parent.mkdir()
    ds.save_as(path, enforce_file_format=True)
    return path


# ---------------------------------------------------------------------------- Roi


def test_roi_is_valid_once_constructed():
    roi = Roi(120, 340, 220, 430, frames=(5, 1, 5))
    assert roi.box == (120, 340, 220, 430)
    assert roi.frames == (1, 5)
    assert (roi.height, roi.width) == (101, 91)
    assert roi.to_list() == [120, 340, 220, 430]
    assert roi.applies_to(1)
    assert not roi.applies_to(2)
    assert Roi(0, 0, 0, 0).applies_to(99)
    assert Roi(0, 0, 0, 0, frames=[]).frames == ()  # type: ignore[arg-type]  # a list is normalized


def test_roi_accepts_numpy_integers_and_stores_ints():
    ymin, xmin, ymax, xmax = np.array([1, 2, 3, 4], dtype=np.int64)
    roi = Roi(ymin, xmin, ymax, xmax, frames=np.array([2, 0]))  # type: ignore[arg-type]  # numpy
    assert roi == Roi(1, 2, 3, 4, frames=(0, 2))
    assert all(type(v) is int for v in (*roi.box, *roi.frames))


@pytest.mark.parametrize(
    ("args", "frames", "needle"),
    [
        pytest.param((-1, 2, 3, 4), (), "negative", id="negative-coordinate"),
        pytest.param((5, 2, 3, 4), (), "ymin <= ymax", id="ymin-above-ymax"),
        pytest.param((1, 9, 3, 4), (), "xmin <= xmax", id="xmin-right-of-xmax"),
        pytest.param((1, 2, 3, 4), (-1,), "frame index -1", id="negative-frame"),
    ],
)
def test_roi_rejects_invalid_values(args, frames, needle):
    with pytest.raises(RoiFormatError, match=needle) as info:
        Roi(args[0], args[1], args[2], args[3], frames=frames)
    assert str(list(args)) in str(info.value)


@pytest.mark.parametrize("bad", [1.0, True, "1", None], ids=repr)
def test_roi_rejects_non_integers_as_a_programming_error(bad):
    with pytest.raises(TypeError, match="integer"):
        Roi(bad, 0, 1, 1)


def test_from_corners_orders_corners():
    assert Roi.from_corners(220, 430, 120, 340, frames=[3]) == Roi(120, 340, 220, 430, (3,))


@pytest.mark.parametrize(
    ("roi", "needle"),
    [
        pytest.param(Roi(0, 0, 19, 29, (2,)), None, id="corner-to-corner-ok"),
        pytest.param(Roi(0, 0, 20, 29), "outside the image of 20 rows x 30 columns", id="ymax"),
        pytest.param(Roi(0, 0, 19, 30), "outside the image", id="xmax"),
        pytest.param(Roi(0, 0, 1, 1, (3,)), "frame index 3 .* 3 frames \\(0..2\\)", id="frame"),
    ],
)
def test_roi_validate_against_a_real_instance(dicom_file, roi, needle):
    header = header_of(dicom_file)
    assert (header.rows, header.columns, header.number_of_frames) == (20, 30, 3)
    if needle is None:
        roi.validate(header)
    else:
        with pytest.raises(RoiFormatError, match=needle) as info:
            roi.validate(header)
        assert header.path in str(info.value)


# ----------------------------------------------------------- CSV round trips


@pytest.mark.parametrize("dialect", DIALECT_FILES, ids=str)
def test_csv_round_trip_keeps_every_cell(dialect):
    path = DIALECT_FILES[dialect]
    rois = RoiSet.from_embed_csv(path)
    assert rois.dialect == dialect
    expected = read_cells(path)
    assert_frame_equal(read_cells(io.StringIO(rois.to_embed_csv())), expected)
    assert_frame_equal(rois.to_dataframe(), expected)


def test_tuple_dialect_reads_the_embed_table():
    rois = RoiSet.from_embed_csv(DIALECT_FILES["tuple"])
    base = DATA / "cohort_1"
    assert rois.for_instance(base / "10000001/5000001/1.2.3.1.dcm") == (Roi(1365, 272, 1610, 508),)
    assert rois.for_instance(str(base / "10000001/5000001/1.2.3.2.dcm")) == (
        Roi(992, 202, 1276, 647),
        Roi(2098, 302, 2647, 1089),
    )
    assert rois.for_instance(base / "10000002/5000002/1.2.3.3.dcm") == ()
    # The identical duplicate rows (they differ only in a clinical column) count once.
    assert len(rois) == 2
    assert rois.num_rois == 3


def test_json_dialect_reads_frames():
    rois = RoiSet.from_embed_csv(DIALECT_FILES["json"])
    assert rois.for_instance(DATA / "dbt/case1.dcm") == (
        Roi(120, 340, 220, 430, (0, 1, 2)),
        Roi(400, 510, 480, 590, (5, 6)),
    )
    # "[]" for the whole cell and [] per box both mean every frame.
    assert rois.for_instance(DATA / "ffdm/case2.dcm") == (Roi(80, 150, 190, 260),)
    assert rois.for_instance(DATA / "ffdm/case3.dcm")[1].frames == ()


def test_nested_dialect_flattens_sources():
    rois = RoiSet.from_embed_csv(DIALECT_FILES["nested"])
    assert rois.for_instance(DATA / "img/b.dcm") == (
        Roi(10, 20, 30, 40),
        Roi(50, 60, 70, 80),
        Roi(100, 110, 120, 130),
    )


@pytest.mark.parametrize(
    ("dialect", "path", "new", "coords", "frames"),
    [
        pytest.param("tuple", "cohort_1/10000001/5000001/1.2.3.1.dcm", [Roi(1, 2, 3, 4)],
                     "((1, 2, 3, 4),)", None, id="tuple-one-box"),
        pytest.param("tuple", "cohort_1/10000001/5000001/1.2.3.1.dcm",
                     [Roi(1, 2, 3, 4), Roi(5, 6, 7, 8)], "((1, 2, 3, 4), (5, 6, 7, 8))", None,
                     id="tuple-two-boxes"),
        pytest.param("tuple", "cohort_1/10000001/5000001/1.2.3.1.dcm", [], "()", None,
                     id="tuple-deleted"),
        pytest.param("json", "ffdm/case2.dcm", [Roi(1, 2, 3, 4, (0, 1))], "[[1,2,3,4]]",
                     "[[0,1]]", id="json-frames"),
        pytest.param("json", "ffdm/case2.dcm", [Roi(1, 2, 3, 4)], "[[1,2,3,4]]", "[]",
                     id="json-all-frames-keeps-collapsed-cell"),
        pytest.param("json", "ffdm/case3.dcm", [Roi(1, 2, 3, 4)], "[[1,2,3,4]]", "[[]]",
                     id="json-per-box-frames"),
        pytest.param("json", "dbt/case1.dcm", [], "[]", "[]", id="json-deleted"),
        pytest.param("nested", "img/b.dcm", [Roi(1, 2, 3, 4), Roi(5, 6, 7, 8)],
                     "[[[1, 2, 3, 4], [5, 6, 7, 8]]]", None, id="nested-one-source"),
        pytest.param("nested", "img/a.dcm", [], "[]", None, id="nested-deleted"),
    ],
)  # fmt: skip
def test_edit_rewrites_only_that_row_in_its_dialect(dialect, path, new, coords, frames):
    source = DIALECT_FILES[dialect]
    rois = RoiSet.from_embed_csv(source)
    rois.set(DATA / path, new)
    before, after = read_cells(source), read_cells(io.StringIO(rois.to_embed_csv()))
    assert list(after.columns) == list(before.columns)
    assert len(after) == len(before)
    changed = before[PATH := "anon_dicom_path"] == path
    count_column = "num_roi" if "num_roi" in before.columns else "num_ROI"
    assert (after.loc[changed, "ROI_coords"] == coords).all()
    assert (after.loc[changed, count_column] == str(len(new))).all()
    if frames is not None:
        assert (after.loc[changed, "ROI_frames"] == frames).all()
    other = [c for c in before.columns if c not in ("ROI_coords", "ROI_frames", count_column)]
    assert_frame_equal(after[other], before[other])
    assert_frame_equal(after[~changed], before[~changed])
    assert (after[PATH] == before[PATH]).all()
    # The edited file reads back with the new ROIs.
    reread = RoiSet.from_embed_csv(io.StringIO(rois.to_embed_csv()), base_dir=DATA)
    assert reread.for_instance(DATA / path) == tuple(new)


def test_edit_updates_identical_duplicates_together():
    rois = RoiSet.from_embed_csv(DIALECT_FILES["tuple"])
    rois.set(DATA / "cohort_1/10000001/5000001/1.2.3.2.dcm", [Roi(7, 7, 8, 8)])
    after = read_cells(io.StringIO(rois.to_embed_csv()))
    assert after["ROI_coords"].tolist()[1:3] == ["((7, 7, 8, 8),)"] * 2
    assert after["path_severity"].tolist()[1:3] == ["", "4"]


def test_new_instance_gets_a_new_row_in_the_table_dialect():
    rois = RoiSet.from_embed_csv(DIALECT_FILES["tuple"])
    rois.set(DATA / "cohort_1/new.dcm", [Roi(1, 2, 3, 4)])
    rois.set("/elsewhere/x.dcm", [Roi(5, 6, 7, 8)])
    rois.set(DATA / "cohort_1/gained_then_lost.dcm", [Roi(1, 1, 1, 1)])
    rois.set(DATA / "cohort_1/gained_then_lost.dcm", [])
    after = read_cells(io.StringIO(rois.to_embed_csv()))
    assert_frame_equal(after.iloc[:5], read_cells(DIALECT_FILES["tuple"]))
    new = after.iloc[5:].reset_index(drop=True)
    # Relative like the table when below its folder, absolute otherwise.
    assert new["anon_dicom_path"].tolist() == ["cohort_1/new.dcm", "/elsewhere/x.dcm"]
    assert new["ROI_coords"].tolist() == ["((1, 2, 3, 4),)", "((5, 6, 7, 8),)"]
    assert new["num_roi"].tolist() == ["1", "1"]
    assert new["empi_anon"].tolist() == ["", ""]


def test_frames_column_is_added_only_when_needed():
    rois = RoiSet.from_embed_csv(DIALECT_FILES["tuple"])
    rois.set(DATA / "cohort_1/10000002/5000002/1.2.3.3.dcm", [Roi(1, 2, 3, 4)])
    assert "ROI_frames" not in read_cells(io.StringIO(rois.to_embed_csv())).columns
    rois.set(DATA / "cohort_1/10000002/5000002/1.2.3.3.dcm", [Roi(1, 2, 3, 4, (0,))])
    after = read_cells(io.StringIO(rois.to_embed_csv()))
    assert after.columns[-1] == "ROI_frames"
    assert after["ROI_frames"].tolist() == ["", "", "", "((0,),)", ""]


def test_unchanged_put_keeps_cells_verbatim(tmp_path):
    source = tmp_path / "a.csv"
    source.write_text('anon_dicom_path,num_ROI,ROI_coords\na.dcm,1,"[ [1, 2,3,4] ]"\n')
    rois = RoiSet.from_embed_csv(source)
    rois.set(tmp_path / "a.dcm", [Roi(1, 2, 3, 4)])
    assert rois.edited == frozenset()
    assert read_cells(io.StringIO(rois.to_embed_csv()))["ROI_coords"][0] == "[ [1, 2,3,4] ]"


def test_float_count_keeps_its_spelling_on_edit(tmp_path):
    source = tmp_path / "a.csv"
    source.write_text('anon_dicom_path,num_roi,ROI_coords\na.dcm,1.0,"((1, 2, 3, 4),)"\n')
    rois = RoiSet.from_embed_csv(source)
    rois.set(tmp_path / "a.dcm", [Roi(1, 2, 3, 4), Roi(2, 2, 3, 3)])
    assert read_cells(io.StringIO(rois.to_embed_csv()))["num_roi"][0] == "2.0"


def test_new_set_writes_the_predecessor_header():
    rois = RoiSet({"/d/a.dcm": [Roi(1, 2, 3, 4, (0, 2))], "/d/b.dcm": []})
    assert rois.to_embed_csv() == (
        'anon_dicom_path,num_ROI,ROI_coords,ROI_frames\n/d/a.dcm,1,"[[1,2,3,4]]","[[0,2]]"\n'
    )
    assert RoiSet().to_embed_csv() == "anon_dicom_path,num_ROI,ROI_coords,ROI_frames\n"
    assert RoiSet({"/d/a.dcm": [Roi(1, 2, 3, 4)]}, dialect="tuple").to_embed_csv() == (
        'anon_dicom_path,num_ROI,ROI_coords,ROI_frames\n/d/a.dcm,1,"((1, 2, 3, 4),)","((),)"\n'
    )


def test_file_objects_text_and_bytes_with_bom():
    text = DIALECT_FILES["json"].read_text()
    from_text = RoiSet.from_embed_csv(io.StringIO(text), base_dir=DATA)
    from_bytes = RoiSet.from_embed_csv(io.BytesIO(b"\xef\xbb\xbf" + text.encode()), base_dir=DATA)
    assert (
        from_text.items()
        == from_bytes.items()
        == RoiSet.from_embed_csv(DIALECT_FILES["json"]).items()
    )
    out = io.StringIO()
    assert from_bytes.to_embed_csv(out) is None
    assert_frame_equal(read_cells(io.StringIO(out.getvalue())), read_cells(DIALECT_FILES["json"]))


def test_input_csv_is_never_written(tmp_path):
    source = tmp_path / "ann.csv"
    shutil.copy(DIALECT_FILES["tuple"], source)
    digest = sha256(source)
    rois = RoiSet.from_embed_csv(source)
    rois.set(tmp_path / "cohort_1/10000001/5000001/1.2.3.1.dcm", [])
    rois.to_embed_csv(tmp_path / "out.csv")
    for same in (source, tmp_path / "." / "ann.csv"):
        with pytest.raises(InvalidPathError, match="refusing to overwrite"):
            rois.to_embed_csv(same)
    assert sha256(source) == digest
    assert read_cells(tmp_path / "out.csv")["ROI_coords"][0] == "()"


# ------------------------------------------------------------- invalid input

INVALID = [
    # (id, csv text, row, column, value in the message)
    ("count-mismatch", 'anon_dicom_path,num_ROI,ROI_coords\na.dcm,1,"[[1,2,3,4]]"\n'
     'b.dcm,3,"[[1,2,3,4],[5,6,7,8]]"\n', 3, "num_ROI", "'3'"),
    ("count-not-a-number", 'anon_dicom_path,num_roi,ROI_coords\na.dcm,one,"((1, 2, 3, 4),)"\n',
     2, "num_roi", "'one'"),
    ("three-number-box", 'anon_dicom_path,ROI_coords\na.dcm,"[[1,2,3,4]]"\nb.dcm,"[[1,2,3]]"\n',
     3, "ROI_coords", "[1, 2, 3]"),
    ("three-number-tuple", "anon_dicom_path,ROI_coords\na.dcm,\"((1, 2, 3),)\"\n",
     2, "ROI_coords", "(1, 2, 3)"),
    ("non-numeric-string", "anon_dicom_path,ROI_coords\na.dcm,\"[[1,2,'a',4]]\"\n",
     2, "ROI_coords", "'a'"),
    ("non-numeric-name", 'anon_dicom_path,ROI_coords\na.dcm,"[[1,2,x,4]]"\n',
     2, "ROI_coords", "[[1,2,x,4]]"),
    ("float-coordinate", 'anon_dicom_path,ROI_coords\na.dcm,"[[1,2,3.5,4]]"\n',
     2, "ROI_coords", "3.5"),
    ("code-is-not-run", "anon_dicom_path,ROI_coords\na.dcm,\"__import__('os').getcwd()\"\n",
     2, "ROI_coords", "__import__"),
    ("one-box-without-comma", 'anon_dicom_path,ROI_coords\na.dcm,"((1, 2, 3, 4))"\n',
     2, "ROI_coords", "((1, 2, 3, 4))"),
    ("mixed-brackets", 'anon_dicom_path,ROI_coords\na.dcm,"[(1, 2, 3, 4)]"\n',
     2, "ROI_coords", "(1, 2, 3, 4)"),
    ("inverted-box", 'anon_dicom_path,ROI_coords\na.dcm,"[[30,2,3,4]]"\n',
     2, "ROI_coords", "[30, 2, 3, 4]"),
    ("negative", 'anon_dicom_path,ROI_coords\na.dcm,"[[-1,2,3,4]]"\n',
     2, "ROI_coords", "[-1, 2, 3, 4]"),
    ("frames-per-box-mismatch", 'anon_dicom_path,ROI_coords,ROI_frames\n'
     'a.dcm,"[[1,2,3,4]]","[[0],[1]]"\n', 2, "ROI_frames", "[[0],[1]]"),
    ("frame-not-integer", 'anon_dicom_path,ROI_coords,ROI_frames\na.dcm,"[[1,2,3,4]]","[[0.5]]"\n',
     2, "ROI_frames", "0.5"),
    ("negative-frame", 'anon_dicom_path,ROI_coords,ROI_frames\na.dcm,"[[1,2,3,4]]","[[-1]]"\n',
     2, "ROI_frames", "-1"),
    ("empty-path", 'anon_dicom_path,ROI_coords\n,"[[1,2,3,4]]"\n', 2, "anon_dicom_path", "''"),
    ("missing-coords-column", "anon_dicom_path,num_ROI\na.dcm,0\n", 1, "'ROI_coords'", "num_ROI"),
    ("missing-path-column", 'path,ROI_coords\na.dcm,"[]"\n', 1, "'anon_dicom_path'", "path"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("text", "row", "column", "value"), [pytest.param(*c[1:], id=c[0]) for c in INVALID]
)
def test_invalid_csv_names_row_column_and_value(tmp_path, text, row, column, value):
    source = tmp_path / "bad.csv"
    source.write_text(text)
    with pytest.raises(RoiFormatError) as info:
        RoiSet.from_embed_csv(source)
    message = str(info.value)
    assert f"row {row}" in message
    assert column in message
    assert value in message
    assert str(source) in message
    assert info.value.code == "invalid_annotations"
    assert isinstance(info.value, InvalidInputError | ValueError)


def test_conflicting_duplicates_name_both_rows(tmp_path):
    source = tmp_path / "dup.csv"
    source.write_text(
        "anon_dicom_path,num_roi,ROI_coords,other\n"
        'a.dcm,1,"((1, 2, 3, 4),)",x\n'
        'b.dcm,0,(),x\n'
        'a.dcm,1,"[[1,2,3,4]]",y\n'  # same box in another dialect: tolerated
        'a.dcm,1,"((1, 2, 3, 5),)",z\n'
    )  # fmt: skip
    with pytest.raises(RoiFormatError, match="rows 2 and 5") as info:
        RoiSet.from_embed_csv(source)
    assert "(1, 2, 3, 5)" in str(info.value)
    assert str(tmp_path / "a.dcm") in str(info.value)


@pytest.mark.parametrize(
    ("roi_cell", "frames_cell", "column", "needle"),
    [
        pytest.param('"[[0,0,20,5]]"', "[]", "ROI_coords", "outside the image", id="box-outside"),
        pytest.param('"[[0,0,5,30]]"', "[]", "ROI_coords", "outside the image", id="x-outside"),
        pytest.param('"[[0,0,5,5]]"', "[[3]]", "ROI_frames", "out of range", id="frame-range"),
    ],
)
def test_validate_names_row_column_and_value(dicom_file, roi_cell, frames_cell, column, needle):
    source = dicom_file.parent.parent / "ann.csv"
    source.write_text(
        "anon_dicom_path,num_ROI,ROI_coords,ROI_frames\n"
        f'img/a.dcm,1,"[[1,1,2,2]]",[]\nimg/a.dcm,1,"[[1,1,2,2]]",[]\n'
        f"img/other.dcm,1,{roi_cell},{frames_cell}\n"
    )
    shutil.copy(dicom_file, dicom_file.parent / "other.dcm")
    rois = RoiSet.from_embed_csv(source)
    headers = [header_of(dicom_file), header_of(dicom_file.parent / "other.dcm")]
    with pytest.raises(RoiFormatError, match=needle) as info:
        rois.validate(headers)
    message = str(info.value)
    assert f"{source} row 4, column {column}" in message
    assert str(dicom_file.parent / "other.dcm") in message
    # The single-instance form checks only that instance.
    rois.validate(headers[0])


def test_missing_and_malformed_csv_files(tmp_path):
    with pytest.raises(InvalidPathError, match="cannot read"):
        RoiSet.from_embed_csv(tmp_path / "absent.csv")
    (tmp_path / "empty.csv").write_text("")
    with pytest.raises(RoiFormatError, match="row 1"):
        RoiSet.from_embed_csv(tmp_path / "empty.csv")
    (tmp_path / "ragged.csv").write_text('anon_dicom_path,ROI_coords\na.dcm,"[]",x,y\n')
    with pytest.raises(RoiFormatError, match="not a readable CSV"):
        RoiSet.from_embed_csv(tmp_path / "ragged.csv")


def test_header_only_csv_is_an_empty_set(tmp_path):
    (tmp_path / "h.csv").write_text("anon_dicom_path,num_roi,ROI_coords,extra\n")
    rois = RoiSet.from_embed_csv(tmp_path / "h.csv")
    assert len(rois) == 0
    assert rois.to_embed_csv() == "anon_dicom_path,num_roi,ROI_coords,extra\n"


# ------------------------------------------------------------ errors="warn"

ROW_PROBLEMS = [c for c in INVALID if c[2] == 2]
FILE_PROBLEMS = [c for c in INVALID if c[2] == 1]


@pytest.mark.parametrize(
    ("text", "column", "value"), [pytest.param(c[1], c[3], c[4], id=c[0]) for c in ROW_PROBLEMS]
)
def test_warn_keeps_a_bad_row_verbatim_and_applies_the_others(tmp_path, text, column, value):
    header, bad = text.rstrip("\n").split("\n")
    cells = {"anon_dicom_path": "{}", "ROI_coords": '"[{}]"', "ROI_frames": "[[]]", "num_roi": "1"}
    good = ",".join(cells[c] for c in header.split(","))
    source = tmp_path / "ann.csv"
    source.write_text(
        f"{header}\n{good.format('good1.dcm', '[1,2,3,4]')}\n{bad}\n"
        f"{good.format('good2.dcm', '[5,6,7,8]')}\n"
    )
    with pytest.raises(RoiFormatError, match="row 3"):
        RoiSet.from_embed_csv(source)
    rois = RoiSet.from_embed_csv(source, errors="warn")
    (problem,) = rois.problems
    assert isinstance(problem, RoiFormatError)
    assert (problem.row, problem.column, problem.path) == (3, column, str(source))
    assert f"{source} row 3, column {column}" in problem.message
    assert value in problem.message
    assert problem.value is not None
    assert problem.value in bad
    # The good rows apply, the bad one does not; the table comes back cell for cell.
    assert rois.for_instance(tmp_path / "good1.dcm") == (Roi(1, 2, 3, 4),)
    assert rois.for_instance(tmp_path / "good2.dcm") == (Roi(5, 6, 7, 8),)
    assert (len(rois), rois.num_rois) == (2, 2)
    assert_frame_equal(read_cells(io.StringIO(rois.to_embed_csv())), read_cells(source))


def test_warn_round_trip_after_edits_keeps_bad_rows_unchanged(tmp_path):
    source = tmp_path / "ann.csv"
    source.write_text(
        "anon_dicom_path,num_roi,ROI_coords,note\n"
        'a.dcm,1,"((1, 2, 3, 4),)",first\n'
        'b.dcm,2,"((1, 2, 3, 4),)",count-mismatch\n'
        'c.dcm,1,"((1, 2, 3",cut-off\n'
        'b.dcm,1,"((9, 9, 9, 9),)",b-is-fine-here\n'
    )  # fmt: skip
    rois = RoiSet.from_embed_csv(source, errors="warn")
    assert [(p.row, p.column) for p in rois.problems] == [(3, "num_roi"), (4, "ROI_coords")]
    assert rois.for_instance(tmp_path / "b.dcm") == (Roi(9, 9, 9, 9),)
    # Edit a good file, a file whose row is bad, and one without a row.
    rois.set(tmp_path / "a.dcm", [Roi(0, 0, 5, 5)])
    rois.set(tmp_path / "b.dcm", [])
    rois.set(tmp_path / "c.dcm", [Roi(1, 1, 2, 2)])
    back = read_cells(io.StringIO(rois.to_embed_csv()))
    before = read_cells(source)
    # Bad rows 3 and 4 (positions 1, 2) are written back exactly as read.
    assert_frame_equal(back.iloc[1:3], before.iloc[1:3])
    assert back.loc[0, "ROI_coords"] == "((0, 0, 5, 5),)"
    assert (back.loc[3, "num_roi"], back.loc[3, "ROI_coords"]) == ("0", "()")
    # c.dcm had only a bad row: its new ROIs get a row of their own.
    assert back.iloc[4].tolist() == ["c.dcm", "1", "((1, 1, 2, 2),)", ""]
    assert len(back) == 5


def test_warn_makes_a_conflicting_duplicate_a_problem(tmp_path):
    source = tmp_path / "dup.csv"
    source.write_text(
        "anon_dicom_path,ROI_coords\n"
        'a.dcm,"[[1,2,3,4]]"\n'
        'a.dcm,"[[1,2,3,5]]"\n'
    )  # fmt: skip
    rois = RoiSet.from_embed_csv(source, errors="warn")
    (problem,) = rois.problems
    assert problem.row == 3
    assert "rows 2 and 3" in problem.message
    assert rois.for_instance(tmp_path / "a.dcm") == (Roi(1, 2, 3, 4),)
    assert_frame_equal(read_cells(io.StringIO(rois.to_embed_csv())), read_cells(source))


def test_warn_bad_row_of_a_scanned_file_counts_as_matched(dicom_file, tmp_path):
    source = tmp_path / "ann.csv"
    source.write_text('anon_dicom_path,ROI_coords\nimg/a.dcm,"[[1,2]]"\ngone.dcm,"[]"\n')
    rois = RoiSet.from_embed_csv(source, errors="warn")
    report = rois.match([header_of(dicom_file)])
    assert (report.rows, report.matched_rows, report.unmatched_rows) == (2, 1, 1)
    assert report.unmatched == ((3, "gone.dcm"),)
    assert report.indexes == ()


@pytest.mark.parametrize(
    ("text", "needle"),
    [pytest.param(c[1], c[3], id=c[0]) for c in FILE_PROBLEMS]
    + [
        pytest.param("", "row 1", id="empty"),
        pytest.param('anon_dicom_path,ROI_coords\na.dcm,"[]",x,y\n', "readable", id="ragged"),
    ],
)
def test_warn_still_raises_for_the_file(tmp_path, text, needle):
    source = tmp_path / "bad.csv"
    source.write_text(text)
    with pytest.raises(RoiFormatError, match=needle):
        RoiSet.from_embed_csv(source, errors="warn")
    with pytest.raises(InvalidPathError, match="cannot read"):
        RoiSet.from_embed_csv(tmp_path / "absent.csv", errors="warn")


def test_errors_must_be_raise_or_warn(tmp_path):
    (tmp_path / "a.csv").write_text("anon_dicom_path,ROI_coords\n")
    with pytest.raises(TypeError, match="errors"):
        RoiSet.from_embed_csv(tmp_path / "a.csv", errors="ignore")  # type: ignore[arg-type]
    assert RoiSet.from_embed_csv(tmp_path / "a.csv").problems == ()
    frame = pd.DataFrame({"anon_dicom_path": ["a.dcm"], "ROI_coords": ["[[1]]"]})
    assert [p.row for p in RoiSet.from_dataframe(frame, errors="warn").problems] == [2]


# ------------------------------------------------------------ matching


def test_match_resolves_relative_paths_against_the_csv_folder(dicom_file, tmp_path):
    source = tmp_path / "sub" / "ann.csv"
    source.parent.mkdir()
    source.write_text(
        "anon_dicom_path,num_ROI,ROI_coords\n"
        '../img/a.dcm,1,"[[1,2,3,4]]"\n'
        f'{tmp_path}/img/./a.dcm,1,"[[1,2,3,4]]"\n'
        'gone/1.dcm,0,"[]"\n'
        'gone/2.dcm,1,"[[1,1,1,1]]"\n'
    )
    rois = RoiSet.from_embed_csv(source)
    header = header_of(dicom_file)
    report = rois.match([Header(path="/x/other.dcm"), header])
    assert isinstance(report, MatchReport)
    assert (report.rows, report.matched_rows, report.unmatched_rows) == (4, 2, 2)
    assert report.indexes == (1,)
    assert report.unmatched == ((4, "gone/1.dcm"), (5, "gone/2.dcm"))
    assert "2 of 4 annotation rows matched" in str(report)
    assert "row 4: gone/1.dcm" in str(report)
    assert rois.for_instance(header) == (Roi(1, 2, 3, 4),)
    # Unmatched rows are never dropped.
    assert_frame_equal(read_cells(io.StringIO(rois.to_embed_csv())), read_cells(source))


def test_match_rekeys_to_the_catalog_spelling(tmp_path):
    real = tmp_path / "real"
    real.mkdir()
    (tmp_path / "link").symlink_to(real)
    source = tmp_path / "a.csv"
    source.write_text('anon_dicom_path,ROI_coords\nlink/a.dcm,"[[1,2,3,4]]"\n')
    rois = RoiSet.from_embed_csv(source)

    class FakeCatalog:  # resolves symlinks, as a catalog may
        headers = [Header(path=str(real / "a.dcm"), rows=10, columns=10, number_of_frames=1)]

        def index_of(self, path):
            return 0 if os.path.realpath(path) == self.headers[0].path else None

    report = rois.match(FakeCatalog())
    assert report.indexes == (0,)
    assert rois.for_instance(FakeCatalog.headers[0]) == (Roi(1, 2, 3, 4),)
    rois.set(FakeCatalog.headers[0], [])
    assert read_cells(io.StringIO(rois.to_embed_csv()))["ROI_coords"][0] == "[]"


def test_two_spellings_of_one_file_with_different_rois_conflict(tmp_path):
    real = tmp_path / "real"
    real.mkdir()
    (tmp_path / "link").symlink_to(real)
    source = tmp_path / "a.csv"
    source.write_text(
        'anon_dicom_path,ROI_coords\nlink/a.dcm,"[[1,2,3,4]]"\nreal/a.dcm,"[[5,6,7,8]]"\n'
    )
    rois = RoiSet.from_embed_csv(source)  # two different paths as far as the CSV goes
    catalog = [Header(path=str(real / "a.dcm"))]
    catalog_with_lookup = type(
        "Catalog",
        (),
        {"headers": catalog, "index_of": lambda self, p: 0 if "a.dcm" in str(p) else None},
    )()
    with pytest.raises(RoiFormatError, match="row 3, row 2") as info:
        rois.match(catalog_with_lookup)
    assert "same file with different ROIs" in str(info.value)


def test_set_with_a_header_validates(dicom_file):
    rois = RoiSet()
    header = header_of(dicom_file)
    with pytest.raises(RoiFormatError, match=r"ROI 1: box \[0, 0, 20, 5\]"):
        rois.set(header, [Roi(0, 0, 1, 1), Roi(0, 0, 20, 5)])
    assert rois.for_instance(header) == ()
    assert rois.set(header, [Roi(0, 0, 19, 29, (2,))]) == (Roi(0, 0, 19, 29, (2,)),)
    assert header.path in rois
    assert dicom_file in rois
    assert len(rois) == 1
    with pytest.raises(TypeError):
        rois.set(header, [[0, 0, 1, 1]])  # type: ignore[list-item]  # the mistake tested
    rois.delete(dicom_file)
    assert dicom_file not in rois


def test_corpus_annotations_round_trip_and_match(corpus_ci):
    source = corpus_ci / "annotations.csv"
    digest = sha256(source)
    rois = RoiSet.from_embed_csv(source)
    assert_frame_equal(read_cells(io.StringIO(rois.to_embed_csv())), read_cells(source))
    headers = [header_of(p) for p in sorted((corpus_ci / "mg").rglob("*.dcm"))]
    report = rois.validate(headers)
    assert report.unmatched_rows == 0
    assert report.matched_rows == report.rows == len(read_cells(source))
    dbt = next(h for h in headers if h.path.endswith("DBT_L_CC_12f_rle_lossless.dcm"))
    assert dbt.number_of_frames == 12
    assert rois.to_json(dbt) == {
        "num_roi": 2,
        "roi_coords": [[360, 104, 403, 136], [247, 235, 344, 332]],
        "roi_frames": [[4, 5, 6], [5, 6, 7, 8, 9]],
    }
    normal = next(h for h in headers if h.path.endswith("R_MLO_normal_j2k_lossless.dcm"))
    # The predecessor's answer for a file without ROIs (prev-shapes/ann.json).
    assert rois.to_json(normal) == {"num_roi": 0, "roi_coords": [], "roi_frames": []}
    assert sha256(source) == digest


def test_corpus_matches_a_scanned_catalog(corpus_ci):
    catalog_module = pytest.importorskip("dcmview.sdk.catalog")
    catalog = catalog_module.scan(corpus_ci / "mg")
    rois = RoiSet.from_embed_csv(corpus_ci / "annotations.csv")
    report = rois.validate(catalog)
    assert report.unmatched_rows == 0
    counts = read_cells(corpus_ci / "annotations.csv")["num_ROI"]
    annotated = int((counts != "0").sum())  # images with ROIs: one row each
    assert len(report.indexes) == len(rois) == annotated


# ------------------------------------------------------------- JSON body


def test_json_round_trip_is_stable():
    payload = {
        "num_roi": 2,
        "roi_coords": [[220, 430, 120, 340], [1, 2, 3, 4]],
        "roi_frames": [[3, 1, 1], []],
    }
    rois = RoiSet.from_json(payload, "/d/a.dcm")
    canonical = rois.to_json("/d/a.dcm")
    assert canonical == {
        "num_roi": 2,
        "roi_coords": [[120, 340, 220, 430], [1, 2, 3, 4]],
        "roi_frames": [[1, 3], []],
    }
    assert RoiSet.from_json(canonical, "/d/a.dcm").to_json("/d/a.dcm") == canonical
    assert rois_from_json({"roi_coords": [[1, 2, 3, 4]]}) == (Roi(1, 2, 3, 4),)
    assert rois_from_json({"roi_coords": [[1, 2, 3, 4]], "roi_frames": []}) == (Roi(1, 2, 3, 4),)
    assert rois_to_json([]) == {"num_roi": 0, "roi_coords": [], "roi_frames": []}


@pytest.mark.parametrize(
    ("payload", "needle"),
    [
        pytest.param([[1, 2, 3, 4]], "must be an object", id="not-an-object"),
        pytest.param({"num_roi": 0}, "roi_coords must be a list", id="no-coords"),
        pytest.param({"roi_coords": [[1, 2, 3]]}, r"roi_coords\[0\]: box", id="three-numbers"),
        pytest.param({"roi_coords": [[1, 2, 3, "4"]]}, r"roi_coords\[0\]: coordinate '4'",
                     id="string-coordinate"),
        pytest.param({"roi_coords": [[1, 2, 3, 4], [1, 2, 3, 4.5]]}, r"roi_coords\[1\]",
                     id="float-coordinate"),
        pytest.param({"roi_coords": [[1, 2, 3, -4]]}, r"roi_coords\[0\]: box .* negative",
                     id="negative"),
        pytest.param({"num_roi": 2, "roi_coords": [[1, 2, 3, 4]]}, "num_roi 2", id="count"),
        pytest.param({"roi_coords": [[1, 2, 3, 4]], "roi_frames": [[0], [1]]}, "one frame-index",
                     id="frames-length"),
        pytest.param({"roi_coords": [[1, 2, 3, 4]], "roi_frames": [["0"]]}, r"roi_frames\[0\]",
                     id="frame-string"),
        pytest.param({"roi_coords": [[1, 2, 3, 4]], "roi_frames": [[-1]]}, "negative",
                     id="frame-negative"),
    ],
)  # fmt: skip
def test_invalid_json_names_the_item(payload, needle):
    with pytest.raises(RoiFormatError, match=needle):
        rois_from_json(payload)


# ---------------------------------------------------------- DataFrame


def test_dataframe_round_trip_keeps_values_and_dtypes():
    frame = pd.DataFrame(
        {
            "anon_dicom_path": ["/d/a.dcm", "/d/b.dcm"],
            "num_roi": [1, 0],
            "ROI_coords": ["((1, 2, 3, 4),)", "()"],
            "score": [0.5, float("nan")],
        },
        index=[10, 20],
    )
    rois = RoiSet.from_dataframe(frame)
    assert_frame_equal(rois.to_dataframe(), frame)
    rois.set("/d/b.dcm", [Roi(5, 6, 7, 8)])
    out = rois.to_dataframe()
    assert out["num_roi"].tolist() == [1, 1]
    assert out["num_roi"].dtype == frame["num_roi"].dtype
    assert out.loc[20, "ROI_coords"] == "((5, 6, 7, 8),)"
    assert_frame_equal(out[["score"]], frame[["score"]])


def test_dataframe_with_python_objects_in_roi_cells():
    frame = pd.DataFrame(
        {"anon_dicom_path": ["a.dcm", "b.dcm"], "ROI_coords": [[[1, 2, 3, 4]], ((5, 6, 7, 8),)]}
    )
    rois = RoiSet.from_dataframe(frame, base_dir="/base")
    assert rois.for_instance("/base/a.dcm") == (Roi(1, 2, 3, 4),)
    assert rois.for_instance("/base/b.dcm") == (Roi(5, 6, 7, 8),)
    with pytest.raises(RoiFormatError, match="DataFrame row 3, column ROI_coords"):
        RoiSet.from_dataframe(
            pd.DataFrame({"anon_dicom_path": ["a", "b"], "ROI_coords": ["[]", "[[1]]"]})
        )


def test_csv_dataframe_csv_round_trip():
    path = DIALECT_FILES["json"]
    frame = RoiSet.from_embed_csv(path).to_dataframe()
    again = RoiSet.from_dataframe(frame, base_dir=DATA)
    assert again.items() == RoiSet.from_embed_csv(path).items()
    assert_frame_equal(read_cells(io.StringIO(again.to_embed_csv())), read_cells(path))


# -------------------------------------------------------------- threads


def test_concurrent_set_and_get_are_consistent():
    rois = RoiSet.from_embed_csv(DIALECT_FILES["json"])
    paths = [f"/t/{i}.dcm" for i in range(20)]
    barrier = threading.Barrier(4)

    def worker(k: int) -> None:
        barrier.wait()
        for n in range(50):
            for p in paths[k::4]:
                rois.set(p, [Roi(n, n, n + 1, n + 1)] * (1 + n % 3))
                got = rois.for_instance(p)
                assert len({r.box for r in got}) == 1
            rois.to_dataframe()

    with ThreadPoolExecutor(4) as pool:
        list(pool.map(worker, range(4)))
    out = read_cells(io.StringIO(rois.to_embed_csv()))
    assert len(out) == 4 + len(paths)
    # The last write of every path: n = 49, so 1 + 49 % 3 = 2 boxes.
    assert set(out["ROI_coords"].iloc[4:]) == {"[[49,49,50,50],[49,49,50,50]]"}


# ------------------------------------------------------ property tests

coordinate = st.integers(min_value=0, max_value=100_000)
boxes = st.lists(
    st.tuples(coordinate, coordinate, st.integers(0, 5000), st.integers(0, 5000)).map(
        lambda t: (t[0], t[1], t[0] + t[2], t[1] + t[3])
    ),
    max_size=6,
)
frame_lists = st.lists(st.integers(0, 300), max_size=5)


@settings(max_examples=200, deadline=None)
@given(boxes=boxes, dialect=st.sampled_from(["json", "tuple", "nested"]), spaced=st.booleans())
def test_property_cell_round_trip(boxes, dialect, spaced):
    rois = [Roi(*b) for b in boxes]
    fmt = RowFormat(dialect, spaced, "list", False, False)
    text = format_coords(rois, fmt)
    parsed, read_dialect = parse_coords(text)
    assert parsed == boxes
    if boxes:
        assert read_dialect == dialect
    # The fast path and the literal parser agree on every spelling written.
    assert parse_coords(text, fast=False) == (parsed, read_dialect)


@settings(max_examples=200, deadline=None)
@given(
    items=st.lists(
        st.tuples(st.integers(0, 10**6), st.integers(0, 10**6), st.integers(-10, 10**6)),
        max_size=4,
    ),
    sep=st.sampled_from([",", ", ", " ,", ",  ", ",\t", ",\n", ",\xa0"]),
    pad=st.sampled_from(["", " ", "\t", "  "]),
    inner=st.sampled_from(["[]", "()"]),
    outer=st.sampled_from(["[]", "()", "[[]]"]),
    trailing=st.booleans(),
    inner_trailing=st.booleans(),
)
def test_property_fast_path_is_exactly_as_strict(
    items, sep, pad, inner, outer, trailing, inner_trailing
):
    # Three-number boxes, negatives, odd whitespace and trailing commas in every
    # dialect: the fast path must accept exactly what the literal parser accepts,
    # with the same result.
    comma = "," if inner_trailing else ""
    cells = [
        inner[0] + pad + sep.join(str(v) for v in item) + comma + pad + inner[1] for item in items
    ]
    body = pad + sep.join(cells) + ("," if trailing else "") + pad
    text = outer[: len(outer) // 2] + body + outer[len(outer) // 2 :]

    def outcome(fast: bool) -> object:
        try:
            return parse_coords(text, fast=fast)
        except Exception as exc:  # the class is what is compared
            return type(exc)

    assert outcome(True) == outcome(False)


@settings(max_examples=200, deadline=None)
@given(
    rois=st.lists(
        st.tuples(coordinate, coordinate, coordinate, coordinate, st.lists(st.integers(0, 99))).map(
            lambda t: Roi.from_corners(*t[:4], frames=t[4])
        ),
        max_size=5,
    )
)
def test_property_json_round_trip(rois):
    payload = rois_to_json(rois)
    assert rois_from_json(payload) == tuple(rois)
    assert rois_to_json(rois_from_json(payload)) == payload


@settings(max_examples=50, deadline=None)
@given(
    table=st.lists(
        st.tuples(boxes, st.sampled_from(["json", "tuple", "nested"]), st.text(max_size=5)),
        min_size=1,
        max_size=5,
    )
)
def test_property_csv_round_trip(table):
    rows = []
    for i, (bxs, dialect, note) in enumerate(table):
        cell = format_coords([Roi(*b) for b in bxs], RowFormat(dialect, True, "", True, False))
        rows.append({"anon_dicom_path": f"f{i}.dcm", "num_roi": str(len(bxs)),
                     "ROI_coords": cell, "note": note})  # fmt: skip
    text = pd.DataFrame(rows).to_csv(index=False)
    rois = RoiSet.from_embed_csv(io.StringIO(text), base_dir="/b")
    assert_frame_equal(read_cells(io.StringIO(rois.to_embed_csv())), read_cells(io.StringIO(text)))
    assert [rois.for_instance(f"/b/f{i}.dcm") for i in range(len(table))] == [
        tuple(Roi(*b) for b in bxs) for bxs, _, _ in table
    ]


# ------------------------------------------------------------- the package


def _python(code: str, stdin: bytes = b"") -> str:
    out = subprocess.run([sys.executable, "-c", code], input=stdin, capture_output=True, check=True)
    return out.stdout.decode().strip()


def test_roi_and_the_json_body_do_not_import_pandas():
    # The client and the server's PUT read and write the JSON body; only RoiSet needs pandas.
    code = (
        "import sys; from dcmview.sdk.roi import Roi, rois_from_json, MatchReport; "
        "print('pandas' in sys.modules, end=' '); "
        "from dcmview.sdk.roi import RoiSet; print('pandas' in sys.modules)"
    )
    assert _python(code) == "False True"


def test_public_names_resolve():
    import dcmview.sdk as sdk
    import dcmview.sdk.roi as roi

    for name in roi.__all__:
        assert getattr(roi, name) is not None, name
    assert set(roi.__all__) <= set(dir(roi))
    assert (sdk.Roi, sdk.RoiSet, sdk.MatchReport) == (roi.Roi, roi.RoiSet, roi.MatchReport)
    with pytest.raises(AttributeError):
        roi.NoSuchName  # noqa: B018


def test_pickles_load_in_a_fresh_process_also_as_written_before_the_split():
    report = MatchReport(
        rows=2, matched_rows=1, unmatched_rows=1, indexes=(0,), unmatched=((3, "x"),)
    )
    values = [Roi(1, 2, 3, 4, frames=(0, 2)), report]
    code = "import pickle, sys; print(repr(pickle.loads(sys.stdin.buffer.read())))"
    assert _python(code, pickle.dumps(values)) == repr(values)
    # Before the split into a package both classes lived in dcmview.sdk.roi, and
    # pickles name a class by its module (protocol 2 spells it out as text).
    old = pickle.dumps(values, protocol=2)
    for cls in (Roi, MatchReport):
        current = f"c{cls.__module__}\n{cls.__name__}\n".encode()
        assert current in old
        old = old.replace(current, f"cdcmview.sdk.roi\n{cls.__name__}\n".encode())
    assert _python(code, old) == repr(values)


def test_docstring_examples_run():
    attempted = 0
    for name in ("", "._box", "._cells", "._csv", "._match", "._set"):
        module = importlib.import_module(f"dcmview.sdk.roi{name}")
        result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
        assert result.failed == 0, name
        attempted += result.attempted
    assert attempted >= 15
