"""The predecessor-compatibility harness: ``dcmview-py`` 0.4.1 and this checkout side by side.

dcmview keeps the predecessor's CLI and HTTP API. These helpers start both servers on the
same folder and compare their answers route by route: same status, same media type, and
every JSON field name the predecessor has present in ours (ours may add fields).

The predecessor is a pip package carrying a Rust binary. :func:`predecessor_binary` uses
``$DCMVIEW_PREDECESSOR`` when it names the binary, else installs ``dcmview-py==0.4.1``
into ``.cache/predecessor-0.4.1/`` (once; PyPI is needed the first time). In CI a missing
predecessor fails the tests; elsewhere they skip with the reason.
"""

from __future__ import annotations

import fcntl
import os
import re
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from tests.e2e.helpers import Server, start_server

PREDECESSOR_VERSION = "0.4.1"
PACKAGE = f"dcmview-py=={PREDECESSOR_VERSION}"
ROOT = Path(__file__).resolve().parents[2]
VENV = ROOT / ".cache" / f"predecessor-{PREDECESSOR_VERSION}"
STARTUP_TIMEOUT_S = 60.0


class PredecessorUnavailable(RuntimeError):
    """The predecessor could not be found or installed here."""


def _binary_in(venv: Path) -> Path | None:
    found = sorted(venv.glob("lib/python*/site-packages/dcmview_py/bin/dcmview"))
    return found[0] if found else None


