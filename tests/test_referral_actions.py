"""The referral conversation as the actions run it: commune question, nearest place, partner card."""
from __future__ import annotations

from typing import Any

from bot.actions import ActionReferral, ActionTriage
from bot.knowledge import partners
from tests.test_actions import act, nlu
from tests.test_tutorial_actions import intent, responses

CONTRACT_KEYS = {"id", "kind", "name", "address", "phone", "url", "opening_hours"}


def card(messages: list[dict[str, Any]]) -> dict[str, Any]:
    payload, = [m["custom"]["partner"] for m in messages if "partner" in (m["custom"] or {})]
    return payload


def test_several_places_and_no_commune_ask_the_commune_with_buttons() -> None:
    messages, slots = act(ActionTriage(), nlu("la caf ne m'a pas payé", ("refer_caf", 0.9)))
    assert responses(messages) == ["utter_route_referral", "utter_ask_commune"]
    assert [button["title"] for button in messages[1]["buttons"]] == ["Chinon", "Tours", "Je ne sais pas"]
    assert slots == {"referral_kind": "caf"}


def test_a_commune_named_with_the_need_gives_the_nearest_place_at_once() -> None:
    messages, slots = act(ActionTriage(), nlu("la caf de chinnon ne m'a pas payé", ("refer_caf", 0.9)))
    shown = card(messages)
    assert shown["id"] == "caf-chinon" and CONTRACT_KEYS <= set(shown)
    assert isinstance(shown["open_now"], bool) and shown["status"]
    assert slots == {"referral_kind": None, "commune": "chinon"}
    assert responses(messages) == ["utter_route_referral", "utter_partner", "utter_partner_bring",
                                   "utter_partner_online", "utter_partner_safety"]
    assert messages[-1]["buttons"][0]["payload"] == "/book_mediator"


def test_a_kind_with_one_place_needs_no_commune() -> None:
    only, = [partner for partner in partners() if partner.kind == "impots"]
    messages, _ = act(ActionTriage(), nlu("/refer_impots", ("refer_impots", 1.0)))
    assert card(messages)["id"] == only.id
    assert card(messages)["phone"] == only.telephone and only.phone_display in messages[1]["phone"]


def test_a_typed_commune_answers_the_pending_question() -> None:
    messages, slots = act(ActionTriage(), nlu("joue les tour", ("nlu_fallback", 0.3)), referral_kind="cpam")
    assert card(messages)["kind"] == "cpam" and "triage" not in str(messages)
    assert slots == {"referral_kind": None, "commune": "joue les tours"}
    assert messages[0]["why"] == "Le lieu le plus proche de Joué-lès-Tours :"


def test_an_unknown_short_answer_asks_again_and_a_new_need_is_triaged() -> None:
    messages, slots = act(ActionTriage(), nlu("Marseille", ("out_of_scope", 0.5)), referral_kind="caf")
    assert responses(messages) == ["utter_commune_unknown"] and slots == {}
    messages, slots = act(ActionTriage(), nlu("je voudrais apprendre à envoyer un mail à ma fille",
                                              ("learn_email", 0.95)), referral_kind="caf")
    assert messages[0]["custom"]["triage"]["route"] == "tutorial" and slots["referral_kind"] is None


def test_the_commune_buttons_and_i_do_not_know() -> None:
    messages, _ = act(ActionReferral(), intent("tell_commune", commune="chinon"), referral_kind="caf",
                      commune="chinon")
    assert card(messages)["id"] == "caf-chinon"
    messages, slots = act(ActionReferral(), intent("tell_commune", commune="inconnue"), referral_kind="caf",
                          commune="inconnue")
    assert card(messages)["kind"] == "caf" and messages[0]["why"] == "Le lieu à contacter :"
    assert slots == {"referral_kind": None}
    messages, _ = act(ActionReferral(), intent("tell_commune", commune="chinon"))
    assert responses(messages) == ["utter_help"]


def test_a_place_named_by_its_alias_is_a_referral_even_when_nlu_did_not_place_it() -> None:
    messages, _ = act(ActionTriage(), nlu("je cherche de l'aide pour les courriers", ("out_of_scope", 0.6)))
    assert messages[0]["custom"]["triage"]["partner"] == "ecrivain_public"
    assert responses(messages)[1] in ("utter_ask_commune", "utter_partner")
