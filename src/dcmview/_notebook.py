"""Where a notebook's browser reaches the viewer: directly, through jupyter-server-proxy, or Colab.

:func:`dcmview.view` runs the server in the kernel's process, on the kernel's
loopback. When the kernel is remote (JupyterHub, a lab's JupyterLab behind its
proxy, Colab) the browser cannot open ``127.0.0.1:PORT``; it can open the
notebook server's own origin, and jupyter-server-proxy forwards
``{base_url}proxy/{port}/...`` there to ``localhost:{port}/...`` (prefix
removed). The viewer's page loads its assets and API with relative URLs, so it
works under that prefix unchanged.

The proxy forwards the browser's ``Host`` (the hub's or lab's public name), so
the viewer must accept that name, and no other: :class:`ProxyPlan` carries the
names learned from the configuration (``JUPYTERHUB_PUBLIC_URL``,
``JUPYTERHUB_HOST``, the URL given as ``proxy=``), added to the Host allow-list
of the server. The token still travels in the URL fragment and is still required.

Detection (``proxy=None``): the kernel runs under a Jupyter Server (its runtime
file names the kernel's parent process) and a request through that server's
``proxy/{port}/`` reaches this viewer (:func:`probe`). Colab has its own
kernel-port proxy (``google.colab.kernel.proxyPort``).
"""

from __future__ import annotations

import os
import sys
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from typing import Any

__all__ = ["ProxyPlan", "in_colab", "in_notebook", "plan_proxy", "probe"]


@dataclass
class ProxyPlan:
    """How the browser will reach the viewer through a notebook server.

    Attributes
    ----------
    kind : str
        ``"jupyter"`` (jupyter-server-proxy) or ``"colab"``.
    prefix : str
        For ``"jupyter"``: the notebook server's base URL as the browser sees it:
        ``/user/me/`` (relative to the notebook page's origin) or
        ``https://hub.example.org/user/me/``. For ``"colab"``: the proxy URL.
    hosts : list of str
        Host names to accept besides the loopback ones.
    explicit : bool
        Asked for (``proxy=True`` or a URL): used without probing.
    server : dict or None
        The Jupyter Server's runtime record (``url``, ``token``, ...), for :func:`probe`.
    """

    kind: str
    prefix: str
    hosts: list[str] = field(default_factory=list)
    explicit: bool = False
    server: dict[str, Any] | None = None

    def url(self, port: int) -> str:
        """The viewer's page through the proxy, without the token (ends with ``/``)."""
        if self.kind == "colab":
            return self.prefix if self.prefix.endswith("/") else self.prefix + "/"
        return f"{self.prefix}proxy/{port}/"


def in_notebook() -> bool:
    """Whether this is a Jupyter kernel (IPython's ZMQ shell)."""
    ipython = sys.modules.get("IPython")
    if ipython is None:
        return False
    shell = ipython.get_ipython()
    return shell is not None and type(shell).__name__ == "ZMQInteractiveShell"


def in_colab() -> bool:
    """Whether this kernel is Google Colab's."""
    return "google.colab" in sys.modules


def _host_of(url: str | None) -> str | None:
    if not url:
        return None
    if "://" not in url:
        url = "//" + url  # JUPYTERHUB_HOST may be a bare name
    host = urllib.parse.urlsplit(url).hostname
    return host.lower() if host else None


def _slash(path: str) -> str:
    return path if path.endswith("/") else path + "/"


def _jupyter_server() -> dict[str, Any] | None:
    """The runtime record of the Jupyter Server that started this kernel, if one did."""
    try:
        from jupyter_server.serverapp import list_running_servers  # optional
    except ImportError:
        return None
    parent = os.getppid()
    try:
        for info in list_running_servers():
            if info.get("pid") == parent:
                return dict(info)
    except Exception:  # a stale or unreadable runtime file: as if none
        return None
    return None


