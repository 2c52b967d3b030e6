"""The frame index: where each frame's bytes are in the file, and reading one frame's bytes.

:func:`build_frames` runs once per file, on the first frame asked for: it checks
the Image Pixel attributes a frame needs and, for encapsulated Pixel Data,
finds each frame's fragments from the item headers alone, trying the sources
in the order the :mod:`dcmview.sdk.instance` docstring lists. Then
:func:`read_encapsulated` reads one frame's fragments, and :func:`check_native`
and :func:`decode_bit_packed` serve native Pixel Data. A frame whose declared
decoded size passes :data:`MAX_FRAME_BYTES` is refused before anything is
allocated.
"""

from __future__ import annotations

import math
import os
import struct
from typing import TYPE_CHECKING, Any, BinaryIO

from pydicom.encaps import parse_basic_offsets, parse_fragments

from dcmview.sdk import codecs
from dcmview.sdk._dicomfile import PixelIndex, open_regular
from dcmview.sdk._types import AnyArray
from dcmview.sdk.errors import (
    DcmviewError,
    DecodeError,
    FileReadError,
    ImageTooLargeError,
    UnsupportedPixelLayoutError,
)

if TYPE_CHECKING:  # pragma: no cover
    from pydicom.dataset import Dataset

__all__ = [
    "MAX_FRAME_BYTES",
    "build_frames",
    "check_native",
    "decode_bit_packed",
    "pixel_length",
    "read_encapsulated",
]

#: Frames whose declared decoded size is larger than this are refused before
#: anything is allocated (a 65535 x 65535 header is a denial of service).
MAX_FRAME_BYTES = 1 << 30

# JPEG 2000 (ISO/IEC 15444-1) and HTJ2K (15444-15) transfer syntaxes (PS3.5 A.4.4, A.4.11).
_J2K_SYNTAXES = frozenset(
    {
        "1.2.840.10008.1.2.4.90",
        "1.2.840.10008.1.2.4.91",
        "1.2.840.10008.1.2.4.92",
        "1.2.840.10008.1.2.4.93",
        "1.2.840.10008.1.2.4.201",
        "1.2.840.10008.1.2.4.202",
        "1.2.840.10008.1.2.4.203",
    }
)
# Codestream start markers (a fragment opening with one starts a new frame):
# JPEG / JPEG-LS SOI (ISO/IEC 10918-1 B.1.1.3), JPEG 2000 SOC + SIZ
# (ISO/IEC 15444-1 A.4.1), and the JP2 signature box some writers embed.
_START_MARKERS = (b"\xff\xd8", b"\xff\x4f\xff\x51", b"\x00\x00\x00\x0c\x6a\x50\x20\x20")


def build_frames(px: PixelIndex, path: str, ds: Dataset | None) -> None:
    """Check the pixel attributes and find each frame's fragments, once (thread-safe)."""
    if px.built:
        return
    with px.lock:
        if not px.built:  # another thread may have built it meanwhile
            _checked_layout(px.options, path)
            if px.encapsulated:
                try:
                    with open(open_regular(path), "rb") as fh:
                        _index_fragments(px, fh, path, ds)
                except OSError as exc:
                    raise FileReadError(
                        f"{path}: cannot read the pixel data: {exc.strerror or exc}",
                        path=path,
                    ) from exc
            px.built = True


def _index_fragments(px: PixelIndex, fh: BinaryIO, path: str, ds: Dataset | None) -> None:
    """Find every frame's fragments from the item headers (PS3.5 A.4)."""
    fh.seek(px.value_offset)
    try:
        basic = parse_basic_offsets(fh)
        first = fh.tell()
        count, item_offsets = parse_fragments(fh)
    except (ValueError, struct.error) as exc:
        raise DecodeError(
            f"{path}: the encapsulated Pixel Data is corrupt: {exc}", path=path
        ) from exc
    fragments: list[tuple[int, int]] = []
    for i, item in enumerate(item_offsets):
        if i + 1 < count:
            length = item_offsets[i + 1] - item - 8
        else:
            fh.seek(item + 4)
            (length,) = struct.unpack("<L", fh.read(4))
        fragments.append((item + 8, length))
    if not fragments:
        raise DecodeError(f"{path}: the encapsulated Pixel Data has no fragments", path=path)
    n = int(px.options["number_of_frames"])
    frames = _group_fragments(ds, fh, fragments, first, basic, n)
    px.frames = frames
    if len(frames) < n:
        px.shortfall = (
            f"only {len(frames)} frame{'s' * (len(frames) != 1)} found in "
            f"{len(fragments)} fragments of the encapsulated Pixel Data, "
            f"but Number of Frames is {n}"
        )


