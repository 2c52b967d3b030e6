"""Every route of docs/http-api.md through httpx against the ASGI app: status, type, body."""

from __future__ import annotations

import gzip
import io
import json
import threading
from pathlib import Path

import imagecodecs
import numpy as np
import pydicom
import pytest
from PIL import Image
from pydicom.data import get_testdata_file

from dcmview.sdk.cache import ByteCache
from dcmview.sdk.catalog import scan
from dcmview.sdk.instance import open as open_instance
from dcmview.sdk.roi import RoiSet
from dcmview.sdk.support import classify
from dcmview.sdk.window import Window
from tests.dicom_factory import make_dataset, make_dicom, write
from tests.server.helpers import index_of


def test_health(http, catalog_of) -> None:
    r = http.get("/api/health")
    assert r.status_code == 200
    body = r.json()
    assert body["status"] == "ok"
    assert body["viewer"]["name"] == "dcmview"
    assert body["file_count"] == len(catalog_of(http))
    assert body["scan_complete"] is True
    assert r.headers["x-server-instance"] == str(body["server_start_ms"])


def test_files_lists_catalog_and_skips(http, catalog_of) -> None:
    body = http.get("/api/files").json()
    catalog = catalog_of(http)
    assert [f["index"] for f in body["files"]] == list(range(len(catalog)))
    assert [f["path"] for f in body["files"]] == [h.path for h in catalog.headers]
    assert body["scan_complete"] is True
    assert body["skipped"] == len(body["discovery"]) >= 1
    assert any(d["path"].endswith("notes.txt") for d in body["discovery"])
    ct = body["files"][index_of(catalog, "ct_padding.dcm")]
    assert ct["default_window"] == {"center": 40.0, "width": 400.0}
    assert ct["rows"] == 64
    assert ct["columns"] == 48
    assert ct["frame_count"] == 1
    sr = body["files"][index_of(catalog, "sr_no_pixels.dcm")]
    assert sr["has_pixels"] is False


def test_files_served_while_scan_runs(make_client, data_dir: Path) -> None:
    release = threading.Event()
    entered = threading.Event()

    def progress(p) -> None:
        if not p.complete:
            entered.set()
            release.wait(10)

    catalog = scan(data_dir, background=True, progress=progress)
    try:
        assert entered.wait(10)
        http = make_client(catalog=catalog)
        early = http.get("/api/files").json()
        assert early["scan_complete"] is False
        assert http.get("/api/health").json()["scan_complete"] is False
    finally:
        release.set()
    catalog.wait(10)
    late = http.get("/api/files").json()
    assert late["scan_complete"] is True
    assert len(late["files"]) >= len(early["files"])
    assert late["scanned"] >= early["scanned"]


def test_catalog_answers_are_kept_once_the_scan_is_complete(
    make_client, data_dir: Path, monkeypatch
) -> None:
    from dcmview.server import routes

    built: list[str] = []
    for name in ("_files", "_patients"):
        real = getattr(routes, name)
        monkeypatch.setattr(
            routes, name, lambda state, real=real, name=name: built.append(name) or real(state)
        )
    release = threading.Event()

    def progress(p) -> None:
        if not p.complete:
            release.wait(10)

    catalog = scan(data_dir, background=True, progress=progress)
    try:
        http = make_client(catalog=catalog)
        # While the scan runs every answer is built afresh: it may have grown.
        assert http.get("/api/files").json()["scan_complete"] is False
        assert http.get("/api/files").json()["scan_complete"] is False
        assert built.count("_files") == 2
    finally:
        release.set()
    catalog.wait(10)
    first = http.get("/api/files")
    again = http.get("/api/files")
    assert first.json()["scan_complete"] is True
    assert again.content == first.content
    assert built.count("_files") == 3  # built once when complete, then served as kept
    for coding in ("gzip", "zstd", "identity"):
        r = http.get("/api/patients", headers={"Accept-Encoding": coding})
        assert r.content == http.get("/api/patients", headers={"Accept-Encoding": coding}).content
    assert built.count("_patients") == 3  # once per coding


