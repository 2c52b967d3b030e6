"""What the browser tests share: a real ``dcmview`` server process and the viewer's page.

The server is this checkout's CLI (``python -m dcmview --startup-json``); the browser is
Playwright driving Debian's Chromium (``playwright install`` cannot download in CI).
WebGL2 runs on SwiftShader, the CPU implementation, since the machines have no GPU.
The fixtures that start them once per session are in conftest.py.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
import numpy as np
from PIL import Image

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page, ViewportSize

CHROMIUM = Path(os.environ.get("DCMVIEW_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    # WebGL2 without a GPU: ANGLE on SwiftShader (the viewer's fast path is tested too).
    "--use-angle=swiftshader",
    "--enable-unsafe-swiftshader",
]
VIEWPORT: ViewportSize = {"width": 1280, "height": 720}
STARTUP_TIMEOUT_S = 60


@dataclass
class Server:
    """A running ``dcmview`` process and what its startup JSON said."""

    proc: subprocess.Popen[str]
    base_url: str
    token: str
    url: str
    stderr: list[str] = field(default_factory=list)

    def client(self) -> httpx.Client:
        return httpx.Client(
            base_url=self.base_url, headers={"Authorization": f"Bearer {self.token}"}, timeout=30
        )

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        for stream in (self.proc.stdout, self.proc.stderr):
            if stream is not None:
                stream.close()


def start_server(
    paths: list[Path] | list[str], *extra: str, env: dict[str, str] | None = None
) -> Server:
    """Start ``python -m dcmview``; wait for its ``server_started`` and ``scan_complete`` lines.

    `paths` may hold a DICOMweb URL; `env` replaces the environment (credentials).
    """
    proc = subprocess.Popen(
        [sys.executable, "-m", "dcmview", "--no-browser", "--port", "0", "--startup-json", *extra]
        + [str(p) for p in paths],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        bufsize=1,
    )
    assert proc.stdout is not None
    assert proc.stderr is not None
    stderr: list[str] = []
    # Drain stderr so the server never blocks on a full pipe.
    threading.Thread(target=lambda: stderr.extend(proc.stderr or []), daemon=True).start()
    started: dict[str, Any] | None = None
    timer = threading.Timer(STARTUP_TIMEOUT_S, proc.kill)
    timer.start()
    try:
        for line in proc.stdout:
            if not line.startswith("{"):
                continue
            msg = json.loads(line)
            if msg.get("type") == "server_started":
                started = msg
            elif msg.get("type") == "scan_complete":
                break
    finally:
        timer.cancel()
    if started is None:
        proc.kill()
        proc.wait()
        raise RuntimeError("dcmview did not start:\n" + "".join(stderr))
    # Keep reading stdout in the background for the same reason as stderr.
    threading.Thread(target=lambda: [None for _ in proc.stdout or []], daemon=True).start()
    return Server(proc, started["base_url"], started["token"], started["url"], stderr)


@dataclass
class Viewer:
    """A page of the viewer with the errors and requests it produced."""

    page: Page
    errors: list[str]
    requests: list[str]


def open_viewer(
    browser: Browser,
    url: str,
    setup: Callable[[Page], None] | None = None,
    size: ViewportSize | None = None,
) -> Viewer:
    """Open the viewer at `url` in a window of `size` (default VIEWPORT); `setup` runs first.

    `setup` runs on the page before it loads (e.g. to route requests).
    """
    context = browser.new_context(viewport=size or VIEWPORT, accept_downloads=True)
    page = context.new_page()
    if setup is not None:
        setup(page)
    errors: list[str] = []
    requests: list[str] = []
    page.on("pageerror", lambda exc: errors.append(f"pageerror: {exc}"))
    page.on("console", lambda m: errors.append(f"console: {m.text}") if m.type == "error" else None)
    page.on("request", lambda r: requests.append(r.url))
    page.goto(url)
    return Viewer(page, errors, requests)


def files_by_suffix(api: httpx.Client) -> dict[str, dict[str, Any]]:
    """Catalog entries keyed by corpus-relative path."""
    files = api.get("/api/files").json()["files"]
    return {"/".join(Path(f["path"]).parts[-6:]): f for f in files} | {f["path"]: f for f in files}


def find_file(api: httpx.Client, endswith: str) -> dict[str, Any]:
    for f in api.get("/api/files").json()["files"]:
        if f["path"].endswith(endswith):
            return dict(f)
    raise AssertionError(f"no catalog file ends with {endswith}")


def wait_shown(v: Viewer, file_index: int, frame: int = 0, level: int | None = 0) -> None:
    """Wait until the viewport has drawn frame `frame` of file `file_index`.

    At full resolution by default (a frame first drawn from a reduced level is refined
    when the viewer stops on it); `level=None` accepts any level.
    """
    selector = f'.viewport[data-shown="{file_index}:{frame}"]'
    if level is not None:
        selector += f'[data-level="{level}"]'
    v.page.wait_for_selector(selector, timeout=30_000)
    # One more animation frame so the draw of that frame has happened.
    v.page.evaluate("() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")


def wait_idle(v: Viewer) -> None:
    """Wait until the viewer has no frame loads queued or in flight."""
    v.page.wait_for_function(
        "() => window.__dcmview && window.__dcmview.busy() === 0", timeout=30_000
    )


def open_file(v: Viewer, file: dict[str, Any], frame: int = 0) -> None:
    """Open a file the way a user does: filter the navigator, click the instance."""
    page = v.page
    page.fill('input[aria-label="Filter the navigator"]', file["display_name"])
    row = page.locator(f'.navigator [data-kind="instance"][data-file-index="{file["index"]}"]')
    row.click()
    page.fill('input[aria-label="Filter the navigator"]', "")
    # Leave the filter box: keys typed next are viewer shortcuts, not text.
    page.evaluate(
        "() => document.activeElement instanceof HTMLElement && document.activeElement.blur()"
    )
    wait_shown(v, file["index"], frame)


def viewport_pixels(v: Viewer) -> np.ndarray:
    """The viewport as the user sees it (canvas and overlays), as an RGB array."""
    png = v.page.locator(".viewport").screenshot()
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGB"))


def view_state(v: Viewer) -> dict[str, Any]:
    raw = v.page.get_attribute(".viewport", "data-view")
    assert raw, "the viewport has no view yet"
    return dict(json.loads(raw))


def screen_to_image(
    view: dict[str, Any], image: tuple[int, int], size: tuple[int, int], sx: Any, sy: Any
) -> tuple[Any, Any]:
    """render/transform.ts screenToImage: unpan, unzoom, unrotate, unflip."""
    h, w = image
    vh, vw = size
    rx = (sx - vw / 2 - view["panX"]) / view["zoom"]
    ry = (sy - vh / 2 - view["panY"]) / view["zoom"]
    back = (360 - view["rotation"]) % 360  # rotate clockwise by (360 - rotation)
    qx, qy = {0: (rx, ry), 90: (-ry, rx), 180: (-rx, -ry), 270: (ry, -rx)}[back]
    if view["flipH"]:
        qx = -qx
    if view["flipV"]:
        qy = -qy
    return qx + w / 2, qy + h / 2


def image_to_screen(
    view: dict[str, Any], image: tuple[int, int], size: tuple[int, int], x: Any, y: Any
) -> tuple[Any, Any]:
    """render/transform.ts imageToScreen: flip in image space, rotate clockwise, zoom, pan."""
    h, w = image
    vh, vw = size
    x, y = np.asarray(x, float) - w / 2, np.asarray(y, float) - h / 2
    if view["flipH"]:
        x = -x
    if view["flipV"]:
        y = -y
    rx, ry = {0: (x, y), 90: (-y, x), 180: (-x, -y), 270: (y, -x)}[view["rotation"]]
    return vw / 2 + view["panX"] + view["zoom"] * rx, vh / 2 + view["panY"] + view["zoom"] * ry


def server_png(api: httpx.Client, index: int, frame: int, query: str = "") -> np.ndarray:
    resp = api.get(f"/api/file/{index}/frame/{frame}{query}")
    resp.raise_for_status()
    return np.asarray(Image.open(io.BytesIO(resp.content)).convert("RGB")).astype(int)


def overlay_mask(v: Viewer, shape: tuple[int, int], pane: str = ".viewport") -> np.ndarray:
    """True where no overlay text or marker of `pane` (its ``div`` children) is drawn."""
    boxes = v.page.evaluate(
        """(sel) => { const vp = document.querySelector(sel).getBoundingClientRect();
        return [...document.querySelectorAll(sel + ' > div')].map((e) => {
          const r = e.getBoundingClientRect();
          return [r.left - vp.left, r.top - vp.top, r.right - vp.left, r.bottom - vp.top];
        }); }""",
        pane,
    )
    keep = np.ones(shape, dtype=bool)
    for x0, y0, x1, y1 in boxes:
        # A layer over the whole pane (the Redact tool's) is not text or a marker, nor is a
        # wrapper without a box of its own (display: contents).
        if (x1 - x0) * (y1 - y0) > 0.5 * shape[0] * shape[1] or x1 <= x0 or y1 <= y0:
            continue
        top, left = max(0, int(y0) - 3), max(0, int(x0) - 3)
        keep[top : max(0, int(y1) + 4), left : max(0, int(x1) + 4)] = False
    return keep


def area_reference(
    want: np.ndarray, view: dict[str, Any], size: tuple[int, int]
) -> tuple[np.ndarray, np.ndarray]:
    """What an area-filtered draw of `want` shows on a screen of `size` (rows, columns).

    Each screen pixel is the mean of the image pixels whose centres fall in its footprint
    ``[x0, x1) × [y0, y1)`` (Pillow's BOX rule, computed exactly with an integral image).
    Returns the reference (float, rows × columns × channels) and where it is defined (the
    footprint lies inside the image). For an unrotated, unflipped view at ratio 1.
    """
    assert view["rotation"] == 0
    assert not view["flipH"]
    assert not view["flipV"]
    vh, vw = size
    h, w = want.shape[:2]
    x0, _ = screen_to_image(view, (h, w), size, np.arange(vw, dtype=float), 0.0)
    x1, _ = screen_to_image(view, (h, w), size, np.arange(vw, dtype=float) + 1, 0.0)
    _, y0 = screen_to_image(view, (h, w), size, 0.0, np.arange(vh, dtype=float))
    _, y1 = screen_to_image(view, (h, w), size, 0.0, np.arange(vh, dtype=float) + 1)

    def span(lo: np.ndarray, hi: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
        return (
            np.clip(np.ceil(lo - 0.5), 0, n).astype(int),
            np.clip(np.ceil(hi - 0.5), 0, n).astype(int),
        )

    i0, i1 = span(x0, x1, w)
    j0, j1 = span(y0, y1, h)
    count = (j1 - j0)[:, None] * (i1 - i0)[None, :]
    ref = np.zeros((vh, vw, want.shape[2]))
    for c in range(want.shape[2]):
        s = np.zeros((h + 1, w + 1))
        s[1:, 1:] = want[..., c].astype(float).cumsum(0).cumsum(1)
        total = s[j1][:, i1] - s[j1][:, i0] - s[j0][:, i1] + s[j0][:, i0]
        ref[..., c] = total / np.maximum(count, 1)
    inside = ((x0 >= 0) & (x1 <= w))[None, :] & ((y0 >= 0) & (y1 <= h))[:, None] & (count > 0)
    return ref, inside


def assert_matches_server(
    v: Viewer, api: httpx.Client, index: int, frame: int, query: str = ""
) -> None:
    """The viewport shows the server PNG: exactly at 1:1 and above, area-filtered below.

    At a zoom of 1 or more every safely sampled viewport pixel equals the server PNG
    within ±2: a screen pixel is compared when its center falls well inside an image
    pixel (not within 15 % of a pixel edge, where nearest-neighbour sampling may pick
    either side) and away from the overlay text. Below 1:1 the viewer averages the image
    pixels under each screen pixel (render/gl.ts), so the screen is compared with that
    average of the server PNG (:func:`area_reference`).
    """
    want = server_png(api, index, frame, query)
    shot = viewport_pixels(v).astype(int)
    view = view_state(v)
    vh, vw = shot.shape[:2]
    ys, xs = np.mgrid[0:vh, 0:vw]
    if view["zoom"] < 1:
        assert_area_matches(v, want, shot, view)
        return
    px, py = screen_to_image(view, want.shape[:2], (vh, vw), xs + 0.5, ys + 0.5)
    h, w = want.shape[:2]
    fx, fy = px % 1, py % 1
    mask = (px >= 0) & (py >= 0) & (px < w) & (py < h)
    mask &= (fx > 0.15) & (fx < 0.85) & (fy > 0.15) & (fy < 0.85)
    mask &= (xs > vw * 0.2) & (xs < vw * 0.8) & (ys > vh * 0.12) & (ys < vh * 0.88)
    mask &= overlay_mask(v, (vh, vw))
    assert mask.sum() > 2000, "too few pixels to compare: is the image on screen?"
    got = shot[mask]
    ref = want[py[mask].astype(int), px[mask].astype(int)]
    diff = np.abs(got - ref)
    bad = int((diff > 2).any(axis=1).sum())
    assert diff.max() <= 2, (
        f"{bad} of {len(diff)} pixels differ from the server PNG by more than 2 "
        f"(max {int(diff.max())})"
    )
    # And the picture is not trivially blank.
    assert got.std() > 5


def assert_area_matches(
    v: Viewer, want: np.ndarray, shot: np.ndarray, view: dict[str, Any], pane: str = ".viewport"
) -> None:
    """Below 1:1: the screen `shot` of `pane` is the area average of the server PNG `want`.

    Flips are undone first: a mirrored screen of a flipped view is the unflipped view
    with the pan mirrored.

    WebGL2: nearly every pixel within ±2 (a texel centre on a footprint's edge may fall
    either side in the shader's float32 arithmetic, so a few pixels may differ more).
    The 2D-canvas fallback downscales with the browser's high-quality smoothing, close to
    the area average but not the same rule: there the mean difference is what is held.
    """
    vh, vw = shot.shape[:2]
    keep = overlay_mask(v, (vh, vw), pane)
    if view["flipH"]:
        shot, keep, view = (
            shot[:, ::-1],
            keep[:, ::-1],
            {**view, "flipH": False, "panX": -view["panX"]},
        )
    if view["flipV"]:
        view = {**view, "flipV": False, "panY": -view["panY"]}
        shot, keep = shot[::-1], keep[::-1]
    ref, inside = area_reference(want, view, (vh, vw))
    ys, xs = np.mgrid[0:vh, 0:vw]
    mask = inside & keep
    mask &= (xs > vw * 0.05) & (xs < vw * 0.95) & (ys > vh * 0.05) & (ys < vh * 0.95)
    assert mask.sum() > 2000, "too few pixels to compare: is the image on screen?"
    diff = np.abs(shot[mask] - ref[mask]).max(axis=1)
    share = float((diff <= 2).mean())
    if v.page.get_attribute(pane, "data-renderer") == "canvas2d":
        assert float(diff.mean()) < 1.5, f"mean difference {diff.mean():.2f}"
        assert share >= 0.85, f"only {share:.2%} within 2"
        return
    assert share >= 0.995, (
        f"only {share:.2%} of {len(diff)} pixels are within 2 of the area-filtered server PNG "
        f"(mean difference {diff.mean():.2f}, max {diff.max():.0f})"
    )
    assert float(diff.mean()) < 0.6
    assert shot[mask].std() > 5
