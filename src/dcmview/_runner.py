"""Run a dcmview server: bind, scan in the background, serve with uvicorn, report, exit.

Shared by the ``dcmview`` command (:mod:`dcmview.cli`, uvicorn in the main
thread) and :func:`dcmview.view` (:mod:`dcmview.launcher`, uvicorn in a thread).
:func:`start` checks the inputs, binds the socket (:mod:`dcmview._sockets`),
builds the app on a background scan, announces the server on the
:class:`~dcmview._console.Console` and runs it.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import os
import shutil
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from dcmview._console import Console
from dcmview._sockets import bind_tcp, bind_unix, start_tunnel, unlink, url_host
from dcmview.sdk.cache import DEFAULT_BUDGET
from dcmview.sdk.errors import InvalidInputError, InvalidPathError

if TYPE_CHECKING:
    import uvicorn

    from dcmview.sdk.catalog import Catalog, ScanProgress
    from dcmview.sdk.roi import RoiSet
    from dcmview.sdk.sources import Source
    from dcmview.server.security import Activity

__all__ = ["Options", "Running", "StartupError", "run_foreground", "start"]

PROTOCOL = 1
# Bad annotation rows warned about one by one; the rest are counted in one line.
_ROW_WARNINGS = 10


class StartupError(Exception):
    """A missing tool (ssh for ``--tunnel``): exit 1 with one line.

    Bad inputs raise the SDK's errors (``InvalidPathError``, ...) and a socket
    that cannot be bound a :class:`~dcmview._sockets.ListenError`.
    """


@dataclass
class Options:
    """Parsed options, as :func:`start` takes them (also built by :func:`dcmview.view`)."""

    paths: list[str] = field(default_factory=list)
    port: int = 0
    host: str = "127.0.0.1"
    unix_socket: str | None = None
    browser: bool = True
    token: str | None = None
    no_token: bool = False
    timeout: float | None = None
    recursive: bool = True
    filters: dict[str, str] = field(default_factory=dict)
    annotations: Any = None
    mask: bool = False
    redactions: Any = None
    cache_budget: int = DEFAULT_BUDGET
    startup_json: bool = False
    tunnel_host: str | None = None
    tunnel_port: int = 0
    allow_hosts: list[str] = field(default_factory=list)
    demo: bool = False
    debug: bool = False
    studies: list[str] = field(default_factory=list)
    """Study Instance UIDs to list from a DICOMweb archive (``--study``)."""
    source_headers: dict[str, str] = field(default_factory=dict, repr=False)
    """Headers for a remote source's requests (``--header``; credentials, never printed)."""
    remote_timeout: float = 30.0
    """Seconds to wait for each answer of a remote source (``--remote-timeout``)."""
    #: Print the start lines (URL, SSH hint, Ctrl+C); view() prints its own.
    announce: bool = True


@dataclass
class Running:
    """A started server: its URL, token and the means to stop it."""

    url: str
    base_url: str
    token: str | None
    server: uvicorn.Server
    catalog: Catalog
    sockets: list[socket.socket] = field(default_factory=list)
    thread: threading.Thread | None = None
    exit_code: int = 0
    _cleanup: list[Callable[[], None]] = field(default_factory=list)

    def stop(self) -> None:
        """Ask the server to exit (returns at once)."""
        self.server.should_exit = True
        wake = getattr(self.server, "wake", None)
        if wake is not None:
            wake()

    def cleanup(self) -> None:
        """Release what start() took: the socket file, the tunnel, the demo folder."""
        while self._cleanup:
            try:
                self._cleanup.pop()()
            except Exception:  # pragma: no cover - best effort at exit
                logging.getLogger("dcmview").debug("cleanup failed", exc_info=True)