def _group_fragments(
    ds: Dataset | None,
    fh: BinaryIO,
    fragments: list[tuple[int, int]],
    first: int,
    basic: list[int],
    n: int,
) -> list[tuple[tuple[int, int], ...]]:
    extended: list[tuple[tuple[int, int], ...]] | None = None
    if ds is not None and "ExtendedOffsetTable" in ds and "ExtendedOffsetTableLengths" in ds:
        offsets = _u64(ds.ExtendedOffsetTable)
        lengths = _u64(ds.ExtendedOffsetTableLengths)
        if len(offsets) == len(lengths) and offsets:
            # PS3.3 C.7.6.3.1.8: offsets from the first fragment's item tag,
            # one fragment per frame.
            extended = [((first + o + 8, ln),) for o, ln in zip(offsets, lengths, strict=True)]
    if extended is not None:
        return extended
    relative = [item - 8 - first for item, _ in fragments]
    if basic and basic[0] == 0 and set(basic) <= set(relative) and basic == sorted(basic):
        # PS3.5 A.4: Basic Offset Table offsets point at each frame's first item tag.
        bounds = [relative.index(b) for b in basic] + [len(fragments)]
        return [tuple(fragments[a:b]) for a, b in zip(bounds[:-1], bounds[1:], strict=True)]
    if len(fragments) == 1 or len(fragments) == n:
        return [(frag,) for frag in fragments]
    if n == 1:
        return [tuple(fragments)]
    if len(fragments) < n:
        return [(frag,) for frag in fragments]
    # More fragments than frames, no usable offset table: a fragment that
    # opens with a codestream start marker starts a frame.
    starts = []
    for i, (offset, length) in enumerate(fragments):
        head = os.pread(fh.fileno(), 8, offset) if length else b""
        if i == 0 or head.startswith(_START_MARKERS):
            starts.append(i)
    starts.append(len(fragments))
    return [tuple(fragments[a:b]) for a, b in zip(starts[:-1], starts[1:], strict=True)]


def pixel_length(px: PixelIndex, path: str, ds: Dataset | None) -> int:
    """Bytes of the Pixel Data value (encapsulated: its items, as pydicom counts it)."""
    if px.value_length is not None:
        return px.value_length
    try:
        build_frames(px, path, ds)
    except DcmviewError:
        return max(px.file_size - px.value_offset, 0)
    if px.frames is None:
        # Native Pixel Data of undefined length (not allowed, PS3.5 A.4): up to the end.
        return max(px.file_size - px.value_offset, 0)
    # Up to the last fragment's end, before the Sequence Delimitation Item (PS3.5 A.4).
    end = max(offset + length for frame in px.frames for offset, length in frame)
    return min(end, px.file_size) - px.value_offset


def read_encapsulated(px: PixelIndex, index: int, path: str) -> bytes:
    """Read frame `index`'s fragments (encapsulated Pixel Data), checked first."""
    assert px.frames is not None
    if index >= len(px.frames):
        raise DecodeError(f"{path}: cannot find frame {index}: {px.shortfall}", path=path)
    parts = px.frames[index]
    end = max(offset + length for offset, length in parts)
    if end > px.file_size:
        raise DecodeError(
            f"{path}: frame {index} is truncated: its data ends at byte {end} "
            f"but the file has {px.file_size} bytes",
            path=path,
        )
    _check_size(px, index, path)
    fd = open_regular(path)
    try:
        chunks = [os.pread(fd, length, offset) for offset, length in parts]
    finally:
        os.close(fd)
    return chunks[0] if len(chunks) == 1 else b"".join(chunks)


def decode_bit_packed(px: PixelIndex, index: int, path: str) -> AnyArray:
    """Decode frame `index` of native 1-bit Pixel Data."""
    # PS3.5 8.1.1: 1-bit frames are packed back to back, so a frame may start
    # inside a byte; every 8th frame starts on a byte boundary. Hand pydicom
    # the bytes from the last such frame up to this one, as a short buffer.
    pixels = _frame_pixels(px.options)
    first = index - index % 8
    start = first * pixels // 8
    end = math.ceil((index + 1) * pixels / 8)
    if px.buffer is not None:
        data = px.buffer[start:end]
    else:
        fd = open_regular(path)
        try:
            data = os.pread(fd, end - start, px.value_offset + start)
        finally:
            os.close(fd)
    # pydicom's single-frame path reads one byte short for a frame that
    # starts mid-byte, so decode the (at most 8) frames and keep the last.
    count = index - first + 1
    options = {**px.options, "number_of_frames": count}
    arr = codecs.decode_frame(data, index=None, options=options, path=path)
    return arr[-1] if count > 1 else arr


def check_native(px: PixelIndex, index: int, path: str) -> None:
    """Refuse frame `index` of native Pixel Data when it is too large or truncated."""
    _check_size(px, index, path)
    frame_bytes = _frame_length(px.options)
    available = px.value_length or 0
    needed = math.ceil((index + 1) * frame_bytes)
    if needed > available:
        raise DecodeError(
            f"{path}: frame {index} is truncated: it needs {needed} bytes of "
            f"Pixel Data but the file holds {available}",
            path=path,
        )


