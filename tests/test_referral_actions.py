"""The referral conversation as the actions run it: commune question, nearest place, partner card."""
from __future__ import annotations

from typing import Any

from bot.actions import ActionPartnerDetails, ActionReferral, ActionTriage
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
    assert shown["id"] == "caf-chinon" and set(shown) >= CONTRACT_KEYS
    assert isinstance(shown["open_now"], bool) and shown["status"]
    assert slots == {"referral_kind": None, "last_referral": "caf", "commune": "chinon"}
    assert responses(messages) == ["utter_route_referral", "utter_partner", "utter_partner_safety"]
    assert [button["payload"] for button in messages[-1]["buttons"]] == [
        '/partner_details{"partner": "caf-chinon"}', "/book_mediator"]


def test_a_kind_with_one_place_needs_no_commune() -> None:
    only, = [partner for partner in partners() if partner.kind == "impots"]
    messages, _ = act(ActionTriage(), nlu("/refer_impots", ("refer_impots", 1.0)))
    assert card(messages)["id"] == only.id
    assert card(messages)["phone"] == only.telephone and only.phone_display in messages[1]["phone"]


def test_a_typed_commune_answers_the_pending_question() -> None:
    messages, slots = act(ActionTriage(), nlu("joue les tour", ("nlu_fallback", 0.3)), referral_kind="cpam")
    assert card(messages)["kind"] == "cpam" and "triage" not in str(messages)
    assert slots == {"referral_kind": None, "last_referral": "cpam", "commune": "joue les tours"}
    assert messages[0]["why"] == "Le lieu le plus proche de Joué-lès-Tours :"


def test_an_unknown_short_answer_asks_again_and_a_new_need_is_triaged() -> None:
    messages, slots = act(ActionTriage(), nlu("Gotham", ("out_of_scope", 0.5)), referral_kind="caf")
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
    assert slots == {"referral_kind": None, "last_referral": "caf"}


def test_a_commune_given_after_the_card_shows_the_place_nearest_to_it() -> None:
    typed = nlu("j'habite à chinon maintenant", ("tell_commune", 0.9))
    messages, slots = act(ActionReferral(), typed, last_referral="caf", commune="tours")
    assert card(messages)["id"] == "caf-chinon" and slots["commune"] == "chinon"
    messages, _ = act(ActionTriage(), nlu("non plutot chinon", ("nlu_fallback", 0.3)), last_referral="caf")
    assert card(messages)["id"] == "caf-chinon"


def test_a_commune_given_before_any_need_is_kept_for_the_next_referral() -> None:
    messages, slots = act(ActionReferral(), nlu("j'habite a chinon", ("tell_commune", 0.9)))
    assert responses(messages) == ["utter_commune_noted"] and slots == {"commune": "chinon"}
    messages, _ = act(ActionTriage(), nlu("la caf ne m'a pas payé", ("refer_caf", 0.9)), commune="chinon")
    assert card(messages)["id"] == "caf-chinon"
    messages, slots = act(ActionReferral(), nlu("j'habite à Gotham", ("tell_commune", 0.9)))
    assert responses(messages) == ["utter_commune_not_found"] and slots == {}


def test_what_to_bring_is_behind_the_cards_button() -> None:
    place = next(partner for partner in partners() if partner.id == "caf-chinon")
    message, = act(ActionPartnerDetails(), intent("partner_details", partner="caf-chinon"))[0]
    assert message["response"] == "utter_partner_bring" and message["bring"] == " ".join(place.bring)
    assert responses(act(ActionPartnerDetails(), intent("partner_details", partner="nowhere"))[0]) == ["utter_help"]


def test_a_place_named_by_its_alias_is_a_referral_even_when_nlu_did_not_place_it() -> None:
    messages, _ = act(ActionTriage(), nlu("je cherche de l'aide pour les courriers", ("out_of_scope", 0.6)))
    assert messages[0]["custom"]["triage"]["partner"] == "ecrivain_public"
    assert responses(messages)[1] in ("utter_ask_commune", "utter_partner")
