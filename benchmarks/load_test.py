"""Load test: concurrent clients on a real dcmview server, errors, latency and peak memory.

Starts ``python -m dcmview --cache-budget BUDGET --startup-json DIR`` (the ci
corpus by default) and runs ``--clients`` threads, each with its own HTTP
connection, for ``--duration`` seconds. Every request is drawn at random from
the catalog: a PNG frame (the file's window, a random explicit window, or full
dynamic range), a raw frame (identity, zstd, zstd with byte planes), the tag
tree, a pixel probe or the file's info. Files the corpus marks ``broken`` (a
truncated file) answer their documented JSON error and are counted apart.

Pass criteria (issue 7): zero errors (transport errors, 5xx other than the
documented decode failure, or an answer that is not what the route serves);
peak RSS of the server (VmHWM of /proc/PID/status) at most budget + 250 MiB.
It prints p50/p95/p99 latency per kind of request and overall, and exits 1
when a criterion fails. Usage::

    .venv/bin/python benchmarks/load_test.py [DIR] [--clients 8] [--duration 60]
        [--budget 64MiB] [--seed 0]
"""

from __future__ import annotations

import argparse
import json
import random
import signal
import subprocess
import sys
import threading
import time
from collections import Counter, defaultdict
from pathlib import Path

import httpx
from _corpus import corpus

from dcmview.cli import parse_size

REPO = Path(__file__).resolve().parents[1]
OVERHEAD_MIB = 250
DOCUMENTED_DECODE_FAILURES = {"pixel_decode_failed", "file_unreadable"}


def default_corpus() -> Path:
    """The ci profile of the test corpus (built once into .cache/corpus)."""
    return corpus(None, "ci")


def start(folder: Path, budget: str) -> tuple[subprocess.Popen[str], str, str]:
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "dcmview",
            "--no-browser",
            "--port",
            "0",
            "--startup-json",
            "--cache-budget",
            budget,
            str(folder),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        cwd=REPO,
    )
    assert proc.stdout is not None
    base = token = ""
    for line in proc.stdout:
        if line.startswith("{"):
            event = json.loads(line)
            if event["type"] == "server_started":
                base, token = event["base_url"], event["token"]
            elif event["type"] == "scan_complete":
                return proc, base, token
    raise SystemExit("dcmview did not start")


def vm_kib(pid: int, name: str) -> int:
    with open(f"/proc/{pid}/status") as fh:
        for line in fh:
            if line.startswith(name + ":"):
                return int(line.split()[1])
    return 0


class Stats:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.latency: dict[str, list[float]] = defaultdict(list)
        self.errors: list[str] = []
        self.documented: Counter[str] = Counter()
        self.bytes = 0


def pick(rng: random.Random, files: list[dict]) -> tuple[str, str, str]:
    """(kind, path, expected content-type prefix) of one random request."""
    f = rng.choice(files)
    i, n = f["index"], max(f["frame_count"], 1)
    frame = rng.randrange(n)
    kind = rng.choices(
        ["png", "png-window", "png-full", "raw", "raw-zstd", "raw-planes", "tags", "pixel", "info"],
        weights=[3, 2, 1, 3, 2, 1, 2, 1, 1],
    )[0]
    if not f["has_pixels"] and kind not in {"tags", "info"}:
        kind = "tags"
    if kind == "png":
        return kind, f"/api/file/{i}/frame/{frame}", "image/png"
    if kind == "png-window":
        wc, ww = rng.uniform(-500, 3000), rng.uniform(1, 4000)
        return kind, f"/api/file/{i}/frame/{frame}?wc={wc:.1f}&ww={ww:.1f}", "image/png"
    if kind == "png-full":
        return kind, f"/api/file/{i}/frame/{frame}?mode=full_dynamic", "image/png"
    if kind.startswith("raw"):
        query = "?shuffle=bytes" if kind == "raw-planes" else ""
        return kind, f"/api/file/{i}/frame/{frame}/raw{query}", "application/octet-stream"
    if kind == "pixel":
        r, c = rng.randrange(max(f["rows"], 1)), rng.randrange(max(f["columns"], 1))
        return kind, f"/api/file/{i}/frame/{frame}/pixel?row={r}&column={c}", "application/json"
    if kind == "tags":
        return kind, f"/api/file/{i}/tags", "application/json"
    return kind, f"/api/file/{i}/info", "application/json"


