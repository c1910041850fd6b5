"""Entities from a closed vocabulary learnt from the training data: the phrases annotated as entities and the
entity synonyms, found in a message whatever its case and accents and with small typos."""
from __future__ import annotations

import re
from collections import defaultdict
from typing import Any, Dict, List, Optional, Text

from rapidfuzz import fuzz, process
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.extractors.extractor import EntityExtractorMixin
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from rasa.shared.utils.io import dump_obj_as_json_to_file, read_json_file

from bot.matching import normalise

VOCABULARY_FILE = "vocabulary.json"
WORD = re.compile(r"\w+")
TYPO_FREE_LENGTH = 5  # phrases this short must match exactly ("caf" is not "café")


def vocabulary_of(training_data: TrainingData) -> Dict[str, Dict[str, str]]:
    """Normalised phrase -> {entity, value}: every annotated entity, and every synonym of an annotated value."""
    synonyms = training_data.entity_synonyms  # text as typed -> value
    vocabulary: Dict[str, Dict[str, str]] = {}
    for example in training_data.entity_examples:
        for entity in example.get(ENTITIES, []):
            phrase = example.get(TEXT)[entity["start"]:entity["end"]]
            value = synonyms.get(str(entity["value"]).lower(), str(entity["value"]))
            vocabulary[normalise(phrase)] = {"entity": entity["entity"], "value": value}
    types = {item["value"]: item["entity"] for item in vocabulary.values()}
    for text, value in synonyms.items():
        if value in types:
            vocabulary.setdefault(normalise(text), {"entity": types[value], "value": value})
    return vocabulary


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, is_trainable=True)
class VocabularyEntityExtractor(GraphComponent, EntityExtractorMixin):
    """Finds the vocabulary's phrases in a message, the longest first, tolerating a typo in longer phrases."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {"similarity": 88}  # rapidfuzz ratio (0-100) from which a group of words counts as a phrase

    def __init__(self, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
                 vocabulary: Optional[Dict[str, Dict[str, str]]] = None) -> None:
        self.config = {**self.get_default_config(), **config}
        self._storage, self._resource = model_storage, resource
        self._use(vocabulary or {})

    def _use(self, vocabulary: Dict[str, Dict[str, str]]) -> None:
        self.vocabulary = vocabulary
        self.by_size: Dict[int, List[str]] = defaultdict(list)  # phrases by number of words
        for phrase in vocabulary:
            self.by_size[len(phrase.split())].append(phrase)

    @classmethod
    def create(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> "VocabularyEntityExtractor":
        return cls(config, model_storage, resource)

    def train(self, training_data: TrainingData) -> Resource:
        self._use(vocabulary_of(training_data))
        with self._storage.write_to(self._resource) as folder:
            dump_obj_as_json_to_file(folder / VOCABULARY_FILE, self.vocabulary)
        return self._resource

    @classmethod
    def load(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
             execution_context: ExecutionContext, **kwargs: Any) -> "VocabularyEntityExtractor":
        try:
            with model_storage.read_from(resource) as folder:
                return cls(config, model_storage, resource, read_json_file(folder / VOCABULARY_FILE))
        except ValueError:  # nothing stored: no entity examples were given
            return cls(config, model_storage, resource)

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            found = self.add_extractor_name(self.entities_in(message.get(TEXT) or ""))
            message.set(ENTITIES, message.get(ENTITIES, []) + found, add_to_output=True)
        return messages

    def entities_in(self, text: str) -> List[Dict[str, Any]]:
        """The vocabulary's phrases found in `text`, without overlaps, in the order of the text."""
        words = list(WORD.finditer(text))
        plain = [normalise(word.group()) for word in words]
        taken = [False] * len(words)
        found = []
        for size in sorted(self.by_size, reverse=True):
            for start in range(len(words) - size + 1):
                if any(taken[start:start + size]):
                    continue
                match = self._match(" ".join(plain[start:start + size]), self.by_size[size])
                if match:
                    phrase, score = match
                    taken[start:start + size] = [True] * size
                    found.append({"entity": self.vocabulary[phrase]["entity"],
                                  "value": self.vocabulary[phrase]["value"],
                                  "start": words[start].start(), "end": words[start + size - 1].end(),
                                  "confidence_entity": score / 100})
        return sorted(found, key=lambda entity: entity["start"])

    def _match(self, words: str, phrases: List[str]) -> Optional[tuple[str, float]]:
        if words in self.vocabulary:
            return words, 100.0
        if len(words) < TYPO_FREE_LENGTH:
            return None
        best = process.extractOne(words, phrases, scorer=fuzz.ratio, score_cutoff=self.config["similarity"])
        return (best[0], best[1]) if best and len(best[0]) >= TYPO_FREE_LENGTH else None
