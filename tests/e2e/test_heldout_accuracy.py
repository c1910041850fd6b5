"""Triage accuracy on held-out patron messages (tests/data/heldout*.yml), through the running assistant."""
from __future__ import annotations

import json
from collections import Counter

from bot.services import Stack
from bot.settings import settings
from tests.e2e.chat import Chat, check_triage_shape, triage_payloads
from tests.heldout import load_heldout

MINIMUM_ACCURACY = 0.90


def destination(triage: dict) -> tuple:
    """Route, and theme or partner where the route has one."""
    return triage["route"], triage.get("theme") or triage.get("partner")


def test_heldout_triage_accuracy(stack: Stack, report: list[str]) -> None:
    items = load_heldout()
    webhook = stack.settings.url(stack.settings.rasa_port, "/webhooks/rest/webhook")
    results = []
    for item in items:
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
    route_accuracy, accuracy = len(right_route) / len(results), len(right) / len(results)

    per_route = Counter(r["expected"][0] for r in results)
    right_per_route = Counter(r["expected"][0] for r in right)
    report.append(f"Held-out triage, {len(results)} messages: route accuracy {route_accuracy:.3f}, "
                  f"route + theme/partner + scope accuracy {accuracy:.3f}")
    report.append("  per route: " + ", ".join(f"{route} {right_per_route[route]}/{count}"
                                             for route, count in per_route.most_common()))
    misses = [r for r in results if r not in right]
    output = settings.var_dir / "reports" / "heldout.json"
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps({"route_accuracy": route_accuracy, "accuracy": accuracy, "misses": misses},
                                 ensure_ascii=False, indent=1), encoding="utf-8")
    report.append(f"  misses listed in {output}")
    assert route_accuracy >= MINIMUM_ACCURACY
    assert accuracy >= MINIMUM_ACCURACY
