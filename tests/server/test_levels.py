"""Resolution levels over HTTP: level / max_size / preview, the level headers, caches, cine_rate."""

from __future__ import annotations

import io
import math
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from pydicom import uid

from dcmview.sdk.cache import ByteCache
from dcmview.sdk.catalog import scan
from dcmview.sdk.levels import level_for
from tests.dicom_factory import make_dataset, make_dicom, write
from tests.server.helpers import index_of

IDENTITY = {"Accept-Encoding": "identity"}


@pytest.fixture(scope="module")
def level_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("levels")
    make_dicom(
        root,
        "j2k.dcm",
        rows=301,
        columns=259,
        bits_stored=12,
        frames=2,
        window=(2000, 3000),
        transfer_syntax=uid.JPEG2000Lossless,
    )
    make_dicom(root, "native.dcm", rows=45, columns=38, bits_stored=12, signed=True)
    ds = make_dataset(rows=8, columns=8, frames=4)
    ds.FrameTime = "40"
    write(ds, root / "cine.dcm")
    return root


@pytest.fixture
def http(make_client, level_dir: Path):
    return make_client(catalog=scan(level_dir, cache=ByteCache(128 << 20)))


def _samples(r) -> np.ndarray:
    assert r.status_code == 200, r.text
    kind = {"int": "i", "uint": "u", "float": "f"}[r.headers["x-frame-sample-format"]]
    dtype = np.dtype(f"<{kind}{int(r.headers['x-frame-bits-allocated']) // 8}")
    shape = (int(r.headers["x-frame-rows"]), int(r.headers["x-frame-columns"]))
    return np.frombuffer(r.content, dtype=dtype).reshape(shape)


def _png(r) -> np.ndarray:
    assert r.status_code == 200, r.text
    return np.asarray(Image.open(io.BytesIO(r.content)))


@pytest.mark.parametrize("name", ["j2k.dcm", "native.dcm"])
@pytest.mark.parametrize("level", [0, 1, 2, 5])
def test_raw_at_a_level_is_the_sdk_level(http, catalog_of, name: str, level: int) -> None:
    catalog = catalog_of(http)
    i = index_of(catalog, name)
    r = http.get(f"/api/file/{i}/frame/0/raw?level={level}", headers=IDENTITY)
    frame = catalog[i].frame(0)
    np.testing.assert_array_equal(_samples(r), frame.array(level=level))
    h = r.headers
    rows, columns = frame.instance.rows, frame.instance.columns
    assert h["x-frame-level"] == str(level)
    assert (h["x-frame-full-rows"], h["x-frame-full-columns"]) == (str(rows), str(columns))
    level_rows, level_columns = math.ceil(rows / 2**level), math.ceil(columns / 2**level)
    assert (h["x-frame-rows"], h["x-frame-columns"]) == (str(level_rows), str(level_columns))
    assert float(h["x-frame-row-scale"]) == pytest.approx(rows / level_rows)
    assert float(h["x-frame-column-scale"]) == pytest.approx(columns / level_columns)


def test_png_at_a_level_is_the_sdk_render(http, catalog_of) -> None:
    catalog = catalog_of(http)
    i = index_of(catalog, "j2k.dcm")
    frame = catalog[i].frame(1)
    r = http.get(f"/api/file/{i}/frame/1?level=2&wc=1500&ww=2000")
    np.testing.assert_array_equal(_png(r), frame.render((1500, 2000), level=2))
    assert r.headers["x-frame-level"] == "2"
    assert (r.headers["x-frame-rows"], r.headers["x-frame-columns"]) == ("76", "65")
    assert (r.headers["x-frame-full-rows"], r.headers["x-frame-full-columns"]) == ("301", "259")
    # The file's own window, at any level.
    dicom = http.get(f"/api/file/{i}/frame/1?level=3")
    assert dicom.headers["x-frame-window-center"] == "2000"
    np.testing.assert_array_equal(_png(dicom), frame.render(level=3))


def test_level_zero_answers_like_no_level(http, catalog_of) -> None:
    i = index_of(catalog_of(http), "j2k.dcm")
    plain = http.get(f"/api/file/{i}/frame/0/raw", headers=IDENTITY)
    zero = http.get(f"/api/file/{i}/frame/0/raw?level=0", headers=IDENTITY)
    assert plain.content == zero.content
    assert plain.headers["x-frame-level"] == "0"
    assert plain.headers["x-frame-row-scale"] == "1"
    assert http.get(f"/api/file/{i}/frame/0").headers["x-frame-level"] == "0"


