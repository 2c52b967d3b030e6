"""Tests for dcmview.sdk.demo: the built-in sample study of ``dcmview --demo``."""

from __future__ import annotations

import doctest
from pathlib import Path

import dcmview.sdk.demo
from dcmview.sdk import scan
from dcmview.sdk.demo import write_demo


def test_demo_study_is_one_patient_in_three_series(tmp_path: Path) -> None:
    files = write_demo(tmp_path)
    assert [f.parent.name for f in files] == ["CT"] * 24 + ["MG", "US"]
    catalog = scan(tmp_path)
    assert len(catalog) == 26
    assert not catalog.skipped
    assert {h.patient_id for h in catalog.headers} == {"DEMO-0001"}
    frames = {(h.modality, h.number_of_frames) for h in catalog.headers}
    assert frames == {("CT", 1), ("MG", 16), ("US", 12)}


def test_docstring_example_runs() -> None:
    result = doctest.testmod(dcmview.sdk.demo)
    assert (result.attempted, result.failed) == (3, 0)
