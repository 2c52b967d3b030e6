"""HTTP for remote sources: a requests session with timeouts, retries and credentials.

One :class:`HttpSettings` says how to talk to a server; :func:`make_session`
turns it into a :class:`requests.Session` that every request of a source goes
through (dicomweb-client's included), so that each request has the same
timeouts, retries with exponential backoff (urllib3's ``Retry``: refused
connections, 429 and 502-504 answers; ``Retry-After`` honoured) and
credentials. :func:`remote_error` turns what requests raises into a
:class:`~dcmview.sdk.errors.RemoteSourceError` naming the URL and the status.

Credentials never appear in a URL this package prints: a ``user:password@`` in
the URL given is taken out and sent as basic credentials, and an
``Authorization`` header is never part of a message or a ``repr``.
"""

from __future__ import annotations

import base64
import collections
import email.message
import os
import threading
import urllib.parse
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from dcmview.sdk.errors import InvalidInputError, RemoteSourceError

if TYPE_CHECKING:  # pragma: no cover
    import requests

__all__ = [
    "HttpSettings",
    "RequestStats",
    "make_session",
    "parse_multipart",
    "remote_error",
    "safe_url",
    "split_credentials",
]

#: Environment variables read when no credentials are given (never printed).
TOKEN_ENV = "DCMVIEW_DICOMWEB_TOKEN"
USER_ENV = "DCMVIEW_DICOMWEB_USER"
PASSWORD_ENV = "DCMVIEW_DICOMWEB_PASSWORD"
# Answers worth another try: overloaded or restarting servers and gateways.
_RETRY_STATUS = frozenset({429, 502, 503, 504})


@dataclass(frozen=True, slots=True)
class HttpSettings:
    """How a source talks to its server.

    Parameters
    ----------
    headers : dict of str to str
        Sent with every request (an ``Authorization`` header, an API key).
    connect_timeout, read_timeout : float
        Seconds to connect, and to wait for each chunk of an answer.
    retries : int
        Further tries of a request that failed to connect, timed out or got a
        429/502/503/504 answer, with exponential backoff.
    backoff : float
        Seconds before the first retry; doubled for each next one.
    """

    headers: dict[str, str] = field(default_factory=dict, repr=False)
    connect_timeout: float = 5.0
    read_timeout: float = 30.0
    retries: int = 3
    backoff: float = 0.25

    def __post_init__(self) -> None:
        if not (self.connect_timeout > 0 and self.read_timeout > 0):
            raise InvalidInputError("timeouts must be positive numbers of seconds")
        if self.retries < 0 or self.backoff < 0:
            raise InvalidInputError("retries and backoff must be >= 0")


def split_credentials(url: str) -> tuple[str, tuple[str, str] | None]:
    """Take ``user:password@`` out of `url`; return the clean URL and the pair.

    Examples
    --------
    >>> split_credentials("https://ann:s3cret@host:8042/dicom-web/")
    ('https://host:8042/dicom-web', ('ann', 's3cret'))
    """
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InvalidInputError(f"{safe_url(url)} is not an http:// or https:// URL")
    creds = None
    netloc = parts.netloc
    if "@" in netloc:
        userinfo, _, netloc = netloc.rpartition("@")
        user, _, password = userinfo.partition(":")
        creds = (urllib.parse.unquote(user), urllib.parse.unquote(password))
    clean = urllib.parse.urlunsplit((parts.scheme, netloc, parts.path.rstrip("/"), "", ""))
    return clean, creds


def safe_url(url: str) -> str:
    """`url` without user name and password, for messages.

    Examples
    --------
    >>> safe_url("https://ann:s3cret@host/dicom-web/studies")
    'https://host/dicom-web/studies'
    """
    parts = urllib.parse.urlsplit(url)
    if "@" not in parts.netloc:
        return url
    netloc = parts.netloc.rpartition("@")[2]
    return urllib.parse.urlunsplit(parts._replace(netloc=netloc))


def auth_headers(
    headers: dict[str, str] | None,
    *,
    token: str | None,
    basic: tuple[str, str] | None,
) -> dict[str, str]:
    """The headers to send: `headers`, plus credentials from the arguments or the environment.

    An ``Authorization`` given in `headers` wins; else `token` (bearer), else
    `basic`, else :data:`TOKEN_ENV`, else :data:`USER_ENV` / :data:`PASSWORD_ENV`.
    """
    out = dict(headers or {})
    if any(k.lower() == "authorization" for k in out):
        return out
    token = token or os.environ.get(TOKEN_ENV) or None
    if basic is None and not token and os.environ.get(USER_ENV):
        basic = (os.environ[USER_ENV], os.environ.get(PASSWORD_ENV, ""))
    if basic is not None:
        pair = f"{basic[0]}:{basic[1]}".encode()
        out["Authorization"] = "Basic " + base64.b64encode(pair).decode("ascii")
    elif token:
        out["Authorization"] = f"Bearer {token}"
    return out


