"""Benchmark: scan 10,000 small CT files, whole process, against the predecessor binary.

Builds (once, cached in --dir) N small CT files with pydicom from the bundled
``CT_small.dcm`` (128x128, ~39 KB, fresh UIDs: 10 patients x 10 series x 100
slices), then times each command as a whole process, several runs after one
warm-up, and prints medians and the ratio to the predecessor::

    python benchmarks/bench_scan.py                      # 10,000 files, 5 runs
    python benchmarks/bench_scan.py --files 2000 --runs 3 --dir /tmp/scan2k

The predecessor (``dcmview-py`` 0.4.1, a Rust binary) is found with --prev or
``DCMVIEW_PREV_BIN``; it runs as ``dcmview --no-browser --timeout 0 DIR``.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

DEFAULT_PREV = "/work/prev-venv/lib/python3.11/site-packages/dcmview_py/bin/dcmview"


def build(folder: Path, count: int) -> Path:
    """Write `count` small CT files under `folder` (once; reused when complete)."""
    done = folder / f".complete-{count}"
    if done.is_file():
        return folder
    import pydicom
    from pydicom.data import get_testdata_file
    from pydicom.uid import generate_uid

    if folder.exists():
        shutil.rmtree(folder)
    template = pydicom.dcmread(get_testdata_file("CT_small.dcm", download=False))
    per_series, series_per_patient = 100, 10
    t0 = time.perf_counter()
    for i in range(count):
        patient, rest = divmod(i, per_series * series_per_patient)
        series, slice_ = divmod(rest, per_series)
        ds = template
        if slice_ == 0:
            if series == 0:
                ds.PatientID = f"SCAN{patient:03d}"
                ds.PatientName = f"SCAN^PATIENT {patient:03d}"
                ds.StudyInstanceUID = generate_uid(entropy_srcs=["study", str(patient)])
            ds.SeriesInstanceUID = generate_uid(entropy_srcs=["series", str(patient), str(series)])
            ds.SeriesNumber = series + 1
        ds.SOPInstanceUID = generate_uid(entropy_srcs=["sop", str(i)])
        ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
        ds.InstanceNumber = slice_ + 1
        ds.ImagePositionPatient = [-100.0, -100.0, -50.0 + 2.5 * slice_]
        out = folder / f"P{patient:03d}" / f"SE{series + 1:03d}" / f"IM{slice_ + 1:05d}.dcm"
        out.parent.mkdir(parents=True, exist_ok=True)
        ds.save_as(out, enforce_file_format=True)
    done.touch()
    print(f"built {count} files in {time.perf_counter() - t0:.1f} s under {folder}")
    return folder


def time_command(cmd: list[str], env: dict[str, str] | None = None) -> float:
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, env=env, check=False)
    elapsed = time.perf_counter() - t0
    if proc.returncode != 0:
        raise SystemExit(f"{cmd[:3]}... failed ({proc.returncode}):\n{proc.stderr.decode()}")
    return elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--dir", type=Path, default=Path(tempfile.gettempdir()) / "dcmview-bench-scan"
    )
    parser.add_argument("--files", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--prev", default=os.environ.get("DCMVIEW_PREV_BIN", DEFAULT_PREV))
    parser.add_argument("--pydicom", action="store_true", help="also time a dcmread loop")
    args = parser.parse_args()

    folder = str(build(args.dir / str(args.files), args.files))
    check = f"assert len(c) == {args.files}, len(c)"
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
    print(f"\nscan of {args.files} files, whole process, {args.runs} runs, {os.cpu_count()} cores")
    print(f"{'command':<28} {'median s':>9} {'min s':>7} {'max s':>7} {'µs/file':>8} {'× prev':>7}")
    for name, values in times.items():
        med = statistics.median(values)
        ratio = f"{med / base:.2f}" if base else "-"
        print(
            f"{name:<28} {med:9.3f} {min(values):7.3f} {max(values):7.3f} "
            f"{med / args.files * 1e6:8.1f} {ratio:>7}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
