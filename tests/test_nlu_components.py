"""Our Rasa NLU components on their own: vocabulary entities, the linear intent classifier, the signs some intents
need, the fallback for unknown words, spaCy's vectors."""
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
from bot.nlu.known_words import KnownWordsFallback
from bot.nlu.signs import RequiredSigns
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


@pytest.mark.slow
def test_spacy_is_loaded_once_with_its_vectors_and_without_its_neural_pipes() -> None:
    model = SpacyVectors.load_model("fr_core_news_md")
    assert SpacyVectors.load_model("fr_core_news_md") is model
    assert not set(PIPES) & set(model.model.pipe_names)
    doc = model.model("Mes impôts en ligne")
    assert [token.text for token in doc] == ["Mes", "impôts", "en", "ligne"] and doc[1].has_vector


def ranked(text: str, *ranking: tuple[str, float]) -> Message:
    """A message as the classifier leaves it: its intent ranking."""
    items = [{"name": name, "confidence": confidence} for name, confidence in ranking]
    return Message(data={"text": text, "intent": items[0], "intent_ranking": items})


def intents_after(component, message: Message) -> list[tuple[str, float]]:
    component.process([message])
    return [(item["name"], round(item["confidence"], 3)) for item in message.get("intent_ranking")]


SIGNS = RequiredSigns({"signs": {"cancel_booking": ["annul", "pourrai pas venir"], "move_booking": ["déplac"]},
                       "charter_intent": "charter_forbidden"})


def test_cancelling_or_moving_without_a_sign_is_a_new_booking() -> None:
    bare = ranked("je souhaiterais un rendez-vous", ("cancel_booking", 0.6), ("book_mediator", 0.3),
                  ("move_booking", 0.1))
    assert intents_after(SIGNS, bare) == [("book_mediator", 1.0)]
    assert bare.get("intent")["name"] == "book_mediator"


def test_a_verb_a_phrase_or_a_code_is_a_sign() -> None:
    for text in ("annuler mon rdv", "je pourrais pas venir jeudi", "K7M-4QP svp"):
        message = ranked(text, ("cancel_booking", 0.6), ("book_mediator", 0.4))
        assert intents_after(SIGNS, message)[0] == ("cancel_booking", 0.6), text
    assert intents_after(SIGNS, ranked("deplacer mon rdv", ("move_booking", 0.5), ("book_mediator", 0.5))) == \
        [("move_booking", 0.5), ("book_mediator", 0.5)]


def test_a_refusal_needs_the_words_of_a_forbidden_act_from_the_charter() -> None:
    vague = ranked("aidez moi", ("charter_forbidden", 0.64), ("help", 0.3), ("book_mediator", 0.06))
    assert [name for name, _ in intents_after(SIGNS, vague)] == ["help", "book_mediator"]
    shown = ranked("gardez mon mot de passe", ("charter_forbidden", 0.9), ("learn_mot_de_passe", 0.1))
    assert intents_after(SIGNS, shown)[0] == ("charter_forbidden", 0.9)


@pytest.fixture
def known_words(storage: LocalModelStorage) -> KnownWordsFallback:
    data = TrainingData([example("je voudrais envoyer un mail", "learn_email"),
                         example("ma caf ne m'a pas payé", "refer_caf"), example("bonjour", "greet")])
    resource = Resource("known")
    KnownWordsFallback.create({}, storage, resource, CONTEXT).train(data)
    return KnownWordsFallback.load({"min_known": 0.7}, storage, resource, CONTEXT)


def test_nonsense_and_other_languages_fall_back_with_no_candidate(known_words: KnownWordsFallback) -> None:
    nonsense = ("sdfkj qsdlkfj 06 12 34 56 78 qsdf", "What time does the library open?", "Здравствуйте, помощь")
    for text in nonsense:
        message = ranked(text, ("refer_mission_locale", 0.58), ("learn_email", 0.2))
        assert intents_after(known_words, message) == [("nlu_fallback", 1.0)], text


def test_known_words_typos_places_and_one_unknown_word_are_left_to_the_classifier(
        known_words: KnownWordsFallback) -> None:
    for text in ("je voudrai envoyé un mel", "bonjoure ma caf", "ma caf chinon", "37000", "👍", "bonjour zorg"):
        message = ranked(text, ("learn_email", 0.8), ("refer_caf", 0.2))
        assert intents_after(known_words, message)[0] == ("learn_email", 0.8), text
