"""The tutorial conversation as the actions run it: diagnostic, fiche offered, another one, simpler, harder."""
from __future__ import annotations

from typing import Any, Optional

import pytest

from bot.actions import ActionTriage, ActionTutorial
from bot.actions import tutorials as tutorial_actions
from bot.knowledge import tutorials
from bot.settings import settings
from tests.test_actions import act, nlu


@pytest.fixture(autouse=True)
def no_workshop(monkeypatch: pytest.MonkeyPatch) -> None:
    """No workshop session to offer after a fiche (the workshops' database is not these tests' concern)."""
    monkeypatch.setattr(tutorial_actions, "next_session_button", lambda theme: [])


def intent(name: str, **entities: str) -> dict[str, Any]:
    return {"text": f"/{name}", "intent": {"name": name, "confidence": 1.0},
            "entities": [{"entity": entity, "value": value} for entity, value in entities.items()]}


def responses(messages: list[dict[str, Any]]) -> list[str]:
    return [message["response"] for message in messages]


def offered(messages: list[dict[str, Any]]) -> dict[str, str]:
    payload, = [m["custom"]["tutorial"] for m in messages if "tutorial" in (m["custom"] or {})]
    return payload


def level_of_fiche(tutorial_id: str) -> str:
    return next(tutorial.level for tutorial in tutorials() if tutorial.id == tutorial_id)


def test_a_tutorial_need_with_unknown_level_starts_the_diagnostic() -> None:
    messages, slots = act(ActionTriage(), nlu("je veux apprendre le mail", ("learn_email", 0.9)))
    assert responses(messages) == ["utter_route_tutorial", "utter_ask_diagnostic_ease"]
    assert slots == {"tutorial_theme": "email", "tutorial_request": "je veux apprendre le mail",
                     "tutorials_shown": [], "diagnostic_practice": None, "then_intent": None, "referral_kind": None}


def test_the_second_question_names_the_theme() -> None:
    messages, _ = act(ActionTutorial(), intent("answer_diagnostic", diagnostic_ease="1"),
                      tutorial_theme="visio", diagnostic_ease="1")
    assert responses(messages) == ["utter_ask_diagnostic_practice"]
    assert messages[0]["label"] == "les appels en vidéo"


def test_a_complete_diagnostic_sets_the_level_and_offers_a_fiche_of_the_theme() -> None:
    messages, slots = act(ActionTutorial(), intent("answer_diagnostic", diagnostic_practice="0"),
                          tutorial_theme="email", diagnostic_ease="0", diagnostic_practice="0")
    tutorial = offered(messages)
    assert slots["level"] == "debutant" and slots["tutorials_shown"] == [tutorial["id"]]
    assert (tutorial["theme"], tutorial["level"]) == ("email", "debutant")
    assert tutorial["url"] == f"{settings.public_web_url}/tutoriels/{tutorial['id']}"
    assert tutorial["url"] in messages[0]["url"]
    assert responses(messages) == ["utter_tutorial", "utter_tutorial_follow_up"]
    titles = [button["title"] for button in messages[1]["buttons"]]
    assert titles == ["Une autre fiche", "Plus avancé", "Prendre rendez-vous",  # nothing simpler than débutant
                      "Un lieu d'aide près de chez moi"]


def test_a_known_level_skips_the_diagnostic_and_the_patrons_words_choose_the_fiche() -> None:
    messages, _ = act(ActionTriage(), nlu("joindre un document à un mail", ("learn_email", 0.9)), level="debutant")
    assert offered(messages)["id"] == "email-piece-jointe"


def test_another_one_never_repeats_then_says_there_is_none_left() -> None:
    theme_ids = [tutorial.id for tutorial in tutorials() if tutorial.theme == "wifi"]
    shown: list[str] = []
    for _ in theme_ids:
        messages, slots = act(ActionTutorial(), intent("tutorial_another"), tutorial_theme="wifi",
                              level="debutant", tutorials_shown=shown)
        assert offered(messages)["id"] not in shown
        shown = slots["tutorials_shown"]
    messages, slots = act(ActionTutorial(), intent("tutorial_another"), tutorial_theme="wifi",
                          level="debutant", tutorials_shown=shown)
    assert responses(messages) == ["utter_tutorial_none"] and slots == {}
    assert messages[0]["buttons"] == [{"title": "Prendre rendez-vous", "payload": "/book_mediator"}]


def test_simpler_and_harder_move_from_the_last_fiche_shown_and_the_level_follows() -> None:
    messages, slots = act(ActionTutorial(), intent("tutorial_harder"), tutorial_theme="email",
                          level="debutant", tutorials_shown=["email-envoyer"])
    assert level_of_fiche(offered(messages)["id"]) == slots["level"] == "intermediaire"
    messages, slots = act(ActionTutorial(), intent("tutorial_simpler"), tutorial_theme="email",
                          level="intermediaire", tutorials_shown=["email-envoyer", "email-piece-jointe"])
    assert offered(messages)["id"] == "email-creer-adresse" and slots["level"] == "debutant"
    messages, slots = act(ActionTutorial(), intent("tutorial_simpler"), tutorial_theme="email",
                          level="debutant", tutorials_shown=["email-envoyer"])
    assert responses(messages) == ["utter_tutorial_simplest"] and slots == {}


def test_without_a_theme_the_bot_asks_what_to_learn() -> None:
    messages, _ = act(ActionTutorial(), intent("tutorial_another"))
    assert responses(messages) == ["utter_tutorial_which"]
    messages, _ = act(ActionTutorial(), intent("tell_level", level="avance"), level="avance")
    assert responses(messages) == ["utter_level_noted"] and messages[0]["level"] == "avancé"


def test_a_level_word_nlu_did_not_normalise_counts_as_unknown() -> None:
    messages, _ = act(ActionTriage(), nlu("les mails, moi je suis debutante", ("learn_email", 0.9)), level="debutante")
    assert responses(messages) == ["utter_route_tutorial", "utter_ask_diagnostic_ease"]


def test_the_next_workshop_of_the_theme_is_offered_beside_the_mediator(monkeypatch: pytest.MonkeyPatch) -> None:
    def next_session(theme: Optional[str]) -> list[dict[str, str]]:
        return [{"title": f"Atelier « {theme} », mar. 8 déc.", "payload": f'/join_workshop{{"theme": "{theme}"}}'}]

    monkeypatch.setattr(tutorial_actions, "next_session_button", next_session)
    wish = tutorial_actions.Wish(theme="arnaques", level="debutant")
    titles = [button["title"] for button in tutorial_actions.follow_up_buttons(wish)]
    assert titles[titles.index("Prendre rendez-vous") + 1] == "Atelier « arnaques », mar. 8 déc."
