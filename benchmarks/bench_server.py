"""Side-by-side HTTP benchmark: dcmview (this package) against the predecessor binary.

Both servers are started as real processes on the bench corpus's mammography
study (a 3328×2560 JPEG 2000 lossless FFDM frame and a 60-frame 2048×1664 JPEG 2000
lossless DBT file; benchmarks/_corpus.py) and measured with httpx (``--measure``):

- ``cold``: cold PNG of the FFDM frame (a fresh server per run);
- ``level``: the cold first image at the viewport's level (a fresh server per
  request): ours at ``max_size=--max-size`` (1000 px: about what a 1280x720 window
  shows) as PNG and as raw (zstd + byte planes, what the viewer asks for), against
  the predecessor's full-resolution PNG (its viewer's only request); directly and
  through a throttled link (benchmarks/throttle.py, ``--rate-mbit``/``--delay-ms``);
- ``pass``: first pass over the 60 DBT frames, fetched in order, 2 requests in flight
  (raw and PNG; a fresh server per run), beside the decoder's floor: the same
  60 frames decoded by the SDK in 2 threads of one process, with no HTTP;
- ``warm``: warm PNG and warm raw of one frame (median of many requests);
- ``wire``: raw bytes on the wire per frame: identity vs zstd vs zstd on byte planes;
- ``memory``: peak RSS of the server (VmHWM) after a full pass, against the cache budget.

Runs take turns between the servers; medians over ``--runs`` runs. Usage::

    .venv/bin/python benchmarks/bench_server.py [--runs 3] [--budget 256MiB] [--corpus DIR]
        [--prev BIN] [--measure cold,level,pass,warm,wire,memory] [--max-size 1000]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
from _corpus import corpus, mammo_study
from _servers import PREV_BIN, Row, Server, alternate, print_table, viewers
from throttle import Link, throttled

MEASURES = ("cold", "level", "pass", "warm", "wire", "memory")
FFDM = "L_CC_j2k_lossless.dcm"
DBT = "DBT_L_CC_60f_j2k_lossless.dcm"


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


def decode_only_pass(path: Path) -> float:
    out = subprocess.run(
        [sys.executable, "-c", _DECODE_ONLY, str(path)], capture_output=True, text=True, check=True
    )
    return float(out.stdout.strip())


def cold_get(
    server: Server, path: str, headers: dict[str, str], port: int | None
) -> tuple[float, int, str]:
    """Seconds to the whole body of one request (through `port` when given), wire bytes, level."""
    base = server.base if port is None else f"http://127.0.0.1:{port}"
    auth = {"Authorization": f"Bearer {server.token}"}
    with httpx.Client(base_url=base, headers={**auth, **headers}, timeout=120) as http:
        t0 = time.perf_counter()
        with http.stream("GET", path) as r:
            r.raise_for_status()
            size = sum(len(chunk) for chunk in r.iter_raw())
        seconds = time.perf_counter() - t0
    level = r.headers.get("x-frame-level", "none")
    return seconds, size, level


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--warm", type=int, default=30, help="requests per warm measurement")
    p.add_argument("--budget", default="256MiB", help="cache budget for the memory run")
    p.add_argument("--skip-pass", action="store_true", help="skip the 60-frame passes")
    p.add_argument("--corpus", default=None, help="a bench corpus (default: _corpus.py)")
    p.add_argument("--prev", default=PREV_BIN, help="the predecessor's dcmview binary")
    p.add_argument("--measure", default=",".join(MEASURES), help="comma-separated measures")
    p.add_argument("--max-size", type=int, default=1000, help="level: the viewport's size, px")
    p.add_argument("--rate-mbit", type=float, default=Link.rate_mbit, help="level: each way")
    p.add_argument("--delay-ms", type=float, default=Link.delay_ms, help="level: one way")
    args = p.parse_args()
    measures = set(args.measure.split(","))
    if measures - set(MEASURES):
        p.error(f"unknown measures {sorted(measures - set(MEASURES))}; choose from {MEASURES}")
    if args.skip_pass:
        measures.discard("pass")
    study = mammo_study(corpus(args.corpus))
    names = viewers(args.prev)
    runs = args.runs
    rows: list[Row] = []

    def start(name: str, budget: str | None = None) -> Server:
        return Server(name, [study], args.prev, ["--cache-budget", budget] if budget else [])

    def done(row: Row) -> None:
        rows.append(row)
        for name, v in row.values.items():
            print(f"  {row.label:58s} {name:5s} {[round(x, 4) for x in v]}", flush=True)

    def fresh(label: str, measure: Callable[[Server], float], fmt: str = "{:.3f}") -> Row:
        def run(name: str) -> float:
            with start(name) as server:
                return measure(server)

        row = Row(label, alternate(runs, names, run), fmt)
        done(row)
        return row

    def kept(label: str, measure: Callable[[Server], float], fmt: str = "{:.3f}") -> None:
        servers = {name: start(name) for name in names}
        try:
            done(Row(label, alternate(runs, names, lambda n: measure(servers[n])), fmt))
        finally:
            for server in servers.values():
                server.close()

    if "cold" in measures:
        fresh(
            "cold PNG 3328x2560 J2K (s)",
            lambda s: timed(lambda: s.get(f"/api/file/{s.index[FFDM]}/frame/0")),
        )

    if "level" in measures:
        link = Link(rate_mbit=args.rate_mbit, delay_ms=args.delay_ms)
        size = args.max_size
        # What each viewer asks for first: the predecessor its full-resolution PNG,
        # ours the viewport's level (PNG, or raw as the viewer fetches it).
        kinds: dict[str, list[tuple[str, str, dict[str, str]]]] = {
            "prev": [("png", "/frame/0", {"Accept-Encoding": "identity"})],
            "ours": [
                ("png", f"/frame/0?max_size={size}", {"Accept-Encoding": "identity"}),
                ("raw", f"/frame/0/raw?max_size={size}&shuffle=bytes", {"Accept-Encoding": "zstd"}),
            ],
        }

        def first_images(name: str) -> dict[tuple[str, str], tuple[float, int, str]]:
            out = {}
            for kind, route, headers in kinds[name]:
                for where in ("direct", "link"):
                    with start(name) as s:
                        path = f"/api/file/{s.index[FFDM]}{route}"
                        if where == "direct":
                            out[(where, kind)] = cold_get(s, path, headers, None)
                        else:
                            with throttled(s.port, link) as proxy:
                                out[(where, kind)] = cold_get(s, path, headers, proxy.port)
            return out

        results = alternate(runs, names, first_images)
        levels = "/".join(sorted({r[key][2] for r in results.get("ours", []) for key in r}))
        over = f"over {link.rate_mbit:g} Mbit/s + {link.delay_ms:g} ms"
        for where, label in (("direct", "direct"), ("link", over)):
            for kind in ("png", "raw"):
                what = "PNG" if kind == "png" else "raw zstd+shuffle"

                def pick(i: int, w: str = where, k: str = kind) -> dict[str, list[float]]:
                    v = {"ours": [float(r[(w, k)][i]) for r in results.get("ours", [])]}
                    if "prev" in results:  # its one answer: the full-resolution PNG
                        v["prev"] = [float(r[(w, "png")][i]) for r in results["prev"]]
                    return v

                note = (
                    f"level {levels}; prev: full PNG" if (where, kind) == ("direct", "png") else ""
                )
                head = f"cold first image {label}, ours {what} max_size={size}"
                done(Row(f"{head} (s)", pick(0), note=note))
                mb = {n: [x / 1e6 for x in v] for n, v in pick(1).items()}
                done(Row(f"  ... its bytes, {label}, {what} (MB)", mb, "{:.2f}"))

    if "pass" in measures:
        raw = fresh("first pass 60 DBT frames raw, 2 in flight (s)", lambda s: first_pass(s, "raw"))
        fresh("first pass 60 DBT frames PNG, 2 in flight (s)", lambda s: first_pass(s, "png"))
        floor = {"ours": [decode_only_pass(study / DBT) for _ in range(runs)]}
        if "prev" in raw.values:
            floor["prev"] = raw.values["prev"]
        done(
            Row(
                "first pass floor: decode only, SDK, 2 threads (s)",
                floor,
                note="prev: its raw pass",
            )
        )

    if "warm" in measures:

        def warm(kind: str) -> Callable[[Server], float]:
            def measure(s: Server) -> float:
                path = f"/api/file/{s.index[FFDM]}/frame/0" + ("/raw" if kind == "raw" else "")
                s.get(path)
                return (
                    statistics.median(timed(lambda: s.get(path)) for _ in range(args.warm)) * 1000
                )

            return measure

        kept("warm PNG 3328x2560 (ms)", warm("png"))
        kept("warm raw 3328x2560, identity (ms)", warm("raw"))

    if "wire" in measures:
        # Bytes on the wire (ours only compresses): identity vs zstd vs byte planes.
        with start("ours") as ours:
            for name, frame in ((FFDM, 0), (DBT, 30)):
                path = f"/api/file/{ours.index[name]}/frame/{frame}/raw"
                sizes = {}
                for label, headers, query in (
                    ("identity", {"Accept-Encoding": "identity"}, ""),
                    ("zstd", {"Accept-Encoding": "zstd"}, ""),
                    ("gzip", {"Accept-Encoding": "gzip"}, ""),
                    ("zstd+shuffle", {"Accept-Encoding": "zstd"}, "?shuffle=bytes"),
                ):
                    t0 = time.perf_counter()
                    with ours.http.stream("GET", path + query, headers=headers) as r:
                        sizes[label] = sum(len(c) for c in r.iter_raw())
                    first = time.perf_counter() - t0
                    t0 = time.perf_counter()
                    with ours.http.stream("GET", path + query, headers=headers) as r:
                        sum(len(c) for c in r.iter_raw())
                    warm_t = time.perf_counter() - t0
                    print(
                        f"  wire {name[:22]:22s} {label:13s} {sizes[label] / 1e6:7.2f} MB "
                        f"({sizes[label] / sizes['identity']:.3f}x)  "
                        f"first {first * 1000:6.1f} ms  cached {warm_t * 1000:6.1f} ms",
                        flush=True,
                    )
                for coding in ("zstd", "zstd+shuffle"):
                    ratio = sizes[coding] / sizes["identity"]
                    rows.append(
                        Row(f"raw wire bytes {name[:14]} {coding}/identity", {"ours": [ratio]})
                    )

    if "memory" in measures:
        # Peak memory after a full pass (every DBT frame raw + PNG, and the FFDM).
        mem: dict[str, list[float]] = {}
        for name in names:
            with start(name, args.budget) as s:
                first_pass(s, "raw")
                first_pass(s, "png")
                s.get(f"/api/file/{s.index[FFDM]}/frame/0")
                s.get(f"/api/file/{s.index[FFDM]}/frame/0/raw")
                mem[name] = [s.peak_rss_mib()]
        done(Row(f"peak RSS after full pass, budget {args.budget} (MiB)", mem, "{:.0f}"))

    print_table(rows, runs)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
