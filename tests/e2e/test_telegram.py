"""End to end on Telegram: updates posted to the Rasa webhook as Telegram posts them (or fetched by the long-polling
relay), answered by the trained assistant through python-telegram-bot, to the local Bot API stand-in."""
from __future__ import annotations

import itertools
import sqlite3
from datetime import datetime, timedelta
from typing import Any, Optional

import pytest
import requests

from bot.booking.reminders import send_due_reminders
from bot.booking.store import BookingStore
from bot.hours import PARIS
from bot.services import Stack
from bot.telegram.client import SECRET_HEADER, WEBHOOK_PATH, telegram_notify
from bot.telegram.render import SHARE_PHONE
from bot.telegram.updates import NOT_TEXT
from tests.support.telegram_standin import BotAPIStandIn, Call, Patron

USER_IDS = itertools.count(700_001)
UPDATE_IDS = itertools.count(1_000_000)
SHOWN = ("sendMessage", "sendVenue")


class TelegramChat:
    """A patron's private chat with the bot, through the Rasa webhook as Telegram would post to it."""

    def __init__(self, stack: Stack, api: BotAPIStandIn):
        self.url = stack.settings.url(stack.settings.rasa_port, WEBHOOK_PATH)
        self.secret = stack.settings.telegram_secret
        self.api = api
        self.patron = Patron(next(USER_IDS))

    def calls(self, methods: tuple[str, ...] = SHOWN) -> list[Call]:
        return [call for call in self.api.calls if call.method in methods
                and str(call.params.get("chat_id")) == str(self.patron.user_id)]

    def post(self, body: Any, secret: Optional[str] = None, **kwargs: Any) -> requests.Response:
        headers = {SECRET_HEADER: self.secret if secret is None else secret, **kwargs.pop("headers", {})}
        return requests.post(self.url, json=body, headers=headers, timeout=60, **kwargs)

    def send(self, update: dict[str, Any]) -> list[Call]:
        """Post an update; return the messages the bot sent this chat in answer."""
        before = len(self.calls())
        response = self.post({"update_id": next(UPDATE_IDS), **update})
        assert response.status_code == 200, response.text
        return self.calls()[before:]

    def say(self, text: str) -> list[Call]:
        return self.send(self.patron.text(text))

    def click(self, title: str) -> list[Call]:
        sent = next(call for call in reversed(self.calls(("sendMessage",)))
                    if any(button["text"] == title for button in call.buttons))
        return self.send(self.patron.click(sent, title))


def text_of(calls: list[Call]) -> str:
    return "\n".join(call.text for call in calls)


def titles(calls: list[Call]) -> list[str]:
    return [button["text"] for call in calls for button in call.buttons]


@pytest.fixture
def telegram(stack: Stack, telegram_api: BotAPIStandIn) -> TelegramChat:
    return TelegramChat(stack, telegram_api)


@pytest.fixture(autouse=True)
def nothing_refused(telegram_api: BotAPIStandIn):
    """Every call the channel makes is one Telegram accepts (HTML, lengths, callback data)."""
    before = len(telegram_api.refused())
    yield
    assert telegram_api.refused()[before:] == []


def test_start_greets_with_the_privacy_commands(telegram: TelegramChat) -> None:
    greeting, = telegram.send(telegram.patron.command("/start"))
    assert greeting.text.startswith("Bonjour") and "mot de passe" in greeting.text and "/rgpd" in greeting.text
    assert greeting.params["parse_mode"] == "HTML"


def test_a_tutorial_reached_by_clicking_the_diagnostic_buttons(telegram: TelegramChat, telegram_api) -> None:
    first, = telegram.say("je veux apprendre à envoyer un mail")
    assert first.text.startswith("Vous voulez apprendre : les e-mails.")
    assert titles([first]) == ["Je débute", "Je me débrouille", "Je suis à l'aise"]
    assert len(first.buttons[0]["callback_data"].encode()) <= 64
    acknowledged = len([call for call in telegram_api.calls if call.method == "answerCallbackQuery"])
    second = telegram.click("Je débute")
    assert len([call for call in telegram_api.calls if call.method == "answerCallbackQuery"]) == acknowledged + 1
    edited = [call for call in telegram.calls(("editMessageText",))
              if int(call.params["message_id"]) == first.result["message_id"]]
    assert edited and edited[0].text.endswith("✅ Je débute") and "reply_markup" not in edited[0].params
    assert titles(second)[:1] == ["Jamais"]
    fiche = text_of(telegram.click("Jamais"))
    assert "Envoyer un e-mail" in fiche and "/tutoriels/email-envoyer" in fiche


def test_a_partner_card_with_its_map(telegram: TelegramChat) -> None:
    telegram.say("ma CAF ne m'a pas payé")
    answer = telegram.click("Tours")
    venue, = [call for call in answer if call.method == "sendVenue"]
    assert venue.params["title"] == "CAF de Touraine – accueil de Tours"
    assert venue.params["address"] == "12 rue des Tanneurs, 37000 Tours"
    assert float(venue.params["latitude"]) and float(venue.params["longitude"])
    assert "02 61 91 01 01" in text_of(answer)


def booking_via_telegram(telegram: TelegramChat) -> str:
    """Book with clicks and the phone-sharing button; return the confirmation's text."""
    telegram.say("je voudrais un rendez-vous avec un conseiller numérique")
    slots = telegram.click("Médiathèque centrale")
    telegram.click(titles(slots)[0])
    contact_question, = telegram.say("Martine")
    keyboard = contact_question.params["reply_markup"]["keyboard"]
    assert keyboard[0][0] == {"text": SHARE_PHONE, "request_contact": True}
    telegram.send(telegram.patron.share_contact("33612345678"))  # as Telegram sends it, without +
    telegram.click("Non")
    recap = telegram.click("J'accepte")
    assert "prénom : Martine ; contact : 06 12 34 56 78 ;" in text_of(recap)
    return text_of(telegram.click("Oui, je confirme"))


