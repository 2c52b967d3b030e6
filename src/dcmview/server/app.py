"""create_app(): the Starlette application over a Catalog, its caches, security and static files.

No module holds an app at import time: :func:`create_app` builds one per server,
with the SDK objects on ``app.state``. The built viewer (``static/``, produced by
``npm run build`` in ``frontend/``) is mounted last when its ``index.html``
exists (:mod:`dcmview.server.assets`: compressed, revalidated); otherwise ``/``
answers a short page that says how to build it, and the API works all the same.
"""

from __future__ import annotations

import contextlib
import importlib
import os
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import anyio
import anyio.to_thread
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import BaseRoute, Mount, Route

from dcmview import __version__
from dcmview.sdk.cache import DEFAULT_BUDGET, ByteCache
from dcmview.sdk.threads import thread_limit, usable_cores
from dcmview.server.assets import ViewerFiles
from dcmview.server.derived import ROUTES as DERIVED_ROUTES
from dcmview.server.document import ROUTES as DOCUMENT_ROUTES
from dcmview.server.errors import HttpError, exception_handlers
from dcmview.server.frames import ROUTES as FRAME_ROUTES
from dcmview.server.routes import ROUTES
from dcmview.server.security import Activity, SecurityMiddleware

if TYPE_CHECKING:
    from dcmview.sdk.catalog import Catalog
    from dcmview.sdk.roi import RoiSet

__all__ = ["API_ROUTES", "STATIC_DIR", "DecodePool", "ServerState", "create_app", "warm_up"]

T = TypeVar("T")

#: Where the built frontend lives inside the package.
STATIC_DIR = Path(__file__).resolve().parent / "static"

