"""The booking form's checks, as rasa-sdk runs them: each answer validated, questions skipped when known."""
from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Any

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from bot.actions import ValidateBookingForm
from bot.actions import booking as booking_actions
from bot.booking.store import BookingStore
from bot.hours import PARIS
from tests.support.booking import make_store, sqlite_url

DOMAIN_SLOTS = ["booking_site", "booking_slot", "first_name", "contact", "accessibility", "consent",
                "booking_recap_ok"]


@pytest.fixture(autouse=True)
def library(tmp_path, monkeypatch) -> BookingStore:
    store = make_store(sqlite_url(tmp_path), tmp_path, datetime.now(PARIS))
    monkeypatch.setattr(booking_actions, "store", lambda: store)
    return store


def validate(slot: str, value: Any, intent: str = "nlu_fallback", **slots: Any) -> tuple[dict, list[str]]:
    """What the form keeps of `value` for `slot` (NLU having read it as `intent`), and the responses it sends."""
    dispatcher = CollectingDispatcher()
    latest = {"text": str(value), "intent": {"name": intent, "confidence": 1.0}}
    tracker = Tracker("patron", {"requested_slot": slot, **slots}, latest, [], False, None, {}, "action_listen")
    method = getattr(ValidateBookingForm(), f"validate_{slot}")
    return method(value, dispatcher, tracker, {}), [message["response"] for message in dispatcher.messages]


def required(**slots: Any) -> list[str]:
    tracker = Tracker("patron", slots, {}, [], False, None, {}, "action_listen")
    return asyncio.run(ValidateBookingForm().required_slots(DOMAIN_SLOTS, CollectingDispatcher(), tracker, {}))


@pytest.mark.parametrize("typed, kept", [("marie", "Marie"), ("  Jean-Pierre ", "Jean-Pierre"), ("Zoë", "Zoë"),
                                         ("N'Golo", "N'Golo"), ("12345", None), ("<b>Marie</b>", None),
                                         ("Marie 06 12 34 56 78", None), ("x" * 41, None)])
def test_first_name(typed: str, kept: Any) -> None:
    values, responses = validate("first_name", typed)
    assert values == {"first_name": kept}
    assert responses == ([] if kept else ["utter_first_name_invalid"])


@pytest.mark.parametrize("typed, kind, held", [
    ("06 12 34 56 78", "mobile", "+33612345678"), ("02.47.12.34.56", "landline", "+33247123456"),
    ("marie@example.org", "email", "marie@example.org"), ("pas de contact", "aucun", None),
    ("abc", None, None), ("06 12", None, None)])
def test_contact_is_held_in_the_booking_database_not_in_the_conversation(library: BookingStore, typed: str,
                                                                          kind: Any, held: Any) -> None:
    assert validate("contact", typed)[0] == {"contact": kind}  # the slot, stored with the conversation
    contact = library.held_contact("rest", "patron")
    assert (contact.value if contact else None) == held


def test_pas_de_contact_releases_a_contact_given_before(library: BookingStore) -> None:
    validate("contact", "06 12 34 56 78")
    validate("contact", "pas de contact")
    assert library.held_contact("rest", "patron") is None


@pytest.mark.parametrize("typed, kept", [("aucun", "aucun"), ("non", "aucun"), ("fauteuil", "Fauteuil roulant"),
                                         ("j'entends mal", "J'entends mal"), ("Je vois mal", "Je vois mal"),
                                         ("je parle peu francais", "Je parle peu français"),
                                         ("j'ai un cancer et du diabète", None)])
def test_accessibility_needs_are_chosen_never_free_text(typed: str, kept: Any) -> None:
    values, responses = validate("accessibility", typed)
    assert values == {"accessibility": kept}
    assert responses == ([] if kept else ["utter_accessibility_invalid"])


def test_a_typed_day_becomes_the_preference_and_other_slots_page_on() -> None:
    assert validate("booking_slot", "jeudi matin")[0] == {"booking_slot": None, "booking_preference": "jeudi matin",
                                                           "booking_skip": 0.0}
    assert validate("booking_slot", "plus", booking_skip=4.0)[0] == {"booking_slot": None, "booking_skip": 8.0}
    values, responses = validate("booking_slot", "blabla")
    assert values == {"booking_slot": None} and responses == ["utter_day_not_understood"]


def test_a_site_by_button_or_by_name() -> None:
    assert validate("booking_site", "annexe")[0] == {"booking_site": "annexe"}
    assert validate("booking_site", "la mediatheque centrale")[0] == {"booking_site": "centrale"}
    assert validate("booking_site", "centrale")[0] == {"booking_site": "centrale"}
    assert validate("booking_site", "piscine") == ({"booking_site": None}, ["utter_site_unknown"])


def test_questions_already_answered_are_skipped() -> None:
    assert required() == DOMAIN_SLOTS
    assert required(moving_code="K7M-4QP") == ["booking_slot", "booking_recap_ok"]
    assert required(consent=False) == DOMAIN_SLOTS[:-1]


def test_a_no_to_the_recap_asks_the_slot_again() -> None:
    assert validate("booking_recap_ok", "/deny", "deny")[0] == {"booking_recap_ok": None, "booking_slot": None,
                                                                "booking_skip": 0.0, "booking_preference": None}
    assert validate("booking_recap_ok", "oui c'est bon", "affirm")[0] == {"booking_recap_ok": True}


@pytest.mark.parametrize("slot", ["consent", "booking_recap_ok"])
def test_a_yes_or_no_question_reads_the_intent_and_asks_again_otherwise(slot: str) -> None:
    assert validate(slot, "bof", "out_of_scope") == ({slot: None}, ["utter_yes_or_no"])
    if slot == "consent":
        assert validate(slot, "j'accepte", "affirm")[0] == {"consent": True}
        assert validate(slot, "/deny", "deny")[0] == {"consent": False}


@pytest.mark.parametrize("slot", ["booking_site", "booking_slot", "first_name", "contact", "accessibility",
                                  "booking_recap_ok"])
def test_a_slot_cleared_by_an_action_is_not_an_answer(slot: str) -> None:
    assert validate(slot, None) == ({slot: None}, [])
