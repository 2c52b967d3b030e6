"""DICOMweb archives as a catalog source: QIDO-RS lists, WADO-RS gives headers and frames.

:class:`DicomWebSource` is a DICOMweb service (Orthanc, dcm4chee, Google Cloud
Healthcare, ...) read through dicomweb-client (MIT) over one requests session
(:mod:`dcmview.sdk.sources._http`: timeouts, retries with backoff, credentials).
``scan("https://host/dicom-web")`` fills a :class:`~dcmview.sdk.catalog.Catalog`
from it:

1. QIDO-RS ``/studies`` (or the studies given), then ``/studies/{uid}/series``;
2. per series, one WADO-RS ``/series/{uid}/metadata`` request: the headers of
   all its instances, without bulk data. A series is listed as soon as its
   metadata is in, so the first series is viewable while the rest are read.

Listing never asks for pixel data. An instance's frames are fetched one at a
time, when asked for, from ``.../frames/{n}`` (:mod:`dcmview.sdk.sources._remote`):
first in the transfer syntax the archive stores (``transfer-syntax=*``, the
original bytes, decoded here exactly as the local file would be), else
uncompressed (Explicit VR Little Endian, the archive decodes).

A study or series the archive answers an error for is listed in
:attr:`Catalog.skipped` (reason ``unreadable``, the URL and status in the
detail); the scan goes on. An archive that does not answer at all (refused,
timed out) ends the scan with a :class:`~dcmview.sdk.errors.RemoteSourceError`:
raised by a blocking scan, in :attr:`Catalog.error` of a background one, whose
catalog keeps what was listed.

Credentials: a bearer token or a user name and password, given as arguments,
in the URL (``https://user:pass@host/...``, taken out of it) or in the
environment (``DCMVIEW_DICOMWEB_TOKEN``; ``DCMVIEW_DICOMWEB_USER`` and
``DCMVIEW_DICOMWEB_PASSWORD``); or any header (``headers={"Authorization": ...}``).
None of them is ever printed or kept in a path.
"""

from __future__ import annotations

import threading
import urllib.parse
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from dcmview.sdk.errors import RemoteSourceError
from dcmview.sdk.header import Header
from dcmview.sdk.sources import finish_listing
from dcmview.sdk.sources._http import (
    HttpSettings,
    RequestStats,
    auth_headers,
    make_session,
    media_parameter,
    parse_multipart,
    remote_error,
    split_credentials,
)

if TYPE_CHECKING:  # pragma: no cover
    from pydicom.dataset import Dataset

    from dcmview.sdk._scanner import ScanProgress
    from dcmview.sdk.cache import ByteCache
    from dcmview.sdk.catalog import Catalog
    from dcmview.sdk.instance import Instance

__all__ = ["DicomWebSource", "dataset_from_json", "header_from_json"]

# (7FE0,0010) Pixel Data, (7FE0,0008) Float and (7FE0,0009) Double Float Pixel Data.
_PIXEL_TAGS = {
    "7FE00010": "PixelData",
    "7FE00008": "FloatPixelData",
    "7FE00009": "DoubleFloatPixelData",
}
_NATIVE_FRAMES = 'multipart/related; type="application/octet-stream"'
# The archive's stored bytes first (PS3.18 8.7.3.5.2: "*" = no transcoding).
_STORED_FRAMES = _NATIVE_FRAMES + "; transfer-syntax=*"
# Answers that mean "not in that transfer syntax" rather than "not there": some
# archives answer 500 or 501 where 406 is meant (Orthanc for a syntax it cannot send).
_NEGOTIATION_FAILED = frozenset({400, 406, 415, 500, 501})


