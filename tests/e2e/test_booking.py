"""End to end over REST: book a slot with a mediator, cancel and move it by code, and no slot given twice."""
from __future__ import annotations

import json
import re
import sqlite3
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from typing import Any, Optional

from bot.booking.store import BookingStore
from tests.e2e.chat import Chat, asked, booked, buttons, texts, triage_of

Messages = list[dict[str, Any]]
CODE = re.compile(r"^[A-Z0-9]{3}-[A-Z0-9]{3,}$")
ANSWERS = {"first_name": "Marie", "contact": "06 12 34 56 78", "accessibility": "Fauteuil roulant",
           "consent": "/affirm"}


def answer(chat: Chat, messages: Messages, slot_payload: Optional[str] = None) -> Messages:
    """Answer the current question: the first button for a site or a slot (or the given slot), else ANSWERS."""
    question = asked(messages)
    if question in ("site", "slot"):
        return chat.say(slot_payload if question == "slot" and slot_payload else buttons(messages)[0]["payload"])
    return chat.say(ANSWERS[question])


def until_recap(chat: Chat, slot_payload: Optional[str] = None) -> tuple[Messages, str]:
    """Ask for an appointment and answer every question; return the recap turn and the slot chosen."""
    messages = chat.say("je voudrais un rendez-vous avec un conseiller numérique")
    assert triage_of(messages)["route"] == "booking"
    chosen = slot_payload
    while asked(messages):
        if asked(messages) == "slot" and not chosen:
            chosen = buttons(messages)[0]["payload"]
        messages = answer(chat, messages, chosen)
    recap = " ".join(texts(messages))
    assert "Je récapitule" in recap and "prénom : Marie ; contact : 06 12 34 56 78 ;" in recap, messages
    assert "besoin particulier : Fauteuil roulant." in recap
    return messages, chosen


def book(chat: Chat, slot_payload: Optional[str] = None) -> tuple[dict, str]:
    _, chosen = until_recap(chat, slot_payload)
    booking = booked(chat.say("/affirm"))
    assert booking and booking["status"] == "confirmed", booking
    return booking, chosen


def test_book_then_cancel_by_code_then_the_slot_is_free_again(stack) -> None:
    webhook = stack.settings.url(stack.settings.rasa_port, "/webhooks/rest/webhook")
    booking, chosen = book(Chat(webhook))
    assert CODE.match(booking["code"]) and datetime.fromisoformat(booking["start"]).utcoffset() is not None
    assert booking["site"]

    patron = Chat(webhook)
    assert asked(patron.say("je voudrais annuler mon rendez-vous")) == "booking_code"
    cancelled = booked(patron.say(booking["code"].lower().replace("-", " ")))
    assert cancelled == {"status": "cancelled", "code": booking["code"]}

    again, _ = book(Chat(webhook), chosen)
    assert again["start"] == booking["start"] and again["code"] != booking["code"]


def test_many_patrons_racing_for_one_slot_get_one_confirmation(stack) -> None:
    webhook = stack.settings.url(stack.settings.rasa_port, "/webhooks/rest/webhook")
    chats = [Chat(webhook) for _ in range(6)]
    _, chosen = until_recap(chats[0])
    for chat in chats[1:]:
        until_recap(chat, chosen)
    with ThreadPoolExecutor(len(chats)) as pool:
        turns = list(pool.map(lambda chat: chat.say("/affirm"), chats))
    confirmations = [booked(turn) for turn in turns if booked(turn)]
    assert len(confirmations) == 1, turns
    assert all("vient d'être pris" in " ".join(texts(turn)) for turn in turns if not booked(turn))


def test_move_keeps_the_code_and_changes_the_time(chat: Chat, stack) -> None:
    booking, chosen = book(chat)
    patron = Chat(stack.settings.url(stack.settings.rasa_port, "/webhooks/rest/webhook"))
    patron.say("je voudrais changer mon rendez-vous")
    messages = patron.say(booking["code"])
    assert asked(messages) == "slot"
    other = next(button["payload"] for button in buttons(messages)
                 if button["payload"] != chosen and "plus" not in button["payload"])
    assert "Je récapitule" in " ".join(texts(patron.say(other)))
    moved = booked(patron.say("/affirm"))
    assert moved["code"] == booking["code"] and moved["start"] != booking["start"]


def test_wrong_codes_get_a_kind_answer_then_the_phone(chat: Chat) -> None:
    chat.say("annuler mon rendez-vous")
    for _ in range(2):
        assert "Je ne trouve pas ce code" in " ".join(texts(chat.say("ZZZ-999")))
    assert "Appelez la bibliothèque" in " ".join(texts(chat.say("ZZZ-998")))


def test_invalid_answers_are_asked_again_kindly(chat: Chat) -> None:
    messages = chat.say("je voudrais un rendez-vous avec un conseiller numérique")
    while asked(messages) in ("site", "slot"):
        messages = answer(chat, messages)
    assert asked(messages) == "first_name"
    messages = chat.say("12345")
    assert asked(messages) == "first_name" and "seulement votre prénom" in " ".join(texts(messages))
    messages = chat.say("Marie")
    assert asked(chat.say("pas un numéro")) == "contact"
    assert asked(chat.say("pas de contact")) == "accessibility"
    assert asked(chat.say("une maladie grave")) == "accessibility", "only the choices offered are kept"
    assert asked(chat.say("non")) == "consent"
    assert "je ne garde rien" in " ".join(texts(chat.say("/deny")))


def test_a_preferred_day_filters_the_slots(chat: Chat) -> None:
    messages = chat.say("je voudrais un rendez-vous avec un conseiller numérique")
    if asked(messages) == "site":
        messages = answer(chat, messages)
    messages = chat.say("samedi")
    assert asked(messages) == "slot"
    starts = [datetime.fromisoformat(button["payload"].split("|")[2]) for button in buttons(messages)
              if "|" in button["payload"]]
    assert starts and all(start.weekday() == 5 for start in starts)


def test_erasing_my_data_cancels_my_bookings_and_forgets_the_conversation(chat: Chat, stack) -> None:
    booking, _ = book(chat)
    privacy = chat.say("/ask_privacy")
    assert [button["payload"] for button in buttons(privacy)] == ["/forget_me"]
    assert "/forget_me_confirmed" in [button["payload"] for button in buttons(chat.say("/forget_me"))]
    erased = chat.say("/forget_me_confirmed")
    assert {"forget": True} in [message.get("custom") for message in erased]
    stored = BookingStore(stack.settings.booking_database_url).find(booking["code"])
    assert (stored.status, stored.first_name, stored.contact, stored.sender_id) == ("cancelled", None, None, None)
    with sqlite3.connect(stack.settings.var_dir / "tracker.db") as database:
        left, = database.execute("select count(*) from events where sender_id = ?", (chat.sender,)).fetchone()
    assert left == 0


def test_the_contact_is_kept_with_the_booking_and_never_in_the_conversation(chat: Chat, stack) -> None:
    booking, _ = book(chat)  # the patron typed « 06 12 34 56 78 » and saw it in the recap
    stored = BookingStore(stack.settings.booking_database_url)
    assert stored.find(booking["code"]).contact == "+33612345678"
    assert stored.held_contact("rest", chat.sender) is None  # released once booked
    with sqlite3.connect(stack.settings.var_dir / "tracker.db") as database:
        rows = database.execute("select data from events where sender_id = ?", (chat.sender,)).fetchall()
    events = " ".join(json.dumps(json.loads(data), ensure_ascii=False) for data, in rows)
    assert "Marie" in events and "[téléphone]" in events
    assert "06 12 34 56 78" not in events and "612345678" not in events
