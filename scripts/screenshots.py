#!/usr/bin/env python3
"""Take the screenshots of docs/viewer.md from the real viewer.

Starts this checkout's ``dcmview`` on the test corpus (``--corpus ci``, built into
.cache/corpus the first time) or on the built-in demo (``--corpus demo``), drives
Debian's Chromium through Playwright and writes one PNG per shot into docs/images/,
reduced to a 256-colour palette so each stays a few hundred KB.

    .venv/bin/python scripts/screenshots.py                 # every shot
    .venv/bin/python scripts/screenshots.py viewer-navigator  # one of them
    .venv/bin/python scripts/screenshots.py --list

A shot is a name, a window size and a function that brings the page into the state
to show: add one to SHOTS (it gets the page and the server's catalog).
"""

from __future__ import annotations

import argparse
import io
import json
import os
import subprocess
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "images"
CHROMIUM = Path(os.environ.get("DCMVIEW_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--use-angle=swiftshader",
    "--enable-unsafe-swiftshader",
]


@dataclass(frozen=True)
class Shot:
    """One screenshot: its file name (without .png), window size and how to get there."""

    name: str
    width: int
    height: int
    prepare: Callable[[Any, dict[str, dict[str, Any]]], None]
    description: str


# -- what the shots do ----------------------------------------------------------------


def _open(page: Any, files: dict[str, dict[str, Any]], name: str, frame: int = 0) -> None:
    """Open a file as a user does: filter the navigator, click the file, clear the filter."""
    f = files[name]
    page.fill('input[aria-label="Filter the navigator"]', f["display_name"])
    page.locator(f'.navigator [data-kind="instance"][data-file-index="{f["index"]}"]').click()
    page.fill('input[aria-label="Filter the navigator"]', "")
    page.evaluate(
        "() => document.activeElement instanceof HTMLElement && document.activeElement.blur()"
    )
    if f.get("has_pixels"):
        page.wait_for_selector(
            f'.viewport[data-shown="{f["index"]}:{frame}"][data-level="0"]', timeout=60_000
        )


def _settle(page: Any) -> None:
    page.wait_for_function(
        "() => window.__dcmview && window.__dcmview.busy() === 0", timeout=60_000
    )
    page.wait_for_timeout(600)  # thumbnails and the last draw


def overview(page: Any, files: dict[str, dict[str, Any]]) -> None:
    _open(page, files, "IM00020.dcm")
    page.mouse.move(*_viewport_point(page, 0.45, 0.5))
    _settle(page)


def mammography_tabs(page: Any, files: dict[str, dict[str, Any]]) -> None:
    for name in (
        "L_CC_explicit_le.dcm",
        "R_MLO_normal_j2k_lossless.dcm",
        "DBT_L_CC_12f_j2k_lossless.dcm",
        "DBT_L_CC_12f_rle_lossless.dcm",
        "L_CC_j2k_lossless.dcm",
    ):
        _open(page, files, name)
    page.keyboard.press("t")  # the tag panel away: the image and the tab strip
    _settle(page)


def navigator(page: Any, files: dict[str, dict[str, Any]]) -> None:
    _open(page, files, "R_MLO_normal_j2k_lossless.dcm")
    page.fill('input[aria-label="Filter the navigator"]', "edge")
    page.click('[data-testid="skipped"] button')
    _settle(page)


def small_screen(page: Any, files: dict[str, dict[str, Any]]) -> None:
    _open(page, files, "DBT_L_CC_12f_j2k_lossless.dcm")
    page.mouse.move(*_viewport_point(page, 0.5, 0.5))
    _settle(page)


def document(page: Any, files: dict[str, dict[str, Any]]) -> None:
    _open(page, files, "sr_basic_text_no_pixels.dcm")
    page.wait_for_selector('[data-testid="document"] h2', timeout=30_000)
    _settle(page)


def _viewport_point(page: Any, fx: float, fy: float) -> tuple[float, float]:
    box = page.locator(".viewport").bounding_box()
    return box["x"] + box["width"] * fx, box["y"] + box["height"] * fy


SHOTS: list[Shot] = [
    Shot(
        "viewer-overview",
        1400,
        900,
        overview,
        "a CT series: navigator with thumbnails, readout, tags",
    ),
    Shot(
        "viewer-mammography-tabs",
        1400,
        900,
        mammography_tabs,
        "mammograms in tabs labelled L CC, R MLO, ...",
    ),
    Shot(
        "viewer-navigator",
        1400,
        900,
        navigator,
        "the navigator filtered, with counts, badges and skipped paths",
    ),
    Shot(
        "viewer-small-screen",
        1000,
        700,
        small_screen,
        "tomosynthesis at 1000x700: nothing cut or covered",
    ),
    Shot("viewer-document", 1400, 900, document, "a Basic Text SR as a document"),
]

# -- the server and the browser --------------------------------------------------------


def start_server(args: list[str]) -> tuple[subprocess.Popen[str], dict[str, Any]]:
    cmd = [sys.executable, "-m", "dcmview", "--no-browser", "--port", "0", "--startup-json", *args]
    proc = subprocess.Popen(
        cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
    )
    assert proc.stdout is not None
    started: dict[str, Any] | None = None
    for line in proc.stdout:
        if not line.startswith("{"):
            continue
        msg = json.loads(line)
        if msg.get("type") == "server_started":
            started = msg
        elif msg.get("type") == "scan_complete":
            break
    if started is None:
        proc.kill()
        raise SystemExit("dcmview did not start")
    threading.Thread(target=lambda: [None for _ in proc.stdout or []], daemon=True).start()
    return proc, started


def corpus_args(which: str) -> list[str]:
    if which == "demo":
        return ["--demo"]
    out = subprocess.run(
        [sys.executable, "-m", "tests.corpus", "--cached", "--profile", which, "--quiet"],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    )
    return [out.stdout.strip().splitlines()[-1]]


def small_png(png: bytes) -> bytes:
    """The screenshot reduced to a 256-colour palette: a fraction of the bytes, alike to the eye."""
    from PIL import Image

    img = Image.open(io.BytesIO(png)).convert("RGB")
    buf = io.BytesIO()
    img.quantize(colors=256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE).save(
        buf, "PNG", optimize=True
    )
    return buf.getvalue()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("names", nargs="*", help="shots to take (default: all)")
    ap.add_argument("--corpus", default="ci", help="ci (default), bench or demo")
    ap.add_argument("--out", type=Path, default=OUT)
    ap.add_argument("--list", action="store_true", help="list the shots and exit")
    ns = ap.parse_args(argv)
    if ns.list:
        for s in SHOTS:
            print(f"{s.name:28} {s.width}x{s.height}  {s.description}")
        return 0
    unknown = set(ns.names) - {s.name for s in SHOTS}
    if unknown:
        ap.error(f"unknown shot(s): {', '.join(sorted(unknown))} (see --list)")
    shots = [s for s in SHOTS if not ns.names or s.name in ns.names]
    from playwright.sync_api import sync_playwright

    ns.out.mkdir(parents=True, exist_ok=True)
    proc, started = start_server(corpus_args(ns.corpus))
    try:
        import httpx

        head = {"Authorization": f"Bearer {started['token']}"}
        listing = httpx.get(f"{started['base_url']}/api/files", headers=head, timeout=30).json()
        files = {f["display_name"]: f for f in listing["files"]}
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            for shot in shots:
                ctx = browser.new_context(viewport={"width": shot.width, "height": shot.height})
                page = ctx.new_page()
                page.goto(started["url"])
                page.wait_for_selector(".viewport[data-shown]", timeout=60_000)
                shot.prepare(page, files)
                data = small_png(page.screenshot())
                (ns.out / f"{shot.name}.png").write_bytes(data)
                print(f"{shot.name}.png  {len(data) // 1024} KiB")
                ctx.close()
            browser.close()
    finally:
        proc.terminate()
        proc.wait(timeout=15)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
