"""--mask over HTTP: no identifying value of the corpus in any answer (issue 16's acceptance)."""

from __future__ import annotations

import json
import warnings
from collections.abc import Iterator
from pathlib import Path

import pydicom
import pytest
from pydicom.errors import InvalidDicomError

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

from dcmview.sdk.cache import ByteCache
from dcmview.sdk.catalog import scan
from dcmview.server import create_app
from tests.server.helpers import BASE, TOKEN, identifying_values


@pytest.fixture(scope="module")
def masked(corpus_ci: Path) -> Iterator[TestClient]:
    cache = ByteCache(128 * 1024 * 1024)
    catalog = scan(corpus_ci, cache=cache)
    app = create_app(catalog, token=TOKEN, cache=cache, mask=True)
    headers = {"Authorization": f"Bearer {TOKEN}"}
    with TestClient(app, base_url=BASE, headers=headers, raise_server_exceptions=False) as c:
        yield c


#: Patient's Name, ID, Birth Date; Accession Number; Institution; Referring Physician.
SELECTED = (
    "(0010,0010)",
    "(0010,0020)",
    "(0010,0030)",
    "(0008,0050)",
    "(0008,0080)",
    "(0008,0090)",
)


def _answers(client: TestClient) -> Iterator[tuple[str, str]]:
    """(route, text) of every JSON answer the viewer can be asked for, errors included."""
    for route in (
        "/api/health",
        "/api/files",
        "/api/series",
        "/api/patients",
        "/api/file/9999/info",
    ):
        yield route, client.get(route).text
    files = client.get("/api/files").json()["files"]
    for f in files:
        i = f["index"]
        for tail in (
            "info",
            "tags",
            "references",
            "semantic-context",
            "document",
            "redactions",
            "frame/0/pixel?row=0&column=0",
            # The predecessor's element route: each identifying attribute on its own.
            *(f"tags/select?path={tag}" for tag in SELECTED),
        ):
            route = f"/api/file/{i}/{tail}"
            yield route, client.get(route).text
        yield from _derived_answers(client, f, files)
        # A frame that fails (broken files) answers an error message naming the file.
        r = client.get(f"/api/file/{i}/frame/0/raw")
        if r.status_code != 200:
            yield f"/api/file/{i}/frame/0/raw", r.text
        r = client.put(f"/api/file/{i}/redactions", json={"roi_coords": [[0, 0, 99999, 1]]})
        yield f"PUT /api/file/{i}/redactions", r.text


def _derived_answers(
    client: TestClient, f: dict[str, object], files: list[dict[str, object]]
) -> Iterator[tuple[str, str]]:
    """What the derived objects draw on image `f`: contours, GSPS graphics and texts."""
    if not f["has_pixels"]:
        return
    i = f["index"]
    routes = [f"/api/file/{i}/frame/0/rt-contours"]
    for j in f.get("referenced_by") or []:  # type: ignore[attr-defined]
        if files[j]["kind"] == "GSPS":
            routes.append(f"/api/file/{i}/frame/0/graphic-annotations?state={j}")
    for route in routes:
        yield route, client.get(route).text


def _free_text(root: Path) -> set[str]:
    """The derived objects' text PS3.15 lists: GSPS text, ROI and structure set names, SR text."""
    keywords = {"UnformattedTextValue", "ROIName", "StructureSetLabel", "StructureSetName"}
    found: set[str] = set()
    for path in root.rglob("*.dcm"):
        try:
            ds = pydicom.dcmread(path, stop_before_pixels=True)
        except (InvalidDicomError, OSError, ValueError, EOFError):
            continue
        stack = [ds]
        while stack:
            item = stack.pop()
            for elem in item:
                if elem.VR == "SQ":
                    stack.extend(elem.value)
                elif elem.keyword in keywords or (
                    elem.keyword == "TextValue" and "ContentSequence" in ds
                ):
                    found.add(str(elem.value))
    return {v for v in found if len(v) >= 4}


def _strings(value: object) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for v in value.values():
            yield from _strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from _strings(v)


