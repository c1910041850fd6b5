"""End to end over REST: a tutorial need gets a fiche of its theme and level, served by our web server."""
from __future__ import annotations

from typing import Any

import pytest
import requests

from bot.contract import THEMES
from bot.knowledge import tutorials
from tests.e2e.chat import Chat, buttons, customs, texts
from tests.support.html_check import markdown_text, step_texts

BEGINNER_ANSWERS = ("Je débute", "Jamais")


def click(chat: Chat, messages: list[dict[str, Any]], title: str) -> list[dict[str, Any]]:
    """Click the button of that title in the bot's last turn."""
    payload, = [button["payload"] for button in buttons(messages) if button["title"] == title]
    return chat.say(payload)


def offered(messages: list[dict[str, Any]]) -> dict[str, str]:
    tutorial, = customs(messages, "tutorial")
    return tutorial


def diagnose(chat: Chat, need: str, answers: tuple[str, str]) -> list[dict[str, Any]]:
    """State a need, answer the two level questions, return the turn that offers the fiche."""
    messages = chat.say(need)
    for answer in answers:
        assert customs(messages, "ask") == ["level"], messages
        messages = click(chat, messages, answer)
    return messages


@pytest.mark.parametrize("theme", THEMES)
def test_every_theme_offers_a_fiche_whose_page_shows_its_steps(chat: Chat, theme: str) -> None:
    tutorial = offered(diagnose(chat, f"/learn_{theme}", BEGINNER_ANSWERS))
    assert (tutorial["theme"], tutorial["level"]) == (theme, "debutant")
    fiche, = [fiche for fiche in tutorials() if fiche.id == tutorial["id"]]
    assert tutorial["title"] == fiche.title
    page = requests.get(tutorial["url"], timeout=10)
    assert page.status_code == 200, tutorial["url"]
    assert step_texts(page.text) == [markdown_text(step) for step in fiche.steps]


def test_the_level_found_is_remembered_for_the_next_need(chat: Chat) -> None:
    answers = ("Je suis à l'aise", "Oui, tout seul")
    tutorial = offered(diagnose(chat, "je voudrais apprendre à faire un appel vidéo", answers))
    assert tutorial["theme"] == "visio"
    messages = chat.say("/learn_email")
    assert not customs(messages, "ask"), "no second diagnostic"
    assert offered(messages)["level"] == "intermediaire"  # the nearest to avancé the e-mail fiches have


def test_a_level_the_patron_types_skips_the_diagnostic(chat: Chat) -> None:
    chat.say("je suis débutant")
    messages = chat.say("je veux apprendre à me servir de la souris de l'ordinateur")
    assert not customs(messages, "ask")
    assert (offered(messages)["theme"], offered(messages)["level"]) == ("ordinateur_bases", "debutant")


def test_another_simpler_and_harder_fiches(chat: Chat) -> None:
    first = offered(diagnose(chat, "/learn_email", BEGINNER_ANSWERS))
    second = offered(chat.say("vous avez une autre fiche ?"))
    assert second["id"] != first["id"] and second["theme"] == "email"
    harder = offered(chat.say("c'est trop facile pour moi"))
    assert harder["level"] == "intermediaire"
    simpler = offered(chat.say("c'est trop compliqué"))
    assert simpler["level"] == "debutant"
    messages = chat.say("plus simple")
    assert not customs(messages, "tutorial") and "la plus simple" in " ".join(texts(messages))
    assert "/book_mediator" in [button["payload"] for button in buttons(messages)]


def test_the_follow_up_offers_a_mediator(chat: Chat) -> None:
    messages = diagnose(chat, "/learn_wifi", BEGINNER_ANSWERS)
    messages = click(chat, messages, "Prendre rendez-vous")
    assert [payload["route"] for payload in customs(messages, "triage")] == ["booking"]
