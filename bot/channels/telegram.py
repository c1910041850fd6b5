"""The Telegram channel, on python-telegram-bot: Telegram (or our long-polling relay) posts each update to
/webhooks/telegram/webhook with the secret-token header; the turn's answers go back through the Bot API.

An update is always answered 200 once read, even when it cannot be used: Telegram would otherwise send it again
and again. Only a wrong secret (403) and a Bot API that cannot be reached before the turn (503, Telegram retries
later) are refused.
"""
from __future__ import annotations

import asyncio
import hmac
import html
import json
import logging
from typing import Any, Optional

from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, OutputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from telegram import CallbackQuery, Message, Update
from telegram.constants import ChatType, ParseMode
from telegram.error import TelegramError
from telegram.ext import ExtBot

from bot.channels.cleaning import clean
from bot.channels.conversations import button_payload
from bot.channels.rest import OnNewMessage, take_turn
from bot.settings import Settings
from bot.telegram.client import CHANNEL, SECRET_HEADER, make_bot
from bot.telegram.render import render_turn
from bot.telegram.updates import EXPIRED_BUTTON, Heard, heard

log = logging.getLogger(__name__)


class TurnCollector(CollectingOutputChannel):
    """Collects a turn's messages to send them together; named after the channel, so that Rasa picks the
    responses written for Telegram (`channel: telegram` in domain.yml)."""

    @classmethod
    def name(cls) -> str:
        return CHANNEL


class TelegramOutput(OutputChannel):
    """Sends each message as it comes; what Rasa uses to reach a chat outside a turn (triggered intents)."""

    def __init__(self, channel: "TelegramInput"):
        self.channel = channel

    @classmethod
    def name(cls) -> str:
        return CHANNEL

    async def send_response(self, recipient_id: str, message: dict[str, Any]) -> None:
        await self.channel.deliver(int(recipient_id), [message])


class TelegramInput(InputChannel):
    """Rasa input channel for Telegram, configured from the environment (TELEGRAM_* settings)."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self._bot: Optional[ExtBot] = None
        self._bot_ready = asyncio.Lock()

    @classmethod
    def name(cls) -> str:
        return CHANNEL

    @classmethod
    def from_credentials(cls, credentials: Optional[dict[str, Any]]) -> "TelegramInput":
        return cls(Settings.from_env())

    def get_output_channel(self) -> OutputChannel:
        return TelegramOutput(self)

    async def bot(self) -> ExtBot:
        """The Bot API client, initialised once (it asks Telegram who the bot is)."""
        async with self._bot_ready:
            if self._bot is None:
                bot = make_bot(self.settings)
                await bot.initialize()
                self._bot = bot
        return self._bot

    def blueprint(self, on_new_message: OnNewMessage) -> Blueprint:
        webhook = Blueprint("telegram_webhook", __name__)

        @webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok" if self.settings.telegram_token else "not configured"})

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            if not self.settings.telegram_token:
                return response.json({"error": "Telegram is not configured (TELEGRAM_TOKEN)"}, status=404)
            if not hmac.compare_digest(request.headers.get(SECRET_HEADER, ""), self.settings.telegram_secret):
                return response.json({"error": "wrong secret token"}, status=403)
            try:
                bot = await self.bot()
            except TelegramError as error:
                log.warning("Bot API not reachable, Telegram will send the update again: %s", error)
                return response.json({"error": "Bot API not reachable"}, status=503)
            update = parse_update(request.body, bot)
            if update is not None:
                await self.answer(update, on_new_message)
            return response.text("")

        return webhook

    async def answer(self, update: Update, on_new_message: OnNewMessage) -> None:
        """Hand what the patron said or clicked to Rasa, then send the turn's messages."""
        chat = update.effective_chat
        if chat is None or chat.type != ChatType.PRIVATE:
            return  # a patron's needs and bookings are not for a group to read
        chat_id = chat.id
        if update.callback_query:
            said = await self.clicked(update.callback_query, str(chat_id))
        elif update.message:
            said = heard(update.message)
        else:
            return  # edited messages and other updates need no answer
        if said.reply:
            await self.deliver(chat_id, [{"text": said.reply}])
            return
        assert said.text is not None  # what the patron said holds a text or a reply
        collector = TurnCollector()
        await take_turn(on_new_message, UserMessage(clean(said.text), collector, str(chat_id), input_channel=CHANNEL))
        await self.deliver(chat_id, collector.messages)

    async def clicked(self, query: CallbackQuery, sender_id: str) -> Heard:
        """The payload of the clicked button. The click is acknowledged and the choice written under the
        question in place of its buttons, so the patron sees what they chose and cannot click twice."""
        title, data = button_of(query)
        payload: Optional[str] = data
        if data.startswith("#"):  # too long for Telegram: found again in the conversation
            payload = await button_payload(sender_id, title, int(data[1:]) if data[1:].isdigit() else -1)
        try:
            await query.answer()
            if isinstance(query.message, Message) and query.message.text:
                await query.edit_message_text(f"{query.message.text_html}\n\n✅ {html.escape(title)}",
                                              parse_mode=ParseMode.HTML)
        except TelegramError as error:
            log.info("click not acknowledged: %s", error)
        return Heard(text=payload) if payload else Heard(reply=EXPIRED_BUTTON)

    async def deliver(self, chat_id: int, messages: list[dict[str, Any]]) -> None:
        """Send the messages of a turn; a message Telegram refuses does not stop the others."""
        bot = await self.bot()
        for outgoing in render_turn(messages):
            try:
                await outgoing.send(bot, chat_id)
            except TelegramError as error:  # the patron blocked the bot, the chat is gone...
                log.warning("message not delivered to a Telegram chat: %s", error)


def parse_update(body: bytes, bot: ExtBot) -> Optional[Update]:
    """The update in a webhook body, or None when it is not one (logged, answered 200 all the same)."""
    try:
        return Update.de_json(json.loads(body), bot)
    except Exception as error:  # noqa: BLE001 (malformed JSON or an object that is not an update)
        log.warning("unreadable Telegram update ignored: %s", error)
        return None


def button_of(query: CallbackQuery) -> tuple[str, str]:
    """Title and callback data of the clicked button."""
    data = query.data or ""
    markup = query.message.reply_markup if isinstance(query.message, Message) else None
    for row in (markup.inline_keyboard if markup else ()):
        for button in row:
            if button.callback_data == data:
                return button.text, data
    return data, data
