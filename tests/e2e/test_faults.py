"""Faults of the running stack: the action server down, the booking database gone, Rasa restarted in the middle of
a booking. The patron is told what to do, with the library's phone number, and the conversation goes on once the
fault is over. Each test restores what it stops, for the tests after it."""
from __future__ import annotations

from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Iterator

from bot.knowledge import sites
from bot.knowledge.partners import phone_display
from bot.services import Stack
from tests.e2e.chat import Chat, Message, buttons, texts, triage_of
from tests.e2e.test_booking import answer, asked, booked

PHONE = phone_display(sites().main.phone)
BOOKING_NEED = "je voudrais un rendez-vous avec un conseiller numérique"


def apologised(messages: list[Message]) -> bool:
    """Whether the turn ends with the apology that gives the library's phone number."""
    said = texts(messages)
    return bool(said) and "Réessayez dans quelques minutes" in said[-1] and PHONE in said[-1]


@contextmanager
def stopped(stack: Stack, name: str) -> Iterator[None]:
    """The service `name` stopped, then started again and ready."""
    service = stack.services[name]
    service.stop()
    try:
        yield
    finally:
        service.start(stack.log_dir)
        stack.wait_until_ready()


@contextmanager
def replaced(stack: Stack, name: str, **env: str) -> Iterator[None]:
    """The service `name` run with other environment variables, then the original one again."""
    original = stack.services[name]
    with stopped(stack, name):
        stack.services[name] = replace(original, env={**original.env, **env}, process=None)
        try:
            stack.services[name].start(stack.log_dir)
            stack.wait_until_ready()
            yield
        finally:
            stack.services[name].stop()
            stack.services[name] = original


@contextmanager
def unreachable(folder: Path) -> Iterator[None]:
    """A SQLite database's folder gone, as when its disk or its server is: every new connection fails."""
    away = folder.with_name(f"{folder.name}-away")
    folder.rename(away)
    try:
        yield
    finally:
        away.rename(folder)


def test_patron_is_told_what_to_do_when_the_action_server_is_down(stack: Stack, chat: Chat) -> None:
    with stopped(stack, "actions"):
        down = chat.say("je voudrais apprendre à envoyer un mail")
    assert len(texts(down)) == 1 and apologised(down), down
    back = chat.say("je voudrais apprendre à envoyer un mail")
    assert triage_of(back)["route"] == "tutorial", "the same conversation goes on once it is back"


def test_booking_goes_on_once_its_database_is_back(stack: Stack, tmp_path: Path) -> None:
    folder = tmp_path / "bookings"
    webhook = stack.settings.url(stack.settings.rasa_port, "/webhooks/rest/webhook")
    patron = Chat(webhook)
    with replaced(stack, "actions", BOOKING_DATABASE_URL=f"sqlite:///{folder / 'bookings.db'}"):
        question = patron.say(BOOKING_NEED)
        assert asked(question) == "site"
        with unreachable(folder):
            assert apologised(patron.say(buttons(question)[0]["payload"]))
            assert apologised(Chat(webhook).say(BOOKING_NEED)), "a turn cut short by the fault ends with the apology"
        messages = answer(patron, question)
        assert asked(messages) == "slot"
        while asked(messages):
            messages = answer(patron, messages)
        with unreachable(folder):
            assert apologised(patron.say("/affirm"))
        assert booked(patron.say("/affirm"))["status"] == "confirmed"


def test_a_booking_goes_on_after_rasa_restarts(stack: Stack, chat: Chat) -> None:
    messages = answer(chat, chat.say(BOOKING_NEED))  # the site
    assert asked(messages) == "slot"
    with stopped(stack, "rasa"):
        assert not stack.services["rasa"].is_ready()
    messages = answer(chat, messages)
    assert asked(messages) == "first_name", "the form goes on where it was"
    while asked(messages):
        messages = answer(chat, messages)
    assert booked(chat.say("/affirm"))["status"] == "confirmed"
