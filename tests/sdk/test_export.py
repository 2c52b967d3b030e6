"""Instance.export_cine: frames read back (Pillow, PyAV) equal the rendered frames."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageSequence

from dcmview.sdk.errors import FrameIndexError, InvalidInputError
from dcmview.sdk.export import burn_rois, cine_frames
from dcmview.sdk.instance import open as open_instance
from dcmview.sdk.roi import Roi

pytestmark = pytest.mark.corpus

US = "us/CORPUS-US0001/20240118_US_CAROTID/cine_rgb_20f_explicit_le.dcm"
DBT = "mg/CORPUS-MG0001/20240117_MAMMO/DBT_L_CC_12f_rle_lossless.dcm"


def _read_back(path: Path) -> list[np.ndarray]:
    with Image.open(path) as im:
        return [
            np.asarray(f.convert(im.mode if im.mode in ("L", "RGB") else "RGB"))
            for f in ImageSequence.Iterator(im)
        ]


@pytest.mark.parametrize("suffix", [".webp", ".png", ".gif"])
def test_grey_cine_round_trips_exactly(corpus_ci: Path, tmp_path: Path, suffix: str) -> None:
    dbt = open_instance(corpus_ci / DBT)
    out = tmp_path / f"dbt{suffix}"
    written = dbt.export_cine(out, window=(2000, 3000), fps=8, level=2)
    rendered = [dbt.frame(i).render((2000, 3000), 2) for i in range(12)]
    assert len(written) == 12
    for a, b in zip(written, rendered, strict=True):
        np.testing.assert_array_equal(a, b)
    back = _read_back(out)
    assert len(back) == 12
    for got, want in zip(back, rendered, strict=True):
        got = got if got.ndim == 2 else got[..., 0]  # WebP reads grey back as RGB
        np.testing.assert_array_equal(got, want)
    with Image.open(out) as im:
        durations = []
        for f in ImageSequence.Iterator(im):
            f.load()  # WebP reads a frame's duration with its pixels
            durations.append(f.info.get("duration"))
    # 8 frames per second; GIF counts in hundredths of a second.
    assert durations == [120 if suffix == ".gif" else 125] * 12


@pytest.mark.parametrize("suffix", [".webp", ".png"])
def test_colour_cine_with_rois_round_trips_exactly(
    corpus_ci: Path, tmp_path: Path, suffix: str
) -> None:
    us = open_instance(corpus_ci / US)
    rois = [Roi(5, 6, 20, 30), Roi(10, 10, 12, 40, frames=(3,))]
    out = tmp_path / f"us{suffix}"
    written = us.export_cine(out, frames=[0, 3, 5], rois=rois)
    back = _read_back(out)
    assert len(back) == 3
    for got, want in zip(back, written, strict=True):
        np.testing.assert_array_equal(got[..., :3], want)
    # The boxes are drawn where they apply, and only there.
    green = np.array([62, 224, 122], dtype=np.uint8)
    assert (written[0][5, 6:31] == green).all()
    assert (written[1][10, 10:41] == green).all()
    assert not (written[2][10, 32:41] == green).all(axis=1).any()


def test_mp4_round_trips_within_h264_loss(corpus_ci: Path, tmp_path: Path) -> None:
    av = pytest.importorskip("av")
    us = open_instance(corpus_ci / US)
    out = tmp_path / "us.mp4"
    written = us.export_cine(out, fps=12)
    with av.open(str(out)) as container:
        stream = container.streams.video[0]
        assert float(stream.average_rate) == pytest.approx(12)
        back = [f.to_ndarray(format="rgb24") for f in container.decode(stream)]
    assert len(back) == len(written) == us.number_of_frames
    for got, want in zip(back, written, strict=True):
        got = got[: want.shape[0], : want.shape[1]]
        error = np.abs(got.astype(int) - want.astype(int))
        assert error.mean() < 3.0, error.mean()


def test_default_rate_is_the_files_own(corpus_ci: Path, tmp_path: Path) -> None:
    us = open_instance(corpus_ci / US)
    assert us.cine_rate
    us.export_cine(tmp_path / "us.gif", frames=[0, 1])
    with Image.open(tmp_path / "us.gif") as im:
        assert im.info["duration"] == pytest.approx(1000 / us.cine_rate, abs=10)


def test_bad_requests_are_clear_errors(corpus_ci: Path, tmp_path: Path) -> None:
    us = open_instance(corpus_ci / US)
    with pytest.raises(InvalidInputError, match=r"'\.avi'.*\.webp"):
        us.export_cine(tmp_path / "x.avi")
    with pytest.raises(InvalidInputError, match="positive"):
        us.export_cine(tmp_path / "x.webp", fps=0)
    with pytest.raises(InvalidInputError, match="no frames"):
        us.export_cine(tmp_path / "x.webp", frames=[])
    with pytest.raises(FrameIndexError):
        us.export_cine(tmp_path / "x.webp", frames=[99])
    assert not list(tmp_path.iterdir())


def test_burn_rois_scales_to_the_level_and_keeps_the_input() -> None:
    grey = np.zeros((10, 10), dtype=np.uint8)
    out = burn_rois(grey, [Roi(4, 4, 11, 11)], frame=0, scale=0.5)
    assert out.shape == (10, 10, 3)
    assert grey.max() == 0
    assert (out[2, 2:6] == (62, 224, 122)).all()
    assert (out[5, 2:6] == (62, 224, 122)).all()
    assert out[..., 0].sum() == 62 * 12


def test_cine_frames_equal_frame_render(corpus_ci: Path) -> None:
    dbt = open_instance(corpus_ci / DBT)
    frames = cine_frames(dbt, frames=[3, 1], level=3)
    np.testing.assert_array_equal(frames[0], dbt.frame(3).render(None, 3))
    np.testing.assert_array_equal(frames[1], dbt.frame(1).render(None, 3))
