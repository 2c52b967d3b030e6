"""An image's own Display Shutter over HTTP: ``presentation_layer`` and the layer's pixels.

The corpus CR with a rectangular and circular shutter (tests/corpus/overlays.py), a
presentation state with shutters and no pixel data, and an image whose shutter names a
circle without its radius: /api/files says ``presentation_layer`` for images with
pixels only, ``/presentation-layer`` is the SDK's layer, and a broken shutter answers
422 naming the file (the image itself still renders).
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
from pydicom import dcmread
from pydicom.data import get_testdata_file

from dcmview.sdk.catalog import Catalog, scan
from dcmview.sdk.image_layers import presentation_layer
from tests.corpus.overlays import SHUTTER

pytestmark = pytest.mark.corpus

GSPS_DISPLAY = "derived/ct/GSPS_CT_display.dcm"  # shutters, no pixel data
BROKEN = "circle_without_radius.dcm"


@pytest.fixture(scope="module")
def shutter_catalog(corpus_ci: Path, tmp_path_factory: pytest.TempPathFactory) -> Catalog:
    root = tmp_path_factory.mktemp("display-shutter")
    for rel in (SHUTTER, GSPS_DISPLAY):
        shutil.copy(corpus_ci / rel, root / Path(rel).name)
    ds = dcmread(get_testdata_file("CT_small.dcm"))
    ds.SOPInstanceUID += ".7"
    ds.ShutterShape = ["RECTANGULAR", "CIRCULAR"]
    ds.ShutterLeftVerticalEdge, ds.ShutterRightVerticalEdge = 10, 100
    ds.ShutterUpperHorizontalEdge, ds.ShutterLowerHorizontalEdge = 20, 90
    ds.CenterOfCircularShutter = [60, 50]  # and no radius
    ds.save_as(root / BROKEN, enforce_file_format=True)
    return scan(root)


@pytest.fixture
def client(make_client: Callable[..., Any], shutter_catalog: Catalog) -> Any:
    return make_client(catalog=shutter_catalog)


def _files(client: Any) -> dict[str, dict[str, Any]]:
    return {Path(f["path"]).name: f for f in client.get("/api/files").json()["files"]}


def test_files_say_presentation_layer_for_images_with_a_shutter(client: Any) -> None:
    got = {name: f["presentation_layer"] for name, f in _files(client).items()}
    # The GSPS has shutters but nothing to draw them on (the predecessor says true).
    assert got == {Path(SHUTTER).name: True, Path(GSPS_DISPLAY).name: False, BROKEN: True}
    # Beyond the predecessor: what the layer holds, for the viewer to name it.
    content = {name: f["presentation_layer_content"] for name, f in _files(client).items()}
    assert content == {
        Path(SHUTTER).name: ["display_shutter"],
        Path(GSPS_DISPLAY).name: [],
        BROKEN: ["display_shutter"],
    }


def test_the_layer_is_the_sdk_layer(client: Any, shutter_catalog: Catalog) -> None:
    f = _files(client)[Path(SHUTTER).name]
    r = client.get(f"/api/file/{f['index']}/frame/0/presentation-layer")
    assert (r.status_code, r.headers["content-type"]) == (200, "image/png")
    rgba = np.asarray(Image.open(io.BytesIO(r.content)).convert("RGBA"))
    np.testing.assert_array_equal(rgba, presentation_layer(shutter_catalog, f["index"], 0))
    assert (rgba[..., 3] == 255).any()
    assert (rgba[..., 3] == 0).any()


def test_a_broken_shutter_is_a_422_naming_the_file(client: Any) -> None:
    f = _files(client)[BROKEN]
    r = client.get(f"/api/file/{f['index']}/frame/0/presentation-layer")
    assert r.status_code == 422
    body = r.json()
    assert body["code"] == "derived_object_invalid"
    assert BROKEN in body["error"]
    assert "RadiusOfCircularShutter" in body["error"]
    # The image itself is not affected.
    assert client.get(f"/api/file/{f['index']}/frame/0").status_code == 200
