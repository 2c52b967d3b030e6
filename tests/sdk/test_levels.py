"""Resolution levels: sizes, area averaging, native JPEG 2000 / HTJ2K levels, the cache.

A level decoded natively from a lossless codestream is compared with OpenJPEG's
own reduced decode read independently of the SDK (Pillow's binding, on the bare
codestream); a level made from full resolution with a box mean written here
sample by sample.
"""

from __future__ import annotations

import io
import math
import threading
from fractions import Fraction
from pathlib import Path
from typing import Any

import imagecodecs
import numpy as np
import pydicom
import pytest
from PIL import Image, ImageFile
from pydicom import uid
from pydicom.encaps import generate_frames
from pydicom.pixels.utils import get_j2k_parameters

from dcmview.sdk import _openjpeg, codecs
from dcmview.sdk.cache import ByteCache
from dcmview.sdk.cine import cine_rate
from dcmview.sdk.errors import DcmviewError, DecodeError, ImageTooLargeError, InvalidInputError
from dcmview.sdk.instance import Instance, open
from dcmview.sdk.levels import (
    ResolutionLevel,
    downsample,
    level_for,
    level_size,
    max_level,
)
from tests.corpus import manifest, params
from tests.dicom_factory import make_dataset, make_dicom, pixels, write

# -- references, written independently of the SDK -------------------------------------


def box_mean(values: np.ndarray, level: int, padding: tuple[int, int] | None = None) -> np.ndarray:
    """The mean of each 2**level block, sample by sample, rounded half up (exact fractions)."""
    size = 1 << level
    rows, columns = values.shape[:2]
    out = np.empty((math.ceil(rows / size), math.ceil(columns / size), *values.shape[2:]))
    for r in range(out.shape[0]):
        for c in range(out.shape[1]):
            block = values[r * size : (r + 1) * size, c * size : (c + 1) * size]
            cells = block.reshape(-1, *values.shape[2:])
            if padding is not None:
                keep = ~((cells >= padding[0]) & (cells <= padding[1]))
                if keep.any():
                    cells = cells[keep]
            if values.dtype.kind == "f":
                out[r, c] = cells.astype(np.float64).mean(axis=0)
            else:
                means = [Fraction(int(s), len(cells)) for s in np.atleast_1d(cells.sum(axis=0))]
                rounded = [math.floor(m + Fraction(1, 2)) for m in means]
                out[r, c] = rounded if values.ndim == 3 else rounded[0]
    return out.astype(values.dtype)


def codestream(path: Path, index: int = 0) -> bytes:
    ds = pydicom.dcmread(path)
    frames = int(ds.get("NumberOfFrames", 1) or 1)
    return list(generate_frames(ds.PixelData, number_of_frames=frames))[index]


def openjpeg_reduced(stream: bytes, level: int) -> np.ndarray:
    """OpenJPEG's reduced decode through Pillow's binding, as stored values.

    Pillow's ``load()`` sizes a reduced image by rounding, where OpenJPEG (and the
    standard) round up, so the tile is given the right size here. Pillow scales
    samples to its modes: precision p of 1 component to ``(v + signed offset) <<
    (16 - p)`` in I;16 (``<< (8 - p)`` in L); 8-bit colour as it is.
    """
    params = get_j2k_parameters(stream)
    precision, signed = int(params["precision"]), bool(params["is_signed"])
    image = Image.open(io.BytesIO(stream))
    width, height = image.size
    size = (-(-width >> level), -(-height >> level))
    image._size = size
    tile = image.tile[0]
    args = (tile.args[0], level, 0, *tile.args[3:])
    image.tile = [ImageFile._Tile(tile.codec_name, (0, 0, *size), tile.offset, args)]
    ImageFile.ImageFile.load(image)
    samples = np.asarray(image).astype(np.int64)
    if image.mode == "RGB":
        assert precision == 8
        assert not signed
        return samples
    assert precision <= 16
    samples >>= (16 if image.mode.startswith("I;16") else 8) - precision
    return samples - (1 << (precision - 1)) if signed else samples


# -- level arithmetic ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rows", "columns", "deepest"),
    [(1, 1, 0), (2, 1, 1), (3, 3, 2), (2048, 1664, 11), (2049, 7, 12), (3328, 2560, 12)],
)
def test_the_deepest_level_is_the_first_that_is_one_by_one(
    rows: int, columns: int, deepest: int
) -> None:
    assert max_level(rows, columns) == deepest
    assert level_size(rows, columns, deepest) == (1, 1)
    if deepest:
        assert level_size(rows, columns, deepest - 1) != (1, 1)


