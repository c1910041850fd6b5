"""The nearest-place search (PlaceIndex) against the plain way: every place's haversine distance, sorted."""
from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date
from typing import Collection, List

import pytest

from bot.contract import PARTNER_KINDS
from bot.knowledge.partners import SERVICES, Partner
from bot.partners.nearby import MEDIATION, PlaceIndex
from bot.partners.places import distance_km

PLACES = 3_000


@dataclass(frozen=True)
class Point:
    latitude: float
    longitude: float


def made_up(number: int, chance: random.Random) -> Partner:
    """A place anywhere in metropolitan France or overseas; a tenth gone from the latest import."""
    latitude, longitude = chance.choice([(chance.uniform(42.3, 51.0), chance.uniform(-4.8, 8.2)),
                                         (chance.uniform(14.4, 16.5), chance.uniform(-61.8, -60.8)),
                                         (chance.uniform(-22.7, -19.5), chance.uniform(163.5, 168.2))])
    kind = chance.choice(PARTNER_KINDS[:3] + (MEDIATION,) * 5)
    return Partner.construct(id=f"lieu-{number}", kind=kind, latitude=latitude, longitude=longitude,
                             services=chance.sample(SERVICES, chance.randint(0, 3)),
                             absent_since=date(2026, 1, 1) if chance.random() < 0.1 else None)


@pytest.fixture(scope="module")
def places() -> List[Partner]:
    chance = random.Random(21)
    return [made_up(number, chance) for number in range(PLACES)]


@pytest.fixture(scope="module")
def index(places: List[Partner]) -> PlaceIndex:
    return PlaceIndex(places)


def brute_force(places: List[Partner], point: Point, kind: str, services: Collection[str], count: int) -> List[str]:
    """The ids of the `count` nearest places of the kind (offering one of `services`, for mediation places,
    when one does), the absent ones left out."""
    present = [place for place in places if place.kind == kind and place.absent_since is None]
    offering = [place for place in present if kind == MEDIATION and set(services) & set(place.services)]
    return [place.id for place in sorted(offering or present, key=lambda place: distance_km(point, place))][:count]


@pytest.mark.parametrize("seed", range(40))
def test_the_nearest_places_are_those_every_distance_gives(places: List[Partner], index: PlaceIndex,
                                                           seed: int) -> None:
    chance = random.Random(seed)
    point = Point(chance.uniform(-25, 52), chance.uniform(-65, 170))
    kind = PARTNER_KINDS[seed % 3] if seed % 4 == 0 else MEDIATION
    services = chance.sample(SERVICES, seed % 3)
    count = 1 + seed % 5
    found = index.nearest(point, kind, services, count)
    assert [near.place.id for near in found] == brute_force(places, point, kind, services, count)
    assert [near.distance_km for near in found] == pytest.approx([distance_km(point, near.place) for near in found])


def test_a_service_offered_nowhere_gives_the_nearest_of_the_kind(places: List[Partner], index: PlaceIndex) -> None:
    rare = [place for place in places if place.kind == MEDIATION and place.absent_since is None
            and not place.services]
    served = {service for place in places if place.kind == MEDIATION and place.absent_since is None
              for service in place.services}
    assert rare and served == set(SERVICES)  # the made-up places offer each service, and some offer none
    point = Point(rare[0].latitude, rare[0].longitude)
    found = index.nearest(point, MEDIATION, ["Un service inconnu"], count=3)
    assert [near.place.id for near in found] == brute_force(places, point, MEDIATION, (), 3)
    assert found[0].place is rare[0] and found[0].distance_km == pytest.approx(0, abs=1e-6)


def test_absent_places_are_never_given(places: List[Partner], index: PlaceIndex) -> None:
    gone = next(place for place in places if place.absent_since is not None)
    found = index.nearest(Point(gone.latitude, gone.longitude), gone.kind, count=5)
    assert gone.id not in {near.place.id for near in found} and len(found) == 5


def test_a_count_larger_than_the_group_gives_the_whole_group_nearest_first() -> None:
    chance = random.Random(3)
    few = [made_up(number, chance) for number in range(40)]
    caf = [place for place in few if place.kind == "caf" and place.absent_since is None]
    point = Point(47.39, 0.69)
    found = PlaceIndex(few).nearest(point, "caf", count=len(caf) + 10)
    assert [near.place.id for near in found] == brute_force(few, point, "caf", (), len(caf) + 10)
    assert len(found) == len(caf) >= 1
    only = caf[0]
    alone = PlaceIndex([only]).nearest(point, "caf", count=3)
    assert [near.place for near in alone] == [only]


def test_an_unknown_or_absent_kind_gives_nothing(index: PlaceIndex) -> None:
    assert index.nearest(Point(47.39, 0.69), "mairie") == []
    assert PlaceIndex([]).nearest(Point(47.39, 0.69), MEDIATION, ["Aide aux démarches administratives"]) == []
    assert index.places("mairie") == [] and index.places(MEDIATION)
