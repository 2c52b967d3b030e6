"""A worker process that runs every SDK entry point on one file, and its parent-side handle.

Fuzzed files can make a codec hang, exhaust memory or crash the interpreter
(a C codec reading out of bounds). None of that may happen in the test
process itself, so every case runs in a long-lived child process
(``python -m tests.reliability.sandbox``) that reads one JSON request per line
on stdin and answers one JSON line on stdout. The parent (:class:`Sandbox`)
waits for each answer with a deadline: no answer in time is a *hang*, a dead
child is a *crash*; both fail the case and the child is started again.

The child limits its address space (``RLIMIT_AS``), so a decoder that tries to
allocate gigabytes gets a MemoryError instead of taking the machine down, and
it reports its peak RSS per case (``VmHWM`` of ``/proc/self/status``, reset
before each case through ``/proc/self/clear_refs``).

What counts as a correct outcome (issue 7): every entry point returns a result
or raises a :class:`~dcmview.sdk.errors.DcmviewError` subclass; the tag tree and
the header are JSON-ready (``json.dumps(..., allow_nan=False)``, as Starlette's
JSONResponse does); nothing else may escape.
"""

from __future__ import annotations

import contextlib
import json
import os
import select
import subprocess
import sys
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
#: Address-space limit of the child: room for numpy, the codecs and one 1 GiB
#: frame (the SDK's own per-frame limit), far below what would hurt the machine.
ADDRESS_SPACE = 4 << 30
#: Frames decoded per file: the first, the second and the last.
FRAMES_PER_FILE = 3


# -- child side ----------------------------------------------------------------


def _peak_reset() -> None:
    try:
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")  # 5: reset the peak resident set size (proc(5))
    except OSError:
        pass


def _peak_kib() -> int:
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def _step(name: str, fn: Any, steps: list[list[str]], unexpected: list[str]) -> Any:
    """Run one entry point; note its outcome (``ok`` or the error code)."""
    from dcmview.sdk.errors import DcmviewError

    try:
        value = fn()
    except DcmviewError as exc:
        steps.append([name, exc.code])
        if not isinstance(exc.message, str) or not exc.message:
            unexpected.append(f"{name}: {type(exc).__name__} without a message")
        return None
    except Exception as exc:  # the property under test: nothing else escapes
        steps.append([name, f"UNEXPECTED {type(exc).__name__}"])
        unexpected.append(f"{name}: {''.join(traceback.format_exception(exc))}")
        return None
    steps.append([name, "ok"])
    return value


def _json_ready(name: str, value: Any, unexpected: list[str]) -> None:
    try:
        json.dumps(value, allow_nan=False)
    except (TypeError, ValueError) as exc:
        unexpected.append(f"{name} is not JSON-ready: {exc}")


def _header_dict(header: Any) -> dict[str, Any]:
    from dataclasses import asdict

    return asdict(header)


def run_file(path: str) -> dict[str, Any]:
    """Run scan, open, tags and frame decodes on `path`; return the outcomes."""
    from dcmview.sdk.catalog import scan
    from dcmview.sdk.instance import open as sdk_open

    steps: list[list[str]] = []
    unexpected: list[str] = []

    catalog = _step("scan", lambda: scan(path), steps, unexpected)
    if catalog is not None:
        if len(catalog) + len(catalog.skipped) != 1:
            unexpected.append(
                f"scan listed {len(catalog)} and skipped {len(catalog.skipped)} for one file"
            )
        if len(catalog):
            _json_ready("catalog header", _header_dict(catalog.header(0)), unexpected)
            listed = _step("catalog[0]", lambda: catalog[0], steps, unexpected)
            if listed is not None:
                _frames("scanned", listed, steps, unexpected)

    inst = _step("open", lambda: sdk_open(path), steps, unexpected)
    if inst is not None:
        header = _step("header", lambda: inst.header, steps, unexpected)
        if header is not None:
            _json_ready("header", _header_dict(header), unexpected)
        _step("properties", lambda: _properties(inst), steps, unexpected)
        tags = _step("tags", inst.tags, steps, unexpected)
        if tags is not None:
            _json_ready("tags", tags, unexpected)
        _frames("opened", inst, steps, unexpected)
    return {"steps": steps, "unexpected": unexpected}


