"""ByteCache: one byte-budget LRU with single-flight creation for frames, PNGs and tag trees.

One cache holds everything that is expensive to make again — decoded frames
(numpy arrays), PNG bodies, compressed raw bodies, serialized tag trees — under
ONE byte budget, so memory stays bounded whatever the clients ask. Values are
measured once when stored (:func:`sizeof`), the least recently used go first.
(It was called ``FrameCache``, though frames are only one of the things it
holds; that name still works, with a DeprecationWarning.)

:meth:`ByteCache.get_or_create` is *single-flight*: when two threads ask for
the same missing key at once, the first one runs the factory and the other
waits for its result instead of decoding the same frame a second time.

Examples
--------
>>> cache = ByteCache(1024)
>>> cache.get_or_create("k", lambda: b"x" * 10)
(b'xxxxxxxxxx', False)
>>> cache.get_or_create("k", lambda: b"never called")
(b'xxxxxxxxxx', True)
>>> "k" in cache, cache.nbytes
(True, 10)
"""

from __future__ import annotations

import sys
import threading
import warnings
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import TYPE_CHECKING, Any, TypeVar

__all__ = ["DEFAULT_BUDGET", "MIN_BUDGET", "ByteCache", "sizeof"]

T = TypeVar("T")

#: The default budget of all caches together: about 700 MiB (docs/cli.md, ``--cache-budget``).
DEFAULT_BUDGET = 700 * 1024 * 1024
#: The smallest budget the CLI accepts: 16 MiB.
MIN_BUDGET = 16 * 1024 * 1024


def sizeof(value: object) -> int:
    """Return the number of bytes `value` keeps alive, as the cache counts it.

    numpy arrays count their buffer (``nbytes``), bytes-like objects their length,
    tuples and lists the sum of their items; anything else ``sys.getsizeof``.
    Views of a larger buffer are counted by their own size: cache owned arrays.

    Parameters
    ----------
    value : object
        A value to be cached.

    Returns
    -------
    int
        Its size in bytes (at least 1).
    """
    if isinstance(value, bytes | bytearray):
        return max(1, len(value))
    if isinstance(value, memoryview):
        return max(1, value.nbytes)
    nbytes = getattr(value, "nbytes", None)
    if isinstance(nbytes, int):
        return max(1, nbytes)
    if isinstance(value, tuple | list):
        return max(1, sum(sizeof(v) for v in value))
    return max(1, sys.getsizeof(value))


class _Flight:
    """One factory call in progress; the threads that want its result wait on it."""

    __slots__ = ("done", "error", "value")

    def __init__(self) -> None:
        self.done = threading.Event()
        self.value: Any = None
        self.error: BaseException | None = None


