"""What the bot tells patrons about their personal data, and « Supprimer mes données »."""
from __future__ import annotations

from typing import Any, Dict, List

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from bot.actions import booking, workshops
from bot.knowledge import charter
from bot.settings import settings


def tell(dispatcher: CollectingDispatcher) -> None:
    """What the bot never asks for (the charter's list), what it keeps and for how long, with the link to the
    privacy page and a button to erase everything."""
    dispatcher.utter_message(response="utter_privacy", never_ask=", ".join(charter().never_ask),
                             days=settings.booking_retention_days,
                             conversation_days=settings.conversation_retention_days,
                             privacy_url=f"{settings.public_web_url}/confidentialite")


class ActionPrivacy(Action):
    """The patron asked what happens to their data."""

    def name(self) -> str:
        return "action_privacy"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[str, Any]) -> List[Dict[str, Any]]:
        tell(dispatcher)
        return []


class ActionForgetMe(Action):
    """Erase the patron's data once they confirmed: their bookings and workshop registrations here (coming ones
    cancelled, a freed seat given to the first waiting patron), then the
    conversation itself, which the channel deletes after this turn (`custom.forget`, docs/contract.md §5)."""

    def name(self) -> str:
        return "action_forget_me"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[str, Any]) -> List[Dict[str, Any]]:
        erased = booking.store().forget(booking.channel_of(tracker), tracker.sender_id)
        registrations = await workshops.forget(tracker)
        response = {(True, True): "utter_forgotten_with_bookings_and_workshops",
                    (True, False): "utter_forgotten_with_bookings", (False, True): "utter_forgotten_with_workshops",
                    (False, False): "utter_forgotten"}[(bool(erased), bool(registrations))]
        dispatcher.utter_message(response=response,
                                 json_message={"forget": True})
        return []
