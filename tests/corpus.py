"""The synthetic corpus of ../shared/corpus/make_corpus.py, generated once and cached.

Tests parametrize over ``manifest()`` at collection time. Without ../shared (a
newcomer's clone) those tests are skipped with the reason; in CI (``CI=true``)
a missing corpus is an error, never a skip.
"""

from __future__ import annotations

import csv
import fcntl
import functools
import hashlib
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
ABSENT_REASON = (
    "the shared corpus generator (../shared/corpus/make_corpus.py) is absent; "
    "set DCMVIEW_SHARED to the folder that holds corpus/make_corpus.py"
)


def shared_dir() -> Path | None:
    """The shared folder beside the checkout (``DCMVIEW_SHARED`` overrides), if present."""
    env = os.environ.get("DCMVIEW_SHARED")
    candidate = Path(env) if env else REPO.parent / "shared"
    return candidate if (candidate / "corpus" / "make_corpus.py").is_file() else None


@functools.cache
def corpus_dir(profile: str = "ci") -> Path | None:
    """Generate (once per generator version) and return the corpus, or None when absent."""
    shared = shared_dir()
    if shared is None:
        if IN_CI:
            raise RuntimeError(f"CI must run the corpus tests, but {ABSENT_REASON}")
        return None
    script = shared / "corpus" / "make_corpus.py"
    digest = hashlib.sha256(script.read_bytes()).hexdigest()[:12]
    root = Path(os.environ.get("DCMVIEW_CORPUS_CACHE", REPO / ".cache" / "corpus"))
    out = root / f"{profile}-{digest}"
    root.mkdir(parents=True, exist_ok=True)
    # xdist workers collect in parallel: the lock makes one of them generate.
    with open(root / f"{profile}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (out / "MANIFEST.csv").is_file():
            proc = subprocess.run(
                [sys.executable, str(script), str(out), "--profile", profile, "--quiet", "--force"],
                capture_output=True,
                text=True,
                check=False,
            )
            if proc.returncode != 0:
                raise RuntimeError(f"make_corpus.py failed:\n{proc.stdout}\n{proc.stderr}")
    return out


def manifest(profile: str = "ci") -> list[dict[str, str]]:
    """Rows of MANIFEST.csv with an extra ``abspath`` column; [] when the corpus is absent."""
    root = corpus_dir(profile)
    if root is None:
        return []
    with open(root / "MANIFEST.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
    for row in rows:
        row["abspath"] = str(root / row["path"])
    return rows


def params(rows: list[dict[str, str]]) -> list[object]:
    """``pytest.param`` per row with the relative path as id, or one skip param when absent."""
    if not rows:
        return [pytest.param(None, marks=pytest.mark.skip(reason=ABSENT_REASON), id="no-corpus")]
    return [pytest.param(row, id=row["path"]) for row in rows]
