"""Browser tests: Playwright (sync API) against the app served by pytest-django's live_server.

Playwright's sync API runs an asyncio event loop in the test thread, which makes Django
refuse ORM calls from that thread unless DJANGO_ALLOW_ASYNC_UNSAFE is set. The live server
runs in its own thread and uses a transactional test database, so the seeds are loaded in
each test that needs them (the database is flushed after every test).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = Path("/usr/bin/chromium")
PASSWORD = "correct horse battery staple"  # tests.factories.UserFactory's password
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
SCREENSHOTS = Path(settings.BASE_DIR) / "test-artefacts" / "screenshots"
# Chromium reports a CSP violation on the console already; this makes sure each one is seen
# with its directive and blocked address (Playwright injects the script outside the page's
# CSP).
REPORT_CSP_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", function (event) {
  console.error("CSP violation: " + event.violatedDirective + " blocked " +
    (event.blockedURI || "inline") + " at " + event.sourceFile + ":" + event.lineNumber);
});
"""


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is not installed")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        try:
            yield chromium
        finally:
            chromium.close()


@dataclass
class ConsoleLog:
    """Errors the browser reported: console errors (CSP violations among them) and
    uncaught exceptions, with the page they happened on."""

    errors: list[str] = field(default_factory=list)

    def clear(self) -> None:
        self.errors.clear()

    def assert_clean(self) -> None:
        assert not self.errors, "browser console errors:\n" + "\n".join(self.errors)


@pytest.fixture
def console() -> ConsoleLog:
    return ConsoleLog()


def _watch(page: Any, console: ConsoleLog) -> None:
    def on_console(message: Any) -> None:
        if message.type == "error":
            console.errors.append(f"{page.url}: {message.text}")

    page.on("console", on_console)
    page.on("pageerror", lambda error: console.errors.append(f"{page.url}: {error}"))


@pytest.fixture
def new_page(browser: Any, console: ConsoleLog) -> Iterator[Any]:
    """Open a page in a fresh browser context (its own cookies) of the given viewport."""
    contexts: list[Any] = []

    def make(viewport: dict[str, int] = DESKTOP, **options: Any) -> Any:
        context = browser.new_context(viewport=viewport, accept_downloads=True, **options)
        context.set_default_timeout(10_000)
        context.add_init_script(REPORT_CSP_VIOLATIONS)
        contexts.append(context)
        page = context.new_page()
        _watch(page, console)
        return page

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def seeded(transactional_db: None, live_server: Any) -> Any:
    """The seed data (the Korea-Chile scenario) in the live server's database."""
    from engagements.seeding import seed_load

    seed_load()
    return live_server


def login(page: Any, base_url: str, username: str, password: str = PASSWORD) -> None:
    """Sign in through the real login form."""
    page.goto(f"{base_url}/accounts/login/")
    page.get_by_label(re.compile("username", re.I)).fill(username)
    page.locator("input[name=password]").fill(password)
    page.locator("form[action$='/accounts/login/'] button[type=submit]").click()
    page.wait_for_load_state("domcontentloaded")
    assert "/accounts/login/" not in page.url, f"{username} could not sign in"


def screenshot(page: Any, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
