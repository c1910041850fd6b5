"""Which places to show a patron: the nearest of a kind to their commune (help places offering what the need
asks, knowledge_base/services.yml), the nearest and those not much farther, three at most (docs/partners.md)."""
from __future__ import annotations

from typing import List, Optional, Tuple

from bot.knowledge import communes, partners, services
from bot.knowledge.communes import Commune
from bot.knowledge.partners import Partner
from bot.matching import name_words
from bot.partners.nearby import MEDIATION, Nearby, PlaceIndex
from bot.partners.places import Position, distance_km

MAX_PLACES = 3  # cards in one answer
NEAR_ENOUGH_KM = 10  # besides the nearest, places within this or twice its distance
FAR_KM = 30  # a patron's commune farther than this from every library site: help places near it are offered
Need = Tuple[Optional[str], Optional[str]]  # the intent that asks for places, the theme of the patron's last fiche
_indexed: List[Tuple[Tuple[Partner, ...], PlaceIndex]] = []


def place_index() -> PlaceIndex:
    """The index of the places loaded now, built again when the knowledge base changes (the loaded tuple is kept
    with it: a new tuple could reuse a freed one's id)."""
    places = partners()
    if not _indexed or _indexed[0][0] is not places:
        _indexed[:] = [(places, PlaceIndex(places))]
    return _indexed[0][1]


def places_of(kind: str) -> List[Partner]:
    """The places of `kind` patrons may be sent to (not those a newer import no longer lists)."""
    return place_index().places(kind)


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


def far_from_library(commune: Commune) -> bool:
    """Whether the commune's centre (when known) is more than FAR_KM from every site of the library."""
    home, centre = communes().home, commune.centre
    return bool(home) and centre is not None and \
        min(distance_km(Position(*centre), Position(*site)) for site in home) > FAR_KM