def test_patients_groups_patient_study_series_in_stack_order(http, catalog_of) -> None:
    body = http.get("/api/patients").json()
    catalog = catalog_of(http)
    demo = next(p for p in body["patients"] if p["patient_id"] == "DEMO-0001")
    (study,) = demo["studies"]
    ct = next(s for s in study["series"] if s["modality"] == "CT")
    assert len(ct["instances"]) == 24
    z = [catalog.header(ref["index"]).image_position_patient[2] for ref in ct["instances"]]
    assert z == sorted(z) or z == sorted(z, reverse=True)
    dbt = next(s for s in study["series"] if s["modality"] == "MG")
    assert dbt["frame_count"] == 16
    listed = [
        r["index"]
        for p in body["patients"]
        for st in p["studies"]
        for s in st["series"]
        for r in s["instances"]
    ]
    assert sorted(listed) == list(range(len(catalog)))


def test_info(http, catalog_of) -> None:
    catalog = catalog_of(http)
    body = http.get(f"/api/file/{index_of(catalog, 'DBT_L_CC.dcm')}/info").json()
    assert body["frame_count"] == 16
    assert (body["rows"], body["columns"]) == (320, 256)
    assert body["has_pixels"] is True
    # The window of the shared functional groups, not the (absent) top level.
    assert body["default_window"] == {"center": 1600.0, "width": 1600.0}
    # What the viewer measures and orients with (sdk.calibration), from the shared groups.
    assert body["pixel_spacing"] == [0.1, 0.1]
    assert body["imager_pixel_spacing"] is None
    assert body["image_orientation_patient"] == [0, 1, 0, 0, 0, -1]
    assert body["patient_orientation"] is None
    assert body["laterality"] == "L"
    sr = http.get(f"/api/file/{index_of(catalog, 'sr_no_pixels.dcm')}/info").json()
    assert sr["has_pixels"] is False
    assert sr["default_window"] is None
    assert sr["pixel_spacing"] is sr["laterality"] is None


def _png(r) -> np.ndarray:
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "image/png"
    return np.asarray(Image.open(io.BytesIO(r.content)))


@pytest.mark.parametrize(
    ("query", "window"),
    [
        pytest.param("", Window(40, 400), id="dicom-default"),
        pytest.param("?wc=100&ww=50", Window(100, 50), id="explicit"),
        pytest.param("?mode=default&wc=-500&ww=1500", Window(-500, 1500), id="explicit-mode"),
    ],
)
def test_frame_png_matches_sdk_render(http, catalog_of, query: str, window: Window) -> None:
    catalog = catalog_of(http)
    i = index_of(catalog, "ct_padding.dcm")
    r = http.get(f"/api/file/{i}/frame/0{query}")
    image = _png(r)
    np.testing.assert_array_equal(image, catalog[i].frame(0).render(window))
    assert float(r.headers["x-frame-window-center"]) == window.center
    assert float(r.headers["x-frame-window-width"]) == window.width
    assert r.headers["x-frame-window-applied"] == "linear"


@pytest.mark.parametrize("function", ["SIGMOID", "LINEAR_EXACT", "sigmoid"])
def test_frame_png_applies_the_named_voi_function(http, catalog_of, function: str) -> None:
    catalog = catalog_of(http)
    i = index_of(catalog, "ct_padding.dcm")
    r = http.get(f"/api/file/{i}/frame/0?wc=60&ww=300&function={function}")
    window = Window(60, 300, function.upper())  # type: ignore[arg-type]
    np.testing.assert_array_equal(_png(r), catalog[i].frame(0).render(window))
    assert r.headers["x-frame-window-applied"] == function.lower()
    # Another function is another picture, and another cache entry.
    linear = _png(http.get(f"/api/file/{i}/frame/0?wc=60&ww=300"))
    assert not np.array_equal(_png(r), linear)


