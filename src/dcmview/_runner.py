"""Run a dcmview server: bind, scan in the background, serve with uvicorn, report, exit.

Shared by the ``dcmview`` command (:mod:`dcmview.cli`, uvicorn in the main
thread) and :func:`dcmview.view` (:mod:`dcmview.launcher`, uvicorn in a thread).
The start-up lines go to stdout in the predecessor's wording, so scripts that
parse them keep working; ``--startup-json`` adds one JSON object per event.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
import logging
import os
import shutil
import socket
import stat
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import IO, TYPE_CHECKING, Any

if TYPE_CHECKING:
    import uvicorn

    from dcmview.sdk.catalog import Catalog, ScanProgress
    from dcmview.sdk.roi import RoiSet

__all__ = ["Console", "Options", "Running", "StartupError", "UsageError", "run_foreground", "start"]

PROTOCOL = 1
DEFAULT_BUDGET = 700 * 1024**2
# Bad annotation rows warned about one by one; the rest are counted in one line.
_ROW_WARNINGS = 10


class UsageError(Exception):
    """A bad option value: exit 2 with argparse's usage line."""


class StartupError(Exception):
    """An unusable input found before serving: exit 1 with one line."""


@dataclass
class Options:
    """Parsed options, as :func:`serve` takes them (also built by :func:`dcmview.view`)."""

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
    cache_budget: int = DEFAULT_BUDGET
    startup_json: bool = False
    tunnel_host: str | None = None
    tunnel_port: int = 0
    allow_hosts: list[str] = field(default_factory=list)
    demo: bool = False
    debug: bool = False


class Console:
    """Start-up output: ``dcmview: ...`` lines on stdout, JSON events, one-line errors."""

    def __init__(self, json_events: bool, out: IO[str] | None = None, err: IO[str] | None = None):
        self.json_events = json_events
        self.out = out or sys.stdout
        self.err = err or sys.stderr
        self._lock = threading.Lock()
        self._progress_shown = False

    @staticmethod
    def _write(stream: IO[str], line: str) -> None:
        try:
            print(line, file=stream, flush=True)
        except (BrokenPipeError, ValueError):
            # The reader went away (`dcmview ... | head`, a closed notebook pipe):
            # keep serving; later lines, and the flush at exit, go nowhere.
            with contextlib.suppress(OSError, ValueError):
                os.dup2(os.open(os.devnull, os.O_WRONLY), stream.fileno())

    def say(self, text: str) -> None:
        with self._lock:
            self._end_progress()
            self._write(self.out, f"dcmview: {text}")

    def event(self, payload: dict[str, Any]) -> None:
        if self.json_events:
            with self._lock:
                self._end_progress()
                self._write(self.out, json.dumps(payload))

    def warn(self, text: str) -> None:
        with self._lock:
            self._end_progress()
            self._write(self.err, f"dcmview: warning: {text}")

    def error(self, text: str) -> None:
        with self._lock:
            self._end_progress()
            self._write(self.err, f"dcmview: error: {text}")

    def progress(self, text: str) -> None:
        with self._lock:
            if self.err.isatty():
                print(f"\rdcmview: {text}\x1b[K", end="", file=self.err, flush=True)
                self._progress_shown = True
            else:
                self._write(self.err, f"dcmview: {text}")

    def _end_progress(self) -> None:
        if self._progress_shown:
            print(file=self.err, flush=True)
            self._progress_shown = False


def _check_filters(filters: dict[str, str]) -> None:
    from pydicom.datadict import keyword_dict

    from dcmview.sdk.header import FILTER_FIELDS

    for name in filters:
        if name not in FILTER_FIELDS and name not in keyword_dict:
            known = ", ".join(FILTER_FIELDS)
            raise UsageError(
                f"--filter {name}=...: {name!r} is neither a filter field ({known}) "
                "nor a DICOM keyword such as PatientID"
            )


# -- the server ------------------------------------------------------------------------


