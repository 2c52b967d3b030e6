"""Sources: what fills a :class:`~dcmview.sdk.catalog.Catalog` besides local files.

A catalog is filled by a *source*. Local files and folders are the default and
take no detour through this package: :func:`dcmview.sdk.scan` walks them as it
always did. A location with a URL scheme goes to a source object instead:

- ``http://`` and ``https://`` (or ``dicomweb+https://``): a DICOMweb archive,
  :class:`~dcmview.sdk.sources.dicomweb.DicomWebSource` (QIDO-RS to list,
  WADO-RS metadata for headers, frames on demand);
- ``s3://``, ``gs://`` and other fsspec URLs, and an ``http(s)://`` URL that ends
  with ``/`` (a directory listing) or names a file (``.../x.dcm``; or any URL as
  ``fsspec+https://...``): files read in byte ranges,
  :class:`~dcmview.sdk.sources.objectstore.FsspecSource`.

A source object may also be passed to ``scan`` directly, to give it options
(credentials, studies, timeouts)::

    from dcmview.sdk.sources.dicomweb import DicomWebSource
    catalog = sdk.scan(DicomWebSource("https://host/dicom-web", studies=["1.2.3"]))

Every source gives the same :class:`~dcmview.sdk.instance.Instance` and
:class:`~dcmview.sdk.frame.Frame` interface: an instance of a source reads its
header and its frames' bytes through the source, and decoding, windowing and
everything above stay the same.

This module imports nothing heavy: ``scan`` asks :func:`is_location` of every
path, and the local path must not pay for the network stack.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol, runtime_checkable

if TYPE_CHECKING:  # pragma: no cover
    from dcmview.sdk._scanner import ScanProgress
    from dcmview.sdk.cache import ByteCache
    from dcmview.sdk.catalog import Catalog
    from dcmview.sdk.header import Header
    from dcmview.sdk.instance import Instance

__all__ = [
    "DICOMWEB_SCHEMES",
    "Source",
    "finish_listing",
    "is_file_url",
    "is_location",
    "source_for",
]

#: URL schemes read as a DICOMweb archive's base URL (``dicomweb+`` is explicit).
DICOMWEB_SCHEMES = ("http://", "https://", "dicomweb+http://", "dicomweb+https://")


@runtime_checkable
class Source(Protocol):
    """What a catalog needs of a source that is not local files.

    Attributes
    ----------
    url : str
        Where the source is, for messages (never with credentials).
    """

    url: str

    def fill(
        self,
        catalog: Catalog,
        *,
        filters: list[tuple[str, str]],
        extra: tuple[tuple[int, str, str], ...],
        progress: Callable[[ScanProgress], None] | None,
        sort: bool,
    ) -> None:
        """List the source's instances into `catalog` (through its scan-engine methods).

        `filters` and `extra` are the compiled filters of :func:`dcmview.sdk.scan`.
        Ends with ``catalog._finish()``; raises what made listing impossible.
        """

    def open_instance(self, header: Header, cache: ByteCache | None) -> Instance:
        """The :class:`~dcmview.sdk.instance.Instance` of one listed header."""


def is_location(path: object) -> bool:
    """Whether `path` is a source object or a URL rather than a local path.

    Examples
    --------
    >>> is_location("https://host/dicom-web"), is_location("/data/study")
    (True, False)
    """
    if isinstance(path, Source):
        return True
    return isinstance(path, str) and "://" in path[:24]


def source_for(location: object) -> Source:
    """The source object of a location :func:`is_location` accepted.

    Raises
    ------
    InvalidInputError
        A URL scheme no source reads.
    """
    if isinstance(location, Source):
        return location
    text = str(location)
    if text.startswith(DICOMWEB_SCHEMES) and not is_file_url(text):
        from dcmview.sdk.sources.dicomweb import DicomWebSource

        return DicomWebSource(text)
    from dcmview.sdk.sources.objectstore import FsspecSource

    return FsspecSource(text)


def is_file_url(url: str) -> bool:
    """Whether an http(s) URL names files rather than a DICOMweb service.

    A URL ending with ``/`` (a directory listing), whose last segment has a
    file extension, or written ``fsspec+https://``, names files.

    Examples
    --------
    >>> is_file_url("https://host/dicom-web"), is_file_url("https://host/data/x.dcm")
    (False, True)
    >>> is_file_url("https://host/data/"), is_file_url("fsspec+https://host/data")
    (True, True)
    """
    if url.startswith("fsspec+"):
        return True
    if url.startswith("dicomweb+"):
        return False
    if not url.startswith(("http://", "https://")):
        return True  # s3://, gs://, memory://, ...
    path = url.split("://", 1)[1].partition("?")[0]
    if "/" not in path:
        return False
    if path.endswith("/"):
        return True
    last = path.rsplit("/", 1)[1]
    stem, dot, ext = last.rpartition(".")
    return bool(dot and stem and 1 <= len(ext) <= 5 and ext.isalnum())


def finish_listing(
    catalog: Catalog,
    collected: list[Header],
    sort: bool,
    progress: Callable[[ScanProgress], None] | None,
) -> None:
    """End a source's listing: add the headers held back for sorting, finish, report.

    A sorted listing holds its headers back and adds them at the end in the local
    scan's order (patient, study, series, instance), as a scan of files does.
    """
    from dcmview.sdk._scanner import _catalog_key

    if sort:
        collected.sort(key=_catalog_key)
        catalog._add(collected)
    catalog._finish()
    if progress is not None:
        progress(catalog.progress)
