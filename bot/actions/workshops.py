"""Group workshops in the conversation: the coming sessions offered as buttons (docs/contract.md §5
`custom.workshops`, asked as `workshop`), the registration form's questions (its checks are in forms.py), the
registration or the waiting list with its code (`custom.workshop`), a registration's status and its cancellation
by code (codes.py), the next session offered after a tutorial, and what « Supprimer mes données » erases."""
from __future__ import annotations

import asyncio
import logging
from datetime import datetime
from functools import lru_cache
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from bot.actions import booking
from bot.actions.booking import NONE, Events, channel_of, choice, cleared, library_phone
from bot.booking.contact import EMAIL, Contact
from bot.booking.preferences import parse_preference
from bot.booking.reminders import Mailer
from bot.booking.slots import day_label, time_label
from bot.hours import PARIS
from bot.knowledge import topics, workshops
from bot.matching import normalise
from bot.settings import settings
from bot.telegram.client import telegram_notify
from bot.triage import Decision
from bot.workshops import offers
from bot.workshops.models import CANCELLED, REGISTERED, WAITLISTED
from bot.workshops.notices import Messenger
from bot.workshops.store import Place, Seats, SessionNotOpen, WorkshopStore, open_workshops, refresh

log = logging.getLogger(__name__)
MORE = "plus"  # the workshop_session value of « Voir d'autres dates »
PUSHING_CHANNELS = {"telegram"}  # channels the library can write to first (the REST widget cannot)
FORM_SLOTS = ("workshop_session", "workshop_wait", "workshop_skip", "first_name", "contact", "consent")
REQUEST_SLOTS = ("workshop_theme", "workshop_level", "workshop_when")
BOOKING = {"title": "Un rendez-vous seul avec un médiateur", "payload": "/book_mediator"}
OTHER_DATES = {"title": "Voir d'autres dates", "payload": "/join_workshop"}
BEGINNER_WORDS = ("debutant", "debutante", "debutants", "debutantes", "debuter", "debutan", "rien du tout")


@lru_cache(maxsize=1)
def _store() -> WorkshopStore:
    booking.store()  # the sites, which sessions belong to, are loaded first
    return open_workshops(settings)


def store() -> WorkshopStore:
    """The workshops store, its sessions copied again when the workshops file, the sites or the day changed."""
    return refresh(_store(), settings.knowledge_dir)


@lru_cache(maxsize=1)
def messenger() -> Messenger:
    return Messenger(Mailer.from_url(settings.smtp_url, settings.smtp_from), telegram_notify(settings))


async def tell_promoted(places: List[Place]) -> None:
    """Tell the waiting patrons just given a seat, by e-mail and on Telegram (outside the event loop: the Telegram
    client runs its own)."""
    if places:
        await asyncio.to_thread(messenger().promoted, store(), places, booking.store().site_of)


def ics_url(place: Place) -> str:
    return f"{settings.public_web_url}/ateliers/{place.registration.display_code}.ics"


def contract(place: Place) -> Dict[str, Any]:
    """`custom.workshop` (docs/contract.md §5), with the calendar file unless cancelled."""
    found = place.contract()
    if place.registration.status != CANCELLED:
        found["calendar_url"] = ics_url(place)
    return {"workshop": found}


def when_of(place_or_seats: Any) -> str:
    """« mardi 8 décembre à 14 h »."""
    start = place_or_seats.session.start_paris
    return f"{day_label(start)} à {time_label(start)}"


# The request: theme, level, days -----------------------------------------------------------------------------------

def level_of(tracker: Tracker, text: str) -> Optional[str]:
    """« débutant » said in the message (the `level` entity, or the word itself)."""
    entities = tracker.latest_message.get("entities") or []
    if any(entity.get("entity") == "level" and entity.get("value") == "debutant" for entity in entities):
        return "debutant"
    words = set(normalise(text).replace("'", " ").split())
    return "debutant" if words & set(BEGINNER_WORDS) else None


def when_said(text: str) -> Optional[str]:
    """The patron's words when they say a day or a week (« cette semaine », « mardi »), else None."""
    if text.startswith("/"):
        return None
    preference = parse_preference(text, datetime.now(PARIS))
    return text if preference is not None and not preference.is_any else None


