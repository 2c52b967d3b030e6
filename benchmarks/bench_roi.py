"""Benchmark: load and validate a 100,000-row EMBED annotations CSV (target: under 2 s).

Generates the CSV (with EMBED-like extra columns) in a temporary folder, in each
ROI_coords dialect plus variants with odd spacing and with trailing commas, and
prints the median over several runs of ``RoiSet.from_embed_csv(csv)`` followed by
``validate(headers)`` against a list of 100,000
:class:`~dcmview.sdk.header.Header` (the catalog seam), and of the CSV export.
The last variant shows the cost of cells that only the (slower) literal parser
reads.

    .venv/bin/python benchmarks/bench_roi.py [--rows 100000] [--runs 5]
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from pathlib import Path

import pandas as pd

from dcmview.sdk.header import Header
from dcmview.sdk.roi import Roi, RoiSet

ROWS, COLUMNS, FRAMES = 3328, 2560, 1


def make_table(n: int, dialect: str, seed: int = 0) -> pd.DataFrame:
    """An EMBED-like table: 0-3 boxes per image, clinical columns around the ROI ones."""
    rng = random.Random(seed)
    coords, counts, frames = [], [], []
    for _ in range(n):
        k = rng.choice((0, 1, 1, 2, 3))
        boxes = []
        for _ in range(k):
            y, x = rng.randrange(ROWS - 400), rng.randrange(COLUMNS - 400)
            boxes.append((y, x, y + rng.randrange(400), x + rng.randrange(400)))
        if dialect == "tuple":
            coords.append(repr(tuple(boxes)))
        elif dialect == "nested":
            coords.append(repr([[list(b) for b in boxes]]) if boxes else "[]")
        elif dialect == "json-odd-spacing":  # still the regular-expression fast path
            coords.append(
                "[ " + " , ".join(f"[{y},{x},{y2},{x2}]" for y, x, y2, x2 in boxes) + " ]"
            )
        elif dialect == "list-trailing-comma":  # valid Python; only the literal parser reads it
            coords.append("[" + "".join(f"[{y},{x},{y2},{x2},]," for y, x, y2, x2 in boxes) + "]")
        else:
            coords.append(str([list(b) for b in boxes]).replace(" ", ""))
        counts.append(str(k))
        frames.append("[]" if k == 0 else str([[] for _ in boxes]).replace(" ", ""))
    return pd.DataFrame(
        {
            "empi_anon": [str(10_000_000 + i // 8) for i in range(n)],
            "acc_anon": [str(5_000_000 + i // 4) for i in range(n)],
            "anon_dicom_path": [f"cohort_1/{i // 4}/{i}.dcm" for i in range(n)],
            "ViewPosition": [("CC", "MLO")[i % 2] for i in range(n)],
            "num_roi": counts,
            "ROI_coords": coords,
            "ROI_frames": frames,
            "match_level": ["1"] * n,
        }
    )


def timed(fn: object, runs: int) -> tuple[float, object]:
    """Median wall time of `runs` calls, and the last result."""
    times, result = [], None
    for _ in range(runs):
        t0 = time.perf_counter()
        result = fn()  # type: ignore[operator]
        times.append(time.perf_counter() - t0)
    return statistics.median(times), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        headers = [
            Header(
                path=str(folder / f"cohort_1/{i // 4}/{i}.dcm"),
                rows=ROWS,
                columns=COLUMNS,
                number_of_frames=FRAMES,
            )
            for i in range(args.rows)
        ]
        print(f"{args.rows} rows, median of {args.runs} runs")
        print(f"{'dialect':<20} {'load+validate s':>16} {'export s':>10} {'rois':>8}")
        for dialect in ("json", "tuple", "nested", "json-odd-spacing", "list-trailing-comma"):
            csv_path = folder / f"{dialect}.csv"
            make_table(args.rows, dialect).to_csv(csv_path, index=False)

            def load_and_validate(path: Path = csv_path) -> RoiSet:
                rois = RoiSet.from_embed_csv(path)
                rois.validate(headers)
                return rois

            load_s, rois = timed(load_and_validate, args.runs)
            assert isinstance(rois, RoiSet)
            rois.set(headers[0], [Roi(1, 2, 3, 4)])  # one edit, as after a viewer session
            export_s, _ = timed(rois.to_embed_csv, args.runs)
            print(f"{dialect:<20} {load_s:>16.3f} {export_s:>10.3f} {rois.num_rois:>8}")


if __name__ == "__main__":
    main()
