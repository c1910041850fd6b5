"""Referrals in the conversation: the nearest place of the partner kind as a card (docs/contract.md §5
`custom.partner`), after asking the patron's commune (docs/contract.md §4 `ask: commune`) when there are several; a
commune the patron gives later shows the place nearest to it; what to bring behind the card's button."""
from __future__ import annotations

from typing import Any, Dict, List, Optional

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot.hours import describe, opening, paris_now
from bot.knowledge import communes, partners, topics
from bot.knowledge.communes import Commune
from bot.knowledge.partners import Partner
from bot.matching import name_words
from bot.partners.communes import find_commune
from bot.partners.places import nearest
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


def best_place(kind: str, commune: Optional[Commune]) -> Partner:
    """The place of `kind` nearest to the commune, or the first one listed when the commune is unknown."""
    places = places_of(kind)
    return nearest(places, kind, commune)[0] if commune else places[0]


def commune_buttons(kind: str) -> List[Dict[str, str]]:
    """The communes that have a place of `kind`, then « Je ne sais pas »."""
    keys = dict.fromkeys(" ".join(name_words(place.commune)) for place in places_of(kind))
    return [{"title": commune.nom, "payload": f'/tell_commune{{"commune": "{commune.key}"}}'}
            for commune in map(commune_by_key, keys) if commune] + \
        [{"title": "Je ne sais pas", "payload": f'/tell_commune{{"commune": "{UNKNOWN_COMMUNE}"}}'}]


def show(dispatcher: CollectingDispatcher, place: Partner, commune: Optional[Commune]) -> Events:
    """The place as a card (where, open when, phone, its website), then the safety warning with the buttons for
    what to bring and for a mediator's help."""
    now = paris_now()
    status = opening(place.horaires, now)
    card = {**place.contract(), "open_now": status.open, "status": describe(status, now)}
    why = f"Le lieu le plus proche de {commune.nom} :" if commune else "Le lieu à contacter :"
    dispatcher.utter_message(response="utter_partner", why=why, name=place.nom, address=place.address,
                             status=card["status"], phone=place.phone_display, json_message={"partner": card})
    bring = {"title": "Que faut-il apporter ?", "payload": f'/partner_details{{"partner": "{place.id}"}}'}
    dispatcher.utter_message(response="utter_partner_safety", buttons=[bring, MEDIATOR_BUTTON])
    events = [SlotSet("referral_kind", None), SlotSet("last_referral", place.kind)]
    return events + ([SlotSet("commune", commune.key)] if commune else [])


def start(dispatcher: CollectingDispatcher, tracker: Tracker, decision: Decision, text: str) -> Events:
    """A new referral from triage: the only place of the kind, the nearest to the commune the patron
    named now or before, or else the question of their commune."""
    kind = decision.destination.target
    assert kind is not None  # the charter gives every referral need a partner kind
    commune = find_commune(text, communes()) or commune_by_key(tracker.get_slot("commune"))
    if len(places_of(kind)) == 1 or commune:
        return show(dispatcher, best_place(kind, commune), commune)
    dispatcher.utter_message(response="utter_ask_commune", label=topics().label(kind), buttons=commune_buttons(kind))
    return [SlotSet("referral_kind", kind)]


def answer_to_commune_question(dispatcher: CollectingDispatcher, tracker: Tracker,
                               text: str, intent: str) -> Optional[Events]:
    """A short message NLU could not place that names a commune (« chinon », « non plutôt Loches ») is the
    patron's commune, at any time; one that names none answers a pending commune question with the question again.
    None when the message is a need to triage."""
    if intent not in UNSURE_INTENTS or len(name_words(text)) > MAX_COMMUNE_WORDS:
        return None
    commune = find_commune(text, communes(), answering=True)
    if commune:
        return commune_given(dispatcher, tracker, commune)
    kind = tracker.get_slot("referral_kind")
    if kind:
        dispatcher.utter_message(response="utter_commune_unknown", buttons=commune_buttons(kind))
        return []
    return None


def commune_given(dispatcher: CollectingDispatcher, tracker: Tracker, commune: Optional[Commune],
                  unknown: bool = False) -> Events:
    """The patron's commune (or « Je ne sais pas », `unknown`): the nearest place of the referral awaiting it or
    last shown, else the commune kept for later needs."""
    kind = tracker.get_slot("referral_kind") or tracker.get_slot("last_referral")
    if kind and (commune or unknown):
        return show(dispatcher, best_place(kind, commune), commune)
    if kind:
        dispatcher.utter_message(response="utter_commune_unknown", buttons=commune_buttons(kind))
        return [SlotSet("referral_kind", kind)]
    if commune:
        dispatcher.utter_message(response="utter_commune_noted", commune=commune.nom)
        return [SlotSet("commune", commune.key)]
    dispatcher.utter_message(response="utter_commune_not_found")
    return []


def commune_told(dispatcher: CollectingDispatcher, tracker: Tracker) -> Events:
    """The patron said where they live (« j'habite à Chinon ») or clicked a commune button."""
    text = tracker.latest_message.get("text") or ""
    button = tracker.get_slot("commune") if text.startswith("/") else None
    commune = commune_by_key(button) if button else find_commune(text, communes(), answering=True)
    return commune_given(dispatcher, tracker, commune, unknown=button == UNKNOWN_COMMUNE)


class ActionReferral(Action):
    """The patron gave their commune: typed, or by a button after the bot asked for it."""

    def name(self) -> str:
        return "action_referral"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[str, Any]) -> Events:
        return commune_told(dispatcher, tracker)


class ActionPartnerDetails(Action):
    """« Que faut-il apporter ? » under a partner's card: what to bring to that place."""

    def name(self) -> str:
        return "action_partner_details"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[str, Any]) -> Events:
        wanted = next((entity["value"] for entity in tracker.latest_message.get("entities", [])
                       if entity.get("entity") == "partner"), None)
        place = next((partner for partner in partners() if partner.id == wanted), None)
        if place is None:
            dispatcher.utter_message(response="utter_help")
        elif place.bring:
            dispatcher.utter_message(response="utter_partner_bring", name=place.nom, bring=" ".join(place.bring))
        else:
            dispatcher.utter_message(response="utter_partner_bring_nothing", name=place.nom,
                                     phone=place.phone_display)
        return []
