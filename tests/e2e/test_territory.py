"""End to end over REST on a real territory imported from the national open data (Charente, tests/data/lieux/):
a patron asking for digital help near a commune that has no such place gets the nearest mediation places offering
it; a patron in a commune without the organism asked for gets the nearest ones, with their distance; homonyms
are asked with their département."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from bot.knowledge import national, services
from bot.knowledge.communes import Communes
from bot.knowledge.partners import Partner, load_partners, placed
from bot.partners.places import Position, distance_km
from bot.services import Stack
from tests.e2e.chat import Chat, buttons, customs, triage_of


@pytest.fixture(scope="module")
def places(territory_stack: Stack) -> dict[str, Partner]:
    folder = Path(territory_stack.settings.knowledge_dir) / "partners"
    return {place.id: place for place in load_partners(folder, national())}


@pytest.fixture
def chat(territory_stack: Stack) -> Chat:
    return Chat(territory_stack.settings.url(territory_stack.settings.rasa_port, "/webhooks/rest/webhook"))


def centre_of(code: str, places: dict[str, Partner]) -> Position:
    """The commune's centre as the assistant computes it from the places (no open package ships one)."""
    commune = national().by_code[code]
    centre = Communes(national(), [], [placed(place, national()) for place in places.values()]).complete(commune).centre
    assert centre is not None
    return Position(*centre)


def nearest_ids(places: dict[str, Partner], kind: str, point: Position, wanted: set[str]) -> list[str]:
    """Brute force: the places of `kind` (offering one of `wanted`, if any) nearest to `point` first."""
    found = [place for place in places.values() if place.kind == kind and (not wanted or wanted & set(place.services))]
    return [place.id for place in sorted(found, key=lambda place: distance_km(point, place))]


def check_cards(shown: list[dict[str, Any]], expected: list[str]) -> None:
    assert 1 <= len(shown) <= 3
    assert [card["id"] for card in shown] == expected[:len(shown)]
    assert [card["distance_km"] for card in shown] == sorted(card["distance_km"] for card in shown)


def test_digital_help_near_a_commune_without_a_help_place_gives_the_nearest_offering_it(
        chat: Chat, places: dict[str, Partner]) -> None:
    assert not any(place.kind == "mediation_numerique" and place.commune == "Confolens" for place in places.values())
    messages = chat.say("bonjour, un endroit pour m'aider avec l'ordinateur près de Confolens ?")
    assert triage_of(messages)["partner"] == "mediation_numerique"
    shown = customs(messages, "partner")
    wanted = set(services().needed("find_help_place"))
    check_cards(shown, nearest_ids(places, "mediation_numerique", centre_of("16106", places), wanted))
    assert all(card["kind"] == "mediation_numerique" and set(card["services"]) & wanted for card in shown)
    assert all(places[card["id"]].code_postal.startswith("16") for card in shown)  # in Charente, not Touraine
    assert shown[0]["distance_km"] > 1


def test_a_commune_without_the_organism_gets_the_nearest_ones_with_their_distance(
        chat: Chat, places: dict[str, Partner]) -> None:
    assert not any(place.kind == "france_services" and place.commune == "Ruffec" for place in places.values())
    messages = chat.say("je dois refaire ma carte grise, j'habite à Ruffec")
    assert triage_of(messages)["partner"] == "france_services"
    asked = {button["title"]: button["payload"] for button in buttons(messages)}
    assert customs(messages, "ask") == ["commune"] and set(asked) == {"Ruffec (Charente)", "Ruffec (Indre)"}
    shown = customs(chat.say(asked["Ruffec (Charente)"]), "partner")
    check_cards(shown, nearest_ids(places, "france_services", centre_of("16292", places), set()))
    assert all(card["kind"] == "france_services" and card["distance_km"] is not None for card in shown)


def test_a_commune_asked_for_by_postcode_and_homonyms_by_departement(chat: Chat) -> None:
    messages = chat.say("un lieu d'aide numérique près de chez moi")
    assert customs(messages, "ask") == ["commune"]
    messages = chat.say("16500")  # nine communes share it
    asked = {button["title"]: button["payload"] for button in buttons(messages)}
    assert customs(messages, "ask") == ["commune"] and "Confolens (Charente)" in asked, asked
    shown = customs(chat.say(asked["Confolens (Charente)"]), "partner")
    assert shown and all(card["kind"] == "mediation_numerique" for card in shown)
    messages = chat.say("et à Saint-Michel ?")
    titles = [button["title"] for button in buttons(messages)]
    assert customs(messages, "ask") == ["commune"] and "Saint-Michel (Charente)" in titles, titles


def test_a_patron_far_from_the_library_asking_for_a_mediator_gets_help_places_near_home(
        chat: Chat, places: dict[str, Partner]) -> None:
    messages = chat.say("je voudrais un rendez-vous avec un conseiller numérique, j'habite à Soyaux")
    assert triage_of(messages)["route"] == "booking"
    shown = customs(messages, "partner")
    check_cards(shown, nearest_ids(places, "mediation_numerique", centre_of("16374", places),
                                   set(services().needed("find_help_place"))))
    assert "/book_mediator" in [button["payload"] for button in buttons(messages)]  # the library is still offered
