"""A code given to cancel, move or look up an appointment or a workshop registration: codes are unique across
both, so either question takes either code (docs/contract.md §4 `booking_code`, `workshop_code`)."""
from __future__ import annotations

from typing import Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from bot.actions import booking, workshops
from bot.actions.booking import FORM_SLOTS, GIVE_UP, Events, cleared
from bot.actions.forms import WORKSHOP_CODE_SLOTS

BOOKING_CODE_SLOTS = ("booking_code", "code_purpose")


async def manage_workshop(dispatcher: CollectingDispatcher, code: str, purpose: str) -> None:
    """Cancel the registration of the code, or say where it stands (also for « move »: they cancel and choose
    another session)."""
    if purpose == "cancel":
        await workshops.cancel(dispatcher, code)
        return
    place = workshops.store().place(code)
    assert place is not None  # the code forms keep only a code they found
    workshops.tell_status(dispatcher, place)


def manage_booking(dispatcher: CollectingDispatcher, code: str, purpose: str) -> Events:
    """Cancel the booking of the code, start the booking form again to move it, or say when it is."""
    found = booking.store().find(code)
    assert found is not None  # the code forms keep only a code they found
    if purpose == "move":
        dispatcher.utter_message(response="utter_booking_moving", slot=found.slot.label)
        return [*cleared(*FORM_SLOTS), SlotSet("moving_code", code), SlotSet("booking_site", found.site_id),
                FollowupAction("booking_form")]
    if purpose == "status":
        dispatcher.utter_message(response="utter_booking_status", slot=found.slot.label,
                                 site=booking.store().site_of(found.site_id).name,
                                 json_message={"booking": found.contract()})
        return []
    cancelled = booking.store().cancel(code)
    assert cancelled is not None  # as above: cancel() returns it, cancelled or not
    dispatcher.utter_message(response="utter_booking_cancelled", slot=cancelled.slot.label,
                             json_message={"booking": cancelled.contract()})
    return []


async def manage(dispatcher: CollectingDispatcher, code: str, purpose: str) -> Events:
    if workshops.store().place(code) is not None:
        await manage_workshop(dispatcher, code, purpose)
        return []
    return manage_booking(dispatcher, code, purpose)


class ActionManageBooking(Action):
    """After the code form: cancels or moves the booking of the code, or a workshop registration's."""

    def name(self) -> Text:
        return "action_manage_booking"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> Events:
        code = tracker.get_slot("booking_code")
        if code in (None, GIVE_UP):  # too many wrong codes: the patron was told to call
            return cleared(*BOOKING_CODE_SLOTS)
        purpose = tracker.get_slot("code_purpose") or "cancel"
        events = cleared(*BOOKING_CODE_SLOTS)
        return events + await manage(dispatcher, code, purpose)


class ActionStartWorkshopCode(Action):
    """« Annuler mon inscription », « où en est mon inscription »: remember which, then ask the code."""

    def name(self) -> Text:
        return "action_start_workshop_code"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> Events:
        purpose = "status" if tracker.get_intent_of_latest_message() == "workshop_status" else "cancel"
        return [*cleared(*WORKSHOP_CODE_SLOTS), SlotSet("workshop_code_purpose", purpose),
                SlotSet("code_tries", 0.0), FollowupAction("workshop_code_form")]


class ActionManageWorkshop(Action):
    """After the workshop code form: cancels the registration of the code or says where it stands (an
    appointment's code: the same for the appointment)."""

    def name(self) -> Text:
        return "action_manage_workshop"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> Events:
        code = tracker.get_slot("workshop_code")
        events = cleared(*WORKSHOP_CODE_SLOTS)
        if code in (None, GIVE_UP):
            return events
        return events + await manage(dispatcher, code, tracker.get_slot("workshop_code_purpose") or "status")
