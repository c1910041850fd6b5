"""End to end over REST (and Telegram): group workshops listed by theme and by week, registering with a code and
a calendar file, patrons racing for the last seats, the waiting list, and a cancellation by code that promotes the
first waiting patron, told on Telegram or by e-mail. Sessions are taken from what the bot lists (the sample's
weekly series always have coming sessions; closed days are skipped), each test on a workshop of its own."""
from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime, timedelta
from typing import Any, Optional

import pytest
import requests

from bot.hours import PARIS
from bot.services import Stack
from bot.workshops.store import WorkshopStore
from tests.e2e.chat import Chat, asked, buttons, customs, texts, triage_of
from tests.e2e.test_telegram import TelegramChat, text_of
from tests.support.mail import Inbox
from tests.support.telegram_standin import BotAPIStandIn

Messages = list[dict[str, Any]]


def listed(messages: Messages) -> list[dict[str, Any]]:
    """The turn's `custom.workshops`, asked as `workshop`."""
    found = customs(messages, "workshops")
    assert found and asked(messages) == "workshop", messages
    return found[-1]


def registration(messages: Messages) -> Optional[dict[str, Any]]:
    found = customs(messages, "workshop")
    return found[-1] if found else None


def choose(session_id: str) -> str:
    return f'/choose{{"workshop": "{session_id}"}}'


def register(chat: Chat, words: str, session_id: str, contact: str = "pas de contact") -> Messages:
    """Ask for a workshop in `words`, choose the session, answer every question; return the last turn."""
    listed(chat.say(words))
    messages = chat.say(choose(session_id))
    answers = {"first_name": "Josette", "contact": contact, "consent": "/affirm"}
    while asked(messages) in answers:
        messages = chat.say(answers[asked(messages)])
    return messages


def first_session(chat: Chat, words: str, workshop: str) -> dict[str, Any]:
    """The soonest session of `workshop` the bot lists for `words`."""
    return next(item for item in listed(chat.say(words)) if item["id"].startswith(workshop))


@pytest.fixture
def webhook(stack: Stack) -> str:
    return stack.settings.url(stack.settings.rasa_port, "/webhooks/rest/webhook")


@pytest.fixture
def store(stack: Stack) -> WorkshopStore:
    return WorkshopStore(stack.settings.booking_database_url)


def test_sessions_of_a_theme(webhook: str) -> None:
    chat = Chat(webhook)
    messages = chat.say("je veux m'inscrire à un atelier sur les arnaques")
    assert triage_of(messages) == {**triage_of(messages), "route": "workshop", "theme": "arnaques"}
    sessions = listed(messages)
    assert 1 <= len(sessions) <= 4 and {item["theme"] for item in sessions} == {"arnaques"}
    starts = [datetime.fromisoformat(item["start"]) for item in sessions]
    assert starts == sorted(starts) and all(start.utcoffset() is not None for start in starts)
    assert set(sessions[0]) == {"id", "title", "theme", "start", "site", "capacity", "seats_left"}
    titles = [button["title"] for button in buttons(messages)]
    assert "Un rendez-vous seul avec un médiateur" in titles
    assert any("Déjouer les arnaques" in title and "place" in title for title in titles)


def test_sessions_of_this_week_only(webhook: str) -> None:
    messages = Chat(webhook).say("quels ateliers cette semaine ?")
    assert triage_of(messages)["route"] == "workshop"
    today = datetime.now(PARIS).date()
    sunday = today + timedelta(days=6 - today.weekday())
    sessions = listed(messages)
    said = " ".join(texts(messages))
    if "Il n'y a pas d'atelier" not in said:  # none this week (a closure): the soonest others, said so
        assert sessions and all(today <= date.fromisoformat(item["start"][:10]) <= sunday for item in sessions)


def test_register_with_a_code_and_a_calendar_file(webhook: str, stack: Stack) -> None:
    chat = Chat(webhook)
    session = first_session(chat, "atelier mail", "email-photo")
    messages = register(chat, "je voudrais m'inscrire à l'atelier pour envoyer des mails", session["id"],
                        contact="josette@example.org")
    found = registration(messages)
    assert found and found["status"] == "registered" and found["id"] == session["id"], messages
    assert found["start"] == session["start"] and found["site"] == session["site"] and "position" not in found
    assert found["code"] in " ".join(texts(messages)) and "À apporter" in " ".join(texts(messages))
    calendar = requests.get(found["calendar_url"], timeout=10)
    assert calendar.status_code == 200 and calendar.headers["content-type"].startswith("text/calendar")
    assert "BEGIN:VEVENT" in calendar.text and "josette" not in calendar.text.lower()

    status = Chat(webhook)
    assert asked(status.say("où en est mon inscription")) == "workshop_code"
    assert registration(status.say(found["code"].lower().replace("-", " ")))["status"] == "registered"


