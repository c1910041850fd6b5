"""Triage rules, on NLU results written by hand: route, scope, target, clarify, urgency, refusals."""
from __future__ import annotations

from bot.knowledge import Charter
from bot.triage import Understanding, triage


def understood(text: str, *ranking: tuple[str, float], entities=()) -> Understanding:
    return Understanding(text=text, ranking=list(ranking), entities=list(entities))


def test_confident_learning_need_goes_to_a_tutorial(default_charter: Charter) -> None:
    decision = triage(understood("comment envoyer un mail", ("learn_email", 0.93), ("learn_photos", 0.04)),
                      default_charter)
    assert decision.to_contract() == {"route": "tutorial", "theme": "email", "scope": "accompagner",
                                      "confidence": 0.93}


def test_question_on_a_file_goes_to_its_organism(default_charter: Charter) -> None:
    decision = triage(understood("ma caf m'a pas payé", ("refer_caf", 0.9)), default_charter)
    assert decision.to_contract() == {"route": "referral", "partner": "caf", "scope": "orienter",
                                      "confidence": 0.9}


def test_named_organism_corrects_a_sibling_intent(default_charter: Charter) -> None:
    decision = triage(understood("la sécu me rembourse pas", ("refer_caf", 0.8), ("refer_cpam", 0.1),
                                 entities=[("organism", "cpam")]), default_charter)
    assert (decision.route, decision.destination.target) == ("referral", "cpam")


def test_named_organism_does_not_change_another_need(default_charter: Charter) -> None:
    decision = triage(understood("écrire une lettre à la caf", ("refer_ecrivain_public", 0.9),
                                 entities=[("organism", "caf")]), default_charter)
    assert decision.destination.target == "ecrivain_public"


def test_two_organisms_named_keep_the_intent(default_charter: Charter) -> None:
    decision = triage(understood("caf et impôts", ("refer_france_services", 0.9),
                                 entities=[("organism", "caf"), ("organism", "impots")]), default_charter)
    assert decision.destination.target == "france_services"


def test_booking_is_accompagner_unless_urgent(default_charter: Charter) -> None:
    calm = triage(understood("je voudrais un rendez-vous", ("book_mediator", 0.95)), default_charter)
    urgent = triage(understood("c'est urgent c'est pour demain", ("book_mediator", 0.95)), default_charter)
    assert (calm.route, calm.scope, calm.urgent) == ("booking", "accompagner", False)
    assert (urgent.route, urgent.scope, urgent.urgent) == ("booking", "faire", True)
    assert "theme" not in urgent.to_contract() and "partner" not in urgent.to_contract()


def test_urgency_tolerates_typos_and_missing_accents(default_charter: Charter) -> None:
    for text in ("AUJOURDHUI dernier delai", "cest urgen", "avant ce soir svp"):
        decision = triage(understood(text, ("book_mediator", 0.9)), default_charter)
        assert decision.scope == "faire", text


def test_urgency_does_not_change_a_referral(default_charter: Charter) -> None:
    decision = triage(understood("urgent ma caf", ("refer_caf", 0.9)), default_charter)
    assert (decision.scope, decision.urgent) == ("orienter", False)


def test_close_needs_are_clarified_with_their_candidates(default_charter: Charter) -> None:
    decision = triage(understood("mail caf", ("learn_email", 0.48), ("refer_caf", 0.41),
                                 ("learn_photos", 0.06)), default_charter)
    assert decision.to_contract() == {
        "route": "clarify", "scope": "none", "confidence": 0.48,
        "candidates": [{"route": "tutorial", "theme": "email"}, {"route": "referral", "partner": "caf"}],
    }


def test_margin_comes_from_the_charter(default_charter: Charter) -> None:
    strict = default_charter.copy(update={"clarify_margin": 0.5})
    message = understood("mail", ("learn_email", 0.7), ("learn_photos", 0.3))
    assert triage(message, default_charter).route == "tutorial"
    assert triage(message, strict).route == "clarify"


def test_unsure_nlu_offers_three_needs_but_never_out_of_scope(default_charter: Charter) -> None:
    decision = triage(understood("euh", ("nlu_fallback", 0.4), ("learn_visio", 0.3), ("out_of_scope", 0.2),
                                 ("book_mediator", 0.1), ("refer_cpam", 0.05), ("learn_wifi", 0.01)),
                      default_charter)
    assert decision.route == "clarify"
    assert [c.intent for c in decision.candidates] == ["learn_visio", "book_mediator", "refer_cpam"]


def test_unsure_nlu_that_leans_to_out_of_scope_says_so(default_charter: Charter) -> None:
    decision = triage(understood("un plombier", ("nlu_fallback", 0.4), ("out_of_scope", 0.3),
                                 ("learn_visio", 0.2), ("book_mediator", 0.1)), default_charter)
    assert decision.to_contract() == {"route": "out_of_scope", "scope": "none", "confidence": 0.3}


