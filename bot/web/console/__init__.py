"""The staff console under /console/: one module per section, each adding its routes to the same blueprint
behind the same guard (bot/web/console/guard.py)."""
from __future__ import annotations

from typing import Any

from sanic import Blueprint

from bot.settings import Settings
from bot.web.console import accounts, activity, agenda, content, guard, inbox, sign_in, training

SECTIONS = (sign_in, inbox, content, training, agenda, activity, accounts)


def console_pages(settings: Settings) -> Blueprint:
    console = Blueprint("console", url_prefix="/console")
    staff_guard = guard.Guard(settings)
    for section in SECTIONS:
        section.routes(console, staff_guard, settings)

    @console.listener("after_server_stop")
    async def close(*_: Any) -> None:
        staff_guard.close()

    return console