class DicomWebSource:
    """A DICOMweb service as a source of instances for :func:`dcmview.sdk.scan`.

    Parameters
    ----------
    url : str
        The service's base URL (``https://host/dicom-web``); a ``dicomweb+``
        prefix is dropped, ``user:password@`` taken out as basic credentials.
    studies : sequence of str, optional
        Only these studies (Study Instance UIDs); by default every study QIDO-RS lists.
    token : str, optional
        A bearer token (else ``DCMVIEW_DICOMWEB_TOKEN``).
    username, password : str, optional
        Basic credentials (else ``DCMVIEW_DICOMWEB_USER`` / ``_PASSWORD``).
    headers : mapping of str to str, optional
        Further headers for every request; an ``Authorization`` here wins.
    connect_timeout, read_timeout : float, optional
        Seconds (5 and 30).
    retries : int, optional
        Further tries of a failed or throttled request, with backoff (3).

    Examples
    --------
    >>> src = DicomWebSource("https://ann:pw@pacs.example/dicom-web/", studies=["1.2.3"])
    >>> src
    DicomWebSource('https://pacs.example/dicom-web', studies=['1.2.3'])
    >>> "pw" in repr(src) or "Authorization" in repr(src)
    False
    """

    def __init__(
        self,
        url: str,
        *,
        studies: Sequence[str] = (),
        token: str | None = None,
        username: str | None = None,
        password: str | None = None,
        headers: Mapping[str, str] | None = None,
        connect_timeout: float = 5.0,
        read_timeout: float = 30.0,
        retries: int = 3,
    ) -> None:
        url = url.removeprefix("dicomweb+")
        self.url, creds = split_credentials(url)
        if username is not None:
            creds = (username, password or "")
        self.studies = [str(s).strip() for s in studies if str(s).strip()]
        self.settings = HttpSettings(
            headers=auth_headers(dict(headers or {}), token=token, basic=creds),
            connect_timeout=connect_timeout,
            read_timeout=read_timeout,
            retries=retries,
        )
        self.stats = RequestStats()
        """Requests made so far, by kind (:class:`~dcmview.sdk.sources._http.RequestStats`)."""
        self._client_lock = threading.Lock()
        self._client: Any = None

    def __getstate__(self) -> dict[str, Any]:
        # For batch jobs (dcmview.batch): a worker process makes its own session.
        state = self.__dict__.copy()
        state["_client"] = None
        state["stats"] = None
        del state["_client_lock"]
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._client_lock = threading.Lock()
        self.stats = RequestStats()

    def __repr__(self) -> str:
        studies = f", studies={self.studies!r}" if self.studies else ""
        return f"DicomWebSource({self.url!r}{studies})"

    # -- the connection --

    @property
    def client(self) -> Any:
        """The ``dicomweb_client.DICOMwebClient`` (made on first use)."""
        if self._client is None:
            with self._client_lock:
                if self._client is None:
                    try:
                        from dicomweb_client import DICOMwebClient
                    except ImportError as exc:  # pragma: no cover - the extra is missing
                        from dcmview.sdk.errors import DecoderUnavailableError

                        raise DecoderUnavailableError(
                            "DICOMweb sources need dicomweb-client: pip install 'dcmview[dicomweb]'"
                        ) from exc
                    s = self.settings
                    client = DICOMwebClient(
                        self.url,
                        session=make_session(s, self.stats),
                        timeout=(s.connect_timeout, s.read_timeout),
                    )
                    # One retry mechanism: urllib3's, in the session, which also
                    # retries refused connections and honours Retry-After.
                    client.set_http_retry_params(retry=False)
                    # dicomweb-client sends its `host` (the name without the port) as
                    # the Host header; archives build their BulkDataURIs from it.
                    client.host = urllib.parse.urlsplit(self.url).netloc
                    self._client = client
        return self._client

    def _call(self, what: str, url: str, fn: Callable[..., Any], *args: Any, **kw: Any) -> Any:
        import requests

        try:
            return fn(*args, **kw)
        except requests.RequestException as exc:
            raise remote_error(exc, url, what) from exc

    # -- listing --

    def study_uids(self) -> list[str]:
        """The studies to list: those given, else every study QIDO-RS finds."""
        if self.studies:
            return list(self.studies)
        found = self._call(
            "listing studies",
            f"{self.url}/studies",
            self.client.search_for_studies,
            fields=["StudyInstanceUID"],
            get_remaining=True,
        )
        return [uid for uid in (_text(s, "0020000D") for s in found) if uid]

    def series_of(self, study: str) -> list[tuple[str, int | None, int]]:
        """``(SeriesInstanceUID, SeriesNumber, instances)`` of a study, by series number."""
        found = self._call(
            "listing series",
            f"{self.url}/studies/{study}/series",
            self.client.search_for_series,
            study_instance_uid=study,
            get_remaining=True,
        )
        out = []
        for s in found:
            uid = _text(s, "0020000E")
            if uid:
                out.append((uid, _int(s, "00200011"), _int(s, "00201209") or 0))
        out.sort(key=lambda t: (t[1] is None, t[1] or 0, t[0]))
        return out

    def series_metadata(self, study: str, series: str) -> list[dict[str, Any]]:
        """The WADO-RS metadata (DICOM JSON, no bulk data) of every instance of a series."""
        url = f"{self.url}/studies/{study}/series/{series}/metadata"
        result: list[dict[str, Any]] = self._call(
            "reading series metadata", url, self.client.retrieve_series_metadata, study, series
        )
        return result

    def instance_metadata(self, study: str, series: str, sop: str) -> dict[str, Any]:
        """The WADO-RS metadata of one instance."""
        url = f"{self.url}/studies/{study}/series/{series}/instances/{sop}/metadata"
        result: dict[str, Any] = self._call(
            "reading instance metadata",
            url,
            self.client.retrieve_instance_metadata,
            study,
            series,
            sop,
        )
        return result

    def bulkdata(self, uri: str) -> bytes:
        """The bytes behind a BulkDataURI (a LUT, an overlay; never asked for Pixel Data).

        A URI into ``/studies/...`` is read from this source's base URL: an archive
        behind a proxy names itself by an address the client may not reach.
        """
        path = urllib.parse.urlsplit(uri).path
        if "/studies/" in path:
            uri = self.url + path[path.index("/studies/") :]
        parts = self._call(
            "reading bulk data",
            uri,
            self.client.retrieve_bulkdata,
            uri,
            media_types=("application/octet-stream",),
        )
        return bytes(parts[0]) if parts else b""

    def instance_url(self, study: str, series: str, sop: str) -> str:
        """The WADO-RS URL of an instance: its path in a catalog."""
        return f"{self.url}/studies/{study}/series/{series}/instances/{sop}"

    def frame(
        self, study: str, series: str, sop: str, number: int, *, stored: bool = True
    ) -> tuple[bytes, str, bool]:
        """Frame `number` (1-based) of an instance: its bytes, their transfer syntax UID,
        and whether they came in the stored syntax.

        With `stored`, asks for the transfer syntax the archive stores first and,
        when it refuses that, for Explicit VR Little Endian (the archive decodes);
        without, for Explicit VR Little Endian only. An instance remembers which
        worked (:mod:`dcmview.sdk.sources._remote`).

        Raises
        ------
        RemoteSourceError
            The archive failed, timed out, or sent no frame.
        """
        import requests

        url = f"{self.instance_url(study, series, sop)}/frames/{number}"
        session = self.client._session
        accept = _STORED_FRAMES if stored else _NATIVE_FRAMES
        try:
            r = session.get(url, headers={"Accept": accept})
            if accept is _STORED_FRAMES and r.status_code in _NEGOTIATION_FAILED:
                accept = _NATIVE_FRAMES
                r = session.get(url, headers={"Accept": accept})
            r.raise_for_status()
        except requests.RequestException as exc:
            raise remote_error(exc, url, f"reading frame {number}") from exc
        parts = parse_multipart(r.headers.get("Content-Type", ""), r.content)
        if not parts:
            raise RemoteSourceError(
                f"reading frame {number}: {url} answered {r.status_code} without a frame",
                url=url,
                status=r.status_code,
            )
        headers, data = parts[0]
        ts = media_parameter(headers.get("content-type", ""), "transfer-syntax")
        return data, ts or "1.2.840.10008.1.2.1", accept is _STORED_FRAMES

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
        """List every instance into `catalog`, series by series (see the module docs)."""
        from dcmview.sdk._scanner import SkippedFile

        collected: list[Header] = []

        def stopped() -> bool:  # a call: the flag changes from another thread
            return catalog._cancelled

        for study in self.study_uids():
            if stopped():
                break
            try:
                series = self.series_of(study)
            except RemoteSourceError as exc:
                if exc.remote_status is None:
                    raise  # the archive is down: stop, keep what is listed
                catalog._add([], [SkippedFile(exc.url, "unreadable", str(exc))])
                continue
            if not series and self.studies:  # a study asked for that the archive does not have
                url = f"{self.url}/studies/{study}"
                why = f"{url}: the archive lists no series in study {study}"
                catalog._add([], [SkippedFile(url, "unreadable", why)])
                continue
            catalog._discover(sum(n for _, _, n in series))
            for uid, _number, count in series:
                if stopped():
                    break
                try:
                    metadata = self.series_metadata(study, uid)
                except RemoteSourceError as exc:
                    if exc.remote_status is None:
                        raise
                    skip = SkippedFile(exc.url, "unreadable", str(exc))
                    catalog._add([], [skip], scanned=max(count, 1))
                    continue
                if len(metadata) != count:
                    catalog._discover(len(metadata) - count)
                headers = []
                for obj in metadata:
                    h = header_from_json(obj, self, extra)
                    if h is not None and all(v in h.value(f).casefold() for f, v in filters):
                        headers.append(h)
                filtered = len(metadata) - len(headers)
                if sort:
                    collected.extend(headers)
                    headers = []
                catalog._add(headers, filtered=filtered, scanned=len(metadata))
                if progress is not None:
                    progress(catalog.progress)
        finish_listing(catalog, collected, sort, progress)

    def open_instance(self, header: Header, cache: ByteCache | None) -> Instance:
        """The instance of a listed header: header and frames read from the archive."""
        from dcmview.sdk.sources._remote import RemoteInstance

        return RemoteInstance(self, header, cache=cache)


