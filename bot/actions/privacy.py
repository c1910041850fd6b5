"""What the bot tells patrons about their personal data."""
from __future__ import annotations

from typing import Any, Dict, List

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from bot.knowledge import charter


class ActionPrivacy(Action):
    """Say what the bot never asks for, as the charter lists it."""

    def name(self) -> str:
        return "action_privacy"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[str, Any]) -> List[Dict[str, Any]]:
        dispatcher.utter_message(response="utter_privacy", never_ask=", ".join(charter().never_ask))
        return []
