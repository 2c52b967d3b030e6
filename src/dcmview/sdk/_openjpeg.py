"""OpenJPEG through ctypes: decode a JPEG 2000 codestream at a reduced resolution.

imagecodecs' ``jpeg2k_decode`` has no way to ask OpenJPEG for a reduced
resolution, and the one binding that has it, Pillow's (``Image.reduce``), was
measured unfit for a server: it holds the GIL for the whole decode (a Python
thread beside it ran at 12% of its idle speed, against 50% beside imagecodecs'
OpenJPEG or this module, whose decodes take the other core), sizes
the output by rounding instead of OpenJPEG's ceiling (a 1025-row codestream at
``reduce=2`` fails with "broken data stream"), and returns 16-bit grey and 8-bit
colour only (12-bit colour and 32-bit samples come back rounded). This module
calls the OpenJPEG library itself, through its stable C API (soname
``libopenjp2.so.7``, unchanged since 2.0): ctypes releases the GIL during
``opj_decode``, OpenJPEG's own threads can be used, and the samples are the
exact 32-bit integers OpenJPEG decodes, whatever their precision and sign.

The library is the one a core dependency already ships: imagecodecs' or
Pillow's copy in their wheels (``imagecodecs.libs``, ``pillow.libs``,
``PIL/.dylibs``), else the system's ``libopenjp2``. Without any of them,
:func:`available` is False and frames are decoded at full resolution and
area-averaged (:mod:`dcmview.sdk.levels`).

Measured on a 2048×1664 10-bit lossless frame (one thread): 0.09 s at level 1 and
0.03 s at level 2, against 0.35 s in full, as fast as Pillow; the same samples as Pillow's reduced
decode wherever Pillow decodes at all.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import importlib.util
import threading
from pathlib import Path

import numpy as np

from dcmview.sdk._types import AnyArray

__all__ = ["available", "decode", "version"]

# OpenJPEG 2.3 brought multi-threaded decoding and the reduced-resolution
# fixes; 2.5 decodes HTJ2K (ISO/IEC 15444-15) code-blocks.
_MIN_VERSION = (2, 3)
_CODEC_J2K = 0  # OPJ_CODEC_J2K: a bare codestream, what DICOM holds (PS3.5 A.4.4)
_READ_END = ctypes.c_size_t(-1).value  # (OPJ_SIZE_T)-1: "no more bytes"


class _Component(ctypes.Structure):
    # opj_image_comp_t of openjpeg.h (2.x); `bpp` is deprecated but still there.
    _fields_ = (
        ("dx", ctypes.c_uint32),
        ("dy", ctypes.c_uint32),
        ("w", ctypes.c_uint32),
        ("h", ctypes.c_uint32),
        ("x0", ctypes.c_uint32),
        ("y0", ctypes.c_uint32),
        ("prec", ctypes.c_uint32),
        ("bpp", ctypes.c_uint32),
        ("sgnd", ctypes.c_uint32),
        ("resno_decoded", ctypes.c_uint32),
        ("factor", ctypes.c_uint32),
        ("data", ctypes.POINTER(ctypes.c_int32)),
        ("alpha", ctypes.c_uint16),
    )


class _Image(ctypes.Structure):
    # opj_image_t of openjpeg.h (2.x).
    _fields_ = (
        ("x0", ctypes.c_uint32),
        ("y0", ctypes.c_uint32),
        ("x1", ctypes.c_uint32),
        ("y1", ctypes.c_uint32),
        ("numcomps", ctypes.c_uint32),
        ("color_space", ctypes.c_int),
        ("comps", ctypes.POINTER(_Component)),
        ("icc_profile_buf", ctypes.c_void_p),
        ("icc_profile_len", ctypes.c_uint32),
    )


_READ = ctypes.CFUNCTYPE(ctypes.c_size_t, ctypes.c_void_p, ctypes.c_size_t, ctypes.c_void_p)
_SKIP = ctypes.CFUNCTYPE(ctypes.c_int64, ctypes.c_int64, ctypes.c_void_p)
_SEEK = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_int64, ctypes.c_void_p)
_MESSAGE = ctypes.CFUNCTYPE(None, ctypes.c_char_p, ctypes.c_void_p)

# (name, result type, argument types) of the functions used.
_API: tuple[tuple[str, object, tuple[object, ...]], ...] = (
    ("opj_version", ctypes.c_char_p, ()),
    ("opj_create_decompress", ctypes.c_void_p, (ctypes.c_int,)),
    ("opj_set_default_decoder_parameters", None, (ctypes.c_void_p,)),
    ("opj_setup_decoder", ctypes.c_int, (ctypes.c_void_p, ctypes.c_void_p)),
    ("opj_codec_set_threads", ctypes.c_int, (ctypes.c_void_p, ctypes.c_int)),
    ("opj_set_error_handler", ctypes.c_int, (ctypes.c_void_p, _MESSAGE, ctypes.c_void_p)),
    ("opj_set_warning_handler", ctypes.c_int, (ctypes.c_void_p, _MESSAGE, ctypes.c_void_p)),
    ("opj_set_info_handler", ctypes.c_int, (ctypes.c_void_p, _MESSAGE, ctypes.c_void_p)),
    ("opj_stream_create", ctypes.c_void_p, (ctypes.c_size_t, ctypes.c_int)),
    ("opj_stream_set_read_function", None, (ctypes.c_void_p, _READ)),
    ("opj_stream_set_skip_function", None, (ctypes.c_void_p, _SKIP)),
    ("opj_stream_set_seek_function", None, (ctypes.c_void_p, _SEEK)),
    ("opj_stream_set_user_data_length", None, (ctypes.c_void_p, ctypes.c_uint64)),
    (
        "opj_read_header",
        ctypes.c_int,
        (ctypes.c_void_p, ctypes.c_void_p, ctypes.POINTER(ctypes.POINTER(_Image))),
    ),
    ("opj_set_decoded_resolution_factor", ctypes.c_int, (ctypes.c_void_p, ctypes.c_uint32)),
    ("opj_decode", ctypes.c_int, (ctypes.c_void_p, ctypes.c_void_p, ctypes.POINTER(_Image))),
    ("opj_end_decompress", ctypes.c_int, (ctypes.c_void_p, ctypes.c_void_p)),
    ("opj_image_destroy", None, (ctypes.POINTER(_Image),)),
    ("opj_stream_destroy", None, (ctypes.c_void_p,)),
    ("opj_destroy_codec", None, (ctypes.c_void_p,)),
)

_lock = threading.Lock()
_loaded = False
_lib: ctypes.CDLL | None = None
_version: tuple[int, ...] = ()


def _candidates() -> list[str]:
    """Library files to try, the bundled copies of the core dependencies first."""
    found: list[str] = []
    for module, folders in (
        ("imagecodecs", ("../imagecodecs.libs", ".dylibs")),
        ("PIL", ("../pillow.libs", ".dylibs")),
    ):
        spec = importlib.util.find_spec(module)
        if spec is None or spec.origin is None:
            continue
        package = Path(spec.origin).parent
        for folder in folders:
            where = (package / folder).resolve()
            if where.is_dir():
                found += sorted(str(p) for p in where.glob("libopenjp2*") if p.is_file())
    system = ctypes.util.find_library("openjp2")
    if system:
        found.append(system)
    return found


def _load() -> ctypes.CDLL | None:
    global _loaded, _lib, _version
    with _lock:
        if _loaded:
            return _lib
        _loaded = True
        for candidate in _candidates():
            try:
                lib = ctypes.CDLL(candidate)
                for name, restype, argtypes in _API:
                    function = getattr(lib, name)
                    function.restype = restype
                    function.argtypes = argtypes
                text = (lib.opj_version() or b"").decode("ascii", "replace")
                version = tuple(int(p) for p in text.split(".")[:2] if p.isdigit())
            except (OSError, AttributeError, ValueError):
                continue  # not loadable here, or too old to have the functions
            if version >= _MIN_VERSION:
                _lib, _version = lib, version
                break
        return _lib


def available() -> bool:
    """Return whether an OpenJPEG library (2.3 or later) can be called."""
    return _load() is not None


def version() -> tuple[int, ...]:
    """Return (major, minor) of the library in use; ``()`` when none is."""
    _load()
    return _version


def _dtype(precision: int, signed: bool) -> np.dtype[np.integer]:
    # The container imagecodecs' jpeg2k_decode gives the same codestream.
    size = 1 if precision <= 8 else (2 if precision <= 16 else 4)
    return np.dtype(f"{'i' if signed else 'u'}{size}")


def decode(src: bytes, reduce: int, threads: int = 1) -> AnyArray:
    """Decode a JPEG 2000 codestream at resolution factor `reduce`.

    Parameters
    ----------
    src : bytes
        The codestream (SOC first).
    reduce : int
        Decode at ``1 / 2**reduce`` of the size: ``ceil(size / 2**reduce)`` samples
        per side. At most the codestream's number of wavelet decompositions.
    threads : int
        The threads OpenJPEG may use.

    Returns
    -------
    numpy.ndarray
        (rows, columns) or (rows, columns, components), uint8/int8, uint16/int16
        or uint32/int32 after the components' precision and sign, as imagecodecs'
        ``jpeg2k_decode`` returns a full decode; the inverse multiple-component
        transform applied.

    Raises
    ------
    ValueError
        No library, a corrupt codestream (OpenJPEG's messages), `reduce` beyond
        the codestream's levels, or components of different sizes.
    """
    lib = _load()
    if lib is None:
        raise ValueError("no OpenJPEG library (libopenjp2 2.3 or later) was found")
    data = bytes(src)
    base = ctypes.cast(ctypes.c_char_p(data), ctypes.c_void_p).value or 0
    position = 0
    errors: list[str] = []

    # The stream's callbacks (OpenJPEG has no memory stream): called a few times
    # per decode with large reads; the GIL is taken only while they run.
    def read(buffer: int, size: int, _user: int) -> int:
        nonlocal position
        count = min(size, len(data) - position)
        if count <= 0:
            return _READ_END
        ctypes.memmove(buffer, base + position, count)
        position += count
        return count

    def skip(count: int, _user: int) -> int:
        nonlocal position
        count = max(min(count, len(data) - position), -position)
        position += count
        return count

    def seek(offset: int, _user: int) -> int:
        nonlocal position
        if not 0 <= offset <= len(data):
            return 0
        position = offset
        return 1

    def error(message: bytes, _user: int) -> None:
        errors.append(message.decode("utf-8", "replace").strip())

    ignore = _MESSAGE(lambda message, user: None)
    callbacks = (_READ(read), _SKIP(skip), _SEEK(seek), _MESSAGE(error), ignore)

    def failed(what: str) -> ValueError:
        return ValueError(f"OpenJPEG cannot {what}: {'; '.join(errors) or 'no reason given'}")

    codec = lib.opj_create_decompress(_CODEC_J2K)
    stream = lib.opj_stream_create(1 << 20, 1)
    image = ctypes.POINTER(_Image)()
    try:
        if not codec or not stream:
            raise MemoryError("OpenJPEG could not allocate a decoder")
        lib.opj_set_error_handler(codec, callbacks[3], None)
        lib.opj_set_warning_handler(codec, callbacks[4], None)
        lib.opj_set_info_handler(codec, callbacks[4], None)
        # opj_dparameters_t is about 20 KB in 2.x; a larger zeroed buffer is harmless.
        parameters = ctypes.create_string_buffer(1 << 16)
        lib.opj_set_default_decoder_parameters(parameters)
        if not lib.opj_setup_decoder(codec, parameters):
            raise failed("set up a decoder")
        lib.opj_codec_set_threads(codec, max(1, threads))  # False without thread support
        lib.opj_stream_set_read_function(stream, callbacks[0])
        lib.opj_stream_set_skip_function(stream, callbacks[1])
        lib.opj_stream_set_seek_function(stream, callbacks[2])
        lib.opj_stream_set_user_data_length(stream, len(data))
        if not lib.opj_read_header(stream, codec, ctypes.byref(image)):
            raise failed("read the codestream header")
        if not lib.opj_set_decoded_resolution_factor(codec, reduce):
            raise failed(f"decode at resolution factor {reduce}")
        if not lib.opj_decode(codec, stream, image):
            raise failed("decode the codestream")
        lib.opj_end_decompress(codec, stream)
        return _samples(image.contents)
    finally:
        if bool(image):  # a NULL pointer is false
            lib.opj_image_destroy(image)
        if stream:
            lib.opj_stream_destroy(stream)
        if codec:
            lib.opj_destroy_codec(codec)


def _samples(image: _Image) -> AnyArray:
    """Copy the decoded components out of OpenJPEG's buffers into one array."""
    components = [image.comps[i] for i in range(image.numcomps)]
    if not components:
        raise ValueError("the codestream has no components")
    first = components[0]
    planes = []
    for comp in components:
        if (comp.w, comp.h) != (first.w, first.h) or not comp.data:
            raise ValueError("the codestream's components differ in size (subsampled)")
        dtype = _dtype(int(comp.prec), bool(comp.sgnd))
        # OpenJPEG keeps every sample as an int32; the precision says the container.
        raw = np.ctypeslib.as_array(comp.data, shape=(int(comp.h), int(comp.w)))
        planes.append(raw.astype(dtype))
    if len(planes) == 1:
        return planes[0]
    dtype = np.result_type(*planes)
    return np.stack([p.astype(dtype, copy=False) for p in planes], axis=-1)