@pytest.mark.parametrize(("rows", "columns"), [(1025, 777), (3328, 2560), (5, 3), (1, 9)])
def test_level_sizes_round_up(rows: int, columns: int) -> None:
    for level in range(max_level(rows, columns) + 1):
        assert level_size(rows, columns, level) == (
            math.ceil(rows / 2**level),
            math.ceil(columns / 2**level),
        )


def test_level_for_is_the_least_work_that_still_fills_the_viewport() -> None:
    assert level_for(3328, 2560, 1000) == 1  # 1664 px >= 1000, 832 px would not
    assert level_for(3328, 2560, 832) == 2
    assert level_for(2048, 1664, 900) == 1
    assert level_for(512, 512, 1000) == 0
    assert level_for(512, 512, 1) == 9
    for size in (1, 7, 300, 1000, 5000):
        level = level_for(3328, 2560, size)
        assert level == 0 or max(level_size(3328, 2560, level)) >= size
        if level < max_level(3328, 2560):
            assert max(level_size(3328, 2560, level + 1)) < size or size > 3328


def test_resolution_level_says_size_and_scale() -> None:
    level = ResolutionLevel(2, 1025, 1031)
    assert (level.rows, level.columns) == (257, 258)
    assert level.row_scale == 1025 / 257
    assert level.column_scale == 1031 / 258
    assert level.to_full(257, 258) == (1025.0, 1031.0)
    assert ResolutionLevel(0, 10, 20).row_scale == 1.0


@pytest.mark.parametrize("bad", [-1, 12, 99])
def test_a_level_outside_the_range_is_invalid_input(bad: int) -> None:
    with pytest.raises(InvalidInputError, match=r"level .* outside 0\.\.11"):
        ResolutionLevel(bad, 2048, 1664)


@pytest.mark.parametrize("bad", [True, 1.0, "1", None])
def test_a_level_that_is_not_an_int_is_a_type_error(bad: object) -> None:
    with pytest.raises(TypeError):
        ResolutionLevel(bad, 2048, 1664)  # type: ignore[arg-type]  # the point of the test


@pytest.mark.parametrize("bad", [0, -5])
def test_max_size_must_be_positive(bad: int) -> None:
    with pytest.raises(InvalidInputError, match="max_size"):
        level_for(100, 100, bad)


# -- area averaging --------------------------------------------------------------------


@pytest.mark.parametrize(
    "dtype", ["u1", "u2", "i2", "u4", "i4", "f4", "f8", "i8"], ids=lambda d: str(d)
)
@pytest.mark.parametrize("shape", [(37, 29), (32, 16), (5, 70), (1, 3)])
def test_downsample_is_the_box_mean(dtype: str, shape: tuple[int, int]) -> None:
    rng = np.random.default_rng(7)
    kind = np.dtype(dtype)
    if kind.kind == "f":
        values = rng.normal(0, 1000, shape).astype(kind)
    else:
        info = np.iinfo(kind)
        values = rng.integers(max(info.min, -(2**40)), min(info.max, 2**40), shape).astype(kind)
    for level in range(1, max_level(*shape) + 1):
        got = downsample(values, level)
        assert got.dtype == values.dtype
        assert got.shape == level_size(*shape, level)
        expected = box_mean(values, level)
        if kind.kind == "f":
            np.testing.assert_allclose(got, expected, rtol=1e-6)
        else:
            np.testing.assert_array_equal(got, expected)


def test_downsample_rounds_half_up_also_below_zero() -> None:
    values = np.array([[-1, -2, 3, 4]], dtype=np.int16)  # means -1.5 and 3.5
    assert downsample(values, 1).tolist() == [[-1, 4]]


def test_downsample_of_colour_averages_each_sample() -> None:
    rng = np.random.default_rng(1)
    rgb = rng.integers(0, 256, (21, 34, 3), dtype=np.uint8)
    for level in (1, 2, 3):
        np.testing.assert_array_equal(downsample(rgb, level), box_mean(rgb, level))


