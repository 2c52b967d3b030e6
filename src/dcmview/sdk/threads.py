"""How many threads a codec may use: the usable cores, capped per calling thread.

Kept apart from :mod:`dcmview.sdk.codecs` (which imports pydicom and the
codec libraries) so that a server can set the cap without importing them.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["current_limit", "thread_limit", "usable_cores"]

_local = threading.local()


def usable_cores() -> int:
    """Return the number of cores this process may run on (its CPU affinity)."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # pragma: no cover - not on Linux
        return os.cpu_count() or 1


def current_limit() -> int | None:
    """Return the cap set by :func:`thread_limit` in this thread, or None."""
    limit: int | None = getattr(_local, "limit", None)
    return limit


@contextmanager
def thread_limit(threads: int) -> Iterator[None]:
    """Cap the threads a codec may start for decodes made in this thread.

    A server decoding two frames at once on two cores gains nothing from two
    OpenJPEG threads per frame: over the 60 frames of a 2048x1664 JPEG 2000
    file fetched two at a time, four threads spent about 1 core-second more
    (scheduling, per-thread code-block buffers) than two did. A lone request
    still gets every core.

    Parameters
    ----------
    threads : int
        The most threads one decode may use (at least 1).

    Examples
    --------
    >>> from dcmview.sdk import codecs
    >>> with codecs.thread_limit(1):
    ...     codecs.j2k_threads()
    1
    """
    previous = current_limit()
    _local.limit = max(1, threads)
    try:
        yield
    finally:
        _local.limit = previous