def _bind_tcp(host: str, port: int) -> socket.socket:
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    family, _, _, _, address = infos[0]
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    # asyncio sets TCP_NODELAY only on sockets it creates with IPPROTO_TCP; without
    # it an answer written in two parts waits out the client's delayed ACK (~40 ms
    # on every request, found by benchmarks/load_test.py).
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    try:
        sock.bind(address)
    except OSError as exc:
        sock.close()
        raise StartupError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from exc
    sock.listen(128)
    sock.setblocking(False)
    return sock


def _bind_unix(path: str) -> socket.socket:
    if os.path.lexists(path):
        if not stat.S_ISSOCK(os.lstat(path).st_mode):
            raise StartupError(f"--unix-socket {path} exists and is not a socket; not replacing it")
        probe = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            probe.connect(path)
        except OSError:
            os.unlink(path)  # a stale socket of a server that is gone
        else:
            raise StartupError(f"--unix-socket {path} is in use by another server")
        finally:
            probe.close()
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    # umask before bind: the socket is never visible with wider permissions.
    old = os.umask(0o177)
    try:
        sock.bind(path)
    except OSError as exc:
        sock.close()
        raise StartupError(f"cannot listen on {path}: {exc.strerror or exc}") from exc
    finally:
        os.umask(old)
    os.chmod(path, 0o600)
    sock.listen(128)
    sock.setblocking(False)
    return sock


def _unlink(path: str) -> None:
    with contextlib.suppress(FileNotFoundError):
        os.unlink(path)


