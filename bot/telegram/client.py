"""The Bot API client: python-telegram-bot's bot on TELEGRAM_API_BASE, within Telegram's limits, and what the
other processes ask of it (registering the webhook, sending a reminder)."""
from __future__ import annotations

import asyncio
import logging
from typing import Optional

from telegram import BotCommand
from telegram.error import TelegramError
from telegram.ext import AIORateLimiter, ExtBot

from bot.booking.reminders import Notify
from bot.settings import Settings

log = logging.getLogger(__name__)
CHANNEL = "telegram"  # the name Rasa records as the conversation's input channel
WEBHOOK_PATH = "/webhooks/telegram/webhook"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
ALLOWED_UPDATES = ["message", "callback_query"]
MENU = [BotCommand("start", "Commencer"), BotCommand("aide", "Ce que je sais faire"),
        BotCommand("rgpd", "Vos données, et les effacer"), BotCommand("annuler", "Arrêter la question en cours")]


def make_bot(settings: Settings) -> ExtBot:
    """A bot on the configured Bot API server; its rate limiter keeps to Telegram's global (30 messages/s) and
    per-group limits, and waits the delay Telegram gives before retrying a refused (429) call, up to 3 times."""
    return ExtBot(settings.telegram_token, base_url=f"{settings.telegram_api_base}/bot",
                  rate_limiter=AIORateLimiter(max_retries=3))


async def set_webhook(settings: Settings) -> None:
    """Ask Telegram to post updates to TELEGRAM_WEBHOOK_URL with our secret; show the command menu."""
    async with make_bot(settings) as bot:
        await bot.set_webhook(settings.telegram_webhook_url, secret_token=settings.telegram_secret,
                              allowed_updates=ALLOWED_UPDATES)
        await bot.set_my_commands(MENU)


async def _send_text(settings: Settings, chat_id: str, text: str) -> None:
    async with make_bot(settings) as bot:
        await bot.send_message(chat_id=int(chat_id), text=text)


def telegram_notify(settings: Settings) -> Optional[Notify]:
    """Sends reminders of bookings made on Telegram to their chat; None when Telegram is not configured."""
    if not settings.telegram_token:
        return None

    def notify(channel: str, sender_id: str, text: str) -> bool:
        if channel != CHANNEL:
            return False
        try:
            asyncio.run(_send_text(settings, sender_id, text))
        except (TelegramError, ValueError) as error:  # blocked bot, unknown chat, Bot API unreachable
            log.warning("reminder not sent on Telegram: %s", error)
            return False
        return True

    return notify
