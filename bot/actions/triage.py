"""The triage action: reads NLU's result, asks the triage package, answers with CONTRACT §3's payload."""
from __future__ import annotations

from typing import Any, Dict, List

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot.actions import booking, referrals, tutorials
from bot.knowledge import charter, topics
from bot.triage import Decision, Destination, Understanding, triage

# What follows a route's answer in the same turn: the fiche offered, the partner's card, the booking form.
FOLLOW_UPS = {"tutorial": tutorials.start, "referral": referrals.start, "booking": booking.start}
# Buttons that always come with a route's answer (a tutorial's and a referral's come with their follow-up).
ROUTE_BUTTONS = {
    "clarify": [{"title": "Autre chose", "payload": "/help"}],
    "out_of_scope": [{"title": "Que pouvez-vous faire ?", "payload": "/help"}],
}


def understanding_of(message: Dict[str, Any]) -> Understanding:
    """The parts of Rasa's `latest_message` that triage needs; partner places the patron named by their
    name or alias (knowledge_base/partners/) count as `organism` entities."""
    ranking = message.get("intent_ranking") or [message.get("intent") or {}]
    return Understanding(
        text=message.get("text") or "",
        ranking=[(item["name"], float(item.get("confidence") or 0.0))
                 for item in ranking if item.get("name")],
        entities=[(entity["entity"], str(entity["value"])) for entity in message.get("entities", [])]
        + referrals.organisms_named(message.get("text") or ""),
    )


def label_of(destination: Destination) -> str:
    """The plain-French name of a destination's theme or partner kind, if it has one."""
    return topics().label(destination.target) if destination.target else ""


def button_for(destination: Destination) -> Dict[str, str]:
    need, _ = charter().need_of(destination.intent)
    return {"title": need.title_for(destination.target, topics()), "payload": f"/{destination.intent}"}


def reply_for(decision: Decision) -> Dict[str, Any]:
    """The response name, its variables and its buttons for a decision."""
    variables = {"label": label_of(decision.destination)}
    name = f"utter_route_{decision.route}"
    if decision.urgent:
        name += "_urgent"
    if decision.forbidden:
        variables.update(refusal=decision.forbidden.says, alternative=decision.forbidden.instead)
    buttons = [button_for(candidate) for candidate in decision.candidates]
    return {"response": name, "buttons": buttons + ROUTE_BUTTONS.get(decision.route, []), **variables}


class ActionTriage(Action):
    """Classify the patron's need against the charter and say where it goes."""

    def name(self) -> str:
        return "action_triage"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[str, Any]) -> List[Dict[str, Any]]:
        understanding = understanding_of(tracker.latest_message)
        if not understanding.text.strip():
            dispatcher.utter_message(response="utter_empty_message")
            return []
        top_intent = understanding.ranking[0][0] if understanding.ranking else ""
        answer = referrals.answer_to_commune_question(dispatcher, tracker, understanding.text, top_intent)
        if answer is not None:
            return answer
        decision = triage(understanding, charter())
        dispatcher.utter_message(**reply_for(decision), json_message={"triage": decision.to_contract()})
        events = [SlotSet("referral_kind", None)]  # a new need: a pending commune question is dropped
        follow_up = FOLLOW_UPS.get(decision.route)
        if follow_up:
            events += follow_up(dispatcher, tracker, decision, understanding.text)
        return events
