"""What a patron says inside a form that answers no question, as the forms' validations run it: asides answered
before the question is asked again, a new need that ends the form, answers still taken as answers."""
from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Any

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from bot.actions import ActionExplain, ValidateBookingForm, ValidateCodeForm
from bot.actions import booking as booking_actions
from bot.booking.store import BookingStore
from bot.hours import PARIS
from tests.support.booking import make_store, sqlite_url


@pytest.fixture(autouse=True)
def library(tmp_path, monkeypatch) -> BookingStore:
    store = make_store(sqlite_url(tmp_path), tmp_path, datetime.now(PARIS))
    monkeypatch.setattr(booking_actions, "store", lambda: store)
    return store


def said(form, asked: str, text: str, intent: str, confidence: float = 0.95) -> tuple[list[dict], list[dict]]:
    """The messages and events of the form's validation when the patron says `text` (NLU: `intent`) while the form
    asks `asked`; the form has taken the text as the slot's candidate, as Rasa's from_text mapping does."""
    latest = {"text": text, "intent": {"name": intent, "confidence": confidence},
              "intent_ranking": [{"name": intent, "confidence": confidence}], "entities": []}
    events = [{"event": "user", "text": text, "parse_data": latest},
              {"event": "slot", "name": asked, "value": text}]
    tracker = Tracker("patron", {"requested_slot": asked, asked: text}, latest, events, False, None,
                      {"name": form.name().removeprefix("validate_")}, "action_listen")
    dispatcher = CollectingDispatcher()
    return dispatcher.messages, asyncio.run(form.run(dispatcher, tracker, {"slots": {}, "forms": {}}))


def responses(messages: list[dict]) -> list[str]:
    return [message.get("response") for message in messages]


@pytest.mark.parametrize("text, intent, reply", [("merci", "thanks", "utter_form_thanks"),
                                                 ("au revoir", "goodbye", "utter_form_goodbye"),
                                                 ("je comprends pas", "not_understood", "utter_explain_site")])
def test_small_talk_is_answered_and_the_question_stays_open(text: str, intent: str, reply: str) -> None:
    messages, events = said(ValidateBookingForm(), "booking_site", text, intent)
    assert responses(messages) == [reply]
    assert events == [{"event": "slot", "timestamp": None, "name": "booking_site", "value": None}]


def test_a_person_asked_for_in_the_form_gets_the_phone_and_the_form_goes_on() -> None:
    messages, events = said(ValidateBookingForm(), "booking_site", "un humain svp", "ask_human")
    assert responses(messages) == ["utter_person", "utter_library_card"]
    assert messages[0]["custom"]["triage"]["route"] == "info" and messages[0]["phone"]
    assert messages[1]["custom"]["site"]["phone"] and messages[1]["buttons"] == []  # already booking
    assert [event["name"] for event in events] == ["booking_site"]


def test_a_question_about_the_library_is_answered_inside_the_form() -> None:
    messages, _ = said(ValidateBookingForm(), "first_name", "c'est gratuit ?", "library_info")
    assert responses(messages)[0] == "utter_library_service" and "gratuit" in messages[0]["details"]


def test_a_new_need_ends_the_form_forgets_its_answers_and_goes_to_triage() -> None:
    _, events = said(ValidateBookingForm(), "contact", "en fait je veux apprendre à envoyer un mail", "learn_email")
    assert events[-1]["event"] == "action_execution_rejected" and events[-1]["name"] == "booking_form"
    assert {event["name"] for event in events if event["event"] == "slot"} >= {"first_name", "contact", "consent"}


@pytest.mark.parametrize("text, confidence", [("une maladie grave", 0.9), ("en fait je veux un mail", 0.65)])
def test_a_new_need_takes_enough_words_and_confidence(text: str, confidence: float) -> None:
    _, events = said(ValidateBookingForm(), "accessibility", text, "refer_cpam", confidence)
    assert not any(event["event"] == "action_execution_rejected" for event in events)


@pytest.mark.parametrize("asked, text, intent", [
    ("first_name", "Marie", "out_of_scope"),  # a first name NLU does not know is no new need
    ("booking_site", "la centrale", "library_info"),  # a site's name answers, whatever NLU thought
    ("contact", "pas de contact", "deny"), ("booking_slot", "jeudi matin", "book_mediator")])
def test_answers_are_answers_whatever_nlu_thought(asked: str, text: str, intent: str) -> None:
    messages, events = said(ValidateBookingForm(), asked, text, intent, confidence=0.83)
    assert not any(response and response.startswith(("utter_library", "utter_person", "utter_form"))
                   for response in responses(messages))
    assert not any(event["event"] in ("active_loop", "followup") for event in events)


def test_a_thanks_nlu_is_sure_of_is_no_first_name() -> None:
    messages, _ = said(ValidateBookingForm(), "first_name", "merci", "thanks", confidence=0.95)
    assert responses(messages) == ["utter_form_thanks"]


def test_the_code_question_explains_itself() -> None:
    messages, _ = said(ValidateCodeForm(), "booking_code", "hein ?", "not_understood")
    assert responses(messages) == ["utter_explain_booking_code"]


def explain(events: list[dict[str, Any]]) -> list[dict]:
    dispatcher = CollectingDispatcher()
    tracker = Tracker("patron", {}, events[-1].get("parse_data", {}), events, False, None, {}, "action_listen")
    asyncio.run(ActionExplain().run(dispatcher, tracker, {}))
    return dispatcher.messages


def test_outside_a_form_the_last_question_is_explained_then_asked_again() -> None:
    question = {"event": "bot", "text": "Dans quelle commune habitez-vous ?",
                "data": {"buttons": [{"title": "Tours", "payload": "/tell_commune"}], "custom": {"ask": "commune"}}}
    messages = explain([{"event": "user", "text": "ma caf"}, question,
                        {"event": "user", "text": "je comprends pas"}])
    assert responses(messages) == ["utter_explain_commune", None]
    assert messages[1]["text"] == question["text"] and messages[1]["custom"] == {"ask": "commune"}
    assert messages[1]["buttons"] == question["data"]["buttons"]
    answered = [{"event": "user", "text": "ma caf"}, question, {"event": "user", "text": "Tours"},
                {"event": "bot", "text": "Le lieu…"}, {"event": "user", "text": "je comprends pas"}]
    assert responses(explain(answered)) == ["utter_explain"]
