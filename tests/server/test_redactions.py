"""Redaction boxes over HTTP: every pixel answer redacted after a cache warm-up; bad input."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from starlette.testclient import TestClient

from dcmview import wire
from dcmview.sdk.catalog import Catalog
from dcmview.sdk.roi import RoiSet
from tests.server.helpers import index_of

BOX = [8, 10, 20, 25]  # ymin, xmin, ymax, xmax (max inclusive)
MOVED = [2, 3, 12, 14]


def _raw(http: TestClient, i: int, f: int, **params: object) -> np.ndarray:
    r = http.get(
        f"/api/file/{i}/frame/{f}/raw", params=params, headers={"Accept-Encoding": "identity"}
    )
    assert r.status_code == 200, r.text
    return wire.decode_frame(r.headers, [r.content])


def _png(http: TestClient, i: int, f: int, **params: object) -> np.ndarray:
    r = http.get(f"/api/file/{i}/frame/{f}", params=params)
    assert r.status_code == 200, r.text
    return np.asarray(Image.open(io.BytesIO(r.content)))


def _pixel(http: TestClient, i: int, f: int, row: int, column: int) -> object:
    r = http.get(f"/api/file/{i}/frame/{f}/pixel", params={"row": row, "column": column})
    assert r.status_code == 200, r.text
    return r.json()["stored"]


def _put(http: TestClient, i: int, boxes: list[list[int]], frames: list[list[int]]) -> object:
    body = {"num_roi": len(boxes), "roi_coords": boxes, "roi_frames": frames}
    return http.put(f"/api/file/{i}/redactions", json=body)


def _warm(http: TestClient, i: int, frames: int) -> None:
    # Every cached form of every frame: decoded, levels, PNGs at two windows, raw codings.
    for f in range(frames):
        _png(http, i, f)
        _png(http, i, f, wc=100, ww=400)
        _png(http, i, f, level=1)
        _raw(http, i, f)
        _raw(http, i, f, level=1)
        http.get(f"/api/file/{i}/frame/{f}/raw", headers={"Accept-Encoding": "zstd"})
        _pixel(http, i, f, 10, 12)


def _region(arr: np.ndarray, box: list[int], level: int = 0) -> np.ndarray:
    y0, x0, y1, x1 = box
    return arr[y0 >> level : (y1 >> level) + 1, x0 >> level : (x1 >> level) + 1]


def _assert_redacted(http: TestClient, i: int, f: int, box: list[int]) -> None:
    raw = _raw(http, i, f)
    value = raw.min()
    assert (_region(raw, box) == value).all(), f"frame {f}: raw samples under the box"
    assert (_region(_raw(http, i, f, level=1), box, 1) == _raw(http, i, f, level=1).min()).all()
    zstd = http.get(f"/api/file/{i}/frame/{f}/raw", headers={"Accept-Encoding": "zstd"})
    arr = wire.decode_frame(zstd.headers, [zstd.content])
    assert (_region(arr, box) == value).all()
    for params in ({}, {"wc": 100, "ww": 400}, {"level": 1}):
        png = _png(http, i, f, **params)
        level = int(params.get("level", 0))
        region = _region(png, box, level)
        assert (region == region.flat[0]).all(), f"frame {f} PNG {params}"
    for row, column in ((box[0], box[1]), (box[2], box[3]), ((box[0] + box[2]) // 2, box[1])):
        assert _pixel(http, i, f, row, column) == value


@pytest.fixture
def rle(make_client: Callable[..., TestClient], catalog_of: Callable[..., Catalog]) -> tuple:
    http = make_client()
    return http, index_of(catalog_of(http), "rle_3f.dcm")


def test_box_redacts_png_raw_and_readout_of_every_frame_in_scope_after_warm_up(rle) -> None:
    http, i = rle
    before = [_raw(http, i, f).copy() for f in range(3)]
    _warm(http, i, 3)
    r = _put(http, i, [BOX], [[0, 2]])
    assert r.status_code == 200, r.text
    assert r.json() == {"num_roi": 1, "roi_coords": [BOX], "roi_frames": [[0, 2]]}
    for f in (0, 2):
        _assert_redacted(http, i, f, BOX)
        # Outside the box the samples are the file's.
        raw = _raw(http, i, f)
        mask = np.ones(raw.shape, bool)
        mask[BOX[0] : BOX[2] + 1, BOX[1] : BOX[3] + 1] = False
        assert (raw[mask] == before[f][mask]).all()
    # Frame 1 is out of scope: untouched.
    assert (_raw(http, i, 1) == before[1]).all()


def test_the_raw_pixel_route_and_the_cine_export_are_redacted(rle) -> None:
    # The predecessor's raw/pixel route and the cine download: redacted pixels never leave.
    http, i = rle
    _warm(http, i, 3)
    cine_before = http.get(f"/api/file/{i}/cine", params={"format": "png"})
    assert cine_before.status_code == 200
    assert _put(http, i, [BOX], [[0, 2]]).status_code == 200
    value = _raw(http, i, 0).min()
    r = http.get(f"/api/file/{i}/frame/0/raw/pixel", params={"row": BOX[0], "column": BOX[1]})
    assert r.status_code == 200, r.text
    assert wire.decode_frame(r.headers, [r.content]).ravel().tolist() == [value]
    cine = http.get(f"/api/file/{i}/cine", params={"format": "png"})
    assert cine.status_code == 200
    frames = []
    with Image.open(io.BytesIO(cine.content)) as im:
        for n in range(im.n_frames):
            im.seek(n)
            frames.append(np.asarray(im.convert("L")))
    assert len(frames) == 3
    for f in (0, 2):
        region = _region(frames[f], BOX)
        assert (region == region.flat[0]).all(), f"cine frame {f} shows pixels under the box"
    # Frame 1 is out of scope, and the export changed with the box.
    assert cine.content != cine_before.content
    with Image.open(io.BytesIO(cine_before.content)) as im:
        im.seek(1)
        np.testing.assert_array_equal(frames[1], np.asarray(im.convert("L")))


def test_moving_the_box_updates_every_answer(rle) -> None:
    http, i = rle
    before = _raw(http, i, 0).copy()
    _put(http, i, [BOX], [[]])
    _warm(http, i, 1)
    _assert_redacted(http, i, 0, BOX)
    assert _put(http, i, [MOVED], [[]]).status_code == 200
    _assert_redacted(http, i, 0, MOVED)
    raw = _raw(http, i, 0)
    # The part of the old box the new one does not cover is the file's again.
    assert (raw[15:21, 15:26] == before[15:21, 15:26]).all()
    assert _put(http, i, [], []).status_code == 200
    assert (_raw(http, i, 0) == before).all()


def test_no_cache_keeps_the_unredacted_frame(rle) -> None:
    http, i = rle
    _warm(http, i, 3)
    _put(http, i, [BOX], [[]])
    _warm(http, i, 3)
    state = http.app.state.dcmview  # type: ignore[attr-defined]
    path = state.catalog.header(i).path
    for f in range(3):
        assert (path, f) not in state.cache
        assert (path, f, 1) not in state.cache
        assert ("meta", path, f, 0, ()) not in state.cache


@pytest.mark.parametrize(
    ("body", "needle"),
    [
        ({"num_roi": 1, "roi_coords": [[0, 0, 32, 10]], "roi_frames": [[]]}, "outside the image"),
        ({"num_roi": 1, "roi_coords": [[0, 0, 5, 40]], "roi_frames": [[]]}, "outside the image"),
        ({"num_roi": 1, "roi_coords": [[0, 0, 5, 5]], "roi_frames": [[3]]}, "frame 3"),
        ({"num_roi": 2, "roi_coords": [[0, 0, 5, 5]], "roi_frames": [[]]}, "num_roi"),
        ({"num_roi": 1, "roi_coords": [[0.5, 0, 5, 5]], "roi_frames": [[]]}, "roi_coords[0]"),
        ({"roi_coords": "x"}, "roi_coords"),
        ([1, 2], "object"),
    ],
)
def test_bad_input_is_400_and_nothing_is_stored(rle, body: object, needle: str) -> None:
    http, i = rle
    _put(http, i, [BOX], [[]])
    r = http.put(f"/api/file/{i}/redactions", json=body)
    assert r.status_code == 400, r.text
    assert r.json()["code"] == "invalid_redactions"
    assert needle in r.json()["error"]
    assert http.get(f"/api/file/{i}/redactions").json()["roi_coords"] == [BOX]


def test_not_json_and_no_image_are_refused(
    make_client: Callable[..., TestClient], catalog_of: Callable[..., Catalog]
) -> None:
    http = make_client()
    i = index_of(catalog_of(http), "rle_3f.dcm")
    r = http.put(
        f"/api/file/{i}/redactions", content=b"{nope", headers={"Content-Type": "application/json"}
    )
    assert r.status_code == 400
    assert r.json()["code"] == "invalid_redactions"
    r = http.put(f"/api/file/{i}/redactions", content=b"{}", headers={"Content-Type": "text/plain"})
    assert r.status_code == 415
    sr = index_of(catalog_of(http), "sr_no_pixels.dcm")
    r = _put(http, sr, [[0, 0, 1, 1]], [[]])
    assert r.status_code == 400
    assert r.json()["code"] == "invalid_redactions"
    assert http.get(f"/api/file/{i}/redactions").json()["num_roi"] == 0


def test_series_copies_the_boxes_to_the_instances_they_fit(
    make_client: Callable[..., TestClient], catalog_of: Callable[..., Catalog]
) -> None:
    http = make_client()
    catalog = catalog_of(http)
    first = next(
        i for i, h in enumerate(catalog.headers) if h.modality == "CT" and "demo" in h.path
    )
    uid = catalog.header(first).series_instance_uid
    others = sorted(i for i, h in enumerate(catalog.headers) if h.series_instance_uid == uid)
    others.remove(first)
    assert others
    _put(http, first, [BOX], [[]])
    r = http.put(f"/api/file/{first}/redactions/series", json={})
    assert r.status_code == 200, r.text
    assert sorted(r.json()["file_indices"]) == others
    for i in others[:2]:
        assert http.get(f"/api/file/{i}/redactions").json()["roi_coords"] == [BOX]
        _assert_redacted(http, i, 0, BOX)


def test_export_csv_has_real_paths_and_loads_back_as_redactions(
    make_client: Callable[..., TestClient], catalog_of: Callable[..., Catalog], tmp_path: Path
) -> None:
    http = make_client(mask=True)
    i = index_of(catalog_of(http), "rle_3f.dcm")
    _put(http, i, [BOX], [[1]])
    text = http.get("/api/redactions/export.csv").text
    real = catalog_of(http).header(i).path
    assert real in text  # exports keep the real path, also under --mask
    csv = tmp_path / "redactions.csv"
    csv.write_text(text)
    again = make_client(redactions=RoiSet.from_embed_csv(csv))
    j = index_of(catalog_of(again), "rle_3f.dcm")
    assert again.get(f"/api/file/{j}/redactions").json()["roi_frames"] == [[1]]
    _assert_redacted(again, j, 1, BOX)


def test_values_stored_with_old_boxes_after_a_change_are_dropped(rle) -> None:
    # A job that was running when the boxes changed stores its result afterwards,
    # under a key with the old boxes: the next request of the file drops it.
    http, i = rle
    state = http.app.state.dcmview  # type: ignore[attr-defined]
    path = state.catalog.header(i).path
    _put(http, i, [BOX], [[]])
    _raw(http, i, 0)
    unchanged = ("png", path, 0, 0, "dicom", ())
    state.redactions_changed.add(path)
    state.cache.put(unchanged, (b"old", None))
    state.cache.put((path, 0), np.zeros((2, 2)))
    state.cache.put(("raw", path, 0, 0, "zstd", False, ()), (b"old", {}))
    _raw(http, i, 0)
    assert unchanged not in state.cache
    assert (path, 0) not in state.cache
    assert ("raw", path, 0, 0, "zstd", False, ()) not in state.cache
    # The values made with the current boxes stay.
    current = state.catalog[i].frame(0).cache_key(0, state.redactions.for_instance(path))
    assert current in state.cache
    assert path not in state.redactions_changed  # no job running: done
