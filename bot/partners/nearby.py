"""The places nearest to a point, of one kind, or offering some services: one k-d tree per kind and per service,
so that a territory of tens of thousands of places answers in microseconds (docs/partners.md)."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from math import asin, cos, radians, sin
from typing import TYPE_CHECKING, Collection, Dict, List, Optional, Sequence, Tuple

import numpy as np
from scipy.spatial import cKDTree

from bot.partners.places import EARTH_RADIUS_KM, Located

if TYPE_CHECKING:
    from bot.knowledge.partners import Partner

MEDIATION = "mediation_numerique"
Key = Tuple[str, Optional[str]]  # (kind, service): service None for every place of the kind


@dataclass(frozen=True)
class Nearby:
    """A place and how far it is from the point asked about."""

    place: Partner
    distance_km: float


def unit_vector(point: Located) -> Tuple[float, float, float]:
    """The point on the unit sphere: straight-line distances between such vectors order places as the
    great-circle distances do."""
    latitude, longitude = radians(point.latitude), radians(point.longitude)
    return cos(latitude) * cos(longitude), cos(latitude) * sin(longitude), sin(latitude)


class Group:
    """The places of one key and their tree."""

    def __init__(self, places: List[Partner]) -> None:
        self.places = places
        self.tree = cKDTree(np.array([unit_vector(place) for place in places]))

    def nearest(self, vector: Tuple[float, float, float], count: int) -> List[Nearby]:
        chords, indexes = self.tree.query(vector, k=min(count, len(self.places)))
        pairs = zip(np.atleast_1d(chords), np.atleast_1d(indexes))
        return [Nearby(self.places[index], 2 * EARTH_RADIUS_KM * asin(min(1.0, chord / 2)))
                for chord, index in pairs]


class PlaceIndex:
    """The places patrons may be sent to (not those a newer import no longer lists), by kind and, for
    mediation places, by service."""

    def __init__(self, places: Sequence[Partner]) -> None:
        grouped: Dict[Key, List[Partner]] = defaultdict(list)
        for place in places:
            if place.absent_since is None:
                grouped[(place.kind, None)].append(place)
                for service in place.services if place.kind == MEDIATION else ():
                    grouped[(place.kind, service)].append(place)
        self.groups = {key: Group(found) for key, found in grouped.items()}

    def places(self, kind: str) -> List[Partner]:
        """The places of `kind` patrons may be sent to, in the knowledge base's order."""
        group = self.groups.get((kind, None))
        return group.places if group else []

    def nearest(self, point: Located, kind: str, services: Collection[str] = (), count: int = 3) -> List[Nearby]:
        """The `count` places of `kind` nearest to `point`, nearest first; for mediation places, those offering
        one of `services` when some do (all of the kind otherwise)."""
        keys: List[Key] = [(kind, service) for service in services if (kind, service) in self.groups]
        vector = unit_vector(point)
        found: Dict[str, Nearby] = {}
        for key in keys or [(kind, None)]:
            for near in self.groups[key].nearest(vector, count) if key in self.groups else ():
                found.setdefault(near.place.id, near)
        return sorted(found.values(), key=lambda near: near.distance_km)[:count]