def start(dispatcher: CollectingDispatcher, tracker: Tracker, decision: Decision, text: str) -> Events:
    """A workshop need from triage: remember its theme, level and days, then run the registration form, whose
    first question lists the sessions; with no session at all to come, say so and offer a mediator."""
    if not store().coming():
        dispatcher.utter_message(response="utter_workshop_none", phone=library_phone(), buttons=[BOOKING])
        return cleared(*FORM_SLOTS, *REQUEST_SLOTS)
    return [*cleared(*FORM_SLOTS), SlotSet("workshop_theme", decision.destination.target),
            SlotSet("workshop_level", level_of(tracker, text)), SlotSet("workshop_when", when_said(text)),
            FollowupAction("workshop_form")]


def offered(tracker: Tracker) -> offers.Offer:
    when = tracker.get_slot("workshop_when")
    preference = parse_preference(when, datetime.now(PARIS)) if when else None
    return offers.offer(store().coming, theme=tracker.get_slot("workshop_theme"),
                        level=tracker.get_slot("workshop_level"), preference=preference,
                        skip=int(tracker.get_slot("workshop_skip") or 0))


def open_session(session_id: str) -> Optional[Seats]:
    """The session of this id when one can still join it."""
    return next((seats for seats in store().coming() if seats.session.id == session_id), None)


def is_full(seats: Seats) -> bool:
    return seats.left == 0 or seats.waiting > 0


class ActionAskWorkshopSession(Action):
    """The sessions to choose from, as buttons, with `custom.workshops` and `ask: workshop`."""

    def name(self) -> Text:
        return "action_ask_workshop_session"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> Events:
        offer = offered(tracker)
        theme, when = tracker.get_slot("workshop_theme"), tracker.get_slot("workshop_when")
        if offer.fit == offers.OTHER_THEME and theme:
            dispatcher.utter_message(response="utter_workshop_none_of_theme", label=topics().label(theme))
        elif offer.fit == offers.OTHER_DAYS and when:
            dispatcher.utter_message(response="utter_workshop_none_on_days", when=when)
        buttons = [choice(offers.button_label(seats), "workshop", seats.session.id) for seats in offer.sessions]
        if offer.more:
            buttons.append(choice("Voir d'autres dates", "workshop", MORE))
        dispatcher.utter_message(response="utter_ask_workshop_session", buttons=buttons + [BOOKING],
                                 json_message={"workshops": [seats.contract() for seats in offer.sessions],
                                               "ask": "workshop"})
        return []


class ActionAskWorkshopWait(Action):
    def name(self) -> Text:
        return "action_ask_workshop_wait"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> Events:
        seats = open_session(tracker.get_slot("workshop_session") or "")
        waiting = seats.waiting if seats else 0
        dispatcher.utter_message(response="utter_ask_workshop_wait", waiting=waiting,
                                 buttons=[{"title": "Oui, liste d'attente", "payload": "/affirm"},
                                          {"title": "Non, merci", "payload": "/deny"}])
        return []


# Registering -----------------------------------------------------------------------------------------------------

def how_told(place: Place, contact: Optional[Contact]) -> str:
    """The response that says how a waiting patron will learn a seat freed for them."""
    if contact is not None and contact.kind == EMAIL:
        return "utter_workshop_told_by_email"
    if place.registration.channel in PUSHING_CHANNELS:
        return "utter_workshop_told_here"
    return "utter_workshop_ask_with_code"


def say_place(dispatcher: CollectingDispatcher, place: Place, contact: Optional[Contact] = None) -> None:
    """A registration's answer: registered (when, where, what to bring, the code, the calendar file) or on the
    waiting list (its position and how they will be told)."""
    session, code = place.session, place.registration.display_code
    site = booking.store().site_of(session.site_id)
    workshop = next((found for found in workshops(settings.knowledge_dir / "workshops.yml").workshops
                     if found.id == session.workshop_id), None)
    if place.registration.status == REGISTERED:
        bring = " ; ".join(workshop.bring) + "." if workshop and workshop.bring else "rien."
        where = f"{site.name}, {site.full_address}" + (f" ({session.room})" if session.room else "")
        dispatcher.utter_message(response="utter_workshop_registered", title=session.title, when=when_of(place),
                                 where=where, bring=bring, code=code, ics_url=ics_url(place),
                                 json_message=contract(place))
        return
    dispatcher.utter_message(response="utter_workshop_waitlisted", title=session.title, when=when_of(place),
                             position=place.position, code=code, json_message=contract(place))
    dispatcher.utter_message(response=how_told(place, contact), code=code, hours=settings.waitlist_skip_hours)


