"""Codecs: decode_frame() and the imagecodecs plugin of pydicom's decoders it asks for.

:func:`decode_frame` decodes one frame's bytes and is where the SDK picks a
decoder. dcmview decodes through pydicom's decoder machinery, so pydicom keeps
handling photometric interpretation (YBR to RGB), bit depth, Bits Stored masking,
signedness, planar configuration and the JPEG 2000 / JPEG-LS sign corrections.
What this module adds is a pydicom *decoding plugin* backed by imagecodecs
(BSD-3-Clause: libjpeg-turbo, CharLS, OpenJPEG, OpenJPH and a DICOM RLE codec),
registered as ``"dcmview"`` with every pydicom decoder it serves and always
asked for by name, so a decoded frame never depends on which of pydicom's own
plugins (GPL-3 pylibjpeg-libjpeg among them) happens to be installed.

The plugin follows pydicom's contract (``is_available(uid)``,
``DECODER_DEPENDENCIES``, ``_decode_frame(src, runner)``) and mirrors the
runner options pydicom's pylibjpeg plugin sets: the pixel container size of
the decoded data, planar configuration of RLE, JPEG 2000 YBR_ICT / YBR_RCT
returned as RGB.

Measured on a 3328x2560 16-bit JPEG 2000 lossless frame (2 cores): OpenJPEG in
imagecodecs 0.83 s with 1 thread, 0.44 s with 2, and it releases the GIL (two
decodes in two threads take as long as one); pylibjpeg-openjpeg 0.81 s and it
holds the GIL (two decodes in two threads take 1.6 s).

Resolution levels (:mod:`dcmview.sdk.levels`): JPEG 2000 and HTJ2K frames decode
natively at a level, up to the codestream's number of wavelet decompositions
(:func:`native_level`), through OpenJPEG's resolution factor
(:mod:`dcmview.sdk._openjpeg`: imagecodecs' OpenJPEG offers none, and OpenJPH's
``skipres`` wraps out-of-range reduced samples around). pydicom's runner is told
the level's size, so its colour, sign and bit-depth handling applies to the
reduced samples unchanged.
On a 2048x1664 10-bit lossless frame, one thread: 0.35 s in full, 0.09 s at
level 1, 0.03 s at level 2 (issue 13 measured 0.73, 0.13 and 0.03 s on a real
tomosynthesis frame).
"""

from __future__ import annotations

import os
import struct
import threading
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, BinaryIO

import numpy as np
from pydicom import uid as _uid
from pydicom.encaps import encapsulate
from pydicom.pixels.common import PhotometricInterpretation as PI
from pydicom.pixels.decoders.base import get_decoder
from pydicom.pixels.utils import _get_jpg_parameters
from pydicom.uid import UID

from dcmview.sdk import _openjpeg
from dcmview.sdk._types import AnyArray
from dcmview.sdk.errors import (
    DcmviewError,
    DecodeError,
    DecoderUnavailableError,
    UnsupportedError,
)
from dcmview.sdk.threads import current_limit, thread_limit, usable_cores

if TYPE_CHECKING:  # pragma: no cover
    from pydicom.pixels.decoders.base import DecodeRunner

try:
    import imagecodecs

    _HAVE_IMAGECODECS = True
except ImportError:  # pragma: no cover - imagecodecs is a core dependency
    _HAVE_IMAGECODECS = False

__all__ = [
    "DECODER_DEPENDENCIES",
    "PLUGIN",
    "available",
    "decode_frame",
    "is_available",
    "j2k_threads",
    "J2K_SYNTAXES",
    "native_level",
    "reduces",
    "register",
    "thread_limit",
]

#: The name the plugin is registered under with pydicom's decoders.
PLUGIN = "dcmview"

