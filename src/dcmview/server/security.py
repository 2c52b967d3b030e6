"""Loopback default, Host allow-list, access token, JSON-only mutations and response headers.

The data behind a dcmview server are patients' images, so the server is shut by
default even on loopback:

- a per-session token (:func:`new_token`: 32 random bytes, URL-safe base64)
  required as ``Authorization: Bearer`` on every ``/api/*`` request, compared in
  constant time; a token in the query string or a cookie is never read;
- a Host allow-list against DNS rebinding: loopback names on any port (an SSH
  forward changes the port), the bound address, and names added with
  ``--allow-host``; anything else gets 403;
- a request body must be ``application/json`` (415, :func:`require_json`): a form or a
  text/plain body from a foreign page cannot be sent without a CORS preflight,
  and the server answers no preflight (no CORS headers at all);
- ``nosniff``, ``Referrer-Policy: no-referrer`` (the URL fragment carries the
  token), ``Cross-Origin-Resource-Policy: same-origin`` on every answer and
  ``Cache-Control: no-store`` on API answers.
"""

from __future__ import annotations

import hmac
import ipaddress
import secrets
import time
from collections.abc import Iterable

from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from dcmview.server.errors import HttpError, error_response, internal_error_response

__all__ = [
    "API_HEADERS",
    "LOOPBACK_NAMES",
    "RESPONSE_HEADERS",
    "Activity",
    "SecurityMiddleware",
    "host_allowed",
    "is_loopback",
    "new_token",
    "require_json",
    "split_host",
]

#: Headers on every answer (a raw frame is never sniffed; the page URL holds the token
#: in its fragment; no other site embeds a frame).
RESPONSE_HEADERS: dict[str, str] = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Resource-Policy": "same-origin",
}
#: Added to API answers: images do not stay in the browser's disk cache.
API_HEADERS: dict[str, str] = {"Cache-Control": "no-store"}

#: Host names that always reach this machine's loopback interface.
LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "::1"})


def new_token() -> str:
    """Return a fresh access token: 32 random bytes, URL-safe base64 without padding."""
    return secrets.token_urlsafe(32)


def is_loopback(host: str) -> bool:
    """Whether a bind address or Host name is a loopback one (``localhost``, 127/8, ``::1``)."""
    name = host.strip("[]").lower()
    if name == "localhost":
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def split_host(value: str) -> str:
    """Return the lower-cased name of a Host header without its port (``[::1]:80`` -> ``::1``).

    RFC 9110 7.2: ``Host = uri-host [ ":" port ]``. Anything else, such as
    ``[::1].evil.example`` or ``localhost:80@evil.example``, gives ``""``, which
    no allow-list contains.
    """
    value = value.strip().lower()
    if value.startswith("["):
        end = value.find("]")
        name, rest = (value[1:end], value[end + 1 :]) if end > 0 else ("", "")
    elif value.count(":") > 1:
        return ""  # a bare IPv6 address is not a valid Host
    else:
        name, colon, port = value.partition(":")
        rest = colon + port
    if rest and not (rest.startswith(":") and rest[1:].isdigit() and rest[1:].isascii()):
        return ""
    return name


def host_allowed(host_header: str | None, allowed: frozenset[str]) -> bool:
    """Whether a request's Host header names this server.

    Parameters
    ----------
    host_header : str or None
        The Host header as received.
    allowed : frozenset of str
        Lower-cased names accepted besides :data:`LOOPBACK_NAMES`.
    """
    if not host_header:
        return False
    name = split_host(host_header)
    return name in LOOPBACK_NAMES or name in allowed


def _allowed_names(bound_host: str | None, allow_hosts: Iterable[str]) -> frozenset[str]:
    # `--allow-host` takes a name, an IPv4 address, or an IPv6 address with or
    # without brackets (a bare one is no valid Host header, but a valid argument).
    names = {h.lower() if h.count(":") > 1 and "[" not in h else split_host(h) for h in allow_hosts}
    names.discard("")
    # A wildcard bind is not a name anyone types; the user adds the real one.
    if bound_host and bound_host not in {"0.0.0.0", "::", ""}:
        names.add(bound_host.strip("[]").lower())
    return frozenset(names)


def _bearer(headers: Headers) -> str | None:
    value = headers.get("authorization", "")
    scheme, _, credentials = value.partition(" ")
    if scheme.lower() != "bearer":
        return None
    return credentials.strip() or None


