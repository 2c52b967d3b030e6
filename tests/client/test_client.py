"""Client and AsyncClient against the ASGI app (no socket): every method, every error."""

from __future__ import annotations

import asyncio
import io
import json
import zlib

import httpx
import imagecodecs
import numpy as np
import pandas as pd
import pytest
from PIL import Image

import dcmview.client
from dcmview.client import AsyncClient, Client
from dcmview.sdk.errors import (
    DcmviewError,
    FrameIndexError,
    InvalidInputError,
    NotFoundError,
    RoiFormatError,
    ScanTimeoutError,
    WindowError,
)
from dcmview.sdk.instance import open as sdk_open
from dcmview.sdk.roi import Roi, RoiSet
from dcmview.server.errors import status_for
from dcmview.wire import byte_planes
from tests.client.helpers import FILES, TOKEN, URL

# (name, frame) of every frame of the files built for pixels
FRAMES = [
    pytest.param(name, f, id=f"{name}-f{f}")
    for name, frames in [(n, {"rle_3f.dcm": 3, "rgb_2f.dcm": 2}.get(n, 1)) for n in FILES]
    for f in range(frames)
]


def _path(app, index: int) -> str:
    return app.state.dcmview.catalog.headers[index].path


# ---------------------------------------------------------------- construction


def test_url_with_token_fragment() -> None:
    c = Client("http://127.0.0.1:8765/#token=abc")
    assert (c.base_url, c._token) == ("http://127.0.0.1:8765", "abc")
    c.close()
    assert c._http.is_closed


def test_explicit_token_wins_over_fragment_and_env(monkeypatch) -> None:
    monkeypatch.setenv("DCMVIEW_TOKEN", "from-env")
    with Client("http://localhost:9/#token=frag", token="given") as c:
        assert c._token == "given"
    with Client("http://localhost:9/#token=frag") as c:
        assert c._token == "frag"
    with Client("http://localhost:9") as c:
        assert c._token == "from-env"


def test_path_prefix_kept_and_token_never_in_repr() -> None:
    with Client("https://proxy.example/dcmview/?x=1#token=secret") as c:
        assert c.base_url == "https://proxy.example/dcmview"
        assert "secret" not in repr(c)


@pytest.mark.parametrize("url", ["127.0.0.1:8765", "ftp://host/", "http://"])
def test_bad_url(url: str) -> None:
    with pytest.raises(InvalidInputError, match="not a viewer URL"):
        Client(url)


def test_injected_client_is_not_closed(http) -> None:
    with Client(URL, http=http) as c:
        c.health()
    assert not http.is_closed
    # Still usable; it has no token of its own.
    assert http.get("http://127.0.0.1/api/health").status_code == 401


def test_wrong_http_type() -> None:
    with pytest.raises(TypeError, match="httpx.Client"):
        Client(URL, http=httpx.AsyncClient())  # type: ignore[arg-type]


# ---------------------------------------------------------------------- routes


def test_health_files_series(client: Client, app) -> None:
    health = client.health()
    n = len(app.state.dcmview.catalog)
    assert (health["status"], health["file_count"], health["scan_complete"]) == ("ok", n, True)
    files = client.files()
    assert [f["index"] for f in files["files"]] == list(range(n))
    assert files["scan_complete"] is True
    assert files["skipped"] == len(files["discovery"])
    series = client.patients()
    indexes = sorted(
        ref["index"]
        for p in series["patients"]
        for st in p["studies"]
        for se in st["series"]
        for ref in se["instances"]
    )
    assert indexes == list(range(n))


def test_files_frame(client: Client, index_of) -> None:
    table = client.files_frame()
    ct = table.loc[index_of("ct_signed.dcm")]
    assert (ct["rows"], ct["columns"], ct["modality"]) == (32, 24, "CT")
    assert (ct["window_center"], ct["window_width"]) == (40.0, 400.0)
    assert np.isnan(table.loc[index_of("gray_u8.dcm"), "window_center"])
    # The predecessor's kind and support fields are columns too.
    assert ct["object_kind"] == "classic_image"
    assert table.loc[index_of("sr_no_pixels.dcm"), "support_state"] == "metadata_only"
    assert table.loc[index_of("mpeg2.dcm"), "support_reason"] == "transfer_syntax.not_supported"


