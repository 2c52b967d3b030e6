"""dcmview.batch on a real dask.distributed LocalCluster of two worker processes.

Thumbnails of corpus folders (odd and broken files included): one row per file,
failures with their reasons, PNGs equal to the SDK's render; a job function that
raises; the ``dcmview batch`` command with its own LocalCluster.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from PIL import Image

import dcmview.sdk as sdk
from dcmview import batch

pytestmark = [pytest.mark.corpus, pytest.mark.slow]


@pytest.fixture(scope="module")
def client() -> Iterator[object]:
    from distributed import Client, LocalCluster

    with (
        LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        Client(cluster) as c,
    ):
        assert len(c.scheduler_info()["workers"]) == 2
        yield c


def test_thumbnails_one_row_per_file_failures_with_reasons(
    client, corpus_ci: Path, tmp_path: Path
) -> None:
    folders = [corpus_ci / "edge", corpus_ci / "us"]
    catalog = sdk.scan(*folders)
    seen: list[tuple[int, int]] = []
    df = batch.thumbnails(
        catalog,
        tmp_path,
        size=96,
        client=client,
        chunk=4,
        progress=lambda d, t: seen.append((d, t)),
    )
    files = sorted(p for f in folders for p in f.rglob("*") if p.is_file())
    assert len(df) == len(files) == len(catalog) + len(catalog.skipped)
    assert sorted(df["path"]) == sorted(str(p) for p in files)
    assert seen[-1] == (len(catalog), len(catalog))
    ok = df[df["ok"]]
    bad = df[~df["ok"]]
    assert len(ok) > 5
    assert len(bad) > 0
    # Every failure says why: an SDK error code (or the scan's skip reason) and a message.
    assert bad["error"].notna().all()
    assert (bad["message"].str.len() > 0).all()
    assert "not_dicom" in set(bad["error"])
    assert "no_pixel_data" in set(bad["error"]) or "pixel_decode_failed" in set(bad["error"])
    # A thumbnail is the SDK's render of the middle frame, fitted in 96 px.
    for row in ok.itertuples():
        png = np.asarray(Image.open(row.thumbnail))
        assert max(png.shape[:2]) <= 96
        assert (row.height, row.width) == png.shape[:2]
    row = ok.iloc[0]
    inst = catalog[int(row["index"])]
    frame = inst.frame(inst.number_of_frames // 2)
    want = Image.fromarray(frame.render(level=frame.level_for(96)))
    want.thumbnail((96, 96))
    np.testing.assert_array_equal(np.asarray(Image.open(row["thumbnail"])), np.asarray(want))


def _rows_or_raise(inst: sdk.Instance) -> dict[str, object]:
    if inst.header.instance_number == 2:
        raise RuntimeError("refusing instance 2")
    return {"rows": inst.rows, "frames": inst.number_of_frames}


def test_a_job_that_raises_for_some_files_goes_on(client, corpus_ci: Path) -> None:
    series = sorted((corpus_ci / "ct").glob("*/*/*"))[0]
    df = batch.run(_rows_or_raise, series, client=client, progress=False)
    assert len(df) == len(list(series.glob("*.dcm")))
    failed = df[~df["ok"]]
    assert list(failed["error"]) == ["RuntimeError"]
    assert list(failed["message"]) == ["refusing instance 2"]
    assert (df[df["ok"]]["rows"] == 256).all()
    assert df["index"].tolist() == list(range(len(df)))


def test_statistics_equal_the_sdk(client, corpus_ci: Path) -> None:
    series = sorted((corpus_ci / "ct").glob("*/*/*"))[0]
    df = batch.statistics(series, client=client, progress=False)
    catalog = sdk.scan(series)
    for row in df.itertuples():
        values = catalog[row.index].frame(0).modality_values()
        assert row.min == float(values.min())
        assert row.mean == pytest.approx(float(values.mean()))


def test_dcmview_batch_thumbnails_command(corpus_ci: Path, tmp_path: Path) -> None:
    series = sorted((corpus_ci / "ct").glob("*/*/*"))[0]
    out = tmp_path / "thumbs"
    run = subprocess.run(
        [sys.executable, "-m", "dcmview", "batch", "thumbnails", str(series), "-o", str(out),
         "--size", "64", "--workers", "2", "--no-progress"],
        capture_output=True, text=True, timeout=600, cwd=tmp_path,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    n = len(list(series.glob("*.dcm")))
    assert f"thumbnails of {n} file(s), 0 failed" in run.stdout
    table = pd.read_csv(out / "thumbnails.csv")
    assert len(table) == n
    assert table["ok"].all()
    assert len(list(out.glob("*.png"))) == n


def test_dcmview_batch_usage_errors() -> None:
    run = subprocess.run(
        [sys.executable, "-m", "dcmview", "batch", "thumbnails", "/nonexistent", "-o", "/tmp/x"],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert run.returncode == 1
    assert "dcmview batch: error: /nonexistent: no such file or folder" in run.stderr
    run = subprocess.run(
        [sys.executable, "-m", "dcmview", "batch", "nosuchjob", "x"],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert run.returncode == 2


def test_rois_check_an_embed_csv_against_the_archive_and_measure_each_box(
    client, corpus_ci: Path, tmp_path: Path
) -> None:
    """Every box of the corpus's annotations is measured on the frames it is scoped to (all
    frames when unscoped), equal to the SDK; a box outside its image and a path the archive
    does not have are rows that say so; the job goes on."""
    import csv

    with open(corpus_ci / "annotations.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    for r in rows:
        r["anon_dicom_path"] = str(corpus_ci / r["anon_dicom_path"])
    mg = next(r for r in rows if r["anon_dicom_path"].endswith("L_CC_deflated.dcm"))
    rows.append(mg | {"anon_dicom_path": str(corpus_ci / "mg" / "gone.dcm")})
    outside = sdk.open(mg["anon_dicom_path"])
    big = [[0, 0, outside.rows, 10]]  # ymax = rows: one row past the image
    explicit = next(r for r in rows if r["anon_dicom_path"].endswith("L_CC_explicit_le.dcm"))
    explicit.update(num_ROI="1", ROI_coords=str(big), ROI_frames="[[]]")
    path = tmp_path / "annotations.csv"
    with open(path, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)

    archive = sdk.scan(corpus_ci / "mg")
    df = batch.rois(path, archive, client=client, progress=False)
    roiset = sdk.RoiSet.from_embed_csv(path)
    roiset.match(archive)
    measured = df[df["ok"]]
    assert len(measured) > 20
    for row in measured.itertuples():
        inst = archive[int(row.index)]
        values = inst.frame(int(row.frame)).modality_values()
        box = values[row.ymin : row.ymax + 1, row.xmin : row.xmax + 1]
        assert (row.pixels, row.min, row.max) == (box.size, box.min(), box.max())
        assert row.mean == pytest.approx(float(box.mean()))
        roi = roiset.for_instance(inst.header)[int(row.roi) - 1]
        assert (roi.ymin, roi.xmin, roi.ymax, roi.xmax) == (row.ymin, row.xmin, row.ymax, row.xmax)
    # One row per (ROI, frame): scoped ROIs on their frames, unscoped ones on every frame.
    for i in {int(i) for i in df["index"].dropna()}:
        inst = archive[i]
        want = sum(len(r.frames) or inst.number_of_frames for r in roiset.for_instance(inst.header))
        assert (df["index"] == i).sum() == want, inst.path
    dbt = df[df["path"].str.endswith("DBT_L_CC_12f_j2k_lossless.dcm")]
    assert sorted(dbt["frame"]) == [4, 5, 5, 6, 6, 7, 8, 9]

    bad = df[df["error"] == "roi_outside_image"]
    assert bad["path"].tolist() == [explicit["anon_dicom_path"]]
    assert f"outside the {outside.rows} x {outside.columns} image" in bad["message"].iloc[0]
    gone = df[df["error"] == "not_in_archive"]
    assert gone["path"].str.endswith("gone.dcm").all()
    assert len(gone) == int(mg["num_ROI"])
    assert gone["index"].isna().all()
    assert set(df["error"].dropna()) == {"roi_outside_image", "not_in_archive"}


def test_dcmview_batch_rois_command(corpus_ci: Path, tmp_path: Path) -> None:
    out = tmp_path / "rois.csv"
    run = subprocess.run(
        [sys.executable, "-m", "dcmview", "batch", "rois", str(corpus_ci / "mg"),
         "--annotations", str(corpus_ci / "annotations.csv"), "-o", str(out),
         "--workers", "2", "--no-progress"],
        capture_output=True, text=True, timeout=600, cwd=tmp_path,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    table = pd.read_csv(out)
    assert f"rois of {len(table)} ROI row(s), 0 failed" in run.stdout
    assert table["ok"].all()
    assert {"roi", "frame", "mean", "std", "pixels"} <= set(table.columns)
    usage = subprocess.run(
        [sys.executable, "-m", "dcmview", "batch", "rois", str(corpus_ci / "mg"), "-o", str(out)],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert usage.returncode == 2
    assert "rois needs --annotations CSV" in usage.stderr
