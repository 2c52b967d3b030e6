"""The raw-frame wire format, one module for both ends: X-Frame-* headers, byte planes, codings.

``GET /api/file/:i/frame/:f/raw`` answers a frame's stored samples (little-endian,
row-major, colour interleaved) and ``X-Frame-*`` headers that say how to rebuild
and display them (docs/http-api.md lists them). The server writes that answer
with :func:`frame_headers`, :func:`encode_samples` and :func:`compress`; the
Python client reads it with :func:`decode_frame`; both use the header names
here. The PNG route's window headers (:func:`window_headers`) are here too.

Both frame answers, PNG and raw, say which resolution level they carry
(:func:`level_headers`): ``X-Frame-Level``, the full-resolution size and the scale
from a level pixel to full-resolution pixels (docs/http-api.md, "Resolution levels").

It lives beside the server and the client rather than in either: the client
imports it without Starlette or the server, and the SDK knows nothing of HTTP.
It needs numpy, zlib and, for zstd, imagecodecs (imported on first use).

Bodies (measured on the bench corpus, one core, 16-bit samples; ratio and time):

=====================  ============  ============  ======================
frame                  zstd-1        gzip-1        zstd-1 on byte planes
=====================  ============  ============  ======================
3328×2560 FFDM         0.69, 29 ms   0.61, 197 ms  0.48, 26 ms
2048×1664 DBT frame    0.48, 16 ms   0.43, 54 ms   0.39, 6 ms
512×512 CT             0.46, 1 ms    0.42, 4 ms    0.34, 0.6 ms
=====================  ============  ============  ======================

zstd (RFC 8878, ``Content-Encoding: zstd``, decoded by Chromium and Firefox) is
4–7× faster than gzip level 1; level 1 keeps its window at 512 KiB, well under
the 8 MiB browsers accept. The *byte planes* layout (every sample's low byte,
then every high byte: the "shuffle" filter of Blosc/HDF5) is asked for with
``?shuffle=bytes`` and confirmed by ``X-Frame-Shuffle: bytes``, because it
changes what the body means; it halves the wire size of noisy 16-bit frames.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, unquote

import numpy as np
import numpy.typing as npt

from dcmview.sdk.errors import DcmviewError

if TYPE_CHECKING:  # pragma: no cover
    from dcmview.sdk.frame import DisplayParameters
    from dcmview.sdk.levels import ResolutionLevel
    from dcmview.sdk.window import Window

__all__ = [
    "AUTO_WC",
    "AUTO_WW",
    "BITS_ALLOCATED",
    "CODINGS",
    "COLUMNS",
    "COLUMN_SCALE",
    "DEFAULT_WC",
    "DEFAULT_WW",
    "FULL_COLUMNS",
    "FULL_ROWS",
    "FULL_WC",
    "FULL_WW",
    "INVERTED",
    "LEVEL",
    "MODALITY_LUT",
    "PADDING_HIGH",
    "PADDING_LOW",
    "PHOTOMETRIC_INTERPRETATION",
    "PIXEL_REPRESENTATION",
    "PRESENTATION_LUT_SHAPE",
    "RESCALE_INTERCEPT",
    "RESCALE_SLOPE",
    "ROWS",
    "ROW_SCALE",
    "SAMPLES_PER_PIXEL",
    "SAMPLE_FORMAT",
    "SHUFFLE",
    "UNIT",
    "VOI_LUT",
    "WINDOW_APPLIED",
    "WINDOW_CENTER",
    "WINDOW_FUNCTION",
    "WINDOW_WIDTH",
    "body_headers",
    "byte_planes",
    "compress",
    "decode_frame",
    "decompress",
    "encode_samples",
    "frame_dtype",
    "frame_headers",
    "level_headers",
    "little_endian",
    "unit",
    "window_headers",
]

# -- the raw answer's headers (docs/http-api.md) -------------------------------------------

ROWS = "X-Frame-Rows"
COLUMNS = "X-Frame-Columns"
#: Of the body: 8, 16, 32 or 64.
BITS_ALLOCATED = "X-Frame-Bits-Allocated"
#: ``1`` signed, ``0`` unsigned (the predecessor's only sign; floats are ``0``).
PIXEL_REPRESENTATION = "X-Frame-Pixel-Representation"
#: ``uint``, ``int`` or ``float``.
SAMPLE_FORMAT = "X-Frame-Sample-Format"
SAMPLES_PER_PIXEL = "X-Frame-Samples-Per-Pixel"
PHOTOMETRIC_INTERPRETATION = "X-Frame-Photometric-Interpretation"
RESCALE_SLOPE = "X-Frame-Rescale-Slope"
RESCALE_INTERCEPT = "X-Frame-Rescale-Intercept"
#: The unit of modality values, percent-encoded beyond printable ASCII (see :func:`unit`).
UNIT = "X-Frame-Unit"
DEFAULT_WC = "X-Frame-Default-Wc"
DEFAULT_WW = "X-Frame-Default-Ww"
WINDOW_FUNCTION = "X-Frame-Window-Function"
AUTO_WC = "X-Frame-Auto-Wc"
AUTO_WW = "X-Frame-Auto-Ww"
FULL_WC = "X-Frame-Full-Wc"
FULL_WW = "X-Frame-Full-Ww"
VOI_LUT = "X-Frame-Voi-Lut"
#: "1" when a Modality LUT Sequence maps the stored values: slope and intercept do not.
MODALITY_LUT = "X-Frame-Modality-Lut"
PRESENTATION_LUT_SHAPE = "X-Frame-Presentation-LUT-Shape"
PADDING_LOW = "X-Frame-Padding-Low"
PADDING_HIGH = "X-Frame-Padding-High"
#: ``bytes`` when the body is in byte planes.
SHUFFLE = "X-Frame-Shuffle"

# -- the resolution level of a PNG or raw answer -------------------------------------------

#: The resolution level of the answer: 0 full, n is 1/2**n of each side (rounded up).
LEVEL = "X-Frame-Level"
#: The frame's full-resolution size, (0028,0010) Rows and (0028,0011) Columns.
FULL_ROWS = "X-Frame-Full-Rows"
FULL_COLUMNS = "X-Frame-Full-Columns"
#: Full-resolution pixels per level pixel: full rows / level rows (2**n but at the edge).
ROW_SCALE = "X-Frame-Row-Scale"
COLUMN_SCALE = "X-Frame-Column-Scale"

# -- the PNG answer's window headers --------------------------------------------------------

#: ``linear``, ``linear_exact``, ``sigmoid`` or ``voi_lut``.
WINDOW_APPLIED = "X-Frame-Window-Applied"
WINDOW_CENTER = "X-Frame-Window-Center"
WINDOW_WIDTH = "X-Frame-Window-Width"
#: ``1`` when the PNG's grey levels are inverted after the window (MONOCHROME1 or
#: Presentation LUT Shape INVERSE), else ``0``: a client showing the PNG under another
#: presentation (a GSPS's) inverts it again.
INVERTED = "X-Frame-Inverted"

#: The content codings both ends speak, the preferred first.
CODINGS = ("zstd", "gzip")

_SAMPLE_FORMATS = {"i": "int", "u": "uint", "f": "float"}
# X-Frame-Unit keeps printable ASCII as it is (but "%"): "HU" stays "HU".
_UNIT_SAFE = "".join(chr(c) for c in range(0x20, 0x7F) if chr(c) != "%")


def _num(value: float) -> str:
    # Ten significant digits: exact for stored values and the usual rescales, short.
    return f"{value:.10g}"


# -- writing (the server) ------------------------------------------------------------------


def little_endian(samples: npt.NDArray[Any]) -> npt.NDArray[Any]:
    """`samples` as a C-contiguous little-endian array (bool as uint8), copied only if needed.

    Examples
    --------
    >>> little_endian(np.array([1, 2], dtype=">u2")).dtype.str
    '<u2'
    """
    if samples.dtype.byteorder == ">" or not samples.flags.c_contiguous or samples.dtype == bool:
        dtype = np.uint8 if samples.dtype == bool else samples.dtype.newbyteorder("<")
        return np.ascontiguousarray(samples, dtype=dtype)
    return samples


def frame_headers(samples: npt.NDArray[Any], params: DisplayParameters) -> dict[str, str]:
    """The ``X-Frame-*`` headers of a raw answer: the samples' layout and how to display them.

    Parameters
    ----------
    samples : numpy.ndarray
        The frame's stored values (``Frame.array()``), as they will be sent.
    params : DisplayParameters
        ``Frame.display_parameters()`` of the same frame.

    Returns
    -------
    dict of str to str
        The headers; those of an absent value (no window, no padding, ...) are left out.
    """
    wire = little_endian(samples)
    headers = {
        ROWS: str(wire.shape[0]),
        COLUMNS: str(wire.shape[1]),
        BITS_ALLOCATED: str(wire.dtype.itemsize * 8),
        PIXEL_REPRESENTATION: "1" if wire.dtype.kind == "i" else "0",
        SAMPLES_PER_PIXEL: str(wire.shape[2] if wire.ndim == 3 else 1),
        PHOTOMETRIC_INTERPRETATION: params.photometric_interpretation,
        SAMPLE_FORMAT: _SAMPLE_FORMATS.get(wire.dtype.kind, "uint"),
        RESCALE_SLOPE: _num(params.rescale_slope),
        RESCALE_INTERCEPT: _num(params.rescale_intercept),
    }
    if params.unit:
        headers[UNIT] = quote(params.unit, safe=_UNIT_SAFE)
    default = params.default_window
    if default is not None:
        headers[DEFAULT_WC] = _num(default.center)
        headers[DEFAULT_WW] = _num(default.width)
    # The windows the SDK renders for "dicom" and "full" (None for colour), so a
    # client draws them without re-implementing the percentile or full-range rule.
    auto, full = params.auto_window, params.full_window
    if auto is not None and full is not None:
        headers[WINDOW_FUNCTION] = auto.function
        headers[AUTO_WC] = _num(auto.center)
        headers[AUTO_WW] = _num(auto.width)
        headers[FULL_WC] = _num(full.center)
        headers[FULL_WW] = _num(full.width)
        if auto.lut is not None:
            headers[VOI_LUT] = "1"
    if params.modality_lut:
        headers[MODALITY_LUT] = "1"
    if params.presentation_lut_shape is not None:
        headers[PRESENTATION_LUT_SHAPE] = params.presentation_lut_shape
    if params.padding is not None:
        headers[PADDING_LOW] = _num(params.padding[0])
        headers[PADDING_HIGH] = _num(params.padding[1])
    return headers


def level_headers(resolution: ResolutionLevel) -> dict[str, str]:
    """The headers that say an answer's resolution level, its size and scale.

    ``X-Frame-Rows``/``X-Frame-Columns`` are the level's size (the samples or
    the PNG sent); ``X-Frame-Full-*`` the frame's; the scales map a level
    pixel position to full resolution (multiply).

    Examples
    --------
    >>> from dcmview.sdk.levels import ResolutionLevel
    >>> level_headers(ResolutionLevel(1, 3, 4))[ROW_SCALE]
    '1.5'
    """
    return {
        LEVEL: str(resolution.level),
        ROWS: str(resolution.rows),
        COLUMNS: str(resolution.columns),
        FULL_ROWS: str(resolution.full_rows),
        FULL_COLUMNS: str(resolution.full_columns),
        ROW_SCALE: _num(resolution.row_scale),
        COLUMN_SCALE: _num(resolution.column_scale),
    }


def window_headers(window: Window | None) -> dict[str, str]:
    """The window headers of a PNG answer; none for colour (`window` None)."""
    if window is None:
        return {}
    return {
        WINDOW_APPLIED: "voi_lut" if window.lut is not None else window.function.lower(),
        WINDOW_CENTER: f"{window.center:g}",
        WINDOW_WIDTH: f"{window.width:g}",
    }


def byte_planes(samples: npt.NDArray[Any]) -> bytes:
    """Return the little-endian bytes of `samples` grouped by byte significance.

    For 16-bit samples the body is every sample's low byte, then every high byte.

    Examples
    --------
    >>> byte_planes(np.array([0x0102, 0x0304], dtype="<u2"))
    b'\\x02\\x04\\x01\\x03'
    """
    le = little_endian(samples)
    if le.dtype.itemsize == 1:
        return le.tobytes()
    return np.ascontiguousarray(
        le.reshape(-1).view(np.uint8).reshape(-1, le.dtype.itemsize).T
    ).tobytes()


def encode_samples(samples: npt.NDArray[Any], *, shuffle: bool = False) -> bytes | memoryview:
    """The raw body of `samples` before any content coding.

    Parameters
    ----------
    samples : numpy.ndarray
        The frame's stored values.
    shuffle : bool
        Byte planes (``?shuffle=bytes``) instead of whole samples.

    Returns
    -------
    bytes or memoryview
        Without `shuffle` a view of the little-endian samples: `samples` itself
        when it is already little-endian and contiguous, so a cached frame is sent
        without a copy.
    """
    wire = little_endian(samples)
    return byte_planes(wire) if shuffle else wire.data.cast("B")


def body_headers(*, shuffle: bool, coding: str | None) -> dict[str, str]:
    """The headers that say how a raw body was encoded: byte planes, content coding."""
    headers = {SHUFFLE: "bytes"} if shuffle else {}
    if coding is not None:
        headers["Content-Encoding"] = coding
    return headers


def compress(body: bytes | memoryview, coding: str, *, level: int = 1) -> bytes:
    """Compress `body` with a content coding of :data:`CODINGS`.

    Parameters
    ----------
    body : bytes or memoryview
        The uncompressed body.
    coding : {"zstd", "gzip"}
        The coding.
    level : int, default 1
        The compression level (fast settings for pixels, higher for JSON).

    Raises
    ------
    ValueError
        Another coding.
    """
    if coding == "zstd":
        import imagecodecs

        data = body if isinstance(body, bytes) else bytes(body)
        return bytes(imagecodecs.zstd_encode(data, level=level))
    if coding == "gzip":
        # wbits 31: a gzip member (RFC 1952), what "Content-Encoding: gzip" means.
        encoder = zlib.compressobj(level, zlib.DEFLATED, 31)
        return encoder.compress(body) + encoder.flush()
    raise ValueError(f"unsupported content coding {coding!r}")


# -- reading (the client) ------------------------------------------------------------------


def decompress(chunks: Iterable[bytes], coding: str) -> bytes:
    """Join a body read in `chunks` and undo its Content-Encoding (zstd, gzip or none).

    Raises
    ------
    DcmviewError
        A damaged body, or a coding that is not zstd or gzip.
    """
    data = b"".join(chunks)
    coding = coding.strip().lower()
    if coding in ("", "identity"):
        return data
    try:
        if coding == "zstd":
            import imagecodecs

            return bytes(imagecodecs.zstd_decode(data))
        if coding == "gzip":
            return zlib.decompress(data, wbits=31)  # 31: a gzip member (RFC 1952)
    except (RuntimeError, zlib.error) as exc:  # imagecodecs.ZstdError: a damaged transfer
        raise DcmviewError(f"the {coding} response body cannot be decoded: {exc}") from exc
    raise DcmviewError(f"the server answered with Content-Encoding {coding!r}, not zstd or gzip")


def _decompress_into(chunks: list[bytes], coding: str, out: npt.NDArray[np.uint8]) -> None:
    """Undo the Content-Encoding of a raw body straight into `out` (its exact size)."""
    got = 0
    if coding in ("", "identity"):
        for chunk in chunks:
            end = got + len(chunk)
            if end <= out.size:
                out[got:end] = np.frombuffer(chunk, np.uint8)
            got = end
    elif coding == "zstd":
        import imagecodecs

        try:
            got = len(imagecodecs.zstd_decode(b"".join(chunks), out=out.data))
        except RuntimeError as exc:  # imagecodecs.ZstdError: damaged, or larger than announced
            raise DcmviewError(f"the zstd frame body cannot be decoded: {exc}") from exc
    else:
        data = decompress(chunks, coding)
        got = len(data)
        if got == out.size:
            out[:] = np.frombuffer(data, np.uint8)
    if got != out.size:
        raise DcmviewError(
            f"the raw frame body has {got} bytes, not the {out.size} its X-Frame-* headers announce"
        )


def _header(headers: Mapping[str, str], name: str) -> str:
    value = headers.get(name)
    if value is None:
        raise DcmviewError(f"the raw frame answer lacks {name}; is this a dcmview server?")
    return value


def frame_dtype(headers: Mapping[str, str]) -> np.dtype[Any]:
    """The little-endian dtype of a raw body, from its ``X-Frame-*`` headers.

    The predecessor's answers have no ``X-Frame-Sample-Format``: their integers are
    signed by ``X-Frame-Pixel-Representation``.

    Raises
    ------
    DcmviewError
        Headers missing, or a sample layout numpy cannot hold.
    """
    bits = int(_header(headers, BITS_ALLOCATED))
    kind = headers.get(SAMPLE_FORMAT)
    if kind is None:
        kind = "int" if _header(headers, PIXEL_REPRESENTATION) == "1" else "uint"
    letter = {"uint": "u", "int": "i", "float": "f"}.get(kind)
    if letter is None or bits not in (8, 16, 32, 64):
        raise DcmviewError(f"cannot rebuild {bits}-bit {kind!r} samples of a raw frame")
    return np.dtype(f"<{letter}{bits // 8}")


def decode_frame(headers: Mapping[str, str], chunks: list[bytes]) -> npt.NDArray[Any]:
    """Rebuild the samples of a raw answer: the inverse of the server's encoding.

    Parameters
    ----------
    headers : mapping of str to str
        The answer's headers: an :class:`httpx.Headers` (case-insensitive), or a
        dict with the names as they were sent.
    chunks : list of bytes
        The body as read from the connection, Content-Encoding not undone.

    Returns
    -------
    numpy.ndarray
        Shape (rows, columns) or (rows, columns, samples), little-endian, writable.

    Raises
    ------
    DcmviewError
        Headers missing, a damaged body, or a body of another size than announced.
    """
    rows = int(_header(headers, ROWS))
    columns = int(_header(headers, COLUMNS))
    samples = int(_header(headers, SAMPLES_PER_PIXEL))
    dtype = frame_dtype(headers)
    shape = (rows, columns) if samples == 1 else (rows, columns, samples)
    count = rows * columns * samples
    coding = headers.get("Content-Encoding", "").strip().lower()
    if headers.get(SHUFFLE) != "bytes" or dtype.itemsize == 1:
        arr = np.empty(shape, dtype)
        _decompress_into(chunks, coding, arr.reshape(-1).view(np.uint8))
        return arr
    # Byte planes: every sample's low byte, then the next byte...
    planes = np.empty(count * dtype.itemsize, np.uint8)
    _decompress_into(chunks, coding, planes)
    unsigned = np.dtype(f"<u{dtype.itemsize}")
    out = np.empty(count, unsigned)
    # In place, no temporaries: 3 ms for a 3328x2560 16-bit frame (a transpose: 45 ms).
    if dtype.itemsize == 2:
        np.left_shift(planes[count:], 8, out=out, dtype=unsigned)
        np.bitwise_or(out, planes[:count], out=out)
    else:
        np.copyto(out, planes[:count], casting="safe")
        shifted = np.empty(count, unsigned)
        for k in range(1, dtype.itemsize):
            np.left_shift(planes[k * count : (k + 1) * count], 8 * k, out=shifted, dtype=unsigned)
            np.bitwise_or(out, shifted, out=out)
    return out.view(dtype).reshape(shape)


def unit(headers: Mapping[str, str]) -> str:
    """The unit of a raw answer's modality values (``X-Frame-Unit``), ``""`` when unknown.

    Examples
    --------
    >>> unit({"X-Frame-Unit": "%C2%B5mol/l"})
    'µmol/l'
    """
    return unquote(headers.get(UNIT, ""))
