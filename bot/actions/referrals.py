"""Referrals in the conversation: the nearest places of the partner kind as cards (docs/contract.md §5
`custom.partner`), after asking the patron's commune (docs/contract.md §4 `ask: commune`) when it is needed; a
commune the patron gives later shows the places nearest to it; what to bring behind the card's button.

Places of kind `mediation_numerique` (the national data's « lieux de médiation numérique ») are those offering
the services the need asks for (knowledge_base/services.yml); a referral to an organism adds the nearest such
places when services.yml names services for it."""
from __future__ import annotations

from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot.actions.tutorials import BOOKING_BUTTON
from bot.hours import UNKNOWN, describe, opening, paris_now
from bot.knowledge import communes, partners, services, topics
from bot.knowledge.communes import Commune
from bot.knowledge.partners import Partner
from bot.matching import name_words
from bot.partners.communes import find_communes
from bot.partners.nearby import MEDIATION, Nearby, PlaceIndex
from bot.partners.places import Position, distance_km
from bot.triage import Decision

Events = List[Dict[str, Any]]
MAX_COMMUNE_WORDS = 6  # a longer message while the bot awaits a commune is a new need, not an answer
MAX_COMMUNE_BUTTONS = 6
MAX_HOMONYMS = 8  # « Saint-Martin »: the nearest ones, then the patron types the postcode
MAX_PLACES = 3  # cards in one answer
NEAR_ENOUGH_KM = 10  # besides the nearest, places within this or twice its distance
FAR_KM = 30  # a patron's commune farther than this from every library site: help places near it are offered
VOWELS = tuple("AEIOUYÂÉÈÊÎÔÛaeiouyâéèêîôû")
UNSURE_INTENTS = {"nlu_fallback", "out_of_scope"}
MEDIATOR_BUTTON = {"title": "Un conseiller m'aide à les contacter", "payload": "/book_mediator"}
UNKNOWN_COMMUNE = "inconnue"
_index: Dict[int, PlaceIndex] = {}
Need = Tuple[Optional[str], Optional[str]]  # the referral's intent, the theme of the patron's last fiche


def need_of(tracker: Tracker, intent: Optional[str]) -> Need:
    return intent, tracker.get_slot("tutorial_theme")


def place_index() -> PlaceIndex:
    """The index of the places loaded now, built again when the knowledge base changes."""
    places = partners()
    if id(places) not in _index:
        _index.clear()
        _index[id(places)] = PlaceIndex(places)
    return _index[id(places)]


def places_of(kind: str) -> List[Partner]:
    return [partner for partner in partners() if partner.kind == kind and partner.absent_since is None]


def commune_by_key(key: Optional[str]) -> Optional[Commune]:
    """The commune of a button or of the `commune` slot: its INSEE code (or, from older buttons, its name)."""
    return communes().by_key(key) if key and key != UNKNOWN_COMMUNE else None


def places_for(kind: str, need: Need, commune: Optional[Commune]) -> List[Nearby]:
    """What to show: near the commune, the nearest places of `kind` (mediation places offering what the need
    asks), one when it is in the commune itself, up to three otherwise; then the nearest mediation places
    services.yml adds to an organism. Without a commune: the first place listed, without distance; none when the
    commune has no known centre (no place in or around it)."""
    if commune is None:
        return [Nearby(places_of(kind)[0], -1.0)]
    if commune.centre is None:
        return []
    index, wanted, point = place_index(), services(), Position(*commune.centre)
    if kind == MEDIATION:
        return near_enough(index.nearest(point, kind, wanted.needed(*need), MAX_PLACES))
    found = near_enough(index.nearest(point, kind, count=MAX_PLACES - 1))
    found = found[:1] if in_commune(found[0].place, commune) else found
    extra = wanted.partner_kinds.get(kind)  # type: ignore[call-overload]  # any kind name may be asked
    return found + (near_enough(index.nearest(point, MEDIATION, extra, MAX_PLACES - len(found))) if extra else [])


def near_enough(found: List[Nearby]) -> List[Nearby]:
    """The nearest place, and the others not much farther: no card for a place an hour away when one is next
    door."""
    limit = max(NEAR_ENOUGH_KM, 2 * found[0].distance_km) if found else 0
    return found[:1] + [near for near in found[1:] if near.distance_km <= limit]


def in_commune(place: Partner, commune: Commune) -> bool:
    return place.code_insee == commune.code_insee or " ".join(name_words(place.commune)) == commune.key


def commune_buttons(kind: str) -> List[Dict[str, str]]:
    """The territory's communes that have a place of `kind` (a few), then « Je ne sais pas »."""
    keys = dict.fromkeys(" ".join(name_words(place.commune)) for place in places_of(kind))
    named = [commune for commune in map(commune_by_key, keys) if commune][:MAX_COMMUNE_BUTTONS]
    return commune_choices(named, label=lambda commune: commune.nom) + \
        [{"title": "Je ne sais pas", "payload": f'/tell_commune{{"commune": "{UNKNOWN_COMMUNE}"}}'}]


def commune_choices(found: Sequence[Commune], label: Callable[[Commune], str]) -> List[Dict[str, str]]:
    return [{"title": label(commune), "payload": f'/tell_commune{{"commune": "{commune.code_insee}"}}'}
            for commune in found]


def details(near: Nearby) -> str:
    """The card's words after the address: how far, open now, phone, free, itinerant, booking online."""
    place, now = near.place, paris_now()
    status = describe(opening(place.horaires, now), now) if place.horaires else UNKNOWN
    words = [distance_said(near.distance_km) if near.distance_km >= 0 else "", status,
             f"Téléphone : {place.phone_display}." if place.phone_display else "",
             "Gratuit." if place.frais_a_charge == ["Gratuit"] else "",
             "Lieu itinérant : appelez avant de venir." if "Itinérant" in place.itinerance else "",
             "Rendez-vous en ligne possible." if place.prise_rdv else ""]
    return " ".join(word for word in words if word)


def distance_said(kilometres: float) -> str:
    return "À moins d'un kilomètre." if kilometres < 1 else f"À {round(kilometres):d} km."


def card(near: Nearby) -> Dict[str, Any]:
    """The `custom.partner` object, with the project's additions (docs/contract.md §5)."""
    place, now = near.place, paris_now()
    status = opening(place.horaires, now) if place.horaires else None
    fees = set(place.frais_a_charge)
    return {**place.contract(), "open_now": status.open if status else None,
            "status": describe(status, now) if status else UNKNOWN,
            "distance_km": round(near.distance_km, 1) if near.distance_km >= 0 else None,
            "services": list(place.services), "free": fees == {"Gratuit"} if fees else None,
            "itinerant": "Itinérant" in place.itinerance,
            "booking_url": str(place.prise_rdv) if place.prise_rdv else None}


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
                             buttons=[BOOKING_BUTTON])
    return [SlotSet("referral_kind", None), SlotSet("last_referral", kind), SlotSet("commune", commune.code_insee)]


def far_commune(text: str) -> Optional[Commune]:
    """The commune the patron names, when it is far from every site of the library (its centre known)."""
    known = communes()
    found = find_communes(text, known)
    centre = found[0].centre if len(found) == 1 else None
    if centre is None or not known.home:
        return None
    here = Position(*centre)
    return found[0] if min(distance_km(here, Position(*site)) for site in known.home) > FAR_KM else None


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