def plan_proxy(proxy: bool | str | None, *, colab_port: int | None = None) -> ProxyPlan | None:
    """Decide how the browser reaches the viewer, before the server starts.

    Parameters
    ----------
    proxy : bool, str or None
        None: detect (a notebook kernel under a Jupyter Server or Colab); False:
        no proxy; True: jupyter-server-proxy at the detected base URL (``/`` when
        none is found); a string: the notebook server's URL as the browser sees
        it (``https://hub.example.org/user/me/``) or its base path
        (``/user/me/``), or ``"colab"``.
    colab_port : int, optional
        The port the viewer will listen on (Colab's proxy URL names it).

    Returns
    -------
    ProxyPlan or None
        None: the browser opens the viewer directly.
    """
    if proxy is False:
        return None
    if proxy == "colab" or (proxy is None and in_colab()):
        if colab_port is None:
            return None
        return _colab_plan(colab_port, explicit=proxy == "colab")
    hub_prefix = os.environ.get("JUPYTERHUB_SERVICE_PREFIX")
    hosts = [
        h
        for h in (
            _host_of(os.environ.get("JUPYTERHUB_PUBLIC_URL")),
            _host_of(os.environ.get("JUPYTERHUB_HOST")),
        )
        if h
    ]
    if proxy is None and not in_notebook():
        return None  # a script: nothing to detect (and no jupyter_server to import)
    server = _jupyter_server() if proxy is None or proxy is True else None
    if isinstance(proxy, str):
        host = _host_of(proxy) if "://" in proxy else None
        return ProxyPlan("jupyter", _slash(proxy), [*hosts, *([host] if host else [])], True)
    configured = str((server or {}).get("hostname") or "").lower()
    if configured not in ("", "0.0.0.0", "::"):
        hosts.append(configured)  # a Jupyter Server started with --ip=NAME
    public = os.environ.get("JUPYTERHUB_PUBLIC_URL")
    base = (server or {}).get("base_url") or hub_prefix or "/"
    prefix = _slash(public) if public else _slash(base)
    if proxy is True:
        return ProxyPlan("jupyter", prefix, hosts, True, server)
    if server is None and hub_prefix is None:
        return None
    return ProxyPlan("jupyter", prefix, hosts, False, server)


def _colab_plan(port: int, *, explicit: bool) -> ProxyPlan | None:
    try:
        from google.colab.output import eval_js  # type: ignore[import-not-found]  # Colab only
    except ImportError:
        return None
    # Colab's frontend gives each kernel port an address of its own origin.
    url = str(eval_js(f"google.colab.kernel.proxyPort({int(port)})"))
    host = _host_of(url)
    return ProxyPlan("colab", url, [host] if host else [], explicit)


def probe(plan: ProxyPlan, port: int, timeout: float = 3.0) -> bool:
    """Whether a request through the Jupyter Server's proxy reaches the viewer on `port`.

    Asks ``{server url}proxy/{port}/api/health`` on the server's own (loopback)
    address with the server's token (or ``JUPYTERHUB_API_TOKEN``): the viewer
    answers it with its ``X-Server-Instance`` header (a 401, as no viewer token
    is sent); without jupyter-server-proxy the notebook server answers 404.
    """
    server = plan.server
    if plan.kind != "jupyter" or server is None or not server.get("url"):
        return False
    url = f"{_slash(str(server['url']))}proxy/{port}/api/health"
    token = server.get("token") or os.environ.get("JUPYTERHUB_API_TOKEN") or ""
    request = urllib.request.Request(url, headers={"Authorization": f"token {token}"})
    try:
        with urllib.request.urlopen(
            request, timeout=timeout
        ) as resp:  # http(s) of the runtime file
            return resp.headers.get("X-Server-Instance") is not None
    except urllib.error.HTTPError as exc:
        return exc.headers.get("X-Server-Instance") is not None
    except (OSError, ValueError):
        return False


def iframe_html(url: str, height: int = 640) -> str:
    """The inline viewer: an iframe and a link that opens it in a tab."""
    import html

    src = html.escape(url, quote=True)
    return (
        f'<iframe src="{src}" width="100%" height="{int(height)}" style="border:0" '
        f'title="dcmview"></iframe><div><a href="{src}" target="_blank" '
        f'rel="noopener noreferrer">open dcmview in a new tab</a></div>'
    )
