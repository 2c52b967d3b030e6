"""``python -m tests.corpus OUT [--profile ci|bench|hostile]``: build a corpus into OUT.

Run from the repository root. ``--cached`` builds into (or finds) the cache
folder the tests and benchmarks use and prints its path instead.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from tests.corpus.build import rebuild
from tests.corpus.cache import BuildError, locate
from tests.corpus.profiles import PROFILES


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        prog="python -m tests.corpus", description="Build the synthetic DICOM corpus."
    )
    ap.add_argument("out", type=Path, nargs="?", help="folder to write (empty or a corpus)")
    ap.add_argument("--profile", choices=PROFILES, default="ci")
    ap.add_argument("--seed", type=int, default=0, help="another seed, another corpus")
    ap.add_argument("--no-verify", action="store_true", help="skip the re-read of every file")
    ap.add_argument("--quiet", action="store_true", help="no line per file")
    ap.add_argument(
        "--force", action="store_true", help="replace OUT when it holds a previous corpus"
    )
    ap.add_argument(
        "--cached", action="store_true", help="build into .cache/corpus and print the folder"
    )
    args = ap.parse_args(argv)
    if args.cached:
        try:
            print(locate(args.profile, args.seed))
        except BuildError as exc:
            print(exc, file=sys.stderr)
            return 1
        return 0
    if args.out is None:
        ap.error("give OUT, or --cached")
    out: Path = args.out
    if out.exists() and any(out.iterdir()) and not args.force:
        ap.error(f"{out} is not empty (--force replaces a previous corpus)")
    try:
        report = rebuild(
            out, args.profile, seed=args.seed, check=not args.no_verify, quiet=args.quiet
        )
    except FileExistsError as exc:
        ap.error(str(exc))
    return 1 if report.problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