def test_a_full_booking_then_its_reminder_on_telegram(telegram: TelegramChat, stack: Stack, telegram_api) -> None:
    confirmation = booking_via_telegram(telegram)
    assert "C'est noté" in confirmation
    code = confirmation.split("<code>")[1].split("</code>")[0]  # monospace: one tap copies it
    store = BookingStore(stack.settings.booking_database_url)
    booking = store.find(code)
    assert (booking.channel, booking.sender_id, booking.contact) == ("telegram", str(telegram.patron.user_id),
                                                                     "+33612345678")
    day_before = booking.start.astimezone(PARIS).replace(hour=18, minute=0) - timedelta(days=1)
    store.clock = lambda: day_before
    assert send_due_reminders(store, day_before, None, telegram_notify(stack.settings)) >= 1
    reminder = telegram.calls()[-1]
    assert "demain" in reminder.text and booking.display_code in reminder.text
    assert store.find(code).reminded_via == "telegram"


def test_rgpd_erases_the_conversation_and_the_bookings(telegram: TelegramChat, stack: Stack) -> None:
    confirmation = booking_via_telegram(telegram)
    code = confirmation.split("<code>")[1].split("</code>")[0]
    privacy = text_of(telegram.send(telegram.patron.command("/rgpd")))
    assert "mots de passe" in privacy and "/confidentialite" in privacy
    assert "Vous êtes sûr" in text_of(telegram.click("Supprimer mes données"))
    assert "j'ai effacé notre conversation et vos rendez-vous" in text_of(telegram.click("Oui, tout effacer"))
    booking = BookingStore(stack.settings.booking_database_url).find(code)
    assert booking.status == "cancelled" and booking.first_name is None and booking.contact is None
    with sqlite3.connect(stack.settings.var_dir / "tracker.db") as database:
        left, = database.execute("select count(*) from events where sender_id = ?",
                                 (str(telegram.patron.user_id),)).fetchone()
    assert left == 0
    assert "Bonjour" in text_of(telegram.send(telegram.patron.command("/start")))  # a new conversation


def test_cancel_command_stops_the_current_question(telegram: TelegramChat) -> None:
    telegram.say("je voudrais un rendez-vous avec un conseiller numérique")
    assert "on arrête" in text_of(telegram.send(telegram.patron.command("/annuler")))


def test_a_photo_or_an_unknown_command_gets_a_kind_answer(telegram: TelegramChat) -> None:
    assert text_of(telegram.send(telegram.patron.photo())) == NOT_TEXT
    assert "/aide" in text_of(telegram.send(telegram.patron.command("/inconnue")))


def test_group_chats_get_no_answer(telegram: TelegramChat) -> None:
    update = telegram.patron.text("je voudrais un rendez-vous")
    update["message"]["chat"] = {"id": -100123, "type": "supergroup", "title": "Club informatique"}
    assert telegram.post({"update_id": next(UPDATE_IDS), **update}).status_code == 200
    assert not [call for call in telegram.api.calls if str(call.params.get("chat_id")) == "-100123"]


def test_a_wrong_secret_is_refused_and_nothing_is_sent(telegram: TelegramChat) -> None:
    for secret in ("", "wrong", telegram.secret + "x"):
        assert telegram.post(telegram.patron.text("bonjour"), secret=secret).status_code == 403
    assert telegram.calls() == []


@pytest.mark.parametrize("body", [b"{not json", b"", b"[]", b'"text"', b'{"update_id": "x"}',
                                  b'{"update_id": 5, "message": {"text": "sans chat"}}',
                                  b'{"update_id": 6, "edited_message": {"message_id": 1, "date": 0,'
                                  b' "chat": {"id": 1, "type": "private"}, "text": "corrige"}}'])
def test_a_malformed_update_is_answered_200_without_a_crash(telegram: TelegramChat, body: bytes) -> None:
    response = requests.post(telegram.url, data=body, headers={SECRET_HEADER: telegram.secret,
                                                                "Content-Type": "text/plain"}, timeout=30)
    assert response.status_code == 200
    assert telegram.say("bonjour")  # still answering


def test_rate_limited_calls_are_retried_after_the_delay_telegram_gives(telegram: TelegramChat, telegram_api) -> None:
    telegram_api.fail_next("sendMessage", retry_after=1, times=2)
    started = datetime.now()
    answer = telegram.say("bonjour")
    assert answer and answer[0].text.startswith("Bonjour")
    assert datetime.now() - started >= timedelta(seconds=2)


def test_long_polling_relays_updates_to_the_assistant(telegram: TelegramChat, telegram_api) -> None:
    assert any(call.method == "deleteWebhook" for call in telegram_api.calls)  # the relay started in polling mode
    telegram_api.queue_update(telegram.patron.text("je veux apprendre à envoyer un mail"))
    telegram_api.queue_update(telegram.patron.command("/aide"))
    telegram_api.wait_for(lambda calls: len(telegram.calls()) >= 2)
    first, second = telegram.calls()[:2]
    assert first.text.startswith("Vous voulez apprendre") and "Je peux vous aider" in second.text  # in order


def test_the_webhook_says_whether_telegram_is_configured(telegram: TelegramChat) -> None:
    assert requests.get(telegram.url.removesuffix("webhook"), timeout=10).json() == {"status": "ok"}
