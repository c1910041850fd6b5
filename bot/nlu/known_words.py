"""Nonsense and other languages are not understood: a message most of whose words never appear in the training
examples nor in the names of the knowledge base's places (typos aside) falls to the fallback, however confident
the classifier is."""
from __future__ import annotations

import re
from typing import Any, Dict, List, Optional, Text

from rapidfuzz import fuzz, process
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.shared.constants import DEFAULT_NLU_FALLBACK_INTENT_NAME
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from rasa.shared.utils.io import dump_obj_as_json_to_file, read_json_file

from bot.knowledge import communes, partners, sites
from bot.matching import normalise

VOCABULARY_FILE = "known_words.json"
WORD = re.compile(r"[^\W\d_]{2,}")  # letters of any alphabet: numbers, codes and emoji do not count either way
MIN_FUZZY_LENGTH = 4  # shorter words must be known exactly
MIN_UNKNOWN = 2  # unknown words from which a message partly known is not understood


def words_of(text: str) -> List[str]:
    return WORD.findall(normalise(text))


def place_words() -> set[str]:
    """The words of the communes', partner places' and library sites' names and aliases, as the knowledge base
    has them now: « j'habite à Chinon » is understood even if no example names Chinon."""
    names = [name for commune in communes() for name in (commune.nom, *commune.aliases)]
    names += [name for partner in partners() for name in (partner.nom, *partner.aliases)]
    names += [name for site in sites().sites for name in (site.name, site.commune, *site.aliases)]
    return {word for name in names for word in words_of(name)}


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class KnownWordsFallback(GraphComponent, IntentClassifier):
    """Sets the intent to nlu_fallback, with no other candidate, when none of the message's words, or less than
    `min_known` of them and at least two, are unknown: neither words of the training examples nor of the places'
    names, exactly or with a typo (rapidfuzz ratio from `similarity`). One unknown word in two (« horaires sam »)
    is left to the classifier."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {"min_known": 0.7, "similarity": 80}

    def __init__(self, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
                 vocabulary: Optional[List[str]] = None) -> None:
        self.config = {**self.get_default_config(), **config}
        self._storage, self._resource = model_storage, resource
        self.vocabulary = set(vocabulary or ())
        self._sorted = sorted(self.vocabulary)

    @classmethod
    def create(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> "KnownWordsFallback":
        return cls(config, model_storage, resource)

    def train(self, training_data: TrainingData) -> Resource:
        known = {word for example in training_data.training_examples for word in words_of(example.get(TEXT) or "")}
        self.vocabulary, self._sorted = known, sorted(known)
        with self._storage.write_to(self._resource) as folder:
            dump_obj_as_json_to_file(folder / VOCABULARY_FILE, self._sorted)
        return self._resource

    @classmethod
    def load(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
             execution_context: ExecutionContext, **kwargs: Any) -> "KnownWordsFallback":
        try:
            with model_storage.read_from(resource) as folder:
                return cls(config, model_storage, resource, read_json_file(folder / VOCABULARY_FILE))
        except ValueError:  # nothing stored: no training examples
            return cls(config, model_storage, resource)

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            words = words_of(message.get(TEXT) or "")
            unknown = self.unknown_words(words) if words and self.vocabulary else 0
            if self.not_understood(unknown, len(words)):
                fallback = {"name": DEFAULT_NLU_FALLBACK_INTENT_NAME, "confidence": unknown / len(words)}
                message.set(INTENT, fallback, add_to_output=True)
                message.set(INTENT_RANKING_KEY, [fallback], add_to_output=True)
        return messages

    def not_understood(self, unknown: int, words: int) -> bool:
        """All the words unknown, or at least MIN_UNKNOWN of them and more than the share `min_known` allows."""
        return words > 0 and (unknown == words or unknown >= MIN_UNKNOWN
                              and unknown > (1 - self.config["min_known"]) * words)

    def unknown_words(self, words: List[str]) -> int:
        """How many of `words` are neither known nor, when that could matter, a place's name or a known word with a
        typo."""
        unknown = [word for word in words if word not in self.vocabulary]
        if len(unknown) <= (1 - self.config["min_known"]) * len(words):
            return len(unknown)  # few enough: the searches below are skipped for most messages
        places = place_words()
        return sum(word not in places and not self._near(word) for word in unknown)

    def _near(self, word: str) -> bool:
        """Whether `word` is a known word with a typo ("bonjoure", "ordinatuer")."""
        return len(word) >= MIN_FUZZY_LENGTH and process.extractOne(
            word, self._sorted, scorer=fuzz.ratio, score_cutoff=self.config["similarity"]) is not None