def client(base: str, token: str, files: list[dict], seed: int, until: float, stats: Stats) -> None:
    rng = random.Random(seed)
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=base, headers=headers, timeout=120) as http:
        while time.monotonic() < until:
            kind, path, expected = pick(rng, files)
            if kind in {"raw-zstd", "raw-planes"}:
                extra = {"Accept-Encoding": "zstd"}
            else:
                extra = {"Accept-Encoding": "identity"}
            started = time.perf_counter()
            try:
                answer = http.get(path, headers=extra)
                body = answer.content
            except httpx.HTTPError as exc:
                with stats.lock:
                    stats.errors.append(f"{path}: {type(exc).__name__}: {exc}")
                continue
            elapsed = time.perf_counter() - started
            with stats.lock:
                stats.latency[kind].append(elapsed)
                stats.bytes += len(body)
                if answer.status_code == 200:
                    if not answer.headers.get("content-type", "").startswith(expected):
                        stats.errors.append(
                            f"{path}: content-type {answer.headers['content-type']}"
                        )
                    continue
                try:
                    code = answer.json().get("code", "?")
                except ValueError:
                    code = "not JSON"
                if answer.status_code >= 500 and code in DOCUMENTED_DECODE_FAILURES:
                    stats.documented[code] += 1
                else:
                    stats.errors.append(f"{path}: {answer.status_code} {code}")


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))] * 1000


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", nargs="?", type=Path, help="DICOM folder (default: ci corpus)")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--duration", type=float, default=60.0, help="seconds")
    parser.add_argument("--budget", default="64MiB", help="--cache-budget of the server")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    folder = args.folder or default_corpus()
    budget = parse_size(args.budget)  # the CLI's own parser: same units, same minimum

    proc, base, token = start(folder, args.budget)
    try:
        headers = {"Authorization": f"Bearer {token}"}
        files = httpx.get(f"{base}/api/files", headers=headers, timeout=60).json()["files"]
        rss_start = vm_kib(proc.pid, "VmRSS")
        stats = Stats()
        until = time.monotonic() + args.duration
        threads = [
            threading.Thread(target=client, args=(base, token, files, args.seed + k, until, stats))
            for k in range(args.clients)
        ]
        started = time.monotonic()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        wall = time.monotonic() - started
        peak = vm_kib(proc.pid, "VmHWM")
        alive = httpx.get(f"{base}/api/health", headers=headers, timeout=30).status_code == 200
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            code = proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            code = proc.wait()

    every = [v for values in stats.latency.values() for v in values]
    print(
        f"dcmview load test: {folder} ({len(files)} files), {args.clients} clients, "
        f"{wall:.0f} s, --cache-budget {args.budget}"
    )
    print(f"{'request':<12}{'count':>8}{'p50 ms':>10}{'p95 ms':>10}{'p99 ms':>10}")
    for kind in sorted(stats.latency):
        values = stats.latency[kind]
        print(
            f"{kind:<12}{len(values):>8}{pct(values, 0.5):>10.1f}{pct(values, 0.95):>10.1f}"
            f"{pct(values, 0.99):>10.1f}"
        )
    print(
        f"{'all':<12}{len(every):>8}{pct(every, 0.5):>10.1f}{pct(every, 0.95):>10.1f}"
        f"{pct(every, 0.99):>10.1f}"
    )
    print(
        f"throughput: {len(every) / wall:.1f} requests/s, "
        f"{stats.bytes / wall / 2**20:.1f} MiB/s of bodies"
    )
    documented = ", ".join(f"{k} x{v}" for k, v in sorted(stats.documented.items())) or "none"
    print(f"documented decode failures (broken files of the corpus): {documented}")
    print(f"errors: {len(stats.errors)}")
    for line in stats.errors[:20]:
        print(f"  {line}")
    limit_kib = budget // 1024 + OVERHEAD_MIB * 1024
    print(
        f"server RSS: {rss_start / 1024:.0f} MiB after the scan, peak (VmHWM) "
        f"{peak / 1024:.0f} MiB; limit budget + {OVERHEAD_MIB} MiB = {limit_kib / 1024:.0f} MiB"
    )
    print(f"server still answering after the run: {alive}; exit status after SIGTERM: {code}")
    ok = not stats.errors and peak <= limit_kib and alive and code == 0 and every
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
