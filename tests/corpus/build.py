"""Build one profile into a folder: generate, write the tables, re-read every file."""

from __future__ import annotations

import shutil
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pydicom

from tests.corpus.annotations import write_tables
from tests.corpus.builder import Corpus
from tests.corpus.manifest import verify, write_manifest
from tests.corpus.profiles import BUILDERS


@dataclass
class BuildReport:
    files: int
    bytes: int
    skipped: list[tuple[str, str]]
    problems: list[tuple[str, str]]
    seconds: float


def build(
    out: Path, profile: str = "ci", *, seed: int = 0, check: bool = True, quiet: bool = True
) -> BuildReport:
    """Write the `profile` corpus into the empty or absent folder `out`."""
    out.mkdir(parents=True, exist_ok=True)
    if any(out.iterdir()):
        raise FileExistsError(f"{out} is not empty")
    t0 = time.perf_counter()
    c = Corpus(out, seed, quiet=quiet)
    if not quiet:
        print(
            f"# tests.corpus: profile={profile} seed={seed} out={out} "
            f"(pydicom {pydicom.__version__}, numpy {np.__version__})"
        )
    BUILDERS[profile](c)
    write_manifest(out, c.records)
    if c.annotations:
        write_tables(out, c.annotations)
    t_gen = time.perf_counter() - t0
    total = sum(int(r.row["size_bytes"]) for r in c.records)
    print(
        f"# {profile}: {len(c.records)} files, {total / 2**20:.1f} MiB in {t_gen:.1f} s; "
        f"{len(c.skipped)} skipped"
    )
    for rel, why in c.skipped:
        print(f"#   skipped {rel}: {why}")
    problems: list[tuple[str, str]] = []
    if check:
        t1 = time.perf_counter()
        problems, counts = verify(out, c.records, quiet)
        summary = ", ".join(f"{k}={v}" for k, v in sorted(counts.items()))
        verdict = "ALL OK" if not problems else f"{len(problems)} PROBLEM(S)"
        took = time.perf_counter() - t1
        print(f"# checked {len(c.records)} files in {took:.1f} s ({summary}): {verdict}")
    seconds = time.perf_counter() - t0
    print(f"# total {seconds:.1f} s")
    return BuildReport(len(c.records), total, c.skipped, problems, seconds)


def rebuild(out: Path, profile: str, **kw) -> BuildReport:
    """build() into `out`, replacing it if it holds a previous corpus (a MANIFEST.csv)."""
    if out.exists() and any(out.iterdir()):
        if not (out / "MANIFEST.csv").is_file():
            raise FileExistsError(f"{out} is not empty and holds no corpus: not replaced")
        shutil.rmtree(out)
    return build(out, profile, **kw)