@pytest.mark.parametrize("max_size", [1, 40, 76, 151, 300, 5000])
def test_max_size_picks_level_for(http, catalog_of, max_size: int) -> None:
    catalog = catalog_of(http)
    i = index_of(catalog, "j2k.dcm")
    expected = level_for(301, 259, max_size)
    for path in (f"/api/file/{i}/frame/0", f"/api/file/{i}/frame/0/raw"):
        r = http.get(f"{path}?max_size={max_size}", headers=IDENTITY)
        assert r.status_code == 200, r.text
        assert r.headers["x-frame-level"] == str(expected)
    assert level_for(301, 259, 151) == 1  # 151 px rows at level 1 still fill 151


@pytest.mark.parametrize(
    ("query", "fragment"),
    [
        ("level=10", "outside 0..9"),  # 301 rows: level 9 is 1x1, the deepest
        ("level=-1", "non-negative integer"),
        ("level=one", "non-negative integer"),
        ("level=1.5", "non-negative integer"),
        ("level=", "non-negative integer"),
        ("max_size=0", "max_size must be 1 or more"),
        ("max_size=-3", "non-negative integer"),
        ("max_size=big", "non-negative integer"),
        ("level=1&max_size=100", "not both"),
    ],
)
def test_bad_level_queries_are_400(http, catalog_of, query: str, fragment: str) -> None:
    i = index_of(catalog_of(http), "j2k.dcm")
    assert http.get(f"/api/file/{i}/frame/0/raw?level=9").headers["x-frame-rows"] == "1"
    for path in (f"/api/file/{i}/frame/0?{query}", f"/api/file/{i}/frame/0/raw?{query}"):
        r = http.get(path)
        assert r.status_code == 400, (path, r.text)
        assert r.json()["code"] == "invalid_query"
        assert fragment in r.json()["error"]


def test_caches_key_on_the_level(http, catalog_of) -> None:
    catalog = catalog_of(http)
    i = index_of(catalog, "j2k.dcm")
    one = http.get(f"/api/file/{i}/frame/0?level=1")
    two = http.get(f"/api/file/{i}/frame/0?level=2")
    assert one.headers["x-cache"] == two.headers["x-cache"] == "MISS"
    assert one.content != two.content
    assert http.get(f"/api/file/{i}/frame/0?level=1").headers["x-cache"] == "HIT"
    assert http.get(f"/api/file/{i}/frame/0?max_size=151").content == one.content
    raw = http.get(f"/api/file/{i}/frame/0/raw?level=1", headers=IDENTITY)
    assert raw.headers["x-cache"] == "HIT"  # the level-1 samples the PNG decoded
    full = http.get(f"/api/file/{i}/frame/0/raw", headers=IDENTITY)
    assert full.headers["x-cache"] == "MISS"
    np.testing.assert_array_equal(_samples(full), catalog[i].frame(0).array())
    for coding in ("zstd", "gzip"):
        packed = http.get(
            f"/api/file/{i}/frame/0/raw?level=2&shuffle=bytes",
            headers={"Accept-Encoding": coding},
        )
        assert packed.headers["x-frame-rows"] == "76"
        assert packed.headers["x-frame-level"] == "2"


def test_a_full_frame_in_the_cache_serves_levels_without_decoding(http, catalog_of) -> None:
    catalog = catalog_of(http)
    i = index_of(catalog, "j2k.dcm")
    http.get(f"/api/file/{i}/frame/1/raw", headers=IDENTITY)
    r = http.get(f"/api/file/{i}/frame/1/raw?level=3", headers=IDENTITY)
    assert r.headers["x-cache"] == "HIT"  # no decode: averaged from the cached frame
    png = http.get(f"/api/file/{i}/frame/1?level=2")
    assert (png.headers["x-cache"], png.headers["x-cache-frame"]) == ("MISS", "HIT")


@pytest.mark.parametrize("route", ["raw", "png"])
def test_then_full_decodes_the_full_frame_after_a_level(http, catalog_of, route: str) -> None:
    catalog = catalog_of(http)
    i = index_of(catalog, "j2k.dcm")
    frame = catalog[i].frame(1)
    path = f"/api/file/{i}/frame/1" + ("/raw" if route == "raw" else "")
    assert http.get(f"{path}?level=2", headers=IDENTITY).status_code == 200
    assert not frame.is_cached()  # without the hint, a level decodes only the level
    r = http.get(f"{path}?level=1&then=full", headers=IDENTITY)
    assert r.headers["x-frame-level"] == "1"
    # The test client runs the response's background task before it returns.
    assert frame.is_cached()
    full = http.get(f"/api/file/{i}/frame/1/raw", headers=IDENTITY)
    assert full.headers["x-cache"] == "HIT"
    np.testing.assert_array_equal(_samples(full), frame.array())


