"""What the side-by-side benchmarks share: the two servers as processes, turns, the table.

"ours" is ``python -m dcmview`` of this checkout (the running interpreter's); "prev"
is the predecessor, ``dcmview-py`` 0.4.1: install it in a separate venv
(``python3 -m venv /tmp/prev && /tmp/prev/bin/pip install dcmview-py==0.4.1``) and
pass its binary with ``--prev`` or ``DCMVIEW_PREV_BIN``.
"""

from __future__ import annotations

import os
import re
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

import httpx

T = TypeVar("T")

PREV_BIN = os.environ.get(
    "DCMVIEW_PREV_BIN", "/tmp/prev/lib/python3.11/site-packages/dcmview_py/bin/dcmview"
)
# Both print this line (ours also in its JSON events); the token is in the fragment.
URL_LINE = re.compile(r"server running at (http://[^/]+)/#token=(\S+)")


def viewers(prev_bin: str, only: str | None = None) -> list[str]:
    """The servers to measure: ours, and the predecessor when its binary is there."""
    if only:
        return [only]
    if Path(prev_bin).is_file():
        return ["prev", "ours"]
    print(f"(no predecessor at {prev_bin}: measuring ours alone)", file=sys.stderr)
    return ["ours"]


class Server:
    """One server process on `paths`, started, read until it prints its URL, scan finished.

    Parameters
    ----------
    name : {"ours", "prev"}
        Which server.
    paths : sequence of path
        What it serves.
    prev_bin : str
        The predecessor's binary.
    args : sequence of str
        More command-line options (``--cache-budget 256MiB``).
    """

    def __init__(
        self, name: str, paths: Sequence[Path], prev_bin: str = PREV_BIN, args: Sequence[str] = ()
    ) -> None:
        self.name = name
        program = [sys.executable, "-m", "dcmview"] if name == "ours" else [prev_bin]
        cmd = [*program, "--no-browser", "--port", "0", *args, *map(str, paths)]
        self.proc = subprocess.Popen(
            cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
        )
        try:
            self._connect(cmd)
        except BaseException:
            self.proc.kill()
            self.proc.wait()
            raise

    def _connect(self, cmd: list[str]) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            match = URL_LINE.search(line)
            if match:
                self.base, self.token = match.group(1), match.group(2)
                break
        else:
            raise RuntimeError(f"{self.name} did not start: {' '.join(cmd)}")
        # Keep reading, so that a chatty server never blocks on a full pipe.
        threading.Thread(target=self.proc.stdout.read, daemon=True).start()
        self.http = httpx.Client(
            base_url=self.base,
            headers={"Authorization": f"Bearer {self.token}", "Accept-Encoding": "identity"},
            timeout=120,
        )
        deadline = time.monotonic() + 120
        while True:
            files = self.http.get("/api/files").json()
            if files.get("scan_complete", True) or time.monotonic() > deadline:
                break
            time.sleep(0.05)
        self.index = {Path(f["path"]).name: f["index"] for f in files["files"]}

    @property
    def port(self) -> int:
        return int(self.base.rsplit(":", 1)[1])

    def url(self, port: int | None = None) -> str:
        """The viewer's URL with the token, on `port` (a proxy's) instead of the server's."""
        base = self.base if port is None else f"http://127.0.0.1:{port}"
        return f"{base}/#token={self.token}"

    def get(self, path: str, **kw: object) -> httpx.Response:
        r = self.http.get(path, **kw)  # type: ignore[arg-type]
        r.raise_for_status()
        return r

    def peak_rss_mib(self) -> float:
        """VmHWM of the process (Linux)."""
        for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
        return float("nan")

    def close(self) -> None:
        self.http.close()
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def __enter__(self) -> Server:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def alternate(runs: int, names: Sequence[str], measure: Callable[[str], T]) -> dict[str, list[T]]:
    """``measure(name)`` `runs` times for each name, taking turns.

    On a shared machine the load of other processes comes and goes; taking turns
    lets it fall on every server alike, and medians do the rest.
    """
    values: dict[str, list[T]] = {name: [] for name in names}
    for _ in range(runs):
        for name in names:
            values[name].append(measure(name))
    return values


@dataclass
class Row:
    """One line of the table: a measure's runs per server."""

    label: str
    values: dict[str, list[float]]
    fmt: str = "{:.3f}"
    # The ratio compares ours with this server's column; set None for no ratio.
    baseline: str | None = "prev"
    note: str = field(default="")


def median(values: Iterable[float]) -> float:
    v = [x for x in values if x == x]  # NaN: a run that did not get there
    return statistics.median(v) if v else float("nan")


def print_table(rows: Sequence[Row], runs: int) -> None:
    """The medians as a Markdown table, with ours / predecessor, then every run."""
    print()
    print(f"| measure (median of {runs}) | predecessor | dcmview | ratio |")
    print("|---|---:|---:|---:|")
    for row in rows:
        cells = []
        for name in ("prev", "ours"):
            cells.append(row.fmt.format(median(row.values[name])) if name in row.values else "–")
        ratio = "–"
        if row.baseline in row.values and "ours" in row.values:
            base = median(row.values[row.baseline])
            if base:
                ratio = f"{median(row.values['ours']) / base:.2f}"
        label = row.label + (f" ({row.note})" if row.note else "")
        print(f"| {label} | {cells[0]} | {cells[1]} | {ratio} |")
    print()
    for row in rows:
        runs_text = "  ".join(
            f"{name}: {[float(row.fmt.format(x)) for x in v]}" for name, v in row.values.items()
        )
        print(f"  {row.label}: {runs_text}")
