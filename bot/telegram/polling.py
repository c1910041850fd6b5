"""Long polling, for libraries without a public HTTPS address: fetch the updates from Telegram and post each one
to the Rasa channel's webhook with the secret, exactly as Telegram would. One code path handles updates in both
modes, and only this one process polls (Telegram refuses two), however many Rasa replicas run.

An update is confirmed to Telegram (the next offset) only once Rasa has answered it: none is lost when Rasa
restarts. Updates of one chat go in order; different chats go at the same time.
"""
from __future__ import annotations

import asyncio
import itertools
import logging
import signal
from collections import defaultdict
from typing import Sequence

import httpx
from telegram import Update
from telegram.error import NetworkError, TelegramError

from bot.settings import Settings
from bot.telegram.client import ALLOWED_UPDATES, MENU, SECRET_HEADER, WEBHOOK_PATH, make_bot

log = logging.getLogger(__name__)
POLL_SECONDS = 30
RETRY_SECONDS = (1, 2, 5, 10, 30)  # waits between tries when Telegram or Rasa cannot be reached


class Misconfigured(RuntimeError):
    """Rasa refuses our updates (wrong secret): trying again cannot help."""


async def forward(rasa: httpx.AsyncClient, url: str, secret: str, update: Update, stop: asyncio.Event) -> None:
    """Post one update to the Rasa webhook, trying again until Rasa answers it."""
    for wait in itertools.chain(RETRY_SECONDS, itertools.repeat(RETRY_SECONDS[-1])):
        try:
            response = await rasa.post(url, json=update.to_dict(), headers={SECRET_HEADER: secret})
        except httpx.HTTPError as error:
            log.warning("Rasa not reachable (%s), update %s tried again in %d s", error, update.update_id, wait)
        else:
            if response.status_code in (401, 403):
                raise Misconfigured(f"Rasa refused the update ({response.status_code}): check TELEGRAM_SECRET")
            if response.status_code < 500:
                return
            log.warning("Rasa answered %d, update %s tried again in %d s", response.status_code, update.update_id, wait)
        if stop.is_set():
            return
        await asyncio.sleep(wait)


async def forward_all(rasa: httpx.AsyncClient, url: str, secret: str, updates: Sequence[Update],
                      stop: asyncio.Event) -> None:
    """Forward a batch: each chat's updates in order, the chats concurrently."""
    by_chat: dict[object, list[Update]] = defaultdict(list)
    for update in updates:
        by_chat[update.effective_chat.id if update.effective_chat else None].append(update)

    async def in_order(chat_updates: list[Update]) -> None:
        for update in chat_updates:
            await forward(rasa, url, secret, update, stop)

    await asyncio.gather(*(in_order(chat_updates) for chat_updates in by_chat.values()))


async def poll(settings: Settings, stop: asyncio.Event) -> None:
    """Relay updates until `stop` is set."""
    url = settings.url(settings.rasa_port, WEBHOOK_PATH)
    async with make_bot(settings) as bot, httpx.AsyncClient(timeout=120) as rasa:
        await bot.delete_webhook()  # Telegram sends no update to getUpdates while a webhook is set
        await bot.set_my_commands(MENU)
        log.info("Telegram long polling as @%s, updates posted to %s", bot.username, url)
        offset, failures = 0, 0
        while not stop.is_set():
            try:
                updates = await bot.get_updates(offset=offset, timeout=POLL_SECONDS, allowed_updates=ALLOWED_UPDATES)
            except NetworkError as error:
                wait = RETRY_SECONDS[min(failures, len(RETRY_SECONDS) - 1)]
                failures += 1
                log.warning("Telegram not reachable (%s), trying again in %d s", error, wait)
                await asyncio.sleep(wait)
                continue
            failures = 0
            if updates:
                await forward_all(rasa, url, settings.telegram_secret, updates, stop)
                offset = updates[-1].update_id + 1


def run_polling(settings: Settings) -> int:
    """`python -m bot telegram-polling`: relay until SIGTERM or Ctrl-C; 1 on a wrong token or secret."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)  # one line per poll otherwise

    async def main() -> None:
        stop = asyncio.Event()
        for signum in (signal.SIGTERM, signal.SIGINT):
            asyncio.get_running_loop().add_signal_handler(signum, stop.set)
        polling, stopping = asyncio.create_task(poll(settings, stop)), asyncio.create_task(stop.wait())
        done, _ = await asyncio.wait({polling, stopping}, return_when=asyncio.FIRST_COMPLETED)
        polling.cancel()
        stopping.cancel()
        if polling in done:
            polling.result()  # raises what stopped the polling

    try:
        asyncio.run(main())
    except (TelegramError, Misconfigured) as error:  # wrong token, wrong secret
        log.error("Telegram polling stopped: %s", error)
        return 1
    return 0
