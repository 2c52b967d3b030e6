"""Files in object stores and on web servers, through fsspec: header bytes to list, frame ranges.

:class:`FsspecSource` reads DICOM files at ``s3://``, ``gs://``, ``https://`` (or any
URL fsspec knows: ``memory://``, ``az://``, ...): one file, or every file under a
prefix (a folder, an S3 prefix, an HTTP directory listing). Nothing is downloaded
whole:

- listing reads each file's header through a read-ahead buffer of ``header_bytes``
  (64 KiB by default, more only for a larger header) and stops at the Pixel Data
  element, as the local scan does;
- a frame reads the item headers of the encapsulated Pixel Data once (the frame
  index, :mod:`dcmview.sdk._frameindex`) and then only that frame's byte ranges;
  a native frame is one range.

``s3fs`` and ``gcsfs`` are the optional extras ``dcmview[s3]`` and ``dcmview[gcs]``;
HTTP needs ``aiohttp`` (``dcmview[cloud]``). Credentials are fsspec's: the
``storage_options`` given, else each store's usual environment and files
(``AWS_PROFILE``, ``GOOGLE_APPLICATION_CREDENTIALS``, ...).

A deflated file (Deflated Explicit VR Little Endian) cannot be read in ranges: it
is read whole once, and refused, as on disk, when it would inflate past the limit
for a data set inflated whole.
"""

from __future__ import annotations

import io
import threading
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from dcmview.sdk import codecs
from dcmview.sdk._dicomfile import PixelIndex, read_stream
from dcmview.sdk._frameindex import (
    _check_size,
    _checked_layout,
    _frame_length,
    _index_fragments,
    check_native,
)
from dcmview.sdk.errors import (
    DcmviewError,
    DecodeError,
    FileReadError,
    InvalidInputError,
    NoPixelDataError,
    NotDicomError,
    RemoteSourceError,
)
from dcmview.sdk.header import Header
from dcmview.sdk.instance import Instance
from dcmview.sdk.sources import finish_listing

if TYPE_CHECKING:  # pragma: no cover
    from dcmview.sdk._scanner import ScanProgress
    from dcmview.sdk._types import AnyArray
    from dcmview.sdk.cache import ByteCache
    from dcmview.sdk.catalog import Catalog

__all__ = ["FsspecSource", "FsspecInstance"]

_HEADER_BYTES = 64 * 1024


