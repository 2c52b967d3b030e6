"""Benchmark: decode (+ render) of big frames, cold and warm, and frame 0 vs frame 59.

Prints one table (medians over ``--runs`` runs; each *cold* run is a fresh
Python process that opens the file and decodes one frame, timed after the
imports; *warm* is a second decode in the same process, header and frame index
already read, no frame cache):

- the 3328x2560 16-bit mammogram in Explicit VR LE, JPEG 2000 lossless,
  JPEG-LS lossless and RLE: decode, and decode + render (``Frame.render``);
- frame 0 and frame 59 of the 60-frame 2048x1664 JPEG 2000 DBT file;
- JPEG 2000 threading and the GIL: one decode, then two decodes in two
  threads, with dcmview's imagecodecs plugin and with pylibjpeg-openjpeg;
- the predecessor binary's cold PNG of the same frames, when it is installed
  (``--prev PATH``): its server is started, the scan awaited, and the first
  ``GET /api/file/0/frame/0`` timed.

Usage::

    python benchmarks/bench_decode.py [--corpus DIR] [--runs 5]
        [--prev /path/to/dcmview_py/bin/dcmview]

The inputs are the bench profile of the test corpus (benchmarks/_corpus.py): built
once into .cache/corpus unless ``--corpus DIR`` names one.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import threading
import time
from typing import Any

from _corpus import corpus, mammo_study

_CHILD = r"""
import json, sys, time
t0 = time.perf_counter()
from dcmview.sdk.instance import open as dcm_open
import dcmview.sdk.display
t1 = time.perf_counter()
path, index, render = sys.argv[1], int(sys.argv[2]), sys.argv[3] == "1"
inst = dcm_open(path)
frame = inst.frame(index)
t2 = time.perf_counter()
arr = frame.array()
t3 = time.perf_counter()
if render:
    # What Frame.render does once the frame is decoded (no second decode).
    dcmview.sdk.display.render(arr, inst.dataset, index)
