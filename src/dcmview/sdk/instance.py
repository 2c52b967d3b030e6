"""Instance: one DICOM file read lazily (pydicom); metadata, number_of_frames, frame(index).

An :class:`Instance` reads the header of its file once, on first use, with
``pydicom.dcmread(stop_before_pixels=True)`` (falling back to ``force=True``
for files without the 128-byte preamble and ``DICM``, read as Implicit VR
Little Endian when they have no File Meta Information either). It then notes
where the Pixel Data element starts and, on the first frame asked for, builds
the *frame index* once: where each frame's bytes are in the file. Decoding
frame ``i`` then reads only frame ``i``'s bytes, so frame 59 of a 60-frame
file costs what frame 0 costs.

- Native pixel data: frame ``i`` starts at ``i * frame_size`` in the value;
  pydicom reads it straight from the file (PS3.5 8.1.1, 8.2).
- Encapsulated pixel data (PS3.5 A.4): the fragment items are located from
  their item headers only; frames come from the Extended Offset Table, else
  the Basic Offset Table, else one fragment per frame when the counts match,
  else all fragments for a single frame, else the fragments that open with a
  codestream start marker (JPEG SOI, JPEG 2000 SOC) start a frame, so frames
  spanning several fragments are handled.
- Deflated Explicit VR Little Endian cannot be seeked into: the file is
  inflated once and the Pixel Data bytes kept.

Instances are safe to share between threads: the header and the frame index
are built once under a lock, and every frame read opens the file on its own.
"""

from __future__ import annotations

import io
import math
import operator
import os
import struct
import threading
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, BinaryIO

from pydicom.encaps import parse_basic_offsets, parse_fragments
from pydicom.uid import UID

from dcmview.sdk import codecs
from dcmview.sdk._dicomfile import PIXEL_KEYWORDS, PixelIndex, open_regular, read_file
from dcmview.sdk._types import AnyArray, StrPath
from dcmview.sdk.errors import (
    DcmviewError,
    DecodeError,
    FileReadError,
    FrameIndexError,
    ImageTooLargeError,
    InvalidPathError,
    NoPixelDataError,
    UnsupportedPixelLayoutError,
)
from dcmview.sdk.header import Header

if TYPE_CHECKING:  # pragma: no cover
    from pydicom.dataset import Dataset

    from dcmview.sdk.cache import FrameCache
    from dcmview.sdk.frame import Frame

__all__ = ["MAX_FRAME_BYTES", "Instance", "open"]

#: Frames whose declared decoded size is larger than this are refused before
#: anything is allocated (a 65535 x 65535 header is a denial of service).
MAX_FRAME_BYTES = 1 << 30

# This module's open() is the SDK one-liner; files are opened with io.open.
builtin_open = io.open

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


def open(path: StrPath) -> Instance:
    """Open one DICOM file and read its header.

    Parameters
    ----------
    path : str or os.PathLike
        The file.

    Returns
    -------
    Instance
        With its header read; frames are decoded on demand.

    Raises
    ------
    InvalidPathError
        `path` does not exist or is not a file.
    NotDicomError
        The file is not DICOM, even read without preamble.

    Examples
    --------
    >>> import pydicom.examples
    >>> inst = open(pydicom.examples.get_path("ct"))
    >>> inst.rows, inst.columns, len(inst)
    (128, 128, 1)
    >>> inst.frame(0).array().shape
    (128, 128)
    """
    inst = Instance(path)
    if not os.path.isfile(inst.path):
        what = "is a directory, not a file" if os.path.isdir(inst.path) else "does not exist"
        raise InvalidPathError(f"{inst.path} {what}", path=inst.path)
    inst.dataset  # noqa: B018 - read the header now, so a bad file fails here
    return inst