class ActionRegisterWorkshop(Action):
    """Registers the patron the form asked (a seat, or the waiting list); tells anyone promoted meanwhile."""

    def name(self) -> Text:
        return "action_register_workshop"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> Events:
        channel = channel_of(tracker)
        if tracker.get_slot("workshop_wait") is False:
            dispatcher.utter_message(response="utter_workshop_not_waiting", buttons=[OTHER_DATES, BOOKING])
            booking.store().release_contact(channel, tracker.sender_id)
            return cleared(*FORM_SLOTS)
        if tracker.get_slot("consent") is False:
            dispatcher.utter_message(response="utter_workshop_no_consent", phone=library_phone())
            booking.store().release_contact(channel, tracker.sender_id)
            return cleared(*FORM_SLOTS)
        contact = booking.store().held_contact(channel, tracker.sender_id) \
            if tracker.get_slot("contact") not in (None, NONE) else None
        try:
            place, promoted = store().register(tracker.get_slot("workshop_session"),
                                               first_name=tracker.get_slot("first_name"), contact=contact,
                                               channel=channel, sender_id=tracker.sender_id)
        except SessionNotOpen:
            dispatcher.utter_message(response="utter_workshop_closed")
            return [*cleared("workshop_session", "workshop_wait", "workshop_skip"), FollowupAction("workshop_form")]
        booking.store().release_contact(channel, tracker.sender_id)
        say_place(dispatcher, place, contact)
        await tell_promoted(promoted)
        return cleared(*FORM_SLOTS)


# After a tutorial ------------------------------------------------------------------------------------------------

def next_session_button(theme: Optional[str]) -> List[Dict[str, str]]:
    """« Atelier « Déjouer les arnaques… », mercredi 16 déc. »: the next session of the theme one can join (a seat
    or the waiting list), as a button that lists that theme's sessions; none when there is none."""
    if not theme:
        return []
    try:
        seats = offers.next_of_theme(store().coming(theme=theme))
    except Exception:  # a database that is down takes nothing from the tutorial itself
        log.exception("next workshop of %s not found", theme)
        return []
    if seats is None:
        return []
    start_day = offers.short_day(seats.session.start_paris).lower()
    title = offers.short_title(seats.session.title)
    return [{"title": f"Atelier « {title} », {start_day}",
             "payload": f'/join_workshop{{"theme": "{theme}"}}'}]


# « Supprimer mes données » ---------------------------------------------------------------------------------------

async def forget(tracker: Tracker) -> int:
    """Cancel the patron's registrations to come and erase their personal fields; tell those promoted."""
    erased, promoted = store().forget(channel_of(tracker), tracker.sender_id)
    await tell_promoted(promoted)
    return erased


# By code: status and cancellation (the actions are in codes.py) --------------------------------------------------

def tell_status(dispatcher: CollectingDispatcher, place: Place) -> None:
    """Where a registration stands; a promoted patron who asks with their code is told now."""
    registration = place.registration
    if registration.status == CANCELLED:
        dispatcher.utter_message(
            response="utter_workshop_status_skipped" if registration.skipped else "utter_workshop_status_cancelled",
            title=place.session.title, when=when_of(place), hours=settings.waitlist_skip_hours,
            json_message=contract(place))
        return
    if registration.status == WAITLISTED:
        dispatcher.utter_message(response="utter_workshop_status_waitlisted", title=place.session.title,
                                 when=when_of(place), position=place.position, json_message=contract(place))
        return
    if registration.promoted_at and not registration.promoted_via:
        store().mark_told(registration.id, "code")
    site = booking.store().site_of(place.session.site_id)
    dispatcher.utter_message(response="utter_workshop_status_registered", title=place.session.title,
                             when=when_of(place), site=site.name, json_message=contract(place))


async def cancel(dispatcher: CollectingDispatcher, code: str) -> None:
    """Cancel a registration by its code; its seat goes at once to the first waiting patron, told now."""
    before = store().place(code)
    place, promoted = store().cancel(code)
    assert place is not None and before is not None  # the code form keeps only a code it found
    if place.registration.status != CANCELLED:  # the session has started
        dispatcher.utter_message(response="utter_workshop_too_late", title=place.session.title,
                                 phone=library_phone())
    elif before.registration.status == CANCELLED:
        dispatcher.utter_message(response="utter_workshop_already_cancelled", title=place.session.title,
                                 json_message=contract(place))
    else:
        dispatcher.utter_message(response="utter_workshop_cancelled", title=place.session.title,
                                 when=when_of(place), json_message=contract(place),
                                 buttons=[OTHER_DATES])
    await tell_promoted(promoted)
