"""The benchmarks' inputs: the bench corpus of ``make_corpus.py --profile bench``.

``--corpus DIR`` names one; without it ``DCMVIEW_BENCH_CORPUS``, else
``/work/corpus/bench`` (generate it with
``python ../shared/corpus/make_corpus.py /work/corpus/bench --profile bench``, ~2 min).
"""

from __future__ import annotations

import os
from pathlib import Path

DEFAULT = Path(os.environ.get("DCMVIEW_BENCH_CORPUS", "/work/corpus/bench"))


def corpus(folder: str | Path | None = None, profile: str = "bench") -> Path:
    """`folder` when given, else the default bench corpus (only the bench profile is found)."""
    if folder:
        return Path(folder)
    if profile != "bench":
        raise SystemExit(f"no default {profile} corpus: pass its folder")
    return DEFAULT


def mammo_study(root: Path) -> Path:
    """The bench profile's mammography study folder: the FFDM syntaxes and the DBT stacks."""
    hits = sorted((root / "mg").glob("*/*/"))
    if not hits:
        raise SystemExit(f"no mammography study under {root}/mg: not a bench corpus")
    return hits[0]