PROPERTIES = (
    "rows",
    "columns",
    "number_of_frames",
    "samples_per_pixel",
    "bits_allocated",
    "bits_stored",
    "pixel_representation",
    "photometric_interpretation",
    "transfer_syntax_uid",
    "sop_class_uid",
    "sop_instance_uid",
    "has_pixels",
)


def _properties(inst: Any) -> dict[str, Any]:
    return {name: getattr(inst, name) for name in PROPERTIES}


def _frames(label: str, inst: Any, steps: list[list[str]], unexpected: list[str]) -> None:
    n = _step(f"{label}.len", lambda: len(inst), steps, unexpected)
    if not n:
        return
    for index in sorted({0, min(1, n - 1), n - 1})[:FRAMES_PER_FILE]:
        frame = _step(f"{label}.frame({index})", lambda i=index: inst.frame(i), steps, unexpected)
        if frame is None:
            continue
        arr = _step(f"{label}.frame({index}).array", frame.array, steps, unexpected)
        if arr is not None and arr.shape[:2] != (inst.rows, inst.columns):
            unexpected.append(
                f"{label}.frame({index}).array has shape {arr.shape} for a "
                f"{inst.rows}x{inst.columns} header"
            )
        _step(
            f"{label}.frame({index}).default_window",
            lambda f=frame: f.default_window(),
            steps,
            unexpected,
        )
        if arr is None:
            # The PNG would decode again and fail the same way: a corrupt stream can
            # keep a codec busy for seconds (CharLS 2.4.3: 2.5 s on a 45x10 frame).
            continue
        png = _step(f"{label}.frame({index}).png", frame.png, steps, unexpected)
        if png is not None and not png.startswith(b"\x89PNG\r\n\x1a\n"):
            unexpected.append(f"{label}.frame({index}).png is not a PNG")
        _step(
            f"{label}.frame({index}).png(full)",
            lambda f=frame: f.png(window="full"),
            steps,
            unexpected,
        )


def run_roi_csv(path: str) -> dict[str, Any]:
    """Read an annotations CSV into a RoiSet and write it back."""
    import io

    from dcmview.sdk.roi import RoiSet

    steps: list[list[str]] = []
    unexpected: list[str] = []
    rois = _step("from_embed_csv", lambda: RoiSet.from_embed_csv(path), steps, unexpected)
    if rois is not None:
        buffer = io.StringIO()
        _step("to_embed_csv", lambda: rois.to_embed_csv(buffer), steps, unexpected)
        for key in list(rois)[:5]:
            _json_ready(
                "to_json",
                _step("to_json", lambda k=key: rois.to_json(k), steps, unexpected),
                unexpected,
            )
    return {"steps": steps, "unexpected": unexpected}


_OPS = {"file": run_file, "roi_csv": run_roi_csv}


def _child() -> None:
    import resource
    import warnings

    warnings.simplefilter("ignore")  # pydicom warns on every odd file; outcomes are what count
    resource.setrlimit(resource.RLIMIT_AS, (ADDRESS_SPACE, ADDRESS_SPACE))
    # Import before the first case, so the first deadline is not spent importing.
    import dcmview.sdk.catalog
    import dcmview.sdk.instance
    import dcmview.sdk.roi  # noqa: F401

    out = sys.stdout
    sys.stdout = sys.stderr  # nothing a library prints may corrupt the protocol
    for line in sys.stdin:
        request = json.loads(line)
        _peak_reset()
        started = time.perf_counter()
        answer = _OPS[request["op"]](request["path"])
        answer["seconds"] = time.perf_counter() - started
        answer["peak_kib"] = _peak_kib()
        out.write(json.dumps(answer) + "\n")
        out.flush()


# -- parent side ---------------------------------------------------------------


@dataclass
class Outcome:
    """What the child answered for one case (or why it did not)."""

    steps: list[list[str]] = field(default_factory=list)
    unexpected: list[str] = field(default_factory=list)
    seconds: float = 0.0
    peak_kib: int = 0
    failure: str = ""  # "hang: ..." or "crash: ..." when the child did not answer

    @property
    def problems(self) -> list[str]:
        """Everything that breaks the property: a hang, a crash, an unexpected error."""
        return ([self.failure] if self.failure else []) + self.unexpected

    def codes(self) -> dict[str, str]:
        """Step name -> ``ok`` or the DcmviewError code."""
        return dict(self.steps)


