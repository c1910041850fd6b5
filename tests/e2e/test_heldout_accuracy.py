"""Triage accuracy on held-out patron messages (heldout/*.yml), through the running assistant."""
from __future__ import annotations

import json
from collections import Counter
from typing import Callable

from bot.services import Stack
from bot.settings import settings
from tests.support.heldout import heldout_score

MINIMUM_ACCURACY = 0.95  # measured 0.971 (route) and 0.966 (with theme, partner and scope)


def test_heldout_triage_accuracy(stack: Stack, report: Callable[[str], None]) -> None:
    score = heldout_score(stack.settings.url(stack.settings.rasa_port, "/webhooks/rest/webhook"))
    per_route = Counter(r["expected"][0] for r in score.results)
    right_per_route = Counter(r["expected"][0] for r in score.right)
    report(f"Held-out triage, {len(score.results)} messages: route accuracy {score.route_accuracy:.3f}, "
                  f"route + theme/partner + scope accuracy {score.accuracy:.3f}")
    report("  per route: " + ", ".join(f"{route} {right_per_route[route]}/{count}"
                                             for route, count in per_route.most_common()))
    misses = [r for r in score.results if r not in score.right]
    output = settings.var_dir / "reports" / "heldout.json"
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps({"route_accuracy": score.route_accuracy, "accuracy": score.accuracy,
                                  "misses": misses}, ensure_ascii=False, indent=1), encoding="utf-8")
    report(f"  misses listed in {output}")
    assert score.route_accuracy >= MINIMUM_ACCURACY
    assert score.accuracy >= MINIMUM_ACCURACY
