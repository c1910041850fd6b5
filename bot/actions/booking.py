"""Booking in the conversation: the booking form's questions (site, slot, consent, recap; its checks are in
forms.py), the confirmation with its code (docs/contract.md §5 `custom.booking`), and cancelling or moving a booking by
its code."""
from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from bot.actions import referrals
from bot.booking.contact import Contact, parse_contact
from bot.booking.preferences import parse_preference
from bot.booking.slots import Slot
from bot.booking.store import BookingNotFound, BookingStore, SlotTaken, ensure_database
from bot.hours import PARIS
from bot.settings import settings
from bot.triage import Decision

Events = List[Dict[str, Any]]
SLOTS_SHOWN = 4
MORE = "plus"  # the booking_slot value of the « Autres créneaux » button
NONE = "aucun"  # the contact or accessibility answer « none »
GIVE_UP = "abandon"  # the booking_code value after too many wrong codes
PERSONAL_SLOTS = ("first_name", "contact", "accessibility", "consent", "booking_recap_ok")
FORM_SLOTS = ("booking_site", "booking_slot", "booking_preference", "booking_skip", "moving_code", *PERSONAL_SLOTS)


@lru_cache(maxsize=1)
def store() -> BookingStore:
    """The booking database, migrated and loaded with knowledge_base/sites.yml on first use."""
    return ensure_database(settings)


def library_phone() -> str:
    return store().sites()[0].phone_display


def channel_of(tracker: Tracker) -> str:
    """The channel the patron writes on (rest, telegram…)."""
    return tracker.get_latest_input_channel() or "rest"


def cleared(*names: str) -> Events:
    return [SlotSet(name, None) for name in names]


def start(dispatcher: CollectingDispatcher, tracker: Tracker, decision: Decision, text: str) -> Events:
    """A booking need from triage: remember its topic and urgency, then run the booking form; from a patron who
    says they live far from the library (not urgent), the help places near them first."""
    far = None if decision.urgent else referrals.far_commune(text)
    if far:
        return referrals.elsewhere(dispatcher, tracker, far)
    return [*cleared(*FORM_SLOTS), SlotSet("booking_topic", decision.destination.intent),
            SlotSet("booking_urgent", decision.urgent), FollowupAction("booking_form")]


def offered_slots(tracker: Tracker) -> List[Slot]:
    """The free slots to show for the patron's site, preferred day and page, earliest first."""
    preference = tracker.get_slot("booking_preference")
    now = datetime.now(PARIS)
    return store().free_slots(now, site_id=tracker.get_slot("booking_site"),
                              preference=parse_preference(preference, now) if preference else None,
                              limit=SLOTS_SHOWN, skip=int(tracker.get_slot("booking_skip") or 0),
                              urgent=bool(tracker.get_slot("booking_urgent")))


def choice(title: str, entity: str, value: str) -> Dict[str, str]:
    """A button that fills a form slot through the `choose` intent's entity."""
    return {"title": title, "payload": f'/choose{{"{entity}": "{value}"}}'}


class ActionAskBookingSite(Action):
    def name(self) -> Text:
        return "action_ask_booking_site"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> Events:
        dispatcher.utter_message(response="utter_ask_booking_site",
                                 buttons=[choice(site.name, "site", site.id) for site in store().sites()])
        return []


class ActionAskBookingSlot(Action):
    def name(self) -> Text:
        return "action_ask_booking_slot"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> Events:
        slots = offered_slots(tracker)
        if not slots:
            when = f"pour « {tracker.get_slot('booking_preference')} »" if tracker.get_slot("booking_preference") \
                else "ces prochaines semaines"
            dispatcher.utter_message(response="utter_no_slot", when=when, phone=library_phone())
            return cleared("booking_preference", "booking_skip")
        buttons = [choice(slot.label, "slot", slot.key) for slot in slots]
        dispatcher.utter_message(response="utter_ask_booking_slot",
                                 buttons=buttons + [choice("Autres créneaux", "slot", MORE)])
        return []