@pytest.mark.parametrize(
    "query",
    ["?wc=60&ww=300&function=GAMMA", "?function=SIGMOID", "?wc=60&ww=0.5&function=LINEAR"],
    ids=["unknown", "without-wc-ww", "linear-width-below-1"],
)
def test_frame_png_refuses_a_bad_function(http, catalog_of, query: str) -> None:
    catalog = catalog_of(http)
    i = index_of(catalog, "ct_padding.dcm")
    r = http.get(f"/api/file/{i}/frame/0{query}")
    assert r.status_code == 400
    assert r.json()["code"] == "invalid_window"


def test_frame_png_full_dynamic_ignores_wc_ww(http, catalog_of) -> None:
    catalog = catalog_of(http)
    i = index_of(catalog, "DBT_L_CC.dcm")
    r = http.get(f"/api/file/{i}/frame/3?mode=full_dynamic&wc=1&ww=2")
    image = _png(r)
    frame = catalog[i].frame(3)
    used = frame.window("full")
    np.testing.assert_array_equal(image, frame.render(used))
    assert float(r.headers["x-frame-window-width"]) == pytest.approx(used.width)


def test_frame_png_color_has_no_window_headers(http, catalog_of) -> None:
    catalog = catalog_of(http)
    i = index_of(catalog, "CINE_RGB.dcm")
    image = _png(http.get(f"/api/file/{i}/frame/5"))
    assert image.shape == (240, 320, 3)
    np.testing.assert_array_equal(image, catalog[i].frame(5).array())
    r = http.get(f"/api/file/{i}/frame/5")
    assert "x-frame-window-center" not in r.headers


def test_png_cache_and_decoded_frame_reuse(http, catalog_of) -> None:
    catalog = catalog_of(http)
    i = index_of(catalog, "DBT_L_CC.dcm")
    first = http.get(f"/api/file/{i}/frame/2")
    assert (first.headers["x-cache"], first.headers["x-cache-frame"]) == ("MISS", "MISS")
    again = http.get(f"/api/file/{i}/frame/2")
    assert again.headers["x-cache"] == "HIT"
    assert again.content == first.content
    # A new window renders again but does not decode again.
    other = http.get(f"/api/file/{i}/frame/2?wc=1000&ww=800")
    assert (other.headers["x-cache"], other.headers["x-cache-frame"]) == ("MISS", "HIT")
    # Nor does the raw transport of the same frame.
    raw = http.get(f"/api/file/{i}/frame/2/raw", headers={"Accept-Encoding": "identity"})
    assert raw.headers["x-cache"] == "HIT"


def _raw(r) -> np.ndarray:
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "application/octet-stream"
    kind = {"int": "i", "uint": "u", "float": "f"}[r.headers["x-frame-sample-format"]]
    dtype = np.dtype(f"<{kind}{int(r.headers['x-frame-bits-allocated']) // 8}")
    assert (kind == "i") == (r.headers["x-frame-pixel-representation"] == "1")
    shape = [int(r.headers["x-frame-rows"]), int(r.headers["x-frame-columns"])]
    if int(r.headers["x-frame-samples-per-pixel"]) > 1:
        shape.append(int(r.headers["x-frame-samples-per-pixel"]))
    return np.frombuffer(r.content, dtype=dtype).reshape(shape)


