"""Training data, domain, charter and held-out set agree with each other and with the contract."""
from __future__ import annotations

import re
from collections import defaultdict

import pytest
import yaml
from rasa.shared.core.constants import DEFAULT_INTENTS
from rasa.shared.core.domain import Domain
from rasa.shared.nlu.training_data.loading import load_data

from bot.contract import PARTNER_KINDS, ROUTES, THEMES
from bot.evaluation import load_heldout
from bot.knowledge import Charter
from bot.matching import normalise
from bot.settings import ROOT

CONVERSATION_INTENTS = {"greet", "goodbye", "thanks", "affirm", "deny", "help", "not_understood", "cancel",
                        "ask_privacy", "tell_level", "tutorial_another", "tutorial_simpler", "tutorial_harder",
                        "cancel_booking", "move_booking", "tell_commune", "cancel_workshop", "workshop_status"}
# Sent by buttons only: NLU never learns them.
PAYLOAD_INTENTS = {"answer_diagnostic", "choose", "forget_me", "forget_me_confirmed", "partner_details"}
MIN_TRIAGE_EXAMPLES = 25
MIN_CONVERSATION_EXAMPLES = 10


def canonical(text: str) -> str:
    """A text without case, accents or punctuation, to catch near-identical examples."""
    return " ".join(re.sub(r"[^\w]+", " ", normalise(text)).split())


@pytest.fixture(scope="module")
def domain() -> Domain:
    return Domain.load(ROOT / "domain.yml")


@pytest.fixture(scope="module")
def examples() -> dict[str, list[str]]:
    """Training texts by intent, read by Rasa's own loader (entity annotations removed)."""
    by_intent: dict[str, list[str]] = defaultdict(list)
    for message in load_data(str(ROOT / "data" / "nlu")).intent_examples:
        by_intent[message.get("intent")].append(message.get("text"))
    return by_intent


@pytest.fixture(scope="module")
def heldout() -> list[dict]:
    return load_heldout()


def test_domain_intents_are_the_charter_and_conversation_intents(domain: Domain, default_charter: Charter) -> None:
    user_intents = set(domain.intents) - set(DEFAULT_INTENTS) | {"out_of_scope"}  # also a Rasa default
    assert user_intents == set(default_charter.triage_intents) | CONVERSATION_INTENTS | PAYLOAD_INTENTS


def test_every_triage_intent_goes_to_the_triage_action(default_charter: Charter) -> None:
    rule = yaml.safe_load((ROOT / "data" / "rules" / "triage.yml").read_text())["rules"][0]
    routed = {step["intent"] for step in rule["steps"][0]["or"]}
    assert routed == set(default_charter.triage_intents) | {"nlu_fallback"}


def test_every_route_and_need_has_a_reply(domain: Domain, default_charter: Charter) -> None:
    for route in set(ROUTES) - {"info"}:  # the library's answers are utter_library_*, from sites.yml
        assert f"utter_route_{route}" in domain.responses, route
    for name, need in default_charter.needs.items():
        assert need.reply is None or need.reply in domain.responses, name


# « À bientôt ! » says goodbye:
LATER = re.compile(r"(?<![àa] )bient[oô]t|prochainement|d'ici peu|coming soon", re.IGNORECASE)


def test_no_answer_promises_a_feature_for_later(domain: Domain) -> None:
    """What the assistant says comes from domain.yml's responses and the knowledge base's texts: none may promise
    something « bientôt »; a feature is built or left out."""
    answers = [variant.get("text") or "" for variants in domain.responses.values() for variant in variants]
    knowledge = [path.read_text(encoding="utf-8") for path in (ROOT / "knowledge_base").rglob("*") if path.is_file()]
    promised = [text for text in answers + knowledge if LATER.search(text)]
    assert not promised, promised


def test_enough_examples_per_intent(examples: dict[str, list[str]], domain: Domain) -> None:
    for intent in set(domain.intents) - set(DEFAULT_INTENTS) - PAYLOAD_INTENTS:
        minimum = MIN_CONVERSATION_EXAMPLES if intent in CONVERSATION_INTENTS else MIN_TRIAGE_EXAMPLES
        assert len(examples[intent]) >= minimum, f"{intent}: {len(examples[intent])} examples"


def test_payload_intents_are_never_learnt(examples: dict[str, list[str]]) -> None:
    assert not PAYLOAD_INTENTS & set(examples)


def test_no_example_teaches_two_intents(examples: dict[str, list[str]]) -> None:
    seen: dict[str, str] = {}
    for intent, texts in examples.items():
        for text in texts:
            key = canonical(text)
            assert seen.setdefault(key, intent) == intent, f"{text!r} is in {seen[key]} and {intent}"


def test_heldout_set_covers_every_route_theme_and_partner(heldout: list[dict]) -> None:
    assert len(heldout) >= 150
    assert {item["route"] for item in heldout} == set(ROUTES) - {"clarify"}
    assert {item["theme"] for item in heldout if item["route"] == "tutorial"} == set(THEMES)
    assert {item["partner"] for item in heldout if item["route"] == "referral"} == set(PARTNER_KINDS)
    assert {item["scope"] for item in heldout if item["route"] == "booking"} == {"accompagner", "faire"}


def test_heldout_messages_are_not_training_examples(heldout: list[dict], examples: dict[str, list[str]]) -> None:
    trained = {canonical(text) for texts in examples.values() for text in texts}
    leaked = [item["text"] for item in heldout if canonical(item["text"]) in trained]
    assert not leaked
    assert len({canonical(item["text"]) for item in heldout}) == len(heldout)