_NO_BUNDLE_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>dcmview</title></head>
<body style="font-family: sans-serif; max-width: 40em; margin: 3em auto">
<h1>dcmview</h1>
<p>The server is running, but the browser viewer is not built into this
installation. Build it once from a source checkout:</p>
<pre>npm --prefix frontend ci &amp;&amp; npm --prefix frontend run build</pre>
<p>(it writes <code>src/dcmview/server/static/</code>). The HTTP API under
<code>/api/</code> works without it; see docs/http-api.md.</p>
</body></html>
"""


#: Every API route, matched in order (the static viewer is mounted after them): the
#: catalog, tags and annotations, the frames, the derived objects, the documents.
API_ROUTES: tuple[BaseRoute, ...] = (*ROUTES, *FRAME_ROUTES, *DERIVED_ROUTES, *DOCUMENT_ROUTES)


class DecodePool:
    """A bounded pool for decoding and encoding work, off the event loop.

    At most `workers` jobs run at once (default: one per core), each in a worker
    thread: the codecs used (imagecodecs' OpenJPEG, numpy, zlib, zstd) release
    the GIL, so two threads decode two frames on two cores. A job whose client
    has gone while it waited for a slot is not started.

    The cores are shared between the jobs running: a job that starts alone may
    let its codec use every core (one JPEG 2000 frame decodes in about half the
    time on two), one that starts beside another gets its share
    (:func:`dcmview.sdk.threads.thread_limit`).

    Parameters
    ----------
    workers : int, optional
        The number of jobs that may run at once; the usable cores by default.
    """

    def __init__(self, workers: int | None = None) -> None:
        self.cores = usable_cores()
        self.workers = max(1, workers or self.cores)
        self.running = 0
        self.speculating = False
        self._limiter: anyio.CapacityLimiter | None = None

    async def run(self, request: Request | None, fn: Callable[..., T], *args: Any) -> T:
        """Run ``fn(*args)`` in a worker thread once a slot is free.

        Raises
        ------
        HttpError
            499 ``client_closed`` when the client disconnected before the job started.
        """
        if self._limiter is None:
            self._limiter = anyio.CapacityLimiter(self.workers)
        async with self._limiter:
            # A viewer scrolling fast abandons frames; do not decode for nobody.
            if request is not None and await request.is_disconnected():
                raise HttpError(499, "client_closed", "the client closed the connection")
            # Counted on the event loop's thread, so no lock is needed.
            self.running += 1
            try:
                threads = max(1, self.cores // self.running)
                return await anyio.to_thread.run_sync(_limited, threads, fn, *args)
            finally:
                self.running -= 1

    async def speculate(self, fn: Callable[..., object], *args: Any) -> None:
        """Run ``fn(*args)`` for a request that has not come yet, when no such job runs.

        The viewer's first image of a file is a reduced level; the full-resolution
        refinement follows a moment later. Decoding it meanwhile (the cache is
        single-flight, so the request waits for this job instead of decoding again)
        hides most of the decode behind the first image's transfer. One such job at
        a time: a user stepping through frames must not queue a decode per frame.
        Its errors are dropped: the real request, if it comes, reports them.
        """
        if self.speculating:
            return
        self.speculating = True
        try:
            await self.run(None, fn, *args)
        except Exception:
            pass
        finally:
            self.speculating = False


def _limited(threads: int, fn: Callable[..., T], *args: Any) -> T:
    with thread_limit(threads):
        return fn(*args)


@dataclass
class ServerState:
    """What the endpoints share, kept on ``app.state.dcmview``.

    Attributes
    ----------
    catalog : Catalog
        The files being served; may still be filling (progressive scan).
    rois : RoiSet or None
        The annotations, edited in memory; None until the first is made (the
        annotation module imports pandas, ~35 MiB, only when it is needed).
    cache : ByteCache
        The one byte-budget cache of decoded frames, PNGs, raw bodies and tags.
    pool : DecodePool
        Where decoding and encoding run.
    server_start_ms : int
        Unix time of the start in ms (``X-Server-Instance``).
    activity : Activity
        Requests in flight and the last request's time, for ``--timeout``.
    tunnel_host : str or None
        The SSH host of ``--tunnel``, if any.
    catalog_answers : dict
        The serialized ``/api/files`` and ``/api/series`` answers per content coding,
        kept once the scan is complete (they no longer change then): 10,000 files
        are ~5 MB of JSON, ~0.2 s to build and serialize on every poll otherwise.
    """

    catalog: Catalog
    rois: RoiSet | None
    cache: ByteCache
    pool: DecodePool
    server_start_ms: int
    activity: Activity = field(default_factory=Activity)
    tunnel_host: str | None = None
    catalog_answers: dict[tuple[str, str | None], tuple[bytes, bool]] = field(
        default_factory=dict, repr=False
    )
    _rois_lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def roi_set(self) -> RoiSet:
        """The annotations, made empty on first use."""
        with self._rois_lock:
            if self.rois is None:
                from dcmview.sdk.roi import RoiSet

                self.rois = RoiSet()
            return self.rois


def create_app(
    catalog: Catalog,
    rois: RoiSet | None = None,
    *,
    token: str | None,
    cache: ByteCache | None = None,
    bound_host: str | None = "127.0.0.1",
    allow_hosts: Iterable[str] = (),
    static_dir: str | os.PathLike[str] | None = None,
    decode_workers: int | None = None,
    tunnel_host: str | None = None,
    activity: Activity | None = None,
) -> Starlette:
    """Build the dcmview Starlette application.

    Parameters
    ----------
    catalog : Catalog
        What :func:`dcmview.sdk.catalog.scan` found (it may still be scanning).
    rois : RoiSet, optional
        Annotations to serve and edit; an empty set is made on the first edit.
    token : str or None
        The access token every ``/api/*`` request must send as
        ``Authorization: Bearer``; None disables the check (``--no-token``).
    cache : ByteCache, optional
        The shared byte-budget cache; pass the one the catalog's instances use so
        decoded frames are found. A new one of the default budget otherwise.
    bound_host : str, optional
        The address the server listens on, accepted as a Host name.
    allow_hosts : iterable of str
        Further Host names to accept (``--allow-host``).
    static_dir : path, optional
        The built viewer; ``server/static`` of the package by default.
    decode_workers : int, optional
        Jobs decoding at once; one per core by default.
    tunnel_host : str, optional
        The SSH host of ``--tunnel``, reported by ``/api/files``.
    activity : Activity, optional
        Request counter for the idle timeout (the CLI passes its own).

    Returns
    -------
    Starlette
        The ASGI application.
    """
    start_ms = int(time.time() * 1000)
    state = ServerState(
        catalog=catalog,
        rois=rois,
        cache=cache if cache is not None else ByteCache(DEFAULT_BUDGET),
        pool=DecodePool(decode_workers),
        server_start_ms=start_ms,
        activity=activity if activity is not None else Activity(),
        tunnel_host=tunnel_host,
    )
    routes: list[BaseRoute] = list(API_ROUTES)
    static = Path(static_dir) if static_dir is not None else STATIC_DIR
    if (static / "index.html").is_file():
        # StaticFiles (ViewerFiles' base) resolves every path inside `static` (no
        # traversal, no symlinks out of it) and answers 404 otherwise.
        routes.append(Mount("/", app=ViewerFiles(directory=static, html=True), name="static"))
    else:
        routes.append(Route("/", _no_bundle, methods=["GET", "HEAD"]))
    app = Starlette(
        routes=routes,
        middleware=[
            Middleware(
                SecurityMiddleware,
                token=token,
                bound_host=bound_host,
                allow_hosts=tuple(allow_hosts),
                server_instance=str(start_ms),
                activity=state.activity,
            )
        ],
        exception_handlers=exception_handlers(),  # type: ignore[arg-type]  # handler signatures
    )
    app.state.dcmview = state
    app.state.version = __version__
    return app


def warm_up() -> None:
    """Import what the first requests would otherwise wait for: decoding, rendering, anyio's loop.

    The decoding and rendering stack takes ≈0.2 s. anyio loads its asyncio backend
    (≈25 ms of imports) on the first ``to_thread.run_sync``, which the very first
    request makes (the page, through StaticFiles): measured over the loopback, the
    first answer of a fresh server took 40–60 ms before, 10–30 ms after.
    The CLI runs this before the server listens.
    """
    from dcmview.sdk.frame import preload

    preload()
    # The module anyio's own get_async_backend() imports; private, hence optional.
    with contextlib.suppress(ImportError):
        importlib.import_module("anyio._backends._asyncio")


async def _no_bundle(request: Request) -> Response:
    return HTMLResponse(_NO_BUNDLE_PAGE)
