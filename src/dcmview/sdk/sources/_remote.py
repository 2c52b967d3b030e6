"""RemoteInstance: an Instance whose header and frames come from a DICOMweb archive.

It is an :class:`~dcmview.sdk.instance.Instance` in every way a caller sees
(``dataset``, ``frame(i).array()``, ``render``, ``png``, ``tags``); only the
reading differs. The header is the instance's WADO-RS metadata (bulk data
other than Pixel Data fetched from its BulkDataURI), read once, on first use.
A frame is one ``/frames/{n}`` request, decoded by :mod:`dcmview.sdk.codecs`
exactly as a local file's frame: the stored bytes when the archive sends them,
else Explicit VR Little Endian samples.

Levels: the frame is fetched whole either way, so a level is area-averaged
from the full-resolution frame (the frame cache keeps it for the next level).
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

from pydicom import uid as pydicom_uid

from dcmview.sdk import codecs
from dcmview.sdk._frameindex import MAX_FRAME_BYTES, _checked_layout, _frame_length
from dcmview.sdk.errors import ImageTooLargeError, NoPixelDataError
from dcmview.sdk.instance import Instance
from dcmview.sdk.sources.dicomweb import dataset_from_json, pixel_keyword

if TYPE_CHECKING:  # pragma: no cover
    from dcmview.sdk._types import AnyArray
    from dcmview.sdk.cache import ByteCache
    from dcmview.sdk.header import Header
    from dcmview.sdk.sources.dicomweb import DicomWebSource

__all__ = ["RemoteInstance"]

# JPEG 2000 codestream start: SOC then SIZ (ISO/IEC 15444-1 A.4.1); CAP (FF50)
# in the main header marks HTJ2K (ISO/IEC 15444-15 A.3).
_J2K_START = b"\xff\x4f\xff\x51"
_CAP = b"\xff\x50"


class RemoteInstance(Instance):
    """One instance of a :class:`~dcmview.sdk.sources.dicomweb.DicomWebSource`.

    Parameters
    ----------
    source : DicomWebSource
        The archive.
    header : Header
        The header the listing read; its ``path`` is the instance's WADO-RS URL.
    cache : ByteCache, optional
        Where decoded frames are kept, under ``(url, index)``.
    """

    def __init__(
        self, source: DicomWebSource, header: Header, *, cache: ByteCache | None = None
    ) -> None:
        super().__init__(header.path, header=header, cache=cache)
        self._path = header.path  # a URL: not a file path to normalize
        self._source = source
        self._uids = (
            header.study_instance_uid,
            header.series_instance_uid,
            header.sop_instance_uid,
        )
        self._keyword: str | None = "PixelData" if header.has_pixels else None
        # Whether the archive sends this instance's frames in their stored syntax
        # (None until the first frame).
        self._stored: bool | None = None
        self._stored_lock = threading.Lock()

    def __repr__(self) -> str:
        return f"RemoteInstance({self._path!r})"

    @property
    def source(self) -> DicomWebSource:
        """The archive this instance is read from."""
        return self._source

    def _load(self) -> None:
        """Read the WADO-RS metadata (caller holds the lock)."""
        obj = self._source.instance_metadata(*self._uids)
        ds = dataset_from_json(obj, self._source.bulkdata)
        self._keyword = pixel_keyword(obj)
        ts = (self._header.transfer_syntax_uid if self._header else "") or "1.2.840.10008.1.2.1"
        self._transfer_syntax = pydicom_uid.UID(ts)
        self._pixels = None
        self._dataset = ds

    @property
    def has_pixels(self) -> bool:
        """Whether the metadata has Pixel Data (or the image attributes that imply it)."""
        if self._header is not None and self._dataset is None:
            return self._header.has_pixels
        return self._keyword is not None

    def _decodes_levels(self) -> bool:
        return False  # the frame is fetched whole; levels are averaged from it

    def tags(self, **options: Any) -> Any:
        """The JSON-ready tag tree of the metadata (see :func:`dcmview.sdk.tags.tag_tree`)."""
        from dcmview.sdk.tags import tag_tree

        return tag_tree(self.dataset, **options)

    def decode(self, index: int, level: int = 0) -> AnyArray:
        """Fetch frame `index` from the archive and decode it (see :meth:`Instance.decode`).

        Raises
        ------
        RemoteSourceError
            The archive failed or timed out (after retries).
        FrameIndexError, NoPixelDataError, DecodeError, ImageTooLargeError
            As for a local file.
        """
        index = self._check_index(index)
        if level:
            from dcmview.sdk.levels import check_level

            level = check_level(level, self.rows, self.columns)
            return self._downsample(self.decode(index), level)
        ds = self.dataset
        if self._keyword is None:
            raise NoPixelDataError(f"{self._path} has no Pixel Data", path=self._path)
        opts = self._options(ds)
        data, ts, stored = self._source.frame(
            *self._uids, index + 1, stored=self._stored is not False
        )
        with self._stored_lock:
            if self._stored is None:
                self._stored = stored
        ts = self._sniff(data, ts, opts)
        if stored:
            self._transfer_syntax = pydicom_uid.UID(ts)
        opts["transfer_syntax_uid"] = pydicom_uid.UID(ts)
        return codecs.decode_frame(data, index=0, options=opts, path=self._path)

    def _options(self, ds: Any) -> dict[str, Any]:
        """pydicom decoding options for one frame on its own, checked."""
        from pydicom.pixels.utils import as_pixel_options

        try:
            opts = as_pixel_options(ds)
        except Exception:
            opts = {}
        opts["pixel_keyword"] = self._keyword
        opts["transfer_syntax_uid"] = pydicom_uid.ExplicitVRLittleEndian
        opts = _checked_layout(opts, self._path)
        opts["number_of_frames"] = 1  # the bytes of this frame alone
        samples = int(opts["rows"]) * int(opts["columns"]) * int(opts["samples_per_pixel"])
        need = samples * max(int(opts["bits_allocated"]), 8) // 8
        if need > MAX_FRAME_BYTES:
            raise ImageTooLargeError(
                f"{self._path}: a frame would need {need / 2**30:.1f} GiB; the limit is "
                f"{MAX_FRAME_BYTES / 2**30:g} GiB",
                path=self._path,
            )
        return opts

    def _sniff(self, data: bytes, ts: str, opts: dict[str, Any]) -> str:
        """The syntax the bytes are in, when the archive labelled a codestream as native.

        Orthanc 1.10 sends an HTJ2K frame it cannot decode as it is stored,
        labelled Explicit VR Little Endian; a native frame has exactly the
        native length, a codestream starts with its marker.
        """
        uid = pydicom_uid.UID(ts)
        if uid.is_encapsulated or len(data) == int(_frame_length(opts)):
            return ts
        if data.startswith(_J2K_START):
            header = data[: data.find(b"\xff\x90")] if b"\xff\x90" in data[:4096] else data[:4096]
            if _CAP in header:
                return str(pydicom_uid.HTJ2KLossless)
            return str(pydicom_uid.JPEG2000Lossless)
        return ts
