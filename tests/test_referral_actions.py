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
    assert slots == {"referral_kind": "caf", "referral_need": "refer_caf"}


def test_a_commune_named_with_the_need_gives_the_nearest_place_at_once() -> None:
    messages, slots = act(ActionTriage(), nlu("la caf de chinnon ne m'a pas payé", ("refer_caf", 0.9)))
    shown = card(messages)
    assert shown["id"] == "caf-chinon" and set(shown) >= CONTRACT_KEYS
    assert isinstance(shown["open_now"], bool) and shown["status"]
    assert slots == {"referral_kind": None, "last_referral": "caf", "referral_need": "refer_caf", "commune": "37072"}
    assert responses(messages) == ["utter_route_referral", "utter_partner", "utter_partner_safety"]
    assert shown["distance_km"] < 1 and "À moins d'un kilomètre." in messages[1]["details"]
    assert [button["payload"] for button in messages[-1]["buttons"]] == [
        '/partner_details{"partner": "caf-chinon"}', "/book_mediator"]


def test_a_kind_with_one_place_needs_no_commune() -> None:
    only, = [partner for partner in partners() if partner.kind == "impots"]
    messages, _ = act(ActionTriage(), nlu("/refer_impots", ("refer_impots", 1.0)))
    assert card(messages)["id"] == only.id
    assert card(messages)["phone"] == only.telephone and only.phone_display in messages[1]["details"]
    assert card(messages)["distance_km"] is None  # no commune: no distance


def test_a_typed_commune_answers_the_pending_question() -> None:
    messages, slots = act(ActionTriage(), nlu("joue les tour", ("nlu_fallback", 0.3)), referral_kind="cpam")
    shown = cards(messages)  # no CPAM in Joué-lès-Tours: the nearest, Amboise is too far beside it
    assert [place["id"] for place in shown] == ["cpam-tours"] and "triage" not in str(messages)
    assert slots == {"referral_kind": None, "last_referral": "cpam", "referral_need": None, "commune": "37122"}
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
    assert slots == {"referral_kind": None, "last_referral": "caf", "referral_need": None}


def test_a_commune_given_after_the_card_shows_the_place_nearest_to_it() -> None:
    typed = nlu("j'habite à chinon maintenant", ("tell_commune", 0.9))
    messages, slots = act(ActionReferral(), typed, last_referral="caf", commune="tours")
    assert card(messages)["id"] == "caf-chinon" and slots["commune"] == "37072"
    messages, _ = act(ActionTriage(), nlu("non plutot chinon", ("nlu_fallback", 0.3)), last_referral="caf")
    assert card(messages)["id"] == "caf-chinon"


def test_a_commune_given_before_any_need_is_kept_for_the_next_referral() -> None:
    messages, slots = act(ActionReferral(), nlu("j'habite a chinon", ("tell_commune", 0.9)))
    assert responses(messages) == ["utter_commune_noted"] and slots == {"commune": "37072"}
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