def _check_size(px: PixelIndex, index: int, path: str) -> None:
    opts = px.options
    samples = int(opts["rows"]) * int(opts["columns"]) * int(opts["samples_per_pixel"])
    decoded = samples * max(int(opts["bits_allocated"]), 8) // 8
    working = ""
    need = decoded
    if str(opts["transfer_syntax_uid"]) in _J2K_SYNTAXES:
        # OpenJPEG decodes into 32-bit buffers for the whole image before the
        # output is made: a 1 KiB codestream declaring 16000 x 16000 made it
        # allocate 1.8 GiB (issue 7), so count that too. The codestream's own
        # size must equal Rows x Columns (codecs.py), so the header decides.
        need += samples * 4
        working = " and 4 bytes per sample of JPEG 2000 decoder memory"
    if need > MAX_FRAME_BYTES:
        raise ImageTooLargeError(
            f"{path}: frame {index} would need {need / 2**30:.1f} GiB "
            f"({opts['rows']} x {opts['columns']} x {opts['samples_per_pixel']} samples "
            f"x {opts['bits_allocated']} bits{working}); the limit is "
            f"{MAX_FRAME_BYTES / 2**30:g} GiB",
            path=path,
        )


def _u64(value: Any) -> list[int]:
    data = bytes(value)
    return list(struct.unpack(f"<{len(data) // 8}Q", data[: len(data) // 8 * 8]))


def _frame_pixels(opts: dict[str, Any]) -> int:
    return int(opts["rows"]) * int(opts["columns"]) * int(opts["samples_per_pixel"])


def _frame_length(opts: dict[str, Any]) -> float:
    """Bytes of one native frame (PS3.5 8.1.1; YBR_FULL_422 is 2/3, PS3.3 C.7.6.3.1.2)."""
    pixels = _frame_pixels(opts)
    bits = int(opts["bits_allocated"])
    if bits == 1:
        return pixels / 8
    length = pixels * (bits // 8)
    if str(opts.get("photometric_interpretation", "")) == "YBR_FULL_422":
        length = length // 3 * 2
    return length


def _checked_layout(opts: dict[str, Any], path: str) -> dict[str, Any]:
    """Check the Image Pixel attributes (PS3.3 C.7.6.3) a frame needs; return `opts`."""

    def bad(what: str) -> UnsupportedPixelLayoutError:
        return UnsupportedPixelLayoutError(f"{path}: cannot decode pixel data: {what}", path=path)

    for key, tag in (
        ("rows", "(0028,0010) Rows"),
        ("columns", "(0028,0011) Columns"),
        ("bits_allocated", "(0028,0100) Bits Allocated"),
    ):
        value = opts.get(key)
        if value is None or value == "":
            raise bad(f"{tag} is missing")
        try:
            opts[key] = int(value)
        except (TypeError, ValueError):
            raise bad(f"{tag} is {value!r}, not a number") from None
        if opts[key] <= 0:
            raise bad(f"{tag} is {opts[key]}")
    frames = opts.get("number_of_frames")
    if frames is None or frames == "":
        opts["number_of_frames"] = 1
    else:
        try:
            opts["number_of_frames"] = int(frames)
        except (TypeError, ValueError):
            raise bad(f"(0028,0008) Number of Frames is {frames!r}, not a number") from None
        if opts["number_of_frames"] < 1:
            # PS3.3 C.7.6.6: 1 or more; pydicom reads 0 as 1, and so do we.
            opts["number_of_frames"] = 1
    bits = opts["bits_allocated"]
    if bits != 1 and (bits % 8 or bits > 64):
        raise bad(f"(0028,0100) Bits Allocated is {bits}; it must be 1 or a multiple of 8 up to 64")
    opts["samples_per_pixel"] = int(opts.get("samples_per_pixel") or 1)
    if opts["samples_per_pixel"] not in (1, 3):
        raise bad(f"(0028,0002) Samples per Pixel is {opts['samples_per_pixel']}; 1 or 3 expected")
    if not opts.get("photometric_interpretation"):
        raise bad("(0028,0004) Photometric Interpretation is missing")
    if opts["pixel_keyword"] == "PixelData":
        opts.setdefault("bits_stored", bits)
        opts.setdefault("pixel_representation", 0)
        if opts["bits_stored"] in (None, ""):
            opts["bits_stored"] = bits
        if opts["pixel_representation"] in (None, ""):
            opts["pixel_representation"] = 0
    if opts["samples_per_pixel"] > 1 and opts.get("planar_configuration") in (None, ""):
        # PS3.3 C.7.6.3.1.3: required for colour data; 0 (colour-by-pixel) is the common case.
        opts["planar_configuration"] = 0
    return opts