class FsspecSource:
    """Files at a URL or under a URL prefix, read in byte ranges through fsspec.

    Parameters
    ----------
    url : str
        A file or a prefix: ``s3://bucket/study/``, ``gs://bucket/x.dcm``,
        ``https://host/data/`` (an HTTP directory listing), ``memory://...``.
    storage_options : mapping, optional
        Passed to the fsspec filesystem (``anon=True``, ``profile=``, ``headers=``).
    recursive : bool, optional
        Walk sub-prefixes (default).
    header_bytes : int, optional
        The read-ahead block of a header read (64 KiB).

    Examples
    --------
    >>> import fsspec, pathlib, pydicom.examples
    >>> fs = fsspec.filesystem("memory")
    >>> fs.pipe("/doc/ct.dcm", pathlib.Path(pydicom.examples.get_path("ct")).read_bytes())
    >>> from dcmview.sdk import scan
    >>> cat = scan(FsspecSource("memory://doc/"))
    >>> cat.headers[0].path, cat[0].frame(0).array().shape
    ('memory:///doc/ct.dcm', (128, 128))
    """

    def __init__(
        self,
        url: str,
        *,
        storage_options: Mapping[str, Any] | None = None,
        recursive: bool = True,
        header_bytes: int = _HEADER_BYTES,
    ) -> None:
        try:
            import fsspec
        except ImportError as exc:  # pragma: no cover - the extra is missing
            from dcmview.sdk.errors import DecoderUnavailableError

            raise DecoderUnavailableError(
                "object-store sources need fsspec: pip install 'dcmview[cloud]'"
            ) from exc
        from dcmview.sdk.sources._http import safe_url

        url = url.removeprefix("fsspec+")
        self.url = safe_url(url)
        self.storage_options = dict(storage_options or {})
        self.recursive = recursive
        self.header_bytes = max(4096, header_bytes)
        try:
            self.fs, self._root = fsspec.core.url_to_fs(url, **self.storage_options)
        except (ImportError, ValueError) as exc:
            raise InvalidInputError(f"{self.url}: {exc}") from exc
        self._http = url.startswith(("http://", "https://"))

    def __repr__(self) -> str:
        return f"FsspecSource({self.url!r})"

    def __getstate__(self) -> dict[str, Any]:
        return self.__dict__.copy()  # fsspec filesystems pickle (batch jobs)

    # -- reading --

    def url_of(self, path: str) -> str:
        """The URL of a path of the filesystem (what a catalog lists)."""
        url: str = self.fs.unstrip_protocol(path)
        return url

    def _path(self, url: str) -> str:
        path: str = self.fs._strip_protocol(url)
        return path

    def _fail(self, exc: BaseException, url: str, what: str) -> RemoteSourceError:
        status = getattr(exc, "status", None) or getattr(exc, "code", None)
        status = status if isinstance(status, int) else None
        why = f"answered {status}" if status else f"failed ({type(exc).__name__}: {exc})"
        return RemoteSourceError(f"{what}: {url} {why}", url=url, status=status)

    def files(self) -> list[str]:
        """The files to list (filesystem paths, sorted): the URL itself or those under it."""
        root = self._root
        try:
            # A URL ending with "/" is a prefix (an HTTP server answers it with a
            # page). Over HTTP any other URL is a file: fsspec's isfile() would GET
            # the whole file to look for links in it.
            if not self.url.endswith("/") and (self._http or self.fs.isfile(root)):
                return [root]
            if self.recursive:
                found = self.fs.find(root)
            else:
                found = [p for p, d in self.fs.ls(root, detail=True) if d.get("type") == "file"]
        except FileNotFoundError as exc:
            raise InvalidInputError(f"{self.url}: no such file or prefix") from exc
        except OSError as exc:
            raise self._fail(exc, self.url, "listing") from exc
        return sorted(str(p) for p in found)

    def read(self, path: str) -> tuple[Any, Any, PixelIndex | None]:
        """Header, transfer syntax and Pixel Data location of one file, from its first bytes."""
        url = self.url_of(path)
        try:
            with self.fs.open(
                path, "rb", block_size=self.header_bytes, cache_type="readahead"
            ) as f:
                return read_stream(f, int(f.size), url)
        except DcmviewError:
            raise
        except OSError as exc:
            raise self._fail(exc, url, "reading the header") from exc

    def read_range(self, path: str, start: int, end: int) -> bytes:
        """Bytes ``[start, end)`` of a file: one range request."""
        try:
            data: bytes = self.fs.cat_file(path, start=start, end=end)
        except OSError as exc:
            raise self._fail(exc, self.url_of(path), f"reading bytes {start}-{end}") from exc
        return data

    # -- the Source protocol --

    def fill(
        self,
        catalog: Catalog,
        *,
        filters: list[tuple[str, str]],
        extra: tuple[tuple[int, str, str], ...],
        progress: Callable[[ScanProgress], None] | None,
        sort: bool,
    ) -> None:
        """List every DICOM file (header bytes only) into `catalog`."""
        from dcmview.sdk._scanner import SkippedFile
        from dcmview.sdk.catalog import SkipReason

        paths = self.files()
        catalog._discover(len(paths))
        collected: list[Header] = []
        for path in paths:
            if catalog._cancelled:
                break
            url = self.url_of(path)
            try:
                ds, ts, px = self.read(path)
                h = Header.from_dataset(ds, url, has_pixels=px is not None).replace(
                    transfer_syntax_uid=str(ts)
                )
            except RemoteSourceError as exc:
                catalog._add([], [SkippedFile(url, "unreadable", str(exc))], scanned=1)
                continue
            except DcmviewError as exc:
                # As a local scan says: not DICOM at all, or DICOM that cannot be read.
                why: SkipReason = "not_dicom" if isinstance(exc, NotDicomError) else "parse_failed"
                catalog._add([], [SkippedFile(url, why, str(exc))], scanned=1)
                continue
            if extra:
                values = {kw: str(ds.get(tag, "") and ds[tag].value) for tag, kw, _ in extra}
                h = h.replace(extra=values)
            if not all(v in h.value(f).casefold() for f, v in filters):
                catalog._add([], filtered=1, scanned=1)
                continue
            if sort:
                collected.append(h)
                catalog._add([], scanned=1)
            else:
                catalog._add([h], scanned=1)
            if progress is not None:
                progress(catalog.progress)
        finish_listing(catalog, collected, sort, progress)

    def open_instance(self, header: Header, cache: ByteCache | None) -> Instance:
        """The instance of a listed header, read through this source."""
        return FsspecInstance(self, header, cache=cache)


