"""Some intents stand only when the message carries a sign of them: cancelling or moving an appointment (a bare
« un rendez-vous svp » is a new booking, not a cancellation), and a request the charter forbids (a vague
« aidez-moi » is never refused: the words of a forbidden act must be there)."""
from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.booking.codes import find_code
from bot.knowledge import charter
from bot.matching import best_mention


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class RequiredSigns(GraphComponent, IntentClassifier):
    """`signs`: intent -> words (beginnings of words, typos tolerated) one of which the message must hold, or a
    booking code; `charter_intent`: the intent whose signs are the keywords of the charter's forbidden acts, read
    from knowledge_base/charter.yml as it is now. An intent without its sign leaves the ranking; the others'
    confidences are rescaled to sum as before, so the next intent takes its place."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {"signs": {}, "charter_intent": None}

    def __init__(self, config: Dict[Text, Any]) -> None:
        self.config = {**self.get_default_config(), **config}

    @classmethod
    def create(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> "RequiredSigns":
        return cls(config)

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            ranking = message.get(INTENT_RANKING_KEY) or []
            text = message.get(TEXT) or ""
            kept = [item for item in ranking if self.has_sign(text, item["name"])]
            if len(kept) < len(ranking) and kept:
                scale = sum(item["confidence"] for item in ranking) / sum(item["confidence"] for item in kept)
                kept = [{**item, "confidence": item["confidence"] * scale} for item in kept]
                message.set(INTENT, kept[0], add_to_output=True)
                message.set(INTENT_RANKING_KEY, kept, add_to_output=True)
        return messages

    def has_sign(self, text: str, intent: str) -> bool:
        """Whether `text` holds a sign of `intent` (always, for an intent that needs none)."""
        if intent == self.config["charter_intent"]:
            return best_mention(text, charter().forbidden_words) is not None
        if intent not in self.config["signs"]:
            return True
        return find_code(text) is not None or best_mention(text, self.config["signs"][intent]) is not None
