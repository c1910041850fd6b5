"""Referrals in the conversation: the nearest place of the partner kind as a card (CONTRACT §5
`custom.partner`), after asking the patron's commune (CONTRACT §4 `ask: commune`) when there are several."""
from __future__ import annotations

from typing import Any, Dict, List, Optional, Tuple

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot.knowledge import communes, partners, topics
from bot.knowledge.partners import Commune, Partner
from bot.partners.hours import describe, opening, paris_now
from bot.partners.places import find_commune, nearest, partners_named, words
from bot.triage import Decision

Events = List[Dict[str, Any]]
MAX_COMMUNE_WORDS = 6  # a longer message while the bot awaits a commune is a new need, not an answer
UNSURE_INTENTS = {"nlu_fallback", "out_of_scope"}
MEDIATOR_BUTTON = {"title": "Un conseiller m'aide à les contacter", "payload": "/book_mediator"}
UNKNOWN_COMMUNE = "inconnue"


def places_of(kind: str) -> List[Partner]:
    return [partner for partner in partners() if partner.kind == kind]


def commune_by_key(key: Optional[str]) -> Optional[Commune]:
    return next((commune for commune in communes() if commune.key == key), None)


def organisms_named(text: str) -> List[Tuple[str, str]]:
    """("organism", kind) when the patron named partner places, by name or alias, all of one kind."""
    kinds = {place.kind for place in partners_named(text, partners())}
    return [("organism", kinds.pop())] if len(kinds) == 1 else []


def best_place(kind: str, commune: Optional[Commune]) -> Partner:
    """The place of `kind` nearest to the commune, or the first one listed when the commune is unknown."""
    places = places_of(kind)
    return nearest(places, kind, commune)[0] if commune else places[0]


def commune_buttons(kind: str) -> List[Dict[str, str]]:
    """The communes that have a place of `kind`, then « Je ne sais pas »."""
    keys = dict.fromkeys(" ".join(words(place.commune)) for place in places_of(kind))
    return [{"title": commune.nom, "payload": f'/tell_commune{{"commune": "{commune.key}"}}'}
            for commune in map(commune_by_key, keys) if commune] + \
        [{"title": "Je ne sais pas", "payload": f'/tell_commune{{"commune": "{UNKNOWN_COMMUNE}"}}'}]


def show(dispatcher: CollectingDispatcher, place: Partner, commune: Optional[Commune]) -> Events:
    """The place as a card: why it, where, open when, phone; then what to bring, how to book; then safety."""
    now = paris_now()
    status = opening(place.horaires, now)
    card = {**place.contract(), "open_now": status.open, "status": describe(status, now)}
    why = f"Le lieu le plus proche de {commune.nom} :" if commune else "Le lieu à contacter :"
    dispatcher.utter_message(response="utter_partner", why=why, name=place.nom, address=place.address,
                             status=card["status"], phone=place.phone_display, json_message={"partner": card})
    if place.bring:
        dispatcher.utter_message(response="utter_partner_bring", bring=" ".join(place.bring))
    if place.url:
        dispatcher.utter_message(response="utter_partner_online", url=place.url)
    dispatcher.utter_message(response="utter_partner_safety", buttons=[MEDIATOR_BUTTON])
    events = [SlotSet("referral_kind", None)]
    return events + ([SlotSet("commune", commune.key)] if commune else [])


def start(dispatcher: CollectingDispatcher, tracker: Tracker, decision: Decision, text: str) -> Events:
    """A new referral from triage: the only place of the kind, the nearest to the commune the patron
    named now or before, or else the question of their commune."""
    kind = decision.destination.target
    commune = find_commune(text, communes()) or commune_by_key(tracker.get_slot("commune"))
    if len(places_of(kind)) == 1 or commune:
        return show(dispatcher, best_place(kind, commune), commune)
    dispatcher.utter_message(response="utter_ask_commune", label=topics().label(kind), buttons=commune_buttons(kind))
    return [SlotSet("referral_kind", kind)]


def answer_to_commune_question(dispatcher: CollectingDispatcher, tracker: Tracker,
                               text: str, intent: str) -> Optional[Events]:
    """While the bot awaits a commune: the nearest place when a short message names one, the question
    again when NLU cannot tell what a short message is; None when the message is a new need."""
    kind = tracker.get_slot("referral_kind")
    if not kind or len(words(text)) > MAX_COMMUNE_WORDS:
        return None
    commune = find_commune(text, communes())
    if commune:
        return show(dispatcher, best_place(kind, commune), commune)
    if intent in UNSURE_INTENTS:
        dispatcher.utter_message(response="utter_commune_unknown", buttons=commune_buttons(kind))
        return []
    return None


class ActionReferral(Action):
    """The patron clicked a commune (or « Je ne sais pas ») after the bot asked for it."""

    def name(self) -> str:
        return "action_referral"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[str, Any]) -> Events:
        kind = tracker.get_slot("referral_kind")
        if not kind:
            dispatcher.utter_message(response="utter_help")
            return []
        commune = commune_by_key(tracker.get_slot("commune"))
        return show(dispatcher, best_place(kind, commune), commune)
