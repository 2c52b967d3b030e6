"""The ROI tables, one per EMBED CSV dialect the SDK reads (dcmview.sdk._roicells).

- ``annotations.csv``: the predecessor tool's table, JSON cells
  (``[[ymin,xmin,ymax,xmax],...]``), frames per box, every string quoted;
- ``annotations_tuple.csv``: EMBED's own spelling, Python tuple literals
  (``((ymin, xmin, ymax, xmax),)``), clinical columns around the ROI columns,
  ``num_roi``, blank frame cells on 2-D images and an identical duplicate row
  that differs only in a clinical column (EMBED has one row per finding);
- ``annotations_nested.csv``: one list of boxes per reader (``[[[...]], [[...]]]``),
  counts spelled as floats (``2.0``, what a pandas merge leaves), no frames
  column, written with a UTF-8 byte order mark as spreadsheet programs do.

All three describe the same boxes; paths are relative to the corpus root.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

from tests.corpus.builder import Annotation

TABLES = ("annotations.csv", "annotations_tuple.csv", "annotations_nested.csv")


def _compact(value) -> str:
    return json.dumps(value, separators=(",", ":"))


def _tuples(value) -> str:
    # repr() of nested tuples is EMBED's spelling, one-element tuples included.
    return repr(tuple(tuple(v) for v in value))


def write_tables(out: Path, annotations: list[Annotation]) -> None:
    rows = sorted(annotations, key=lambda a: a.path)
    with open(out / TABLES[0], "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, quoting=csv.QUOTE_NONNUMERIC)
        w.writerow(["anon_dicom_path", "num_ROI", "ROI_coords", "ROI_frames"])
        for a in rows:
            w.writerow([a.path, len(a.boxes), _compact(a.boxes), _compact(a.frames)])

    with open(out / TABLES[1], "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        header = ["empi_anon", "acc_anon", "anon_dicom_path", "ViewPosition", "num_roi"]
        w.writerow([*header, "ROI_coords", "ROI_frames", "asses"])
        for i, a in enumerate(rows):
            # 2-D images leave the frames cell blank; stacks give a tuple per box.
            frames = _tuples(a.frames) if any(a.frames) else ""
            row = [10000001, 5000001 + i, a.path, a.view, len(a.boxes), _tuples(a.boxes), frames]
            w.writerow([*row, "N" if not a.boxes else "S"])
            if a.path.endswith("L_CC_explicit_le.dcm"):
                w.writerow([*row, "B"])  # a second finding's row: same ROIs

    with open(out / TABLES[2], "w", newline="", encoding="utf-8-sig") as f:
        w = csv.writer(f)
        w.writerow(["anon_dicom_path", "num_roi", "ROI_coords", "laterality"])
        for a in rows:
            if any(a.frames):
                continue  # this dialect has no frames column: 2-D images only
            # Reader 1 drew the first box, reader 2 the others.
            readers = [a.boxes[:1], a.boxes[1:]] if len(a.boxes) > 1 else [a.boxes]
            coords = repr([r for r in readers if r]) if a.boxes else "[]"
            w.writerow([a.path, f"{len(a.boxes)}.0", coords, a.laterality])
