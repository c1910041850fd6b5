"""Rasa's REST channel, which never leaves a patron without an answer, and the turn every channel takes: the
patron's message to Rasa, then an apology with the library's phone number when the turn failed."""
from __future__ import annotations

import json
import logging
import time
from contextvars import ContextVar
from typing import Any, Awaitable, Callable, Optional

from rasa.core.channels.channel import UserMessage
from rasa.core.channels.rest import RestInput
from rasa.utils.endpoints import bool_arg
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.channels.cleaning import clean
from bot.channels.conversations import forget_conversation, forgets
from bot.knowledge import sites
from bot.knowledge.partners import phone_display
from bot.metrics import count_action_error, count_turn
from bot.privacy.redaction import never_give_warning
from bot.rasa_tuning import turn_started

OnNewMessage = Callable[[UserMessage], Awaitable[Any]]
MAX_TEXT = 2000  # characters of a REST message the assistant reads; the rest is cut, and the patron told so
MAX_SENDER = 255  # characters of a sender id (the tracker store's column)

UNAVAILABLE = ("Désolé, je ne peux pas répondre pour le moment. Réessayez dans quelques minutes. "
               "Vous pouvez aussi appeler la bibliothèque au {phone}.")
CUT = "Votre message est très long. J'ai lu seulement le début. Écrivez votre besoin en quelques phrases."

# Why a request is refused (400): for the developers of a client, in English.
NOT_A_MESSAGE = 'the body must be a JSON object: {"sender": "<id>", "message": "<text>"}'
NO_TEXT = "message: a text, the patron's words or a button's payload"
BAD_SENDER = f"sender: an id of 1 to {MAX_SENDER} printable characters"
NO_STREAM = "stream is not offered: the answer is one JSON list"

log = logging.getLogger(__name__)
failed_actions: ContextVar[Optional[list[str]]] = ContextVar("failed_actions", default=None)


class ActionFailures(logging.Handler):
    """Notes the failed actions of the turn in progress: Rasa 3.6 carries on when a custom action fails (action
    server down, booking database unreachable) and only logs the error. Each one is counted for the metrics."""

    def emit(self, record: logging.LogRecord) -> None:
        if record.exc_info:
            count_action_error(record.getMessage())
        failures = failed_actions.get()
        if failures is not None and record.exc_info:
            failures.append(record.getMessage())


logging.getLogger("rasa.core.processor").addHandler(ActionFailures(logging.ERROR))


def unavailable() -> str:
    """The apology, with the phone number of the library's main site (knowledge_base/sites.yml)."""
    return UNAVAILABLE.format(phone=phone_display(sites().main.phone))


async def take_turn(on_new_message: OnNewMessage, message: UserMessage) -> None:
    """Hand the patron's message to Rasa; a turn that said nothing, or in which an action failed, ends with the
    apology; one in which the patron wrote a card, social security or IBAN number, with a warning. When the turn
    erased the patron's data (`custom.forget`), the conversation is deleted from the tracker store. The turn is
    counted for the metrics (channel, route, latency)."""
    output = message.output_channel
    said_before = len(output.messages)
    failures: list[str] = []
    began = time.monotonic()
    token, started = failed_actions.set(failures), turn_started.set(began)
    try:
        await on_new_message(message)
    except Exception:  # noqa: BLE001 (whatever failed, the patron gets an answer)
        log.exception("turn of a %s conversation failed", message.input_channel)
        failures.append("turn")
    finally:
        failed_actions.reset(token)
        turn_started.reset(started)
    failed = bool(failures) or len(output.messages) == said_before
    if failed:
        await output.send_text_message(message.sender_id, unavailable())
    count_turn(message.input_channel or "unknown", output.messages[said_before:], time.monotonic() - began, failed)
    warning = never_give_warning(message.text)
    if warning:
        await output.send_text_message(message.sender_id, warning)
    if forgets(output.messages):
        await forget_conversation(message.sender_id)


def unusable(request: Request) -> Optional[str]:
    """Why a request to the webhook is not a patron's message (docs/contract.md §2), or None."""
    if bool_arg(request, "stream", default=False):
        return NO_STREAM
    try:
        body = json.loads(request.body)
    except (ValueError, RecursionError):
        return NOT_A_MESSAGE
    if not isinstance(body, dict):
        return NOT_A_MESSAGE
    if not isinstance(body.get("message"), str):
        return NO_TEXT
    sender = body.get("sender")
    if not isinstance(sender, str) or not sender.strip() or len(sender) > MAX_SENDER or not sender.isprintable():
        return BAD_SENDER
    return None


async def refuse_unusable(request: Request) -> Optional[HTTPResponse]:
    """400 with the reason, before Rasa sees a request that is not a patron's message."""
    problem = unusable(request) if request.method == "POST" else None
    return response.json({"error": problem}, status=400) if problem else None


class AlwaysAnsweringRestInput(RestInput):
    """The stock REST channel at /webhooks/rest/webhook (docs/contract.md §2), plus: 400 for a body that is not a
    patron's message; the text cleaned and cut at MAX_TEXT characters, with a notice; the apology when a turn
    fails; the erasure of the conversation the patron asked for. A conversation's channel is always `rest` and
    request metadata is not kept: a client can neither pass for Telegram nor store data of its own."""

    @classmethod
    def name(cls) -> str:
        return "rest"

    def _extract_input_channel(self, req: Request) -> str:
        return self.name()

    def get_metadata(self, request: Request) -> None:
        return None

    def blueprint(self, on_new_message: OnNewMessage) -> Blueprint:
        async def answer(message: UserMessage) -> None:
            text = clean(message.text)
            if len(text) > MAX_TEXT:
                await message.output_channel.send_text_message(message.sender_id, CUT)
            message.text = text[:MAX_TEXT]
            await take_turn(on_new_message, message)

        webhook = super().blueprint(answer)
        webhook.on_request(refuse_unusable)
        return webhook
