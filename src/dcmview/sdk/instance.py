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

The reading itself is in private modules: :mod:`dcmview.sdk._dicomfile` reads
the header and locates the Pixel Data element, :mod:`dcmview.sdk._frameindex`
builds the frame index and reads one frame's bytes.

Instances are safe to share between threads: the header and the frame index
are built once under a lock, and every frame read opens the file on its own.
"""

from __future__ import annotations

import io
import operator
import os
import threading
from collections.abc import Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Any, BinaryIO

# pydicom's package before any of its submodules: importing pydicom by way of a
# submodule (`from pydicom.uid import UID`) took 10 ms longer (Python 3.11).
from pydicom import uid as pydicom_uid

from dcmview.sdk import codecs
from dcmview.sdk._dicomfile import PIXEL_KEYWORDS, PixelIndex, open_regular, read_file
from dcmview.sdk._frameindex import (
    MAX_FRAME_BYTES,
    build_frames,
    check_native,
    decode_bit_packed,
    pixel_length,
    read_encapsulated,
)
from dcmview.sdk._types import AnyArray, ArrayU8, StrPath
from dcmview.sdk.errors import (
    DcmviewError,
    FileReadError,
    FrameIndexError,
    InvalidPathError,
    NoPixelDataError,
    NotFoundError,
)
from dcmview.sdk.header import Header

if TYPE_CHECKING:  # pragma: no cover
    from pydicom.dataset import Dataset

    from dcmview.sdk.cache import ByteCache
    from dcmview.sdk.catalog import Catalog
    from dcmview.sdk.frame import Frame
    from dcmview.sdk.references import References
    from dcmview.sdk.roi import Roi
    from dcmview.sdk.window import WindowLike

__all__ = ["MAX_FRAME_BYTES", "Instance", "open"]

# This module's open() is the SDK one-liner; files are opened with io.open.
builtin_open = io.open


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
    cache : ByteCache, optional
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
        cache: ByteCache | None = None,
    ) -> None:
        self._path = os.path.abspath(os.fspath(path))
        self._header = header
        self._cache = cache
        self._lock = threading.Lock()
        self._dataset: Dataset | None = None
        self._transfer_syntax: pydicom_uid.UID | None = None
        self._pixels: PixelIndex | None = None

    def __repr__(self) -> str:
        return f"Instance({self._path!r})"

    # -- header ------------------------------------------------------------

    @property
    def path(self) -> str:
        """The absolute path of the file."""
        return self._path

    @property
    def cache(self) -> ByteCache | None:
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
    def transfer_syntax_uid(self) -> pydicom_uid.UID:
        """(0002,0010), or the syntax the data set was read in when there is no meta."""
        if self._header is not None and self._dataset is None and self._header.transfer_syntax_uid:
            return pydicom_uid.UID(self._header.transfer_syntax_uid)
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
    def cine_rate(self) -> float | None:
        """Frames per second to play the frames at, or None (:func:`dcmview.sdk.cine.cine_rate`).

        Reads the header.
        """
        from dcmview.sdk.cine import cine_rate

        return cine_rate(self.dataset)

    @property
    def has_pixels(self) -> bool:
        """Whether the file has (7FE0,0010), (7FE0,0008) or (7FE0,0009)."""
        if self._header is not None and self._dataset is None:
            return self._header.has_pixels
        return self._pixel_index() is not None

    @property
    def pixel_keyword(self) -> str | None:
        """``"PixelData"``, ``"FloatPixelData"`` or ``"DoubleFloatPixelData"``; None without."""
        px = self._pixel_index()
        return px.keyword if px is not None else None

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
            options["pixel_data"] = (tag, vr, pixel_length(px, self._path, self._dataset))
        return tag_tree(self.dataset, **options)

    def tag(self, path: str, *, offset: int = 0, limit: int | None = None) -> Any:
        """Return one element's node by tag path, with a page of its sequence items.

        See :func:`dcmview.sdk.tags.select` (``"(0040,A730)/0/(0040,A043)"``,
        `offset`, `limit` 1..256); raises :class:`InvalidInputError` for a path
        that names nothing.
        """
        from dcmview.sdk.tags import select

        return select(self.dataset, path, offset=offset, limit=limit)

    def export_cine(
        self,
        path: StrPath,
        *,
        window: WindowLike = None,
        fps: float | None = None,
        frames: Sequence[int] | None = None,
        level: int = 0,
        rois: Iterable[Roi] | None = None,
        redactions: Iterable[Roi] | None = None,
    ) -> list[ArrayU8]:
        """Write the frames as animated WebP, PNG or GIF, or as MP4 (``dcmview[video]``).

        The suffix of `path` picks the format; the frames are :meth:`Frame.render`'s
        (`window`, `level`), `rois` drawn in, the pixels under `redactions` removed. See
        :func:`dcmview.sdk.export.export_cine`,
        which this calls, for the parameters, the formats and the errors.

        Examples
        --------
        >>> import pydicom.examples, tempfile, os
        >>> ct = open(pydicom.examples.get_path("ct"))
        >>> out = os.path.join(tempfile.mkdtemp(), "ct.webp")
        >>> len(ct.export_cine(out, window="lung", fps=5))
        1
        """
        from dcmview.sdk.export import export_cine

        return export_cine(
            self,
            path,
            window=window,
            fps=fps,
            frames=frames,
            level=level,
            rois=rois,
            redactions=redactions,
        )

    # -- frames ------------------------------------------------------------

    def references(self, catalog: Catalog | None = None) -> References:
        """What this object refers to and, given a catalog, what in it refers to this.

        Parameters
        ----------
        catalog : Catalog, optional
            The files to resolve references against (and to search for objects
            that refer to this one). The file must be one of them.

        Returns
        -------
        References
            See :mod:`dcmview.sdk.references`.

        Raises
        ------
        NotFoundError
            `catalog` does not list this file.
        """
        from dcmview.sdk import references  # deferred: a rarely used walk

        if catalog is None:
            return references.instance_references(self.dataset, self.header)
        index = catalog.index_of(self._path)
        if index is None:
            raise NotFoundError(f"{self._path} is not in the catalog", path=self._path)
        return references.find_references(catalog, index)

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

    def decode(self, index: int, level: int = 0) -> AnyArray:
        """Decode frame `index` without the cache (what :meth:`Frame.array` calls).

        Parameters
        ----------
        index : int
            The 0-based frame index.
        level : int
            The resolution level (:mod:`dcmview.sdk.levels`): JPEG 2000 and HTJ2K
            decode at it natively (as deep as the codestream's wavelet levels
            go), other syntaxes decode in full and are area-averaged
            (:func:`dcmview.sdk.levels.downsample`: padding left out of the means,
            PALETTE COLOR decimated). A native decode that fails decodes in full.

        Returns
        -------
        numpy.ndarray
            Stored values exactly as ``pydicom.pixels.pixel_array(path, index=index)``
            returns them: shape (rows, columns) or (rows, columns, samples); at a
            level ``ceil(rows / 2**level)`` × ``ceil(columns / 2**level)``.

        Raises
        ------
        FrameIndexError, NoPixelDataError
            No such frame.
        InvalidInputError
            `level` outside ``0 .. max_level(rows, columns)``.
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
        if level:
            from dcmview.sdk.levels import check_level

            level = check_level(level, self.rows, self.columns)
            native = self._decode_native(index, level)
            if native is not None:
                return native
            return self._downsample(self.decode(index), level)
        px = self._pixel_index()
        if px is None:
            # The scan's header saw Pixel Data that a full read of the header does not
            # reach (a corrupt sequence before it): no frame can be found.
            raise NoPixelDataError(
                f"{self._path}: no Pixel Data found after the data set's elements "
                "(the header is corrupt or the file changed since the scan)",
                path=self._path,
            )
        build_frames(px, self._path, self._dataset)
        try:
            if px.encapsulated:
                data = read_encapsulated(px, index, self._path)
                return codecs.decode_frame(data, index=index, options=px.options, path=self._path)
            check_native(px, index, self._path)
            if int(px.options["bits_allocated"]) == 1:
                return decode_bit_packed(px, index, self._path)
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

    def _decodes_levels(self) -> bool:
        """Whether frames decode natively at a resolution level (JPEG 2000, HTJ2K).

        Else a level is area-averaged from the full-resolution frame. PALETTE
        COLOR never decodes at a level: the wavelet would blend colour indexes.
        """
        tsyntax = self.transfer_syntax_uid
        if tsyntax not in codecs.J2K_SYNTAXES:
            return False
        return self.photometric_interpretation != "PALETTE COLOR" and codecs.reduces(tsyntax)

    def _downsample(self, stored: AnyArray, level: int) -> AnyArray:
        """Area-average a frame's stored values to `level` (:func:`dcmview.sdk.levels.downsample`).

        Pixel padding (PS3.3 C.7.5.1.1.2) is left out of each block's mean;
        PALETTE COLOR keeps each block's first sample (indexes are not averaged).
        """
        from dcmview.sdk.display import is_grayscale, padding_range
        from dcmview.sdk.levels import downsample

        ds = self.dataset
        if self.photometric_interpretation == "PALETTE COLOR":
            return downsample(stored, level, decimate=True)
        padding = padding_range(ds) if is_grayscale(stored, ds) else None
        return downsample(stored, level, padding=padding)

    def _decode_native(self, index: int, level: int) -> AnyArray | None:
        """Frame `index` decoded at `level` by the codec, else None (then: in full)."""
        if not self._decodes_levels():
            return None
        px = self._pixel_index()
        if px is None:
            return None
        build_frames(px, self._path, self._dataset)
        if not px.encapsulated:
            return None
        try:
            data = read_encapsulated(px, index, self._path)
        except OSError as exc:
            raise FileReadError(
                f"{self._path}: cannot read frame {index}: {exc.strerror or exc}", path=self._path
            ) from exc
        reached = codecs.native_level(data, level, str(self.transfer_syntax_uid))
        if reached == 0:
            return None
        try:
            arr = codecs.decode_frame(
                data, index=index, options=px.options, path=self._path, level=reached
            )
        except DcmviewError:
            # A codestream that reduces badly (a tile with fewer wavelet levels
            # than its main header says) may still decode in full; a corrupt one
            # fails there again, with the full decode's message.
            return None
        return self._downsample(arr, level - reached) if reached < level else arr

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
