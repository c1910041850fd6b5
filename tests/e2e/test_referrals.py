"""End to end over REST: a referral shows a partner card from the knowledge base, asking the commune if needed."""
from __future__ import annotations

import pytest

from bot.contract import PARTNER_KINDS
from bot.knowledge import partners
from tests.e2e.chat import Chat, buttons, customs, texts, triage_of

PLACES = {partner.id: partner for partner in partners()}


def card(messages: list[dict]) -> dict:
    shown, = customs(messages, "partner")
    return shown


@pytest.mark.parametrize("kind", PARTNER_KINDS)
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
