"""What a patron does with the chat widget in a page, and what the tests read from it.
Playwright's CSS and role locators reach inside the widget's open Shadow DOM."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from playwright.sync_api import Locator, Page, expect

AXE = Path(__file__).parent / "node_modules" / "axe-core" / "axe.min.js"
LAUNCHER = "Besoin d'aide ?"


def input_box(page: Page) -> Locator:
    return page.locator(".aiguillage-widget #input")


def log(page: Page) -> Locator:
    return page.get_by_role("log", name="Conversation")


def bot_messages(page: Page) -> Locator:
    return log(page).locator(".message.bot")


def open_widget(page: Page, url: str) -> None:
    """Load the page and open the chat panel."""
    page.goto(url)
    page.get_by_role("button", name=LAUNCHER).click()
    expect(page.get_by_role("dialog")).to_be_visible()


def wait_for_answer(page: Page, messages_before: int) -> None:
    """Wait until the bot's answer is in the log and the typing indicator is gone."""
    expect(bot_messages(page)).not_to_have_count(messages_before)
    expect(page.locator(".aiguillage-widget .typing")).to_have_text("")


def say(page: Page, text: str) -> None:
    """Type a message, send it with Enter, wait for the answer."""
    before = bot_messages(page).count()
    input_box(page).fill(text)
    input_box(page).press("Enter")
    wait_for_answer(page, before)


def choose(page: Page, title: str) -> None:
    """Click one of the bot's buttons, wait for the answer."""
    before = bot_messages(page).count()
    log(page).get_by_role("button", name=title, exact=True).click()
    wait_for_answer(page, before)


def focused(page: Page) -> dict[str, str]:
    """Tag, id and text of the element that has the focus, inside the widget's Shadow DOM too."""
    return page.evaluate("""() => {
        let element = document.activeElement;
        while (element && element.shadowRoot && element.shadowRoot.activeElement) {
            element = element.shadowRoot.activeElement;
        }
        return {tag: element.tagName.toLowerCase(), id: element.id, text: element.textContent.trim()};
    }""")


def axe_violations(page: Page) -> list[dict[str, Any]]:
    """axe-core's violations on the page as it is now (Shadow DOM included), without the node details."""
    page.evaluate(AXE.read_text())  # as the test driver, which the page's Content-Security-Policy allows
    # No CSSOM preload: its inline <style> breaks our policy; it serves only css-orientation-lock (no such CSS here)
    violations = page.evaluate("async () => (await axe.run({preload: false})).violations")
    return [{"id": violation["id"], "impact": violation["impact"],
             "targets": [node["target"] for node in violation["nodes"]]} for violation in violations]


def horizontal_overflow(page: Page) -> dict[str, int]:
    """How many CSS pixels the page and the chat panel overflow sideways (0 each when all fits)."""
    return page.evaluate("""() => {
        const root = document.querySelector('.aiguillage-widget').shadowRoot;
        const panel = root.querySelector('.panel');
        const overflow = (element) => Math.max(0, element.scrollWidth - element.clientWidth);
        return {
            page: overflow(document.documentElement),
            panel: overflow(panel) + overflow(root.querySelector('.log')),
            panel_outside_window: Math.max(0, Math.ceil(panel.getBoundingClientRect().right) - window.innerWidth),
        };
    }""")