def test_info(client: Client, index_of) -> None:
    info = client.info(index_of("rle_3f.dcm"))
    assert (info["frame_count"], info["rows"], info["columns"]) == (3, 20, 30)
    assert info["transfer_syntax_uid"] == "1.2.840.10008.1.2.5"
    assert (info["object_kind"], info["support_state"], info["support_reason"]) == (
        "classic_image",
        "renderable",
        None,
    )
    sr = client.info(index_of("sr_no_pixels.dcm"))
    assert (sr["object_kind"], sr["support_state"]) == ("structured_report", "metadata_only")


@pytest.mark.parametrize(("name", "frame"), FRAMES)
@pytest.mark.parametrize("compress", [True, False], ids=["compressed", "identity"])
def test_frame_array_equals_sdk(app, http, index_of, name: str, frame: int, compress) -> None:
    index = index_of(name)
    with Client(URL, http=http, compress=compress) as c:
        got = c.frame_array(index, frame)
    want = sdk_open(_path(app, index)).frame(frame).array()
    assert got.dtype == want.dtype
    assert got.shape == want.shape
    np.testing.assert_array_equal(got, want)
    assert got.flags.writeable
    assert got.flags.c_contiguous


def test_frame_array_over_gzip(client: Client, app, index_of, monkeypatch) -> None:
    # A server (or proxy) that offers gzip only: decoded with zlib, planes undone.
    monkeypatch.setattr(dcmview.client, "ACCEPT_ENCODING", "gzip")
    index = index_of("ct_signed.dcm")
    want = sdk_open(_path(app, index)).frame(0).array()
    np.testing.assert_array_equal(client.frame_array(index, 0), want)


@pytest.mark.parametrize(
    ("window", "sdk_window"),
    [
        (None, None),
        ((100.0, 500.0), (100.0, 500.0)),
        ("full", "full"),
        ({"center": 0, "width": 80}, (0, 80)),
        ("Lung", "lung"),
        ("DEFAULT", None),
    ],
    ids=["dicom", "tuple", "full", "mapping", "preset", "keyword-case"],
)
def test_frame_png_and_image(client: Client, app, index_of, window, sdk_window) -> None:
    index = index_of("ct_signed.dcm")
    png = client.frame_png(index, 0, window=window)
    want = sdk_open(_path(app, index)).frame(0).render(sdk_window)
    np.testing.assert_array_equal(np.asarray(Image.open(io.BytesIO(png))), want)
    image = client.frame_image(index, 0, window=window)
    assert image.mode == "L"
    np.testing.assert_array_equal(np.asarray(image), want)


def test_frame_png_accepts_an_sdk_window(client: Client, app, index_of) -> None:
    from dcmview.sdk.window import Window

    index = index_of("ct_signed.dcm")
    window = Window(40.0, 400.0)
    png = client.frame_png(index, 0, window=window)
    want = sdk_open(_path(app, index)).frame(0).render(window)
    np.testing.assert_array_equal(np.asarray(Image.open(io.BytesIO(png))), want)


@pytest.mark.parametrize("function", ["SIGMOID", "LINEAR_EXACT"])
def test_frame_png_keeps_an_sdk_windows_function(
    client: Client, app, index_of, function: str
) -> None:
    # The PNG over HTTP is the SDK's render of the same Window, function included.
    from dcmview.sdk.window import Window

    index = index_of("ct_signed.dcm")
    window = Window(30.0, 200.0, function)  # type: ignore[arg-type]
    png = client.frame_png(index, 0, window=window)
    want = sdk_open(_path(app, index)).frame(0).render(window)
    np.testing.assert_array_equal(np.asarray(Image.open(io.BytesIO(png))), want)
    linear = sdk_open(_path(app, index)).frame(0).render((30.0, 200.0))
    assert not np.array_equal(want, linear)


def test_frame_png_takes_only_what_the_sdk_takes(client: Client, index_of) -> None:
    # Window.coerce reads the window: no duck typing of other objects' center/width.
    class Lookalike:
        center, width = 40.0, 400.0

    index = index_of("ct_signed.dcm")
    for window in (5, Lookalike()):
        with pytest.raises(TypeError, match="window must be a Window"):
            client.frame_png(index, 0, window=window)  # type: ignore[arg-type]


def test_frame_png_refuses_a_voi_lut_table_window(client: Client, index_of) -> None:
    from dcmview.sdk.window import VoiLut, Window

    table = Window(0.0, 256.0, lut=VoiLut(first_mapped=0, bits=8, data=tuple(range(256))))
    with pytest.raises(WindowError, match="VOI LUT table"):
        client.frame_png(index_of("ct_signed.dcm"), 0, window=table)


