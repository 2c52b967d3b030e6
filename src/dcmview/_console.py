"""Console: the start-up output of the server, ``dcmview: ...`` lines, JSON events, one-line errors.

The lines go to stdout in the predecessor's wording, so scripts that parse them
keep working; ``--startup-json`` adds one JSON object per event. Progress and
problems go to stderr.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
import threading
from typing import IO, Any

__all__ = ["Console"]


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
