"""Overlay Planes (60xx) over HTTP: ``presentation_layer`` in /api/files, and the layer's pixels.

On the corpus images with overlays (tests/corpus/overlays.py), pydicom's
``examples_overlay.dcm`` and a plain image: /api/files says ``presentation_layer`` for
exactly the files with overlay planes, and ``/presentation-layer`` of every frame is
opaque white on exactly the SDK's masks (``OverlayPlane.mask``) of the overlays that
apply to it, transparent elsewhere.
"""

from __future__ import annotations

import io
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image
from pydicom.data import get_testdata_file

from dcmview.sdk.catalog import Catalog, scan
from dcmview.sdk.overlay import read_overlays
from tests.corpus.overlays import MULTIFRAME, MULTIFRAME_FRAMES, SINGLE

pytestmark = pytest.mark.corpus

EXAMPLE = "examples_overlay.dcm"
PLAIN = "CT_small.dcm"


@pytest.fixture(scope="module")
def overlay_catalog(corpus_ci: Path, tmp_path_factory: pytest.TempPathFactory) -> Catalog:
    root = tmp_path_factory.mktemp("overlay-planes")
    for name in (EXAMPLE, PLAIN):
        shutil.copy(get_testdata_file(name), root / name)
    for rel in (SINGLE, MULTIFRAME):
        shutil.copy(corpus_ci / rel, root / Path(rel).name)
    return scan(root)


@pytest.fixture
def client(make_client: Callable[..., Any], overlay_catalog: Catalog) -> Any:
    return make_client(catalog=overlay_catalog)


def _files(client: Any) -> dict[str, dict[str, Any]]:
    return {Path(f["path"]).name: f for f in client.get("/api/files").json()["files"]}


def test_files_say_presentation_layer_for_overlay_planes(client: Any) -> None:
    got = {name: f["presentation_layer"] for name, f in _files(client).items()}
    assert got == {
        EXAMPLE: True,
        PLAIN: False,
        Path(SINGLE).name: True,
        Path(MULTIFRAME).name: True,
    }


@pytest.mark.parametrize("name", [EXAMPLE, Path(SINGLE).name, Path(MULTIFRAME).name, PLAIN])
def test_presentation_layer_is_the_sdk_mask_on_every_frame(
    client: Any, overlay_catalog: Catalog, name: str
) -> None:
    f = _files(client)[name]
    image = overlay_catalog[f["index"]]
    shape = (image.rows, image.columns)
    planes = read_overlays(image)
    drawn_frames = 0
    for frame in range(f["frame_count"]):
        r = client.get(f"/api/file/{f['index']}/frame/{frame}/presentation-layer")
        assert (r.status_code, r.headers["content-type"]) == (200, "image/png")
        rgba = np.asarray(Image.open(io.BytesIO(r.content)).convert("RGBA"))
        assert rgba.shape == (*shape, 4)
        want = np.zeros(shape, bool)
        for plane in planes:
            want |= plane.mask(frame, shape=shape)
        np.testing.assert_array_equal(rgba[..., 3] > 0, want)
        assert (rgba[want] == 255).all()  # opaque white
        drawn_frames += bool(want.any())
    # Each overlay file has some set pixels; the multi-frame one on 2 of its frames only.
    expected = {PLAIN: 0, Path(MULTIFRAME).name: 2}.get(name, 1)
    assert drawn_frames == expected
    if name == Path(MULTIFRAME).name:
        assert f["frame_count"] == MULTIFRAME_FRAMES


def test_presentation_layer_of_a_frame_past_the_end_is_an_error(client: Any) -> None:
    f = _files(client)[Path(MULTIFRAME).name]
    r = client.get(f"/api/file/{f['index']}/frame/{MULTIFRAME_FRAMES}/presentation-layer")
    assert r.status_code == 404
    assert "frame" in r.text


def _layer_alpha(client: Any, index: int) -> np.ndarray:
    r = client.get(f"/api/file/{index}/frame/0/presentation-layer")
    assert r.status_code == 200, r.text
    return np.asarray(Image.open(io.BytesIO(r.content)).convert("RGBA"))[..., 3]


def test_presentation_layer_is_transparent_under_redaction_boxes_after_a_warm_up(
    client: Any,
) -> None:
    # An overlay plane can hold burned-in text: a redaction box hides it like the pixels,
    # also once the unredacted layer is cached, and a moved box shows it again.
    index = _files(client)[Path(SINGLE).name]["index"]
    before = _layer_alpha(client, index)  # warms the cache
    ys, xs = np.nonzero(before)
    box = [int(ys.min()), int(xs.min()), int(ys.min()) + 5, int(xs.min()) + 5]
    assert before[box[0] : box[2] + 1, box[1] : box[3] + 1].any()

    def put(boxes: list[list[int]]) -> None:
        body = {"num_roi": len(boxes), "roi_coords": boxes, "roi_frames": [[]] * len(boxes)}
        r = client.put(f"/api/file/{index}/redactions", json=body)
        assert r.status_code == 200, r.text

    put([box])
    after = _layer_alpha(client, index)
    assert not after[box[0] : box[2] + 1, box[1] : box[3] + 1].any()
    outside = np.ones(before.shape, bool)
    outside[box[0] : box[2] + 1, box[1] : box[3] + 1] = False
    np.testing.assert_array_equal(after[outside], before[outside])
    put([])
    np.testing.assert_array_equal(_layer_alpha(client, index), before)