def test_frame_image_colour(client: Client, index_of) -> None:
    image = client.frame_image(index_of("rgb_2f.dcm"), 1)
    assert (image.mode, image.size) == ("RGB", (20, 16))


def test_pixel(client: Client, app, index_of) -> None:
    index = index_of("ct_signed.dcm")
    body = client.pixel(index, 0, 5, 7)
    stored = sdk_open(_path(app, index)).frame(0).array()[5, 7]
    assert (body["row"], body["column"], body["stored"]) == (5, 7, int(stored))
    assert body["modality"] == pytest.approx(float(stored) - 1024)  # slope 1, intercept -1024
    assert body["unit"] == "HU"
    assert client.pixel(index_of("rgb_2f.dcm"), 1, 0, 0)["modality"] is None


def test_tags(client: Client, index_of) -> None:
    tags = client.tags(index_of("ct_signed.dcm"))
    by_keyword = {t["keyword"]: t for t in tags}
    assert by_keyword["Modality"]["value"] == {"type": "string", "value": "CT"}
    assert by_keyword["Rows"]["tag"] == "(0028,0010)"
    assert by_keyword["Rows"]["value"] == {"type": "number", "value": 32}


def test_roi_round_trip(client: Client, app, index_of) -> None:
    index = index_of("rle_3f.dcm")
    assert client.annotations(index) == ()
    rois = [Roi(1, 2, 10, 20), Roi(0, 0, 19, 29, frames=(2, 0))]
    stored = client.put_annotations(index, rois)
    assert stored == (Roi(1, 2, 10, 20), Roi(0, 0, 19, 29, frames=(0, 2)))
    assert client.annotations(index) == stored
    # ... and the server's own RoiSet holds exactly that.
    assert app.state.dcmview.rois.for_instance(_path(app, index)) == stored
    csv = client.export_csv()
    assert csv.splitlines()[0] == "anon_dicom_path,num_ROI,ROI_coords,ROI_frames"
    table = client.export_annotations()
    row = table.set_index("anon_dicom_path").loc[_path(app, index)]
    assert row["num_ROI"] == 2
    assert json.loads(row["ROI_coords"]) == [[1, 2, 10, 20], [0, 0, 19, 29]]
    # Back through the SDK's reader: the same ROIs.
    again = RoiSet.from_embed_csv(io.StringIO(csv))
    assert again.for_instance(_path(app, index)) == stored
    assert client.put_annotations(index, []) == ()
    assert client.annotations(index) == ()


def test_put_json_payload_and_roiset(client: Client, app, index_of) -> None:
    index = index_of("gray_u16.dcm")
    stored = client.put_annotations(index, {"roi_coords": [[30, 40, 3, 4]], "roi_frames": [[]]})
    assert stored == (Roi(3, 4, 30, 40),)  # corners ordered, as the viewer sends them
    roiset = RoiSet({_path(app, index): [Roi(5, 5, 6, 6)]})
    assert client.put_annotations(index, roiset) == (Roi(5, 5, 6, 6),)


def test_push_annotations_from_dataframe(client: Client, app, index_of) -> None:
    a, b = index_of("gray_u16.dcm"), index_of("ct_signed.dcm")
    table = pd.DataFrame(
        {
            "anon_dicom_path": [_path(app, a), _path(app, b), "/elsewhere/not_served.dcm"],
            "ROI_coords": ["[[1,1,5,5]]", "[[2,2,8,9],[0,0,1,1]]", "[[0,0,1,1]]"],
        }
    )
    pushed = client.push_annotations(table)
    assert pushed == {a: (Roi(1, 1, 5, 5),), b: (Roi(2, 2, 8, 9), Roi(0, 0, 1, 1))}
    assert client.annotations(b) == pushed[b]


def test_bad_rois_type(client: Client, index_of) -> None:
    with pytest.raises(TypeError, match="not a dcmview Roi"):
        client.put_annotations(index_of("gray_u8.dcm"), [(1, 2, 3, 4)])  # type: ignore[list-item]


def test_wait_until_scanned(client: Client) -> None:
    assert client.wait_until_scanned(timeout=5)["scan_complete"] is True


# ---------------------------------------------------------------------- errors


def _sdk_error(path: str, frame: int) -> type[Exception]:
    try:
        sdk_open(path).frame(frame).array()
    except DcmviewError as exc:
        return type(exc)
    raise AssertionError(f"the SDK decodes frame {frame} of {path}")