_JPEG = (
    _uid.JPEGBaseline8Bit,
    _uid.JPEGExtended12Bit,
    _uid.JPEGLossless,
    _uid.JPEGLosslessSV1,
)
_JPEGLS = (_uid.JPEGLSLossless, _uid.JPEGLSNearLossless)
_J2K = (_uid.JPEG2000Lossless, _uid.JPEG2000)
_HTJ2K = (_uid.HTJ2KLossless, _uid.HTJ2KLosslessRPCL, _uid.HTJ2K)
_RLE = (_uid.RLELossless,)
#: The JPEG 2000 (ISO/IEC 15444-1) and HTJ2K (15444-15) transfer syntaxes, PS3.5 A.4.4 and A.4.11.
J2K_SYNTAXES = frozenset(_J2K + _HTJ2K)

# Which imagecodecs codec serves which transfer syntax.
_CODEC: dict[str, str] = {
    **dict.fromkeys(_JPEG, "JPEG8"),
    **dict.fromkeys(_JPEGLS, "JPEGLS"),
    **dict.fromkeys(_J2K, "JPEG2K"),
    **dict.fromkeys(_HTJ2K, "JPEG2K"),
    **dict.fromkeys(_RLE, "DICOMRLE"),
}

#: pydicom plugin contract: what the plugin needs, per transfer syntax.
DECODER_DEPENDENCIES: dict[UID, tuple[str, ...]] = {
    UID(ts): ("numpy", "imagecodecs>=2024.9.22") for ts in _CODEC
}

# What to install when no plugin at all can decode a syntax (STYLE.md: name the extra).
# JPEG Lossless has no permissive decoder in pydicom's own plugin set.
_GPL_HINT = "pip install 'dcmview[gpl]'"
_INSTALL_HINT: dict[str, str] = {
    **dict.fromkeys(_JPEG, f"pip install imagecodecs (or {_GPL_HINT})"),
    **dict.fromkeys(_JPEGLS, "pip install imagecodecs (or pyjpegls)"),
    **dict.fromkeys(_J2K, "pip install imagecodecs (or pylibjpeg-openjpeg)"),
    **dict.fromkeys(_HTJ2K, "pip install imagecodecs (or pylibjpeg-openjpeg)"),
    **dict.fromkeys(_RLE, "pip install imagecodecs"),
}

_register_lock = threading.Lock()
_registered = False


def j2k_threads() -> int:
    """Return the number of threads OpenJPEG uses for one JPEG 2000 frame.

    All usable cores, at most 8: OpenJPEG decodes code-blocks in parallel and
    releases the GIL, so one frame of a 3328x2560 mammogram takes 0.44 s on two
    cores instead of 0.83 s. ``DCMVIEW_J2K_THREADS`` overrides it, and a
    :func:`thread_limit` in force in the calling thread caps it.
    """
    env = os.environ.get("DCMVIEW_J2K_THREADS", "")
    threads = int(env) if env.isdigit() and int(env) > 0 else max(1, min(usable_cores(), 8))
    limit = current_limit()
    return threads if limit is None else min(threads, limit)


def _has(codec: str) -> bool:
    return _HAVE_IMAGECODECS and bool(
        getattr(getattr(imagecodecs, codec, None), "available", False)
    )


def is_available(uid: str) -> bool:
    """Return whether the imagecodecs plugin can decode transfer syntax `uid`.

    Part of pydicom's decoding plugin contract.
    """
    codec = _CODEC.get(uid)
    return codec is not None and _has(codec)


def _j2k_size(src: bytes) -> tuple[int, int, int] | None:
    """Return (rows, columns, components) from a J2K codestream's SIZ segment."""
    # A JP2 file wraps the codestream in boxes; DICOM should carry the bare
    # codestream (PS3.5 A.4.4) but some writers embed JP2, so look for SOC+SIZ.
    offset = src.find(b"\xff\x4f\xff\x51", 0, 65536)
    if offset < 0 or len(src) < offset + 42:
        return None
    # ISO/IEC 15444-1 A.5.1: SIZ = Lsiz Rsiz Xsiz Ysiz XOsiz YOsiz XTsiz YTsiz XTOsiz YTOsiz Csiz
    xsiz, ysiz, xosiz, yosiz = struct.unpack(">4L", src[offset + 8 : offset + 24])
    (csiz,) = struct.unpack(">H", src[offset + 40 : offset + 42])
    return ysiz - yosiz, xsiz - xosiz, csiz