def test_downsample_leaves_padding_out_of_the_means() -> None:
    rng = np.random.default_rng(2)
    values = rng.integers(100, 900, (19, 23), dtype=np.uint16)
    values[:, :9] = 65535  # a padding band, ending inside the blocks of column 8
    got = downsample(values, 2, padding=(65535, 65535))
    np.testing.assert_array_equal(got, box_mean(values, 2, padding=(65535, 65535)))
    assert (got[:, :2] == 65535).all()  # blocks of padding only stay padding
    assert got[:, 2].max() < 900  # the edge block: tissue only, not a white rim
    # A padding value outside the dtype matches nothing: the plain mean.
    np.testing.assert_array_equal(downsample(values, 2, padding=(-5, -1)), box_mean(values, 2))


def test_downsample_of_palette_indexes_keeps_the_first_sample() -> None:
    values = np.arange(35, dtype=np.uint8).reshape(5, 7)
    assert downsample(values, 1, decimate=True).tolist() == values[::2, ::2].tolist()


# -- native levels of JPEG 2000 and HTJ2K ---------------------------------------------

NATIVE = [
    pytest.param({"bits_stored": 8, "bits_allocated": 8}, id="j2k-u8"),
    pytest.param({"bits_stored": 10}, id="j2k-u10"),
    pytest.param({"bits_stored": 12}, id="j2k-u12"),
    pytest.param({"bits_stored": 16}, id="j2k-u16"),
    pytest.param({"bits_stored": 12, "signed": True}, id="j2k-s12"),
    pytest.param({"bits_stored": 16, "signed": True}, id="j2k-s16"),
    pytest.param({"bits_stored": 8, "bits_allocated": 8, "samples": 3}, id="j2k-rgb8"),
    pytest.param({"bits_stored": 12, "transfer_syntax": uid.HTJ2KLossless}, id="htj2k-u12"),
    pytest.param(
        {"bits_stored": 16, "signed": True, "transfer_syntax": uid.HTJ2KLossless}, id="htj2k-s16"
    ),
    pytest.param(
        {"bits_stored": 8, "bits_allocated": 8, "samples": 3, "transfer_syntax": uid.HTJ2KLossless},
        id="htj2k-rct8",
    ),
]


@pytest.mark.parametrize("kwargs", NATIVE)
def test_a_native_level_is_openjpegs_reduced_decode(tmp_path: Path, kwargs: dict[str, Any]) -> None:
    kwargs = {"transfer_syntax": uid.JPEG2000Lossless, **kwargs}
    path = make_dicom(tmp_path, rows=301, columns=259, **kwargs)
    inst = open(path)
    assert inst._decodes_levels()
    stream = codestream(path)
    frame = inst.frame(0)
    for level in (1, 2, 3):
        got = frame.array(level=level)
        assert got.shape[:2] == (math.ceil(301 / 2**level), math.ceil(259 / 2**level))
        assert got.dtype == frame.array().dtype
        expected = openjpeg_reduced(stream, level)
        np.testing.assert_array_equal(got.astype(np.int64), expected)


def test_lossy_jpeg2000_levels_are_openjpegs_too(tmp_path: Path) -> None:
    path = make_dicom(tmp_path, rows=256, columns=200, bits_stored=12, transfer_syntax=uid.JPEG2000)
    frame = open(path).frame(0)
    for level in (1, 2):
        np.testing.assert_array_equal(
            frame.array(level=level).astype(np.int64), openjpeg_reduced(codestream(path), level)
        )


def test_level_zero_is_the_full_frame(tmp_path: Path) -> None:
    path = make_dicom(tmp_path, rows=64, columns=40, transfer_syntax=uid.JPEG2000Lossless)
    frame = open(path).frame(0)
    np.testing.assert_array_equal(frame.array(level=0), frame.array())
    np.testing.assert_array_equal(frame.instance.decode(0, 0), frame.instance.decode(0))


def test_a_level_past_the_codestreams_wavelet_levels_is_averaged_from_its_deepest(
    tmp_path: Path,
) -> None:
    arr = pixels(200, 120, bits_stored=12)
    ds = make_dataset(rows=200, columns=120, bits_stored=12, arr=arr)
    # Two decompositions (three resolutions), written by OpenJPEG directly.
    stream = imagecodecs.jpeg2k_encode(
        arr, level=0, codecformat="J2K", bitspersample=12, resolutions=3
    )
    path = _with_frames(tmp_path, ds, [bytes(stream)], uid.JPEG2000Lossless)
    assert codecs.native_level(stream, 5, uid.JPEG2000Lossless) == 2
    frame = open(path).frame(0)
    deepest = frame.array(level=2)
    np.testing.assert_array_equal(deepest.astype(np.int64), openjpeg_reduced(stream, 2))
    for level in (3, 4, 7):
        np.testing.assert_array_equal(frame.array(level=level), box_mean(deepest, level - 2))