@pytest.mark.parametrize(
    ("name", "frame"),
    [
        ("rle_3f.dcm", 3),
        ("ct_signed.dcm", 99),
        ("sr_no_pixels.dcm", 0),
        ("truncated.dcm", 0),
        ("mpeg2.dcm", 0),
        ("bits12.dcm", 0),
    ],
)
def test_frame_errors_raise_the_sdk_class(client: Client, app, index_of, name, frame) -> None:
    index = index_of(name)
    cls = _sdk_error(_path(app, index), frame)
    for call in (client.frame_array, client.frame_png):
        with pytest.raises(cls) as info:
            call(index, frame)
        assert type(info.value) is cls
        assert info.value.status == status_for(info.value)


def test_negative_frame_is_a_frame_index_error(client: Client, index_of) -> None:
    # As sdk.open(p).frame(-1); never sent (the server would call it a bad path).
    with pytest.raises(FrameIndexError, match="0-based"):
        client.frame_array(index_of("gray_u8.dcm"), -1)
    with pytest.raises(NotFoundError):
        client.info(-1)
    with pytest.raises(TypeError):
        client.info(True)


@pytest.mark.parametrize(
    ("call", "cls", "status"),
    [
        (lambda c, i: c.info(10_000), NotFoundError, 404),
        (lambda c, i: c.frame_png(i, 0, window=(40, 0)), WindowError, None),
        (lambda c, i: c.frame_png(i, 0, window="no-such-preset"), WindowError, None),
        (lambda c, i: c.frame_png(i, 0, window=(1, 2, 3)), WindowError, None),
        (lambda c, i: c.pixel(i, 0, 500, 0), InvalidInputError, 400),
        (lambda c, i: c.put_annotations(i, [Roi(0, 0, 32, 5)]), RoiFormatError, 400),
        (lambda c, i: c.put_annotations(i, {"roi_coords": "x"}), RoiFormatError, 400),
    ],
    ids=["not_found", "invalid_window", "preset", "three_numbers", "invalid_query", "box", "json"],
)
def test_error_classes(client: Client, index_of, call, cls, status) -> None:
    with pytest.raises(cls) as info:
        call(client, index_of("ct_signed.dcm"))
    assert type(info.value) is cls
    assert info.value.status == status  # None: refused before sending


def test_missing_token_says_how_to_pass_it(http) -> None:
    with Client("http://127.0.0.1:8765/", http=http) as c, pytest.raises(DcmviewError) as info:
        c.health()
    exc = info.value
    assert (type(exc), exc.code, exc.status) == (DcmviewError, "unauthorized", 401)
    assert "no token was given" in str(exc)
    assert "DCMVIEW_TOKEN" in str(exc)
    assert "#token=" in str(exc)


def test_wrong_token_and_foreign_host(http) -> None:
    c = Client("http://localhost:1/", token="wrong", http=http)
    with pytest.raises(DcmviewError, match="token given was refused") as info:
        c.files()
    assert info.value.status == 401
    c = Client(f"http://attacker.example/#token={TOKEN}", http=http)
    with pytest.raises(DcmviewError, match="--allow-host") as info:
        c.health()
    assert (info.value.code, info.value.status) == ("forbidden_host", 403)


def _all_error_classes() -> list[type[DcmviewError]]:
    found: list[type[DcmviewError]] = [DcmviewError]
    for cls in found:
        found.extend(c for c in cls.__subclasses__() if c not in found)
    return found


def _mock(status: int, body: bytes, headers: dict[str, str] | None = None) -> httpx.Client:
    def handler(request: httpx.Request) -> httpx.Response:
        # A stream, as a network transport gives it: the client reads the raw bytes.
        return httpx.Response(status, stream=httpx.ByteStream(body), headers=headers or {})

    return httpx.Client(transport=httpx.MockTransport(handler))


@pytest.mark.parametrize("cls", _all_error_classes(), ids=lambda c: c.code)
def test_every_code_maps_to_its_class(cls: type[DcmviewError]) -> None:
    body = json.dumps({"code": cls.code, "error": "the server's message"}).encode()
    with Client(URL, http=_mock(418, body)) as c, pytest.raises(DcmviewError) as info:
        c.info(0)
    assert type(info.value) is cls
    assert (str(info.value), info.value.status) == ("the server's message", 418)