def start(opts: Options, console: Console, *, in_thread: bool) -> Running:
    """Scan (in the background), bind, and build the server; print the start lines.

    The steps, in order: check the inputs, bind the socket, build the app on a
    background scan, announce, run. What a step took (the demo folder, the
    socket, the scan, the tunnel) is released if a later one fails, and by
    :meth:`Running.cleanup` after serving.

    Parameters
    ----------
    opts : Options
    console : Console
    in_thread : bool
        Run uvicorn in a new thread (``view()``) instead of the caller's (CLI).
        With ``in_thread=False`` the caller calls :func:`run_foreground`.

    Raises
    ------
    InvalidPathError
        A path that does not exist, or an annotations CSV that cannot be read.
    InvalidInputError
        A filter on an unknown field (see :func:`dcmview.sdk.catalog.check_filters`).
    RoiFormatError
        An annotations table that cannot be used.
    ListenError
        The socket cannot be bound (an :class:`OSError`, see :mod:`dcmview._sockets`), or
        ``--tunnel`` without the ssh command.
    """
    cleanup: list[Callable[[], None]] = []
    try:
        paths, rois = _inputs(opts, console, cleanup)
        # Redaction boxes are read like annotations (same table), before listening.
        redactions = _annotations(opts.redactions, console)
        token = _token(opts, console)
        listener = _listen(opts, console, cleanup)
        # Before the scan starts: a missing ssh is one clear error, not one after progress.
        if opts.tunnel_host and listener.port is not None:
            tport = opts.tunnel_port or listener.port
            cleanup.append(start_tunnel(opts.tunnel_host, tport, listener.port))
            console.say(f"tunnel: ssh -N -L {tport}:127.0.0.1:{listener.port} {opts.tunnel_host}")
        running, activity = _app(opts, console, paths, (rois, redactions), listener, token, cleanup)
        _announce(opts, console, running, listener)
        _run(opts, console, running, activity, rois, paths, in_thread=in_thread)
        return running
    except BaseException:
        for fn in reversed(cleanup):
            with contextlib.suppress(Exception):
                fn()
        raise


def _inputs(
    opts: Options, console: Console, cleanup: list[Callable[[], None]]
) -> tuple[list[str | Source], RoiSet | None]:
    """Step 1: the paths to scan (with the demo study, if asked) and the annotations, checked.

    A URL becomes its source object (a DICOMweb archive with ``--study`` and
    ``--header``); nothing is asked of it before the scan starts.
    """
    from dcmview.sdk.sources import is_location

    paths = list(opts.paths)
    if opts.demo:
        import tempfile

        from dcmview.sdk.demo import write_demo

        demo_dir = tempfile.mkdtemp(prefix="dcmview-demo-")
        cleanup.append(lambda: shutil.rmtree(demo_dir, ignore_errors=True))
        write_demo(demo_dir)
        paths.append(demo_dir)
    inputs: list[str | Source] = []
    for p in paths:
        if is_location(p):
            inputs.append(_remote_source(p, opts))
        elif not os.path.exists(p):
            raise InvalidPathError(f"no such file or directory: {p}", path=p)
        else:
            inputs.append(p)
    if (opts.studies or opts.source_headers) and not any(is_location(p) for p in paths):
        raise InvalidInputError("--study and --header apply to a DICOMweb URL; none was given")
    if opts.filters:
        from dcmview.sdk.catalog import check_filters

        check_filters(opts.filters)
    return inputs, _annotations(opts.annotations, console)


def _remote_source(url: str, opts: Options) -> Source:
    """The source of a URL given as a path, with the options that go to it."""
    from dcmview.sdk.sources import DICOMWEB_SCHEMES, is_file_url, source_for

    if url.startswith(DICOMWEB_SCHEMES) and not is_file_url(url):
        from dcmview.sdk.sources.dicomweb import DicomWebSource

        return DicomWebSource(
            url,
            studies=opts.studies,
            headers=opts.source_headers,
            read_timeout=opts.remote_timeout,
        )
    return source_for(url)


def _where(paths: list[str | Source]) -> str:
    """The inputs for a message: a source by its URL, never with its credentials."""
    return ", ".join(p if isinstance(p, str) else p.url for p in paths)


