"""End to end over REST: patrons' needs reach each route of docs/contract.md §3, with one `custom.triage` per turn."""
from __future__ import annotations

import sqlite3

import pytest
import requests

from bot.contract import PARTNER_KINDS, THEMES
from bot.knowledge import Charter
from bot.services import Stack
from tests.e2e.chat import Chat, buttons, texts, triage_of

NEEDS = [
    # (a patron's message, expected route, theme or partner, scope)
    ("Bonjour, je voudrais apprendre à joindre un document à un courriel", "tutorial", "email", "accompagner"),
    ("jsais pas faire un appel video avec mes petits enfants", "tutorial", "visio", "accompagner"),
    ("Je voudrais prendre un rendez-vous avec un conseiller numérique", "booking", None, "accompagner"),
    ("c'est urgent je dois envoyer mon dossier avant demain et j'y arrive pas seul", "booking", None, "faire"),
    ("la caf a arrêté de me verser l'APL je comprends pas pourquoi", "referral", "caf", "orienter"),
    ("mes remboursements de la sécu n'arrivent pas", "referral", "cpam", "orienter"),
    ("j'ai pas d'ordinateur ni internet chez moi et pas les moyens", "referral", "emmaus_connect", "orienter"),
    ("Pouvez-vous garder mon mot de passe de la banque dans votre ordinateur ?", "charter", None, "hors_charte"),
    ("la médiathèque est ouverte le samedi après-midi ?", "info", None, "none"),
    ("quel temps il fera demain à Marseille", "out_of_scope", None, "none"),
]


@pytest.mark.parametrize("text, route, target, scope", NEEDS, ids=[need[0][:40] for need in NEEDS])
def test_need_reaches_its_route(chat: Chat, text: str, route: str, target: str, scope: str) -> None:
    messages = chat.say(text)
    triage = triage_of(messages)
    assert (triage["route"], triage.get("theme") or triage.get("partner"), triage["scope"]) == \
        (route, target, scope)
    assert texts(messages), "the triage turn also answers in words"


@pytest.mark.parametrize("theme", THEMES)
def test_every_theme_is_reachable(chat: Chat, theme: str) -> None:
    triage = chat.triage(f"/learn_{theme}")
    assert (triage["route"], triage["theme"], triage["confidence"]) == ("tutorial", theme, 1.0)


@pytest.mark.parametrize("kind", PARTNER_KINDS)
def test_every_partner_kind_is_reachable(chat: Chat, kind: str) -> None:
    triage = chat.triage("/find_help_place" if kind == "mediation_numerique" else f"/refer_{kind}")
    assert (triage["route"], triage["partner"], triage["scope"]) == ("referral", kind, "orienter")


def test_an_unclear_message_is_clarified_with_buttons(chat: Chat) -> None:
    messages = chat.say("dossier en ligne")  # two needs about as likely: the library's e-books, online forms
    triage = triage_of(messages)
    assert triage["route"] == "clarify" and triage["scope"] == "none"
    offered = buttons(messages)
    assert len(offered) == len(triage["candidates"]) + 1  # the candidates, then "Autre chose"
    chosen = chat.triage(offered[0]["payload"])
    assert {key: chosen[key] for key in triage["candidates"][0]} == triage["candidates"][0]


def test_refusal_says_why_and_where_to_go(chat: Chat, default_charter: Charter) -> None:
    messages = chat.say("pouvez vous signer le contrat à ma place")
    assert triage_of(messages)["route"] == "charter"
    act = next(act for act in default_charter.forbidden if act.id == "signature")
    assert f"{act.says} {act.instead}" in texts(messages)


def test_greeting_and_small_talk_carry_no_triage(chat: Chat) -> None:
    for message in ("bonjour", "merci beaucoup", "au revoir"):
        answer = chat.say(message)
        assert texts(answer) and not any("custom" in m for m in answer), (message, answer)


def test_privacy_answer_lists_what_is_never_asked(chat: Chat, default_charter: Charter) -> None:
    answer = " ".join(texts(chat.say("vous gardez mes données personnelles ?")))
    assert all(item in answer for item in default_charter.never_ask)


def test_restart_starts_a_new_conversation(chat: Chat) -> None:
    chat.say("bonjour")
    chat.say("/restart")
    assert chat.triage("/book_mediator")["route"] == "booking"


@pytest.mark.parametrize("odd", ["", "   ", "😀👍🙏", "<script>alert('x')</script><b>aide</b>",
                                 "aide " * 2000, "?!?!", "12/13/2026 99h99"],
                         ids=["empty", "spaces", "emoji", "html", "huge", "punctuation", "wrong date"])
def test_odd_input_gets_a_kind_answer(chat: Chat, odd: str) -> None:
    answer = texts(chat.say(odd))
    assert answer, f"no answer to {odd[:30]!r}"
    assert not any("<script>" in text for text in answer)


def test_library_page_is_served(stack: Stack) -> None:
    page = requests.get(stack.settings.url(stack.settings.web_port), timeout=10)
    assert page.status_code == 200
    assert '<html lang="fr">' in page.text and "<h1>" in page.text



def test_a_card_number_is_warned_about_and_never_stored(chat: Chat, stack: Stack) -> None:
    answer = texts(chat.say("la caf me demande ma carte 4970 1012 3456 7890 pour me payer"))
    assert answer[-1].startswith("Attention : ne donnez jamais votre numéro de carte bancaire")
    with sqlite3.connect(stack.settings.var_dir / "tracker.db") as database:
        rows = database.execute("select data from events where sender_id = ?", (chat.sender,)).fetchall()
    stored = " ".join(data for data, in rows)
    assert "4970" not in stored and "carte bancaire]" in stored
