"""Booking in the conversation: the booking form (site, slot, first name, contact, consent, recap), the
confirmation with its code (CONTRACT §5 `custom.booking`), and cancelling or moving a booking by its code."""
from __future__ import annotations

import re
from datetime import datetime
from functools import lru_cache, wraps
from typing import Any, Callable, Dict, List, Optional, Text

from rapidfuzz import fuzz, process
from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from bot.booking.codes import find_code
from bot.booking.contact import Contact, parse_contact, says_none
from bot.booking.jobs import ensure_database
from bot.booking.preferences import parse_preference
from bot.booking.slots import Slot
from bot.booking.store import BookingNotFound, BookingStore, SlotTaken, utc_now
from bot.matching import normalise
from bot.partners.hours import PARIS
from bot.settings import settings
from bot.triage import Decision

Events = List[Dict[str, Any]]
SLOTS_SHOWN = 4
CHOICE_SIMILARITY = 80  # rapidfuzz token-set ratio from which typed words name a site or a choice
MORE = "plus"  # the booking_slot value of the « Autres créneaux » button
NONE = "aucun"  # the contact or accessibility answer « none »
FIRST_NAME = re.compile(r"^[^\W\d_]+(?:[ '’-][^\W\d_]+)*$")
MAX_FIRST_NAME = 40
MAX_CODE_TRIES = 3
GIVE_UP = "abandon"  # the booking_code value after too many wrong codes
# Accessibility needs are chosen among these (what the mediator reads), never typed freely: no health details.
ACCESS_NEEDS = ("Fauteuil roulant", "J'entends mal", "Je vois mal", "Je parle peu français")
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
    """A booking need from triage: remember its topic and urgency, then run the booking form."""
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


def answers_only(validate: Callable[..., Dict[Text, Any]]) -> Callable[..., Dict[Text, Any]]:
    """A slot an action just cleared (None) is not an answer to check: no message, it stays empty."""
    slot = validate.__name__[len("validate_"):]

    @wraps(validate)
    def checked(self: Any, value: Any, *args: Any) -> Dict[Text, Any]:
        return {slot: None} if value is None else validate(self, value, *args)

    return checked


def picked(typed: str, choices: Dict[str, str], dispatcher: CollectingDispatcher, unknown: str) -> Optional[str]:
    """The key of the choice whose label the patron typed, even in part; else None, after the `unknown` reply."""
    labels = {key: normalise(label) for key, label in choices.items()}
    found = process.extractOne(normalise(typed), labels, scorer=fuzz.token_set_ratio, score_cutoff=CHOICE_SIMILARITY)
    if not found:
        dispatcher.utter_message(response=unknown)
    return found[2] if found else None


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
        dispatcher.utter_message(response="utter_ask_consent", days=settings.booking_retention_days,
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
            response="utter_booking_recap", slot=slot.label, site=store().site(slot.site_id).name,
            first_name=first_name or "-", contact=known.display if isinstance(known, Contact) else NONE,
            accessibility=need or NONE,
            buttons=[{"title": "Oui, je confirme", "payload": "/affirm"}, {"title": "Non, je change", "payload": "/deny"}])
        return []