def cards(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [m["custom"]["partner"] for m in messages if "partner" in (m["custom"] or {})]


def test_digital_help_near_a_commune_gives_the_nearest_mediation_places_offering_it() -> None:
    messages, slots = act(ActionTriage(), nlu("un endroit pour m'aider avec l'ordinateur près de Chinon",
                                              ("find_help_place", 0.9)))
    shown = cards(messages)
    assert messages[0]["custom"]["triage"] == {"route": "referral", "scope": "orienter",
                                               "partner": "mediation_numerique", "confidence": 0.9}
    assert [place["id"] for place in shown] == ["centre-social-chinon"]  # the others are 40 km away
    chinon = shown[0]
    assert (chinon["free"], chinon["itinerant"], chinon["booking_url"]) == (True, False, "https://www.rdv-solidarites.fr")
    assert messages[1]["why"] == "Le lieu d'aide au numérique le plus proche de Chinon :"
    assert "Gratuit." in messages[1]["details"] and "Rendez-vous en ligne possible." in messages[1]["details"]
    assert slots["last_referral"] == "mediation_numerique" and slots["referral_need"] == "find_help_place"
    assert [button["payload"] for button in messages[-1]["buttons"]] == ["/book_mediator"]  # nothing to bring


def test_a_place_without_phone_or_hours_says_so_and_an_itinerant_one_says_to_call() -> None:
    messages, _ = act(ActionTriage(), nlu("un lieu d'aide numérique à Loches", ("find_help_place", 0.9)))
    bus, = [m for m in messages if (m["custom"] or {}).get("partner", {}).get("id") == "bus-numerique-loches"]
    assert bus["custom"]["partner"]["phone"] is None and bus["custom"]["partner"]["opening_hours"] is None
    assert bus["custom"]["partner"]["itinerant"] is True and bus["custom"]["partner"]["open_now"] is None
    assert "Téléphone" not in bus["details"] and "Lieu itinérant" in bus["details"] and "Horaires" in bus["details"]


def test_an_organism_far_from_the_commune_comes_with_the_nearest_others_and_mediation_places() -> None:
    messages, _ = act(ActionTriage(), nlu("je n'ai pas d'ordinateur et pas d'argent, j'habite à Loches",
                                          ("refer_emmaus_connect", 0.9)))
    assert [(place["id"], place["distance_km"]) for place in cards(messages)] == [
        ("emmaus-connect-tours", 35.1), ("bus-numerique-loches", 0.0)]  # it offers Accès internet et matériel


def test_after_a_fiche_the_places_offer_its_theme() -> None:
    messages, _ = act(ActionTriage(), nlu("/find_help_place", ("find_help_place", 1.0)), commune="chinon",
                      tutorial_theme="arnaques")
    assert [place["id"] for place in cards(messages)] == ["epn-tours-fontaines"]  # the one for safe use
    assert all("Utilisation sécurisée du numérique" in place["services"] for place in cards(messages))


def test_places_much_farther_than_the_nearest_are_left_out() -> None:
    messages, _ = act(ActionTriage(), nlu("un lieu pour internet à Amboise", ("find_help_place", 0.9)))
    shown = cards(messages)
    assert [place["id"] for place in shown] == ["epn-tours-fontaines", "bus-numerique-loches"]  # not Chinon, 62 km
    assert [place["distance_km"] for place in shown] == [21.8, 31.6]
    assert messages[0]["response"] == "utter_route_help_place"
    assert messages[1]["why"] == "Le lieu d'aide au numérique le plus proche d'Amboise :"


def test_homonyms_are_asked_with_their_departement_then_the_button_answers() -> None:
    messages, slots = act(ActionTriage(), nlu("la caf ne m'a pas payé, j'habite à Saint-Martin", ("refer_caf", 0.9)))
    assert responses(messages) == ["utter_route_referral", "utter_ask_which_commune"]
    titles = [button["title"] for button in messages[1]["buttons"]]
    assert len(titles) > 2 and all(title.startswith("Saint-Martin (") for title in titles), titles
    assert messages[1]["buttons"][0]["payload"].startswith('/tell_commune{"commune": "')
    assert slots == {"referral_kind": "caf", "referral_need": "refer_caf"}
    code = messages[1]["buttons"][0]["payload"].split('"')[3]
    messages, slots = act(ActionReferral(), intent("tell_commune", commune=code), referral_kind="caf", commune=code)
    assert responses(messages) in (["utter_partner", "utter_partner_safety"], ["utter_no_place_near"])
    assert slots["commune"] == code


def test_a_commune_with_no_place_around_it_is_told_so_kindly() -> None:
    messages, slots = act(ActionTriage(), nlu("un endroit pour m'aider avec l'ordinateur près de Marseille",
                                              ("find_help_place", 0.9)))
    assert responses(messages) == ["utter_route_help_place", "utter_no_help_place_near"]
    assert messages[1]["commune"] == "Marseille" and slots["commune"] == "13055"
    assert [button["payload"] for button in messages[1]["buttons"]] == ["/book_mediator"]


def test_a_short_unclear_message_is_a_commune_of_france_only_when_the_question_awaits_it() -> None:
    messages, _ = act(ActionTriage(), nlu("la recette des crêpes", ("out_of_scope", 0.6)))
    assert messages[0]["custom"]["triage"]["route"] == "out_of_scope"  # not a commune answer
    messages, _ = act(ActionTriage(), nlu("marseille", ("out_of_scope", 0.6)), referral_kind="caf")
    assert responses(messages) == ["utter_no_place_near"] and messages[0]["commune"] == "Marseille"
    messages, _ = act(ActionTriage(), nlu("non plutot chinon", ("nlu_fallback", 0.3)), last_referral="caf")
    assert card(messages)["id"] == "caf-chinon"  # a commune of the territory, at any time


def test_a_patron_far_from_the_library_asking_for_a_mediator_gets_help_places_near_home_first() -> None:
    messages, slots = act(ActionTriage(), nlu("je voudrais un rendez-vous avec un conseiller, j'habite à Loches",
                                              ("book_mediator", 0.9)))
    assert responses(messages) == ["utter_route_booking", "utter_far_from_library", "utter_partner",
                                   "utter_partner_safety"]
    assert messages[1]["commune"] == "Loches" and cards(messages)[0]["id"] == "bus-numerique-loches"
    assert [button["payload"] for button in messages[-1]["buttons"]] == ["/book_mediator"]  # still possible
    messages, _ = act(ActionTriage(), nlu("je voudrais un rendez-vous, j'habite à Joué-lès-Tours",
                                          ("book_mediator", 0.9)))
    assert "utter_far_from_library" not in responses(messages)  # 6 km from the library: the form starts
