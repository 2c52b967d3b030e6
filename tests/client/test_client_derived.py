"""Client.references / segmentation_overlay and their AsyncClient twins over the ci corpus."""

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
from dcmview.sdk.errors import FrameIndexError, InvalidInputError, NotFoundError
from dcmview.sdk.segmentation import read_segmentation
from dcmview.server import create_app
from tests.client.helpers import TOKEN, URL

pytestmark = pytest.mark.corpus


@pytest.fixture(scope="module")
def derived_app(corpus_ci: Path) -> Any:
    """An app over the CT series, the mammography files and the derived objects."""
    cache = ByteCache(64 * 1024 * 1024)
    catalog = scan(corpus_ci / "ct", corpus_ci / "mg", corpus_ci / "derived", cache=cache)
    catalog.wait()
    return create_app(catalog, token=TOKEN, cache=cache)


@pytest.fixture(scope="module")
def catalog(derived_app: Any) -> Catalog:
    return derived_app.state.dcmview.catalog  # type: ignore[no-any-return]


@pytest.fixture
def sync_client(derived_app: Any) -> Iterator[Client]:
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from starlette.testclient import TestClient
    with (
        TestClient(derived_app, raise_server_exceptions=False) as http,
        Client(URL, http=http) as c,
    ):
        yield c


def _names(catalog: Catalog) -> dict[str, int]:
    return {Path(h.path).name: i for i, h in enumerate(catalog.headers)}


def test_references(sync_client: Client, catalog: Catalog) -> None:
    names = _names(catalog)
    seg, ct = names["SEG_binary_organs.dcm"], names["IM00001.dcm"]
    body = sync_client.references(seg)
    assert body["source_file_index"] == seg
    assert ct in {m["file_index"] for e in body["references"] for m in e["matches"]}
    back = sync_client.references(ct)
    assert seg in {r["index"] for r in back["referenced_by"]}
    with pytest.raises(NotFoundError):
        sync_client.references(len(catalog))


def test_segmentation_overlay(sync_client: Client, catalog: Catalog) -> None:
    names = _names(catalog)
    seg, ct = names["SEG_binary_organs.dcm"], names["IM00020.dcm"]
    png = sync_client.segmentation_overlay(ct, 0, seg=seg)
    rgba = np.asarray(Image.open(io.BytesIO(png)))
    mask = read_segmentation(catalog[seg], catalog).mask(catalog[ct], 0)
    np.testing.assert_array_equal(rgba[..., 3] > 0, mask.any(axis=2))
    # Every segment in one chosen colour: wherever a segment is, that colour.
    numbers = [s.number for s in read_segmentation(catalog[seg], catalog).segments]
    png = sync_client.segmentation_overlay(ct, 0, seg=seg, colors=dict.fromkeys(numbers, (1, 2, 3)))
    painted = np.asarray(Image.open(io.BytesIO(png)))
    assert (painted[mask.any(axis=2)][:, :3] == (1, 2, 3)).all()
    with pytest.raises(InvalidInputError, match="three ints 0..255"):
        sync_client.segmentation_overlay(ct, 0, seg=seg, colors={1: (256, 0, 0)})
    with pytest.raises(NotFoundError):
        sync_client.segmentation_overlay(names["L_CC_explicit_le.dcm"], 0)
    with pytest.raises(FrameIndexError):
        sync_client.segmentation_overlay(ct, 3)


def test_async_twins_answer_the_same(
    derived_app: Any, sync_client: Client, catalog: Catalog
) -> None:
    names = _names(catalog)
    seg, ct = names["SEG_binary_organs.dcm"], names["IM00020.dcm"]

    async def run() -> tuple[Any, bytes]:
        transport = httpx.ASGITransport(app=derived_app)
        async with AsyncClient(URL, http=httpx.AsyncClient(transport=transport)) as c:
            return await c.references(seg), await c.segmentation_overlay(ct, 0, seg=seg)

    body, png = asyncio.run(run())
    assert body == sync_client.references(seg)
    assert png == sync_client.segmentation_overlay(ct, 0, seg=seg)


def test_document(sync_client: Client, catalog: Catalog, corpus_ci: Path) -> None:
    # The route answers the SDK's document, for an object without pixels or any other.
    names = _names(catalog)
    gsps = names["GSPS_L_CC_findings.dcm"]
    body = sync_client.document(gsps)
    assert body["sop_class_uid"] == "1.2.840.10008.5.1.4.1.1.11.1"
    assert body["items"] == []
    image = sync_client.document(names["L_CC_explicit_le.dcm"])
    assert image["sop_class_name"] == "Digital Mammography X-Ray Image Storage - For Presentation"
    with pytest.raises(NotFoundError):
        sync_client.document(len(catalog))


def test_document_of_an_sr(corpus_ci: Path) -> None:
    import warnings

    catalog = scan(corpus_ci / "edge")
    catalog.wait()
    app = create_app(catalog, token=TOKEN)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from starlette.testclient import TestClient
    sr = next(i for i, h in enumerate(catalog.headers) if h.modality == "SR")
    with TestClient(app) as http, Client(URL, http=http) as c:
        body = c.document(sr)
    assert body["title"] == "Diagnostic imaging report"
    assert [i["concept"] for i in body["items"]][:3] == ["History", "Finding", "Impression"]

    async def twin() -> Any:
        transport = httpx.ASGITransport(app=app)
        async with AsyncClient(URL, http=httpx.AsyncClient(transport=transport)) as ac:
            return await ac.document(sr)

    assert asyncio.run(twin()) == body