def test_unknown_code_and_foreign_error_page() -> None:
    body = json.dumps({"code": "method_not_allowed", "error": "method not allowed"}).encode()
    with Client(URL, http=_mock(405, body)) as c, pytest.raises(DcmviewError) as info:
        c.health()
    assert (type(info.value), info.value.code, info.value.status) == (
        DcmviewError,
        "method_not_allowed",
        405,
    )
    c = Client(URL, http=_mock(502, b"<html>Bad Gateway</html>"))
    with pytest.raises(DcmviewError, match="HTTP 502 from GET /api/health: <html>Bad"):
        c.health()


def test_transport_errors_stay_httpx() -> None:
    with Client("http://127.0.0.1:1/", timeout=2) as c, pytest.raises(httpx.ConnectError):
        c.health()


# ---------------------------------------------------------- raw frame decoding


def _raw_answer(arr: np.ndarray, coding: str | None, shuffle: bool) -> httpx.Client:
    body = byte_planes(arr) if shuffle else arr.astype(arr.dtype.newbyteorder("<")).tobytes()
    headers = {
        "X-Frame-Rows": str(arr.shape[0]),
        "X-Frame-Columns": str(arr.shape[1]),
        "X-Frame-Samples-Per-Pixel": str(arr.shape[2] if arr.ndim == 3 else 1),
        "X-Frame-Bits-Allocated": str(arr.dtype.itemsize * 8),
        "X-Frame-Pixel-Representation": "1" if arr.dtype.kind == "i" else "0",
        "X-Frame-Sample-Format": {"i": "int", "u": "uint", "f": "float"}[arr.dtype.kind],
    }
    if shuffle:
        headers["X-Frame-Shuffle"] = "bytes"
    if coding == "zstd":
        body = bytes(imagecodecs.zstd_encode(body))
    elif coding == "gzip":
        encoder = zlib.compressobj(6, zlib.DEFLATED, 31)
        body = encoder.compress(body) + encoder.flush()
    if coding:
        headers["Content-Encoding"] = coding
    return _mock(200, body, headers)


@pytest.mark.parametrize("dtype", ["<u2", "<i2", "<i4", "<f4", "<f8", "u1"])
@pytest.mark.parametrize("coding", [None, "zstd", "gzip"])
@pytest.mark.parametrize("shuffle", [False, True], ids=["plain", "shuffled"])
def test_raw_layouts(dtype: str, coding, shuffle: bool) -> None:
    rng = np.random.default_rng(7)
    arr = (rng.normal(0, 3000, (5, 7, 3) if dtype == "u1" else (5, 7))).astype(dtype)
    with Client(URL, http=_raw_answer(arr, coding, shuffle)) as c:
        got = c.frame_array(0, 0)
    assert got.dtype == arr.dtype
    assert got.shape == arr.shape
    np.testing.assert_array_equal(got, arr)


def test_predecessor_raw_headers_without_sample_format() -> None:
    arr = np.array([[-5, 7], [300, -32768]], dtype="<i2")
    handler_client = _mock(
        200,
        arr.tobytes(),
        {
            "X-Frame-Rows": "2",
            "X-Frame-Columns": "2",
            "X-Frame-Samples-Per-Pixel": "1",
            "X-Frame-Bits-Allocated": "16",
            "X-Frame-Pixel-Representation": "1",
        },
    )
    with Client(URL, http=handler_client) as c:
        np.testing.assert_array_equal(c.frame_array(0, 0), arr)


@pytest.mark.parametrize(
    ("body", "headers", "match"),
    [
        (bytes(7), {}, "has 7 bytes, not the 8"),
        (b"\x28\xb5\x2f\xfd garbage", {"Content-Encoding": "zstd"}, "zstd frame body"),
        (bytes(8), {"Content-Encoding": "br"}, "Content-Encoding 'br'"),
        (bytes(8), {"X-Frame-Rows": None}, "lacks X-Frame-Rows"),
    ],
    ids=["short", "corrupt-zstd", "unknown-coding", "not-dcmview"],
)
def test_raw_answer_problems(body: bytes, headers: dict, match: str) -> None:
    base = {
        "X-Frame-Rows": "2",
        "X-Frame-Columns": "2",
        "X-Frame-Samples-Per-Pixel": "1",
        "X-Frame-Bits-Allocated": "16",
        "X-Frame-Sample-Format": "uint",
    }
    merged = {k: v for k, v in {**base, **headers}.items() if v is not None}
    c = Client(URL, http=_mock(200, body, merged))
    with pytest.raises(DcmviewError, match=match):
        c.frame_array(0, 0)


