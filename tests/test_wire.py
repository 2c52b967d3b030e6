"""dcmview.wire: what the server encodes, the client decodes to the same array."""

from __future__ import annotations

import subprocess
import sys

import httpx
import numpy as np
import pytest

from dcmview import wire
from dcmview.sdk.errors import DcmviewError
from dcmview.sdk.frame import DisplayParameters
from dcmview.sdk.window import VoiLut, Window

# Enough to write the headers; the round trip is about the samples.
PARAMS = DisplayParameters(
    photometric_interpretation="MONOCHROME2",
    rescale_slope=1.0,
    rescale_intercept=0.0,
    unit="",
    default_window=None,
    auto_window=None,
    full_window=None,
    presentation_lut_shape=None,
    padding=None,
)

DTYPES = ["u1", "i1", "<u2", ">u2", "<i2", ">i2", "<u4", "<i4", ">i4", "<f4", ">f4", "<f8", "?"]
SHAPES = [(1, 1), (1, 7), (5, 3), (13, 11), (4, 3, 3), (3, 5, 3)]


def _samples(dtype: str, shape: tuple[int, ...], seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    dt = np.dtype(dtype)
    if dt.kind == "b":
        return rng.integers(0, 2, shape).astype(bool)
    if dt.kind == "f":
        values = rng.normal(0, 1e4, shape)
        values.flat[0] = -0.0
        return values.astype(dt)
    info = np.iinfo(dt)
    # The extremes as well: a sign or high byte lost in the planes shows there.
    values = rng.integers(int(info.min), int(info.max), shape, endpoint=True, dtype=np.int64)
    values.flat[0] = info.min
    values.flat[-1] = info.max
    return values.astype(dt)


def _chunked(body: bytes | memoryview, size: int) -> list[bytes]:
    data = bytes(body)
    return [data[i : i + size] for i in range(0, len(data), size)] or [b""]


def _encode(samples: np.ndarray, coding: str | None, shuffle: bool) -> tuple[dict, bytes]:
    """The raw answer as routes.frame_raw builds it."""
    le = wire.little_endian(samples)
    headers = {
        **wire.frame_headers(le, PARAMS),
        **wire.body_headers(shuffle=shuffle, coding=coding),
    }
    body = wire.encode_samples(le, shuffle=shuffle)
    if coding is not None:
        body = wire.compress(body, coding)
    return headers, bytes(body)


@pytest.mark.parametrize("coding", [None, "zstd", "gzip"])
@pytest.mark.parametrize("shuffle", [False, True], ids=["samples", "planes"])
@pytest.mark.parametrize("dtype", DTYPES)
def test_round_trip(dtype: str, coding: str | None, shuffle: bool) -> None:
    for seed, shape in enumerate(SHAPES):
        samples = _samples(dtype, shape, seed)
        headers, body = _encode(samples, coding, shuffle)
        # As the client reads it: case-insensitive headers, the body in odd slices.
        got = wire.decode_frame(httpx.Headers(headers), _chunked(body, 7))
        want = samples.astype(np.uint8) if samples.dtype == bool else samples
        assert got.dtype == want.dtype.newbyteorder("<"), (dtype, shape)
        assert got.shape == samples.shape
        np.testing.assert_array_equal(got, want)
        assert got.flags.writeable


def test_round_trip_of_a_non_contiguous_view() -> None:
    samples = np.arange(6 * 8, dtype="<u2").reshape(6, 8)[::2, 1::3]
    for shuffle in (False, True):
        headers, body = _encode(samples, "zstd", shuffle)
        np.testing.assert_array_equal(wire.decode_frame(headers, [body]), samples)


def test_identity_body_is_the_cached_array_itself() -> None:
    samples = np.arange(12, dtype="<i2").reshape(3, 4)
    body = wire.encode_samples(samples)
    assert isinstance(body, memoryview)
    assert np.shares_memory(np.frombuffer(body, np.uint8), samples)


def test_byte_planes_are_low_bytes_first() -> None:
    planes = wire.byte_planes(np.array([0x0102, 0x0304], dtype=">u2"))
    assert planes == b"\x02\x04\x01\x03"


def test_frame_headers_carry_the_display_parameters() -> None:
    auto = Window(40.0, 400.0, "SIGMOID")
    lut = Window(0.0, 256.0, lut=VoiLut(first_mapped=0, bits=8, data=tuple(range(256))))
    params = DisplayParameters(
        photometric_interpretation="MONOCHROME1",
        rescale_slope=0.5,
        rescale_intercept=-1024.0,
        unit="µmol/l",
        default_window=auto,
        auto_window=lut,
        full_window=Window.from_range(-3, 1000),
        presentation_lut_shape="INVERSE",
        padding=(-2000, -1990),
        modality_lut=True,
    )
    h = wire.frame_headers(np.zeros((2, 3), dtype="<i2"), params)
    assert h == {
        wire.ROWS: "2",
        wire.COLUMNS: "3",
        wire.BITS_ALLOCATED: "16",
        wire.PIXEL_REPRESENTATION: "1",
        wire.SAMPLES_PER_PIXEL: "1",
        wire.PHOTOMETRIC_INTERPRETATION: "MONOCHROME1",
        wire.SAMPLE_FORMAT: "int",
        wire.RESCALE_SLOPE: "0.5",
        wire.RESCALE_INTERCEPT: "-1024",
        wire.UNIT: "%C2%B5mol/l",
        wire.DEFAULT_WC: "40",
        wire.DEFAULT_WW: "400",
        wire.WINDOW_FUNCTION: "LINEAR",
        wire.AUTO_WC: "0",
        wire.AUTO_WW: "256",
        wire.FULL_WC: "499",
        wire.FULL_WW: "1004",
        wire.VOI_LUT: "1",
        wire.MODALITY_LUT: "1",
        wire.PRESENTATION_LUT_SHAPE: "INVERSE",
        wire.PADDING_LOW: "-2000",
        wire.PADDING_HIGH: "-1990",
    }
    assert wire.unit(httpx.Headers(h)) == "µmol/l"
    assert wire.unit({}) == ""
    # Latin-1 encodable, as HTTP header values must be.
    for value in h.values():
        value.encode("latin-1")


def test_window_headers() -> None:
    assert wire.window_headers(None) == {}
    assert wire.window_headers(Window(40, 400, "LINEAR_EXACT")) == {
        wire.WINDOW_APPLIED: "linear_exact",
        wire.WINDOW_CENTER: "40",
        wire.WINDOW_WIDTH: "400",
    }


def test_decompress_refuses_what_it_cannot_read() -> None:
    assert wire.decompress([b"ab", b"c"], " Identity ") == b"abc"
    with pytest.raises(DcmviewError, match="Content-Encoding 'br'"):
        wire.decompress([b"x"], "br")
    with pytest.raises(DcmviewError, match="gzip response body cannot be decoded"):
        wire.decompress([b"not gzip"], "gzip")
    with pytest.raises(ValueError, match="unsupported content coding"):
        wire.compress(b"x", "br")


def test_wire_imports_neither_the_server_nor_starlette() -> None:
    code = (
        "import sys, dcmview.wire; "
        "print(sorted(m for m in ('starlette', 'dcmview.server', 'dcmview.client', 'pydicom', "
        "'imagecodecs') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
