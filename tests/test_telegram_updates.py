"""What the assistant hears from Telegram messages, and the settings of the channel."""
from __future__ import annotations

import asyncio

import pytest
from telegram import Update

from bot.settings import Settings
from bot.telegram.updates import COMMANDS, NOT_TEXT, UNKNOWN_COMMAND, Heard, heard
from tests.support.telegram_standin import Patron


def heard_in(update: dict) -> Heard:
    return heard(Update.de_json({"update_id": 1, **update}, None).message)


@pytest.mark.parametrize("text", ["bonjour", "ma CAF ne m'a pas payé 😢", "  ", "<b>x</b>"])
def test_text_goes_to_the_assistant_as_written(text: str) -> None:
    assert heard_in(Patron(7).text(text)) == Heard(text=text)


@pytest.mark.parametrize("command, intent", [("/start", "/greet"), ("/aide", "/help"), ("/rgpd", "/ask_privacy"),
                                             ("/annuler", "/cancel"), ("/START", "/greet"),
                                             ("/aide@aiguillage_test_bot", "/help"), ("/start code-de-lien", "/greet")])
def test_commands_trigger_their_intent(command: str, intent: str) -> None:
    assert heard_in(Patron(7).command(command)) == Heard(text=intent)
    assert intent in COMMANDS.values()


@pytest.mark.parametrize("text", ["/inconnue", "/", "/restart", '/choose{"slot": "x"}'])
def test_other_commands_get_the_list_of_commands(text: str) -> None:
    assert heard_in(Patron(7).text(text)) == Heard(reply=UNKNOWN_COMMAND)


@pytest.mark.parametrize("phone, text", [("33612345678", "+33612345678"), ("+33 6 12 34 56 78", "+33 6 12 34 56 78")])
def test_a_shared_contact_is_its_phone_number(phone: str, text: str) -> None:
    assert heard_in(Patron(7).share_contact(phone)) == Heard(text=text)


def test_a_photo_gets_a_kind_answer_without_the_assistant() -> None:
    assert heard_in(Patron(7).photo()) == Heard(reply=NOT_TEXT)


def test_the_webhook_secret_defaults_to_one_derived_from_the_token() -> None:
    one, other = (Settings.from_env({"TELEGRAM_TOKEN": token}) for token in ("1:a", "2:b"))
    assert one.telegram_secret and one.telegram_secret != other.telegram_secret
    assert set(one.telegram_secret) <= set("0123456789abcdef")  # Telegram allows A-Z a-z 0-9 _ -
    assert Settings.from_env({"TELEGRAM_TOKEN": "1:a", "TELEGRAM_SECRET": "mine"}).telegram_secret == "mine"
    assert Settings.from_env({}).telegram_secret == ""
    assert Settings.from_env({"TELEGRAM_API_BASE": "http://127.0.0.1:8081/"}).telegram_api_base == "http://127.0.0.1:8081"


def test_set_webhook_registers_the_address_the_secret_and_the_menu() -> None:
    from bot.telegram.client import ALLOWED_UPDATES, set_webhook
    from tests.support.telegram_standin import TOKEN, BotAPIStandIn

    with BotAPIStandIn() as api:
        settings = Settings.from_env({"TELEGRAM_TOKEN": TOKEN, "TELEGRAM_API_BASE": api.base,
                                      "TELEGRAM_WEBHOOK_URL": "https://bib.example.org/webhooks/telegram/webhook"})
        asyncio.run(set_webhook(settings))
        webhook, = [call.params for call in api.calls if call.method == "setWebhook"]
        assert webhook["url"] == settings.telegram_webhook_url
        assert webhook["secret_token"] == settings.telegram_secret
        assert webhook["allowed_updates"] == ALLOWED_UPDATES
        menu, = [call.params for call in api.calls if call.method == "setMyCommands"]
        assert [command["command"] for command in menu["commands"]] == ["start", "aide", "rgpd", "annuler"]
        assert set(COMMANDS) >= {"start", "aide", "rgpd", "annuler"}