# ------------------------------------------------------------------ wait loop


def _scanning(answers: list[bool]) -> httpx.Client:
    def handler(request: httpx.Request) -> httpx.Response:
        done = answers.pop(0) if len(answers) > 1 else answers[0]
        body = json.dumps({"status": "ok", "file_count": 3, "scan_complete": done}).encode()
        return httpx.Response(200, stream=httpx.ByteStream(body))

    return httpx.Client(transport=httpx.MockTransport(handler))


def test_wait_until_scanned_polls() -> None:
    answers = [False, False, True]
    with Client(URL, http=_scanning(answers)) as c:
        assert c.wait_until_scanned(timeout=5, interval=0.01)["scan_complete"] is True
    assert answers == [True]


def test_wait_until_scanned_asks_files_when_health_does_not_say() -> None:
    # The predecessor's /api/health has no scan_complete; its /api/files has.
    seen = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.url.path)
        if request.url.path == "/api/health":
            body = {"status": "ok", "file_count": 1}
        else:
            body = {"files": [], "scan_complete": seen.count("/api/files") > 1}
        return httpx.Response(200, stream=httpx.ByteStream(json.dumps(body).encode()))

    with Client(URL, http=httpx.Client(transport=httpx.MockTransport(handler))) as c:
        assert c.wait_until_scanned(timeout=5, interval=0.01)["file_count"] == 1
    assert seen == ["/api/health", "/api/files"] * 2


def test_wait_until_scanned_times_out() -> None:
    with Client(URL, http=_scanning([False])) as c:
        with pytest.raises(TimeoutError, match="still scanning after 0.05 s") as info:
            c.wait_until_scanned(timeout=0.05, interval=0.01)
        # One error tree: `except DcmviewError` catches it as well.
        assert isinstance(info.value, ScanTimeoutError)
        assert isinstance(info.value, DcmviewError)
        assert info.value.code == "scan_timeout"
        with pytest.raises(InvalidInputError, match="interval"):
            c.wait_until_scanned(interval=0)


# ------------------------------------------------------------------ async twin


def test_async_client_mirrors_sync(app, index_of) -> None:
    index = index_of("rle_3f.dcm")
    want = sdk_open(_path(app, index)).frame(2).array()

    async def main() -> None:
        transport = httpx.ASGITransport(app=app)
        async with (
            httpx.AsyncClient(transport=transport) as http,
            AsyncClient(URL, http=http) as c,
        ):
            assert (await c.health())["file_count"] == len(app.state.dcmview.catalog)
            assert len((await c.files())["files"]) == len(await c.files_frame())
            assert (await c.series())["scan_complete"] is True
            assert (await c.info(index))["frame_count"] == 3
            np.testing.assert_array_equal(await c.frame_array(index, 2), want)
            assert (await c.frame_png(index, 0)).startswith(b"\x89PNG")
            assert (await c.frame_image(index, 1)).size == (30, 20)
            assert "stored" in await c.pixel(index, 0, 1, 1)
            assert any(t["keyword"] == "Rows" for t in await c.tags(index))
            rois = (Roi(1, 1, 2, 2, frames=(1,)),)
            assert await c.put_annotations(index, rois) == rois
            assert await c.annotations(index) == rois
            roiset = RoiSet({_path(app, index): [Roi(0, 0, 3, 3)]})
            assert await c.put_annotations(index, roiset) == (Roi(0, 0, 3, 3),)
            table = pd.DataFrame({"anon_dicom_path": [_path(app, index)], "ROI_coords": ["()"]})
            assert await c.push_annotations(table) == {}  # no boxes: nothing to send
            assert "ROI_coords" in await c.export_csv()
            assert len(await c.export_annotations()) == 1
            assert (await c.wait_until_scanned(timeout=5))["scan_complete"] is True
            with pytest.raises(FrameIndexError):
                await c.frame_array(index, 3)

    asyncio.run(main())


def test_async_client_owns_and_closes_its_http() -> None:
    async def main() -> bool:
        async with AsyncClient("http://127.0.0.1:1/#token=x") as c:
            inner = c._http
        return inner.is_closed

    assert asyncio.run(main())
    with pytest.raises(TypeError, match="httpx.AsyncClient"):
        AsyncClient(URL, http=httpx.Client())  # type: ignore[arg-type]
