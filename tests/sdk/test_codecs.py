"""Decoding reference table: every frame dcmview decodes equals pydicom's own decode.

Rows: (a) pydicom's bundled test files that carry pixel data, (b) the corpus
files expected to decode; first, middle and last frame of each. The reference
is ``pydicom.pixels.pixel_array`` with pydicom's own plugins (pylibjpeg,
pyjpegls, Pillow, its RLE decoder) while dcmview decodes through its
imagecodecs plugin, so two independent decoders must agree. For 8-bit lossy
JPEG the reference is pydicom's Pillow plugin (libjpeg-turbo, as in
imagecodecs): exact. 12-bit lossy JPEG has only libjpeg (pylibjpeg) as a
reference, whose IDCT rounds differently: within 2 grey levels.
"""

from __future__ import annotations

import threading
import warnings
from pathlib import Path

import numpy as np
import pydicom
import pytest
from pydicom import uid
from pydicom.pixels import get_decoder, pixel_array
from pydicom.pixels.decoders.base import Decoder

from dcmview.sdk import codecs
from dcmview.sdk.errors import (
    DcmviewError,
    DecodeError,
    DecoderUnavailableError,
    NoPixelDataError,
    NotDicomError,
)
from dcmview.sdk.instance import Instance, open
from tests.bundled import bundled_files, bundled_id
from tests.corpus import manifest, params
from tests.dicom_factory import make_dicom

_PIXEL_TAGS = (0x7FE00010, 0x7FE00008, 0x7FE00009)
_LOSSY_JPEG = (uid.JPEGBaseline8Bit, uid.JPEGExtended12Bit)


