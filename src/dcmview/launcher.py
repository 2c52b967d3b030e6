"""view(): start the viewer from a script or a notebook; the handle has url, token, stop(), wait().

The server runs in a thread of the calling process (uvicorn with its own event
loop), not in a subprocess. Measured here (2 cores, median of 5): a thread
answers its first request 0.03 s after ``view()`` once dcmview's modules are
imported, a ``python -m dcmview`` subprocess 0.30 s (a second interpreter
importing numpy, pydicom and Starlette again). A thread also takes Python
objects as they are (a RoiSet or DataFrame of annotations, filters) and works
under an already running event loop (Jupyter): it never touches the caller's
loop. The price is sharing the GIL with the caller; the codecs release it.

In a notebook, ``view()`` shows the viewer inline once (an iframe and a link)
and returns a :class:`ViewerHandle` whose repr is one line of text, so the
handle as a cell's result does not show it a second time; ``handle.show()``
shows it again. Behind JupyterHub or a JupyterLab with jupyter-server-proxy the
iframe opens ``{base_url}proxy/{port}/`` on the notebook's own origin
(:mod:`dcmview._notebook`; docs/notebook.md).

Examples
--------
>>> from dcmview import view
>>> with view(["study_dir"], browser=False, block=False) as h:  # doctest: +SKIP
...     print(h.url)
"""

from __future__ import annotations

import atexit
import io
import threading
import urllib.parse
import weakref
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from dcmview._console import Console
from dcmview._notebook import ProxyPlan, iframe_html, in_colab, in_notebook, plan_proxy, probe
from dcmview._runner import Options, Running, start

if TYPE_CHECKING:
    import os
    from types import TracebackType
    from typing import Self

__all__ = ["ViewerHandle", "view"]

_live: weakref.WeakSet[ViewerHandle] = weakref.WeakSet()


class ViewerHandle:
    """A running viewer started by :func:`view`.

    Attributes
    ----------
    url : str
        The viewer's address for a browser, with the token in the fragment
        (``.../#token=...``): through the notebook's proxy when there is one
        (``/user/me/proxy/8123/#token=...``), else the same as `local_url`.
    local_url : str
        The direct address on this machine's loopback, with the token.
    base_url : str
        The direct address without path or fragment, for :class:`dcmview.client.Client`.
    token : str or None
        The access token (None with ``no_token=True``).
    proxy : str
        How a browser reaches it: ``"direct"``, ``"jupyter"`` (jupyter-server-proxy)
        or ``"colab"``.
    """

    def __init__(self, running: Running, url: str | None = None, proxy: str = "direct") -> None:
        self._running = running
        self.local_url = running.url
        self.url = url or running.url
        self.base_url = running.base_url
        self.token = running.token
        self.proxy = proxy
        self._stopped = threading.Event()
        _live.add(self)

    def __repr__(self) -> str:
        # Text, not HTML: view() has shown the viewer already (see the module docs).
        state = "running" if self.running else "stopped"
        return f"<ViewerHandle {self.base_url} {state}>"

    @property
    def running(self) -> bool:
        """Whether the server still serves."""
        thread = self._running.thread
        return thread is not None and thread.is_alive()

    @property
    def exit_code(self) -> int:
        """What the ``dcmview`` command would exit with (1: nothing viewable was found)."""
        return self._running.exit_code

    @property
    def catalog(self) -> Any:
        """The :class:`~dcmview.sdk.catalog.Catalog` being served."""
        return self._running.catalog

    def wait(self, timeout: float | None = None) -> bool:
        """Wait until the server exits (``--timeout``, :meth:`stop`); True if it has.

        Parameters
        ----------
        timeout : float, optional
            Seconds to wait at most; forever by default.
        """
        thread = self._running.thread
        if thread is not None:
            thread.join(timeout)
            if thread.is_alive():
                return False
        self._finish()
        return True

    def stop(self, timeout: float | None = 5.0) -> None:
        """Stop the server and wait for it (at most `timeout` seconds)."""
        self._running.stop()
        self.wait(timeout)

    def _finish(self) -> None:
        if not self._stopped.is_set():
            self._stopped.set()
            self._running.cleanup()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def show(self, height: int = 640) -> None:
        """Show the viewer inline in the notebook (again): an iframe and a link.

        The token travels in the URL fragment, which the browser never sends
        to any server (nor to the notebook's proxy).
        """
        _display_html(iframe_html(self.url, height))


