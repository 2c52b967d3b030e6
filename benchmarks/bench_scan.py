"""Benchmark: scan 10,000 small CT files, whole process, against the predecessor binary.

The files are the ``scan/`` folder of the test corpus's bench profile (10 patients x
10 series x 100 slices of 128x128 CT, ~34 KB each; tests/corpus/profiles.py), built
once into .cache/corpus unless ``--corpus DIR`` names a bench corpus. Each command
runs as a whole process, several runs after one warm-up; the script prints medians
and the ratio to the predecessor::

    python benchmarks/bench_scan.py                  # 5 runs
    python benchmarks/bench_scan.py --runs 3 --corpus /tmp/bench

The predecessor (``dcmview-py`` 0.4.1, a Rust binary) is found with --prev or
``DCMVIEW_PREV_BIN``; it runs as ``dcmview --no-browser --timeout 0 DIR``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

from _corpus import corpus

DEFAULT_PREV = "/work/prev-venv/lib/python3.11/site-packages/dcmview_py/bin/dcmview"


def scan_folder(root: Path) -> tuple[Path, int]:
    """The bench corpus's scan folder and how many files it holds (from MANIFEST.csv)."""
    with open(root / "MANIFEST.csv", encoding="utf-8") as fh:
        count = sum(1 for line in fh if line.startswith("scan/"))
    if not count:
        raise SystemExit(f"{root} has no scan/ folder: not a bench corpus")
    return root / "scan", count


def time_command(cmd: list[str], env: dict[str, str] | None = None) -> float:
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, env=env, check=False)
    elapsed = time.perf_counter() - t0
    if proc.returncode != 0:
        raise SystemExit(f"{cmd[:3]}... failed ({proc.returncode}):\n{proc.stderr.decode()}")
    return elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", default=None, help="a bench corpus (default: built)")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--prev", default=os.environ.get("DCMVIEW_PREV_BIN", DEFAULT_PREV))
    parser.add_argument("--pydicom", action="store_true", help="also time a dcmread loop")
    args = parser.parse_args()

    path, count = scan_folder(corpus(args.corpus))
    folder = str(path)
    check = f"assert len(c) == {count}, len(c)"
    py = sys.executable
    rows: list[tuple[str, list[str], dict[str, str] | None]] = [
        ("python + import only", [py, "-c", "import dcmview.sdk.catalog"], None),
        (
            "dcmview scan (all cores)",
            [py, "-c", f"from dcmview.sdk.catalog import scan; c = scan({folder!r}); {check}"],
            None,
        ),
        (
            "dcmview scan (1 core)",
            [py, "-c", f"from dcmview.sdk.catalog import scan; c = scan({folder!r}); {check}"],
            {**os.environ, "DCMVIEW_SCAN_WORKERS": "0"},
        ),
    ]
    try:
        import dcmview.cli  # noqa: F401  # the CLI exists once the lead wires it

        rows.append(
            (
                "dcmview CLI --timeout 0",
                [py, "-m", "dcmview", "--no-browser", "--timeout", "0", folder],
                None,
            )
        )
    except ImportError:
        pass
    if args.pydicom:
        files = f"sorted(pathlib.Path({folder!r}).rglob('*.dcm'))"
        read = "pydicom.dcmread(p, stop_before_pixels=True)"
        loop = f"import pathlib, pydicom; [{read} for p in {files}]"
        rows.append(("pydicom dcmread loop", [py, "-c", loop], None))
    prev = args.prev if args.prev and os.access(args.prev, os.X_OK) else None
    if prev:
        rows.append(
            ("predecessor --timeout 0", [prev, "--no-browser", "--timeout", "0", folder], None)
        )
    else:
        print("predecessor binary not found (--prev or DCMVIEW_PREV_BIN): no ratio")

    for _, cmd, env in rows:  # warm-up: page cache, .pyc files
        time_command(cmd, env)
    times: dict[str, list[float]] = {name: [] for name, _, _ in rows}
    for _ in range(args.runs):  # interleaved, so a busy moment hits every row alike
        for name, cmd, env in rows:
            times[name].append(time_command(cmd, env))

    base = statistics.median(times["predecessor --timeout 0"]) if prev else None
    print(f"\nscan of {count} files, whole process, {args.runs} runs, {os.cpu_count()} cores")
    print(f"{'command':<28} {'median s':>9} {'min s':>7} {'max s':>7} {'µs/file':>8} {'× prev':>7}")
    for name, values in times.items():
        med = statistics.median(values)
        ratio = f"{med / base:.2f}" if base else "-"
        print(
            f"{name:<28} {med:9.3f} {min(values):7.3f} {max(values):7.3f} "
            f"{med / count * 1e6:8.1f} {ratio:>7}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
