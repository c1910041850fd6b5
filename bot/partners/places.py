"""Find the places the patron names, tolerant of typos; the distance between two points."""
from __future__ import annotations

from math import asin, cos, radians, sin, sqrt
from typing import TYPE_CHECKING, List, NamedTuple, Optional, Protocol, Sequence, Tuple, TypeVar

from rapidfuzz import fuzz

from bot.matching import name_words

if TYPE_CHECKING:
    from bot.knowledge.partners import Partner

MIN_SIMILARITY = 80  # rapidfuzz ratio from which typed words count as a name: "amboize" = "amboise" (86)
MIN_PREFIX = 4  # the first words of a name count alone from this many letters: "joue" for Joué-lès-Tours
MIN_FUZZY = 5  # shorter names must be typed exactly: "caf" is not "ça", "spdc" is not "spa"
EARTH_RADIUS_KM = 6371.0
Item = TypeVar("Item")
Score = Tuple[float, int, bool]  # similarity, words matched, whole name


class Position(NamedTuple):
    latitude: float
    longitude: float


class Located(Protocol):
    """Anything with a latitude and a longitude: a commune's centre, a place."""

    @property
    def latitude(self) -> float: ...

    @property
    def longitude(self) -> float: ...


def partners_named(text: str, partners: Sequence[Partner]) -> List[Partner]:
    """The places whose whole name or alias the patron typed ("la kaf", "pole emploi"), all those tied for best."""
    return best_named(text, [(partner, [partner.nom, *partner.aliases]) for partner in partners], prefixes=False)


def distance_km(start: Located, end: Located) -> float:
    """Great-circle distance in kilometres (haversine formula)."""
    lat1, lon1, lat2, lon2 = map(radians, (start.latitude, start.longitude, end.latitude, end.longitude))
    half_chord = sin((lat2 - lat1) / 2) ** 2 + cos(lat1) * cos(lat2) * sin((lon2 - lon1) / 2) ** 2
    return 2 * EARTH_RADIUS_KM * asin(sqrt(half_chord))


def best_named(text: str, named: Sequence[Tuple[Item, Sequence[str]]], prefixes: bool) -> List[Item]:
    """The items one of whose names `text` matches best, all those tied; empty below MIN_SIMILARITY.

    With `prefixes`, the first words of a name count alone ("saint pierre" for Saint-Pierre-des-Corps).
    """
    return best_scored(text, named, prefixes)[1]


def best_scored(text: str, named: Sequence[Tuple[Item, Sequence[str]]],
                prefixes: bool) -> Tuple[Optional[Score], List[Item]]:
    """`best_named`'s items with their score (see `_match`), None when there are none."""
    typed = name_words(text)
    scored = [(max(_match(name_words(name), typed, prefixes) for name in names), item) for item, names in named]
    best = max((score for score, _ in scored), default=None)
    if best is None or best[0] < MIN_SIMILARITY:
        return None, []
    return best, [item for score, item in scored if score == best]


def _match(name: List[str], typed: List[str], prefixes: bool) -> Score:
    """How well some run of typed words matches the name, or its first words with `prefixes`.

    (similarity, words matched, whole name): "tours" matches Tours (100, 1, True) better than the last word
    of Joué-lès-Tours, which only its first words can match; "joue les tours" matches it (100, 3, True).
    """
    best = (0.0, 0, False)
    for size in range(1, len(name) + 1):
        wanted = " ".join(name[:size])
        if size < len(name) and (not prefixes or len(wanted) < MIN_PREFIX):
            continue
        for start in range(len(typed) - size + 1):
            words_typed = " ".join(typed[start:start + size])
            exact_only = len(wanted) < MIN_FUZZY
            similarity = 100.0 * (wanted == words_typed) if exact_only else fuzz.ratio(wanted, words_typed)
            best = max(best, (similarity, size, size == len(name)))
    return best