def test_an_organism_named_places_a_message_nlu_could_not_place(default_charter: Charter) -> None:
    for top in ("nlu_fallback", "out_of_scope"):
        decision = triage(understood("la maison du droit", (top, 0.5), ("learn_visio", 0.2),
                                     entities=[("organism", "ecrivain_public")]), default_charter)
        assert decision.to_contract() == {"route": "referral", "partner": "ecrivain_public", "scope": "orienter",
                                          "confidence": 0.5}
    decision = triage(understood("caf ou impots", ("nlu_fallback", 0.5), ("learn_visio", 0.2),
                                 entities=[("organism", "caf"), ("organism", "impots")]), default_charter)
    assert decision.route != "referral"


def test_no_clarify_with_a_single_need(default_charter: Charter) -> None:
    decision = triage(understood("visio", ("nlu_fallback", 0.4), ("learn_visio", 0.35), ("out_of_scope", 0.3)),
                      default_charter)
    assert (decision.route, decision.destination.target) == ("tutorial", "visio")


def test_conversation_intents_are_ignored(default_charter: Charter) -> None:
    decision = triage(understood("bonjour mail", ("greet", 0.6), ("learn_email", 0.35), ("thanks", 0.05)),
                      default_charter)
    assert (decision.route, decision.destination.target) == ("tutorial", "email")


def test_nothing_to_triage_is_out_of_scope(default_charter: Charter) -> None:
    decision = triage(understood("merci", ("thanks", 0.99)), default_charter)
    assert decision.to_contract() == {"route": "out_of_scope", "scope": "none", "confidence": 0.0}


def test_forbidden_request_says_which_rule_and_where_to_go(default_charter: Charter) -> None:
    decision = triage(understood("gardez mon mot de pass svp", ("charter_forbidden", 0.9)), default_charter)
    assert decision.to_contract() == {"route": "charter", "scope": "hors_charte", "confidence": 0.9}
    assert decision.forbidden.id == "passwords"
    medical = triage(understood("quel medicament pour ma toux", ("charter_forbidden", 0.9)), default_charter)
    assert medical.forbidden.id == "medical_advice"


def test_acting_in_the_patrons_place_is_refused_by_its_own_words(default_charter: Charter) -> None:
    decision = triage(understood("faites le à ma place je m'en vais", ("charter_forbidden", 0.9)),
                      default_charter)
    assert decision.forbidden.id == "acting_alone"


def test_a_skill_and_the_organism_named_beside_it_teach_the_skill_first(default_charter: Charter) -> None:
    text = "envoyer mon cv a france travail je sais pas faire de piece jointe"
    for ranking in ([("learn_email", 0.48), ("refer_france_travail", 0.45)],  # close: no clarify
                    [("learn_email", 0.8), ("refer_france_travail", 0.1)]):  # the organism is named
        decision = triage(understood(text, *ranking, entities=[("organism", "france_travail")]), default_charter)
        assert (decision.route, decision.destination.target) == ("tutorial", "email")
        assert (decision.then.route, decision.then.target) == ("referral", "france_travail")
    alone = triage(understood("comment envoyer un mail", ("learn_email", 0.8), ("refer_emmaus_connect", 0.15)),
                   default_charter)
    assert alone.then is None


def test_nonsense_is_not_understood_and_offers_no_choice(default_charter: Charter) -> None:
    for ranking in ([("nlu_fallback", 0.9)], [("nlu_fallback", 0.2), ("learn_visio", 0.05), ("refer_caf", 0.04)]):
        decision = triage(understood("qsdf zorglub", *ranking), default_charter)
        assert decision.to_contract() == {"route": "out_of_scope", "scope": "none", "confidence": 0.0}
        assert not decision.understood


def test_a_skill_asked_with_a_group_sessions_word_is_a_workshop_of_that_skill(default_charter: Charter) -> None:
    decision = triage(understood("atelier mots de passe c'est quel jour", ("learn_mot_de_passe", 0.8),
                                 ("join_workshop", 0.15)), default_charter)
    assert decision.to_contract() == {"route": "workshop", "theme": "mot_de_passe", "scope": "accompagner",
                                      "confidence": 0.8}


def test_a_workshop_close_to_a_skill_takes_its_theme(default_charter: Charter) -> None:
    decision = triage(understood("les prochaines initiations à la liseuse", ("join_workshop", 0.45),
                                 ("learn_bibliotheque_numerique", 0.4)), default_charter)
    assert (decision.route, decision.destination.target) == ("workshop", "bibliotheque_numerique")
    far = triage(understood("vous faites des cours pour les débutants", ("join_workshop", 0.8),
                            ("learn_ordinateur_bases", 0.1)), default_charter)
    assert (far.route, far.destination.target) == ("workshop", None)


def test_words_that_only_look_like_a_group_session_keep_the_skill(default_charter: Charter) -> None:
    for text in ("faire ses courses en ligne", "le coursier a livré mon colis ?",
                 "pas besoin d'atelier, expliquez-moi juste", "un tuto sans cours à suivre"):
        decision = triage(understood(text, ("learn_achats_en_ligne", 0.9)), default_charter)
        assert decision.route == "tutorial", text


def test_a_group_sessions_word_does_not_turn_another_need_into_a_workshop(default_charter: Charter) -> None:
    decision = triage(understood("ma formation France Travail n'est pas payée", ("refer_france_travail", 0.9),
                                 ("learn_email", 0.05)), default_charter)
    assert decision.route == "referral"
