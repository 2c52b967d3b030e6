"""The project's synthetic DICOM corpus: a deterministic builder and the helpers tests use.

Tests parametrize over ``manifest()`` at collection time; the first call builds
the profile into ``.cache/corpus/`` (once per builder version, see cache.py) and
later calls, in any process, reuse it. ``python -m tests.corpus OUT --profile
ci|bench|hostile`` builds into a folder of your choice; README.md beside this
file says what each profile holds.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

from tests.corpus.cache import BuildError, builder_key, locate
from tests.corpus.manifest import read_manifest

__all__ = ["BuildError", "builder_key", "corpus_dir", "manifest", "params"]


@functools.cache
def corpus_dir(profile: str = "ci") -> Path:
    """The folder of the `profile` corpus, built first when needed."""
    return locate(profile)


def manifest(profile: str = "ci") -> list[dict[str, str]]:
    """Rows of the profile's MANIFEST.csv, each with an extra ``abspath`` column."""
    root = corpus_dir(profile)
    rows = read_manifest(root)
    for row in rows:
        row["abspath"] = str(root / row["path"])
    return rows


def params(rows: list[dict[str, str]]) -> list[Any]:
    """One ``pytest.param`` per row, with the relative path as its id.

    An empty selection is an error, not an empty (silently skipped) test: it
    means the corpus lost files a test was written for.
    """
    import pytest

    if not rows:
        raise LookupError("no corpus rows match this test's selection")
    return [pytest.param(row, id=row["path"]) for row in rows]
