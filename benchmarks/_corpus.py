"""The benchmarks' inputs: profiles of the project's synthetic corpus (tests/corpus).

``--corpus DIR`` names a corpus built with ``python -m tests.corpus DIR --profile
bench``; without it the bench profile is built once into ``.cache/corpus`` (a few
minutes and about 1 GiB the first time) and found there afterwards, the same
folder the tests' cache uses.
"""

from __future__ import annotations

import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def corpus(folder: str | Path | None = None, profile: str = "bench") -> Path:
    """`folder` when given, else the cached `profile` corpus (built first when needed)."""
    if folder:
        return Path(folder)
    if str(REPO) not in sys.path:
        sys.path.insert(0, str(REPO))
    from tests.corpus import corpus_dir
    from tests.corpus.cache import cache_root

    print(f"corpus: the {profile} profile under {cache_root()} (built once)", file=sys.stderr)
    return corpus_dir(profile)


def mammo_study(root: Path) -> Path:
    """The bench profile's mammography study folder: the FFDM syntaxes and the DBT stacks."""
    hits = sorted((root / "mg").glob("*/*/"))
    if not hits:
        raise SystemExit(f"no mammography study under {root}/mg: not a bench corpus")
    return hits[0]