class ActionAskConsent(Action):
    def name(self) -> Text:
        return "action_ask_consent"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> Events:
        workshop = tracker.active_loop.get("name") == "workshop_form"
        dispatcher.utter_message(response="utter_ask_workshop_consent" if workshop else "utter_ask_consent",
                                 days=settings.booking_retention_days,
                                 privacy_url=f"{settings.public_web_url}/confidentialite")
        return []


class ActionAskBookingRecapOk(Action):
    def name(self) -> Text:
        return "action_ask_booking_recap_ok"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> Events:
        slot = Slot.from_key(tracker.get_slot("booking_slot"))
        moving = store().find(tracker.get_slot("moving_code") or "")
        if moving:
            first_name, need = moving.first_name, moving.accessibility
            known = parse_contact(moving.contact) if moving.contact else None
        else:
            first_name, need = tracker.get_slot("first_name"), tracker.get_slot("accessibility")
            known = store().held_contact(channel_of(tracker), tracker.sender_id)
        dispatcher.utter_message(
            response="utter_booking_recap", slot=slot.label, site=store().site_of(slot.site_id).name,
            first_name=first_name or "-", contact=known.display if isinstance(known, Contact) else NONE,
            accessibility=need or NONE,
            buttons=[{"title": "Oui, je confirme", "payload": "/affirm"},
                     {"title": "Non, je change", "payload": "/deny"}])
        return []


def confirm(dispatcher: CollectingDispatcher, booking: Any) -> None:
    """The confirmation: when, where, the code, the calendar file; `custom.booking` of docs/contract.md §5."""
    site = store().site_of(booking.site_id)
    ics_url = f"{settings.public_web_url}/rendez-vous/{booking.display_code}.ics"
    dispatcher.utter_message(
        response="utter_booking_confirmed", slot=booking.slot.label, site=site.name, address=site.full_address,
        code=booking.display_code, ics_url=ics_url, json_message={"booking": {**booking.contract(),
                                                                             "calendar_url": ics_url}})


class ActionBook(Action):
    """Saves the booking the form collected (or moves the one being moved); a slot taken meanwhile is asked again."""

    def name(self) -> Text:
        return "action_book"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> Events:
        if tracker.get_slot("consent") is False:
            dispatcher.utter_message(response="utter_booking_no_consent", phone=library_phone())
            return cleared(*FORM_SLOTS)
        slot = Slot.from_key(tracker.get_slot("booking_slot"))
        try:
            booking = self.save(tracker, slot)
        except SlotTaken:
            dispatcher.utter_message(response="utter_slot_taken")
            return [*cleared("booking_slot", "booking_recap_ok", "booking_skip"), FollowupAction("booking_form")]
        except BookingNotFound:
            dispatcher.utter_message(response="utter_code_unknown")
            return cleared(*FORM_SLOTS)
        confirm(dispatcher, booking)
        return cleared(*FORM_SLOTS)

    @staticmethod
    def save(tracker: Tracker, slot: Slot) -> Any:
        moving = tracker.get_slot("moving_code")
        if moving:
            return store().move(moving, slot)
        channel, need = channel_of(tracker), tracker.get_slot("accessibility")
        contact = store().held_contact(channel, tracker.sender_id) if tracker.get_slot("contact") != NONE else None
        booking = store().book(
            slot, topic=tracker.get_slot("booking_topic"), first_name=tracker.get_slot("first_name"),
            contact=contact.value if contact else None, contact_kind=contact.kind if contact else None,
            accessibility=None if need == NONE else need, channel=channel, sender_id=tracker.sender_id,
            urgent=bool(tracker.get_slot("booking_urgent")))
        store().release_contact(channel, tracker.sender_id)
        return booking


class ActionStartCode(Action):
    """« Annuler / changer mon rendez-vous »: remember which, then ask the code."""

    def name(self) -> Text:
        return "action_start_code"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> Events:
        purpose = "move" if tracker.get_intent_of_latest_message() == "move_booking" else "cancel"
        return [SlotSet("code_purpose", purpose), SlotSet("code_tries", 0.0), FollowupAction("code_form")]