t4 = time.perf_counter()
print(json.dumps({"import": t1 - t0, "open": t2 - t1, "decode": t3 - t2, "render": t4 - t3}))
"""


def _median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def cold(path: str, index: int, runs: int, render: bool) -> dict[str, float]:
    """Median timings of `runs` fresh processes opening `path` and decoding frame `index`."""
    samples: dict[str, list[float]] = {}
    for _ in range(runs):
        out = subprocess.run(
            [sys.executable, "-c", _CHILD, path, str(index), "1" if render else "0"],
            capture_output=True,
            text=True,
            check=True,
        )
        for key, value in json.loads(out.stdout.strip().splitlines()[-1]).items():
            samples.setdefault(key, []).append(value)
    return {key: _median(values) for key, values in samples.items()}


def warm(path: str, index: int, runs: int, render: bool) -> float:
    """Median time of decode (+ render) with the instance already open (no frame cache)."""
    from dcmview.sdk import display
    from dcmview.sdk.instance import open as dcm_open

    inst = dcm_open(path)
    inst.frame(index).array()  # header, frame index, page cache, codec warm-up
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        arr = inst.frame(index).array()
        if render:
            display.render(arr, inst.dataset, index)
        times.append(time.perf_counter() - t0)
    return _median(times)


def _j2k_frame(path: str) -> bytes:
    from dcmview.sdk._frameindex import build_frames, read_encapsulated
    from dcmview.sdk.instance import open as dcm_open

    inst = dcm_open(path)
    px = inst._pixel_index()
    assert px is not None
    build_frames(px, inst.path, inst.dataset)
    return read_encapsulated(px, 0, inst.path)


def gil(path: str, runs: int) -> list[tuple[str, float, float]]:
    """(codec, one decode, two decodes in two threads) medians for a J2K frame."""
    import imagecodecs

    from dcmview.sdk import codecs

    data = _j2k_frame(path)
    rows: list[tuple[str, Any]] = [
        (
            f"imagecodecs OpenJPEG, {codecs.j2k_threads()} threads/decode (dcmview)",
            lambda: imagecodecs.jpeg2k_decode(data, numthreads=codecs.j2k_threads()),
        ),
        ("imagecodecs OpenJPEG, 1 thread/decode", lambda: imagecodecs.jpeg2k_decode(data)),
    ]
    try:
        from openjpeg import decode as openjpeg_decode

        rows.append(("pylibjpeg-openjpeg", lambda: openjpeg_decode(data)))
    except ImportError:
        pass
    out = []
    for name, fn in rows:
        fn()
        one = []
        two = []
        for _ in range(runs):
            t0 = time.perf_counter()
            fn()
            one.append(time.perf_counter() - t0)
            threads = [threading.Thread(target=fn) for _ in range(2)]
            t0 = time.perf_counter()
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            two.append(time.perf_counter() - t0)
        out.append((name, _median(one), _median(two)))
    return out


def predecessor_png(binary: str, path: str, index: int, runs: int) -> float:
    """Median time of the predecessor's first PNG of frame `index` (server up, scan done)."""
    import httpx

    times = []
    for _ in range(runs):
        proc = subprocess.Popen(
            [binary, path, "--no-browser", "--startup-json", "--port", "0"],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        try:
            assert proc.stdout is not None
            started: dict[str, Any] = {}
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                line = proc.stdout.readline()
                if not line:
                    break
                if line.startswith("{"):
                    event = json.loads(line)
                    if event.get("type") == "server_started":
                        started = event
                    if event.get("type") == "scan_complete":
                        break
            if "token" not in started:
                continue  # it did not start (busy machine): skip this run
            headers = {"Authorization": f"Bearer {started['token']}"}
            url = f"{started['base_url']}/api/file/0/frame/{index}"
            with httpx.Client(timeout=120) as client:
                t0 = time.perf_counter()
                response = client.get(url, headers=headers)
                times.append(time.perf_counter() - t0)
                response.raise_for_status()
        finally:
            proc.terminate()
            proc.wait(timeout=10)
    return _median(times)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", default=None, help="a bench corpus (default: built)")
    parser.add_argument("--runs", type=int, default=5)
    default_prev = os.environ.get(
        "DCMVIEW_PREV_BIN", "/work/prev-venv/lib/python3.11/site-packages/dcmview_py/bin/dcmview"
    )
    parser.add_argument("--prev", default=default_prev if os.path.exists(default_prev) else "")
    args = parser.parse_args(argv)

    study = mammo_study(corpus(args.corpus))

    def find(name: str) -> str:
        if not (study / name).is_file():
            raise SystemExit(f"{name} not found in {study}: not a bench corpus")
        return str(study / name)

    runs = args.runs
    print(f"dcmview decode benchmark: medians of {runs} runs; cold = fresh process each run")
    print(f"machine: {os.cpu_count()} cores; python {sys.version.split()[0]}\n")
    header = (
        f"{'file (frame)':44s} {'cold decode':>12s} {'cold +render':>13s} "
        f"{'warm decode':>12s} {'warm +render':>13s} {'prev cold PNG':>14s}"
    )
    print(header)
    print("-" * len(header))
    cases = [
        ("L_CC_explicit_le.dcm", 0),
        ("L_CC_j2k_lossless.dcm", 0),
        ("L_CC_jpegls_lossless.dcm", 0),
        ("L_CC_rle_lossless.dcm", 0),
        ("DBT_L_CC_60f_j2k_lossless.dcm", 0),
        ("DBT_L_CC_60f_j2k_lossless.dcm", 59),
    ]
    for name, index in cases:
        path = find(name)
        c = cold(path, index, runs, render=True)
        w_decode = warm(path, index, runs, render=False)
        w_render = warm(path, index, runs, render=True)
        prev = f"{predecessor_png(args.prev, path, index, runs):13.3f}s" if args.prev else "-"
        print(
            f"{name + f' ({index})':44s} {c['decode']:11.3f}s {c['decode'] + c['render']:12.3f}s "
            f"{w_decode:11.3f}s {w_render:12.3f}s {prev:>14s}"
        )
    print("\n(cold: after imports; opening the file, i.e. header + Pixel Data location,")
    print(" is in the 'open' column of the child output and is a few ms)\n")

    print("JPEG 2000 lossless 3328x2560 frame: threads and the GIL")
    print(f"{'codec':52s} {'1 decode':>10s} {'2 decodes in 2 threads':>24s}")
    for codec_name, one, two in gil(find("L_CC_j2k_lossless.dcm"), runs):
        print(f"{codec_name:52s} {one:9.3f}s {two:23.3f}s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