@pytest.mark.parametrize(
    ("name", "frame"),
    [
        pytest.param("ct_padding.dcm", 0, id="ct-signed"),
        pytest.param("DBT_L_CC.dcm", 15, id="dbt-last-frame"),
        pytest.param("CINE_RGB.dcm", 3, id="rgb"),
        pytest.param("rle_3f.dcm", 2, id="rle"),
    ],
)
def test_frame_raw_identity_equals_sdk_array(http, catalog_of, name: str, frame: int) -> None:
    catalog = catalog_of(http)
    i = index_of(catalog, name)
    r = http.get(f"/api/file/{i}/frame/{frame}/raw", headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in r.headers
    np.testing.assert_array_equal(_raw(r), catalog[i].frame(frame).array())


def test_frame_raw_headers(http, catalog_of) -> None:
    catalog = catalog_of(http)
    i = index_of(catalog, "ct_padding.dcm")
    r = http.get(f"/api/file/{i}/frame/0/raw", headers={"Accept-Encoding": "identity"})
    h = r.headers
    assert h["x-frame-photometric-interpretation"] == "MONOCHROME2"
    assert (h["x-frame-rescale-slope"], h["x-frame-rescale-intercept"]) == ("1", "-1024")
    assert (h["x-frame-default-wc"], h["x-frame-default-ww"]) == ("40", "400")
    assert (h["x-frame-padding-low"], h["x-frame-padding-high"]) == ("-2000", "-2000")
    assert r.headers["x-cache"] == "MISS"
    assert http.get(f"/api/file/{i}/frame/0/raw").headers["x-cache"] == "HIT"
    # The modality values' unit, as the pixel readout has it: HU for a CT.
    assert h["x-frame-unit"] == "HU"
    pixel = http.get(f"/api/file/{i}/frame/0/pixel?row=0&column=0").json()
    assert pixel["unit"] == h["x-frame-unit"]


@pytest.mark.parametrize(
    ("rescale_type", "header"),
    [("OD", "OD"), ("mg/ml", "mg/ml"), ("µmol/l 5%", "%C2%B5mol/l 5%25"), ("US", None)],
    ids=["od", "ascii", "percent-encoded", "unspecified"],
)
def test_frame_raw_unit_is_the_rescale_type(
    make_client, tmp_path, rescale_type: str, header: str | None
) -> None:
    # Not a CT, so the unit is Rescale Type alone; "US" (unspecified) is no unit.
    ds = make_dataset(rows=8, columns=8, modality="MR", rescale=(2.0, 1.0))
    ds.RescaleType = rescale_type
    write(ds, tmp_path / "typed.dcm")
    http = make_client(catalog=scan(tmp_path, cache=ByteCache(64 << 20)))
    h = http.get("/api/file/0/frame/0/raw").headers
    assert h.get("x-frame-unit") == header
    unit = http.get("/api/file/0/frame/0/pixel?row=0&column=0").json()["unit"]
    assert unit == ("" if header is None else rescale_type)


def _window_files(folder: Path) -> dict[str, Path]:
    """A SIGMOID window (+ INVERSE), no window (+ padding, rescale), a VOI LUT table."""
    sigmoid = make_dataset(rows=40, columns=30, bits_stored=12, window=(1800, 900), seed=1)
    sigmoid.VOILUTFunction = "SIGMOID"
    sigmoid.PresentationLUTShape = "INVERSE"
    none = make_dataset(
        rows=40, columns=30, bits_stored=12, signed=True, rescale=(0.5, -1024), seed=2
    )
    none.PixelPaddingValue = -2048
    lut = make_dataset(rows=40, columns=30, bits_stored=12, seed=3)
    item = pydicom.Dataset()
    item.LUTDescriptor = [4096, 0, 16]
    item.add_new("LUTData", "US", [(v * 7919) % 65536 for v in range(4096)])
    lut.VOILUTSequence = pydicom.Sequence([item])
    lut.PresentationLUTShape = "IDENTITY"
    return {
        name: write(ds, folder / f"{name}.dcm")
        for name, ds in (("sigmoid", sigmoid), ("no_window", none), ("voi_lut", lut))
    }


@pytest.mark.parametrize("name", ["sigmoid", "no_window", "voi_lut"])
def test_frame_raw_window_headers_are_the_sdk_windows(make_client, tmp_path, name: str) -> None:
    paths = _window_files(tmp_path)
    catalog = scan(tmp_path, cache=ByteCache(64 << 20))
    http = make_client(catalog=catalog)
    i = catalog.index_of(str(paths[name]))
    assert i is not None
    h = http.get(f"/api/file/{i}/frame/0/raw").headers
    frame = open_instance(paths[name]).frame(0)
    auto, full, default = frame.window("dicom"), frame.window("full"), frame.default_window()
    assert auto is not None
    assert full is not None
    assert h["x-frame-window-function"] == auto.function
    got = [float(h[f"x-frame-{k}"]) for k in ("auto-wc", "auto-ww", "full-wc", "full-ww")]
    assert got == pytest.approx([auto.center, auto.width, full.center, full.width], rel=1e-9)
    # The file's own window stays in X-Frame-Default-* (absent without one).
    if default is None:
        assert "x-frame-default-wc" not in h
    else:
        assert (float(h["x-frame-default-wc"]), float(h["x-frame-default-ww"])) == (
            default.center,
            default.width,
        )
    assert ("x-frame-voi-lut" in h) == (auto.lut is not None)
    ds = pydicom.dcmread(paths[name], stop_before_pixels=True)
    assert h.get("x-frame-presentation-lut-shape") == ds.get("PresentationLUTShape")
    expected = {
        "sigmoid": ("SIGMOID", None, "INVERSE"),
        "no_window": ("LINEAR", None, None),
        "voi_lut": ("LINEAR", "1", "IDENTITY"),
    }[name]
    assert (
        h["x-frame-window-function"],
        h.get("x-frame-voi-lut"),
        h.get("x-frame-presentation-lut-shape"),
    ) == expected


def test_frame_raw_color_has_no_window_headers(http, catalog_of) -> None:
    i = index_of(catalog_of(http), "CINE_RGB.dcm")
    h = http.get(f"/api/file/{i}/frame/0/raw").headers
    for name in ("window-function", "auto-wc", "full-wc", "voi-lut", "default-wc"):
        assert f"x-frame-{name}" not in h


@pytest.mark.parametrize("coding", ["zstd", "gzip"])
@pytest.mark.parametrize("shuffle", [False, True], ids=["interleaved", "byteplanes"])
def test_frame_raw_compressed_is_lossless(http, catalog_of, coding: str, shuffle: bool) -> None:
    catalog = catalog_of(http)
    i = index_of(catalog, "DBT_L_CC.dcm")
    url = f"/api/file/{i}/frame/7/raw" + ("?shuffle=bytes" if shuffle else "")
    # Read the body exactly as sent (httpx would otherwise decode gzip itself).
    with http.stream("GET", url, headers={"Accept-Encoding": coding}) as r:
        wire = b"".join(r.iter_raw())
    assert r.headers["content-encoding"] == coding
    body = imagecodecs.zstd_decode(wire) if coding == "zstd" else gzip.decompress(wire)
    expected = catalog[i].frame(7).array()
    assert len(wire) < expected.nbytes
    if shuffle:
        assert r.headers["x-frame-shuffle"] == "bytes"
        planes = np.frombuffer(body, np.uint8).reshape(expected.dtype.itemsize, -1)
        body = np.ascontiguousarray(planes.T).tobytes()
    np.testing.assert_array_equal(np.frombuffer(body, "<u2").reshape(expected.shape), expected)


def test_pixel_readout(http, catalog_of) -> None:
    catalog = catalog_of(http)
    i = index_of(catalog, "ct_padding.dcm")
    arr = catalog[i].frame(0).array()
    body = http.get(f"/api/file/{i}/frame/0/pixel?row=10&column=20").json()
    assert body == {
        "row": 10,
        "column": 20,
        "stored": int(arr[10, 20]),
        "modality": float(arr[10, 20]) - 1024,
        "unit": body["unit"],
    }
    rgb = index_of(catalog, "CINE_RGB.dcm")
    color = http.get(f"/api/file/{rgb}/frame/0/pixel?row=120&column=160").json()
    assert color["stored"] == catalog[rgb].frame(0).array()[120, 160].tolist()
    assert color["modality"] is None


@pytest.mark.parametrize(
    "query", ["row=64&column=0", "row=0&column=48", "row=-1&column=0", "row=a&column=1", "row=1"]
)
def test_pixel_readout_rejects_bad_positions(http, catalog_of, query: str) -> None:
    i = index_of(catalog_of(http), "ct_padding.dcm")
    r = http.get(f"/api/file/{i}/frame/0/pixel?{query}")
    assert r.status_code == 400
    assert r.json()["code"] == "invalid_query"


def test_tags(http, catalog_of) -> None:
    pytest.importorskip("dcmview.sdk.tags", reason="sdk/tags.py is not written yet")
    catalog = catalog_of(http)
    i = index_of(catalog, "ct_padding.dcm")
    r = http.get(f"/api/file/{i}/tags", headers={"Accept-Encoding": "identity"})
    assert r.status_code == 200
    assert r.headers["content-type"] == "application/json"
    tags = r.json()
    by_keyword = {t["keyword"]: t for t in tags}
    assert by_keyword["Modality"]["tag"] == "(0008,0060)"
    assert by_keyword["PatientID"]["vr"] == "LO"
    zipped = http.get(f"/api/file/{i}/tags", headers={"Accept-Encoding": "gzip"})
    assert zipped.json() == tags


def test_annotations_get_put_export(http, catalog_of) -> None:
    catalog = catalog_of(http)
    i = index_of(catalog, "DBT_L_CC.dcm")
    empty = http.get(f"/api/file/{i}/annotations").json()
    assert empty == {"num_roi": 0, "roi_coords": [], "roi_frames": []}
    put = http.put(
        f"/api/file/{i}/annotations",
        json={
            "num_roi": 2,
            "roi_coords": [[10, 20, 30, 40], [50, 60, 5, 6]],
            "roi_frames": [[3, 1], []],
        },
    )
    assert put.status_code == 200, put.text
    body = put.json()
    assert body["num_roi"] == 2
    assert body["roi_coords"] == [[10, 20, 30, 40], [5, 6, 50, 60]]
    assert body["roi_frames"] == [[1, 3], []]
    assert http.get(f"/api/file/{i}/annotations").json() == body
    csv = http.get("/api/annotations/export.csv")
    assert csv.status_code == 200
    assert csv.headers["content-type"].startswith("text/csv")
    assert "attachment" in csv.headers["content-disposition"]
    back = RoiSet.from_embed_csv(io.StringIO(csv.text))
    assert [r.to_list() for r in back.for_instance(catalog.header(i).path)] == body["roi_coords"]


@pytest.mark.parametrize(
    ("payload", "code"),
    [
        pytest.param({"roi_coords": [[0, 0, 10, 999]]}, "invalid_annotations", id="outside-image"),
        pytest.param(
            {"roi_coords": [[0, 0, 1, 1]], "roi_frames": [[16]]},
            "invalid_annotations",
            id="frame-out-of-range",
        ),
        pytest.param(
            {"num_roi": 3, "roi_coords": [[0, 0, 1, 1]]}, "invalid_annotations", id="count-mismatch"
        ),
        pytest.param({"roi_coords": "nope"}, "invalid_annotations", id="not-a-list"),
    ],
)
def test_annotations_put_rejects_bad_boxes(http, catalog_of, payload, code: str) -> None:
    i = index_of(catalog_of(http), "DBT_L_CC.dcm")
    r = http.put(f"/api/file/{i}/annotations", json=payload)
    assert r.status_code == 400
    assert r.json()["code"] == code
    assert http.get(f"/api/file/{i}/annotations").json()["num_roi"] == 0


def test_annotations_put_malformed_json(http, catalog_of) -> None:
    i = index_of(catalog_of(http), "DBT_L_CC.dcm")
    r = http.put(
        f"/api/file/{i}/annotations", content=b"{bad", headers={"Content-Type": "application/json"}
    )
    assert r.status_code == 400
    assert r.json()["code"] == "invalid_json"


def test_annotations_loaded_from_csv_are_served(make_client, data_dir: Path, tmp_path) -> None:
    catalog = scan(data_dir, cache=ByteCache(64 << 20))
    i = index_of(catalog, "CINE_RGB.dcm")
    csv = tmp_path / "rois.csv"
    csv.write_text(
        f'anon_dicom_path,num_roi,ROI_coords\n{catalog.header(i).path},1,"((10, 20, 30, 40),)"\n'
    )
    rois = RoiSet.from_embed_csv(csv)
    rois.match(catalog)
    http = make_client(catalog=catalog, rois=rois)
    body = http.get(f"/api/file/{i}/annotations").json()
    assert body == {"num_roi": 1, "roi_coords": [[10, 20, 30, 40]], "roi_frames": [[]]}
    exported = http.get("/api/annotations/export.csv").text
    assert "((10, 20, 30, 40),)" in exported  # written back in the dialect read


def test_root_without_bundle_says_how_to_build(make_client, tmp_path) -> None:
    http = make_client(static_dir=tmp_path / "missing")
    r = http.get("/")
    assert r.status_code == 200
    assert "npm --prefix frontend run build" in r.text


def test_static_bundle_is_served_without_token(make_client, tmp_path) -> None:
    static = tmp_path / "static"
    (static / "assets").mkdir(parents=True)
    (static / "index.html").write_text("<!doctype html><title>viewer</title>")
    (static / "assets" / "app.js").write_text("console.log('ok')")
    http = make_client(static_dir=static, auth=False)
    assert "viewer" in http.get("/").text
    js = http.get("/assets/app.js")
    assert js.status_code == 200
    assert "javascript" in js.headers["content-type"]
    assert js.headers["x-content-type-options"] == "nosniff"
    missing = http.get("/assets/nope.js")
    assert missing.status_code == 404
    assert missing.json()["code"] == "asset_not_found"


def test_json_is_compressed_only_when_it_pays(http) -> None:
    with http.stream("GET", "/api/files", headers={"Accept-Encoding": "gzip"}) as r:
        wire = b"".join(r.iter_raw())
    assert r.headers["content-encoding"] == "gzip"
    assert json.loads(gzip.decompress(wire))["files"]
    small = http.get("/api/health", headers={"Accept-Encoding": "gzip"})
    assert "content-encoding" not in small.headers


def test_large_raw_body_arrives_whole(make_client, tmp_path) -> None:
    # 2048 x 1536 x 2 bytes: more than one 4 MiB slice of ChunkedResponse.
    make_dicom(tmp_path, "large.dcm", rows=2048, columns=1536, bits_stored=16)
    catalog = scan(tmp_path, cache=ByteCache(64 << 20))
    http = make_client(catalog=catalog)
    r = http.get("/api/file/0/frame/0/raw", headers={"Accept-Encoding": "identity"})
    assert int(r.headers["content-length"]) == len(r.content) == 2048 * 1536 * 2
    np.testing.assert_array_equal(_raw(r), catalog[0].frame(0).array())


# -- file kinds and support (the predecessor's fields; sdk.support.classify) -----------

SUPPORT_FIELDS = (
    "object_kind",
    "support_state",
    "support_reason",
    "raw_windowing_compatible",
    "raw_windowing_reason",
    "presentation_layer",
    "burned_in_annotation",
    "pixel_aspect_ratio",
)


def test_files_carry_the_sdk_classification(http, catalog_of) -> None:
    body = http.get("/api/files").json()
    catalog = catalog_of(http)
    for record, header in zip(body["files"], catalog.headers, strict=True):
        expected = classify(header)
        assert {k: record[k] for k in SUPPORT_FIELDS} == {
            k: getattr(expected, k) for k in SUPPORT_FIELDS
        }

    def fields(name: str) -> tuple[object, ...]:
        record = body["files"][index_of(catalog, name)]
        return tuple(record[k] for k in SUPPORT_FIELDS)

    assert fields("sr_no_pixels.dcm") == (
        "structured_report",
        "metadata_only",
        "pixel_data.absent_or_unrecognized",
        True,
        None,
        False,
        False,
        None,
    )
    assert fields("mpeg2.dcm")[:3] == (
        "classic_image",
        "unsupported",
        "transfer_syntax.not_supported",
    )
    assert fields("bits12.dcm")[1:3] == (
        "unsupported",
        "pixel_layout.numeric_precision_not_supported",
    )
    # Breast tomosynthesis: Pixel Spacing only in the shared functional groups.
    assert fields("DBT_L_CC.dcm")[:3] == ("enhanced_image", "renderable", None)
    assert fields("DBT_L_CC.dcm")[-1] == 1.0
    # The header is whole, the pixel data is not: the scan sees the file end before the
    # value does (decoding it still answers 500).
    assert fields("truncated.dcm")[1:3] == ("unsupported", "pixel_data.truncated")


def test_info_carries_kind_and_support(http, catalog_of) -> None:
    catalog = catalog_of(http)

    def info(name: str) -> dict[str, object]:
        r = http.get(f"/api/file/{index_of(catalog, name)}/info")
        assert r.status_code == 200, r.text
        return r.json()

    dbt = info("DBT_L_CC.dcm")
    assert (dbt["object_kind"], dbt["support_state"], dbt["support_reason"]) == (
        "enhanced_image",
        "renderable",
        None,
    )
    sr = info("sr_no_pixels.dcm")
    assert (sr["object_kind"], sr["support_state"], sr["support_reason"]) == (
        "structured_report",
        "metadata_only",
        "pixel_data.absent_or_unrecognized",
    )
    mpeg2 = info("mpeg2.dcm")
    assert (mpeg2["support_state"], mpeg2["support_reason"]) == (
        "unsupported",
        "transfer_syntax.not_supported",
    )
    # An unsupported file answers 422 for its frames, as the state says.
    r = http.get(f"/api/file/{index_of(catalog, 'mpeg2.dcm')}/frame/0")
    assert r.status_code == 422


@pytest.mark.parametrize("name", ["no_window", "voi_lut"])
def test_raw_windowing_compatible_matches_raw_headers(make_client, tmp_path, name: str) -> None:
    # Not compatible exactly when the raw answer says only the PNG shows the default window.
    paths = _window_files(tmp_path)
    catalog = scan(tmp_path, cache=ByteCache(64 << 20))
    http = make_client(catalog=catalog)
    i = catalog.index_of(str(paths[name]))
    assert i is not None
    record = http.get("/api/files").json()["files"][i]
    raw = http.get(f"/api/file/{i}/frame/0/raw").headers
    assert record["raw_windowing_compatible"] is ("x-frame-voi-lut" not in raw)
    expected_reason = "voi_lut.table_not_in_raw" if name == "voi_lut" else None
    assert record["raw_windowing_reason"] == expected_reason


@pytest.mark.parametrize(
    ("change", "inverted"),
    [
        ({}, "0"),
        ({"PhotometricInterpretation": "MONOCHROME1"}, "1"),
        ({"PresentationLUTShape": "INVERSE"}, "1"),
        # One inversion, not two (PS3.3 C.11.6.1): MONOCHROME1 with INVERSE is inverted once.
        ({"PhotometricInterpretation": "MONOCHROME1", "PresentationLUTShape": "INVERSE"}, "1"),
    ],
)
def test_frame_png_says_whether_it_inverted_the_grey_levels(
    make_client, tmp_path: Path, change: dict[str, str], inverted: str
) -> None:
    # A client showing the PNG under a presentation state's inversion inverts it again.
    ds = pydicom.dcmread(get_testdata_file("CT_small.dcm"))
    for keyword, value in change.items():
        setattr(ds, keyword, value)
    ds.save_as(tmp_path / "ct.dcm")
    http = make_client(catalog=scan(tmp_path))
    first = http.get("/api/file/0/frame/0?wc=40&ww=400")
    again = http.get("/api/file/0/frame/0?wc=40&ww=400")  # from the cache: says it too
    assert (first.headers["x-cache"], again.headers["x-cache"]) == ("MISS", "HIT")
    assert first.headers["x-frame-inverted"] == again.headers["x-frame-inverted"] == inverted
    window = Window(40, 400)
    np.testing.assert_array_equal(_png(first), scan(tmp_path)[0].frame(0).render(window))
