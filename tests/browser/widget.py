"""What a patron does with the chat widget in a page, and what the tests read from it.
Playwright's CSS and role locators reach inside the widget's open Shadow DOM."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Callable

from playwright.sync_api import Locator, Page, Request, Route, expect

AXE = Path(__file__).parent / "node_modules" / "axe-core" / "axe.min.js"
LAUNCHER = "Besoin d'aide ?"
WEBHOOK = "**/webhooks/rest/webhook"
# The browser's speech synthesis, replaced by a recorder: what « Écouter » would say is kept in window.spoken.
RECORD_SPEECH = """window.spoken = [];
speechSynthesis.speak = (utterance) => window.spoken.push(utterance.text);
speechSynthesis.cancel = () => {};"""
Messages = list[dict[str, Any]]


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


def answer_to(page: Page, act: Callable[[], None]) -> Messages:
    """Do `act`, wait for the bot's answer to be shown, and return it as the REST channel sent it."""
    before = bot_messages(page).count()
    with page.expect_response(lambda response: response.request.method == "POST"
                              and response.url.endswith("/webhooks/rest/webhook")) as response:
        act()
    wait_for_answer(page, before)
    return response.value.json()


def say(page: Page, text: str) -> Messages:
    """Type a message, send it with Enter; the bot's answer once it is shown."""
    input_box(page).fill(text)
    return answer_to(page, lambda: input_box(page).press("Enter"))


def choose(page: Page, title: str) -> Messages:
    """Click one of the bot's buttons; the bot's answer once it is shown."""
    return answer_to(page, lambda: log(page).get_by_role("button", name=title, exact=True).click())


def custom(messages: Messages, key: str) -> dict[str, Any]:
    """The `custom.<key>` object of an answer (a card, the triage); fails when the answer has none."""
    found = [message["custom"][key] for message in messages if key in message.get("custom", {})]
    assert found, f"no custom.{key} in the answer: {messages}"
    return found[0]


def answer_with(page: Page, messages: Messages) -> None:
    """The REST channel answers `messages` to every message from now on (CORS as Rasa answers it)."""
    cors = {"Access-Control-Allow-Origin": "*", "Access-Control-Allow-Headers": "Content-Type",
            "Access-Control-Allow-Methods": "POST, OPTIONS"}

    def fulfil(route: Route, request: Request) -> None:
        if request.method == "OPTIONS":
            route.fulfill(status=204, headers=cors)
        else:
            route.fulfill(status=200, headers=cors, content_type="application/json", body=json.dumps(messages))

    page.route(WEBHOOK, fulfil)


def card(page: Page, name: str) -> Locator:
    """The card in the conversation whose heading is `name`."""
    return log(page).locator(".card").filter(has=page.get_by_role("heading", name=name, exact=True))


def listen_buttons_per_turn(page: Page) -> list[list[int]]:
    """For each bot turn (bot messages in a row), how many « Écouter » buttons each of its messages has."""
    return page.evaluate("""() => {
        const log = document.querySelector('.aiguillage-widget').shadowRoot.querySelector('.log');
        const turns = [];
        let turn = null;
        for (const node of log.children) {
            if (!node.matches('.message.bot')) {
                turn = null;
                continue;
            }
            if (!turn) {
                turn = [];
                turns.push(turn);
            }
            turn.push(node.querySelectorAll('button.listen').length);
        }
        return turns;
    }""")


def spoken(page: Page) -> list[str]:
    """What « Écouter » said since the page loaded (the page needs RECORD_SPEECH as an init script)."""
    return page.evaluate("() => window.spoken")


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