class SecurityMiddleware:
    """ASGI middleware that applies every rule of this module and counts activity.

    Parameters
    ----------
    app : ASGI app
        The wrapped application.
    token : str or None
        The access token; None serves the API without one (``--no-token``).
    bound_host : str, optional
        The address the server is bound to, accepted as a Host name.
    allow_hosts : iterable of str
        Further Host names to accept (``--allow-host``).
    server_instance : str
        Sent as ``X-Server-Instance`` on API answers (the predecessor's header:
        the server start in ms, so a client notices a restart).
    activity : object, optional
        An object whose ``touch()`` / ``begin()`` / ``end()`` methods are called
        per request, for the idle ``--timeout``.
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        token: str | None,
        bound_host: str | None = "127.0.0.1",
        allow_hosts: Iterable[str] = (),
        server_instance: str = "",
        activity: Activity | None = None,
    ) -> None:
        self.app = app
        self._token = token.encode() if token is not None else None
        self._allowed = _allowed_names(bound_host, allow_hosts)
        self._instance = server_instance.encode()
        self._activity = activity

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if self._activity is not None:
            self._activity.begin()
        try:
            await self._handle(scope, receive, send)
        finally:
            if self._activity is not None:
                self._activity.end()

    async def _handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        headers = Headers(scope=scope)
        path: str = scope["path"]
        is_api = path.startswith("/api/") or path == "/api"
        refusal = self._refusal(scope, headers, is_api)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                h = MutableHeaders(scope=message)
                h.update(RESPONSE_HEADERS)
                if is_api:
                    h.update(API_HEADERS)
                    h["X-Server-Instance"] = self._instance.decode()
            await send(message)

        if refusal is not None:
            await refusal(scope, receive, send_with_headers)
            return
        started = False

        async def send_tracking(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send_with_headers(message)

        try:
            await self.app(scope, receive, send_tracking)
        except Exception as exc:
            # Anything the exception handlers did not map: a logged traceback and
            # a 500 `internal`; the server goes on serving the next request.
            if started:
                raise
            response = internal_error_response(scope, exc)
            await response(scope, receive, send_with_headers)

    def _refusal(self, scope: Scope, headers: Headers, is_api: bool) -> ASGIApp | None:
        if not host_allowed(headers.get("host"), self._allowed):
            return error_response(
                403,
                "forbidden_host",
                f"Host {headers.get('host', '')!r} is not accepted: open the viewer as "
                "localhost or 127.0.0.1, or start dcmview with --allow-host NAME",
            )
        if not is_api:
            return None
        if self._token is not None:
            given = _bearer(headers)
            # hmac.compare_digest: constant time, so the token cannot be guessed
            # byte by byte from response times.
            if given is None or not hmac.compare_digest(given.encode(), self._token):
                return error_response(
                    401,
                    "unauthorized",
                    "missing or invalid access token: send Authorization: Bearer <token>",
                    {"WWW-Authenticate": "Bearer"},
                )
        return None


def require_json(headers: Headers) -> None:
    """Refuse a request body that is not ``application/json`` with 415.

    Called by every endpoint that takes a body (after routing, so a wrong
    method is still a 405). Browsers send ``text/plain`` and form bodies
    cross-origin without a CORS preflight; ``application/json`` needs one,
    which this server never grants.

    Raises
    ------
    HttpError
        415 ``invalid_json``.
    """
    media_type = headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if media_type != "application/json":
        raise HttpError(
            415, "invalid_json", "Expected request with `Content-Type: application/json`"
        )


class Activity:
    """Counts requests in flight and the time of the last one, for the idle timeout."""

    def __init__(self) -> None:
        self.in_flight = 0
        self.last = time.monotonic()

    def begin(self) -> None:
        """A request started."""
        self.in_flight += 1
        self.last = time.monotonic()

    def end(self) -> None:
        """A request ended."""
        self.in_flight -= 1
        self.last = time.monotonic()

    def touch(self) -> None:
        """Count now as activity (the end of the scan)."""
        self.last = time.monotonic()

    def idle_seconds(self) -> float:
        """Seconds since the last request ended; 0 while one is in flight."""
        if self.in_flight > 0:
            return 0.0
        return time.monotonic() - self.last
