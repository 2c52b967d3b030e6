"""encode_png: lossless for every shape it accepts, whatever filter and strategy it picks."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from dcmview.sdk import _png
from dcmview.sdk._png import encode_png
from dcmview.sdk.instance import open as open_instance
from tests.bundled import bundled_files


def _decoded(png: bytes) -> np.ndarray:
    # Pillow's decoder is independent of the libpng that encoded it.
    return np.asarray(Image.open(io.BytesIO(png)))


def _images() -> list[tuple[str, np.ndarray]]:
    rng = np.random.default_rng(7)
    smooth = np.add.outer(np.arange(300), np.arange(257)).astype(np.uint8)
    return [
        ("1x1 grey", np.array([[200]], dtype=np.uint8)),
        ("1xN grey", rng.integers(0, 256, (1, 513), dtype=np.uint8)),
        # Tall and narrow noise: more PNG than samples (filter byte per row).
        ("Nx1 grey", rng.integers(0, 256, (3000, 1), dtype=np.uint8)),
        ("Nx2 grey", rng.integers(0, 256, (100, 2), dtype=np.uint8)),
        ("Nx1 rgb", rng.integers(0, 256, (3000, 1, 3), dtype=np.uint8)),
        ("noise grey", rng.integers(0, 256, (301, 299), dtype=np.uint8)),
        ("smooth grey", smooth),
        ("flat grey", np.full((64, 64), 17, dtype=np.uint8)),
        ("noise rgb", rng.integers(0, 256, (37, 41, 3), dtype=np.uint8)),
        ("smooth rgb", np.dstack([smooth, smooth[::-1], smooth[:, ::-1]]).copy()),
        ("non-contiguous grey", smooth[::2, ::3]),
    ]


@pytest.mark.parametrize(("name", "image"), _images(), ids=[n for n, _ in _images()])
def test_encode_png_is_lossless(name: str, image: np.ndarray) -> None:
    png = encode_png(image)
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    np.testing.assert_array_equal(_decoded(png), image)


def test_rendered_bundled_frames_round_trip() -> None:
    # Real renders: greyscale CT/MR and colour files among pydicom's bundled ones.
    names = ("CT_small.dcm", "MR_small.dcm", "SC_rgb_rle.dcm", "SC_rgb_jpeg.dcm")
    paths = [p for p in bundled_files() if p.rsplit("/", 1)[-1] in names]
    assert len(paths) == len(names)
    for path in paths:
        rendered = open_instance(path).frame(0).render()
        np.testing.assert_array_equal(_decoded(encode_png(rendered)), rendered)


def test_pillow_fallback_decodes_to_the_same_pixels(monkeypatch: pytest.MonkeyPatch) -> None:
    image = np.add.outer(np.arange(90), np.arange(70)).astype(np.uint8)
    fast = encode_png(image)
    monkeypatch.setattr(_png, "_png_encode", None)
    fallback = encode_png(image)
    assert fallback != fast  # a different encoder did run
    np.testing.assert_array_equal(_decoded(fallback), _decoded(fast))


@pytest.mark.parametrize(
    "bad",
    [
        np.zeros((4, 4), dtype=np.uint16),
        np.zeros((4, 4, 2), dtype=np.uint8),
        np.zeros((4, 4, 5), dtype=np.uint8),
        np.zeros((0, 4), np.uint8),
    ],
)
def test_encode_png_refuses_what_render_never_returns(bad: np.ndarray) -> None:
    with pytest.raises(TypeError):
        encode_png(bad)


def test_rgba_overlays_round_trip_with_both_encoders(monkeypatch: pytest.MonkeyPatch) -> None:
    # RGBA: what sdk.seg_overlays.segmentation_overlay_png encodes.
    rng = np.random.default_rng(7)
    image = rng.integers(0, 256, size=(37, 23, 4), dtype=np.uint8)
    np.testing.assert_array_equal(_decoded(encode_png(image)), image)
    monkeypatch.setattr(_png, "_png_encode", None)
    np.testing.assert_array_equal(_decoded(encode_png(image)), image)
