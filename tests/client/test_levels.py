"""Client and AsyncClient at a resolution level: level / max_size, checked before sending."""

from __future__ import annotations

import asyncio
import io
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from pydicom import uid

from dcmview.client import AsyncClient, Client
from dcmview.sdk.cache import ByteCache
from dcmview.sdk.catalog import scan
from dcmview.sdk.errors import InvalidInputError
from dcmview.sdk.instance import open as sdk_open
from dcmview.sdk.levels import ResolutionLevel, level_for
from dcmview.server import create_app
from tests.client.helpers import TOKEN, URL
from tests.dicom_factory import make_dicom


@pytest.fixture(scope="module")
def level_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("client-levels")
    make_dicom(
        root, "j2k.dcm", rows=301, columns=259, bits_stored=12, transfer_syntax=uid.JPEG2000Lossless
    )
    make_dicom(root, "rgb.dcm", rows=33, columns=21, samples=3, bits_allocated=8)
    return root


@pytest.fixture
def level_app(level_dir: Path):
    cache = ByteCache(64 << 20)
    catalog = scan(level_dir, cache=cache)
    catalog.wait()
    return create_app(catalog, token=TOKEN, cache=cache)


@pytest.fixture
def level_client(level_app):
    from starlette.testclient import TestClient

    with TestClient(level_app, raise_server_exceptions=False) as http, Client(URL, http=http) as c:
        yield c


def _index(app, name: str) -> int:
    headers = app.state.dcmview.catalog.headers
    return next(i for i, h in enumerate(headers) if Path(h.path).name == name)


@pytest.mark.parametrize("name", ["j2k.dcm", "rgb.dcm"])
@pytest.mark.parametrize("level", [0, 1, 3])
def test_frame_array_at_a_level_equals_the_sdk(level_client, level_app, name, level) -> None:
    index = _index(level_app, name)
    path = level_app.state.dcmview.catalog.headers[index].path
    got = level_client.frame_array(index, 0, level=level)
    want = sdk_open(path).frame(0).array(level=level)
    assert got.dtype == want.dtype
    np.testing.assert_array_equal(got, want)


def test_max_size_picks_the_level_the_sdk_picks(level_client, level_app) -> None:
    index = _index(level_app, "j2k.dcm")
    info = level_client.info(index)
    level = level_for(info["rows"], info["columns"], 100)
    got = level_client.frame_array(index, 0, max_size=100)
    where = ResolutionLevel(level, info["rows"], info["columns"])
    assert got.shape == (where.rows, where.columns) == (151, 130)  # 76 rows < 100
    # Positions map back to full resolution by the level's scale.
    assert where.to_full(got.shape[0], got.shape[1]) == (301.0, 259.0)


def test_frame_png_and_image_at_a_level(level_client, level_app) -> None:
    index = _index(level_app, "j2k.dcm")
    path = level_app.state.dcmview.catalog.headers[index].path
    want = sdk_open(path).frame(0).render((2000, 3000), level=2)
    png = level_client.frame_png(index, 0, window=(2000, 3000), level=2)
    np.testing.assert_array_equal(np.asarray(Image.open(io.BytesIO(png))), want)
    image = level_client.frame_image(index, 0, window=(2000, 3000), max_size=76)
    np.testing.assert_array_equal(np.asarray(image), want)


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"level": 1, "max_size": 10}, InvalidInputError),
        ({"level": -1}, InvalidInputError),
        ({"max_size": 0}, InvalidInputError),
        ({"level": True}, TypeError),
        ({"level": 1.5}, TypeError),
        ({"max_size": "100"}, TypeError),
    ],
)
def test_bad_levels_are_refused_before_sending(level_client, kwargs, error) -> None:
    with pytest.raises(error):
        level_client.frame_array(0, 0, **kwargs)
    with pytest.raises(error):
        level_client.frame_png(0, 0, **kwargs)


def test_a_level_past_the_deepest_is_the_servers_400(level_client, level_app) -> None:
    index = _index(level_app, "j2k.dcm")
    with pytest.raises(InvalidInputError, match=r"outside 0\.\.9") as info:
        level_client.frame_array(index, 0, level=10)
    assert info.value.status == 400


def test_async_client_at_a_level(level_app) -> None:
    import httpx

    index = _index(level_app, "j2k.dcm")
    path = level_app.state.dcmview.catalog.headers[index].path
    frame = sdk_open(path).frame(0)

    async def main() -> tuple[np.ndarray, bytes]:
        transport = httpx.ASGITransport(app=level_app)
        async with AsyncClient(URL, http=httpx.AsyncClient(transport=transport)) as c:
            samples = await c.frame_array(index, 0, level=1)
            png = await c.frame_png(index, 0, window="full", max_size=151)
            image = await c.frame_image(index, 0, level=4)
            assert image.size == (17, 19)
            return samples, png

    samples, png = asyncio.run(main())
    np.testing.assert_array_equal(samples, frame.array(level=1))
    np.testing.assert_array_equal(
        np.asarray(Image.open(io.BytesIO(png))), frame.render("full", level=1)
    )
