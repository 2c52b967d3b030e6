"""Fixtures of the browser tests: a real ``dcmview`` server and Debian's Chromium.

The server runs this checkout's CLI on the ci corpus, once per session; the browser is
Playwright driving ``/usr/bin/chromium``. What the tests use besides the fixtures (the
server process, page helpers) is in helpers.py, the overlay read-back in overlay_checks.py.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import httpx
import pytest

from tests import IN_CI
from tests.e2e.helpers import CHROMIUM, CHROMIUM_ARGS, Server, Viewer, open_viewer, start_server

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Playwright


def _require_browser() -> None:
    """Skip (outside CI) or fail (in CI) when Playwright or Chromium is missing."""
    missing = []
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        missing.append("the playwright package (pip install playwright)")
    if not CHROMIUM.is_file():
        missing.append(f"Chromium at {CHROMIUM} (apt-get install chromium)")
    if missing:
        reason = "browser tests need " + " and ".join(missing)
        if IN_CI:
            pytest.fail(reason)
        pytest.skip(reason)


@pytest.fixture(scope="session")
def server(corpus_ci: Path) -> Iterator[Server]:
    """One ``dcmview`` server on the ci corpus for the whole session."""
    _require_browser()
    srv = start_server([corpus_ci])
    yield srv
    srv.stop()


@pytest.fixture(scope="session")
def api(server: Server) -> Iterator[httpx.Client]:
    with server.client() as c:
        yield c


@pytest.fixture(scope="session")
def playwright_() -> Iterator[Playwright]:
    _require_browser()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="session")
def browser(playwright_: Playwright) -> Iterator[Browser]:
    b = playwright_.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
    yield b
    b.close()


@pytest.fixture
def viewer(browser: Browser, server: Server) -> Iterator[Viewer]:
    """The viewer opened with the printed link; fails the test on any uncaught page error."""
    v = open_viewer(browser, server.url)
    yield v
    v.page.context.close()
    assert v.errors == [], f"the page logged errors: {v.errors}"


@pytest.fixture
def page_viewer(browser: Browser, server: Server) -> Iterator[Viewer]:
    """The viewer; a 4xx answer of an overlay that cannot be drawn is expected here.

    Chromium logs every non-2xx fetch as a console error; those of the overlay routes
    are the answers the panel turns into its messages. Anything else fails the test.
    """
    v = open_viewer(browser, server.url)
    yield v
    v.page.context.close()
    unexpected = [e for e in v.errors if "Failed to load resource" not in e]
    assert unexpected == [], f"the page logged errors: {unexpected}"
