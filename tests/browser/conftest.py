"""Playwright on Debian's Chromium (never a downloaded browser).

Screenshots go to ``artifacts/screenshots/`` (or ``$SCREENSHOT_DIR``), which
CI keeps; look at them: a page nobody has seen is not done.
"""

import os
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from refundportal import clock
from tests.conftest import BASE_DIR, CHROMIUM, _missing

LAUNCH_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 860}
# Every browser test runs on this clock, in the test and in the live server's
# threads alike: late in a month and mid-afternoon in Shanghai, so that nothing a
# page shows depends on the day the suite runs.
BROWSER_NOW = datetime(2026, 3, 26, 14, 30, tzinfo=ZoneInfo("Asia/Shanghai"))
SCREENSHOTS = Path(os.environ.get("SCREENSHOT_DIR", BASE_DIR / "artifacts" / "screenshots"))


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        _missing(f"needs Chromium at {CHROMIUM}", required_in_ci=True)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        yield launched
        launched.close()


@pytest.fixture(autouse=True)
def now() -> Iterator[datetime]:
    with clock.frozen_everywhere(BROWSER_NOW):
        yield BROWSER_NOW


@pytest.fixture(autouse=True)
def _on_the_browser_clock(now: datetime) -> None:
    """A module that overrides ``now`` with a clock of its own fails here,
    before its pages could show what depends on the day the suite runs."""
    assert now == BROWSER_NOW
    assert clock.now() == BROWSER_NOW, "browser tests run on BROWSER_NOW"


@pytest.fixture
def open_page(browser: Any, live_server: Any) -> Iterator[Any]:
    """``open_page(locale="zh-CN", viewport=PHONE)``: a fresh browser context
    on the live server; closed after the test."""
    contexts: list[Any] = []

    def make(locale: str = "zh-CN", viewport: dict[str, int] | None = None) -> Any:
        context = browser.new_context(
            locale=locale,
            viewport=viewport or PHONE,
            base_url=live_server.url,
            extra_http_headers={"Accept-Language": locale},
        )
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(10_000)
        return page

    yield make
    for context in contexts:
        context.close()


def screenshot(page: Any, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def loaded_width(image: Any) -> int:
    """An image's natural width once it has loaded (pages load photos lazily,
    and a busy server may answer after the page's own load event); 0 for a
    broken image."""
    image.scroll_into_view_if_needed()
    image.evaluate(
        "img => img.complete"
        " || new Promise((resolve) => {"
        " img.addEventListener('load', resolve); img.addEventListener('error', resolve); })"
    )
    return int(image.evaluate("img => img.naturalWidth"))