def _frames_to_check(n: int) -> list[int]:
    return sorted({0, n // 2, n - 1})


def _bundled_cases() -> list[object]:
    cases = []
    for path in bundled_files():
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                ds = pydicom.dcmread(path, force=True, defer_size=64)
        except Exception:
            continue  # not DICOM at all: test_instance covers NotDicomError
        if not any(tag in ds for tag in _PIXEL_TAGS):
            continue
        try:
            n = max(int(ds.get("NumberOfFrames", 1) or 1), 1)
        except (TypeError, ValueError):
            n = 1
        name = bundled_id(path)
        cases.extend(pytest.param(path, i, id=f"{name}[{i}]") for i in _frames_to_check(n))
    return cases


def _reference(inst: Instance, index: int) -> tuple[np.ndarray, int]:
    """pydicom's decode of frame `index` and the tolerance to compare with."""
    path = inst.path
    ts = inst.transfer_syntax_uid
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if ts == uid.DeflatedExplicitVRLittleEndian or inst.bits_allocated == 1:
            # pixel_array(path) cannot inflate, and it reads unaligned 1-bit frames
            # one byte short: decode from the whole data set instead.
            ds = pydicom.dcmread(path, force=True)
            if inst.bits_allocated == 1 and len(inst) > 1:
                return pixel_array(ds)[index], 0
            return pixel_array(ds, index=index), 0
        meta = getattr(inst.dataset, "file_meta", None)
        kwargs: dict[str, object] = {}
        if meta is None or "TransferSyntaxUID" not in meta:
            kwargs["transfer_syntax_uid"] = ts
        tolerance = 0
        if ts in _LOSSY_JPEG:
            if inst.bits_stored <= 8:
                kwargs["decoding_plugin"] = "pillow"
            else:
                tolerance = 2
        elif ts == uid.HTJ2K:
            # The irreversible wavelet: OpenJPH (here) and OpenJPEG (pydicom) round apart.
            tolerance = 1
        try:
            return pixel_array(path, index=index, **kwargs), tolerance
        except ValueError:
            # pixel_array(path) locates Pixel Data by the declared transfer syntax;
            # a data set declared explicit but written implicit (SC_rgb_jpeg.dcm)
            # is read right only from the whole data set, as the SDK does.
            ds = pydicom.dcmread(path, force=True)
            return pixel_array(ds, index=index, **kwargs), tolerance


def _assert_matches(inst: Instance, index: int) -> None:
    try:
        expected, tolerance = _reference(inst, index)
    except Exception:
        # pydicom refuses the frame (a deliberately broken bundled file): dcmview must
        # refuse it with its own typed error, or decode it to the declared shape.
        try:
            got = inst.frame(index).array()
        except DcmviewError:
            return
        assert got.shape[:2] == (inst.rows, inst.columns)
        return
    got = inst.frame(index).array()
    assert got.dtype == expected.dtype
    assert got.shape == expected.shape
    if tolerance:
        diff = np.abs(got.astype(np.int64) - expected.astype(np.int64))
        assert diff.max() <= tolerance
    else:
        np.testing.assert_array_equal(got, expected)


@pytest.mark.parametrize(("path", "index"), _bundled_cases())
def test_bundled_file_frame_equals_pydicom(path: str, index: int) -> None:
    # Every case here is a file with pixel data that pydicom reads: dcmview must open it.
    # (No decoder is needed to open a file, so a missing one cannot be the reason.)
    _assert_matches(open(path), index)


def _corpus_frames(expect: set[str]) -> list[object]:
    rows = [r for r in manifest() if r["expect"] in expect]
    cases = []
    for row in rows:
        n = int(row["frames"] or 1)
        cases.extend(
            pytest.param(row, i, id=f"{row['path']}[{i}]", marks=pytest.mark.corpus)
            for i in _frames_to_check(n)
        )
    return cases


@pytest.mark.parametrize(("row", "index"), _corpus_frames({"pixels", "pixels_force"}))
def test_corpus_frame_equals_pydicom(row: dict[str, str], index: int) -> None:
    inst = open(row["abspath"])
    assert len(inst) == int(row["frames"] or 1)
    assert inst.transfer_syntax_uid == row["transfer_syntax_uid"]
    _assert_matches(inst, index)


@pytest.mark.corpus
@pytest.mark.parametrize("row", params([r for r in manifest() if r["expect"] == "broken"]))
def test_corpus_broken_file_raises_decode_error(row: dict[str, str]) -> None:
    inst = open(row["abspath"])
    with pytest.raises(DecodeError) as info:
        inst.frame(0).array()
    assert row["abspath"] in str(info.value)
    assert info.value.path == row["abspath"]


@pytest.mark.corpus
@pytest.mark.parametrize("row", params([r for r in manifest() if r["expect"] == "not_dicom"]))
def test_corpus_not_dicom_raises(row: dict[str, str]) -> None:
    with pytest.raises(NotDicomError) as info:
        open(row["abspath"])
    assert row["abspath"] in str(info.value)
    assert info.value.path == row["abspath"]


@pytest.mark.corpus
@pytest.mark.parametrize("row", params([r for r in manifest() if r["expect"] == "no_pixels"]))
def test_corpus_no_pixels_raises(row: dict[str, str]) -> None:
    inst = open(row["abspath"])
    assert not inst.has_pixels
    assert len(inst) == 0
    with pytest.raises(NoPixelDataError) as info:
        inst.frame(0)
    assert row["abspath"] in str(info.value)


# -- the plugin ------------------------------------------------------------------------

_PLUGIN_SYNTAXES = [
    uid.JPEGBaseline8Bit,
    uid.JPEGExtended12Bit,
    uid.JPEGLossless,
    uid.JPEGLosslessSV1,
    uid.JPEGLSLossless,
    uid.JPEGLSNearLossless,
    uid.JPEG2000Lossless,
    uid.JPEG2000,
    uid.HTJ2KLossless,
    uid.HTJ2KLosslessRPCL,
    uid.HTJ2K,
    uid.RLELossless,
]


@pytest.mark.parametrize("ts", _PLUGIN_SYNTAXES, ids=lambda ts: ts.keyword)
def test_dcmview_plugin_is_the_one_asked_for(ts: uid.UID) -> None:
    pytest.importorskip("imagecodecs")
    codecs.register()
    assert codecs.is_available(ts)
    assert codecs.PLUGIN in get_decoder(ts).available_plugins
    # Always asked for by name: the result never depends on pydicom's plugin order
    # or on whether GPL pylibjpeg-libjpeg is installed.
    assert codecs._plugin_for(ts, "x.dcm") == codecs.PLUGIN
    assert codecs.available(ts)


def test_register_is_idempotent() -> None:
    codecs.register()
    codecs.register()
    plugins = get_decoder(uid.RLELossless).available_plugins
    assert plugins.count(codecs.PLUGIN) == 1


def test_native_syntaxes_need_no_plugin() -> None:
    for ts in (uid.ImplicitVRLittleEndian, uid.ExplicitVRBigEndian):
        assert codecs.available(ts)
        assert codecs._plugin_for(ts, "x.dcm") == ""
    assert not codecs.available("1.2.3.4.5")


def test_missing_decoder_names_what_to_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = make_dicom(
        tmp_path, transfer_syntax=uid.JPEGLosslessSV1, bits_stored=12, rows=32, columns=32
    )
    bare = Decoder(uid.JPEGLosslessSV1)  # a decoder with no plugin at all
    real = codecs.get_decoder
    monkeypatch.setattr(
        codecs, "get_decoder", lambda ts: bare if ts == uid.JPEGLosslessSV1 else real(ts)
    )
    with pytest.raises(DecoderUnavailableError) as info:
        open(path).frame(0).array()
    assert "pip install" in str(info.value)
    assert "dcmview[gpl]" in str(info.value)
    assert str(path) in str(info.value)


def test_unknown_transfer_syntax_is_unsupported(tmp_path: Path) -> None:
    from pydicom.encaps import encapsulate

    from dcmview.sdk.errors import UnsupportedError

    path = make_dicom(tmp_path, rows=8, columns=8)
    ds = pydicom.dcmread(path)
    ds.file_meta.TransferSyntaxUID = uid.MPEG2MPML  # video: pydicom has no decoder
    ds.PixelData = encapsulate([b"\x00\x00\x01\xb3" + bytes(60)])
    ds["PixelData"].VR = "OB"
    ds.save_as(path, enforce_file_format=True)
    with pytest.raises(UnsupportedError) as info:
        open(path).frame(0).array()
    assert str(path) in str(info.value)


def test_j2k_threads_follows_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DCMVIEW_J2K_THREADS", "3")
    assert codecs.j2k_threads() == 3
    monkeypatch.setenv("DCMVIEW_J2K_THREADS", "nonsense")
    assert 1 <= codecs.j2k_threads() <= 8


def test_thread_limit_caps_this_thread_only(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DCMVIEW_J2K_THREADS", "6")
    seen_elsewhere: list[int] = []
    with codecs.thread_limit(2):
        assert codecs.j2k_threads() == 2
        with codecs.thread_limit(0):  # never below one thread
            assert codecs.j2k_threads() == 1
        assert codecs.j2k_threads() == 2
        other = threading.Thread(target=lambda: seen_elsewhere.append(codecs.j2k_threads()))
        other.start()
        other.join()
    assert seen_elsewhere == [6]
    assert codecs.j2k_threads() == 6
    with codecs.thread_limit(10):  # a cap above the setting changes nothing
        assert codecs.j2k_threads() == 6


def test_thread_limited_decode_equals_unlimited() -> None:
    path = next(p for p in bundled_files() if p.endswith("MR_small_jp2klossless.dcm"))
    expected = open(path).frame(0).array()
    with codecs.thread_limit(1):
        limited = open(path).frame(0).array()
    np.testing.assert_array_equal(limited, expected)
