"""Side-by-side HTTP benchmark: dcmview (this package) against the predecessor binary.

Both servers are started as real processes on the bench corpus's mammography
study (``mg/CORPUS-MGB001/...`` of the bench profile, benchmarks/_corpus.py:
built once into .cache/corpus unless ``--corpus DIR``): a 3328×2560 JPEG 2000 lossless FFDM frame
and a 60-frame 2048×1664 JPEG 2000 lossless DBT file) and measured with httpx:

- cold PNG of the FFDM frame (a fresh server per run);
- first pass over the 60 DBT frames, fetched in order, 2 requests in flight
  (raw and PNG; a fresh server per run), beside the decoder's floor: the same
  60 frames decoded by the SDK in 2 threads of one process, with no HTTP;
- warm PNG and warm raw of one frame (median of many requests);
- raw bytes on the wire per frame: identity vs zstd vs zstd on byte planes;
- peak RSS of the server (VmHWM) after a full pass, against the cache budget.

Medians over ``--runs`` runs. Usage::

    .venv/bin/python benchmarks/bench_server.py [--runs 3] [--budget 256MiB] [--corpus DIR]
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
from _corpus import corpus, mammo_study

# The predecessor's binary: `pip install dcmview-py==0.4.1` in a separate venv, then
# .../site-packages/dcmview_py/bin/dcmview (DCMVIEW_PREV_BIN overrides the default).
PREV = Path(
    os.environ.get(
        "DCMVIEW_PREV_BIN", "/work/prev-venv/lib/python3.11/site-packages/dcmview_py/bin/dcmview"
    )
)
ROOT = Path()  # the bench corpus's mammography study; main() sets it
FFDM = "L_CC_j2k_lossless.dcm"
DBT = "DBT_L_CC_60f_j2k_lossless.dcm"
URL_LINE = re.compile(r"server running at (http://[^/]+)/#token=(\S+)")


class Server:
    """One server process, started and read until it prints its URL."""

    def __init__(self, name: str, cmd: list[str], env: dict[str, str] | None = None) -> None:
        self.name = name
        self.proc = subprocess.Popen(
            cmd,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            env={**os.environ, **(env or {})},
        )
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            match = URL_LINE.search(line)
            if match:
                self.base, self.token = match.group(1), match.group(2)
                break
        else:
            raise RuntimeError(f"{name} did not start")
        self.http = httpx.Client(
            base_url=self.base,
            headers={"Authorization": f"Bearer {self.token}", "Accept-Encoding": "identity"},
            timeout=120,
        )
        deadline = time.monotonic() + 60
        while True:
            files = self.http.get("/api/files").json()
            if files.get("scan_complete", True) or time.monotonic() > deadline:
                break
            time.sleep(0.05)
        self.index = {Path(f["path"]).name: f["index"] for f in files["files"]}

    def get(self, path: str, **kw: object) -> httpx.Response:
        r = self.http.get(path, **kw)  # type: ignore[arg-type]
        r.raise_for_status()
        return r

    def peak_rss_mib(self) -> float:
        for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
        return float("nan")

    def close(self) -> None:
        self.http.close()
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def start(name: str, budget: str | None) -> Server:
    if name == "prev":
        cmd = [str(PREV), "--no-browser", str(ROOT)]
        if budget:
            cmd[1:1] = ["--cache-budget", budget]
        return Server(name, cmd)
    cmd = [sys.executable, "-m", "dcmview", "--no-browser", str(ROOT)]
    if budget:
        cmd[3:3] = ["--cache-budget", budget]
    return Server(name, cmd)


def timed(fn: Callable[[], object]) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def first_pass(server: Server, kind: str) -> float:
    i = server.index[DBT]
    suffix = "/raw" if kind == "raw" else ""

    def fetch(f: int) -> int:
        return len(server.get(f"/api/file/{i}/frame/{f}{suffix}").content)

    t0 = time.perf_counter()
    with ThreadPoolExecutor(2) as pool:  # 2 requests in flight, submitted in frame order
        list(pool.map(fetch, range(60)))
    return time.perf_counter() - t0


# The floor of a first pass: OpenJPEG decoding the 60 frames on both cores,
# through the SDK (one OpenJPEG thread per frame, as the server's pool does).
_DECODE_ONLY = """
import sys, time
from concurrent.futures import ThreadPoolExecutor
from dcmview import sdk
from dcmview.sdk import codecs
instance = sdk.open(sys.argv[1])
codecs.register()
def decode(f):
    with codecs.thread_limit(1):
        return instance.frame(f).array().nbytes
t0 = time.perf_counter()
with ThreadPoolExecutor(2) as pool:
    list(pool.map(decode, range(instance.header.number_of_frames)))
