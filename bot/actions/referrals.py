"""Referrals in the conversation: the nearest places of the partner kind as cards (docs/contract.md §5
`custom.partner`), after asking the patron's commune (docs/contract.md §4 `ask: commune`) when it is needed, and
which one when several share its name or postcode; a commune the patron gives later shows the places nearest to
it; what to bring behind the card's button. Which places: bot.partners.choice; their cards: bot.partners.cards."""
from __future__ import annotations

from typing import Any, Callable, Dict, List, Optional, Sequence

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot.knowledge import communes, partners, topics
from bot.knowledge.communes import Commune
from bot.matching import name_words
from bot.partners.cards import card, details
from bot.partners.choice import Need, far_from_library, places_for, places_of
from bot.partners.communes import find_communes
from bot.partners.nearby import MEDIATION
from bot.triage import Decision

Events = List[Dict[str, Any]]
MAX_COMMUNE_WORDS = 6  # a longer message while the bot awaits a commune is a new need, not an answer
MAX_COMMUNE_BUTTONS = 6
MAX_HOMONYMS = 8  # « Saint-Martin »: the nearest ones, then the patron types the postcode
VOWELS = tuple("AEIOUYÂÉÈÊÎÔÛaeiouyâéèêîôû")
UNSURE_INTENTS = {"nlu_fallback", "out_of_scope"}
MEDIATOR_BUTTON = {"title": "Un conseiller m'aide à les contacter", "payload": "/book_mediator"}
UNKNOWN_COMMUNE = "inconnue"


def need_of(tracker: Tracker, intent: Optional[str]) -> Need:
    return intent, tracker.get_slot("tutorial_theme")


def commune_by_key(key: Optional[str]) -> Optional[Commune]:
    """The commune of a button or of the `commune` slot: its INSEE code (or, from older buttons, its name)."""
    return communes().by_key(key) if key and key != UNKNOWN_COMMUNE else None


def commune_buttons(kind: str) -> List[Dict[str, str]]:
    """The territory's communes that have a place of `kind` (a few), then « Je ne sais pas »."""
    keys = dict.fromkeys(" ".join(name_words(place.commune)) for place in places_of(kind))
    named = [commune for commune in map(commune_by_key, keys) if commune][:MAX_COMMUNE_BUTTONS]
    return commune_choices(named, label=lambda commune: commune.nom) + \
        [{"title": "Je ne sais pas", "payload": f'/tell_commune{{"commune": "{UNKNOWN_COMMUNE}"}}'}]


def commune_choices(found: Sequence[Commune], label: Callable[[Commune], str]) -> List[Dict[str, str]]:
    return [{"title": label(commune), "payload": f'/tell_commune{{"commune": "{commune.code_insee}"}}'}
            for commune in found]


def introduction(index: int, kind: str, commune: Optional[Commune]) -> str:
    if index:
        return "Aussi :"
    if commune is None:
        return "Le lieu à contacter :"
    what = "Le lieu d'aide au numérique le plus proche" if kind == MEDIATION else "Le lieu le plus proche"
    return f"{what} {of(commune.nom)} :"


def of(name: str) -> str:
    """« de Tours », « d'Amboise »."""
    return f"d'{name}" if name.startswith(VOWELS) else f"de {name}"


def show(dispatcher: CollectingDispatcher, kind: str, need: Need, commune: Optional[Commune]) -> Events:
    """The places as cards (where, how far, open when, phone), then the safety warning with the buttons for
    what to bring (an organism's) and for a mediator's help."""
    shown = places_for(kind, need, commune)
    if commune and not shown:
        return none_near(dispatcher, kind, commune)
    for index, near in enumerate(shown):
        dispatcher.utter_message(response="utter_partner", why=introduction(index, near.place.kind, commune),
                                 name=near.place.nom, address=near.place.address, details=details(near),
                                 json_message={"partner": card(near)})
    first = shown[0].place
    bring = [{"title": "Que faut-il apporter ?", "payload": f'/partner_details{{"partner": "{first.id}"}}'}]
    dispatcher.utter_message(response="utter_partner_safety",
                             buttons=(bring if first.kind != MEDIATION else []) + [MEDIATOR_BUTTON])
    return remembered(kind, need, commune)


def remembered(kind: str, need: Need, commune: Optional[Commune]) -> Events:
    events = [SlotSet("referral_kind", None), SlotSet("last_referral", kind), SlotSet("referral_need", need[0])]
    return events + ([SlotSet("commune", commune.code_insee)] if commune else [])


