"""Shared fixtures: the synthetic corpus (tests/corpus), DICOM built in the test, Orthanc."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.corpus import corpus_dir

if TYPE_CHECKING:
    from tests.orthanc import OrthancCorpus


@pytest.fixture(scope="session")
def corpus_ci() -> Path:
    """The ``ci`` profile of the corpus, built into .cache/corpus on first use."""
    return corpus_dir("ci")


@pytest.fixture(scope="session")
def corpus_hostile() -> Path:
    """The ``hostile`` profile: the memory bombs."""
    return corpus_dir("hostile")


@pytest.fixture(scope="session")
def orthanc_ci(
    corpus_ci: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[OrthancCorpus]:
    """A real Orthanc (tests/orthanc.py) holding the ci corpus, uploaded through its REST API."""
    from tests.orthanc import Orthanc, OrthancCorpus

    server = Orthanc(tmp_path_factory.mktemp("orthanc")).start()
    try:
        files = sorted(p for p in corpus_ci.rglob("*.dcm") if p.is_file())
        statuses = server.upload(files)
        yield OrthancCorpus(server, corpus_ci, [p for p, s in statuses.items() if s == 200])
    finally:
        server.stop()
