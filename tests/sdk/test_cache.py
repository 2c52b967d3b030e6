"""ByteCache: byte budget, LRU order, single-flight creation, thread safety."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

from dcmview.sdk.cache import ByteCache, sizeof


def test_sizeof_counts_buffers() -> None:
    assert sizeof(np.zeros((10, 10), np.uint16)) == 200
    assert sizeof(b"abc") == 3
    assert sizeof(memoryview(b"abcd")) == 4
    assert sizeof((b"ab", np.zeros(4, np.uint8))) == 6
    assert sizeof(b"") == 1


def test_budget_evicts_least_recently_used() -> None:
    cache = ByteCache(100)
    cache.put("a", b"x" * 40)
    cache.put("b", b"x" * 40)
    assert cache.get("a") is not None  # "a" is now the most recent
    cache.put("c", b"x" * 40)
    assert "a" in cache
    assert "c" in cache
    assert "b" not in cache
    assert cache.nbytes == 80 <= cache.budget_bytes


def test_value_larger_than_budget_is_returned_not_stored() -> None:
    cache = ByteCache(10)
    value, hit = cache.get_or_create("big", lambda: b"x" * 11)
    assert (len(value), hit) == (11, False)
    assert "big" not in cache
    assert cache.nbytes == 0


def test_replacing_a_key_updates_the_size() -> None:
    cache = ByteCache(100)
    cache.put("k", b"x" * 60)
    cache.put("k", b"x" * 10)
    assert cache.nbytes == 10
    assert len(cache) == 1
    cache.discard("k")
    assert cache.nbytes == 0
    assert "k" not in cache


def test_get_or_create_hit_and_miss_counts() -> None:
    cache = ByteCache(1000)
    calls = []
    assert cache.get_or_create("k", lambda: calls.append(1) or b"v") == (b"v", False)
    assert cache.get_or_create("k", lambda: calls.append(1) or b"w") == (b"v", True)
    assert calls == [1]
    assert (cache.hits, cache.misses) == (1, 1)


def test_single_flight_runs_the_factory_once() -> None:
    cache = ByteCache(1 << 20)
    started = threading.Event()
    release = threading.Event()
    calls = []

    def slow() -> bytes:
        calls.append(threading.get_ident())
        started.set()
        release.wait(5)
        return b"frame"

    with ThreadPoolExecutor(8) as pool:
        first = pool.submit(cache.get_or_create, "f", slow)
        assert started.wait(5)
        others = [pool.submit(cache.get_or_create, "f", slow) for _ in range(7)]
        release.set()
        results = [first.result(5), *(f.result(5) for f in others)]
    assert len(calls) == 1
    assert results[0] == (b"frame", False)
    assert all(r == (b"frame", True) for r in results[1:])


def test_factory_error_reaches_every_waiter_and_is_not_cached() -> None:
    cache = ByteCache(1 << 20)
    started = threading.Event()
    release = threading.Event()

    def failing() -> bytes:
        started.set()
        release.wait(5)
        raise ValueError("corrupt frame")

    with ThreadPoolExecutor(4) as pool:
        first = pool.submit(cache.get_or_create, "f", failing)
        assert started.wait(5)
        second = pool.submit(cache.get_or_create, "f", failing)
        release.set()
        for fut in (first, second):
            with pytest.raises(ValueError, match="corrupt frame"):
                fut.result(5)
    assert "f" not in cache
    assert cache.get_or_create("f", lambda: b"ok") == (b"ok", False)


def test_concurrent_use_stays_under_budget() -> None:
    cache = ByteCache(10_000)

    def work(n: int) -> None:
        for i in range(200):
            cache.get_or_create((n, i % 37), lambda i=i: np.zeros(100 + i % 13, np.uint8))

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(work, range(8)))
    assert 0 < cache.nbytes <= 10_000
    assert cache.nbytes == sum(sizeof(cache.get(k)) for k in list(cache._items))


def test_budget_validation() -> None:
    with pytest.raises(TypeError):
        ByteCache(1.5)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=">= 0"):
        ByteCache(-1)


def test_frame_cache_is_a_deprecated_name_of_byte_cache() -> None:
    import dcmview.sdk
    import dcmview.sdk.cache

    for module in (dcmview.sdk, dcmview.sdk.cache):
        with pytest.warns(DeprecationWarning, match="ByteCache"):
            assert module.FrameCache is ByteCache
    assert "FrameCache" not in dcmview.sdk.__all__
    with pytest.raises(AttributeError):
        dcmview.sdk.cache.NoSuchCache  # noqa: B018
