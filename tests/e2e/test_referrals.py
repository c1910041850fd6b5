"""End to end over REST: a referral shows partner cards from the knowledge base, asking the commune if needed; a
patron asking for digital help near a commune gets the nearest mediation places offering it."""
from __future__ import annotations

import pytest

from bot.contract import ORGANISM_KINDS
from bot.knowledge import partners
from tests.e2e.chat import Chat, buttons, customs, texts, triage_of

PLACES = {partner.id: partner for partner in partners()}


def card(messages: list[dict]) -> dict:
    """The first place shown, the nearest (an organism may come with help places, up to three cards)."""
    shown = customs(messages, "partner")
    assert 1 <= len(shown) <= 3
    return shown[0]


@pytest.mark.parametrize("kind", ORGANISM_KINDS)
def test_every_kind_gives_a_card_with_name_address_phone_and_hours(chat: Chat, kind: str) -> None:
    messages = chat.say(f"/refer_{kind}")
    if customs(messages, "ask"):
        assert customs(messages, "ask") == ["commune"]
        messages = chat.say(buttons(messages)[0]["payload"])
    shown = card(messages)
    place = PLACES[shown["id"]]
    assert (shown["kind"], shown["name"], shown["address"], shown["phone"], shown["opening_hours"]) == \
        (kind, place.nom, place.address, place.telephone, place.horaires)
    said = " ".join(texts(messages))
    assert place.phone_display in said and "mots de passe" in said


def test_a_commune_in_the_message_skips_the_question(chat: Chat) -> None:
    messages = chat.say("la caf de chinon ne m'a pas versé mon APL ce mois-ci")
    assert triage_of(messages)["partner"] == "caf" and not customs(messages, "ask")
    assert card(messages)["id"] == "caf-chinon"


def test_a_typed_commune_answers_the_question_and_is_remembered(chat: Chat) -> None:
    messages = chat.say("mes remboursements de la sécu n'arrivent pas")
    assert triage_of(messages)["partner"] == "cpam" and customs(messages, "ask") == ["commune"]
    messages = chat.say("amboize")
    assert card(messages)["id"] == "cpam-amboise"
    messages = chat.say("/refer_france_services")
    assert not customs(messages, "ask"), "the commune is remembered"
    assert card(messages)["kind"] == "france_services"


def test_digital_help_near_a_commune_gives_mediation_places_offering_it(chat: Chat) -> None:
    messages = chat.say("bonjour, il y a un endroit pour m'aider avec l'ordinateur près de Loches ?")
    assert triage_of(messages) | {"confidence": 0} == {"route": "referral", "scope": "orienter",
                                                         "partner": "mediation_numerique", "confidence": 0}
    shown = customs(messages, "partner")
    assert shown[0]["id"] == "bus-numerique-loches" and shown[0]["distance_km"] < 1
    assert all(place["kind"] == "mediation_numerique" for place in shown) and 1 <= len(shown) <= 3
    assert all(set(place["services"]) & set(PLACES[place["id"]].services) for place in shown)
    assert (shown[0]["free"], shown[0]["itinerant"], shown[0]["phone"]) == (True, True, None)
    assert "Lieu itinérant" in " ".join(texts(messages))


def test_without_a_computer_at_home_the_patron_is_asked_the_commune_then_given_places(chat: Chat) -> None:
    messages = chat.say("j'ai pas d'ordi chez moi ou je peux aller")
    assert customs(messages, "ask") == ["commune"]
    shown = customs(chat.say("Tours"), "partner")
    assert shown[0]["id"] == "epn-tours-fontaines"
    assert "Accès internet et matériel informatique" in shown[0]["services"]


def test_a_commune_without_the_kind_gets_the_nearest_ones_with_their_distance(chat: Chat) -> None:
    shown = customs(chat.say("la caf ne m'a pas payé, j'habite à Amboise"), "partner")
    assert [place["id"] for place in shown][:1] == ["caf-tours"] and 20 < shown[0]["distance_km"] < 25
