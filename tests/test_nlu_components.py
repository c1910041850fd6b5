"""Our Rasa NLU components on their own: vocabulary entities, the linear intent classifier, spaCy's vectors."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.training_data.features import Features
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from scipy.sparse import coo_matrix

from bot.nlu.entity_extractor import VocabularyEntityExtractor, vocabulary_of
from bot.nlu.intent_classifier import LinearIntentClassifier, blocks_of, weighted
from bot.nlu.spacy_vectors import PIPES, SpacyVectors

CONTEXT = ExecutionContext(GraphSchema({}), "test")


def example(text: str, intent: str = "", entities: tuple = ()) -> Message:
    data = {"text": text, "entities": [dict(zip(("start", "end", "entity", "value"), e)) for e in entities]}
    return Message(data={**data, "intent": intent} if intent else data)


@pytest.fixture
def storage(tmp_path: Path) -> LocalModelStorage:
    return LocalModelStorage(tmp_path)


@pytest.fixture
def extractor(storage: LocalModelStorage) -> VocabularyEntityExtractor:
    data = TrainingData(
        [example("ma caf", "refer_caf", ((3, 6, "organism", "caf"),)),
         example("sur mon téléphone", "learn_smartphone", ((8, 17, "device", "smartphone"),)),
         example("avec la sécu", "refer_cpam", ((5, 12, "organism", "la sécu"),))],
        entity_synonyms={"la sécu": "cpam", "assurance maladie": "cpam", "portable": "smartphone"})
    resource = Resource("entities")
    VocabularyEntityExtractor.create({}, storage, resource, CONTEXT).train(data)
    return VocabularyEntityExtractor.load({}, storage, resource, CONTEXT)


def found(extractor: VocabularyEntityExtractor, text: str) -> list[tuple[str, str, str]]:
    return [(text[e["start"]:e["end"]], e["entity"], e["value"]) for e in extractor.entities_in(text)]


def test_vocabulary_holds_annotations_and_synonyms_with_normal_values(extractor: VocabularyEntityExtractor) -> None:
    assert extractor.vocabulary == {
        "caf": {"entity": "organism", "value": "caf"},
        "telephone": {"entity": "device", "value": "smartphone"},
        "la secu": {"entity": "organism", "value": "cpam"},
        "assurance maladie": {"entity": "organism", "value": "cpam"},
        "portable": {"entity": "device", "value": "smartphone"},
    }


def test_entities_are_found_whatever_the_case_accents_and_a_typo(extractor: VocabularyEntityExtractor) -> None:
    assert found(extractor, "La SECU et l'Assurance Maladie") == [
        ("La SECU", "organism", "cpam"), ("Assurance Maladie", "organism", "cpam")]
    assert found(extractor, "mon telephonne et mon portabl") == [
        ("telephonne", "device", "smartphone"), ("portabl", "device", "smartphone")]


def test_short_phrases_must_match_exactly(extractor: VocabularyEntityExtractor) -> None:
    assert found(extractor, "un café à la CAF") == [("CAF", "organism", "caf")]


def test_nothing_is_found_in_an_unrelated_or_empty_message(extractor: VocabularyEntityExtractor) -> None:
    assert found(extractor, "bonjour, il fait beau") == [] and found(extractor, "") == []


def test_process_adds_entities_with_the_extractor_name(extractor: VocabularyEntityExtractor) -> None:
    message = Message(data={"text": "ma caf"})
    extractor.process([message])
    assert message.get("entities") == [{"entity": "organism", "value": "caf", "start": 3, "end": 6,
                                        "confidence_entity": 1.0, "extractor": "VocabularyEntityExtractor"}]


def test_an_extractor_trained_without_entities_finds_none(storage: LocalModelStorage) -> None:
    resource = Resource("none")
    VocabularyEntityExtractor.create({}, storage, resource, CONTEXT).train(TrainingData([example("salut", "greet")]))
    assert VocabularyEntityExtractor.load({}, storage, resource, CONTEXT).entities_in("la caf") == []
    assert vocabulary_of(TrainingData()) == {}


def featurized(text: str, sparse: list[float], dense: list[float], intent: str = "") -> Message:
    """A message with sentence features as the featurizers would give them."""
    message = example(text, intent)
    message.add_features(Features(coo_matrix([sparse]), "sentence", "text", "counts"))
    message.add_features(Features(np.array([dense], dtype=np.float32), "sentence", "text", "vectors"))
    return message


@pytest.fixture
def classifier(storage: LocalModelStorage) -> LinearIntentClassifier:
    examples = [featurized(f"m{i}", [1, 0, i % 2], [0.1, 1.0], "greet") for i in range(4)] + \
               [featurized(f"n{i}", [0, 1, i % 2], [1.0, 0.1], "goodbye") for i in range(4)]
    resource = Resource("intents")
    LinearIntentClassifier.create({"ranking_length": 1}, storage, resource, CONTEXT).train(TrainingData(examples))
    return LinearIntentClassifier.load({"ranking_length": 1}, storage, resource, CONTEXT)


def test_the_classifier_learns_and_reloads_from_plain_arrays(classifier: LinearIntentClassifier) -> None:
    hello, bye = featurized("a", [2, 0, 0], [0.2, 2.0]), featurized("b", [0, 3, 1], [2.0, 0.0])
    classifier.process([hello, bye])
    assert (hello.get("intent")["name"], bye.get("intent")["name"]) == ("greet", "goodbye")
    assert hello.get("intent")["confidence"] > 0.5
    assert len(hello.get("intent_ranking")) == 1  # ranking_length


def test_the_confidences_are_probabilities_over_the_intents(storage: LocalModelStorage,
                                                            classifier: LinearIntentClassifier) -> None:
    resource = Resource("intents")
    full = LinearIntentClassifier.load({"ranking_length": 10}, storage, resource, CONTEXT)
    message = featurized("c", [1, 1, 0], [0.5, 0.5])
    full.process([message])
    assert sum(item["confidence"] for item in message.get("intent_ranking")) == pytest.approx(1.0)


def test_a_message_is_scored_on_the_features_training_saw(storage: LocalModelStorage,
                                                          classifier: LinearIntentClassifier) -> None:
    """One message at a time, on the featurizers' arrays, gives the scores of the training's matrices."""
    full = LinearIntentClassifier.load({"ranking_length": 10}, storage, Resource("intents"), CONTEXT)
    messages = [featurized("d", [3, 1, 0], [0.3, 0.9]), featurized("e", [0, 0, 0], [0.0, 0.0]), example("f")]
    repeated = example("g")  # the same column twice in the counts, as a COO matrix may hold it: 2 + 1 = 3
    repeated.add_features(Features(coo_matrix(([2.0, 1.0], ([0, 0], [0, 0])), shape=(1, 3)), "sentence", "text", "c"))
    repeated.add_features(Features(np.array([[0.3, 0.9]], dtype=np.float32), "sentence", "text", "vectors"))
    messages.append(repeated)
    matrix = weighted(blocks_of(messages, full.weights["widths"]), full._idf)
    expected = matrix @ full.weights["coefficients"].T + full.weights["intercepts"]
    assert np.allclose([full._scores(message) for message in messages], expected)
    assert np.allclose(full._scores(repeated), full._scores(featurized("h", [3, 0, 0], [0.3, 0.9])))


def test_a_message_without_features_gets_an_answer(classifier: LinearIntentClassifier) -> None:
    empty = Message(data={"text": ""})
    classifier.process([empty])
    assert empty.get("intent")["name"] in {"greet", "goodbye"}


def test_an_untrained_classifier_leaves_messages_alone(storage: LocalModelStorage) -> None:
    message = featurized("a", [1, 0, 0], [0.0, 1.0])
    LinearIntentClassifier.create({}, storage, Resource("untrained"), CONTEXT).process([message])
    assert message.get("intent") is None


def test_spacy_is_loaded_once_with_its_vectors_and_without_its_neural_pipes() -> None:
    model = SpacyVectors.load_model("fr_core_news_md")
    assert SpacyVectors.load_model("fr_core_news_md") is model
    assert not set(PIPES) & set(model.model.pipe_names)
    doc = model.model("Mes impôts en ligne")
    assert [token.text for token in doc] == ["Mes", "impôts", "en", "ligne"] and doc[1].has_vector
