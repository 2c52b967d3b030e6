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
