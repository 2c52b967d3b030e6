"""Pixel encoding per transfer syntax: pydicom's encoders where it has them, imagecodecs else.

pydicom 3 encodes RLE, JPEG-LS and JPEG 2000 through its plugins; it has no
encoder for the JPEG processes 1, 2/4 and 14 nor for HTJ2K, so those frames come
from imagecodecs (libjpeg-turbo and OpenJPH) and are checked marker by marker
before use: a wrong SOF or predictor would make a file that lies about its syntax.
"""

from __future__ import annotations

import numpy as np
from pydicom import uid as U
from pydicom.dataset import Dataset
from pydicom.encaps import encapsulate

# Short labels of the transfer syntaxes, for the per-file lines.
TS_SHORT = {
    U.ImplicitVRLittleEndian: "ImplicitVRLE",
    U.ExplicitVRLittleEndian: "ExplicitVRLE",
    U.ExplicitVRBigEndian: "ExplicitVRBE",
    U.DeflatedExplicitVRLittleEndian: "DeflatedExplicitVRLE",
    U.RLELossless: "RLELossless",
    U.JPEGLSLossless: "JPEGLSLossless",
    U.JPEGLSNearLossless: "JPEGLSNearLossless",
    U.JPEG2000Lossless: "JPEG2000Lossless",
    U.JPEG2000: "JPEG2000(lossy)",
    U.HTJ2KLossless: "HTJ2KLossless",
    U.HTJ2KLosslessRPCL: "HTJ2KLosslessRPCL",
    U.HTJ2K: "HTJ2K(lossy)",
    U.JPEGBaseline8Bit: "JPEGBaseline8Bit",
    U.JPEGExtended12Bit: "JPEGExtended12Bit",
    U.JPEGLossless: "JPEGLossless",
    U.JPEGLosslessSV1: "JPEGLosslessSV1",
}
NATIVE_TS = {
    U.ImplicitVRLittleEndian,
    U.ExplicitVRLittleEndian,
    U.ExplicitVRBigEndian,
    U.DeflatedExplicitVRLittleEndian,
}
# Preferred pydicom encoding plugin per transfer syntax (first available wins).
PLUGIN_PREFERENCE = {
    U.RLELossless: ("pylibjpeg", "pydicom", "gdcm"),
    U.JPEGLSLossless: ("pyjpegls", "gdcm"),
    U.JPEGLSNearLossless: ("pyjpegls", "gdcm"),
    U.JPEG2000Lossless: ("pylibjpeg", "gdcm"),
    U.JPEG2000: ("pylibjpeg", "gdcm"),
}
JPEG_TS = {U.JPEGBaseline8Bit, U.JPEGExtended12Bit, U.JPEGLossless, U.JPEGLosslessSV1}
HTJ2K_TS = {U.HTJ2KLossless, U.HTJ2KLosslessRPCL, U.HTJ2K}
#: The predictor of the JPEG Lossless (Process 14, 1.2.840.10008.1.2.4.57) files:
#: any of 1-7 is allowed there, so use one that is not SV1's 1.
JPEG_LOSSLESS_PREDICTOR = 6


class SkipFile(Exception):
    """An optional encoder is missing: the file is skipped and said so."""


def _imagecodecs():
    try:
        import imagecodecs
    except ImportError:  # pragma: no cover - imagecodecs is a core dependency
        return None
    return imagecodecs


def _jpeg_sof_and_predictor(buf: bytes) -> tuple[int | None, int | None]:
    """Return (SOFn marker, Ss of the first SOS) by walking the JPEG markers."""
    i, sof, ss = 2, None, None
    while i + 4 <= len(buf):
        if buf[i] != 0xFF:
            break
        mk = buf[i + 1]
        ln = int.from_bytes(buf[i + 2 : i + 4], "big")
        if 0xC0 <= mk <= 0xCF and mk not in (0xC4, 0xC8, 0xCC):
            sof = mk
        if mk == 0xDA:
            ns = buf[i + 4]
            ss = buf[i + 5 + 2 * ns]
            break
        i += 2 + ln
    return sof, ss


