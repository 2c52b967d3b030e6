"""view(): start the viewer from a script or a notebook; the handle has url, token, stop(), wait().

The server runs in a thread of the calling process (uvicorn with its own event
loop), not in a subprocess. Measured here (2 cores, median of 5): a thread
answers its first request 0.03 s after ``view()`` once dcmview's modules are
imported, a ``python -m dcmview`` subprocess 0.30 s (a second interpreter
importing numpy, pydicom and Starlette again). A thread also takes Python
objects as they are (a RoiSet or DataFrame of annotations, filters) and works
under an already running event loop (Jupyter): it never touches the caller's
loop. The price is sharing the GIL with the caller; the codecs release it.

Examples
--------
>>> from dcmview import view
>>> with view(["study_dir"], browser=False, block=False) as h:  # doctest: +SKIP
...     print(h.url)
"""

from __future__ import annotations

import atexit
import html
import threading
import weakref
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from dcmview._console import Console
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
        The viewer's address with the token in the fragment (``.../#token=...``).
    base_url : str
        The address without path or fragment, for :class:`dcmview.client.Client`.
    token : str or None
        The access token (None with ``no_token=True``).
    """

    def __init__(self, running: Running) -> None:
        self._running = running
        self.url = running.url
        self.base_url = running.base_url
        self.token = running.token
        self._stopped = threading.Event()
        _live.add(self)

    def __repr__(self) -> str:
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

    def _repr_html_(self) -> str:
        # Jupyter shows the viewer inline; the token travels in the fragment,
        # which the browser never sends to any server.
        url = html.escape(self.url, quote=True)
        return (
            f'<iframe src="{url}" width="100%" height="640" style="border:0" '
            f'title="dcmview"></iframe><div><a href="{url}" target="_blank" '
            f'rel="noopener noreferrer">open dcmview in a new tab</a></div>'
        )


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
        Do not print the start-up lines.
    mask : bool, default False
        Replace identifying values and file paths in everything the viewer shows
        (docs/security.md: display masking, not de-identification).
    redactions : path, RoiSet or pandas.DataFrame, optional
        Boxes whose pixels the server removes from every image, in the
        annotations' EMBED format.

    Returns
    -------
    ViewerHandle
        Running (``block=False``) or already stopped (``block=True``).

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
    import io
    import os

    if isinstance(paths, str | os.PathLike):
        paths = [paths]
    opts = Options(
        paths=[os.fspath(p) for p in paths],
        port=port,
        host=host,
        unix_socket=unix_socket,
        browser=browser and not _in_notebook(),
        token=token,
        no_token=no_token,
        timeout=timeout,
        recursive=recursive,
        filters=dict(filters or {}),
        annotations=annotations,
        mask=mask,
        redactions=redactions,
        allow_hosts=list(allow_hosts),
        demo=demo,
    )
    if cache_budget is not None:
        opts.cache_budget = int(cache_budget)
    console = Console(False, out=io.StringIO() if quiet else None)
    running = start(opts, console, in_thread=True)
    handle = ViewerHandle(running)
    if _in_notebook():
        _display(handle)
    if block:
        try:
            handle.wait()
        except KeyboardInterrupt:
            handle.stop()
    return handle


def _in_notebook() -> bool:
    import sys

    ipython = sys.modules.get("IPython")
    if ipython is None:
        return False
    shell = ipython.get_ipython()
    return shell is not None and type(shell).__name__ == "ZMQInteractiveShell"


def _display(handle: ViewerHandle) -> None:
    try:
        from IPython.display import display  # type: ignore[import-not-found]  # optional
    except ImportError:  # pragma: no cover
        return
    display(handle)


@atexit.register
def _stop_all() -> None:
    # A handle the script forgot: remove its socket file and tunnel at exit.
    for handle in list(_live):
        handle._running.stop()
        handle._finish()
