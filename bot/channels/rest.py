"""Rasa's REST channel, which never leaves a patron without an answer."""
from __future__ import annotations

from typing import Any, Awaitable, Callable

from rasa.core.channels.channel import UserMessage
from rasa.core.channels.rest import RestInput
from sanic import Blueprint

from bot.channels.conversations import forget_conversation, forgets

UNAVAILABLE = ("Désolé, je ne peux pas répondre pour le moment. Réessayez dans quelques minutes. "
               "Vous pouvez aussi demander à l'accueil de la bibliothèque.")


class AlwaysAnsweringRestInput(RestInput):
    """The stock REST channel at /webhooks/rest/webhook (CONTRACT §2), plus a kind apology when
    a turn produced nothing, as happens when the action server or the database is down, and the
    erasure of the conversation the patron asked for."""

    @classmethod
    def name(cls) -> str:
        return "rest"

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        async def answer_always(message: UserMessage) -> None:
            try:
                await on_new_message(message)
            finally:
                if not message.output_channel.messages:
                    await message.output_channel.send_text_message(message.sender_id, UNAVAILABLE)
            if forgets(message.output_channel.messages):
                await forget_conversation(message.sender_id)

        return super().blueprint(answer_always)
