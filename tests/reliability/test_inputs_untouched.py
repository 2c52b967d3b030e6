"""A whole session with the real ``dcmview`` process leaves every input as it was (issue 7).

Every input file and the annotations CSV are hashed (content, size, mode,
mtime) with the folder listing before the session; the session scans, opens
every file's info and tags, views every frame (PNG) and the raw samples of
each file's first frame, edits ROIs (add, replace, clear), exports the CSV
and stops the server with SIGTERM; afterwards every hash, and the listing
(no file added next to the inputs: no backup, no sidecar, no lock), is equal.
"""

from __future__ import annotations

import csv
import hashlib
import io
import os
import shutil
from pathlib import Path

import pytest
from pydicom.uid import JPEG2000Lossless, JPEGLSLossless, RLELossless

from tests.corpus import corpus_dir
from tests.dicom_factory import make_dicom
from tests.reliability.server import running

# Documented failures a file may answer (CONTRACT.md: decode failures, refusals).
DOCUMENTED = {
    "pixel_decode_failed",
    "unsupported_transfer_syntax",
    "unsupported_pixel_layout",
    "no_pixel_data",
    "image_too_large",
    "decoder_missing",
    "file_unreadable",
}


def snapshot(root: Path) -> dict[str, tuple[str, int, int, int]]:
    """Relative path -> (sha256, size, mode, mtime_ns) of every file under `root`."""
    out = {}
    for path in sorted(root.rglob("*")):
        if path.is_file():
            st = path.stat()
            digest = hashlib.sha256(path.read_bytes()).hexdigest()
            out[path.relative_to(root).as_posix()] = (
                digest,
                st.st_size,
                st.st_mode,
                st.st_mtime_ns,
            )
    return out


@pytest.fixture
def inputs(tmp_path) -> tuple[Path, Path]:
    """A folder of DICOM files (the ci corpus, plus files built here) and a CSV."""
    root = tmp_path / "study"
    shutil.copytree(corpus_dir("ci"), root)
    built = root / "built"
    built.mkdir(parents=True)
    make_dicom(built, "ct.dcm", rows=64, columns=48, window=(40.0, 400.0))
    make_dicom(built, "rle.dcm", rows=32, columns=32, frames=3, transfer_syntax=RLELossless)
    make_dicom(built, "j2k.dcm", rows=64, columns=64, frames=2, transfer_syntax=JPEG2000Lossless)
    make_dicom(built, "jls.dcm", rows=16, columns=16, transfer_syntax=JPEGLSLossless)
    csv_path = root / "annotations.csv"
    rows = []
    if csv_path.is_file():
        rows = csv_path.read_text(encoding="utf-8").splitlines()[1:]
    header = '"anon_dicom_path","num_ROI","ROI_coords","ROI_frames"'
    rows.append('"built/ct.dcm",1,"[[1,2,30,40]]","[[]]"')
    csv_path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    # Inputs as users have them: read-only for others, mtimes in the past.
    for path in root.rglob("*"):
        if path.is_file():
            os.utime(path, ns=(1_600_000_000_000_000_000, 1_600_000_000_000_000_000))
    return root, csv_path


def test_full_session_leaves_inputs_untouched(inputs):
    root, csv_path = inputs
    before = snapshot(root)
    statuses: dict[int, int] = {}
    with running("--annotations", str(csv_path), str(root)) as server, server.client() as http:
        listing = http.get("/api/files").json()
        assert listing["scan_complete"]
        files = listing["files"]
        assert len(files) >= 5
        for entry in files:
            i = entry["index"]
            for route in (f"/api/file/{i}/info", f"/api/file/{i}/tags"):
                answer = http.get(route)
                assert answer.status_code == 200, (route, answer.text)
            for f in range(entry["frame_count"]):
                answer = http.get(f"/api/file/{i}/frame/{f}")
                statuses[answer.status_code] = statuses.get(answer.status_code, 0) + 1
                if answer.status_code != 200:
                    assert answer.json()["code"] in DOCUMENTED, (entry["path"], answer.text)
            if entry["frame_count"]:
                raw = http.get(f"/api/file/{i}/frame/0/raw")
                assert raw.status_code == 200 or raw.json()["code"] in DOCUMENTED
        # Edit ROIs: add to a file, replace on another, clear the one the CSV had.
        by_path = {Path(e["path"]).relative_to(root).as_posix(): e for e in files}
        ct = by_path["built/ct.dcm"]["index"]
        rle = by_path["built/rle.dcm"]["index"]
        assert http.get(f"/api/file/{ct}/annotations").json()["num_roi"] == 1
        put = {"roi_coords": [[2, 3, 10, 12], [0, 0, 5, 5]], "roi_frames": [[0, 2], []]}
        assert http.put(f"/api/file/{rle}/annotations", json=put).status_code == 200
        cleared = http.put(f"/api/file/{ct}/annotations", json={"roi_coords": []})
        assert cleared.status_code == 200
        assert cleared.json()["num_roi"] == 0
        export = http.get("/api/annotations/export.csv")
        assert export.status_code == 200
        exported = {row["anon_dicom_path"]: row for row in csv.DictReader(io.StringIO(export.text))}
        rle_row = next(v for k, v in exported.items() if k.endswith("built/rle.dcm"))
        assert rle_row["num_ROI"] == "2"
        assert server.stop() == 0, server.log()
    assert statuses.get(200, 0) > 0
    after = snapshot(root)
    assert sorted(after) == sorted(before), "files were added or removed next to the inputs"
    changed = [name for name in before if before[name] != after[name]]
    assert changed == []