class ByteCache:
    """A thread-safe LRU cache bounded by the total size of its values in bytes.

    Parameters
    ----------
    budget_bytes : int
        The most bytes the stored values may take together. A value larger than
        the whole budget is returned to its caller but not stored.

    Attributes
    ----------
    budget_bytes : int
        The budget given.
    hits, misses : int
        Lookups that found a value (or waited for one being made) and lookups
        that had to make it.
    """

    def __init__(self, budget_bytes: int) -> None:
        if isinstance(budget_bytes, bool) or not isinstance(budget_bytes, int):
            raise TypeError(f"budget_bytes must be an int, got {type(budget_bytes).__name__}")
        if budget_bytes < 0:
            raise ValueError(f"budget_bytes must be >= 0, got {budget_bytes}")
        self.budget_bytes = budget_bytes
        self.hits = 0
        self.misses = 0
        self._lock = threading.Lock()
        self._items: OrderedDict[Hashable, tuple[Any, int]] = OrderedDict()
        self._flights: dict[Hashable, _Flight] = {}
        self._nbytes = 0

    def __repr__(self) -> str:
        return (
            f"ByteCache(budget_bytes={self.budget_bytes}, items={len(self)}, "
            f"nbytes={self.nbytes}, hits={self.hits}, misses={self.misses})"
        )

    def __len__(self) -> int:
        with self._lock:
            return len(self._items)

    def __contains__(self, key: object) -> bool:
        with self._lock:
            return key in self._items

    @property
    def nbytes(self) -> int:
        """The bytes the stored values take now (never more than the budget)."""
        with self._lock:
            return self._nbytes

    def get(self, key: Hashable, default: T | None = None) -> Any | T | None:
        """Return the value stored under `key` (marking it recently used), else `default`.

        Parameters
        ----------
        key : Hashable
            The key.
        default : object, optional
            What to return when `key` is not stored.
        """
        with self._lock:
            item = self._items.get(key)
            if item is None:
                return default
            self._items.move_to_end(key)
            self.hits += 1
            return item[0]

    def put(self, key: Hashable, value: object, nbytes: int | None = None) -> None:
        """Store `value` under `key`, evicting the least recently used values to fit.

        Parameters
        ----------
        key : Hashable
            The key; an existing value under it is replaced.
        value : object
            The value.
        nbytes : int, optional
            Its size; measured with :func:`sizeof` when omitted.
        """
        size = sizeof(value) if nbytes is None else max(1, nbytes)
        with self._lock:
            self._store(key, value, size)

    def get_or_create(self, key: Hashable, factory: Callable[[], T]) -> tuple[T, bool]:
        """Return the value under `key`, making it with `factory` once if it is missing.

        Concurrent callers with the same missing key share one factory call: the
        first runs it, the others wait and receive its value (or its exception).
        Exceptions are not cached; the next call tries again.

        Parameters
        ----------
        key : Hashable
            The key, e.g. ``(path, frame_index)`` for a decoded frame.
        factory : callable
            Makes the value; called without the cache's lock held.

        Returns
        -------
        value : object
            The cached or new value.
        hit : bool
            False when this call ran the factory, True otherwise.
        """
        with self._lock:
            item = self._items.get(key)
            if item is not None:
                self._items.move_to_end(key)
                self.hits += 1
                return item[0], True
            flight = self._flights.get(key)
            leader = flight is None
            if flight is None:
                flight = self._flights[key] = _Flight()
                self.misses += 1
            else:
                self.hits += 1
        if not leader:
            flight.done.wait()
            if flight.error is not None:
                raise flight.error
            return flight.value, True
        try:
            value = factory()
        except BaseException as exc:
            flight.error = exc
            with self._lock:
                del self._flights[key]
            flight.done.set()
            raise
        size = sizeof(value)
        flight.value = value
        with self._lock:
            del self._flights[key]
            self._store(key, value, size)
        flight.done.set()
        return value, False

    def discard(self, key: Hashable) -> None:
        """Remove the value under `key`, if any."""
        with self._lock:
            item = self._items.pop(key, None)
            if item is not None:
                self._nbytes -= item[1]

    def discard_where(self, predicate: Callable[[Hashable], bool]) -> int:
        """Remove every value whose key `predicate` accepts; return how many were removed.

        Values being made while this runs are stored when they are done: a caller
        that must never see one made from old inputs puts those inputs in the key.
        """
        with self._lock:
            keys = [k for k in self._items if predicate(k)]
            for k in keys:
                self._nbytes -= self._items.pop(k)[1]
        return len(keys)

    def clear(self) -> None:
        """Remove every stored value (calls in flight still complete)."""
        with self._lock:
            self._items.clear()
            self._nbytes = 0

    def _store(self, key: Hashable, value: object, size: int) -> None:
        # Called with the lock held.
        old = self._items.pop(key, None)
        if old is not None:
            self._nbytes -= old[1]
        if size > self.budget_bytes:
            return
        while self._items and self._nbytes + size > self.budget_bytes:
            _, (_, evicted) = self._items.popitem(last=False)
            self._nbytes -= evicted
        self._items[key] = (value, size)
        self._nbytes += size


if TYPE_CHECKING:
    FrameCache = ByteCache  # the deprecated name, for type checkers


def __getattr__(name: str) -> Any:
    # PEP 562: the old name still works, and says it is old.
    if name == "FrameCache":
        warnings.warn(
            "dcmview.sdk.cache.FrameCache is deprecated: it is ByteCache now "
            "(it caches PNGs, raw bodies and tag trees as well as frames)",
            DeprecationWarning,
            stacklevel=2,
        )
        return ByteCache
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
