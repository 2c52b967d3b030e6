"""``dcmview export``: the same bytes as the SDK calls, clear errors, the viewer command intact."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from dcmview.cli import main
from dcmview.sdk.export import frame_png
from dcmview.sdk.instance import open as open_instance
from dcmview.sdk.roi import RoiSet

pytestmark = pytest.mark.corpus

CT = "ct/CORPUS-CT0001/20240115_CT_CHEST_ABDOMEN/series_002_AX_2.5mm/IM00001.dcm"
DBT = "mg/CORPUS-MG0001/20240117_MAMMO/DBT_L_CC_12f_rle_lossless.dcm"
US = "us/CORPUS-US0001/20240118_US_CAROTID/cine_rgb_20f_explicit_le.dcm"


def test_png_is_the_sdk_png_byte_for_byte(corpus_ci: Path, tmp_path: Path, capsys) -> None:
    out = tmp_path / "slice.png"
    assert (
        main(["export", str(corpus_ci / CT), "--frame", "0", "--window", "40,400", "-o", str(out)])
        == 0
    )
    assert out.read_bytes() == open_instance(corpus_ci / CT).frame(0).png(window=(40, 400))
    assert f"wrote {out}" in capsys.readouterr().out
    preset = tmp_path / "lung.png"
    assert main(["export", str(corpus_ci / CT), "--window", "lung", "-o", str(preset)]) == 0
    assert preset.read_bytes() == open_instance(corpus_ci / CT).frame(0).png(window="lung")


@pytest.mark.parametrize("suffix", [".webp", ".gif", ".png"])
def test_cine_is_the_sdk_export_byte_for_byte(corpus_ci: Path, tmp_path: Path, suffix: str) -> None:
    cli_out, sdk_out = tmp_path / f"cli{suffix}", tmp_path / f"sdk{suffix}"
    args = [
        "export",
        str(corpus_ci / US),
        "--cine",
        str(cli_out),
        "--fps",
        "12",
        "--frames",
        "0-4,7",
    ]
    assert main(args) == 0
    open_instance(corpus_ci / US).export_cine(sdk_out, fps=12, frames=[0, 1, 2, 3, 4, 7])
    assert cli_out.read_bytes() == sdk_out.read_bytes()


def test_annotations_are_drawn_as_the_sdk_draws_them(corpus_ci: Path, tmp_path: Path) -> None:
    csv = corpus_ci / "annotations.csv"
    dbt = open_instance(corpus_ci / DBT)
    rois = RoiSet.from_embed_csv(csv, errors="warn").for_instance(dbt.header)
    assert rois  # the CSV has boxes on this file's frame 5
    out, plain = tmp_path / "boxes.png", tmp_path / "plain.png"
    args = ["export", str(corpus_ci / DBT), "--frame", "5", "--level", "1"]
    assert main([*args, "--annotations", str(csv), "-o", str(out)]) == 0
    assert main([*args, "-o", str(plain)]) == 0
    assert out.read_bytes() == frame_png(dbt.frame(5), level=1, rois=rois)
    assert out.read_bytes() != plain.read_bytes()


def test_errors_and_usage(corpus_ci: Path, tmp_path: Path, capsys) -> None:
    assert main(["export", str(tmp_path / "missing.dcm"), "-o", str(tmp_path / "x.png")]) == 1
    assert "not a file" in capsys.readouterr().err
    assert main(["export", str(corpus_ci / CT), "--cine", str(tmp_path / "x.avi")]) == 1
    assert ".webp" in capsys.readouterr().err
    assert main(["export", str(corpus_ci / CT), "--frame", "5", "-o", str(tmp_path / "x.png")]) == 1
    assert "frame" in capsys.readouterr().err
    assert main(["export", str(corpus_ci / CT)]) == 2  # -o or --cine is required
    assert main(["export", str(corpus_ci / CT), "--window", "40,x", "-o", "y.png"]) == 2
    assert not list(tmp_path.iterdir())


def test_the_command_runs_export_and_still_views_paths(corpus_ci: Path, tmp_path: Path) -> None:
    out = tmp_path / "s.png"
    run = subprocess.run(
        [sys.executable, "-m", "dcmview", "export", str(corpus_ci / CT), "-o", str(out)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    assert out.read_bytes() == frame_png(open_instance(corpus_ci / CT).frame(0))
    # `dcmview PATH` is still the viewer (the predecessor's command line).
    view = subprocess.run(
        [sys.executable, "-m", "dcmview", "--no-browser", "--timeout", "0", str(corpus_ci / "ct")],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert view.returncode == 0, view.stderr
    assert "server running at" in view.stdout