def _annotations(annotations: object, console: Console) -> RoiSet | None:
    """The annotations given as a CSV path, a RoiSet or a DataFrame, as a RoiSet."""
    # The annotation module imports pandas (~35 MiB): only when annotations are given.
    if annotations is None:
        return None
    if isinstance(annotations, str | os.PathLike):
        return _load_annotations(os.fspath(annotations), console)
    import pandas as pd

    from dcmview.sdk.roi import RoiSet

    if isinstance(annotations, RoiSet):
        return annotations
    if not isinstance(annotations, pd.DataFrame):
        raise TypeError(
            "annotations must be a CSV path, a RoiSet or a pandas DataFrame, "
            f"not {type(annotations).__name__}"
        )
    return RoiSet.from_dataframe(annotations)


def _load_annotations(path: str, console: Console) -> RoiSet:
    """Read the CSV: a bad file stops startup (exit 1), a bad row is a warning.

    Bad rows are left out of the viewer and written back unchanged on export.
    """
    from dcmview.sdk.roi import RoiSet

    rois = RoiSet.from_embed_csv(path, errors="warn")
    shown = rois.problems[:_ROW_WARNINGS]
    for problem in shown:
        console.warn(f"{problem.message} (row left out, kept in the export)")
    if len(rois.problems) > len(shown):
        console.warn(f"... and {len(rois.problems) - len(shown)} more bad rows in {path}")
    return rois


def _token(opts: Options, console: Console) -> str | None:
    """The access token: --token, DCMVIEW_TOKEN or a new one; None with --no-token."""
    from dcmview.server.security import new_token

    if opts.no_token:
        console.warn("--no-token: the API is open to every local user and every web page")
        return None
    return opts.token or os.environ.get("DCMVIEW_TOKEN") or new_token()


@dataclass(frozen=True)
class _Listener:
    """The bound socket the server accepts on, and the address it is reached at."""

    sock: socket.socket
    base_url: str
    port: int | None = None  # None: a Unix socket
    host: str | None = None  # the TCP address bound, for the Host allow-list


def _listen(opts: Options, console: Console, cleanup: list[Callable[[], None]]) -> _Listener:
    """Step 2: bind the socket, TCP or Unix (a failure is a :class:`ListenError`)."""
    if opts.unix_socket:
        sock = bind_unix(opts.unix_socket)
        sock_path = opts.unix_socket
        cleanup.append(lambda: unlink(sock_path))
        cleanup.append(sock.close)
        return _Listener(sock, "http://localhost")
    from dcmview.server.security import is_loopback

    if not is_loopback(opts.host):
        console.warn(
            f"listening on {opts.host}, not loopback: anyone who can reach this "
            "address and has the token can read the images. Add --allow-host NAME "
            "for the name browsers will use."
        )
    sock = bind_tcp(opts.host, opts.port)
    cleanup.append(sock.close)
    port = sock.getsockname()[1]
    return _Listener(sock, f"http://{url_host(opts.host)}:{port}", port, opts.host)