def _j2k_levels(src: bytes) -> int:
    """Return the fewest wavelet decompositions of a codestream's main header (COD, COC).

    0 when the main header cannot be read: the frame then decodes in full.
    """
    offset = src.find(b"\xff\x4f\xff\x51", 0, 65536)
    if offset < 0:
        return 0
    position = offset + 2
    components = 0
    subsampled = False
    levels: list[int] = []
    # ISO/IEC 15444-1 A.4-A.6: marker segments up to the first tile-part (SOT).
    while position + 4 <= len(src):
        marker, length = struct.unpack(">HH", src[position : position + 4])
        if marker in (0xFF90, 0xFF93, 0xFFD9) or marker < 0xFF00 or length < 2:
            break
        segment = src[position + 4 : position + 2 + length]
        if marker == 0xFF51 and len(segment) >= 36:  # SIZ: Csiz, then Ssiz XRsiz YRsiz each
            (components,) = struct.unpack(">H", segment[34:36])
            steps = segment[36 : 36 + 3 * components]
            subsampled = any(b != 1 for i, b in enumerate(steps) if i % 3)
        elif marker == 0xFF52 and len(segment) >= 6:  # COD: Scod, SGcod (4), SPcod levels
            levels.append(segment[5])
        elif marker == 0xFF53:  # COC: Ccoc (1 or 2 bytes), Scoc, SPcoc levels
            at = (2 if components >= 257 else 1) + 1
            if len(segment) > at:
                levels.append(segment[at])
        position += 2 + length
    # Components of different sizes reduce to different sizes: not one level.
    return 0 if subsampled or not levels else min(levels)


def native_level(src: bytes, level: int, transfer_syntax_uid: str) -> int:
    """Return the level up to which frame bytes `src` decode natively (0: none).

    JPEG 2000 and HTJ2K reduce resolution by leaving out wavelet levels, as far
    as the codestream has them: a codestream of 5 decompositions asked for level
    7 decodes at level 5, and the caller area-averages the rest. Other syntaxes,
    and JPEG 2000 without a library that can reduce it, answer 0.

    Parameters
    ----------
    src : bytes
        The frame's encoded bytes.
    level : int
        The level wanted.
    transfer_syntax_uid : str
        The file's transfer syntax.

    Examples
    --------
    >>> import numpy as np, imagecodecs
    >>> stream = imagecodecs.jpeg2k_encode(np.zeros((64, 64), np.uint8), codecformat="J2K")
    >>> native_level(stream, 2, "1.2.840.10008.1.2.4.90")  # JPEG 2000 Lossless
    2
    >>> native_level(stream, 2, "1.2.840.10008.1.2.1")  # Explicit VR Little Endian
    0
    """
    if level <= 0 or not reduces(transfer_syntax_uid):
        return 0
    return min(level, _j2k_levels(src))


def reduces(tsyntax: str) -> bool:
    """Return whether frames of transfer syntax `tsyntax` decode at a reduced resolution here.

    JPEG 2000 and HTJ2K, when this module's plugin decodes them and the OpenJPEG
    library is found (2.5 or later for HTJ2K).
    """
    register()
    if tsyntax not in _J2K and tsyntax not in _HTJ2K:
        return False
    try:
        if PLUGIN not in get_decoder(tsyntax).available_plugins:
            return False  # another plugin decodes these here; it cannot reduce
    except NotImplementedError:  # pragma: no cover - pydicom knows every J2K syntax
        return False
    # OpenJPEG decodes HTJ2K code-blocks from 2.5 on.
    return _openjpeg.available() and (tsyntax in _J2K or _openjpeg.version() >= (2, 5))


