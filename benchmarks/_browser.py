"""The browser side of the viewer benchmarks: Chromium, a draw counter, the viewers' controls.

Both viewers run in the same headless Chromium (Debian's, WebGL2 on SwiftShader: the
machine has no GPU, so these are CPU-rendering numbers) and are measured the same
way, through an init script (``DRAW_HOOK``) that watches the page's canvases:

- a draw is a 2D ``drawImage``/``putImageData`` of a large image or a WebGL
  ``drawArrays``; ``first`` is the time of the first one (ms from navigation start);
- the size of the image last uploaded (``texImage2D``) or drawn (2D) tells a reduced
  level from full resolution: ``full`` is the time of the first draw of an image of
  at least ``fullPixels`` samples (both viewers draw a cached full-resolution image
  with no other upload in between);
- per animation frame: whether it drew, and the stack position shown (our
  ``.viewport[data-pos]``, the predecessor's position slider); ``drawnChanges``
  counts the draws at a position other than the last drawn one: frame changes
  the user saw.
"""

from __future__ import annotations

import time
from typing import Any

from playwright.sync_api import Browser, FloatRect, Page, Playwright

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
VIEWPORT = {"width": 1280, "height": 720}

DRAW_HOOK = """
(() => {
  const s = {
    draws: 0, first: null, full: null, frames: 0, framesWithDraw: 0,
    positions: 0, lastPos: null, drawnChanges: 0, lastDrawnPos: null,
    fullPixels: window.__benchFullPixels || Infinity, lastPixels: 0, sizes: [],
  };
  window.__bench = s;
  let drew = false;
  const big = (w, h) => (w || 0) * (h || 0) >= 1000000;
  const source = (w, h) => {
    if (!w || !h || w * h < 10000) return;
    s.lastPixels = w * h;
    if (s.sizes.length < 50) s.sizes.push([Math.round(performance.now()), w, h]);
  };
  const mark = () => {
    s.draws++;
    drew = true;
    const now = performance.now();
    if (s.first === null) s.first = now;
    if (s.full === null && s.lastPixels >= s.fullPixels) s.full = now;
  };
  const C = CanvasRenderingContext2D.prototype;
  const drawImage = C.drawImage;
  C.drawImage = function (src, ...rest) {
    if (big(src.width, src.height)) { source(src.width, src.height); mark(); }
    return drawImage.call(this, src, ...rest);
  };
  const putImageData = C.putImageData;
  C.putImageData = function (img, ...rest) {
    if (big(img.width, img.height)) { source(img.width, img.height); mark(); }
    return putImageData.call(this, img, ...rest);
  };
  const G = WebGL2RenderingContext.prototype;
  const texImage2D = G.texImage2D;
  G.texImage2D = function (...a) {
    // (target, level, internalformat, width, height, border, format, type, pixels)
    // or (target, level, internalformat, format, type, source)
    if (a[1] === 0) {
      if (a.length >= 9) source(a[3], a[4]);
      else if (a[5]) source(a[5].width, a[5].height);
    }
    return texImage2D.apply(this, a);
  };
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
    const p = position();
    if (drew) {
      s.framesWithDraw++;
      if (p !== s.lastDrawnPos) { s.drawnChanges++; s.lastDrawnPos = p; }
    }
    drew = false;
    if (p !== null && p !== s.lastPos) { s.positions++; s.lastPos = p; }
    requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
})();
"""

# Navigation and resource timing of the page: where the time to the first image went.
TIMELINE = """() => {
  const n = performance.getEntriesByType('navigation')[0];
  const row = (name, e) => ({
    name, start: e.startTime, request: e.requestStart, response: e.responseStart,
    end: e.responseEnd, bytes: e.encodedBodySize, decoded: e.decodedBodySize,
  });
  const rows = [row(location.pathname, n)];
  for (const e of performance.getEntriesByType('resource')) {
    rows.push(row(e.name.replace(location.origin, ''), e));
  }
  return rows;
}"""


def launch(p: Playwright) -> Browser:
    return p.chromium.launch(executable_path=CHROMIUM, args=ARGS)


def new_page(browser: Browser, full_pixels: int | None = None) -> Page:
    """A page in a fresh context (nothing cached) with the draw hook installed."""
    ctx = browser.new_context(viewport=VIEWPORT)  # type: ignore[arg-type]
    if full_pixels:
        ctx.add_init_script(f"window.__benchFullPixels = {int(full_pixels)};")
    ctx.add_init_script(DRAW_HOOK)
    return ctx.new_page()


def bench(page: Page) -> dict[str, Any]:
    return dict(page.evaluate("() => ({...window.__bench})"))


def wait_for(page: Page, key: str, timeout_s: float = 120) -> float:
    """Poll the hook until `key` ("first", "full") has a time; return it (ms from navigation)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        value = page.evaluate(f"() => window.__bench && window.__bench.{key}")
        if value is not None:
            return float(value)
        page.wait_for_timeout(20)
    raise RuntimeError(f"no {key} draw within {timeout_s:.0f} s")


def wait_first_draw(page: Page, timeout_s: float = 120) -> float:
    return wait_for(page, "first", timeout_s)


def image_box(page: Page) -> FloatRect:
    for sel in (".viewport", "canvas.dicom-canvas", "canvas"):
        loc = page.locator(sel).first
        if loc.count():
            box = loc.bounding_box()
            if box:
                return box
    raise RuntimeError("no canvas")


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


def timeline(page: Page) -> list[dict[str, Any]]:
    """The page's requests: start, request sent, first byte, end (ms), bytes on the wire."""
    return list(page.evaluate(TIMELINE))


def print_timeline(label: str, rows: list[dict[str, Any]], marks: dict[str, float]) -> None:
    print(f"  {label}: ms from navigation start (start / request / first byte / end), bytes")
    events = [(r["start"], r) for r in rows] + [(t, {"mark": m}) for m, t in marks.items()]
    for _, r in sorted(events, key=lambda e: e[0]):
        if "mark" in r:
            print(f"    {marks[r['mark']]:7.0f} {'':23s} -- {r['mark']}")
            continue
        print(
            f"    {r['start']:7.0f} {r['request']:7.0f} {r['response']:7.0f} {r['end']:7.0f}"
            f" {r['bytes']:>10,} {r['name'][:90]}"
        )
