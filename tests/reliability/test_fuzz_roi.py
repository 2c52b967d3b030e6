"""Fuzz RoiSet on mutated EMBED CSVs and the annotations API's JSON bodies (issue 7).

The property: reading gives a RoiSet (or ROIs) or raises a DcmviewError
subclass (RoiFormatError, InvalidPathError), within a bounded time; what was
read writes back and reads again to the same ROIs; JSON answers stay JSON-ready.
RoiSet is pure Python and pandas, so the cases run in this process, each under
a SIGALRM deadline (a hang fails the case instead of stalling the suite).
"""

from __future__ import annotations

import contextlib
import io
import json
import signal
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given, strategies as st

from dcmview.sdk.errors import DcmviewError, RoiFormatError
from dcmview.sdk.header import Header
from dcmview.sdk.roi import Roi, RoiSet, rois_from_json, rois_to_json
from tests.corpus import corpus_dir
from tests.reliability.budget import fuzz_settings

DEADLINE = 10  # seconds per case


@contextlib.contextmanager
def deadline(seconds: int = DEADLINE) -> Iterator[None]:
    """Fail the case when it runs longer than `seconds` (SIGALRM; main thread only)."""

    def expired(signum, frame):
        raise TimeoutError(f"hang: the case ran longer than {seconds} s")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


# -- seeds: the EMBED dialects and the predecessor's JSON, with extra columns ---------

SEED_CSVS = {
    "json": (
        "anon_dicom_path,num_ROI,ROI_coords,ROI_frames,notes\n"
        'a/1.dcm,1,"[[120,340,220,430]]","[[0,1]]",first\n'
        'a/2.dcm,2,"[[1,2,3,4],[5,6,7,8]]","[[],[2]]","with, comma"\n'
        "a/3.dcm,0,[],[],\n"
    ),
    "tuple": (
        "empi_anon,anon_dicom_path,num_roi,ROI_coords,ROI_frames\n"
        '7,b/1.dcm,1,"((1365, 272, 1610, 508),)",\n'
        '7,b/2.dcm,2,"((1, 2, 3, 4), (10, 20, 30, 40))","((0,), ())"\n'
        "8,b/3.dcm,0,(),\n"
    ),
    "nested": (
        "anon_dicom_path,ROI_coords\n"
        '"c/1.dcm","[[[1, 2, 3, 4]], [[5, 6, 7, 8], [9, 10, 11, 12]]]"\n'
        '"c/2.dcm","[[[0, 0, 1, 1]]]"\n'
    ),
}


def _seeds() -> dict[str, str]:
    seeds = dict(SEED_CSVS)
    seeds["corpus"] = (corpus_dir("ci") / "annotations.csv").read_text(encoding="utf-8")
    return seeds


SEEDS = _seeds()
# Characters that matter to CSV, to the list literals and to the decoder.
SPECIAL = "\",\n\r()[]{}\\#'0123456789-+. \t\x00\ufeff\u2028e_jJ"


@st.composite
def mutated_csv(draw) -> bytes:
    name = draw(st.sampled_from(sorted(SEEDS)))
    text = SEEDS[name]
    for _ in range(draw(st.integers(1, 6))):
        kind = draw(st.sampled_from(["replace", "insert", "delete", "duplicate", "digits", "nest"]))
        at = draw(st.integers(0, max(len(text) - 1, 0)))
        if kind == "replace" and text:
            text = text[:at] + draw(st.sampled_from(SPECIAL)) + text[at + 1 :]
        elif kind == "insert":
            text = text[:at] + draw(st.text(alphabet=SPECIAL, min_size=1, max_size=4)) + text[at:]
        elif kind == "delete":
            text = text[:at] + text[at + draw(st.integers(1, 8)) :]
        elif kind == "duplicate":
            lines = text.splitlines(keepends=True)
            if lines:
                i = draw(st.integers(0, len(lines) - 1))
                lines.insert(i, lines[i])
            text = "".join(lines)
        elif kind == "digits":
            # Huge numbers: past Python's int-string limit (4300 digits) and past int64.
            text = text[:at] + "9" * draw(st.sampled_from([19, 20, 4301, 5000])) + text[at:]
        else:
            depth = draw(st.sampled_from([50, 200, 1000]))
            text = text[:at] + "(" * depth + "1" + ")" * depth + text[at:]
    data = text.encode("utf-8")
    if draw(st.booleans()):
        # Damage the bytes too: invalid UTF-8, a BOM, a cut in a multibyte character.
        at = draw(st.integers(0, max(len(data) - 1, 0)))
        data = (
            data[:at]
            + draw(st.sampled_from([b"\xff", b"\xc3", b"\xef\xbb\xbf", b"\x80\x80"]))
            + data[at:]
        )
    return data


