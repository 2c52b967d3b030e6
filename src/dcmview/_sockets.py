"""The server's socket: bind TCP (with TCP_NODELAY) or a private Unix socket; ListenError;
the ``ssh -L`` forward of ``--tunnel``.

The runner binds the socket itself, before uvicorn starts, so that it can print
the port it got (``--port 0``) and refuse a socket path it must not replace.
"""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import socket
import stat
import subprocess
from collections.abc import Callable

__all__ = ["ListenError", "bind_tcp", "bind_unix", "start_tunnel", "unlink", "url_host"]


class ListenError(OSError):
    """The server cannot listen where asked: an address in use, no permission, a file in the way.

    An :class:`OSError` with the ``errno`` of the failed call (when there was
    one); :func:`dcmview.view` raises it as it is, the ``dcmview`` command
    prints its message and exits with 1.
    """


def bind_tcp(host: str, port: int) -> socket.socket:
    """A listening, non-blocking TCP socket on `host`:`port` (port 0: a free one)."""
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
        raise _listen_error(
            f"cannot listen on {host}:{port}: {exc.strerror or exc}", exc.errno
        ) from exc
    sock.listen(128)
    sock.setblocking(False)
    return sock


def bind_unix(path: str) -> socket.socket:
    """A listening, non-blocking Unix socket at `path`, mode 0600.

    The socket file of a server that is gone is replaced; any other file is not.
    """
    if os.path.lexists(path):
        if not stat.S_ISSOCK(os.lstat(path).st_mode):
            raise _listen_error(
                f"--unix-socket {path} exists and is not a socket; not replacing it", errno.EEXIST
            )
        probe = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            probe.connect(path)
        except OSError:
            os.unlink(path)  # a stale socket of a server that is gone
        else:
            raise _listen_error(
                f"--unix-socket {path} is in use by another server", errno.EADDRINUSE
            )
        finally:
            probe.close()
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    # umask before bind: the socket is never visible with wider permissions.
    old = os.umask(0o177)
    try:
        sock.bind(path)
    except OSError as exc:
        sock.close()
        raise _listen_error(f"cannot listen on {path}: {exc.strerror or exc}", exc.errno) from exc
    finally:
        os.umask(old)
    os.chmod(path, 0o600)
    sock.listen(128)
    sock.setblocking(False)
    return sock


def _listen_error(text: str, code: int | None) -> ListenError:
    error = ListenError(text)
    # The errno alone: with strerror set too, str() would become "[Errno 98] ...".
    error.errno = code
    return error


def unlink(path: str) -> None:
    """Remove the socket file, if it is still there."""
    with contextlib.suppress(FileNotFoundError):
        os.unlink(path)


def url_host(host: str) -> str:
    """`host` as a URL names it: a wildcard address as 127.0.0.1, IPv6 in brackets."""
    if host in {"0.0.0.0", "::", ""}:
        return "127.0.0.1"
    return f"[{host}]" if ":" in host else host


def start_tunnel(host: str, local_port: int, remote_port: int) -> Callable[[], None]:
    """Forward ``local_port`` of `host` to this machine's `remote_port` (``ssh -N -L``).

    Returns the function that stops the forward. Without an ``ssh`` command: a
    :class:`ListenError` (the server cannot be reached where asked).
    """
    ssh = shutil.which("ssh")
    if ssh is None:
        raise ListenError("--tunnel needs the ssh command, which is not on PATH")
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