def test_patrons_racing_for_the_last_seats(webhook: str, store: WorkshopStore) -> None:
    chat = Chat(webhook)
    session = first_session(chat, "atelier franceconnect", "demarches-en-ligne")
    left = store.seats(session["id"]).left
    assert left >= 1
    chats = [Chat(webhook) for _ in range(left + 3)]
    for patron in chats:
        listed(patron.say("inscription atelier franceconnect"))
        messages = patron.say(choose(session["id"]))
        while asked(messages) in ("first_name", "contact"):
            messages = patron.say({"first_name": "Paul", "contact": "pas de contact"}[asked(messages)])
        assert asked(messages) == "consent", messages
    with ThreadPoolExecutor(len(chats)) as pool:
        turns = list(pool.map(lambda patron: patron.say("/affirm"), chats))
    places = [registration(turn) for turn in turns]
    assert all(places), turns
    assert sum(place["status"] == "registered" for place in places) == left
    waiting = [place for place in places if place["status"] == "waitlisted"]
    assert sorted(place["position"] for place in waiting) == [1, 2, 3]
    in_order = sorted(waiting, key=lambda place: store.place(place["code"]).registration.id)
    assert [place["position"] for place in in_order] == [1, 2, 3]
    assert store.seats(session["id"]).left == 0
    told = [" ".join(texts(turn)) for turn in turns if registration(turn)["status"] == "waitlisted"]
    assert all("où en est mon inscription" in text for text in told)  # no contact, and the widget cannot write


def fill(store: WorkshopStore, session_id: str) -> list[str]:
    """Take every seat left of the session as other patrons; their codes."""
    codes = []
    while store.seats(session_id).left:
        place, _ = store.register(session_id, first_name="Autre", contact=None, channel="rest",
                                  sender_id=uuid.uuid4().hex)
        codes.append(place.registration.display_code)
    return codes


def test_a_cancellation_promotes_the_first_waiting_patron_told_on_telegram_then_by_email(
        webhook: str, stack: Stack, store: WorkshopStore, telegram_api: BotAPIStandIn,
        smtp_inbox: tuple[Inbox, str]) -> None:
    session = first_session(Chat(webhook), "atelier tablette", "tablette-debutants")
    others = fill(store, session["id"])
    assert others, "the session had no seat left before the test"

    telegram = TelegramChat(stack, telegram_api)  # on Telegram: full, the waiting list is offered
    listing = telegram.say("je voudrais m'inscrire à l'atelier tablette")
    full = next(title for call in listing for title in (button["text"] for button in call.buttons)
                if "liste d'attente" in title)
    assert "C'est complet. Voulez-vous être sur la liste d'attente ?" in text_of(telegram.click(full))
    telegram.click("Oui, liste d'attente")
    telegram.say("Marcel")
    telegram.say("pas de contact")
    waitlisted = text_of(telegram.click("J'accepte"))
    assert "liste d'attente" in waitlisted and "numéro 1" in waitlisted and "Je vous préviens ici" in waitlisted

    by_mail = Chat(webhook)  # over REST with an e-mail address: second on the list
    listed(by_mail.say("atelier tablette pour ma mère"))
    messages = by_mail.say(choose(session["id"]))
    assert "C'est complet. Voulez-vous être sur la liste d'attente ?" in texts(messages)
    messages = by_mail.say("/affirm")
    for answer in ("Josette", "josette.promue@example.org", "/affirm"):
        assert asked(messages) in ("first_name", "contact", "consent"), messages
        messages = by_mail.say(answer)
    second = registration(messages)
    assert second["status"] == "waitlisted" and second["position"] == 2
    assert "par e-mail" in " ".join(texts(messages))

    before = len(telegram.calls())
    canceller = Chat(webhook)
    assert asked(canceller.say("je ne pourrai pas venir à l'atelier, annulez mon inscription")) == "workshop_code"
    assert registration(canceller.say(others[0]))["status"] == "cancelled"
    promoted = [call.text for call in telegram.calls()[before:]]
    assert any("une place s'est libérée" in text and "Vous êtes inscrit" in text for text in promoted), promoted

    inbox, _ = smtp_inbox
    received = len(inbox.messages)
    again = Chat(webhook)  # an appointment's question takes a registration's code too
    assert asked(again.say("annuler mon rendez-vous")) == "booking_code"
    assert registration(again.say(others[1]))["status"] == "cancelled"
    mails = [message for recipients, message in inbox.messages[received:]
             if "josette.promue@example.org" in recipients]
    assert mails and "une place s'est libérée" in mails[0].get_content()
    assert store.place(second["code"]).registration.status == "registered"
