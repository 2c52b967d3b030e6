"""Progressive frames end to end (issue 13): the readout and the polling.

The pixel readout always follows the frame on screen at full resolution, also while
the keyboard steps frames and the pointer stays still; and nothing polls the server
more than needed.
"""

from __future__ import annotations

import re
from urllib.parse import urlparse

import httpx
import pytest

import dcmview.sdk as sdk
from tests.e2e.helpers import (
    Viewer,
    find_file,
    open_file,
    wait_idle,
    wait_shown,
)

pytestmark = pytest.mark.e2e

READOUT = re.compile(r"\((\d+), (\d+)\) stored (-?\d+)")


def readout(v: Viewer) -> tuple[int, int, int] | None:
    text = v.page.text_content('[data-testid="readout"]') or ""
    m = READOUT.search(text)
    return (int(m[1]), int(m[2]), int(m[3])) if m else None


def wait_readout(v: Viewer, stored: int) -> None:
    """Wait until the readout shows stored value `stored` (a stale value times out)."""
    v.page.wait_for_function(
        "(want) => /stored (-?\\d+)/.exec("
        "document.querySelector('[data-testid=\"readout\"]')?.textContent ?? '')?.[1] === want",
        arg=str(stored),
        timeout=15_000,
    )


def point_at_image(v: Viewer, fx: float = 0.5, fy: float = 0.5) -> None:
    box = v.page.locator(".viewport").bounding_box()
    assert box is not None
    v.page.mouse.move(box["x"] + box["width"] * fx, box["y"] + box["height"] * fy)


# -- the ci corpus ------------------------------------------------------------------------


@pytest.mark.corpus
def test_the_readout_follows_the_frames_stepped_with_the_keyboard(
    viewer: Viewer, api: httpx.Client
) -> None:
    f = find_file(api, "DBT_L_CC_12f_j2k_lossless.dcm")
    open_file(viewer, f)
    wait_idle(viewer)
    point_at_image(viewer, 0.5, 0.45)
    viewer.page.wait_for_selector('[data-testid="readout"]')
    first = readout(viewer)
    assert first is not None
    row, column, stored = first
    instance = sdk.open(f["path"])
    want = [int(instance.frame(k).array()[row, column]) for k in range(f["frame_count"])]
    assert stored == want[0]
    assert len(set(want)) > 1, "the chosen pixel does not change across frames"
    # The pointer stays where it is; only the keyboard moves through the frames.
    for k in range(1, f["frame_count"]):
        viewer.page.keyboard.press("ArrowRight")
        wait_shown(viewer, f["index"], k, level=None)
        wait_readout(viewer, want[k])
        assert readout(viewer) == (row, column, want[k])
    viewer.page.keyboard.press("Home")
    wait_readout(viewer, want[0])


@pytest.mark.corpus
def test_the_viewer_stops_polling_once_the_scan_is_complete(viewer: Viewer) -> None:
    page = viewer.page
    page.wait_for_selector('.viewport[data-shown$=":0"]', timeout=30_000)
    wait_idle(viewer)
    start = len(viewer.requests)
    page.wait_for_timeout(6500)
    paths = [urlparse(u).path for u in viewer.requests[start:]]
    assert "/api/files" not in paths
    assert "/api/series" not in paths
    # Health only while nothing else answers, every 3 s at most.
    assert paths.count("/api/health") <= 3
    assert set(paths) <= {"/api/health"}
