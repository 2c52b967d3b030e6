"""Thumbnails of 10,000 files: a 2-worker Dask LocalCluster against one process.

The files are the ``scan/`` folder of the bench corpus (10,000 CT files of 128x128,
tests/corpus/profiles.py), built once into .cache/corpus unless ``--corpus DIR`` names
a bench corpus. Both sides run the same job, :class:`dcmview.batch.Thumbnail` (middle
frame, default window, 128 px PNG):

- ``one process``: a plain loop over the catalog in a fresh child process;
- ``LocalCluster``: :func:`dcmview.batch.thumbnails` on ``--workers`` worker processes
  (one thread each), started before the clock starts (its start-up is printed apart).

Prints the seconds of each, the speed-up, files per second and the peak RSS of the
one process and of each worker (``ru_maxrss`` read in the worker after the job)::

    .venv/bin/python benchmarks/bench_batch.py [--workers 2] [--limit N] [--corpus DIR]
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import resource
import statistics
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from _corpus import corpus

import dcmview.sdk as sdk
from dcmview import batch


def _peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def one_process(folder: str, out: str, size: int, limit: int) -> tuple[float, int, float]:
    """In a fresh process: scan, then the job on every file; seconds, files, peak MiB."""
    catalog = sdk.scan(folder)
    os.makedirs(out, exist_ok=True)
    job = batch.Thumbnail(out, size)
    n = min(limit, len(catalog)) if limit else len(catalog)
    t0 = time.perf_counter()
    for i in range(n):
        job(catalog[i])
    return time.perf_counter() - t0, n, _peak_mib()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", help="a bench corpus folder (default: the cached one)")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--size", type=int, default=128)
    ap.add_argument("--limit", type=int, default=0, help="only the first N files")
    ap.add_argument("--rounds", type=int, default=1, help="turns of each; medians printed")
    args = ap.parse_args()
    folder = corpus(args.corpus, "bench") / "scan"
    if not folder.is_dir():
        raise SystemExit(f"{folder} is missing: not a bench corpus")

    from distributed import Client, LocalCluster

    catalog = sdk.scan(folder)
    if args.limit:
        catalog = sdk.Catalog(catalog.headers[: args.limit])
    n = len(catalog)
    serial_runs: list[float] = []
    parallel_runs: list[float] = []
    serial_peak = 0.0
    with tempfile.TemporaryDirectory(prefix="dcmview-bench-batch-") as tmp:
        spawn = multiprocessing.get_context("spawn")
        t0 = time.perf_counter()
        with (
            LocalCluster(
                n_workers=args.workers,
                threads_per_worker=1,
                processes=True,
                dashboard_address=None,
                silence_logs=40,
            ) as cluster,
            Client(cluster) as client,
        ):
            startup = time.perf_counter() - t0
            # Rounds take turns, so that the load of other processes falls on both alike.
            for r in range(args.rounds):
                with ProcessPoolExecutor(1, mp_context=spawn) as pool:
                    seconds, done, peak = pool.submit(
                        one_process, str(folder), os.path.join(tmp, f"one{r}"), args.size, n
                    ).result()
                assert done == n
                serial_runs.append(seconds)
                serial_peak = max(serial_peak, peak)
                out = os.path.join(tmp, f"dask{r}")
                t0 = time.perf_counter()
                df = batch.thumbnails(catalog, out, size=args.size, client=client, progress=False)
                parallel_runs.append(time.perf_counter() - t0)
                assert len(df) == n
                assert df["ok"].all(), df[~df["ok"]].head()
                assert len(list(Path(out).glob("*.png"))) == n
            peaks = client.run(_peak_mib)
    serial = statistics.median(serial_runs)
    parallel = statistics.median(parallel_runs)
    print(
        f"\n{n} thumbnails of {args.size} px, {os.cpu_count()} cores, "
        f"load average {os.getloadavg()[0]:.1f}"
    )
    print(f"medians of {args.rounds} round(s) taking turns")
    print(f"{'run':<28}{'seconds':>9}{'files/s':>9}{'peak RSS MiB':>14}")
    print(f"{'one process':<28}{serial:>9.1f}{n / serial:>9.0f}{serial_peak:>14.0f}")
    worker_peaks = " / ".join(f"{v:.0f}" for v in peaks.values())
    print(
        f"{f'LocalCluster, {args.workers} workers':<28}{parallel:>9.1f}{n / parallel:>9.0f}"
        f"{worker_peaks:>14}"
    )
    print(f"speed-up {serial / parallel:.2f}x (cluster start-up {startup:.1f} s, not counted)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