def _app(
    opts: Options,
    console: Console,
    paths: list[str | Source],
    boxes: tuple[RoiSet | None, RoiSet | None],
    listener: _Listener,
    token: str | None,
    cleanup: list[Callable[[], None]],
) -> tuple[Running, Activity]:
    """Step 3: start the background scan, and build the app and the uvicorn server on it."""
    import uvicorn

    from dcmview.sdk.cache import ByteCache
    from dcmview.sdk.catalog import scan
    from dcmview.server.app import create_app, warm_up
    from dcmview.server.protocol import http_protocol
    from dcmview.server.security import Activity

    cache = ByteCache(opts.cache_budget)
    activity = Activity()
    # Unless nothing will be served (--timeout 0), import the decoding stack now
    # (~0.13 s), so that a first frame never waits for imports. scan() imports
    # pydicom before its thread starts (its modules import each other in a cycle,
    # which two threads importing it at once can meet half-initialized).
    if opts.timeout != 0:
        warm_up()
    catalog = scan(
        *paths,
        recursive=opts.recursive,
        filters=opts.filters or None,
        background=True,
        cache=cache,
        progress=_progress_printer(console),
    )
    cleanup.append(catalog.cancel)  # a scan still running stops with the server
    rois, redactions = boxes
    if opts.mask:
        console.say(
            "display masking is on: identifiers and paths are replaced in what the viewer shows; "
            "files are not modified, text in the pixels is not masked, "
            "and this is not de-identification"
        )
    app = create_app(
        catalog,
        rois,
        mask=opts.mask,
        redactions=redactions,
        token=token,
        cache=cache,
        bound_host=listener.host,
        allow_hosts=opts.allow_hosts,
        tunnel_host=opts.tunnel_host,
        activity=activity,
    )
    config = uvicorn.Config(
        app,
        http=http_protocol(),
        log_level="info" if opts.debug else "warning",
        access_log=opts.debug,
        lifespan="off",
        timeout_graceful_shutdown=2,
        server_header=False,
    )
    url = f"{listener.base_url}/#token={token}" if token else f"{listener.base_url}/"
    running = Running(
        url,
        listener.base_url,
        token,
        _server_class()(config),
        catalog,
        sockets=[listener.sock],
        _cleanup=cleanup,
    )
    return running, activity


def _announce(opts: Options, console: Console, running: Running, listener: _Listener) -> None:
    """Step 4: the start lines on stdout and the ``server_started`` event."""
    port, token, url = listener.port, running.token, running.url
    if not opts.announce:
        return
    if port is not None:
        console.say(
            f"(on a remote server? run on your local machine: "
            f"ssh -L {port}:localhost:{port} user@host)"
        )
        console.say(f"then open http://localhost:{port}/" + (f"#token={token}" if token else ""))
    console.event(
        {
            "type": "server_started",
            "url": url,
            "base_url": running.base_url,
            "token": token,
            "host": url_host(opts.host) if port is not None else None,
            "port": port,
            "unix_socket": opts.unix_socket,
            "protocol": PROTOCOL,
        }
    )
    if opts.unix_socket:
        console.say(
            f"server running on unix socket {opts.unix_socket} "
            f"(curl --unix-socket {opts.unix_socket} http://localhost/api/health)"
        )
    else:
        console.say(f"server running at {url}")
    console.say("press Ctrl+C to stop")


def _run(
    opts: Options,
    console: Console,
    running: Running,
    activity: Activity,
    rois: RoiSet | None,
    paths: list[str | Source],
    *,
    in_thread: bool,
) -> None:
    """Step 5: serve in a thread (``view()``), watch the scan, open the browser."""
    watcher = threading.Thread(
        target=_watch,
        args=(running, opts, console, activity, rois, paths),
        name="dcmview-watch",
        daemon=True,
    )
    if in_thread:
        running.thread = threading.Thread(
            target=running.server.run,
            kwargs={"sockets": running.sockets},
            name="dcmview-server",
            daemon=True,
        )
        running.thread.start()
    watcher.start()
    if opts.browser:
        _open_browser(running.url)


def run_foreground(running: Running) -> int:
    """Serve in this thread until Ctrl-C, SIGTERM, the idle timeout or a failed scan."""
    try:
        running.server.run(sockets=running.sockets)
    finally:
        running.cleanup()
    return running.exit_code


def _progress_printer(console: Console) -> Callable[[ScanProgress], None]:
    state = {"next": time.monotonic() + 1.0}

    def progress(p: ScanProgress) -> None:
        # Only for scans long enough to wonder about: at most once a second.
        now = time.monotonic()
        if p.complete or now < state["next"]:
            return
        state["next"] = now + 1.0
        console.progress(
            f"scanning... {p.scanned} of {p.discovered} file(s) read, {p.listed} DICOM"
        )

    return progress


