"""The real ``dcmview`` process for the reliability tests: start, talk to, stop, inspect.

Tests of the running server go through the CLI exactly as a user starts it
(``python -m dcmview --no-browser --port 0 --startup-json ...``); the base URL and
token come from the ``server_started`` JSON line, the end of the scan from
``scan_complete``. stderr is collected in a thread and shown when a test fails.
"""

from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

REPO = Path(__file__).resolve().parents[2]
STARTUP_TIMEOUT_S = 60


@dataclass
class Server:
    """A running ``dcmview`` process and what its startup JSON said."""

    proc: subprocess.Popen[str]
    base_url: str
    token: str
    started: dict[str, Any]
    events: list[dict[str, Any]] = field(default_factory=list)
    stderr: list[str] = field(default_factory=list)

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def client(self, **kwargs: Any) -> httpx.Client:
        """An httpx client with the token, for the base URL."""
        return httpx.Client(base_url=self.base_url, headers=self.auth, timeout=60, **kwargs)

    def log(self) -> str:
        return "".join(self.stderr[-60:])

    def vm_kib(self, field_name: str = "VmHWM") -> int:
        """A memory figure of the server process from /proc/PID/status, in KiB."""
        with open(f"/proc/{self.proc.pid}/status") as fh:
            for line in fh:
                if line.startswith(field_name + ":"):
                    return int(line.split()[1])
        raise LookupError(field_name)

    def stop(self) -> int:
        """SIGTERM, then the exit status (the contract: 0 after SIGTERM)."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                return self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                raise AssertionError(f"dcmview did not stop on SIGTERM\n{self.log()}") from None
        return self.proc.returncode


def _pump(stream: Any, sink: queue.Queue[str] | list[str]) -> None:
    for line in stream:
        if isinstance(sink, list):
            sink.append(line)
        else:
            sink.put(line)


@contextmanager
def running(*args: str, env: dict[str, str] | None = None) -> Iterator[Server]:
    """Start ``dcmview ARGS`` and yield it once its scan is complete; stop it after."""
    cmd = [sys.executable, "-m", "dcmview", "--no-browser", "--startup-json", *args]
    if "--unix-socket" not in args:
        cmd[4:4] = ["--port", "0"]
    proc = subprocess.Popen(
        cmd,
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})},
    )
    lines: queue.Queue[str] = queue.Queue()
    stderr: list[str] = []
    pumps = [
        threading.Thread(target=_pump, args=(proc.stdout, lines), daemon=True),
        threading.Thread(target=_pump, args=(proc.stderr, stderr), daemon=True),
    ]
    for pump in pumps:
        pump.start()
    events: list[dict[str, Any]] = []
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    started: dict[str, Any] | None = None
    try:
        while time.monotonic() < deadline:
            try:
                line = lines.get(timeout=0.5)
            except queue.Empty:
                if proc.poll() is not None:
                    break
                continue
            if not line.startswith("{"):
                continue
            event = json.loads(line)
            events.append(event)
            if event["type"] == "server_started":
                started = event
            elif event["type"] == "scan_complete":
                break
        if started is None or not any(e["type"] == "scan_complete" for e in events):
            proc.kill()
            proc.wait()
            raise AssertionError(
                f"dcmview did not start and scan within {STARTUP_TIMEOUT_S} s "
                f"(exit {proc.returncode}):\n{''.join(stderr)}"
            )
        server = Server(proc, started["base_url"] or "", started["token"] or "", started, events)
        server.stderr = stderr
        yield server
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        for pump in pumps:
            pump.join(timeout=5)
        for stream in (proc.stdout, proc.stderr):
            if stream is not None:
                stream.close()
