"""The checks of the booking and code forms (rasa-sdk validation actions). Each message is first told apart: an
answer to the question asked is checked by its slot's validator; an aside (« merci », « je ne comprends pas »,
« c'est gratuit ? », « un humain svp ») is answered and the question asked again; a new need ends the form."""
from __future__ import annotations

import re
from abc import abstractmethod
from datetime import datetime
from functools import wraps
from typing import Any, Callable, Dict, List, Optional, Text

from rapidfuzz import fuzz, process
from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import REQUESTED_SLOT, FormValidationAction
from rasa_sdk.types import DomainDict

from bot.actions import booking, workshops
from bot.actions.asides import NEW_NEED, answer_aside, aside_of, intent_of, leave_for_triage
from bot.actions.booking import FORM_SLOTS, GIVE_UP, MORE, NONE, SLOTS_SHOWN, Events, channel_of
from bot.booking.codes import find_code
from bot.booking.contact import Contact, parse_contact, says_none
from bot.booking.preferences import parse_preference
from bot.booking.slots import Slot
from bot.booking.store import utc_now
from bot.hours import PARIS
from bot.knowledge import charter
from bot.matching import normalise

CHOICE_SIMILARITY = 80  # rapidfuzz token-set ratio from which typed words name a site or a choice
FIRST_NAME = re.compile(r"^[^\W\d_]+(?:[ '’-][^\W\d_]+)*$")
MAX_FIRST_NAME = 40
MAX_NAME_WORDS = 3
MAX_CODE_TRIES = 3
# Accessibility needs are chosen among these (what the mediator reads), never typed freely: no health details.
ACCESS_NEEDS = ("Fauteuil roulant", "J'entends mal", "Je vois mal", "Je parle peu français")
NAME_OR_ASIDE = 0.8  # « Merci » could be a first name: taken for thanks only when NLU is this sure
YES, NO = "affirm", "deny"
CODE_FORM_SLOTS = ("booking_code", "code_purpose", "code_tries")
WORKSHOP_CODE_SLOTS = ("workshop_code", "workshop_code_purpose", "code_tries")


def answers_only(validate: Callable[..., Dict[Text, Any]]) -> Callable[..., Dict[Text, Any]]:
    """A slot an action just cleared (None) is not an answer to check: no message, it stays empty."""
    slot = validate.__name__[len("validate_"):]

    @wraps(validate)
    def checked(self: Any, value: Any, *args: Any) -> Dict[Text, Any]:
        return {slot: None} if value is None else validate(self, value, *args)

    return checked


def chosen(typed: str, choices: Dict[str, str]) -> Optional[str]:
    """The key of the choice whose label the patron typed, even in part (« centrale », « la médiathèque »)."""
    labels = {key: normalise(label) for key, label in choices.items()}
    found = process.extractOne(normalise(typed), labels, scorer=fuzz.token_set_ratio, score_cutoff=CHOICE_SIMILARITY)
    return found[2] if found else None


def site_of(value: str) -> Optional[str]:
    """The site a button or typed words name."""
    sites = {site.id: site.name for site in booking.store().sites()}
    return value if value in sites else chosen(value, sites)


def access_need_of(value: str) -> Optional[str]:
    """« aucun » for no particular need (also « non », « rien »), else one of ACCESS_NEEDS."""
    return NONE if says_none(value) else chosen(value, {need: need for need in ACCESS_NEEDS})


def kept(slot: str, value: Any, dispatcher: CollectingDispatcher, invalid: str) -> Dict[Text, Any]:
    """The slot's value as read (None: not an answer, after the `invalid` reply; the question is asked again)."""
    if value is None:
        dispatcher.utter_message(response=invalid)
    return {slot: value}


def yes_or_no(tracker: Tracker) -> Optional[bool]:
    """True for a yes (the button or typed), False for a no, None for neither."""
    intent, _ = intent_of(tracker)
    return {YES: True, NO: False}.get(intent)