def _watch(
    running: Running,
    opts: Options,
    console: Console,
    activity: Activity,
    rois: RoiSet | None,
    paths: list[str | Source],
) -> None:
    """After the scan: report it, check annotations, then enforce --timeout."""
    catalog = running.catalog
    catalog.wait()
    if catalog.error is not None and catalog.source is not None and len(catalog):
        # An archive that went away mid-listing: serve what it had listed.
        console.error(f"the listing stopped early: {catalog.error}; serving what was listed")
    elif catalog.error is not None:  # a scan that failed as a whole
        console.error(f"the scan failed: {catalog.error}")
        running.exit_code = 1
        running.stop()
        return
    n = len(catalog)
    skipped = len(catalog.skipped)
    filtered = catalog.filtered
    where = _where(paths) if not opts.demo else "the built-in demo study"
    how = "searched recursively" if opts.recursive else "top level only"
    console.event(
        {"type": "scan_complete", "file_count": n, "skipped": skipped, "filtered": filtered}
    )
    if n == 0:
        detail = f"{skipped} skipped" + (f", {filtered} filtered out" if filtered else "")
        console.error(f"no viewable DICOM files found in {where} ({detail})")
        running.exit_code = 1
        running.stop()
        return
    extra = f"; {skipped} skipped" if skipped else ""
    extra += f"; {filtered} filtered out" if filtered else ""
    console.say(f"loaded {n} DICOM file(s) from {where} ({how}){extra}")
    if rois is not None and (rois.num_rois or len(rois)):
        _report_annotations(rois, catalog, console)
    activity.touch()
    if opts.timeout is None:
        return
    while not running.server.should_exit:
        idle = activity.idle_seconds()
        if idle >= opts.timeout:
            if opts.timeout > 0:
                console.say(f"idle for {opts.timeout:g} s: exiting (--timeout)")
            running.stop()
            return
        time.sleep(min(0.2, max(0.01, opts.timeout - idle)))


def _report_annotations(rois: RoiSet, catalog: Catalog, console: Console) -> None:
    from dcmview.sdk.errors import RoiFormatError

    try:
        report = rois.validate(catalog)
    except RoiFormatError as exc:
        console.warn(f"annotations: {exc.message}")
        report = rois.match(catalog)
    if report.unmatched_rows:
        console.warn(f"annotations: {report}")


def _open_browser(url: str) -> None:
    import webbrowser

    threading.Thread(target=webbrowser.open, args=(url,), daemon=True).start()


@functools.cache
def _server_class() -> type[uvicorn.Server]:
    import uvicorn

    class Server(uvicorn.Server):
        """uvicorn's server, woken by :meth:`wake`, without re-raising SIGINT/SIGTERM."""

        _wake: asyncio.Event | None = None
        _loop: asyncio.AbstractEventLoop | None = None

        async def main_loop(self) -> None:
            # uvicorn's loop looks at should_exit every 0.1 s; waiting on an event
            # instead lets stop() end it at once (--timeout 0 exits 0.1 s sooner),
            # while on_tick still runs at least every 0.1 s (the Date header).
            self._loop = asyncio.get_running_loop()
            self._wake = asyncio.Event()
            counter = 0
            should_exit = await self.on_tick(counter)
            while not should_exit:
                counter = (counter + 1) % 864000
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), 0.1)
                should_exit = await self.on_tick(counter)

        def wake(self) -> None:
            """Make the main loop look at should_exit now (thread-safe)."""
            loop, event = self._loop, self._wake
            if loop is not None and event is not None:
                with contextlib.suppress(RuntimeError):  # the loop closed already
                    loop.call_soon_threadsafe(event.set)

        def handle_exit(self, sig: int, frame: Any) -> None:
            # uvicorn records the signal and raises it again once shut down,
            # which would end the process with -15 instead of exit code 0.
            if self.should_exit and sig == 2:  # a second Ctrl-C
                self.force_exit = True
            else:
                self.should_exit = True

    return Server