def jpeg_encode_frame(frame: np.ndarray, ts: str, bits_stored: int) -> bytes:
    """Encode one frame for JPEG Baseline / Extended / Lossless (Process 14, SV1 or not).

    Raises SkipFile when no suitable encoder is installed.
    """
    ic = _imagecodecs()
    have_ic = ic is not None and hasattr(ic, "jpeg8_encode") and ic.JPEG8.available
    color = frame.ndim == 3
    want_ss: int | None = None
    if ts == U.JPEGBaseline8Bit:
        if have_ic:
            buf = bytes(ic.jpeg8_encode(frame, level=90, subsampling="422" if color else None))
        else:
            try:
                from PIL import Image
            except ImportError:
                raise SkipFile("JPEG baseline needs imagecodecs or Pillow") from None
            import io

            b = io.BytesIO()
            Image.fromarray(frame).save(b, "JPEG", quality=90, subsampling=1)
            buf = b.getvalue()
        want_sof = 0xC0
    elif ts in (U.JPEGExtended12Bit, U.JPEGLosslessSV1, U.JPEGLossless):
        if not have_ic:
            raise SkipFile(f"{U.UID(ts).name} needs imagecodecs (libjpeg-turbo >= 3.0)")
        try:
            if ts == U.JPEGExtended12Bit:
                buf = bytes(ic.jpeg8_encode(frame, level=90, bitspersample=12))
                want_sof = 0xC1
            else:
                want_ss = 1 if ts == U.JPEGLosslessSV1 else JPEG_LOSSLESS_PREDICTOR
                buf = bytes(
                    ic.jpeg8_encode(
                        frame, lossless=True, predictor=want_ss, bitspersample=bits_stored
                    )
                )
                want_sof = 0xC3
        except Exception as exc:  # old libjpeg-turbo: no 12-bit / lossless
            raise SkipFile(f"imagecodecs cannot encode {U.UID(ts).name}: {exc}") from None
    else:  # pragma: no cover
        raise ValueError(ts)
    sof, ss = _jpeg_sof_and_predictor(buf)
    if sof != want_sof or (want_ss is not None and ss != want_ss):
        raise SkipFile(
            f"encoder produced SOF 0x{sof or 0:02X} / predictor {ss}, "
            f"not what {U.UID(ts).name} requires"
        )
    return buf


def htj2k_encode_frame(frame: np.ndarray, ts: str) -> bytes:
    """Encode one grey frame as an HTJ2K codestream (OpenJPH through imagecodecs).

    OpenJPH writes RPCL progression; the RPCL syntax also needs TLM markers
    (PS3.5 A.4.12), which the other two may carry but need not.
    """
    ic = _imagecodecs()
    if ic is None or not ic.HTJ2K.available:
        raise SkipFile(f"{U.UID(ts).name} needs imagecodecs built with OpenJPH")
    if ts == U.HTJ2K:
        # A quantization step that keeps 12-bit mammography near 50 dB PSNR.
        buf = bytes(ic.htj2k_encode(frame, level=0.0005, reversible=False))
    else:
        buf = bytes(ic.htj2k_encode(frame, reversible=True, tlm=ts == U.HTJ2KLosslessRPCL))
    cod = buf.find(b"\xff\x52")
    if cod < 0 or buf[cod + 5] != 2:  # SGcod progression order 2 = RPCL
        raise SkipFile(f"encoder did not write RPCL progression for {U.UID(ts).name}")
    return buf


def encode_pixels(ds: Dataset, arr: np.ndarray, ts: str, *, j2k_cr=None, jls_error=None) -> None:
    """Put `arr` into ds.PixelData using transfer syntax `ts`."""
    if ts in NATIVE_TS:
        big = ts == U.ExplicitVRBigEndian
        dt = arr.dtype.newbyteorder(">" if big else "<") if arr.dtype.itemsize > 1 else arr.dtype
        ds.PixelData = np.ascontiguousarray(arr, dtype=dt).tobytes()
        ds["PixelData"].VR = "OW" if ds.BitsAllocated > 8 else "OB"
        return
    if ts in PLUGIN_PREFERENCE:
        from pydicom.pixels import get_encoder

        enc = get_encoder(ts)
        plugins = [p for p in PLUGIN_PREFERENCE[ts] if p in enc.available_plugins]
        if not plugins:
            missing = "; ".join(enc.missing_dependencies)
            raise SkipFile(f"no encoder for {U.UID(ts).name}: missing {missing}")
        kw = {"j2k_cr": j2k_cr} if j2k_cr else {}
        if jls_error:
            kw["jls_error"] = jls_error
        ds.compress(ts, arr, encoding_plugin=plugins[0], generate_instance_uid=False, **kw)
        return
    frames = arr if "NumberOfFrames" in ds else arr[None]
    if ts in HTJ2K_TS:
        enc_frames = [htj2k_encode_frame(np.ascontiguousarray(f), ts) for f in frames]
    else:  # the JPEG processes 1, 2/4 and 14
        enc_frames = [jpeg_encode_frame(np.ascontiguousarray(f), ts, ds.BitsStored) for f in frames]
    ds.PixelData = encapsulate(enc_frames)
    ds["PixelData"].VR = "OB"
    ds["PixelData"].is_undefined_length = True
