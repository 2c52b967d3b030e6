"""Client methods of the dose, map, GSPS, contour, layer and mapping routes; the async twins."""

from __future__ import annotations

import asyncio
import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pytest
from PIL import Image

from dcmview.client import AsyncClient, Client
from dcmview.sdk.cache import ByteCache
from dcmview.sdk.catalog import Catalog, scan
from dcmview.sdk.errors import (
    FrameIndexError,
    GeometryMismatchError,
    InvalidInputError,
    NoPixelDataError,
    WrongObjectKindError,
)
from dcmview.sdk.value_overlays import dose_on_frame, parametric_map_on_frame
from dcmview.server import create_app
from tests.client.helpers import TOKEN, URL

pytestmark = pytest.mark.corpus


@pytest.fixture(scope="module")
def app(corpus_ci: Path) -> Any:
    cache = ByteCache(64 * 1024 * 1024)
    mr = corpus_ci / "mr" / "CORPUS-MR0001" / "20240116_MR_BRAIN" / "series_003_T1_SE_AX"
    catalog = scan(corpus_ci / "ct", mr, corpus_ci / "mg", corpus_ci / "derived", cache=cache)
    catalog.wait()
    return create_app(catalog, token=TOKEN, cache=cache)


@pytest.fixture(scope="module")
def catalog(app: Any) -> Catalog:
    return app.state.dcmview.catalog  # type: ignore[no-any-return]


@pytest.fixture(scope="module")
def names(catalog: Catalog) -> dict[str, int]:
    return {Path(h.path).name: i for i, h in enumerate(catalog.headers)}


@pytest.fixture
def client(app: Any) -> Iterator[Client]:
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from starlette.testclient import TestClient
    with TestClient(app, raise_server_exceptions=False) as http, Client(URL, http=http) as c:
        yield c


def test_dose(client: Client, catalog: Catalog, names: dict[str, int]) -> None:
    ct, dose = names["IM00020.dcm"], names["RTDOSE_plan.dcm"]
    layer = dose_on_frame(catalog, ct, 0, dose)
    values = client.dose_values(ct, 0, dose)
    assert values.shape == layer.values.shape
    np.testing.assert_array_equal(values, layer.values)
    rgba = np.asarray(Image.open(io.BytesIO(client.dose_overlay(ct, 0, dose))))
    np.testing.assert_array_equal(rgba, layer.rgba)
    assert client.value_legend(ct, 0, dose=dose)["unit"] == "Gy"
    with pytest.raises(WrongObjectKindError):
        client.dose_overlay(ct, 0, names["PMAP_T1.dcm"])
    with pytest.raises(GeometryMismatchError):
        client.dose_values(names["IM0010.dcm"], 0, dose)
    with pytest.raises(InvalidInputError):
        client.value_legend(ct, 0)


def test_parametric_map(client: Client, catalog: Catalog, names: dict[str, int]) -> None:
    mr, pmap = names["IM0010.dcm"], names["PMAP_T1.dcm"]
    layer = parametric_map_on_frame(catalog, mr, 0, pmap)
    np.testing.assert_array_equal(client.parametric_map_values(mr, 0, pmap), layer.values)
    png = client.parametric_map_overlay(mr, 0, pmap)
    np.testing.assert_array_equal(np.asarray(Image.open(io.BytesIO(png))), layer.rgba)
    assert client.value_legend(mr, 0, pmap=pmap)["label"] == "T1"


def test_layers_and_descriptions(client: Client, names: dict[str, int]) -> None:
    mg, gsps = names["L_CC_explicit_le.dcm"], names["GSPS_L_CC_findings.dcm"]
    body = client.graphic_annotations(mg, 0, gsps)
    assert [t["text"] for t in body["texts"]] == ["mass", "calcifications"]
    with pytest.raises(FrameIndexError):
        client.graphic_annotations(mg, 1, gsps)
    ct = names["IM00020.dcm"]
    contours = client.rt_contours(ct, 0)
    assert contours["structure_sets"][0]["file_index"] == names["RTSTRUCT_organs.dcm"]
    rgba = np.asarray(Image.open(io.BytesIO(client.presentation_layer(mg, 0))))
    assert rgba.shape[2] == 4
    with pytest.raises(NoPixelDataError):
        client.presentation_layer(gsps, 0)
    assert client.value_mapping(ct, 0)["modality"]["rescale_intercept"] == -1024.0
    context = client.semantic_context(names["SEG_binary_organs.dcm"])["context"]
    assert context["kind"] == "segmentation"


def test_async_twins_answer_the_same(app: Any, client: Client, names: dict[str, int]) -> None:
    ct, dose, mg = names["IM00020.dcm"], names["RTDOSE_plan.dcm"], names["L_CC_explicit_le.dcm"]
    gsps = names["GSPS_L_CC_findings.dcm"]

    async def run() -> list[Any]:
        transport = httpx.ASGITransport(app=app)
        async with AsyncClient(URL, http=httpx.AsyncClient(transport=transport)) as c:
            return [
                await c.dose_values(ct, 0, dose),
                await c.rt_contours(ct, 0),
                await c.graphic_annotations(mg, 0, gsps),
                await c.value_mapping(ct, 0),
            ]

    values, contours, annotations, mapping = asyncio.run(run())
    np.testing.assert_array_equal(values, client.dose_values(ct, 0, dose))
    assert contours == client.rt_contours(ct, 0)
    assert annotations == client.graphic_annotations(mg, 0, gsps)
    assert mapping == client.value_mapping(ct, 0)