class AnsweringForm(FormValidationAction):
    """A form's validation that first tells an answer from an aside or a new need (bot/actions/asides.py)."""

    form_need = ""  # the charter intent the form serves: said again inside it, it is no new need
    form_slots: tuple[str, ...] = ()  # forgotten when a new need ends the form

    @abstractmethod
    def answers(self, slot: str, value: str, tracker: Tracker) -> bool:
        """Whether `value` can be an answer to the question of `slot` (checked further by its validator)."""

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> Events:
        asked = tracker.get_slot(REQUESTED_SLOT)
        value = tracker.slots_to_validate().get(asked) if asked else None
        if value is not None and not self.answers(asked, str(value), tracker):
            aside = aside_of(tracker, self.form_need)
            if aside == NEW_NEED:
                return leave_for_triage(tracker.active_loop.get("name", ""), self.form_slots)
            if aside:
                answer_aside(dispatcher, tracker, aside, asked)
                return [SlotSet(asked, None)]
        return await super().run(dispatcher, tracker, domain)


class ValidateBookingForm(AnsweringForm):
    """Checks each answer of the booking form; skips the questions whose answer is already known."""

    form_need = "book_mediator"
    form_slots: tuple[str, ...] = FORM_SLOTS

    def name(self) -> Text:
        return "validate_booking_form"

    def answers(self, slot: str, value: str, tracker: Tracker) -> bool:
        if slot == "booking_site":
            return site_of(value) is not None
        if slot == "booking_slot":
            return value == MORE or Slot.is_key(value) or parse_preference(value, datetime.now(PARIS)) is not None
        if slot == "first_name":
            name = " ".join(value.split())
            return (len(name) <= MAX_FIRST_NAME and len(name.split()) <= MAX_NAME_WORDS
                    and bool(FIRST_NAME.match(name)) and aside_of(tracker, self.form_need, NAME_OR_ASIDE) is None)
        if slot == "contact":
            return parse_contact(value) is not None
        if slot == "accessibility":
            return access_need_of(value) is not None
        return yes_or_no(tracker) is not None  # consent, booking_recap_ok

    async def required_slots(self, domain_slots: List[Text], dispatcher: CollectingDispatcher, tracker: Tracker,
                             domain: DomainDict) -> List[Text]:
        skipped = set()
        if len(booking.store().sites()) == 1:
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
        return kept("booking_site", site_of(str(value)), dispatcher, "utter_site_unknown")

    @answers_only
    def validate_booking_slot(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                              domain: DomainDict) -> Dict[Text, Any]:
        if value == MORE:
            return {"booking_slot": None, "booking_skip": float(tracker.get_slot("booking_skip") or 0) + SLOTS_SHOWN}
        if Slot.is_key(str(value)):
            return {"booking_slot": value}
        if parse_preference(str(value), datetime.now(PARIS)):
            return {"booking_slot": None, "booking_preference": str(value), "booking_skip": 0.0}
        dispatcher.utter_message(response="utter_day_not_understood")
        return {"booking_slot": None}

    @answers_only
    def validate_first_name(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                            domain: DomainDict) -> Dict[Text, Any]:
        name = " ".join(str(value).split())
        if not self.answers("first_name", name, tracker):
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
            booking.store().release_contact(channel_of(tracker), tracker.sender_id)
            return {"contact": NONE}
        booking.store().hold_contact(channel_of(tracker), tracker.sender_id, contact)  # never in the conversation
        return {"contact": contact.kind}

    @answers_only
    def validate_accessibility(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                               domain: DomainDict) -> Dict[Text, Any]:
        return kept("accessibility", access_need_of(str(value)), dispatcher, "utter_accessibility_invalid")

    @answers_only
    def validate_consent(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                         domain: DomainDict) -> Dict[Text, Any]:
        return kept("consent", yes_or_no(tracker), dispatcher, "utter_yes_or_no")

    @answers_only
    def validate_booking_recap_ok(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                                  domain: DomainDict) -> Dict[Text, Any]:
        confirmed = yes_or_no(tracker)
        if confirmed:
            return {"booking_recap_ok": True}
        if confirmed is None:
            dispatcher.utter_message(response="utter_yes_or_no")
            return {"booking_recap_ok": None}
        return {"booking_recap_ok": None, "booking_slot": None, "booking_skip": 0.0, "booking_preference": None}


class ValidateCodeForm(AnsweringForm):
    """A code that exists and can still be changed; after MAX_CODE_TRIES wrong codes, the library's phone."""

    form_slots = CODE_FORM_SLOTS

    def name(self) -> Text:
        return "validate_code_form"

    def answers(self, slot: str, value: str, tracker: Tracker) -> bool:
        return find_code(value) is not None

    @answers_only
    def validate_booking_code(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                              domain: DomainDict) -> Dict[Text, Any]:
        return checked_code("booking_code", str(value), dispatcher, tracker)