def _check_size(runner: DecodeRunner, rows: int, columns: int, components: int, what: str) -> None:
    # The codestream, not the header, decides how much memory the codec
    # allocates: refuse a stream whose size disagrees with Rows/Columns before
    # decoding it (a 512x512 header over a 60000x60000 stream is a memory bomb).
    # At a resolution level the runner holds the level's size; the header's is kept.
    full_rows, full_columns = runner.get_option("dcmview_full_size", (runner.rows, runner.columns))
    if rows and columns and (rows, columns) != (full_rows, full_columns):
        raise ValueError(
            f"the {what} codestream is {rows}x{columns} but (0028,0010) Rows x "
            f"(0028,0011) Columns is {full_rows}x{full_columns}"
        )
    if components and components != runner.samples_per_pixel:
        raise ValueError(
            f"the {what} codestream has {components} components but (0028,0002) "
            f"Samples per Pixel is {runner.samples_per_pixel}"
        )


def _container_bits(runner: DecodeRunner, arr: AnyArray) -> None:
    # Like pydicom's pylibjpeg plugin: the decoded container size follows the
    # codestream precision (8-bit data in a Bits Allocated 16 file decodes to
    # uint8), so tell the runner what the buffer holds.
    runner.set_option("bits_allocated", arr.dtype.itemsize * 8)


def _as_buffer(arr: AnyArray) -> memoryview:
    # pydicom reads a plugin's result with len() and np.frombuffer, then copies
    # it into its own array: a byte view of the decoded array is enough, and
    # saves a copy of every frame (6.8 MB for a 2048x1664 16-bit one) into
    # freshly faulted memory.
    return np.ascontiguousarray(arr).data.cast("B")


