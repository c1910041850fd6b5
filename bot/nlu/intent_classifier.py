"""An intent classifier that trains in seconds and answers in a millisecond: a logistic regression over the
featurizers' sentence features, stored as plain arrays."""
from __future__ import annotations

from typing import Any, Dict, List, Optional, Text

import numpy as np
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.shared.nlu.constants import FEATURE_TYPE_SENTENCE, INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.features import Features
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from scipy.sparse import csr_matrix, hstack, vstack
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import normalize

WEIGHTS_FILE = "weights.npz"


def sentence_features(message: Message) -> List[Features]:
    """The sentence features of a message's text, one block per featurizer, in the pipeline's order."""
    return [features for features in message.features
            if features.type == FEATURE_TYPE_SENTENCE and features.attribute == TEXT]


def blocks_of(messages: List[Message], widths: np.ndarray) -> List[csr_matrix]:
    """Each featurizer's block, one row per message (zeros for a message without features, such as an empty one)."""
    rows = [sentence_features(message) for message in messages]
    return [vstack([csr_matrix(row[index].features) if index < len(row) else csr_matrix((1, width))
                    for row in rows], format="csr").astype(np.float64)
            for index, width in enumerate(widths)]


def inverse_document_frequency(block: csr_matrix) -> np.ndarray:
    """Smoothed idf of each column: rare words and n-grams weigh more than "je voudrais"."""
    documents = np.asarray((block > 0).sum(axis=0)).ravel()
    return np.log((1 + block.shape[0]) / (1 + documents)) + 1


def weighted(blocks: List[csr_matrix], idf: List[Optional[np.ndarray]]) -> csr_matrix:
    """Counts as sublinear tf-idf (1 + log count, times idf), dense vectors as they are; each block of each row
    scaled to unit length, so that no featurizer drowns the others; the blocks side by side."""
    scaled = []
    for block, weights in zip(blocks, idf):
        if weights is not None:
            block = block.copy()
            block.data = 1 + np.log(block.data)
            block = csr_matrix(block.multiply(weights))
        scaled.append(normalize(block))
    return hstack(scaled, format="csr")


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class LinearIntentClassifier(GraphComponent, IntentClassifier):
    """Multinomial logistic regression (scikit-learn) on tf-idf weighted counts and word vectors. Its confidences
    are probabilities over the intents, which FallbackClassifier and the charter's clarify margin read."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        # C: inverse regularisation strength; ranking_length: intents listed in intent_ranking.
        return {"C": 30.0, "max_iter": 2000, "ranking_length": 10}

    def __init__(self, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
                 weights: Optional[Dict[Text, np.ndarray]] = None) -> None:
        self.config = {**self.get_default_config(), **config}
        self._storage, self._resource = model_storage, resource
        self.weights: Optional[Dict[Text, np.ndarray]] = None
        if weights is not None:
            self._use(weights)

    def _use(self, weights: Dict[Text, np.ndarray]) -> None:
        """Answer with `weights`: intents, coefficients, intercepts, the width of each featurizer's block, and
        `idf<index>` for each block of counts."""
        self.weights = weights
        self._intercepts = weights["intercepts"]
        self._projection = np.ascontiguousarray(weights["coefficients"].T)  # features x intents: no copy per product
        self._idf = [weights.get(f"idf{index}") for index in range(len(weights["widths"]))]
        self._starts = np.concatenate([[0], np.cumsum(weights["widths"])[:-1]])  # each block's first feature

    @classmethod
    def create(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> "LinearIntentClassifier":
        return cls(config, model_storage, resource)

    def train(self, training_data: TrainingData) -> Resource:
        examples = [example for example in training_data.intent_examples
                    if example.get(INTENT) and example.get(TEXT)]
        if not examples:
            return self._resource
        first = sentence_features(examples[0])
        widths = np.array([features.features.shape[-1] for features in first])
        blocks = blocks_of(examples, widths)
        idf = [inverse_document_frequency(block) if features.is_sparse() else None
               for block, features in zip(blocks, first)]
        regression = LogisticRegression(C=self.config["C"], max_iter=self.config["max_iter"])
        regression.fit(weighted(blocks, idf), [example.get(INTENT) for example in examples])
        coefficients, intercepts = regression.coef_, regression.intercept_
        if len(regression.classes_) == 2:  # scikit-learn keeps the second intent's row only; the first scores 0
            coefficients = np.vstack([np.zeros_like(coefficients), coefficients])
            intercepts = np.concatenate([[0.0], intercepts])
        trained = {"intents": regression.classes_.astype(str), "coefficients": coefficients,
                   "intercepts": intercepts, "widths": widths,
                   **{f"idf{index}": weights for index, weights in enumerate(idf) if weights is not None}}
        self._use(trained)
        with self._storage.write_to(self._resource) as folder:
            np.savez(folder / WEIGHTS_FILE, **trained)
        return self._resource

    @classmethod
    def load(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
             execution_context: ExecutionContext, **kwargs: Any) -> "LinearIntentClassifier":
        try:
            with model_storage.read_from(resource) as folder, np.load(folder / WEIGHTS_FILE) as weights:
                return cls(config, model_storage, resource, dict(weights))
        except ValueError:  # nothing stored: no intent examples were given
            return cls(config, model_storage, resource)

    def process(self, messages: List[Message]) -> List[Message]:
        """Set `intent` and `intent_ranking` of each message (left alone when the model was not trained)."""
        if self.weights is None or not messages:
            return messages
        scores = np.array([self._scores(message) for message in messages])
        probabilities = np.exp(scores - scores.max(axis=1, keepdims=True))
        probabilities /= probabilities.sum(axis=1, keepdims=True)
        for message, row in zip(messages, probabilities):
            order = np.argsort(-row)[:self.config["ranking_length"]]
            ranking = [{"name": str(self.weights["intents"][i]), "confidence": float(row[i])} for i in order]
            message.set(INTENT, ranking[0], add_to_output=True)
            message.set(INTENT_RANKING_KEY, ranking, add_to_output=True)
        return messages

    def _scores(self, message: Message) -> np.ndarray:
        """The intents' scores of one message: `weighted` and the product with the coefficients, for one row,
        on the features' own arrays (building sparse matrices per message cost more than the arithmetic)."""
        scores = self._intercepts.copy()
        for features, idf, start in zip(sentence_features(message), self._idf, self._starts):
            if idf is None:
                values = np.asarray(features.features, dtype=np.float64).ravel()
                rows = self._projection[start:start + values.size]
            else:
                counts = features.features.tocoo()
                counts.sum_duplicates()
                values = (1 + np.log(counts.data.astype(np.float64))) * idf[counts.col]
                rows = self._projection[start + counts.col]
            length = np.linalg.norm(values)
            if length:
                scores += (values / length) @ rows
        return scores
