"""Decoding off the event loop: single flight per frame, a bounded pool, no work for a
client that is gone.

Overlap is made, not hoped for: the decode and the pool's jobs are held until the test
has seen the other requests or jobs in flight beside them, never for a fixed time.
"""

from __future__ import annotations

import asyncio
import threading
from collections import Counter
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

import httpx
import pytest

from dcmview.sdk.cache import ByteCache
from dcmview.sdk.catalog import scan
from dcmview.sdk.instance import Instance
from dcmview.server import create_app
from dcmview.server.app import DecodePool
from dcmview.server.errors import HttpError
from tests.server.helpers import TOKEN, index_of

T = TypeVar("T")
WAIT_S = 30  # a generous bound for each wait: only a broken server takes this long


class WatchedCache(ByteCache):
    """A ByteCache that counts the calls joining a key that another call is creating."""

    def __init__(self, budget_bytes: int) -> None:
        super().__init__(budget_bytes)
        self.joins = 0
        self.changed = threading.Condition()
        self._creating: Counter[Hashable] = Counter()

    def get_or_create(self, key: Hashable, factory: Callable[[], T]) -> tuple[T, bool]:
        with self.changed:
            if self._creating[key]:
                self.joins += 1
                self.changed.notify_all()
            self._creating[key] += 1
        try:
            return super().get_or_create(key, factory)
        finally:
            with self.changed:
                self._creating[key] -= 1


class BlockedDecode:
    """Instance.decode, held until the test has seen `joiners` requests join it."""

    def __init__(self, cache: WatchedCache, joiners: int) -> None:
        self.cache = cache
        self.joiners = joiners
        self.calls: list[tuple[str, int]] = []
        self.overlapped: bool | None = None
        self._lock = threading.Lock()
        self._original = Instance.decode

    def __call__(self, instance: Instance, index: int) -> Any:
        with self._lock:
            self.calls.append((instance.path, index))
        with self.cache.changed:
            self.overlapped = self.cache.changed.wait_for(
                lambda: self.cache.joins >= self.joiners, timeout=WAIT_S
            )
        return self._original(instance, index)


@pytest.mark.parametrize(
    "paths",
    [
        pytest.param(["/frame/4", "/frame/4", "/frame/4"], id="same-png"),
        pytest.param(["/frame/4", "/frame/4/raw", "/frame/4?wc=100&ww=50"], id="png-raw-window"),
    ],
)
def test_same_frame_requested_at_once_is_decoded_once(
    data_dir, monkeypatch: pytest.MonkeyPatch, paths: list[str]
) -> None:
    cache = WatchedCache(64 << 20)
    decode = BlockedDecode(cache, joiners=len(paths) - 1)
    monkeypatch.setattr(Instance, "decode", lambda self, index: decode(self, index))
    catalog = scan(data_dir, cache=cache)
    # A worker per request, so that all of them can be in flight at once.
    app = create_app(catalog, token=TOKEN, cache=cache, decode_workers=len(paths))
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
    # The one decode went on only once every other request was waiting for its result.
    assert decode.overlapped, "the other requests never joined the decode in flight"
    assert [r.status_code for r in responses] == [200] * len(paths)
    assert decode.calls == [(catalog.header(i).path, 4)]


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
    started: list[int] = []
    two_running = threading.Barrier(2, timeout=WAIT_S)
    release = threading.Event()

    def job(n: int) -> int:
        started.append(n)
        if n < 2:
            # The first two meet here, so two jobs provably run at once, and hold
            # their slots until the test has looked at the others.
            two_running.wait()
            assert release.wait(WAIT_S)
        return n

    async def run() -> list[int]:
        jobs = [asyncio.ensure_future(pool.run(None, job, n)) for n in range(6)]
        while len(started) < 2:
            await asyncio.sleep(0.001)
        # Let every other job take its turn at the pool: each must be left waiting
        # for a slot (a job given one counts itself in `running` on this thread).
        for _ in range(20):
            await asyncio.sleep(0)
        assert pool.running == 2
        assert sorted(started) == [0, 1]
        release.set()
        return await asyncio.gather(*jobs)

    try:
        assert asyncio.run(run()) == list(range(6))
    finally:
        release.set()
    assert sorted(started) == list(range(6))
    assert pool.running == 0


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
