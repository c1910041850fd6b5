"""The triage action: reads NLU's result, asks the triage package, answers with docs/contract.md §3's payload."""
from __future__ import annotations

from typing import Any, Callable, Dict, List

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActiveLoop, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot.actions import booking, library, referrals, tutorials, workshops
from bot.knowledge import charter, topics
from bot.triage import Decision, Destination, triage
from bot.triage.understanding import understanding_of

Events = List[Dict[str, Any]]
# What follows a route's answer in the same turn: the fiche offered, the partner's card, the booking form, the
# workshop sessions.
FOLLOW_UPS = {"tutorial": tutorials.start, "referral": referrals.start, "booking": booking.start,
              "workshop": workshops.start}
# Buttons that always come with a route's answer (a tutorial's and a referral's come with their follow-up).
ROUTE_BUTTONS = {
    "clarify": [{"title": "Autre chose", "payload": "/help"}],
    "out_of_scope": [{"title": "Que pouvez-vous faire ?", "payload": "/help"}],
}


def label_of(destination: Destination) -> str:
    """The plain-French name of a destination's theme or partner kind, if it has one."""
    return topics().label(destination.target) if destination.target else ""


def button_for(destination: Destination) -> Dict[str, str]:
    need, _ = charter().triage_need(destination.intent)
    return {"title": need.title_for(destination.target, topics()), "payload": f"/{destination.intent}"}


def response_of(decision: Decision) -> str:
    """The response that answers a decision: the need's own, or its route's (urgent, with a second need)."""
    if not decision.understood:
        return "utter_route_fallback"
    need = charter().need_of(decision.destination.intent)  # None for clarify: the question is no need
    if need and need[0].reply:
        return need[0].reply
    name = f"utter_route_{decision.route}"
    if decision.urgent:
        name += "_urgent"
    if decision.then:
        name += f"_then_{decision.then.route}"
    return name


def reply_for(decision: Decision) -> Dict[str, Any]:
    """The response name, its variables and its buttons for a decision."""
    variables = {"label": label_of(decision.destination)}
    if decision.then:
        variables["then_label"] = label_of(decision.then)
    if decision.forbidden:
        variables.update(refusal=decision.forbidden.says, alternative=decision.forbidden.instead)
    buttons = [button_for(candidate) for candidate in decision.candidates]
    return {"response": response_of(decision), "buttons": buttons + ROUTE_BUTTONS.get(decision.route, []),
            **variables}


def answer_route(dispatcher: CollectingDispatcher, tracker: Tracker, decision: Decision, text: str,
                 payload: Dict[str, Any]) -> Events:
    """The route's reply, carrying the turn's triage `payload`, then its follow-up."""
    dispatcher.utter_message(**reply_for(decision), json_message=payload)
    follow_up = FOLLOW_UPS.get(decision.route)
    return follow_up(dispatcher, tracker, decision, text) if follow_up else []


# Routes whose first message is the answer itself rather than the route's reply.
ANSWERS: Dict[str, Callable[..., Events]] = {"info": library.answer}


class ActionTriage(Action):
    """Classify the patron's need against the charter and say where it goes."""

    def name(self) -> str:
        return "action_triage"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[str, Any]) -> Events:
        understanding = understanding_of(tracker.latest_message)
        if not understanding.text.strip():
            dispatcher.utter_message(response="utter_empty_message")
            return []
        top_intent = understanding.ranking[0][0] if understanding.ranking else ""
        answer = referrals.answer_to_commune_question(dispatcher, tracker, understanding.text, top_intent)
        if answer is not None:
            return answer
        decision = triage(understanding, charter())
        respond = ANSWERS.get(decision.route, answer_route)
        events = [SlotSet("referral_kind", None)]  # a new need: a pending commune question is dropped,
        if tracker.active_loop.get("name"):  # and a form it interrupted ends (bot/actions/asides.py)
            events += [ActiveLoop(None), SlotSet("requested_slot", None)]
        return events + respond(dispatcher, tracker, decision, understanding.text, {"triage": decision.to_contract()})