print(time.perf_counter() - t0)
"""


def decode_only_pass() -> float:
    out = subprocess.run(
        [sys.executable, "-c", _DECODE_ONLY, str(ROOT / DBT)],
        capture_output=True,
        text=True,
        check=True,
    )
    return float(out.stdout.strip())


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--warm", type=int, default=30, help="requests per warm measurement")
    p.add_argument("--budget", default="256MiB", help="cache budget for the memory run")
    p.add_argument("--skip-pass", action="store_true", help="skip the 60-frame passes")
    p.add_argument("--corpus", default=None, help="a bench corpus (default: built)")
    args = p.parse_args()
    global ROOT
    ROOT = mammo_study(corpus(args.corpus))
    rows: list[tuple[str, float, float, str]] = []

    def both(label: str, unit: str, measure: Callable[[Server], float], fresh: bool) -> None:
        # Runs alternate between the two servers, so that load from other
        # processes on this shared machine falls on both alike.
        values: dict[str, list[float]] = {"prev": [], "ours": []}
        servers = {} if fresh else {name: start(name, None) for name in values}
        try:
            for _ in range(args.runs):
                for name in values:
                    server = start(name, None) if fresh else servers[name]
                    try:
                        values[name].append(measure(server))
                    finally:
                        if fresh:
                            server.close()
        finally:
            for server in servers.values():
                server.close()
        for name, v in values.items():
            print(f"  {label:50s} {name:5s} {[round(x, 4) for x in v]}", flush=True)
        rows.append(
            (label, statistics.median(values["prev"]), statistics.median(values["ours"]), unit)
        )

    def cold_png(s: Server) -> float:
        return timed(lambda: s.get(f"/api/file/{s.index[FFDM]}/frame/0"))

    both("cold PNG 3328x2560 J2K (s)", "s", cold_png, fresh=True)

    if not args.skip_pass:
        both(
            "first pass 60 DBT frames raw, 2 in flight (s)",
            "s",
            lambda s: first_pass(s, "raw"),
            fresh=True,
        )
        both(
            "first pass 60 DBT frames PNG, 2 in flight (s)",
            "s",
            lambda s: first_pass(s, "png"),
            fresh=True,
        )
        floor = [decode_only_pass() for _ in range(args.runs)]
        print(f"  {'decode only, SDK, 2 threads (s)':50s} ours  {[round(x, 4) for x in floor]}")
        prev_pass = next(r[1] for r in rows if r[0].startswith("first pass 60 DBT frames raw"))
        rows.append(
            (
                "first pass floor: decode only, SDK, 2 threads (s)",
                prev_pass,
                statistics.median(floor),
                "s",
            )
        )

    def warm(kind: str) -> Callable[[Server], float]:
        def measure(s: Server) -> float:
            path = f"/api/file/{s.index[FFDM]}/frame/0" + ("/raw" if kind == "raw" else "")
            s.get(path)
            return statistics.median(timed(lambda: s.get(path)) for _ in range(args.warm)) * 1000

        return measure

    both("warm PNG 3328x2560 (ms)", "ms", warm("png"), fresh=False)
    both("warm raw 3328x2560, identity (ms)", "ms", warm("raw"), fresh=False)

    # Bytes on the wire (ours only compresses): identity vs zstd vs byte planes.
    ours = start("ours", None)
    try:
        for name, frame in ((FFDM, 0), (DBT, 30)):
            path = f"/api/file/{ours.index[name]}/frame/{frame}/raw"
            sizes = {}
            times = {}
            for label, headers, query in (
                ("identity", {"Accept-Encoding": "identity"}, ""),
                ("zstd", {"Accept-Encoding": "zstd"}, ""),
                ("gzip", {"Accept-Encoding": "gzip"}, ""),
                ("zstd+shuffle", {"Accept-Encoding": "zstd"}, "?shuffle=bytes"),
            ):
                t0 = time.perf_counter()
                with ours.http.stream("GET", path + query, headers=headers) as r:
                    sizes[label] = sum(len(c) for c in r.iter_raw())
                times[label] = time.perf_counter() - t0
                t0 = time.perf_counter()
                with ours.http.stream("GET", path + query, headers=headers) as r:
                    sum(len(c) for c in r.iter_raw())
                warm_t = time.perf_counter() - t0
                print(
                    f"  wire {name[:22]:22s} {label:13s} {sizes[label] / 1e6:7.2f} MB "
                    f"({sizes[label] / sizes['identity']:.3f}x)  "
                    f"first {times[label] * 1000:6.1f} ms  cached {warm_t * 1000:6.1f} ms",
                    flush=True,
                )
            rows.append(
                (
                    f"raw wire bytes {name[:14]} zstd/identity",
                    1.0,
                    sizes["zstd"] / sizes["identity"],
                    "x",
                )
            )
            rows.append(
                (
                    f"raw wire bytes {name[:14]} zstd+shuffle/identity",
                    1.0,
                    sizes["zstd+shuffle"] / sizes["identity"],
                    "x",
                )
            )
    finally:
        ours.close()

    # Peak memory after a full pass (every DBT frame raw + PNG, and the FFDM).
    mem = {}
    for name in ("prev", "ours"):
        s = start(name, args.budget)
        try:
            first_pass(s, "raw")
            first_pass(s, "png")
            s.get(f"/api/file/{s.index[FFDM]}/frame/0")
            s.get(f"/api/file/{s.index[FFDM]}/frame/0/raw")
            mem[name] = s.peak_rss_mib()
        finally:
            s.close()
    rows.append(
        (f"peak RSS after full pass, budget {args.budget} (MiB)", mem["prev"], mem["ours"], "MiB")
    )

    print()
    print(f"| {'measure':58s} | {'predecessor':>11s} | {'dcmview':>9s} | {'ratio':>6s} |")
    print(f"|{'-' * 60}|{'-' * 13}:|{'-' * 11}:|{'-' * 8}:|")
    for label, prev, ours_v, _unit in rows:
        ratio = ours_v / prev if prev else float("nan")
        print(f"| {label:58s} | {prev:11.3f} | {ours_v:9.3f} | {ratio:6.2f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
