"""Fixtures of the predecessor-compatibility tests (the harness is helpers.py)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests import IN_CI
from tests.compat.helpers import Pair, PredecessorUnavailable, predecessor_binary, start_pair


@pytest.fixture(scope="session")
def predecessor() -> Path:
    """The predecessor's binary; missing: a failure in CI, a skip with the reason elsewhere."""
    try:
        return predecessor_binary()
    except PredecessorUnavailable as exc:
        if IN_CI:
            pytest.fail(str(exc))
        pytest.skip(str(exc))


@pytest.fixture(scope="session")
def pair(predecessor: Path, corpus_ci: Path) -> Iterator[Pair]:
    """Both servers on the ci corpus for the whole session."""
    yield from start_pair(corpus_ci)
