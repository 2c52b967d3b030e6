"""Decoding off the event loop: single flight per frame, no work for a client that is gone."""

from __future__ import annotations

import asyncio
import threading
import time

import httpx
import pytest

from dcmview.sdk.cache import ByteCache
from dcmview.sdk.catalog import scan
from dcmview.sdk.instance import Instance
from dcmview.server import create_app
from dcmview.server.app import DecodePool
from dcmview.server.errors import HttpError
from tests.server.conftest import TOKEN, index_of


@pytest.fixture
def counted_decode(monkeypatch):
    calls: list[tuple[str, int]] = []
    lock = threading.Lock()
    original = Instance.decode

    def decode(self, index):
        with lock:
            calls.append((self.path, index))
        time.sleep(0.2)  # long enough for the concurrent requests to overlap
        return original(self, index)

    monkeypatch.setattr(Instance, "decode", decode)
    return calls


@pytest.mark.parametrize(
    "paths",
    [
        pytest.param(["/frame/4", "/frame/4", "/frame/4"], id="same-png"),
        pytest.param(["/frame/4", "/frame/4/raw", "/frame/4?wc=100&ww=50"], id="png-raw-window"),
    ],
)
def test_same_frame_requested_at_once_is_decoded_once(data_dir, counted_decode, paths) -> None:
    cache = ByteCache(64 << 20)
    catalog = scan(data_dir, cache=cache)
    app = create_app(catalog, token=TOKEN, cache=cache)
    i = index_of(catalog, "DBT_L_CC.dcm")

    async def run() -> list[httpx.Response]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(
            transport=transport,
            base_url="http://127.0.0.1",
            headers={"Authorization": f"Bearer {TOKEN}", "Accept-Encoding": "identity"},
        ) as client:
            return await asyncio.gather(*(client.get(f"/api/file/{i}{p}") for p in paths))

    responses = asyncio.run(run())
    assert [r.status_code for r in responses] == [200] * len(paths)
    assert counted_decode == [(catalog.header(i).path, 4)]


def test_decode_pool_skips_work_for_a_client_that_is_gone() -> None:
    class GoneRequest:
        async def is_disconnected(self) -> bool:
            return True

    ran = []
    pool = DecodePool(1)
    with pytest.raises(HttpError) as info:
        asyncio.run(pool.run(GoneRequest(), ran.append, 1))  # type: ignore[arg-type]
    assert info.value.status == 499
    assert ran == []


def test_decode_pool_bounds_concurrency() -> None:
    pool = DecodePool(2)
    active = []
    peak = []
    lock = threading.Lock()

    def job() -> None:
        with lock:
            active.append(1)
            peak.append(len(active))
        time.sleep(0.05)
        with lock:
            active.pop()

    async def run() -> None:
        await asyncio.gather(*(pool.run(None, job) for _ in range(6)))

    asyncio.run(run())
    assert max(peak) == 2


def test_decode_pool_shares_the_cores_between_running_jobs(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from dcmview.sdk import codecs

    monkeypatch.setenv("DCMVIEW_J2K_THREADS", "8")
    pool = DecodePool(2)
    pool.cores = 4
    both_running = threading.Barrier(2, timeout=5)

    def paired() -> int:
        both_running.wait()
        return codecs.j2k_threads()

    async def run() -> tuple[int, list[int]]:
        alone = await pool.run(None, codecs.j2k_threads)
        together = await asyncio.gather(pool.run(None, paired), pool.run(None, paired))
        return alone, list(together)

    alone, together = asyncio.run(run())
    assert alone == 4  # a lone job may use every core
    # The first of the pair started alone; the second, beside it, got its share.
    assert sorted(together) == [2, 4]
    assert pool.running == 0