class RequestStats:
    """How many requests of each kind a source made, and the bytes they brought.

    Kinds are the last meaningful path word: ``studies``, ``series``,
    ``instances`` (QIDO-RS), ``metadata``, ``frames``, ``bulkdata``, ``other``.
    Thread-safe; :meth:`snapshot` returns a plain dict.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts: collections.Counter[str] = collections.Counter()

    def count(self, url: str, nbytes: int) -> None:
        path = urllib.parse.urlsplit(url).path.rstrip("/")
        words = path.split("/")
        kind = "other"
        for word in reversed(words[-3:]):
            if word in ("studies", "series", "instances", "metadata", "frames", "bulkdata"):
                kind = word
                break
            if word == "bulk":  # Orthanc's BulkDataURIs: .../bulk/{tag}
                kind = "bulkdata"
                break
        with self._lock:
            self._counts[kind] += 1
            self._counts["bytes"] += nbytes

    def snapshot(self) -> dict[str, int]:
        """``{kind: requests, ..., "bytes": bytes received}``."""
        with self._lock:
            return dict(self._counts)


def make_session(settings: HttpSettings, stats: RequestStats) -> requests.Session:
    """A session with `settings`' headers, retries and a default timeout, counting into `stats`."""
    import requests
    from requests.adapters import HTTPAdapter
    from urllib3.util.retry import Retry

    timeout = (settings.connect_timeout, settings.read_timeout)

    class _Session(requests.Session):
        # requests has no session-wide timeout: without one a request to a hung
        # server waits forever.
        def request(self, *args: Any, **kw: Any) -> Any:
            if kw.get("timeout") is None:
                kw["timeout"] = timeout
            return super().request(*args, **kw)

    session = _Session()
    retry = Retry(
        total=settings.retries,
        connect=settings.retries,
        read=min(settings.retries, 1),  # a read timeout already waited read_timeout
        status=settings.retries,
        backoff_factor=settings.backoff,
        status_forcelist=_RETRY_STATUS,
        allowed_methods=frozenset({"GET", "HEAD"}),
        raise_on_status=False,
        respect_retry_after_header=True,
    )
    adapter = HTTPAdapter(max_retries=retry, pool_connections=4, pool_maxsize=16)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    session.headers.update(settings.headers)

    def count(response: requests.Response, *args: Any, **kwargs: Any) -> None:
        length = response.headers.get("Content-Length")
        stats.count(response.url, int(length) if length and length.isdigit() else 0)

    session.hooks["response"].append(count)
    return session


def remote_error(exc: BaseException, url: str, what: str) -> RemoteSourceError:
    """A :class:`RemoteSourceError` for what requests raised while asking `url` for `what`."""
    import requests

    url = safe_url(url)
    if isinstance(exc, requests.HTTPError) and exc.response is not None:
        r = exc.response
        status = r.status_code
        reason = f" {r.reason}" if r.reason else ""
        detail = r.text[:200].strip().replace("\n", " ") if r.text else ""
        detail = f": {detail}" if detail else ""
        return RemoteSourceError(
            f"{what}: {safe_url(r.url or url)} answered {status}{reason}{detail}",
            url=safe_url(r.url or url),
            status=status,
        )
    if isinstance(exc, requests.ConnectionError | requests.Timeout):
        cause: object = exc.args[0] if exc.args else exc
        why = getattr(cause, "reason", None) or cause  # urllib3's MaxRetryError.reason
        # Retries exhausted on read timeouts come back as a ConnectionError.
        if _timed_out(why) or isinstance(exc, requests.ReadTimeout):
            return RemoteSourceError(f"{what}: {url} did not answer in time ({why})", url=url)
        return RemoteSourceError(f"{what}: cannot connect to {url} ({why})", url=url)
    return RemoteSourceError(f"{what}: {url}: {type(exc).__name__}: {exc}", url=url)


def _timed_out(why: object) -> bool:
    """Whether urllib3's reason is a timeout (its refused connection subclasses one)."""
    from urllib3.exceptions import ConnectTimeoutError, NewConnectionError, ReadTimeoutError

    if isinstance(why, NewConnectionError):
        return False
    return isinstance(why, ReadTimeoutError | ConnectTimeoutError)


def parse_multipart(content_type: str, body: bytes) -> list[tuple[dict[str, str], bytes]]:
    """Split a ``multipart/related`` body (RFC 2387) into (headers, content) parts.

    A body that is not multipart is one part with the answer's own content type.
    Header names are lower-cased.
    """
    msg = email.message.Message()
    msg["content-type"] = content_type
    boundary = msg.get_param("boundary")
    if not msg.get_content_type().startswith("multipart/") or not isinstance(boundary, str):
        return [({"content-type": content_type}, body)]
    delimiter = b"--" + boundary.encode("ascii")
    parts = []
    for chunk in body.split(delimiter)[1:]:
        if chunk.startswith(b"--"):
            break  # the close delimiter
        head, sep, content = chunk.partition(b"\r\n\r\n")
        if not sep:
            continue
        headers = {}
        for line in head.decode("latin-1").split("\r\n"):
            name, colon, value = line.partition(":")
            if colon:
                headers[name.strip().lower()] = value.strip()
        # The CRLF before the next delimiter belongs to the delimiter (RFC 2046 5.1.1).
        parts.append((headers, content[:-2] if content.endswith(b"\r\n") else content))
    return parts


def media_parameter(content_type: str, name: str) -> str | None:
    """One parameter of a media type (``transfer-syntax`` of ``image/jp2; transfer-syntax=...``)."""
    msg = email.message.Message()
    msg["content-type"] = content_type
    value = msg.get_param(name)
    return value if isinstance(value, str) else None
