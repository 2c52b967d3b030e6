"""Shared fixtures: the synthetic corpus (built by tests/corpus), and DICOM built in the test."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.corpus import corpus_dir


@pytest.fixture(scope="session")
def corpus_ci() -> Path:
    """The ``ci`` profile of the corpus, built into .cache/corpus on first use."""
    return corpus_dir("ci")


@pytest.fixture(scope="session")
def corpus_hostile() -> Path:
    """The ``hostile`` profile: the memory bombs."""
    return corpus_dir("hostile")
