"""Browser viewer benchmark, ours vs the predecessor, in headless Chromium.

How draws are counted is in benchmarks/_browser.py. The measures (``--measure``):

- ``first``: ms from navigation start to the first draw of the 3328x2560 JPEG 2000
  mammogram (a fresh server each run, so nothing is cached on either side);
- ``link``: the same through a throttled loopback link (benchmarks/throttle.py:
  ``--rate-mbit`` each way, ``--delay-ms`` one way; 50 Mbit/s and 20 ms by default),
  to the first draw and to the first draw at full resolution (a viewer that draws
  a reduced level first refines later; the predecessor draws its one full image),
  and the MB that went down the link by then; ``--timeline`` prints each run's
  requests (start, first byte, end) beside the two draws;
- ``first-pass``: the first cine pass of the 60-frame 2048x1664 JPEG 2000
  tomosynthesis stack at 10 FPS: frame changes drawn in the 10 s after pressing
  play as soon as the first image shows (a fresh server each run: nothing cached;
  100 is the most there can be);
- ``wl``: animation frames with a redraw per second while the mouse drags the
  window on the 3328x2560 16-bit frame (uncompressed file, frame already shown);
- ``cine``: distinct stack positions shown per second at 30 FPS on the 60-frame
  2048x1664 uncompressed stack after one warm-up pass (frames cached).

Runs take turns between the two viewers. Usage::

    .venv/bin/python benchmarks/bench_viewer.py [--runs 3] [--corpus DIR] [--prev BIN]
        [--measure first,link,first-pass,wl,cine] [--rate-mbit 50] [--delay-ms 20]
        [--timeline]

Prints a table of medians with the ratio ours / predecessor, then the runs. The
inputs are the bench corpus (benchmarks/_corpus.py).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from _browser import (
    bench,
    image_box,
    launch,
    new_page,
    print_timeline,
    set_fps,
    timeline,
    toggle_play,
    wait_first_draw,
    wait_for,
)
from _corpus import corpus, mammo_study
from _servers import PREV_BIN, Row, Server, alternate, print_table, viewers
from playwright.sync_api import Browser, sync_playwright
from throttle import Link, throttled

MEASURES = ("first", "link", "first-pass", "wl", "cine")
FULL_PIXELS = 3328 * 2560


def first_image(browser: Browser, viewer: str, path: Path, prev_bin: str) -> float:
    with Server(viewer, [path], prev_bin) as srv:
        page = new_page(browser)
        try:
            page.goto(srv.url())
            return wait_first_draw(page)
        finally:
            page.context.close()


def over_link(
    browser: Browser, viewer: str, path: Path, prev_bin: str, link: Link, show: bool
) -> tuple[float, float, float]:
    """ms to the first draw and to the first full-resolution draw through `link`, and MB down."""
    with Server(viewer, [path], prev_bin) as srv, throttled(srv.port, link) as proxy:
        page = new_page(browser, full_pixels=FULL_PIXELS)
        try:
            page.goto(srv.url(proxy.port))
            first = wait_first_draw(page)
            full = wait_for(page, "full")
            mb = proxy.stats.bytes_down / 1e6
            if show:
                marks = {"first draw": first, "full-resolution draw": full}
                print_timeline(f"{viewer} over the link", timeline(page), marks)
                print(f"    image sizes drawn (ms, w, h): {bench(page)['sizes']}")
            return first, full, mb
        finally:
            page.context.close()


def first_pass(
    browser: Browser, viewer: str, path: Path, prev_bin: str, fps: int = 10, seconds: float = 10
) -> tuple[float, float]:
    """Frame changes drawn in `seconds` of cine from a cold start, and the speed that was set."""
    with Server(viewer, [path], prev_bin) as srv:
        page = new_page(browser)
        try:
            page.goto(srv.url())
            wait_first_draw(page)
            actual = set_fps(page, fps)
            before = bench(page)["drawnChanges"]
            toggle_play(page)
            page.wait_for_timeout(seconds * 1000)
            drawn = bench(page)["drawnChanges"] - before
            return float(drawn), float(actual)
        finally:
            page.context.close()


def wl_drag_fps(browser: Browser, url: str, seconds: float = 3.0) -> float:
    page = new_page(browser)
    try:
        page.goto(url)
        wait_first_draw(page)
        page.wait_for_timeout(1500)
        page.keyboard.press("w")
        box = image_box(page)
        x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
        page.mouse.move(x, y)
        page.mouse.down()
        before = bench(page)
        t0 = time.monotonic()
        k = 0
        while time.monotonic() - t0 < seconds:
            k += 1
            # A slow circle: every move changes both width and center.
            page.mouse.move(x + 80 * ((k % 40) / 40), y + 60 * (((k + 20) % 40) / 40))
        elapsed = time.monotonic() - t0
        page.mouse.up()
        after = bench(page)
        return float(after["framesWithDraw"] - before["framesWithDraw"]) / elapsed
    finally:
        page.context.close()


def cine_fps(browser: Browser, url: str, fps: int = 30, seconds: float = 5.0) -> tuple[float, int]:
    """Positions shown per second during cached playback, and the speed that was set."""
    page = new_page(browser)
    try:
        page.goto(url)
        wait_first_draw(page)
        set_fps(page, 60)
        toggle_play(page)
        # Warm-up: play until 120 positions were shown (two passes of 60), at most 180 s.
        deadline = time.monotonic() + 180
        while bench(page)["positions"] < 120 and time.monotonic() < deadline:
            page.wait_for_timeout(200)
        actual = set_fps(page, fps)
        page.wait_for_timeout(500)
        before = bench(page)
        t0 = time.monotonic()
        page.wait_for_timeout(seconds * 1000)
        after = bench(page)
        elapsed = time.monotonic() - t0
        toggle_play(page)
        return (after["positions"] - before["positions"]) / elapsed, actual
    finally:
        page.context.close()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--corpus", default=None, help="a bench corpus (default: _corpus.py)")
    ap.add_argument("--prev", default=PREV_BIN, help="the predecessor's dcmview binary")
    ap.add_argument("--only", choices=["ours", "prev"], default=None)
    ap.add_argument("--measure", default=",".join(MEASURES), help="comma-separated measures")
    ap.add_argument("--rate-mbit", type=float, default=Link.rate_mbit, help="link: each way")
    ap.add_argument("--delay-ms", type=float, default=Link.delay_ms, help="link: one way")
    ap.add_argument("--timeline", action="store_true", help="link: print each run's requests")
    args = ap.parse_args()
    measures = args.measure.split(",")
    unknown = set(measures) - set(MEASURES)
    if unknown:
        ap.error(f"unknown measures {sorted(unknown)}; choose from {MEASURES}")
    mg = mammo_study(corpus(args.corpus))
    j2k = mg / "L_CC_j2k_lossless.dcm"
    ffdm = mg / "L_CC_explicit_le.dcm"
    dbt = mg / "DBT_L_CC_60f_explicit_le.dcm"
    dbt_j2k = mg / "DBT_L_CC_60f_j2k_lossless.dcm"
    names = viewers(args.prev, args.only)
    link = Link(rate_mbit=args.rate_mbit, delay_ms=args.delay_ms)
    runs = args.runs
    rows: list[Row] = []

    def done(row: Row) -> None:
        rows.append(row)
        print(f"{row.label}: {row.values}", file=sys.stderr, flush=True)

    with sync_playwright() as p:
        browser = launch(p)
        if "first" in measures:
            v = alternate(runs, names, lambda n: first_image(browser, n, j2k, args.prev))
            done(Row("first image, 3328x2560 J2K (ms)", v, "{:.0f}"))
        if "link" in measures:
            runs_link = alternate(
                runs, names, lambda n: over_link(browser, n, j2k, args.prev, link, args.timeline)
            )
            where = f"{link.rate_mbit:g} Mbit/s, {link.delay_ms:g} ms"
            for i, label, fmt in (
                (0, f"first image over {where}, 3328x2560 J2K (ms)", "{:.0f}"),
                (1, "  ... at full resolution (ms)", "{:.0f}"),
                (2, "  ... MB down the link by then", "{:.2f}"),
            ):
                done(Row(label, {n: [r[i] for r in v] for n, v in runs_link.items()}, fmt))
        if "first-pass" in measures:
            runs_pass = alternate(runs, names, lambda n: first_pass(browser, n, dbt_j2k, args.prev))
            done(
                Row(
                    "first cine pass, 60x2048x1664 J2K at 10 FPS: frames drawn in 10 s (of 100)",
                    {n: [r[0] for r in v] for n, v in runs_pass.items()},
                    "{:.0f}",
                )
            )
            done(
                Row(
                    "  ... at the speed set",
                    {n: [r[1] for r in v] for n, v in runs_pass.items()},
                    "{:.0f}",
                    baseline=None,
                )
            )
        if "wl" in measures:
            servers = {n: Server(n, [ffdm], args.prev) for n in names}
            try:
                v = alternate(runs, names, lambda n: wl_drag_fps(browser, servers[n].url()))
            finally:
                for s in servers.values():
                    s.close()
            done(Row("W/L drag, 3328x2560 16-bit (frames/s)", v, "{:.1f}"))
        if "cine" in measures:
            servers = {n: Server(n, [dbt], args.prev) for n in names}
            try:
                runs_cine = alternate(runs, names, lambda n: cine_fps(browser, servers[n].url()))
            finally:
                for s in servers.values():
                    s.close()
            done(
                Row(
                    "cine, cached 60x2048x1664 (frames/s shown)",
                    {n: [r[0] for r in v] for n, v in runs_cine.items()},
                    "{:.1f}",
                )
            )
            done(
                Row(
                    "  ... at the speed set (30, or the viewer's max)",
                    {n: [float(r[1]) for r in v] for n, v in runs_cine.items()},
                    "{:.0f}",
                    baseline=None,
                )
            )
        browser.close()
    print_table(rows, runs)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