# -- DICOM JSON (PS3.18 F.2) --------------------------------------------------------


def _text(obj: Mapping[str, Any], tag: str) -> str:
    values = obj.get(tag, {}).get("Value") or [""]
    return str(values[0]).strip()


def _int(obj: Mapping[str, Any], tag: str) -> int | None:
    try:
        return int(obj.get(tag, {}).get("Value")[0])
    except (TypeError, ValueError, IndexError):
        return None


def pixel_keyword(obj: Mapping[str, Any]) -> str | None:
    """The keyword of the Pixel Data element the metadata has, or None.

    Some archives leave Pixel Data out of the metadata of a transfer syntax
    they cannot parse (Orthanc 1.10 for HTJ2K); an image whose Rows, Columns
    and Bits Allocated are there is taken to have Pixel Data all the same
    (the frames request decides).
    """
    for tag, keyword in _PIXEL_TAGS.items():
        if tag in obj:
            return keyword
    if all(obj.get(t, {}).get("Value") for t in ("00280010", "00280011", "00280100")):
        return "PixelData"
    return None


def dataset_from_json(
    obj: Mapping[str, Any], bulkdata: Callable[[str], bytes] | None = None
) -> Dataset:
    """A pydicom Dataset of DICOM JSON metadata, without its pixel data.

    `bulkdata` fetches a BulkDataURI's bytes (other than Pixel Data); without
    it such values are left empty.
    """
    from pydicom.dataset import Dataset

    def handler(tag: str, vr: str, uri: str) -> bytes:
        if tag.upper() in _PIXEL_TAGS or bulkdata is None:
            return b""
        return bulkdata(uri)

    clean = {k: v for k, v in obj.items() if k.upper() not in _PIXEL_TAGS}
    return Dataset.from_json(dict(clean), bulk_data_uri_handler=handler)


def header_from_json(
    obj: Mapping[str, Any], source: DicomWebSource, extra: tuple[tuple[int, str, str], ...] = ()
) -> Header | None:
    """The :class:`Header` of one instance's metadata (None without the three UIDs)."""
    from dcmview.sdk.sources._json import record_from_json

    study, series, sop = _text(obj, "0020000D"), _text(obj, "0020000E"), _text(obj, "00080018")
    if not (study and series and sop):
        return None
    # The stored syntax, where the archive says it: (0002,0010) or Available
    # Transfer Syntax UID (0008,3002); else Explicit VR Little Endian, which every
    # archive must serve frames in (PS3.18 8.7.3.5.2) and what they are asked in then:
    # an empty syntax would classify the file as unsupported and keep it out of view.
    ts = _text(obj, "00020010") or _text(obj, "00083002") or "1.2.840.10008.1.2.1"
    record = record_from_json(
        obj,
        source.instance_url(study, series, sop),
        has_pixels=pixel_keyword(obj) is not None,
        transfer_syntax_uid=ts,
        extra=extra,
    )
    return Header(*record)