def _cpu_seconds(pid: int) -> float:
    """The CPU time (user + system) a process has used, from /proc."""
    try:
        with open(f"/proc/{pid}/stat") as fh:
            fields = fh.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _wait_for_answer(proc: subprocess.Popen[str], deadline: float) -> str | None:
    """Wait for the child's answer; return why it counts as a hang, or None once it answered.

    A hang is a case that spends `deadline` seconds of the child's CPU (a loop), or
    that stops using CPU for 5 s once `deadline` wall seconds have passed (a deadlock).
    Wall time alone is not the measure: on a loaded 2-core machine a case that needs
    a few seconds of CPU can wait longer than the deadline for a core.
    """
    assert proc.stdout is not None
    start, cpu0 = time.monotonic(), _cpu_seconds(proc.pid)
    last_cpu, last_progress = cpu0, start
    while True:
        ready, _, _ = select.select([proc.stdout], [], [], 1.0)
        if ready:
            return None
        now, cpu = time.monotonic(), _cpu_seconds(proc.pid)
        if cpu > last_cpu:
            last_cpu, last_progress = cpu, now
        if cpu - cpu0 >= deadline:
            return f"hang: {cpu - cpu0:.0f} s of CPU and no answer"
        if now - start >= deadline and now - last_progress >= 5.0:
            return f"hang: no answer within {now - start:.0f} s, and no CPU used for 5 s"
        if now - start >= 4 * deadline:
            return f"hang: no answer within {now - start:.0f} s"


class Sandbox:
    """A child process that runs SDK cases with a deadline each; restarted after a failure.

    Parameters
    ----------
    timeout : float
        Seconds one case may take before it counts as a hang.
    """

    def __init__(self, timeout: float = 30.0) -> None:
        self.timeout = timeout
        self._proc: subprocess.Popen[str] | None = None

    def _start(self) -> subprocess.Popen[str]:
        env = {**os.environ, "PYTHONPATH": str(REPO), "DCMVIEW_J2K_THREADS": "1"}
        proc = subprocess.Popen(
            [sys.executable, "-m", "tests.reliability.sandbox"],
            cwd=REPO,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        self._proc = proc
        return proc

    def run(self, op: str, path: str | os.PathLike[str]) -> Outcome:
        """Run `op` (``file`` or ``roi_csv``) on `path` and return the outcome."""
        proc = self._proc if self._proc is not None and self._proc.poll() is None else None
        proc = proc or self._start()
        assert proc.stdin is not None
        assert proc.stdout is not None
        try:
            proc.stdin.write(json.dumps({"op": op, "path": os.fspath(path)}) + "\n")
            proc.stdin.flush()
        except BrokenPipeError:
            return self._failed(f"crash: the worker died before the case (exit {proc.wait()})")
        # The first case also pays for starting Python and importing the SDK.
        deadline = self.timeout + (20.0 if proc.pid and not getattr(proc, "_warm", False) else 0)
        hang = _wait_for_answer(proc, deadline)
        if hang:
            return self._failed(hang)
        line = proc.stdout.readline()
        if not line:
            code = proc.wait()
            return self._failed(f"crash: the worker died (exit status {code}) on this input")
        proc._warm = True  # type: ignore[attr-defined]
        answer = json.loads(line)
        return Outcome(
            steps=answer["steps"],
            unexpected=answer["unexpected"],
            seconds=answer["seconds"],
            peak_kib=answer["peak_kib"],
        )

    def _failed(self, why: str) -> Outcome:
        self.close()
        return Outcome(failure=why)

    def close(self) -> None:
        """Stop the child (it is started again by the next case)."""
        proc, self._proc = self._proc, None
        if proc is None:
            return
        if proc.poll() is None:
            proc.kill()
        proc.wait()
        for stream in (proc.stdin, proc.stdout):
            if stream is not None:
                with contextlib.suppress(OSError):
                    stream.close()


if __name__ == "__main__":
    _child()
