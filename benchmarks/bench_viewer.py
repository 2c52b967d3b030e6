"""Browser viewer benchmark: W/L drag, cached cine and first image, ours vs the predecessor.

Both viewers run in the same headless Chromium (Debian's, WebGL2 on SwiftShader: the
machine has no GPU, so these are CPU-rendering numbers) and are measured the same way,
through an init script that counts canvas draws (2D ``drawImage``/``putImageData`` of
large images, WebGL ``drawArrays``/``texImage2D``) per animation frame:

- first image: ms from navigation start to the first draw of the 3328x2560 JPEG 2000
  mammogram (a fresh server each run, so nothing is cached on either side);
- W/L drag: animation frames with a redraw per second while the mouse drags the
  window on the 3328x2560 16-bit frame (uncompressed file, frame already shown);
- cine: distinct stack positions shown per second at 30 FPS on the 60-frame
  2048x1664 tomosynthesis stack after one warm-up pass (frames cached).

Usage::

    .venv/bin/python benchmarks/bench_viewer.py [--runs 3] [--corpus DIR] [--prev BIN]

Prints a table of medians (and the runs). The inputs are the bench profile of the test
corpus (benchmarks/_corpus.py): built once into .cache/corpus unless ``--corpus DIR``.
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
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from _corpus import corpus, mammo_study
from playwright.sync_api import Browser, FloatRect, Page, sync_playwright

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--use-angle=swiftshader",
    "--enable-unsafe-swiftshader",
]
PREV_BIN = os.environ.get(
    "DCMVIEW_PREV_BIN", "/work/prev-venv/lib/python3.11/site-packages/dcmview_py/bin/dcmview"
)

# Counts draws of large images per animation frame, for any viewer (2D canvas or WebGL).
DRAW_HOOK = """
(() => {
  const s = { draws: 0, first: null, frames: 0, framesWithDraw: 0, positions: 0, lastPos: null };
  window.__bench = s;
  let drew = false;
  const big = (w, h) => (w || 0) * (h || 0) >= 1000000;
  const mark = () => { s.draws++; drew = true; if (s.first === null) s.first = performance.now(); };
  const C = CanvasRenderingContext2D.prototype;
  const drawImage = C.drawImage;
  C.drawImage = function (src, ...rest) {
    if (big(src.width, src.height)) mark();
    return drawImage.call(this, src, ...rest);
  };
  const putImageData = C.putImageData;
  C.putImageData = function (img, ...rest) {
    if (big(img.width, img.height)) mark();
    return putImageData.call(this, img, ...rest);
  };
  const G = WebGL2RenderingContext.prototype;
  const drawArrays = G.drawArrays;
  G.drawArrays = function (...a) { mark(); return drawArrays.apply(this, a); };
  const position = () => {
    const v = document.querySelector('.viewport[data-pos]');
    if (v) return v.getAttribute('data-pos');
    const r = document.querySelector('input[aria-label="Image position"]');
    return r ? r.value : null;
  };
  const tick = () => {
    s.frames++;
    if (drew) s.framesWithDraw++;
    drew = false;
    const p = position();
    if (p !== null && p !== s.lastPos) { s.positions++; s.lastPos = p; }
    requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
})();
"""


@dataclass
class Proc:
    proc: subprocess.Popen[str]
    url: str

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def start(viewer: str, path: Path, prev_bin: str) -> Proc:
    """Start our server or the predecessor on one file and return its URL with the token."""
    if viewer == "ours":
        cmd = [sys.executable, "-m", "dcmview", "--no-browser", "--port", "0", "--startup-json"]
    else:
        cmd = [prev_bin, "--no-browser", "--port", "0"]
    proc = subprocess.Popen(
        [*cmd, str(path)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    assert proc.stdout is not None
    threading.Thread(target=lambda: [None for _ in proc.stderr or []], daemon=True).start()
    deadline = time.monotonic() + 60
    url = ""
    for line in proc.stdout:
        if viewer == "ours" and line.startswith("{"):
            msg = json.loads(line)
            if msg.get("type") == "server_started":
                url = msg["url"]
            if msg.get("type") == "scan_complete":
                break
        elif viewer != "ours" and "server running at" in line:
            url = line.split("server running at", 1)[1].strip()
            time.sleep(1.0)  # the predecessor scans one file; give it a moment
            break
        if time.monotonic() > deadline:
            break
    if not url:
        proc.kill()
        raise RuntimeError(f"{viewer} server did not start")
    threading.Thread(target=lambda: [None for _ in proc.stdout or []], daemon=True).start()
    return Proc(proc, url)


def new_page(browser: Browser) -> Page:
    ctx = browser.new_context(viewport={"width": 1280, "height": 720})
    ctx.add_init_script(DRAW_HOOK)
    return ctx.new_page()


def bench(page: Page) -> dict[str, Any]:
    return dict(page.evaluate("() => ({...window.__bench})"))


def wait_first_draw(page: Page, timeout_s: float = 120) -> float:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        first = page.evaluate("() => window.__bench && window.__bench.first")
        if first is not None:
            return float(first)
        page.wait_for_timeout(20)
    raise RuntimeError("no image was drawn")


def image_box(page: Page) -> FloatRect:
    for sel in (".viewport", "canvas.dicom-canvas", "canvas"):
        loc = page.locator(sel).first
        if loc.count():
            box = loc.bounding_box()
            if box:
                return box
    raise RuntimeError("no canvas")


def first_image(browser: Browser, viewer: str, path: Path, prev_bin: str) -> float:
    srv = start(viewer, path, prev_bin)
    try:
        page = new_page(browser)
        page.goto(srv.url)
        ms = wait_first_draw(page)
        page.context.close()
        return ms
    finally:
        srv.stop()


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


def set_fps(page: Page, fps: int) -> int:
    """Ask for `fps`; returns the speed the viewer was set to."""
    ours = page.locator('input[aria-label="Frames per second"]')
    if ours.count():
        ours.fill(str(fps))
        ours.press("Tab")
        return fps
    # The predecessor offers fixed speeds: take the fastest one not above `fps`.
    sel = 'select[aria-label="Cine speed"]'
    values = page.eval_on_selector(sel, "s => [...s.options].map(o => Number(o.value))")
    chosen = max(v for v in values if v <= fps)
    page.select_option(sel, str(chosen))
    return int(chosen)


def toggle_play(page: Page) -> None:
    ours = page.locator('[data-testid="play"]')
    if ours.count():
        ours.click()
        return
    btn = page.locator('button[aria-label="Play cine"], button[aria-label="Pause cine"]').first
    btn.click()


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
    ap.add_argument(
        "--corpus",
        type=Path,
        default=None,
    )
    ap.add_argument("--prev", default=PREV_BIN, help="the predecessor's dcmview binary")
    ap.add_argument("--only", choices=["ours", "prev"], default=None)
    args = ap.parse_args()
    mg = mammo_study(corpus(args.corpus))
    j2k = mg / "L_CC_j2k_lossless.dcm"
    ffdm = mg / "L_CC_explicit_le.dcm"
    dbt = mg / "DBT_L_CC_60f_explicit_le.dcm"
    viewers = ["ours", "prev"] if Path(args.prev).is_file() else ["ours"]
    if args.only:
        viewers = [args.only]
    results: dict[str, dict[str, list[float]]] = {v: {} for v in viewers}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        for v in viewers:
            r = results[v]
            r["first_ms"] = [first_image(browser, v, j2k, args.prev) for _ in range(args.runs)]
            print(f"{v}: first image {r['first_ms']}", file=sys.stderr)
            srv = start(v, ffdm, args.prev)
            try:
                r["wl_fps"] = [wl_drag_fps(browser, srv.url) for _ in range(args.runs)]
            finally:
                srv.stop()
            print(f"{v}: W/L drag {r['wl_fps']}", file=sys.stderr)
            srv = start(v, dbt, args.prev)
            try:
                runs = [cine_fps(browser, srv.url) for _ in range(args.runs)]
                r["cine_fps"] = [fps for fps, _ in runs]
                r["cine_set"] = [float(s) for _, s in runs]
            finally:
                srv.stop()
            print(f"{v}: cine {r['cine_fps']}", file=sys.stderr)
        browser.close()

    rows = [
        ("first image, 3328x2560 J2K (ms)", "first_ms", "{:.0f}"),
        ("W/L drag, 3328x2560 16-bit (frames/s)", "wl_fps", "{:.1f}"),
        ("cine, cached 60x2048x1664 (frames/s shown)", "cine_fps", "{:.1f}"),
        ("  ... at the speed set (30, or the viewer's max)", "cine_set", "{:.0f}"),
    ]
    head = f"{'measure (median of ' + str(args.runs) + ')':<46}" + "".join(
        f"{v:>12}" for v in viewers
    )
    print(head)
    print("-" * len(head))
    for label, key, fmt in rows:
        cells = "".join(f"{fmt.format(statistics.median(results[v][key])):>12}" for v in viewers)
        print(f"{label:<46}{cells}")
    print()
    print("runs:", json.dumps(results))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
