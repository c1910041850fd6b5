"""Triage measured on the held-out patron messages (heldout/*.yml) through a running assistant."""
from __future__ import annotations

from dataclasses import dataclass

from bot.evaluation import load_heldout
from tests.e2e.chat import Chat, check_triage_shape, triage_payloads


def destination(triage: dict) -> tuple:
    """Route, and theme or partner where the route has one."""
    return triage["route"], triage.get("theme") or triage.get("partner")


@dataclass(frozen=True)
class HeldoutScore:
    """What the assistant made of each held-out message, and which it got right."""

    results: list[dict]  # text, expected and got (route, theme or partner), expected_scope, scope, candidates
    right_route: list[dict]
    right: list[dict]  # right route, theme or partner, and scope

    @property
    def route_accuracy(self) -> float:
        return len(self.right_route) / len(self.results)

    @property
    def accuracy(self) -> float:
        return len(self.right) / len(self.results)


def heldout_score(webhook: str) -> HeldoutScore:
    """Send each held-out message, in a conversation of its own, to the REST channel at `webhook`."""
    results = []
    for item in load_heldout():
        payloads = triage_payloads(Chat(webhook).say(item["text"]))
        # A turn without triage (NLU took the need for small talk) counts as a miss.
        got = payloads[0] if len(payloads) == 1 else {"route": "none", "scope": "none"}
        if payloads:
            check_triage_shape(got)
        results.append({
            "text": item["text"], "expected": destination(item), "got": destination(got),
            "expected_scope": item.get("scope", got["scope"]), "scope": got["scope"],
            "candidates": got.get("candidates"),
        })
    right_route = [r for r in results if r["got"][0] == r["expected"][0]]
    right = [r for r in right_route if r["got"] == r["expected"] and r["scope"] == r["expected_scope"]]
    return HeldoutScore(results, right_route, right)
