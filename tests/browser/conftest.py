"""The system's Chromium, driven by Playwright, against the real stack (`stack` of tests/conftest.py).
`make browser` installs Chromium (Debian's package) and axe-core (npm); nothing downloads a browser."""
from __future__ import annotations

import os
from pathlib import Path
from typing import Iterator

import pytest
from playwright.sync_api import Browser, Dialog, Page, Playwright, sync_playwright

from bot.services import Stack

CHROMIUM = Path(os.environ.get("CHROMIUM", "/usr/bin/chromium"))
REPORT_BLOCKED = """document.addEventListener("securitypolicyviolation", (event) =>
    window.reportBlocked(`${event.effectiveDirective} blocked ${event.blockedURI} on ${document.location.href}`));"""
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="package")
def playwright() -> Iterator[Playwright]:
    """Playwright's sync API runs an event loop: it must stop before other tests call asyncio.run()."""
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="package")
def browser(playwright: Playwright) -> Iterator[Browser]:
    assert CHROMIUM.exists(), f"{CHROMIUM} is missing: run 'make browser' (Debian's chromium package)"
    chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
    yield chromium
    chromium.close()


@pytest.fixture
def base_url(stack: Stack) -> str:
    """The web server of the running stack, whose pages embed the widget."""
    return stack.settings.url(stack.settings.web_port, "")


@pytest.fixture
def dialogs() -> list[str]:
    """Messages of every alert, confirm or prompt the page opened (there must be none)."""
    return []


@pytest.fixture
def blocked() -> list[str]:
    """What a page's Content-Security-Policy blocked (there must be nothing: `page` checks it at the end)."""
    return []


@pytest.fixture
def page(browser: Browser, dialogs: list[str], blocked: list[str]) -> Iterator[Page]:
    """A new tab in a new profile (empty sessionStorage), in French, on a laptop-sized window."""
    context = browser.new_context(locale="fr-FR", viewport={"width": 1280, "height": 800})
    context.set_default_timeout(30_000)
    context.expose_function("reportBlocked", lambda report: blocked.append(report))
    context.add_init_script(REPORT_BLOCKED)
    tab = context.new_page()

    def record(dialog: Dialog) -> None:
        dialogs.append(dialog.message)
        dialog.dismiss()

    tab.on("dialog", record)
    yield tab
    context.close()
    assert blocked == [], "the Content-Security-Policy blocked these"
