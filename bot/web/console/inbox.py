"""The inbox page: messages patrons wrote that the assistant did not understand well (/console/incompris)."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

from sanic import Blueprint
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.booking.database import engine_for
from bot.settings import Settings
from bot.staff.inbox import grouped, unclear_messages
from bot.web.console.guard import Guard, SignedIn
from bot.web.pages import page

INBOX_DAYS = {"1": 1, "7": 7, "30": 30, "90": 90}  # periods the inbox offers (`?jours=`), in days


def routes(console: Blueprint, guard: Guard, settings: Settings) -> None:
    tracker_store = engine_for(settings.tracker_store_url)

    @console.get("/incompris")
    @guard.staff_only
    async def inbox(request: Request, staff: SignedIn) -> HTTPResponse:
        days = INBOX_DAYS.get(request.args.get("jours", ""), INBOX_DAYS["30"])
        since = datetime.now(timezone.utc) - timedelta(days=days)
        return page("console/inbox.html", staff=staff, days=days, choices=INBOX_DAYS,
                    groups=grouped(unclear_messages(tracker_store, since)))

    @console.listener("after_server_stop")
    async def close(*_: Any) -> None:
        tracker_store.dispose()
