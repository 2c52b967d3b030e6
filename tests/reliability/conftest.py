"""Fixtures of the reliability tests: the sandboxed SDK worker."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from tests.reliability.sandbox import Sandbox


@pytest.fixture(scope="module")
def sandbox() -> Iterator[Sandbox]:
    """A child process that runs the SDK on a file with a deadline (see sandbox.py)."""
    box = Sandbox(timeout=float(os.environ.get("DCMVIEW_FUZZ_TIMEOUT", "30")))
    yield box
    box.close()