def _decode_frame(src: bytes, runner: DecodeRunner) -> bytearray | memoryview:
    """Return one decoded frame of `src` (pydicom plugin contract)."""
    tsyntax = runner.transfer_syntax
    samples = runner.samples_per_pixel

    if tsyntax in _RLE:
        # PS3.5 G.2: one segment per byte plane, most significant byte first;
        # imagecodecs reassembles little-endian samples, one plane per sample.
        itemsize = max(runner.bits_allocated // 8, 1)
        expected = runner.rows * runner.columns * runner.samples_per_pixel * itemsize
        if len(src) * 64 <= 2 * expected:
            out = imagecodecs.dicomrle_decode(src, f"<u{itemsize}")
        else:
            # PackBits (PS3.5 G.3.1) expands two bytes to up to 128: 8 MB of RLE
            # decoded to 512 MB whatever Rows and Columns said (issue 7). A stream
            # that could decode past the frame is decoded into a frame-sized buffer.
            try:
                out = imagecodecs.dicomrle_decode(src, f"<u{itemsize}", out=bytearray(expected))
            except Exception as exc:
                if "OUTPUT_TOO_SMALL" not in str(exc):
                    raise
                raise ValueError(
                    f"the RLE segments decode to more than the {expected} bytes of "
                    f"Rows x Columns x Samples per Pixel x Bits Allocated"
                ) from exc
        runner.set_option("planar_configuration", 1)
        return memoryview(out).cast("B")

    if tsyntax in _J2K or tsyntax in _HTJ2K:
        size = _j2k_size(src)
        if size is None:
            raise ValueError("no JPEG 2000 SOC/SIZ marker at the start of the frame")
        _check_size(runner, *size, what="JPEG 2000")
        level = int(runner.get_option("dcmview_level", 0))
        if level:
            # OpenJPH's skipres is 4x faster at a level, but it wraps the reduced
            # samples that the 5/3 low-pass filter carries past the precision's
            # range (-3 came back as 65533 next to a bright edge) where OpenJPEG
            # clips them: OpenJPEG decodes levels of both syntaxes.
            # From the SOC marker on: OpenJPEG is asked for a bare codestream, and
            # some writers wrap it in JP2 boxes.
            start = src.find(b"\xff\x4f\xff\x51", 0, 65536)
            arr = _openjpeg.decode(src[start:], level, j2k_threads())
        elif tsyntax in _HTJ2K and _has("HTJ2K"):
            # OpenJPH decodes HTJ2K (ISO/IEC 15444-15) 1.4x faster than OpenJPEG.
            arr = imagecodecs.htj2k_decode(src)
        else:
            arr = imagecodecs.jpeg2k_decode(src, numthreads=j2k_threads())
        if arr.shape[:2] != (runner.rows, runner.columns):
            raise ValueError(
                f"the JPEG 2000 codestream decoded to {arr.shape[0]}x{arr.shape[1]} "
                f"at level {level}, not {runner.rows}x{runner.columns}"
            )
        # OpenJPEG applies the inverse multiple component transform (PS3.5
        # 8.2.4: YBR_ICT / YBR_RCT), so the output is RGB, as with pylibjpeg.
        if runner.photometric_interpretation in (PI.YBR_ICT, PI.YBR_RCT):
            runner.set_option("photometric_interpretation", PI.RGB)
        _container_bits(runner, arr)
        return _as_buffer(arr)

    info = _get_jpg_parameters(src)
    if tsyntax in _JPEGLS:
        _check_size(
            runner,
            info.get("height", 0),
            info.get("width", 0),
            info.get("components", 0),
            what="JPEG-LS",
        )
        arr = imagecodecs.jpegls_decode(src)
        # CharLS returns colour-by-pixel whatever the interleave mode.
        if samples > 1:
            runner.set_option("planar_configuration", 0)
        _container_bits(runner, arr)
        return _as_buffer(arr)

    # JPEG baseline, extended, lossless: libjpeg-turbo 3 (8, 12 and 2-16 bit).
    _check_size(
        runner,
        info.get("height", 0),
        info.get("width", 0),
        info.get("components", 0),
        what="JPEG",
    )
    if samples > 1:
        # Return the components as stored, without libjpeg's colour conversion,
        # as pydicom's other JPEG plugins do: pydicom itself converts YBR_FULL /
        # YBR_FULL_422 to RGB afterwards (PS3.3 C.7.6.3.1.2).
        arr = imagecodecs.jpeg8_decode(src, colorspace="YCbCr", outcolorspace="YCbCr")
        runner.set_option("planar_configuration", 0)
    else:
        arr = imagecodecs.jpeg8_decode(src)
    _container_bits(runner, arr)
    return _as_buffer(arr)


def register() -> None:
    """Register the ``"dcmview"`` plugin with pydicom's decoders (once, thread-safe)."""
    global _registered
    with _register_lock:
        if _registered:
            return
        for ts in _CODEC:
            decoder = get_decoder(ts)
            if PLUGIN not in decoder.available_plugins and PLUGIN not in decoder._unavailable:
                decoder.add_plugin(PLUGIN, (__name__, "_decode_frame"))
        _registered = True


def available(transfer_syntax_uid: str) -> bool:
    """Return whether some installed decoder handles `transfer_syntax_uid`.

    Parameters
    ----------
    transfer_syntax_uid : str
        A transfer syntax UID.

    Examples
    --------
    >>> available("1.2.840.10008.1.2.1")
    True
    >>> available("1.2.840.10008.1.2.4.90")
    True
    """
    register()
    try:
        return get_decoder(transfer_syntax_uid).is_available
    except NotImplementedError:
        return False


def _plugin_for(tsyntax: UID, path: str) -> str:
    """Return the plugin name to ask pydicom for ("" = pydicom chooses)."""
    if not tsyntax.is_encapsulated:
        return ""
    decoder = get_decoder(tsyntax)
    if PLUGIN in decoder.available_plugins:
        return PLUGIN
    if decoder.is_available:
        # imagecodecs lacks this codec: let pydicom's own plugins try.
        return ""
    hint = _INSTALL_HINT.get(tsyntax, _GPL_HINT)
    raise DecoderUnavailableError(
        f"{path}: no decoder is installed for {tsyntax.name} ({tsyntax}); {hint}",
        path=path,
    )


def decode_frame(
    src: bytes | BinaryIO,
    *,
    index: int | None,
    options: Mapping[str, Any],
    path: str,
    level: int = 0,
) -> AnyArray:
    """Decode one frame with pydicom's decoder for the transfer syntax in `options`.

    Parameters
    ----------
    src : bytes or binary file
        For an encapsulated syntax, the frame's encoded bytes (its fragments
        joined). For a native syntax, a binary file positioned at the first
        byte of the Pixel Data value, or bytes of the value from its start.
    index : int or None
        The frame index in `src` (native syntaxes; ignored for encapsulated
        ones); None decodes all the frames `options` describe.
    options : mapping
        pydicom decoding options: ``transfer_syntax_uid``, the Image Pixel
        attributes (``rows``, ``bits_allocated``, ...), ``pixel_keyword``.
    path : str
        The file, for error messages.
    level : int
        Decode at this resolution level (:mod:`dcmview.sdk.levels`); at most
        ``native_level(src, level, transfer_syntax_uid)``, the level the frame's
        codestream decodes to natively.

    Returns
    -------
    numpy.ndarray
        Shape (rows, columns) or (rows, columns, samples), exactly what
        ``pydicom.pixels.pixel_array(path, index=index)`` returns; at a level, its
        ``ceil(rows / 2**level)`` × ``ceil(columns / 2**level)`` samples.

    Raises
    ------
    UnsupportedError
        A transfer syntax pydicom has no decoder for.
    DecoderUnavailableError
        No installed plugin decodes the syntax; the message says what to install.
    DecodeError
        Corrupt or truncated data, or a codestream that disagrees with the header.
    """
    register()
    tsyntax = UID(str(options["transfer_syntax_uid"]))
    try:
        decoder = get_decoder(tsyntax)
    except NotImplementedError as exc:
        raise UnsupportedError(
            f"{path}: no decoder exists for transfer syntax {tsyntax.name} ({tsyntax})",
            path=path,
        ) from exc
    plugin = _plugin_for(tsyntax, path)
    what = f"{path}: cannot decode {tsyntax.name} pixel data"
    opts = dict(options)
    if level:
        reachable = isinstance(src, bytes | bytearray) and native_level(bytes(src), level, tsyntax)
        if reachable != level:
            raise ValueError(f"{tsyntax.name} frame bytes cannot be decoded at level {level}")
        # pydicom sizes its buffers from Rows and Columns: give it the level's, and
        # the plugin (which alone reads these two options) the header's for its check.
        rows, columns = int(opts["rows"]), int(opts["columns"])
        opts["dcmview_full_size"] = (rows, columns)
        opts["dcmview_level"] = level
        opts["rows"], opts["columns"] = -(-rows >> level), -(-columns >> level)
    if tsyntax.is_encapsulated:
        # One frame, wrapped as encapsulated Pixel Data with an empty Basic
        # Offset Table (PS3.5 A.4) so pydicom's runner takes it as frame 0.
        src = encapsulate([bytes(src)]) if isinstance(src, bytes | bytearray) else src
        opts["number_of_frames"] = 1
        opts.pop("extended_offsets", None)
        index = 0
    try:
        arr, _ = decoder.as_array(src, index=index, decoding_plugin=plugin, **opts)
    except DcmviewError:
        raise
    except MemoryError as exc:
        raise DecodeError(f"{what}: not enough memory", path=path) from exc
    except Exception as exc:  # the one seam where codec and pydicom errors are mapped
        detail = " ".join(str(exc).split()) or type(exc).__name__
        # pydicom wraps a plugin's error as "...all available plugins: dcmview: why".
        detail = detail.rpartition(f"{PLUGIN}: ")[2] if plugin == PLUGIN else detail
        raise DecodeError(f"{what}: {detail}", path=path) from exc
    return arr
