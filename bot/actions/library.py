"""The library itself in the conversation (route `info`): hours, address, phone and services of its sites, each
answer with the site's card (docs/contract.md §5 `custom.site`); and a person to talk to."""
from __future__ import annotations

import logging
from datetime import datetime
from typing import Any, Dict, List, Optional

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy.exc import SQLAlchemyError

from bot.actions import booking
from bot.hours import paris_now
from bot.knowledge import Sites, sites
from bot.knowledge.sites import Site
from bot.library.answers import answer as library_answer
from bot.library.answers import answering, card
from bot.library.questions import named_site, read_question
from bot.triage import Decision

Events = List[Dict[str, Any]]
PERSON_INTENT = "ask_human"  # the patron wants to talk to someone
BOOKING_BUTTON = {"title": "Prendre rendez-vous", "payload": "/book_mediator"}
log = logging.getLogger(__name__)


def answer(dispatcher: CollectingDispatcher, tracker: Tracker, decision: Decision, text: str,
           payload: Dict[str, Any], in_form: bool = False) -> Events:
    """The answer to a question about the library (`payload`, the turn's triage, goes with its first message),
    then the card of the site it is about, with a button for each other site; or a person to talk to. `in_form`:
    the patron is answering a booking's questions."""
    library, now = sites(), paris_now()
    if decision.destination.intent == PERSON_INTENT:
        return person(dispatcher, named_site(text, library) or library.main, library, now, payload, in_form)
    site_id = chosen_site(tracker)
    question_text = (tracker.get_slot("library_question") or "") if site_id else text
    reply = library_answer(read_question(question_text, library, now, site_id), library, now)
    dispatcher.utter_message(response=reply.response, **reply.words, json_message=payload)
    others = [{"title": site.name, "payload": f'/library_info{{"site": "{site.id}"}}'}
              for site in library.sites if site is not reply.site]
    show_card(dispatcher, reply.site, library, now, others)
    return [SlotSet("library_question", question_text)]


def person(dispatcher: CollectingDispatcher, site: Site, library: Sites, now: datetime,
           payload: Optional[Dict[str, Any]], in_form: bool) -> Events:
    """Who to call and whether someone answers now; the next free appointment with a mediator and the booking
    button, unless the patron is booking already (`in_form`)."""
    dispatcher.utter_message(response="utter_person", name=site.name, phone=site.phone_display,
                             answering=answering(site, now), next_slot="" if in_form else next_appointment(now),
                             json_message=payload)
    show_card(dispatcher, site, library, now, [] if in_form else [BOOKING_BUTTON])
    return []


def show_card(dispatcher: CollectingDispatcher, site: Site, library: Sites, now: datetime,
              buttons: List[Dict[str, str]]) -> None:
    shown = card(site, library, now)
    dispatcher.utter_message(response="utter_library_card", name=site.name, address=shown["address"],
                             status=shown["status"], phone=site.phone_display, buttons=buttons,
                             json_message={"site": shown})


def next_appointment(now: datetime) -> str:
    """« Un conseiller peut aussi vous recevoir mardi 8 décembre à 14 h. », or nothing when no slot is free or the
    booking database cannot be read (the rest of the answer still helps)."""
    try:
        slots = booking.store().free_slots(now, limit=1)
    except SQLAlchemyError:
        log.exception("free slots unreadable for a patron who asked for a person")
        return ""
    return f"Un conseiller peut aussi vous recevoir {slots[0].label}." if slots else ""


def chosen_site(tracker: Tracker) -> Optional[str]:
    """The site of a site button (`/library_info{"site": "quartier"}`), if the message is one."""
    return next((entity["value"] for entity in tracker.latest_message.get("entities", [])
                 if entity.get("entity") == "site"), None)