def test_then_full_is_full_or_400(http, catalog_of) -> None:
    i = index_of(catalog_of(http), "j2k.dcm")
    r = http.get(f"/api/file/{i}/frame/0/raw?level=1&then=later")
    assert r.status_code == 400
    assert r.json()["code"] == "invalid_query"
    assert "then must be 'full'" in r.json()["error"]
    # At level 0 there is nothing to guess: the answer is the frame.
    assert http.get(f"/api/file/{i}/frame/0?then=full").status_code == 200


def test_preview_renders_the_same_png_without_keeping_it(http, catalog_of) -> None:
    i = index_of(catalog_of(http), "native.dcm")
    preview = http.get(f"/api/file/{i}/frame/0?preview=true&wc=100&ww=500")
    assert preview.headers["x-cache"] == "MISS"
    plain = http.get(f"/api/file/{i}/frame/0?wc=100&ww=500")
    assert plain.headers["x-cache"] == "MISS"  # the preview was not kept
    assert plain.content == preview.content
    again = http.get(f"/api/file/{i}/frame/0?preview=1&wc=100&ww=500")
    assert again.headers["x-cache"] == "HIT"  # a kept PNG answers a preview
    assert http.get(f"/api/file/{i}/frame/0?preview=false&wc=100&ww=500").headers["x-cache"] == (
        "HIT"
    )
    assert http.get(f"/api/file/{i}/frame/0?preview=0&level=1").status_code == 200


@pytest.mark.parametrize("value", ["yes", "", "TRUE", "2"])
def test_preview_is_true_or_false(http, catalog_of, value: str) -> None:
    i = index_of(catalog_of(http), "native.dcm")
    r = http.get(f"/api/file/{i}/frame/0?preview={value}")
    assert r.status_code == 400
    assert r.json()["code"] == "invalid_query"


def test_pixel_readout_reads_full_resolution(http, catalog_of) -> None:
    catalog = catalog_of(http)
    i = index_of(catalog, "j2k.dcm")
    http.get(f"/api/file/{i}/frame/0/raw?level=2", headers=IDENTITY)  # only a level cached
    full = catalog[i].frame(0).array()
    for row, column in ((300, 258), (17, 5), (150, 200)):
        body = http.get(f"/api/file/{i}/frame/0/pixel?row={row}&column={column}&level=2").json()
        assert body["stored"] == int(full[row, column])


def test_cine_rate_in_info_and_files(http, catalog_of) -> None:
    catalog = catalog_of(http)
    cine = index_of(catalog, "cine.dcm")
    assert http.get(f"/api/file/{cine}/info").json()["cine_rate"] == 25.0
    still = index_of(catalog, "native.dcm")
    assert http.get(f"/api/file/{still}/info").json()["cine_rate"] is None
    # /api/files reads the scan's header, /info the file's: they agree for every file.
    files = http.get("/api/files").json()["files"]
    for i, f in enumerate(files):
        assert f["cine_rate"] == http.get(f"/api/file/{i}/info").json()["cine_rate"], f
    assert files[cine]["cine_rate"] == 25.0


def test_the_demo_cine_rate(make_client, catalog_of) -> None:
    http = make_client()
    i = index_of(catalog_of(http), "CINE_RGB.dcm")
    assert http.get(f"/api/file/{i}/info").json()["cine_rate"] == 12.0
    assert http.get("/api/files").json()["files"][i]["cine_rate"] == 12.0


def test_openapi_documents_the_level_parameters(http) -> None:
    doc = http.get("/api/openapi.json").json()
    png = {p["name"] for p in doc["paths"]["/api/file/{index}/frame/{frame}"]["get"]["parameters"]}
    raw = {
        p["name"] for p in doc["paths"]["/api/file/{index}/frame/{frame}/raw"]["get"]["parameters"]
    }
    assert {"level", "max_size", "preview"} <= png
    assert {"level", "max_size", "then"} <= raw
    assert "then" in png
    assert "cine_rate" in doc["components"]["schemas"]["InfoBody"]["properties"]
    assert "cine_rate" in doc["components"]["schemas"]["FileSummary"]["properties"]
