"""GET /api/file/:i/cine: the SDK's export_cine file, as a download."""

from __future__ import annotations

import io

import pytest
from PIL import Image, ImageSequence

from tests.server.helpers import index_of


def _multiframe(catalog) -> int:
    return next(i for i, h in enumerate(catalog.headers) if h.number_of_frames > 2 and h.has_pixels)


@pytest.mark.parametrize(
    ("fmt", "media"), [("webp", "image/webp"), ("gif", "image/gif"), ("png", "image/apng")]
)
def test_cine_is_the_sdk_file(http, catalog_of, tmp_path, fmt: str, media: str) -> None:
    catalog = catalog_of(http)
    i = _multiframe(catalog)
    r = http.get(f"/api/file/{i}/cine", params={"format": fmt, "fps": "5", "wc": "40", "ww": "400"})
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == media
    assert r.headers["content-disposition"] == f'attachment; filename="dcmview-{i}.{fmt}"'
    out = tmp_path / f"sdk.{fmt}"
    from dcmview.sdk.window import Window

    catalog[i].export_cine(out, window=Window(40, 400), fps=5)
    assert r.content == out.read_bytes()
    with Image.open(io.BytesIO(r.content)) as im:
        assert sum(1 for _ in ImageSequence.Iterator(im)) == catalog.header(i).number_of_frames


def test_cine_draws_the_files_rois_when_asked(http, catalog_of) -> None:
    catalog = catalog_of(http)
    i = _multiframe(catalog)
    put = http.put(
        f"/api/file/{i}/annotations",
        json={"num_roi": 1, "roi_coords": [[1, 1, 6, 6]], "roi_frames": [[]]},
    )
    assert put.status_code == 200, put.text
    try:
        plain = http.get(f"/api/file/{i}/cine", params={"format": "png"}).content
        boxed = http.get(f"/api/file/{i}/cine", params={"format": "png", "rois": "1"}).content
        assert plain != boxed
        with Image.open(io.BytesIO(boxed)) as im:
            first = im.convert("RGB")
            assert first.getpixel((1, 1)) == (62, 224, 122)
    finally:
        http.put(
            f"/api/file/{i}/annotations", json={"num_roi": 0, "roi_coords": [], "roi_frames": []}
        )


def test_cine_errors(http, catalog_of) -> None:
    catalog = catalog_of(http)
    i = index_of(catalog, "ct_padding.dcm")
    for params, words in [
        ({"format": "avi"}, "format 'avi'"),
        ({"fps": "x"}, "fps"),
        ({"fps": "0"}, "positive"),
        ({"wc": "40"}, "together"),
    ]:
        r = http.get(f"/api/file/{i}/cine", params=params)
        assert r.status_code == 400, (params, r.text)
        assert words in r.json()["error"], (params, r.json())
    assert http.get("/api/file/9999/cine").status_code == 404
