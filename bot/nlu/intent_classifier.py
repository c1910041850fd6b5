"""An intent classifier that trains in seconds and answers in microseconds: a logistic regression over the
message's sparse counts and dense word vectors, stored as plain arrays."""
from __future__ import annotations

from typing import Any, Dict, List, Optional, Text

import numpy as np
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from scipy.sparse import csr_matrix, hstack, vstack
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import normalize

WEIGHTS_FILE = "weights.npz"


FEATURE_KINDS = (Message.get_sparse_features, Message.get_dense_features)


def feature_widths(message: Message) -> np.ndarray:
    """How many sparse and dense sentence features the featurizers give a message."""
    return np.array([0 if row is None else row.features.shape[-1]
                     for row in (get(message, TEXT)[1] for get in FEATURE_KINDS)])


def sentence_features(messages: List[Message], widths: np.ndarray) -> csr_matrix:
    """One row per message: its sparse sentence features and its dense ones, each block scaled to unit length
    (zeros for a message without features, such as an empty one)."""
    blocks = []
    for get, width in zip(FEATURE_KINDS, widths):
        rows = (get(message, TEXT)[1] for message in messages)
        blocks.append(normalize(vstack([csr_matrix((1, width)) if row is None else csr_matrix(row.features)
                                        for row in rows])))
    return hstack(blocks).tocsr()


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class LinearIntentClassifier(GraphComponent, IntentClassifier):
    """Multinomial logistic regression (scikit-learn) on the featurizers' sentence features. Its confidences
    are probabilities over the intents, which FallbackClassifier and the charter's clarify margin read."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        # C: inverse regularisation strength; ranking_length: intents listed in intent_ranking.
        return {"C": 10.0, "max_iter": 2000, "ranking_length": 10}

    def __init__(self, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
                 weights: Optional[Dict[Text, np.ndarray]] = None) -> None:
        self.config = {**self.get_default_config(), **config}
        self._storage, self._resource = model_storage, resource
        self.weights = weights  # intents, coefficients, intercepts, widths (sparse, dense)
        # features x intents, contiguous: the product with a message's features then copies nothing
        self._projection = None if weights is None else np.ascontiguousarray(weights["coefficients"].T)

    @classmethod
    def create(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> "LinearIntentClassifier":
        return cls(config, model_storage, resource)

    def train(self, training_data: TrainingData) -> Resource:
        examples = [example for example in training_data.intent_examples
                    if example.get(INTENT) and example.get(TEXT)]
        if not examples:
            return self._resource
        widths = feature_widths(examples[0])
        regression = LogisticRegression(C=self.config["C"], max_iter=self.config["max_iter"])
        regression.fit(sentence_features(examples, widths), [example.get(INTENT) for example in examples])
        weights = {"intents": regression.classes_.astype(str), "coefficients": regression.coef_,
                   "intercepts": regression.intercept_, "widths": widths}
        self.__init__(self.config, self._storage, self._resource, weights)
        with self._storage.write_to(self._resource) as folder:
            np.savez(folder / WEIGHTS_FILE, **self.weights)
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
        weights = self.weights
        scores = sentence_features(messages, weights["widths"]) @ self._projection + weights["intercepts"]
        probabilities = np.exp(scores - scores.max(axis=1, keepdims=True))
        probabilities /= probabilities.sum(axis=1, keepdims=True)
        for message, row in zip(messages, probabilities):
            order = np.argsort(-row)[:self.config["ranking_length"]]
            ranking = [{"name": str(weights["intents"][i]), "confidence": float(row[i])} for i in order]
            message.set(INTENT, ranking[0], add_to_output=True)
            message.set(INTENT_RANKING_KEY, ranking, add_to_output=True)
        return messages