def _url_host(host: str) -> str:
    if host in {"0.0.0.0", "::", ""}:
        return "127.0.0.1"
    return f"[{host}]" if ":" in host else host


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

    Parameters
    ----------
    opts : Options
    console : Console
    in_thread : bool
        Run uvicorn in a new thread (``view()``) instead of the caller's (CLI).
        With ``in_thread=False`` the caller calls :func:`run_foreground`.
    """
    import uvicorn

    from dcmview.sdk.cache import ByteCache
    from dcmview.sdk.catalog import scan
    from dcmview.server.app import create_app, warm_up
    from dcmview.server.protocol import http_protocol
    from dcmview.server.security import Activity, is_loopback, new_token

    cleanup: list[Callable[[], None]] = []
    paths = list(opts.paths)
    try:
        if opts.demo:
            import tempfile

            from dcmview._demo import write_demo

            demo_dir = tempfile.mkdtemp(prefix="dcmview-demo-")
            cleanup.append(lambda: shutil.rmtree(demo_dir, ignore_errors=True))
            write_demo(demo_dir)
            paths.append(demo_dir)
        for p in paths:
            if not os.path.exists(p):
                raise StartupError(f"no such file or directory: {p}")
        if opts.filters:  # pydicom's dictionary costs ~0.1 s to import: only when needed
            _check_filters(opts.filters)

        # The annotation module imports pandas (~35 MiB): only when annotations are given.
        rois: RoiSet | None = None
        if opts.annotations is None:
            pass
        elif isinstance(opts.annotations, str | os.PathLike):
            rois = _load_annotations(os.fspath(opts.annotations), console)
        else:
            import pandas as pd

            from dcmview.sdk.roi import RoiSet

            if isinstance(opts.annotations, RoiSet):
                rois = opts.annotations
            elif not isinstance(opts.annotations, pd.DataFrame):
                raise TypeError(
                    "annotations must be a CSV path, a RoiSet or a pandas DataFrame, "
                    f"not {type(opts.annotations).__name__}"
                )
            else:
                rois = RoiSet.from_dataframe(opts.annotations)

        if opts.no_token:
            token = None
            console.warn("--no-token: the API is open to every local user and every web page")
        else:
            token = opts.token or os.environ.get("DCMVIEW_TOKEN") or new_token()

        if opts.unix_socket:
            sock = _bind_unix(opts.unix_socket)
            sock_path = opts.unix_socket
            cleanup.append(lambda: _unlink(sock_path))
            base_url, port, bound = "http://localhost", None, None
        else:
            if not is_loopback(opts.host):
                console.warn(
                    f"listening on {opts.host}, not loopback: anyone who can reach this "
                    "address and has the token can read the images. Add --allow-host NAME "
                    "for the name browsers will use."
                )
            sock = _bind_tcp(opts.host, opts.port)
            port = sock.getsockname()[1]
            bound = opts.host
            base_url = f"http://{_url_host(opts.host)}:{port}"
        url = f"{base_url}/#token={token}" if token else f"{base_url}/"

        cache = ByteCache(opts.cache_budget)
        activity = Activity()
        # pydicom's modules import each other in a cycle, so two threads importing
        # it at once (the scan's fallback reader, a request, a warm-up) can meet a
        # half-initialized module ("cannot import name 'dcmread'"). Import it here,
        # before any other thread runs. Unless nothing will be served (--timeout 0),
        # import the rest of the decoding stack too (~0.13 s), so that a first frame
        # never waits for imports.
        if opts.timeout == 0:
            import pydicom  # noqa: F401
        else:
            warm_up()
        catalog = scan(
            *paths,
            recursive=opts.recursive,
            filters=opts.filters or None,
            background=True,
            cache=cache,
            progress=_progress_printer(console),
        )
        app = create_app(
            catalog,
            rois,
            token=token,
            cache=cache,
            bound_host=bound,
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
        server = _server_class()(config)
        running = Running(url, base_url, token, server, catalog, _cleanup=cleanup)
        cleanup.append(catalog.cancel)  # a scan still running stops with the server

        if opts.tunnel_host and port is not None:
            tport = opts.tunnel_port or port
            cleanup.append(_start_tunnel(opts.tunnel_host, tport, port))
            console.say(f"tunnel: ssh -N -L {tport}:127.0.0.1:{port} {opts.tunnel_host}")
        if port is not None:
            console.say(
                f"(on a remote server? run on your local machine: "
                f"ssh -L {port}:localhost:{port} user@host)"
            )
            console.say(
                f"then open http://localhost:{port}/" + (f"#token={token}" if token else "")
            )
        console.event(
            {
                "type": "server_started",
                "url": url,
                "base_url": base_url,
                "token": token,
                "host": _url_host(opts.host) if port is not None else None,
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

        watcher = threading.Thread(
            target=_watch,
            args=(running, opts, console, activity, rois, paths),
            name="dcmview-watch",
            daemon=True,
        )
        running.sockets.append(sock)
        cleanup.append(sock.close)
        if in_thread:
            running.thread = threading.Thread(
                target=server.run,
                kwargs={"sockets": running.sockets},
                name="dcmview-server",
                daemon=True,
            )
            running.thread.start()
        watcher.start()
        if opts.browser:
            _open_browser(url)
        return running
    except BaseException:
        for fn in reversed(cleanup):
            with contextlib.suppress(Exception):
                fn()
        raise


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
    activity: Any,
    rois: RoiSet | None,
    paths: list[str],
) -> None:
    """After the scan: report it, check annotations, then enforce --timeout."""
    catalog = running.catalog
    catalog.wait()
    if catalog.error is not None:  # a scan that failed as a whole
        console.error(f"the scan failed: {catalog.error}")
        running.exit_code = 1
        running.stop()
        return
    n = len(catalog)
    skipped = len(catalog.skipped)
    filtered = catalog.filtered
    where = ", ".join(paths) if not opts.demo else "the built-in demo study"
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


def _start_tunnel(host: str, local_port: int, remote_port: int) -> Callable[[], None]:
    ssh = shutil.which("ssh")
    if ssh is None:
        raise StartupError("--tunnel needs the ssh command, which is not on PATH")
    proc = subprocess.Popen(
        [
            ssh,
            "-N",
            "-o",
            "ExitOnForwardFailure=yes",
            "-L",
            f"{local_port}:127.0.0.1:{remote_port}",
            "--",
            host,
        ],
        stdin=subprocess.DEVNULL,
    )

    def stop() -> None:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=3)
            except subprocess.TimeoutExpired:  # pragma: no cover
                proc.kill()

    return stop


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