def test_derived_objects_free_text_is_masked(masked: TestClient, corpus_ci: Path) -> None:
    # Text PS3.15 lists in SEG/RT/GSPS/SR answers: a GSPS's text objects are left out
    # (counted, as the predecessor does), ROI and structure set names and an SR's text
    # values get pseudonyms; codes, numbers and segment labels stay.
    texts = _free_text(corpus_ci)
    assert {"soft tissue", "BODY", "ORGANS"} <= texts  # the corpus has such text to find
    files = masked.get("/api/files").json()["files"]
    leaks, masked_text = [], 0
    for f in files:
        i = f["index"]
        answers = list(_derived_answers(masked, f, files))
        # A SEG's segment labels are not listed (and share words with the GSPS's texts).
        if f["kind"] in ("GSPS", "SR", "RTSTRUCT"):
            for tail in ("semantic-context", "document"):
                answers.append((tail, masked.get(f"/api/file/{i}/{tail}").text))
        for route, text in answers:
            # Whole values: a description may use the same words ("Mass and calcifications
            # outlined"), and Content Description is not listed.
            leaks += [(route, v) for v in _strings(json.loads(text)) if v in texts]
            if "graphic-annotations" in route:
                body = json.loads(text)
                assert body["texts"] == []
                assert body["annotations"]["texts"] == []
                masked_text += body["skipped"]["masked_text"]
    assert not leaks, leaks[:20]
    assert masked_text > 0
    sr = next(f for f in files if f["kind"] == "SR")
    doc = masked.get(f"/api/file/{sr['index']}/document").json()
    text_items = [x for x in doc["items"] if x["value_type"] == "TEXT"]
    assert text_items
    assert all(x["value"].startswith("Masked ") for x in text_items)
    seg = next(f for f in files if f["kind"] == "SEG")
    context = masked.get(f"/api/file/{seg['index']}/semantic-context").json()["context"]
    assert "liver" in [s["label"] for s in context["segments"]]  # not listed: kept


def test_no_identifying_value_in_any_answer(masked: TestClient, corpus_ci: Path) -> None:
    values = identifying_values(corpus_ci)
    assert len(values) > 50  # the corpus has names, IDs, dates and folders to find
    leaks = []
    for route, text in _answers(masked):
        # Both spellings: JSON escapes non-ASCII names ("Müller" as "M\u00fcller").
        plain = json.dumps(json.loads(text), ensure_ascii=False) if text[:1] in "[{" else text
        leaks += [(route, v) for v in values if v in text or v in plain]
    assert not leaks, leaks[:20]


def test_masked_is_reported_and_labels_are_pseudonyms(masked: TestClient) -> None:
    assert masked.get("/api/health").json()["masked"] is True
    body = masked.get("/api/files").json()
    assert body["masked"] is True
    first = body["files"][0]
    assert first["path"].startswith("/masked/")
    assert first["patient_id"].startswith("MASKED-")
    assert first["label"].startswith(first["patient_id"])
    assert first["display_name"] == first["path"].rsplit("/", 1)[1]
    # The same patient keeps the same pseudonym everywhere (structure kept).
    ids = {(f["patient_id"], f["patient_name"]) for f in body["files"]}
    assert len({pid for pid, _ in ids}) == len(ids)
    tree = masked.get("/api/patients").json()
    assert {p["patient_id"] for p in tree["patients"]} <= {pid for pid, _ in ids}


def test_files_carry_the_burned_in_field(masked: TestClient) -> None:
    files = masked.get("/api/files").json()["files"]
    # The corpus's ultrasound files say Burned In Annotation NO: believed.
    us = [f for f in files if f["modality"] == "US"]
    assert us
    assert all(f["burned_in_text"] is None for f in us)
    # A Secondary Capture that does not say: likely.
    sc = [f for f in files if f["sop_class_uid"] == "1.2.840.10008.5.1.4.1.1.7"]
    assert sc
    assert all(f["burned_in_text"] == "likely" for f in sc)
    ct = [f for f in files if f["modality"] == "CT"]
    assert ct
    assert all(f["burned_in_text"] is None for f in ct)


def test_without_mask_nothing_is_masked(corpus_ci: Path) -> None:
    catalog = scan(corpus_ci / "ct")
    app = create_app(catalog, token=None)
    with TestClient(app, base_url=BASE) as c:
        body = c.get("/api/files").json()
        assert body["masked"] is False
        assert body["files"][0]["path"] == catalog.header(0).path