def none_near(dispatcher: CollectingDispatcher, kind: str, commune: Commune) -> Events:
    """No place known in or around the patron's commune: say so, and offer a mediator (and, for digital help,
    the national map of help places)."""
    response = "utter_no_help_place_near" if kind == MEDIATION else "utter_no_place_near"
    dispatcher.utter_message(response=response, commune=commune.nom, label=topics().label(kind),
                             buttons=[{"title": "Prendre rendez-vous", "payload": "/book_mediator"}])
    return [SlotSet("referral_kind", None), SlotSet("last_referral", kind), SlotSet("commune", commune.code_insee)]


def far_commune(text: str) -> Optional[Commune]:
    """The one commune the patron names, when it is far from every site of the library."""
    found = find_communes(text, communes())
    return found[0] if len(found) == 1 and far_from_library(found[0]) else None


def elsewhere(dispatcher: CollectingDispatcher, tracker: Tracker, commune: Commune) -> Events:
    """A patron who wants help but lives far from the library: the help places near their commune first; the
    card's button still books a mediator at the library."""
    dispatcher.utter_message(response="utter_far_from_library", commune=commune.nom)
    return show(dispatcher, MEDIATION, need_of(tracker, "find_help_place"), commune)


def start(dispatcher: CollectingDispatcher, tracker: Tracker, decision: Decision, text: str) -> Events:
    """A new referral from triage: the places nearest to the commune the patron named now or before, the
    only place of the kind, or else the question of their commune."""
    kind, need = decision.destination.target, decision.destination.intent
    assert kind is not None  # the charter gives every referral need a partner kind
    found = find_communes(text, communes())
    if len(found) > 1:
        return ask_which(dispatcher, found) + [SlotSet("referral_kind", kind), SlotSet("referral_need", need)]
    commune = found[0] if found else commune_by_key(tracker.get_slot("commune"))
    if len(places_of(kind)) == 1 or commune:
        return show(dispatcher, kind, need_of(tracker, need), commune)
    dispatcher.utter_message(response="utter_ask_commune", label=topics().label(kind), buttons=commune_buttons(kind))
    return [SlotSet("referral_kind", kind), SlotSet("referral_need", need)]


def ask_which(dispatcher: CollectingDispatcher, found: Sequence[Commune]) -> Events:
    """Several communes have the name the patron gave: which one, with their département (nearest first)."""
    dispatcher.utter_message(response="utter_ask_which_commune",
                             buttons=commune_choices(found[:MAX_HOMONYMS], label=communes().label))
    return []


def answer_to_commune_question(dispatcher: CollectingDispatcher, tracker: Tracker,
                               text: str, intent: str) -> Optional[Events]:
    """A short message NLU could not place that names a commune is the patron's commune: any French commune
    while the commune question awaits an answer, one of the territory's at any time (« chinon », « non plutôt
    Loches »); one that names none answers a pending commune question with the question again. None when the
    message is a need to triage."""
    if intent not in UNSURE_INTENTS or len(name_words(text)) > MAX_COMMUNE_WORDS:
        return None
    known, pending = communes(), bool(tracker.get_slot("referral_kind"))
    found = [commune for commune in find_communes(text, known, answering=True)
             if pending or known.in_territory(commune)]
    if len(found) > 1:
        return ask_which(dispatcher, found)
    if found:
        return commune_given(dispatcher, tracker, found[0])
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
        return show(dispatcher, kind, need_of(tracker, tracker.get_slot("referral_need")), commune)
    if kind:
        dispatcher.utter_message(response="utter_commune_unknown", buttons=commune_buttons(kind))
        return [SlotSet("referral_kind", kind)]
    if commune:
        dispatcher.utter_message(response="utter_commune_noted", commune=commune.nom)
        return [SlotSet("commune", commune.code_insee)]
    dispatcher.utter_message(response="utter_commune_not_found")
    return []


def commune_told(dispatcher: CollectingDispatcher, tracker: Tracker) -> Events:
    """The patron said where they live (« j'habite à Chinon ») or clicked a commune button."""
    text = tracker.latest_message.get("text") or ""
    button = tracker.get_slot("commune") if text.startswith("/") else None
    found = [] if button else find_communes(text, communes(), answering=True)
    if len(found) > 1:
        return ask_which(dispatcher, found)
    commune = commune_by_key(button) if button else next(iter(found), None)
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
            call = f" Appelez le {place.phone_display} pour en être sûr." if place.phone_display else ""
            dispatcher.utter_message(response="utter_partner_bring_nothing", name=place.nom, call=call)
        return []
