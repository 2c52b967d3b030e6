"""Client methods of the predecessor-shaped and export routes: series, tag, raw_pixel, cine."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image, ImageSequence

from dcmview.client import Client
from dcmview.sdk.errors import InvalidInputError


def test_series_and_patients(client: Client, app) -> None:
    n = len(app.state.dcmview.catalog)
    series = client.series()
    frames = {
        (f["file_index"], f["frame_index"])
        for s in series["series"]
        for st in s["stacks"]
        for f in st["frames"]
    }
    assert {i for i, _ in frames} == set(range(n))
    patients = client.patients()
    assert sorted(
        r["index"]
        for p in patients["patients"]
        for st in p["studies"]
        for se in st["series"]
        for r in se["instances"]
    ) == list(range(n))


def test_tag_and_raw_pixel(client: Client, app) -> None:
    catalog = app.state.dcmview.catalog
    i = app.state.dcmview.catalog.index_of(
        next(h.path for h in catalog.headers if h.path.endswith("gray_u16.dcm"))
    )
    assert client.tag(i, "(0028,0010)")["value"] == {
        "type": "number",
        "value": catalog.header(i).rows,
    }
    with pytest.raises(InvalidInputError, match="not found"):
        client.tag(i, "(0099,0099)")
    value = client.raw_pixel(i, 0, 1, 2)
    assert value.shape == (1, 1)
    assert value[0, 0] == catalog[i].frame(0).array()[1, 2]


def test_cine(client: Client, app, tmp_path) -> None:
    catalog = app.state.dcmview.catalog
    i = next(k for k, h in enumerate(catalog.headers) if h.has_pixels and h.number_of_frames > 1)
    body = client.cine(i, "gif", fps=5, window=(40, 400))
    catalog[i].export_cine(tmp_path / "x.gif", fps=5, window=(40, 400))
    assert body == (tmp_path / "x.gif").read_bytes()
    with Image.open(io.BytesIO(body)) as im:
        assert sum(1 for _ in ImageSequence.Iterator(im)) == catalog.header(i).number_of_frames
    with pytest.raises(InvalidInputError, match="format"):
        client.cine(i, "avi")
    assert np.frombuffer(body[:3], dtype=np.uint8).tobytes() == b"GIF"