def test_a_jp2_wrapped_codestream_decodes_at_a_level(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # PS3.5 A.4.4 asks for the bare codestream, but some writers embed JP2 boxes.
    arr = pixels(90, 70, bits_stored=12)
    ds = make_dataset(rows=90, columns=70, bits_stored=12, arr=arr)
    jp2 = bytes(imagecodecs.jpeg2k_encode(arr, level=0, codecformat="JP2", bitspersample=12))
    bare = jp2[jp2.find(b"\xff\x4f\xff\x51") :]
    path = _with_frames(tmp_path, ds, [jp2], uid.JPEG2000Lossless)
    inst = open(path)
    monkeypatch.setattr(inst, "_downsample", None)  # no averaging: a native decode only
    np.testing.assert_array_equal(
        inst.frame(0).array(level=1).astype(np.int64), openjpeg_reduced(bare, 1)
    )


def test_a_multiframe_file_decodes_each_frame_at_its_level(tmp_path: Path) -> None:
    path = make_dicom(tmp_path, rows=96, columns=80, frames=3, transfer_syntax=uid.JPEG2000Lossless)
    inst = open(path)
    for index in range(3):
        np.testing.assert_array_equal(
            inst.frame(index).array(level=1).astype(np.int64),
            openjpeg_reduced(codestream(path, index), 1),
        )


def _with_frames(tmp_path: Path, ds: pydicom.Dataset, frames: list[bytes], ts: str) -> Path:
    from pydicom.dataset import FileMetaDataset
    from pydicom.encaps import encapsulate

    ds = ds.copy()
    ds.file_meta = FileMetaDataset()
    ds.file_meta.MediaStorageSOPClassUID = ds.SOPClassUID
    ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
    ds.file_meta.TransferSyntaxUID = ts
    ds.PixelData = encapsulate(frames)
    ds["PixelData"].VR = "OB"
    ds["PixelData"].is_undefined_length = True
    path = tmp_path / "made.dcm"
    ds.save_as(path, enforce_file_format=True)
    return path


# -- other syntaxes, the cache ---------------------------------------------------------

AVERAGED = [
    pytest.param({}, id="explicit-le"),
    pytest.param({"transfer_syntax": uid.ImplicitVRLittleEndian, "signed": True}, id="implicit"),
    pytest.param({"transfer_syntax": uid.RLELossless, "bits_stored": 12}, id="rle"),
    pytest.param({"transfer_syntax": uid.JPEGLSLossless, "bits_stored": 12}, id="jpeg-ls"),
    pytest.param(
        {
            "transfer_syntax": uid.JPEGBaseline8Bit,
            "bits_allocated": 8,
            "bits_stored": 8,
            "samples": 3,
        },
        id="jpeg-ybr",
    ),
    pytest.param({"bits_allocated": 32, "float_pixels": "FloatPixelData"}, id="float"),
    pytest.param({"bits_allocated": 8, "bits_stored": 8, "palette": True}, id="palette"),
]


@pytest.mark.parametrize("kwargs", AVERAGED)
def test_other_syntaxes_are_averaged_from_full_resolution(
    tmp_path: Path, kwargs: dict[str, Any]
) -> None:
    path = make_dicom(tmp_path, rows=45, columns=38, **kwargs)
    inst = open(path)
    assert not inst._decodes_levels()
    full = inst.frame(0).array()
    palette = inst.photometric_interpretation == "PALETTE COLOR"
    for level in (1, 2, 6):
        got = inst.frame(0).array(level=level)
        expected = full[:: 2**level, :: 2**level] if palette else box_mean(full, level)
        if full.dtype.kind == "f":
            np.testing.assert_allclose(got, expected, rtol=1e-6)
        else:
            np.testing.assert_array_equal(got, expected)


def test_padding_is_left_out_of_averaged_levels(tmp_path: Path) -> None:
    arr = pixels(40, 30, bits_stored=12)
    arr[:, :11] = 4095
    ds = make_dataset(rows=40, columns=30, bits_stored=12, padding_value=4095, arr=arr)
    path = write(ds, tmp_path / "pad.dcm")
    got = open(path).frame(0).array(level=2)
    np.testing.assert_array_equal(got, box_mean(arr, 2, padding=(4095, 4095)))


def test_a_full_frame_in_the_cache_serves_every_level_without_decoding(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = make_dicom(tmp_path, rows=301, columns=259, transfer_syntax=uid.JPEG2000Lossless)
    cache = ByteCache(64 << 20)
    inst = Instance(path, cache=cache)
    full = inst.frame(0).array()

    def no_decoding(*args: object, **kwargs: object) -> None:
        raise AssertionError("decoded again")

    monkeypatch.setattr(codecs, "decode_frame", no_decoding)
    for level in (1, 2, 5):
        got = inst.frame(0).array(level=level)
        np.testing.assert_array_equal(got, box_mean(full, level))
        assert not got.flags.writeable
        assert (str(inst.path), 0, level) in cache
        assert inst.frame(0).is_cached(level)


def test_a_level_is_cached_under_its_own_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = make_dicom(tmp_path, rows=128, columns=96, transfer_syntax=uid.JPEG2000Lossless)
    cache = ByteCache(64 << 20)
    inst = Instance(path, cache=cache)
    calls: list[int] = []
    decode = codecs.decode_frame

    def counted(*args: Any, **kwargs: Any) -> Any:
        calls.append(kwargs.get("level", 0))
        return decode(*args, **kwargs)

    monkeypatch.setattr(codecs, "decode_frame", counted)
    first = inst.frame(0).array(level=2)
    again = inst.frame(0).array(level=2)
    assert first is again
    assert calls == [2]
    assert not inst.frame(0).is_cached()  # a native level does not decode the full frame
    assert inst.frame(0).cache_key(2) == (inst.path, 0, 2)
    assert inst.frame(0).cache_key(0) == inst.frame(0).key == (inst.path, 0)


def test_averaged_levels_keep_the_full_decode_in_the_cache(tmp_path: Path) -> None:
    path = make_dicom(tmp_path, rows=60, columns=50, transfer_syntax=uid.RLELossless)
    cache = ByteCache(64 << 20)
    inst = Instance(path, cache=cache)
    inst.frame(0).array(level=3)
    assert inst.frame(0).is_cached()
    assert inst.frame(0).is_cached(3)


def test_without_openjpeg_levels_are_averaged(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = make_dicom(tmp_path, rows=77, columns=64, transfer_syntax=uid.JPEG2000Lossless)
    monkeypatch.setattr(_openjpeg, "available", lambda: False)
    inst = open(path)
    assert not inst._decodes_levels()
    np.testing.assert_array_equal(inst.frame(0).array(level=2), box_mean(inst.frame(0).array(), 2))


def test_a_reduced_decode_that_fails_decodes_in_full(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = make_dicom(tmp_path, rows=77, columns=64, transfer_syntax=uid.JPEG2000Lossless)

    def broken(src: bytes, reduce: int, threads: int = 1) -> np.ndarray:
        raise ValueError("OpenJPEG cannot decode at resolution factor 2: a tile has 1 level")

    monkeypatch.setattr(_openjpeg, "decode", broken)
    frame = open(path).frame(0)
    np.testing.assert_array_equal(frame.array(level=2), box_mean(frame.array(), 2))


def test_a_corrupt_codestream_fails_at_a_level_as_in_full(tmp_path: Path) -> None:
    path = make_dicom(tmp_path, rows=64, columns=64, transfer_syntax=uid.JPEG2000Lossless)
    ds = pydicom.dcmread(path)
    stream = bytearray(codestream(path))
    stream[len(stream) // 2 :] = b"\x00" * (len(stream) - len(stream) // 2)
    bad = _with_frames(tmp_path, ds, [bytes(stream)], uid.JPEG2000Lossless)
    with pytest.raises(DecodeError):
        open(bad).frame(0).array(level=1)


def test_the_size_limit_applies_before_a_reduced_decode(tmp_path: Path) -> None:
    path = make_dicom(tmp_path, rows=64, columns=64, transfer_syntax=uid.JPEG2000Lossless)
    ds = pydicom.dcmread(path)
    ds.Rows = ds.Columns = 65535
    ds.save_as(path, enforce_file_format=True)
    with pytest.raises(ImageTooLargeError):
        open(path).frame(0).array(level=4)


def test_reduced_decodes_keep_the_thread_limit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = make_dicom(tmp_path, rows=64, columns=64, transfer_syntax=uid.JPEG2000Lossless)
    seen: list[int] = []
    decode = _openjpeg.decode

    def recorded(src: bytes, reduce: int, threads: int = 1) -> np.ndarray:
        seen.append(threads)
        return decode(src, reduce, threads)

    monkeypatch.setattr(_openjpeg, "decode", recorded)
    with codecs.thread_limit(1):
        open(path).frame(0).array(level=1)
    assert seen == [1]


def test_reduced_decodes_run_in_parallel_threads(tmp_path: Path) -> None:
    # Every thread gets its own OpenJPEG codec and stream: results stay exact.
    path = make_dicom(
        tmp_path, rows=128, columns=96, frames=4, transfer_syntax=uid.JPEG2000Lossless
    )
    inst = open(path)
    expected = [inst.frame(i).array(level=1) for i in range(4)]
    results: dict[int, np.ndarray] = {}

    def work(i: int) -> None:
        results[i] = inst.frame(i % 4).array(level=1)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for i, arr in results.items():
        np.testing.assert_array_equal(arr, expected[i % 4])


def test_render_and_png_at_a_level(tmp_path: Path) -> None:
    path = make_dicom(tmp_path, rows=90, columns=70, bits_stored=12, window=(2000, 4000))
    frame = open(path).frame(0)
    image = frame.render(level=2)
    assert image.shape == (23, 18)
    assert image.dtype == np.uint8
    png = Image.open(io.BytesIO(frame.png(level=2)))
    assert png.size == (18, 23)
    np.testing.assert_array_equal(np.asarray(png), image)
    assert frame.levels == 8
    assert frame.level_for(40) == 1
    assert frame.resolution(2).rows == 23


def test_cine_rate_from_cine_rate_then_frame_time_then_recommended() -> None:
    ds = pydicom.Dataset()
    assert cine_rate(ds) is None
    ds.RecommendedDisplayFrameRate = 10
    assert cine_rate(ds) == 10.0
    ds.FrameTime = "33.3333"
    assert cine_rate(ds) == pytest.approx(30.0, rel=1e-5)
    ds.CineRate = 24
    assert cine_rate(ds) == 24.0
    ds.CineRate = 0  # unusable: the next one
    assert cine_rate(ds) == pytest.approx(30.0, rel=1e-5)


def test_instance_cine_rate_reads_the_header(tmp_path: Path) -> None:
    ds = make_dataset(rows=8, columns=8, frames=3)
    ds.FrameTime = 40
    path = write(ds, tmp_path / "cine.dcm")
    assert open(path).cine_rate == 25.0
    assert open(make_dicom(tmp_path, "still.dcm", rows=8, columns=8)).cine_rate is None


# -- the shared corpus -------------------------------------------------------------------


@pytest.mark.corpus
@pytest.mark.parametrize(
    "row", params([r for r in manifest() if r["expect"] in {"pixels", "pixels_force"}])
)
def test_corpus_levels(row: dict[str, str]) -> None:
    inst = open(row["abspath"])
    frame = inst.frame(0)
    try:
        full = frame.array()
    except DcmviewError as exc:
        # A frame that cannot be decoded fails at every level, with the same error.
        with pytest.raises(type(exc)):
            frame.array(level=1)
        return
    deepest = frame.levels - 1
    for level in sorted({min(1, deepest), min(2, deepest), deepest}):
        got = frame.array(level=level)
        assert got.shape[:2] == level_size(inst.rows, inst.columns, level)
        assert got.shape[2:] == full.shape[2:]
        assert got.dtype == full.dtype
        if level == 0:
            np.testing.assert_array_equal(got, full)
        elif not inst._decodes_levels():
            np.testing.assert_array_equal(got, inst._downsample(full, level))
        elif (
            full.ndim == 2
            and codecs.native_level(
                codestream(Path(row["abspath"])), level, str(inst.transfer_syntax_uid)
            )
            == level
        ):
            np.testing.assert_array_equal(
                got.astype(np.int64), openjpeg_reduced(codestream(Path(row["abspath"])), level)
            )