class FsspecInstance(Instance):
    """A file of an :class:`FsspecSource`: header from its first bytes, frames by range.

    Parameters
    ----------
    source : FsspecSource
    header : Header
        Its ``path`` is the file's URL.
    cache : ByteCache, optional
    """

    def __init__(
        self, source: FsspecSource, header: Header, *, cache: ByteCache | None = None
    ) -> None:
        super().__init__(header.path, header=header, cache=cache)
        self._path = header.path  # a URL: not a file path to normalize
        self._source = source
        self._fs_path = source._path(header.path)
        self._index_lock = threading.Lock()

    def __repr__(self) -> str:
        return f"FsspecInstance({self._path!r})"

    def _load(self) -> None:
        ds, tsyntax, pixels = self._source.read(self._fs_path)
        self._transfer_syntax = tsyntax
        self._pixels = pixels
        self._dataset = ds

    def _decodes_levels(self) -> bool:
        return False  # levels are averaged from the full frame (fetched once, cached)

    def tags(self, **options: Any) -> Any:
        """The JSON-ready tag tree of the header (see :func:`dcmview.sdk.tags.tag_tree`)."""
        from dcmview.sdk.tags import tag_tree

        return tag_tree(self.dataset, **options)

    def decode(self, index: int, level: int = 0) -> AnyArray:
        """Read frame `index`'s bytes (ranges only) and decode it (see :meth:`Instance.decode`)."""
        index = self._check_index(index)
        if level:
            from dcmview.sdk.levels import check_level

            level = check_level(level, self.rows, self.columns)
            return self._downsample(self.decode(index), level)
        px = self._pixel_index()
        if px is None:
            raise NoPixelDataError(f"{self._path}: no Pixel Data found", path=self._path)
        self._build(px)
        opts = px.options
        if px.buffer is not None:  # deflated: read whole, once
            return codecs.decode_frame(
                io.BytesIO(px.buffer), index=index, options=opts, path=self._path
            )
        if px.encapsulated:
            assert px.frames is not None
            if index >= len(px.frames):
                raise DecodeError(f"{self._path}: cannot find frame {index}: {px.shortfall}")
            _check_size(px, index, self._path)
            data = b"".join(
                self._source.read_range(self._fs_path, o, o + n) for o, n in px.frames[index]
            )
            return codecs.decode_frame(data, index=index, options=opts, path=self._path)
        check_native(px, index, self._path)
        if int(opts["bits_allocated"]) == 1:  # packed across frames: read the value
            data = self._source.read_range(
                self._fs_path, px.value_offset, px.value_offset + (px.value_length or 0)
            )
            return codecs.decode_frame(data, index=index, options=opts, path=self._path)
        length = int(_frame_length(opts))
        start = px.value_offset + index * length
        data = self._source.read_range(self._fs_path, start, start + length)
        one = {**opts, "number_of_frames": 1}
        return codecs.decode_frame(data, index=0, options=one, path=self._path)

    def _build(self, px: PixelIndex) -> None:
        """The frame index: item headers of encapsulated Pixel Data, read once."""
        if px.built:
            return
        with px.lock:
            if not px.built:  # another thread may have built it meanwhile
                self._build_locked(px)

    def _build_locked(self, px: PixelIndex) -> None:
        """Check the layout and index the fragments (caller holds ``px.lock``)."""
        _checked_layout(px.options, self._path)
        if px.encapsulated:
            try:
                with self._source.fs.open(
                    self._fs_path, "rb", block_size=16 * 1024, cache_type="readahead"
                ) as f:
                    _index_fragments(px, f, self._path, self._dataset)
            except (AttributeError, io.UnsupportedOperation) as exc:
                # No offset table and more fragments than frames: the marker
                # search reads through a file descriptor, which a remote file has not.
                raise DecodeError(
                    f"{self._path}: frames need a Basic or Extended Offset Table "
                    "when read remotely",
                    path=self._path,
                ) from exc
            except OSError as exc:
                raise FileReadError(
                    f"{self._path}: cannot read the pixel data: {exc}", path=self._path
                ) from exc
        px.built = True