def view(
    paths: str | os.PathLike[str] | Iterable[str | os.PathLike[str]] = (),
    *,
    browser: bool = True,
    block: bool = True,
    timeout: float | None = None,
    port: int = 0,
    host: str = "127.0.0.1",
    annotations: Any = None,
    filters: Mapping[str, str] | None = None,
    recursive: bool = True,
    token: str | None = None,
    no_token: bool = False,
    cache_budget: int | None = None,
    allow_hosts: Iterable[str] = (),
    unix_socket: str | None = None,
    demo: bool = False,
    quiet: bool = False,
    mask: bool = False,
    redactions: Any = None,
    proxy: bool | str | None = None,
) -> ViewerHandle:
    """Start the viewer on DICOM files or folders.

    Parameters
    ----------
    paths : path or iterable of paths
        DICOM files or directories.
    browser : bool, default True
        Open the viewer in a browser (in a notebook the handle shows it inline).
    block : bool, default True
        Wait until the server exits (``timeout``, Ctrl-C / kernel interrupt) before
        returning; with False return the running handle at once.
    timeout : float, optional
        Exit after this many idle seconds, counted from the end of the scan.
    port, host : int, str
        Where to listen (``port=0`` picks a free port).
    annotations : path, RoiSet or pandas.DataFrame, optional
        EMBED-style ROI annotations.
    filters : mapping of str to str, optional
        ``{"modality": "CT"}``: case-insensitive substring filters, combined with AND.
    recursive : bool, default True
        Scan sub-directories.
    token : str, optional
        A fixed access token (default: ``DCMVIEW_TOKEN`` or a new random one).
    no_token : bool, default False
        Serve the API without a token (a warning is printed).
    cache_budget : int, optional
        Bytes of memory for the frame caches (default about 700 MiB).
    allow_hosts : iterable of str
        Further Host names to accept.
    unix_socket : str, optional
        Listen on this Unix socket (mode 0600) instead of TCP.
    demo : bool, default False
        Add the built-in sample study.
    quiet : bool, default False
        Print nothing (the inline viewer itself still shows in a notebook).
    mask : bool, default False
        Replace identifying values and file paths in everything the viewer shows
        (docs/security.md: display masking, not de-identification).
    redactions : path, RoiSet or pandas.DataFrame, optional
        Boxes whose pixels the server removes from every image, in the
        annotations' EMBED format.
    proxy : bool, str or None
        How the notebook's browser reaches the viewer. None (default): detect a
        Jupyter Server with jupyter-server-proxy (JupyterHub, JupyterLab) or
        Colab; False: directly (``127.0.0.1:PORT``); True: through
        jupyter-server-proxy at the detected base URL; a string: the notebook
        server's URL as the browser sees it (``https://hub.example.org/user/me/``,
        whose host name is then accepted) or its base path (``/user/me/``), or
        ``"colab"``. See docs/notebook.md.

    Returns
    -------
    ViewerHandle
        Running (``block=False``) or already stopped (``block=True``). In a
        notebook the viewer is shown inline once, by this call; the handle's
        repr is text.

    Raises
    ------
    InvalidPathError
        A path that does not exist, or an annotations CSV that cannot be read.
    InvalidInputError
        A filter on an unknown field, or on a sequence (see
        :func:`dcmview.sdk.catalog.check_filters`).
    RoiFormatError
        An annotations table that cannot be used.
    OSError
        The server cannot listen on `host`:`port` or `unix_socket` (the port is
        in use, say); its ``errno`` says why.

    Each is raised before anything is started.
    """
    import os

    if isinstance(paths, str | os.PathLike):
        paths = [paths]
    notebook = in_notebook()
    if (proxy == "colab" or (proxy is None and in_colab())) and port == 0 and not unix_socket:
        # Colab's proxy address names the port: choose it before the server binds.
        port = _free_port(host)
    plan = None if unix_socket else plan_proxy(proxy, colab_port=port or None)
    opts = Options(
        paths=[os.fspath(p) for p in paths],
        port=port,
        host=host,
        unix_socket=unix_socket,
        browser=browser and not notebook,
        token=token,
        no_token=no_token,
        timeout=timeout,
        recursive=recursive,
        filters=dict(filters or {}),
        annotations=annotations,
        mask=mask,
        redactions=redactions,
        # The proxy forwards the browser's Host: the hub's or lab's name, learned above.
        allow_hosts=[*allow_hosts, *(plan.hosts if plan else [])],
        demo=demo,
        announce=False,
    )
    if cache_budget is not None:
        opts.cache_budget = int(cache_budget)
    sink = io.StringIO() if quiet else None
    console = Console(False, out=sink, err=sink)
    running = start(opts, console, in_thread=True)
    bound = urllib.parse.urlsplit(running.base_url).port
    if plan is not None and bound is not None and not plan.explicit and not probe(plan, bound):
        console.say(
            "the notebook server has no jupyter-server-proxy: the inline viewer opens "
            f"{running.base_url}, which only a browser on this machine reaches "
            "(pip install 'dcmview[notebook]' where Jupyter runs, or see docs/notebook.md)"
        )
        plan = None
    handle = _handle(running, plan, bound)
    _announce(console, handle, bound, notebook=notebook, block=block)
    if notebook:
        handle.show()
    if block:
        try:
            handle.wait()
        except KeyboardInterrupt:
            handle.stop()
    return handle


def _handle(running: Running, plan: ProxyPlan | None, port: int | None) -> ViewerHandle:
    if plan is None or port is None:
        return ViewerHandle(running)
    url = plan.url(port)
    if running.token:
        url += f"#token={running.token}"
    return ViewerHandle(running, url, plan.kind)


def _announce(
    console: Console, handle: ViewerHandle, port: int | None, *, notebook: bool, block: bool
) -> None:
    """The start lines: the URL, the SSH hint when direct, how to stop only when blocking."""
    if handle.proxy == "direct" and port is not None:
        console.say(
            f"(on a remote server? run on your local machine: "
            f"ssh -L {port}:localhost:{port} user@host)"
        )
    console.say(f"server running at {handle.url}")
    if block:
        # Without blocking, handle.stop() (or the end of the process) stops it.
        console.say("interrupt the kernel to stop" if notebook else "press Ctrl+C to stop")


def _free_port(host: str) -> int:
    import socket

    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def _display_html(markup: str) -> None:
    import importlib

    try:
        # IPython is there whenever a notebook runs this; untyped, hence Any.
        ipython_display: Any = importlib.import_module("IPython.display")
    except ImportError:  # pragma: no cover
        return
    ipython_display.display(ipython_display.HTML(markup))


@atexit.register
def _stop_all() -> None:
    # A handle the script forgot: remove its socket file and tunnel at exit.
    for handle in list(_live):
        handle._running.stop()
        handle._finish()
