"""The intents staff can teach, by their plain French meaning (the charter's needs as the assistant names them to
patrons, and the conversation intents), and the places of the charter a new intent can take."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

from bot.knowledge import Charter, Topics
from bot.knowledge.files import load_model
from bot.staff.inbox.examples import Known, read

STAFF_FILE = "data/nlu/staff.yml"  # the intents staff created, each with its label in `metadata`
CONVERSATION = {  # the intents outside the charter that patrons type
    "greet": "Dire bonjour",
    "goodbye": "Dire au revoir",
    "thanks": "Dire merci",
    "affirm": "Dire oui, d'accord",
    "deny": "Dire non",
    "help": "Demander ce que l'assistant sait faire",
    "cancel": "Arrêter, laisser tomber",
    "ask_privacy": "Une question sur ses données personnelles",
    "tell_level": "Dire son niveau (débutant, à l'aise…)",
    "tutorial_another": "Vouloir une autre fiche",
    "tutorial_simpler": "Vouloir une fiche plus simple",
    "tutorial_harder": "Vouloir une fiche plus avancée",
    "cancel_booking": "Annuler son rendez-vous",
    "move_booking": "Changer la date de son rendez-vous",
}


@dataclass(frozen=True)
class Choice:
    """An option of a select: its value and what staff read."""

    value: str
    label: str


@dataclass(frozen=True)
class Catalogue:
    """What the inbox's forms offer."""

    needs: list[Choice]  # the charter's intents that have examples
    conversation: list[Choice]  # the other intents that have examples
    places: list[Choice]  # "need:target" for a new intent

    def label(self, intent: str) -> str:
        return next((choice.label for choice in self.needs + self.conversation if choice.value == intent), intent)

    def has(self, intent: str) -> bool:
        return any(choice.value == intent for choice in self.needs + self.conversation)


def staff_labels(project: Path) -> dict[str, str]:
    """The label staff gave each intent they created."""
    path = project / STAFF_FILE
    items = (yaml.load(read(path), Loader=yaml.CSafeLoader) or {}).get("nlu") or [] if path.exists() else []
    return {item["intent"]: str(item["metadata"]["label"]) for item in items
            if "intent" in item and "label" in (item.get("metadata") or {})}


def charter_of(knowledge_dir: Path) -> Charter:
    return load_model(knowledge_dir / "charter.yml", Charter)


def catalogue(project: Path, knowledge_dir: Path, known: Known) -> Catalogue:
    """The intents of the project and the charter of `knowledge_dir`, as the console names them (read afresh:
    staff may have added one)."""
    charter, topics = charter_of(knowledge_dir), load_model(knowledge_dir / "topics.yml", Topics)
    created = staff_labels(project)
    needs = [Choice(intent, " — ".join(filter(None, (need.title_for(target, topics), created.get(intent)))))
             for need in charter.needs.values() for intent, target in need.intents.items() if intent in known.files]
    conversation = [Choice(intent, label) for intent, label in CONVERSATION.items() if intent in known.files]
    places = [Choice(f"{name}:{target or ''}", need.title_for(target, topics))
              for name, need in charter.needs.items() for target in dict.fromkeys(need.intents.values())]
    return Catalogue(needs, conversation, places)
