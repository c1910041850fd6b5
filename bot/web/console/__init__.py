"""The staff console under /console/: one module per section, each adding its routes to the same blueprint
behind the same guard (bot/web/console/guard.py)."""
from __future__ import annotations

from sanic import Blueprint

from bot.db.engines import EngineSource
from bot.settings import Settings
from bot.web.console import accounts, activity, agenda, content, guard, inbox, sign_in, training, workshops

SECTIONS = (sign_in, inbox, content, training, agenda, workshops, activity, accounts)


def console_pages(settings: Settings, engines: EngineSource) -> Blueprint:
    """The console's blueprint; its pages take their database engines from `engines` (the web server's)."""
    console = Blueprint("console", url_prefix="/console")
    staff_guard = guard.Guard(settings, engines)
    for section in SECTIONS:
        section.routes(console, staff_guard, settings, engines)
    return console
