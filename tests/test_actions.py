"""The triage, tutorial and privacy actions, run as rasa-sdk runs them, on a tracker holding NLU's result."""
from __future__ import annotations

import asyncio
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from bot.actions import ActionPrivacy, ActionTriage
from bot.knowledge import Charter
from bot.settings import settings


def act(action, latest_message: dict[str, Any], **slots: Any) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """The messages an action sends, and the slots it sets (and the follow-up action, as `{name: "followup"}`)."""
    dispatcher = CollectingDispatcher()
    tracker = Tracker("patron", slots, latest_message, [], False, None, {}, "action_listen")
    events = asyncio.run(action.run(dispatcher, tracker, {}))
    assert all(event["event"] in ("slot", "followup") for event in events), events
    return dispatcher.messages, {event["name"]: event["value"] if event["event"] == "slot" else "followup"
                                 for event in events}


def run(action, latest_message: dict[str, Any], **slots: Any) -> list[dict[str, Any]]:
    return act(action, latest_message, **slots)[0]


def nlu(text: str, *ranking: tuple[str, float], entities=()) -> dict[str, Any]:
    ranked = [{"name": name, "confidence": confidence} for name, confidence in ranking]
    return {"text": text, "intent": ranked[0], "intent_ranking": ranked, "entities": list(entities)}


def test_one_message_carries_the_triage_payload() -> None:
    messages = run(ActionTriage(), nlu("je veux apprendre le mail", ("learn_email", 0.9)))
    message = messages[0]
    assert message["response"] == "utter_route_tutorial"
    assert message["custom"] == {"triage": {"route": "tutorial", "theme": "email", "scope": "accompagner",
                                            "confidence": 0.9}}
    assert message["label"] == "les e-mails"
    assert sum("triage" in (m["custom"] or {}) for m in messages) == 1


def test_referral_names_the_partner_from_the_entity() -> None:
    message = run(ActionTriage(), nlu("la secu", ("refer_caf", 0.7),
                                      entities=[{"entity": "organism", "value": "cpam"}]))[0]
    assert message["custom"]["triage"]["partner"] == "cpam"
    assert message["label"] == "l'Assurance Maladie (CPAM)"


def test_urgent_booking_uses_the_urgent_reply_and_starts_the_form_earliest_first() -> None:
    messages, slots = act(ActionTriage(), nlu("urgent pour demain", ("book_mediator", 0.9)))
    message, = messages
    assert message["response"] == "utter_route_booking_urgent"
    assert message["custom"]["triage"]["scope"] == "faire"
    assert slots["booking_urgent"] is True and slots["booking_topic"] == "book_mediator"
    assert slots["booking_form"] == "followup"


def test_clarify_buttons_send_the_candidates_intents() -> None:
    message, = run(ActionTriage(), nlu("mail photos", ("learn_email", 0.5), ("learn_photos", 0.45)))
    assert message["response"] == "utter_route_clarify"
    assert message["buttons"] == [
        {"title": "Apprendre : les e-mails", "payload": "/learn_email"},
        {"title": "Apprendre : les photos", "payload": "/learn_photos"},
        {"title": "Autre chose", "payload": "/help"},
    ]
    assert len(message["custom"]["triage"]["candidates"]) == 2


def test_a_skill_and_an_organism_in_one_message_teach_the_skill_first_then_offer_the_organism() -> None:
    messages, slots = act(ActionTriage(), nlu("envoyer mon cv à la caf, je sais pas mettre une pièce jointe",
                                              ("learn_email", 0.5), ("refer_caf", 0.45)), level="debutant")
    assert messages[0]["response"] == "utter_route_tutorial_then_referral"
    assert (messages[0]["label"], messages[0]["then_label"]) == ("les e-mails", "la CAF")
    assert messages[0]["custom"]["triage"]["route"] == "tutorial"
    assert messages[1]["custom"]["tutorial"]["theme"] == "email"
    assert {"title": "Une question pour la CAF", "payload": "/refer_caf"} in messages[2]["buttons"]
    assert slots["then_intent"] == "refer_caf"


def test_a_scam_in_progress_says_what_to_do_first_then_gives_a_fiche_without_the_level_questions() -> None:
    messages = run(ActionTriage(), nlu("un faux conseiller de ma banque m'appelle", ("report_scam", 0.9)))
    assert messages[0]["response"] == "utter_route_scam"
    assert messages[0]["custom"]["triage"] == {"route": "tutorial", "theme": "arnaques", "scope": "accompagner",
                                               "confidence": 0.9}
    assert messages[1]["custom"]["tutorial"]["theme"] == "arnaques"
    assert not any("ask" in (message["custom"] or {}) for message in messages)


def test_nothing_understood_says_so_with_a_help_button_and_no_confidence() -> None:
    message, = run(ActionTriage(), nlu("qsdfgh", ("nlu_fallback", 0.9)))
    assert message["response"] == "utter_route_fallback"
    assert message["custom"]["triage"] == {"route": "out_of_scope", "scope": "none", "confidence": 0.0}
    assert message["buttons"] == [{"title": "Que pouvez-vous faire ?", "payload": "/help"}]


def test_refusal_text_comes_from_the_charter(default_charter: Charter) -> None:
    message, = run(ActionTriage(), nlu("signez pour moi", ("charter_forbidden", 0.9)))
    act = next(act for act in default_charter.forbidden if act.id == "signature")
    assert (message["refusal"], message["alternative"]) == (act.says, act.instead)


def test_button_payload_without_ranking_is_understood() -> None:
    message = run(ActionTriage(), {"text": "/refer_impots", "intent": {"name": "refer_impots", "confidence": 1.0},
                                   "entities": []})[0]
    assert message["custom"]["triage"] == {"route": "referral", "partner": "impots", "scope": "orienter",
                                           "confidence": 1.0}


def test_privacy_lists_what_the_bot_never_asks(default_charter: Charter) -> None:
    message, = run(ActionPrivacy(), nlu("mes données ?", ("ask_privacy", 0.9)))
    assert message["response"] == "utter_privacy"
    assert all(item in message["never_ask"] for item in default_charter.never_ask)
    assert message["days"] == settings.booking_retention_days
    assert message["conversation_days"] == settings.conversation_retention_days
    assert message["privacy_url"] == f"{settings.public_web_url}/confidentialite"


def test_empty_message_gets_a_prompt_and_no_triage() -> None:
    message, = run(ActionTriage(), nlu("   ", ("out_of_scope", 0.3)))
    assert message["response"] == "utter_empty_message" and not message["custom"]