class Instance:
    """One DICOM file (a SOP instance), read lazily.

    Parameters
    ----------
    path : str or os.PathLike
        The file; kept as an absolute, normalized path.
    header : Header, optional
        The header a scan already read, so listing needs no second read.
    cache : FrameCache, optional
        Where decoded frames are kept, under the key ``(path, index)``.

    Examples
    --------
    >>> import pydicom.examples
    >>> inst = Instance(pydicom.examples.get_path("mr"))
    >>> inst.header.modality, inst.header.label
    ('MR', '4MR1 · MR · 20040826')
    >>> inst.photometric_interpretation, inst.bits_stored
    ('MONOCHROME2', 16)
    """

    def __init__(
        self,
        path: StrPath,
        *,
        header: Header | None = None,
        cache: FrameCache | None = None,
    ) -> None:
        self._path = os.path.abspath(os.fspath(path))
        self._header = header
        self._cache = cache
        self._lock = threading.Lock()
        self._dataset: Dataset | None = None
        self._transfer_syntax: UID | None = None
        self._pixels: PixelIndex | None = None

    def __repr__(self) -> str:
        return f"Instance({self._path!r})"

    # -- header ------------------------------------------------------------

    @property
    def path(self) -> str:
        """The absolute path of the file."""
        return self._path

    @property
    def cache(self) -> FrameCache | None:
        """The cache decoded frames go to, if any."""
        return self._cache

    @property
    def dataset(self) -> Dataset:
        """The header as a pydicom Dataset, without pixel data (read once, thread-safe).

        Raises
        ------
        InvalidPathError, FileReadError
            The file is missing or cannot be read.
        NotDicomError
            The file is not DICOM.
        """
        ds = self._dataset
        if ds is None:
            with self._lock:
                if self._dataset is None:
                    self._load()
                ds = self._dataset
                assert ds is not None
        return ds

    @property
    def header(self) -> Header:
        """The scan-time attributes of the file (:class:`Header`)."""
        if self._header is None:
            self._header = Header.from_dataset(
                self.dataset, self._path, has_pixels=self._pixel_index() is not None
            ).replace(transfer_syntax_uid=str(self.transfer_syntax_uid))
        return self._header

    @property
    def transfer_syntax_uid(self) -> UID:
        """(0002,0010), or the syntax the data set was read in when there is no meta."""
        if self._header is not None and self._dataset is None and self._header.transfer_syntax_uid:
            return UID(self._header.transfer_syntax_uid)
        self.dataset  # noqa: B018 - sets the syntax
        assert self._transfer_syntax is not None
        return self._transfer_syntax

    def _get(self, keyword: str) -> Any:
        """``dataset.get(keyword)``, or None when pydicom cannot convert the raw value."""
        try:
            return self.dataset.get(keyword)
        except DcmviewError:
            raise
        except Exception:  # a corrupt value (a 1-byte US, an unknown VR) counts as absent
            return None

    def _int(self, keyword: str, default: int) -> int:
        value = self._get(keyword)
        if value is None or value == "":
            return default
        try:
            return int(value)
        except (TypeError, ValueError):
            return default

    @property
    def rows(self) -> int:
        """(0028,0010) Rows; 0 when absent."""
        if self._header is not None and self._dataset is None:
            return self._header.rows
        return self._int("Rows", 0)

    @property
    def columns(self) -> int:
        """(0028,0011) Columns; 0 when absent."""
        if self._header is not None and self._dataset is None:
            return self._header.columns
        return self._int("Columns", 0)

    @property
    def number_of_frames(self) -> int:
        """(0028,0008) Number of Frames: 1 when absent, 0 without pixel data."""
        if self._header is not None and self._dataset is None:
            return self._header.number_of_frames
        if not self.has_pixels:
            return 0
        return max(self._int("NumberOfFrames", 1), 1)

    def __len__(self) -> int:
        return self.number_of_frames

    def __iter__(self) -> Iterator[Frame]:
        return (self.frame(i) for i in range(self.number_of_frames))

    @property
    def samples_per_pixel(self) -> int:
        """(0028,0002) Samples per Pixel; 1 when absent."""
        if self._header is not None and self._dataset is None:
            return self._header.samples_per_pixel
        return self._int("SamplesPerPixel", 1)

    @property
    def bits_allocated(self) -> int:
        """(0028,0100) Bits Allocated; 0 when absent."""
        if self._header is not None and self._dataset is None:
            return self._header.bits_allocated
        return self._int("BitsAllocated", 0)

    @property
    def bits_stored(self) -> int:
        """(0028,0101) Bits Stored; Bits Allocated when absent."""
        return self._int("BitsStored", self.bits_allocated)

    @property
    def pixel_representation(self) -> int:
        """(0028,0103) Pixel Representation: 0 unsigned, 1 two's complement."""
        return self._int("PixelRepresentation", 0)

    @property
    def photometric_interpretation(self) -> str:
        """(0028,0004) Photometric Interpretation; ``""`` when absent."""
        if self._header is not None and self._dataset is None:
            return self._header.photometric_interpretation
        return str(self._get("PhotometricInterpretation") or "").strip()

    @property
    def sop_class_uid(self) -> str:
        """(0008,0016) SOP Class UID."""
        if self._header is not None and self._dataset is None:
            return self._header.sop_class_uid
        return str(self._get("SOPClassUID") or "")

    @property
    def sop_instance_uid(self) -> str:
        """(0008,0018) SOP Instance UID."""
        if self._header is not None and self._dataset is None:
            return self._header.sop_instance_uid
        return str(self._get("SOPInstanceUID") or "")

    @property
    def has_pixels(self) -> bool:
        """Whether the file has (7FE0,0010), (7FE0,0008) or (7FE0,0009)."""
        if self._header is not None and self._dataset is None:
            return self._header.has_pixels
        return self._pixel_index() is not None

    def tags(self, **options: Any) -> Any:
        """Return the JSON-ready tag tree of the header (see :func:`dcmview.sdk.tags.tag_tree`).

        Parameters
        ----------
        **options
            Passed to :func:`dcmview.sdk.tags.tag_tree`.
        """
        from dcmview.sdk.tags import tag_tree

        px = self._pixel_index()
        if px is not None and "pixel_data" not in options:
            # The header was read without Pixel Data: report its tag, VR and length.
            tag = next(t for t, k in PIXEL_KEYWORDS.items() if k == px.keyword)
            vr = px.vr or ("OW" if self.bits_allocated > 8 else "OB")
            options["pixel_data"] = (tag, vr, self._pixel_length(px))
        return tag_tree(self.dataset, **options)

    def _pixel_length(self, px: PixelIndex) -> int:
        """Bytes of the Pixel Data value (encapsulated: its items, as pydicom counts it)."""
        if px.value_length is not None:
            return px.value_length
        try:
            self._build_frames(px)
        except DcmviewError:
            return max(px.file_size - px.value_offset, 0)
        if px.frames is None:
            # Native Pixel Data of undefined length (not allowed, PS3.5 A.4): up to the end.
            return max(px.file_size - px.value_offset, 0)
        # Up to the last fragment's end, before the Sequence Delimitation Item (PS3.5 A.4).
        end = max(offset + length for frame in px.frames for offset, length in frame)
        return min(end, px.file_size) - px.value_offset

    # -- frames ------------------------------------------------------------

    def frame(self, index: int) -> Frame:
        """Return frame `index` (0-based).

        Raises
        ------
        NoPixelDataError
            The file has no pixel data.
        FrameIndexError
            `index` is outside ``0 .. number_of_frames - 1``.
        """
        from dcmview.sdk.frame import Frame

        return Frame(self, index)

    def _check_index(self, index: int) -> int:
        if isinstance(index, bool):
            raise TypeError(f"a frame index must be an int, not {index!r}")
        index = operator.index(index)
        if not self.has_pixels:
            raise NoPixelDataError(
                f"{self._path} has no Pixel Data (SOP Class {self.sop_class_uid or 'unknown'})",
                path=self._path,
            )
        n = self.number_of_frames
        if not 0 <= index < n:
            raise FrameIndexError(
                f"frame index {index} out of range for {n} frame{'s' * (n != 1)} "
                f"(0..{n - 1}) of {self._path}",
                path=self._path,
            )
        return index

    def decode(self, index: int) -> AnyArray:
        """Decode frame `index` without the cache (what :meth:`Frame.array` calls).

        Parameters
        ----------
        index : int
            The 0-based frame index.

        Returns
        -------
        numpy.ndarray
            Stored values exactly as ``pydicom.pixels.pixel_array(path, index=index)``
            returns them: shape (rows, columns) or (rows, columns, samples).

        Raises
        ------
        FrameIndexError, NoPixelDataError
            No such frame.
        ImageTooLargeError
            The declared frame size is absurd; refused before allocating.
        UnsupportedPixelLayoutError
            Image Pixel attributes that cannot describe a frame.
        DecodeError
            Corrupt or truncated pixel data (DecoderUnavailableError: no codec).
        FileReadError
            The file is gone or unreadable since it was opened.
        """
        index = self._check_index(index)
        px = self._pixel_index()
        if px is None:
            # The scan's header saw Pixel Data that a full read of the header does not
            # reach (a corrupt sequence before it): no frame can be found.
            raise NoPixelDataError(
                f"{self._path}: no Pixel Data found after the data set's elements "
                "(the header is corrupt or the file changed since the scan)",
                path=self._path,
            )
        self._build_frames(px)
        try:
            if px.encapsulated:
                data = self._read_encapsulated(px, index)
                return codecs.decode_frame(data, index=index, options=px.options, path=self._path)
            self._check_native(px, index)
            if int(px.options["bits_allocated"]) == 1:
                return self._decode_bit_packed(px, index)
            src: BinaryIO
            if px.buffer is not None:
                src = io.BytesIO(px.buffer)
            else:
                src = builtin_open(open_regular(self._path), "rb")
                src.seek(px.value_offset)
            with src:
                return codecs.decode_frame(src, index=index, options=px.options, path=self._path)
        except DcmviewError:
            raise
        except OSError as exc:
            raise FileReadError(
                f"{self._path}: cannot read frame {index}: {exc.strerror or exc}", path=self._path
            ) from exc

    # -- reading -------------------------------------------------------------

    def _load(self) -> None:
        """Read the header and locate the Pixel Data element (caller holds the lock)."""
        ds, tsyntax, pixels = read_file(self._path, scanned=self._header is not None)
        self._transfer_syntax = tsyntax
        self._pixels = pixels
        self._dataset = ds

    def _pixel_index(self) -> PixelIndex | None:
        self.dataset  # noqa: B018 - loads the header and locates the pixels
        return self._pixels

    # -- frame index -----------------------------------------------------------

    def _build_frames(self, px: PixelIndex) -> None:
        if px.built:
            return
        with px.lock:
            if not px.built:  # another thread may have built it meanwhile
                _checked_layout(px.options, self._path)
                if px.encapsulated:
                    try:
                        with builtin_open(open_regular(self._path), "rb") as fh:
                            self._index_fragments(px, fh)
                    except OSError as exc:
                        raise FileReadError(
                            f"{self._path}: cannot read the pixel data: {exc.strerror or exc}",
                            path=self._path,
                        ) from exc
                px.built = True

    def _index_fragments(self, px: PixelIndex, fh: BinaryIO) -> None:
        """Find every frame's fragments from the item headers (PS3.5 A.4)."""
        path = self._path
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
        frames = self._group_fragments(px, fh, fragments, first, basic, n)
        px.frames = frames
        if len(frames) < n:
            px.shortfall = (
                f"only {len(frames)} frame{'s' * (len(frames) != 1)} found in "
                f"{len(fragments)} fragments of the encapsulated Pixel Data, "
                f"but Number of Frames is {n}"
            )

    def _group_fragments(
        self,
        px: PixelIndex,
        fh: BinaryIO,
        fragments: list[tuple[int, int]],
        first: int,
        basic: list[int],
        n: int,
    ) -> list[tuple[tuple[int, int], ...]]:
        ds = self._dataset
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

    def _read_encapsulated(self, px: PixelIndex, index: int) -> bytes:
        assert px.frames is not None
        path = self._path
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
        self._check_size(px, index)
        fd = open_regular(path)
        try:
            chunks = [os.pread(fd, length, offset) for offset, length in parts]
        finally:
            os.close(fd)
        return chunks[0] if len(chunks) == 1 else b"".join(chunks)

    def _decode_bit_packed(self, px: PixelIndex, index: int) -> AnyArray:
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
            fd = open_regular(self._path)
            try:
                data = os.pread(fd, end - start, px.value_offset + start)
            finally:
                os.close(fd)
        # pydicom's single-frame path reads one byte short for a frame that
        # starts mid-byte, so decode the (at most 8) frames and keep the last.
        count = index - first + 1
        options = {**px.options, "number_of_frames": count}
        arr = codecs.decode_frame(data, index=None, options=options, path=self._path)
        return arr[-1] if count > 1 else arr

    def _check_native(self, px: PixelIndex, index: int) -> None:
        self._check_size(px, index)
        frame_bytes = _frame_length(px.options)
        available = px.value_length or 0
        needed = math.ceil((index + 1) * frame_bytes)
        if needed > available:
            raise DecodeError(
                f"{self._path}: frame {index} is truncated: it needs {needed} bytes of "
                f"Pixel Data but the file holds {available}",
                path=self._path,
            )

    def _check_size(self, px: PixelIndex, index: int) -> None:
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
                f"{self._path}: frame {index} would need {need / 2**30:.1f} GiB "
                f"({opts['rows']} x {opts['columns']} x {opts['samples_per_pixel']} samples "
                f"x {opts['bits_allocated']} bits{working}); the limit is "
                f"{MAX_FRAME_BYTES / 2**30:g} GiB",
                path=self._path,
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