def predecessor_binary() -> Path:
    """The predecessor's ``dcmview`` binary, installing it into ``.cache`` when missing.

    Raises
    ------
    PredecessorUnavailable
        When ``$DCMVIEW_PREDECESSOR`` names no file, or pip cannot install the package.
    """
    given = os.environ.get("DCMVIEW_PREDECESSOR")
    if given:
        path = Path(given)
        if not path.is_file():
            raise PredecessorUnavailable(f"$DCMVIEW_PREDECESSOR={given} is not a file")
        return path
    VENV.parent.mkdir(parents=True, exist_ok=True)
    # pytest-xdist workers may all get here at once: one installs, the others wait.
    with open(VENV.parent / f"predecessor-{PREDECESSOR_VERSION}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        return _installed()


def _installed() -> Path:
    found = _binary_in(VENV)
    if found is not None:
        return found
    # A venv of its own: the predecessor's wheel must not touch this checkout's environment.
    steps = [
        [sys.executable, "-m", "venv", str(VENV)],
        [str(VENV / "bin" / "python"), "-m", "pip", "install", "-q", PACKAGE],
    ]
    for cmd in steps:
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
        if done.returncode != 0:
            raise PredecessorUnavailable(
                f"installing {PACKAGE} failed: {' '.join(cmd)}\n{done.stderr[-2000:]}"
            )
    found = _binary_in(VENV)
    if found is None:
        raise PredecessorUnavailable(f"{PACKAGE} installed no binary under {VENV}")
    return found


_URL = re.compile(r"server running at (http://127\.0\.0\.1:\d+)/#token=([\w-]+)")


def start_predecessor(binary: Path, paths: list[Path], *extra: str) -> Server:
    """Start the predecessor on ``paths``; return once its scan is complete.

    The same :class:`~tests.e2e.helpers.Server` record as ours: its output (stdout and
    stderr together) is kept in ``stderr``.
    """
    proc = subprocess.Popen(
        [str(binary), "--no-browser", "--port", "0", *extra, *[str(p) for p in paths]],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        bufsize=1,
    )
    assert proc.stdout is not None
    output: list[str] = []
    found: list[tuple[str, str]] = []
    ready = threading.Event()

    def read() -> None:
        # Keeps draining after the URL line so the process never blocks on a full pipe.
        for line in proc.stdout or []:
            output.append(line)
            m = _URL.search(line)
            if m and not found:
                found.append((m.group(1), m.group(2)))
                ready.set()
        ready.set()

    threading.Thread(target=read, daemon=True).start()
    if not ready.wait(STARTUP_TIMEOUT_S) or not found:
        proc.kill()
        proc.wait()
        raise RuntimeError("the predecessor did not start:\n" + "".join(output))
    base, token = found[0]
    prev = Server(proc, base, token, f"{base}/#token={token}", output)
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    with prev.client() as c:
        while not c.get("/api/files").json().get("scan_complete"):
            if time.monotonic() > deadline:
                prev.stop()
                raise RuntimeError("the predecessor's scan did not complete")
            time.sleep(0.1)
    return prev


def _indices(client: httpx.Client, root: Path) -> dict[str, int]:
    files = client.get("/api/files").json()["files"]
    out: dict[str, int] = {}
    for f in files:
        path = Path(f["path"])
        rel = path.relative_to(root) if path.is_absolute() and path.is_relative_to(root) else path
        out[rel.as_posix()] = int(f["index"])
    return out


@dataclass
class Pair:
    """This checkout's server and the predecessor, on the same folder."""

    root: Path
    ours: httpx.Client
    prev: httpx.Client
    _ours_index: dict[str, int] = field(default_factory=dict)
    _prev_index: dict[str, int] = field(default_factory=dict)

    def index(self, rel_path: str) -> tuple[int, int]:
        """The file index of ``rel_path`` (relative to the corpus root) in ours and in theirs."""
        if not self._ours_index:
            self._ours_index = _indices(self.ours, self.root)
            self._prev_index = _indices(self.prev, self.root)
        try:
            return self._ours_index[rel_path], self._prev_index[rel_path]
        except KeyError:
            raise KeyError(f"{rel_path} is not listed by both servers") from None

    def get(
        self, template: str, rel_path: str | None = None, **params: Any
    ) -> tuple[httpx.Response, httpx.Response]:
        """The same GET on both; ``{i}`` in ``template`` is each one's index of ``rel_path``."""
        if "{i}" in template:
            if rel_path is None:
                raise ValueError("a template with {i} needs rel_path")
            ours_i, prev_i = self.index(rel_path)
            return (
                self.ours.get(template.replace("{i}", str(ours_i)), params=params),
                self.prev.get(template.replace("{i}", str(prev_i)), params=params),
            )
        return self.ours.get(template, params=params), self.prev.get(template, params=params)


@dataclass
class Running:
    """Both server processes behind a :class:`Pair`, for the fixture to stop."""

    ours: Server
    prev: Server

    def stop(self) -> None:
        self.ours.stop()
        self.prev.stop()


def start_pair(root: Path, *extra: str) -> Iterator[Pair]:
    """Start both servers on ``root`` with the same extra options; yield the pair; stop both."""
    binary = predecessor_binary()
    running = Running(start_server([root], *extra), start_predecessor(binary, [root], *extra))
    try:
        with running.ours.client() as ours, running.prev.client() as prev:
            yield Pair(root, ours, prev)
    finally:
        running.stop()


def media_type(response: httpx.Response) -> str:
    """The response's media type without parameters (``application/json``)."""
    return response.headers.get("content-type", "").split(";")[0].strip().lower()


def field_paths(value: Any, prefix: str = "") -> set[str]:
    """Every field name in a JSON value as a dotted path; arrays by their first element."""
    out: set[str] = set()
    if isinstance(value, dict):
        for key, item in value.items():
            path = f"{prefix}.{key}" if prefix else key
            out.add(path)
            out |= field_paths(item, path)
    elif isinstance(value, list) and value:
        out |= field_paths(value[0], f"{prefix}[]")
    return out


def assert_compatible(ours: httpx.Response, prev: httpx.Response, *, superset: bool = True) -> None:
    """Assert that ours answers as the predecessor does: status, media type, JSON field names.

    With ``superset`` ours may carry fields the predecessor lacks; without it the field
    sets must be equal.
    """
    where = f"{prev.request.method} {prev.request.url.path}"
    assert ours.status_code == prev.status_code, (
        f"{where}: status {ours.status_code}, predecessor {prev.status_code}\n"
        f"ours: {ours.text[:500]}\npredecessor: {prev.text[:500]}"
    )
    ours_type, prev_type = media_type(ours), media_type(prev)
    assert ours_type == prev_type, f"{where}: {ours_type} vs {prev_type}"
    if media_type(prev) != "application/json":
        return
    theirs, mine = field_paths(prev.json()), field_paths(ours.json())
    missing = sorted(theirs - mine)
    assert not missing, f"{where}: fields the predecessor has and ours lacks: {missing}"
    if not superset:
        extra = sorted(mine - theirs)
        assert not extra, f"{where}: fields ours has and the predecessor lacks: {extra}"