def known_code(value: str) -> Optional[str]:
    """The code written in `value` when it is that of a coming appointment or of a workshop registration (codes
    are unique across both: either question takes either)."""
    code = find_code(value)
    if not code:
        return None
    found = booking.store().find(code)
    if found and found.status == "confirmed" and found.start > utc_now():
        return found.display_code
    place = workshops.store().place(code)
    return place.registration.display_code if place else None


def checked_code(slot: str, value: str, dispatcher: CollectingDispatcher, tracker: Tracker) -> Dict[Text, Any]:
    """A known code; after MAX_CODE_TRIES wrong codes, GIVE_UP and the library's phone."""
    code = known_code(value)
    if code:
        return {slot: code}
    tries = int(tracker.get_slot("code_tries") or 0) + 1
    if tries >= MAX_CODE_TRIES:
        dispatcher.utter_message(response="utter_code_too_many", phone=booking.library_phone())
        return {slot: GIVE_UP, "code_tries": 0.0}
    dispatcher.utter_message(response="utter_code_unknown")
    return {slot: None, "code_tries": float(tries)}


class ValidateWorkshopCodeForm(ValidateCodeForm):
    """The code of a registration to cancel or look up (or of an appointment)."""

    form_slots = WORKSHOP_CODE_SLOTS

    def name(self) -> Text:
        return "validate_workshop_code_form"

    @answers_only
    def validate_workshop_code(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                               domain: DomainDict) -> Dict[Text, Any]:
        return checked_code("workshop_code", str(value), dispatcher, tracker)


def session_named(value: str, tracker: Tracker) -> Optional[str]:
    """The session a button names (its id), or the one whose title the patron typed among those offered."""
    if value == workshops.MORE:
        return value
    if workshops.open_session(value):
        return value
    offered = {seats.session.id: seats.session.title for seats in workshops.offered(tracker).sessions}
    return chosen(value, offered)


class ValidateWorkshopForm(ValidateBookingForm):
    """Checks each answer of the workshop registration form: the session (a button, its title, or a day that
    lists others), the waiting list when it is full, then the first name, contact and consent as for a booking."""

    form_need = "join_workshop"
    form_slots: tuple[str, ...] = workshops.FORM_SLOTS

    def name(self) -> Text:
        return "validate_workshop_form"

    def answers(self, slot: str, value: str, tracker: Tracker) -> bool:
        if slot == "workshop_session":
            return session_named(value, tracker) is not None or workshops.when_said(value) is not None
        if slot == "workshop_wait":
            return yes_or_no(tracker) is not None
        return super().answers(slot, value, tracker)

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> Events:
        text = tracker.latest_message.get("text") or ""
        intent, _ = intent_of(tracker)
        if text.startswith("/") and intent != self.form_need and charter().need_of(intent):
            return leave_for_triage("workshop_form", self.form_slots)  # the button of another need
        return await super().run(dispatcher, tracker, domain)

    async def required_slots(self, domain_slots: List[Text], dispatcher: CollectingDispatcher, tracker: Tracker,
                             domain: DomainDict) -> List[Text]:
        chosen_session = tracker.get_slot("workshop_session")
        seats = workshops.open_session(chosen_session) if chosen_session else None
        if tracker.get_slot("workshop_wait") is False:
            return ["workshop_session", "workshop_wait"]
        full = seats is not None and workshops.is_full(seats)
        return [slot for slot in domain_slots if slot != "workshop_wait" or full]

    @answers_only
    def validate_workshop_session(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                                  domain: DomainDict) -> Dict[Text, Any]:
        named = session_named(str(value), tracker)
        if named == workshops.MORE:
            return {"workshop_session": None,
                    "workshop_skip": float(tracker.get_slot("workshop_skip") or 0) + SLOTS_SHOWN}
        if named:
            return {"workshop_session": named, "workshop_wait": None}
        when = workshops.when_said(str(value))
        if when:
            return {"workshop_session": None, "workshop_when": when, "workshop_skip": 0.0}
        dispatcher.utter_message(response="utter_workshop_not_understood")
        return {"workshop_session": None}

    @answers_only
    def validate_workshop_wait(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                               domain: DomainDict) -> Dict[Text, Any]:
        return kept("workshop_wait", yes_or_no(tracker), dispatcher, "utter_yes_or_no")