def _roundtrip(rois: RoiSet, folder: Path) -> None:
    """What was read writes back and reads to the same ROIs, and JSON stays JSON."""
    text = rois.to_embed_csv()
    assert isinstance(text, str)
    again = RoiSet.from_embed_csv(io.StringIO(text), base_dir=folder)
    assert {k: rois.for_instance(k) for k in rois} == {k: again.for_instance(k) for k in again}
    for key in rois:
        json.dumps(rois.to_json(key), allow_nan=False)


@fuzz_settings(150)
@given(data=mutated_csv())
def test_mutated_csv(tmp_path, data):
    path = tmp_path / "annotations.csv"
    path.write_bytes(data)
    with deadline():
        try:
            rois = RoiSet.from_embed_csv(path)
        except DcmviewError as exc:
            refusal = exc.message
        else:
            refusal = None
            _roundtrip(rois, tmp_path)
    assert refusal is None or refusal.startswith("annotations CSV")  # names the input
    assert path.read_bytes() == data  # the input is only read


# -- JSON bodies of PUT /api/file/:i/annotations --------------------------------------


def _containers(inner):
    return st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=6), inner, max_size=4)


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=8),
    _containers,
    max_leaves=30,
)
coordinate = st.one_of(
    st.integers(-5, 600),
    st.integers(min_value=-(2**64), max_value=2**64),
    st.floats(allow_nan=True),
    st.booleans(),
    st.text(max_size=3),
    st.none(),
)
box = st.one_of(
    st.lists(coordinate, min_size=4, max_size=4), st.lists(coordinate, max_size=6), json_values
)
frames = st.one_of(
    st.lists(st.integers(-3, 40), max_size=5), st.lists(coordinate, max_size=3), json_values
)
payloads = st.one_of(
    json_values,
    st.fixed_dictionaries(
        {"roi_coords": st.lists(box, max_size=4)},
        optional={
            "num_roi": st.one_of(st.integers(-1, 5), json_values),
            "roi_frames": st.one_of(st.lists(frames, max_size=4), json_values),
            "extra": json_values,
        },
    ),
)

HEADER = Header(path="/data/x.dcm", rows=512, columns=400, number_of_frames=30)


@fuzz_settings(300)
@given(payload=payloads)
def test_json_payload(payload):
    with deadline():
        try:
            rois = rois_from_json(payload)
        except RoiFormatError as exc:
            refusal = exc.message
        else:
            refusal = None
    if refusal is not None:
        assert refusal.startswith("annotations JSON")  # names what was wrong
        return
    with deadline():
        body = rois_to_json(rois)
        json.dumps(body, allow_nan=False)
        assert rois_from_json(body) == rois  # the canonical form reads back unchanged
        assert all(isinstance(r, Roi) for r in rois)
        try:
            placed = RoiSet.from_json(payload, HEADER)
        except RoiFormatError as exc:
            placed, refusal = None, exc.message
    if placed is None:
        # Only the image's bounds can refuse what read well: the message names them.
        assert any(n in str(refusal) for n in ("512", "400", "30"))
    else:
        assert placed.for_instance(HEADER) == rois


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("(" * 100_000, id="100k-open-parens"),
        pytest.param("[" * 100_000 + "]" * 100_000, id="100k-nested-lists"),
        pytest.param("[[" + "9" * 5000 + ",1,2,3]]", id="5000-digit-coordinate"),
        pytest.param("[" + "[1,2,3,4]," * 200_000 + "[1,2,3,4]]", id="200k-boxes"),
    ],
)
def test_pathological_cells(tmp_path, text):
    """Cells made to exhaust the parser are refused (or read) quickly, never a crash."""
    path = tmp_path / "a.csv"
    path.write_text(f'anon_dicom_path,ROI_coords\nx.dcm,"{text}"\n', encoding="utf-8")
    with deadline(30):
        try:
            rois = RoiSet.from_embed_csv(path)
        except RoiFormatError as exc:
            rois, refusal = None, exc.message
    if rois is None:
        assert "row 2, column ROI_coords" in refusal
    else:
        assert len(rois.for_instance(tmp_path / "x.dcm")) == 200_001


def test_carriage_return_in_a_cell_round_trips(tmp_path):
    """Found by test_mutated_csv: a bare CR was written unquoted and read back as a line end."""
    source = tmp_path / "a.csv"
    source.write_bytes(
        b'anon_dicom_path,ROI_coords,notes\n"m\r/a.dcm","[[1,2,3,4]]","x\ry"\nb.dcm,[],\n'
    )
    rois = RoiSet.from_embed_csv(source)
    text = rois.to_embed_csv()
    assert isinstance(text, str)
    again = RoiSet.from_embed_csv(io.StringIO(text), base_dir=tmp_path)
    assert again.for_instance(tmp_path / "m\r" / "a.dcm") == (Roi(1, 2, 3, 4),)
    assert list(again.to_dataframe()["notes"]) == ["x\ry", ""]
