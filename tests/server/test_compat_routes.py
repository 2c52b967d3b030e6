"""The predecessor-shaped routes: /api/series as stacks, tags/select, raw/pixel; /api/patients."""

from __future__ import annotations

import numpy as np
import pydicom
import pytest

from dcmview import wire
from tests.server.helpers import index_of


def test_series_lists_every_frame_once_in_position_order(http, catalog_of) -> None:
    body = http.get("/api/series").json()
    catalog = catalog_of(http)
    assert body["scan_complete"] is True
    seen = []
    for series in body["series"]:
        assert series["id"].startswith(f"study:{series['study_instance_uid']}|series:")
        for stack in series["stacks"]:
            assert stack["id"].startswith(series["id"] + "|stack:")
            assert [f["virtual_index"] for f in stack["frames"]] == list(
                range(len(stack["frames"]))
            )
            seen += [(f["file_index"], f["frame_index"]) for f in stack["frames"]]
    expected = [
        (i, f) for i, h in enumerate(catalog.headers) for f in range(max(1, h.number_of_frames))
    ]
    assert sorted(seen) == expected
    # The demo CT: 24 slices along the normal, each frame's position from its header.
    ct_uid = next(h.series_instance_uid for h in catalog.headers if h.modality == "CT")
    (ct,) = [s for s in body["series"] if s["series_instance_uid"] == ct_uid]
    (stack,) = ct["stacks"]
    assert stack["kind"] == "ordinary"
    assert stack["warnings"] == []
    positions = [f["position_along_normal_mm"] for f in stack["frames"]]
    assert len(positions) == 24
    assert positions == sorted(positions)
    for f in stack["frames"]:
        ds = pydicom.dcmread(catalog.header(f["file_index"]).path, stop_before_pixels=True)
        normal = np.cross(ds.ImageOrientationPatient[:3], ds.ImageOrientationPatient[3:])
        assert f["position_along_normal_mm"] == pytest.approx(
            float(np.dot(ds.ImagePositionPatient, normal))
        )
        assert ds.FrameOfReferenceUID in ct["frame_of_reference_uids"]


def test_series_flags_frames_without_positions(http, catalog_of) -> None:
    catalog = catalog_of(http)
    sr = index_of(catalog, "sr_no_pixels.dcm")
    stack = next(
        st
        for s in http.get("/api/series").json()["series"]
        for st in s["stacks"]
        if any(f["file_index"] == sr for f in st["frames"])
    )
    assert [f["position_along_normal_mm"] for f in stack["frames"]] == [None]
    codes = {w["code"]: w["file_indices"] for w in stack["warnings"]}
    assert codes["missing_positions"] == [sr]


def test_tags_select_pages_a_sequence_and_follows_a_path(http, catalog_of) -> None:
    catalog = catalog_of(http)
    i = index_of(catalog, "ct_padding.dcm")
    ds = pydicom.dcmread(catalog.header(i).path, stop_before_pixels=True)
    r = http.get(f"/api/file/{i}/tags/select", params={"path": "(0008,0060)"})
    assert r.status_code == 200, r.text
    assert r.json()["value"] == {"type": "string", "value": ds.Modality}
    assert r.json()["keyword"] == "Modality"
    # Group 0002 comes from the file meta.
    meta = http.get(f"/api/file/{i}/tags/select", params={"path": "(0002,0010)"}).json()
    assert meta["value"]["value"] == ds.file_meta.TransferSyntaxUID


def test_tags_select_errors_name_the_problem(http, catalog_of) -> None:
    i = index_of(catalog_of(http), "ct_padding.dcm")
    for params, words in [
        ({"path": "(0099,0099)"}, "(0099,0099) not found"),
        ({"path": "xx"}, "expected (GGGG,EEEE)"),
        ({"path": "(0008,0060)/0"}, "end with a tag"),
        ({"path": "(0008,0060)/0/(0008,0100)"}, "is not a sequence"),
        ({"path": "(0008,0060)", "limit": "0"}, "between 1 and 256"),
        ({"path": "(0008,0060)", "limit": "257"}, "between 1 and 256"),
        ({"path": "(0008,0060)", "offset": "2"}, "only to sequence"),
        ({"path": "(0008,0060)", "offset": "-1"}, "offset"),
        ({}, "path is required"),
    ]:
        r = http.get(f"/api/file/{i}/tags/select", params=params)
        assert r.status_code == 400, (params, r.text)
        assert words in r.json()["error"], (params, r.json())
    assert http.get("/api/file/9999/tags/select?path=(0008,0060)").status_code == 404


def test_raw_pixel_is_the_sample_with_frame_headers(http, catalog_of) -> None:
    catalog = catalog_of(http)
    i = index_of(catalog, "ct_padding.dcm")
    arr = catalog[i].frame(0).array()
    r = http.get(f"/api/file/{i}/frame/0/raw/pixel", params={"row": 5, "column": 7})
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "application/octet-stream"
    assert (r.headers["x-frame-rows"], r.headers["x-frame-columns"]) == ("1", "1")
    value = wire.decode_frame(r.headers, [r.content])
    assert value.shape == (1, 1)
    assert value[0, 0] == arr[5, 7]
    assert (
        r.headers["x-frame-rescale-intercept"]
        == http.get(f"/api/file/{i}/frame/0/raw").headers["x-frame-rescale-intercept"]
    )
    outside = http.get(f"/api/file/{i}/frame/0/raw/pixel", params={"row": 999, "column": 0})
    assert outside.status_code == 400
    assert "outside" in outside.json()["error"]
    missing = http.get(f"/api/file/{i}/frame/0/raw/pixel", params={"row": 1})
    assert missing.status_code == 400
    assert "column" in missing.json()["error"]


def test_raw_pixel_of_a_colour_frame_has_every_sample(http, catalog_of) -> None:
    catalog = catalog_of(http)
    rgb = next(
        i for i, h in enumerate(catalog.headers) if h.samples_per_pixel == 3 and h.has_pixels
    )
    arr = catalog[rgb].frame(0).array()
    r = http.get(f"/api/file/{rgb}/frame/0/raw/pixel", params={"row": 2, "column": 3})
    assert r.headers["x-frame-samples-per-pixel"] == "3"
    assert wire.decode_frame(r.headers, [r.content]).reshape(-1).tolist() == arr[2, 3].tolist()


def test_png_accepts_unit_and_preview(http, catalog_of) -> None:
    i = index_of(catalog_of(http), "ct_padding.dcm")
    plain = http.get(f"/api/file/{i}/frame/0?wc=40&ww=400")
    for extra in ("&unit=HU", "&unit=modality", "&preview=true", "&unit=HU&preview=1"):
        r = http.get(f"/api/file/{i}/frame/0?wc=40&ww=400{extra}")
        assert r.status_code == 200
        assert r.headers["content-type"] == "image/png"
        assert r.content == plain.content
