"""Shared fixtures: the synthetic corpus from ../shared, and DICOM built in the test."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.corpus import ABSENT_REASON, corpus_dir


@pytest.fixture(scope="session")
def corpus_ci() -> Path:
    """The ``--profile ci`` corpus; skipped with the reason when ../shared is absent."""
    root = corpus_dir("ci")
    if root is None:
        pytest.skip(ABSENT_REASON)
    return root
