"""What NLU understood of a patron's message, as triage reads it."""
from __future__ import annotations

from typing import Any, Dict, List, Tuple

from bot.knowledge import partners
from bot.partners.places import partners_named
from bot.triage.decision import Understanding


def understanding_of(message: Dict[str, Any]) -> Understanding:
    """The parts of Rasa's `latest_message` that triage needs; partner places the patron named by their
    name or alias (knowledge_base/partners/) count as `organism` entities."""
    ranking = message.get("intent_ranking") or [message.get("intent") or {}]
    return Understanding(
        text=message.get("text") or "",
        ranking=[(item["name"], float(item.get("confidence") or 0.0))
                 for item in ranking if item.get("name")],
        entities=[(entity["entity"], str(entity["value"])) for entity in message.get("entities", [])]
        + organisms_named(message.get("text") or ""),
    )


def organisms_named(text: str) -> List[Tuple[str, str]]:
    """("organism", kind) when the patron named partner places, by name or alias, all of one kind."""
    kinds = {place.kind for place in partners_named(text, partners())}
    return [("organism", kinds.pop())] if len(kinds) == 1 else []