class ValidateBookingForm(FormValidationAction):
    """Checks each answer of the booking form; skips the questions whose answer is already known."""

    def name(self) -> Text:
        return "validate_booking_form"

    async def required_slots(self, domain_slots: List[Text], dispatcher: CollectingDispatcher, tracker: Tracker,
                             domain: DomainDict) -> List[Text]:
        skipped = set()
        if len(store().sites()) == 1:
            skipped.add("booking_site")
        if tracker.get_slot("moving_code"):
            skipped.update(("booking_site", "first_name", "contact", "accessibility", "consent"))
        if tracker.get_slot("consent") is False:
            skipped.add("booking_recap_ok")
        return [slot for slot in domain_slots if slot not in skipped]

    @answers_only
    def validate_booking_site(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                              domain: DomainDict) -> Dict[Text, Any]:
        """A site's button, or its name typed, even in part: « centrale », « la médiathèque »."""
        sites = {site.id: site.name for site in store().sites()}
        if value in sites:
            return {"booking_site": value}
        return {"booking_site": picked(str(value), sites, dispatcher, "utter_site_unknown")}

    @answers_only
    def validate_booking_slot(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                              domain: DomainDict) -> Dict[Text, Any]:
        if value == MORE:
            return {"booking_slot": None, "booking_skip": float(tracker.get_slot("booking_skip") or 0) + SLOTS_SHOWN}
        try:
            Slot.from_key(str(value))
            return {"booking_slot": value}
        except ValueError:
            pass
        if parse_preference(str(value), datetime.now(PARIS)):
            return {"booking_slot": None, "booking_preference": str(value), "booking_skip": 0.0}
        dispatcher.utter_message(response="utter_day_not_understood")
        return {"booking_slot": None}

    @answers_only
    def validate_first_name(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                            domain: DomainDict) -> Dict[Text, Any]:
        name = " ".join(str(value).split())
        if len(name) > MAX_FIRST_NAME or not FIRST_NAME.match(name):
            dispatcher.utter_message(response="utter_first_name_invalid")
            return {"first_name": None}
        return {"first_name": name[:1].upper() + name[1:]}

    @answers_only
    def validate_contact(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                         domain: DomainDict) -> Dict[Text, Any]:
        contact = parse_contact(str(value))
        if contact is None:
            dispatcher.utter_message(response="utter_contact_invalid")
            return {"contact": None}
        if not isinstance(contact, Contact):
            store().release_contact(channel_of(tracker), tracker.sender_id)
            return {"contact": NONE}
        store().hold_contact(channel_of(tracker), tracker.sender_id, contact)  # never in the conversation
        return {"contact": contact.kind}

    @answers_only
    def validate_accessibility(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                               domain: DomainDict) -> Dict[Text, Any]:
        """One of ACCESS_NEEDS, or « aucun » for no particular need (also « non », « rien »)."""
        if says_none(str(value)):
            return {"accessibility": NONE}
        needs = {need: need for need in ACCESS_NEEDS}
        return {"accessibility": picked(str(value), needs, dispatcher, "utter_accessibility_invalid")}

    @answers_only
    def validate_booking_recap_ok(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                                  domain: DomainDict) -> Dict[Text, Any]:
        if value:
            return {"booking_recap_ok": True}
        return {"booking_recap_ok": None, "booking_slot": None, "booking_skip": 0.0, "booking_preference": None}


def confirm(dispatcher: CollectingDispatcher, booking: Any) -> None:
    """The confirmation: when, where, the code, the calendar file; `custom.booking` of CONTRACT §5."""
    site = store().site(booking.site_id)
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


class ValidateCodeForm(FormValidationAction):
    """A code that exists and can still be changed; after MAX_CODE_TRIES wrong codes, the library's phone."""

    def name(self) -> Text:
        return "validate_code_form"

    @answers_only
    def validate_booking_code(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                              domain: DomainDict) -> Dict[Text, Any]:
        code = find_code(str(value))
        booking = store().find(code) if code else None
        if booking and booking.status == "confirmed" and booking.start > utc_now():
            return {"booking_code": booking.display_code}
        tries = int(tracker.get_slot("code_tries") or 0) + 1
        if tries >= MAX_CODE_TRIES:
            dispatcher.utter_message(response="utter_code_too_many", phone=library_phone())
            return {"booking_code": GIVE_UP, "code_tries": 0.0}
        dispatcher.utter_message(response="utter_code_unknown")
        return {"booking_code": None, "code_tries": float(tries)}


class ActionManageBooking(Action):
    """Cancels the booking of the code, or starts the booking form again to move it."""

    def name(self) -> Text:
        return "action_manage_booking"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> Events:
        code = tracker.get_slot("booking_code")
        if code in (None, GIVE_UP):  # too many wrong codes: the patron was told to call
            return cleared("booking_code", "code_purpose")
        if tracker.get_slot("code_purpose") == "move":
            booking = store().find(code)
            dispatcher.utter_message(response="utter_booking_moving", slot=booking.slot.label)
            return [*cleared(*FORM_SLOTS, "booking_code", "code_purpose"), SlotSet("moving_code", code),
                    SlotSet("booking_site", booking.site_id), FollowupAction("booking_form")]
        booking = store().cancel(code)
        dispatcher.utter_message(response="utter_booking_cancelled", slot=booking.slot.label,
                                 json_message={"booking": booking.contract()})
        return cleared("booking_code", "code_purpose")
