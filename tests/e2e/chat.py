"""A patron talking to the running assistant over the REST channel (docs/contract.md §2), and contract checks."""
from __future__ import annotations

import uuid
from typing import Any, Optional

import requests

from bot.contract import PARTNER_KINDS, ROUTES, SCOPES, THEMES

Message = dict[str, Any]


class Chat:
    """One conversation: a new sender id, messages posted to the REST webhook."""

    def __init__(self, webhook_url: str):
        self.webhook_url = webhook_url
        self.sender = uuid.uuid4().hex

    def say(self, message: str) -> list[Message]:
        response = requests.post(self.webhook_url, json={"sender": self.sender, "message": message}, timeout=60)
        response.raise_for_status()
        return response.json()

    def triage(self, message: str) -> dict[str, Any]:
        """Send a message and return the triage payload of the bot's turn, checked against the contract."""
        return triage_of(self.say(message))


def triage_payloads(messages: list[Message]) -> list[dict[str, Any]]:
    return [m["custom"]["triage"] for m in messages
            if isinstance(m.get("custom"), dict) and "triage" in m["custom"]]


def triage_of(messages: list[Message]) -> dict[str, Any]:
    """The one `custom.triage` of a turn (docs/contract.md §3), checked for shape."""
    payloads = triage_payloads(messages)
    assert len(payloads) == 1, f"expected exactly one triage message, got {messages}"
    check_triage_shape(payloads[0])
    return payloads[0]


def check_triage_shape(triage: dict[str, Any]) -> None:
    route = triage["route"]
    assert route in ROUTES and triage["scope"] in SCOPES
    assert 0.0 <= triage["confidence"] <= 1.0
    allowed = {"route", "scope", "confidence"} | {"tutorial": {"theme"}, "referral": {"partner"},
                                                    "clarify": {"candidates"}}.get(route, set())
    if route == "workshop":  # a theme when the patron named one
        allowed |= {"theme"} & set(triage)
    assert set(triage) == allowed, triage
    if route in ("tutorial", "workshop") and "theme" in triage:
        assert triage["theme"] in THEMES
    if route == "referral":
        assert triage["partner"] in PARTNER_KINDS
    if route == "clarify":
        assert 2 <= len(triage["candidates"]) <= 3
        assert all(candidate["route"] in ROUTES for candidate in triage["candidates"])
    expected_scope = {"tutorial": {"accompagner"}, "booking": {"accompagner", "faire"}, "workshop": {"accompagner"},
                      "referral": {"orienter"}, "charter": {"hors_charte"}}.get(route, {"none"})
    assert triage["scope"] in expected_scope, triage


def customs(messages: list[Message], key: str) -> list[Any]:
    """The `custom.<key>` payloads of a turn (docs/contract.md §4 and §5)."""
    return [m["custom"][key] for m in messages if isinstance(m.get("custom"), dict) and key in m["custom"]]


def asked(messages: list[Message]) -> Optional[str]:
    """What the bot asks for at the end of its turn (docs/contract.md §4 `custom.ask`), if anything."""
    found = customs(messages, "ask")
    return found[-1] if found else None


def booked(messages: list[Message]) -> Optional[dict[str, Any]]:
    """The turn's `custom.booking` (docs/contract.md §5), if any."""
    found = customs(messages, "booking")
    return found[0] if found else None


def texts(messages: list[Message]) -> list[str]:
    return [m["text"] for m in messages if m.get("text")]


def buttons(messages: list[Message]) -> list[dict[str, str]]:
    return [button for m in messages for button in m.get("buttons", [])]


def first_text(messages: list[Message]) -> Optional[str]:
    found = texts(messages)
    return found[0] if found else None
