"""The library's web server: demo page with the chat widget on every page, the page that gives libraries the
widget's snippet, tutorial pages, calendar files of bookings and workshop registrations, the privacy notice, health
check, the staff console, the metrics for Prometheus."""
from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import Any

from sanic import Sanic
from sanic.exceptions import NotFound
from sanic.request import Request
from sanic.response import HTTPResponse, json
from sqlalchemy.exc import SQLAlchemyError

from bot.booking.slots import day_label, time_label
from bot.booking.store import BookingStore
from bot.db.engines import SharedEngines
from bot.knowledge import KnowledgeError, charter, sites
from bot.knowledge.partners import phone_display
from bot.knowledge.sites import Site
from bot.settings import LOG_FORMAT, Settings
from bot.web.booking import booking_pages
from bot.web.console import console_pages
from bot.web.headers import security_headers
from bot.web.metrics import metrics_pages
from bot.web.models import model_pages
from bot.web.pages import TEMPLATES, page
from bot.web.tutorials import tutorial_pages
from bot.web.workshops import workshop_pages
from bot.workshops.store import Seats, WorkshopStore, refresh

STATIC = Path(__file__).parent / "static"
WIDGET_TITLE = "Aide numérique"
HOME_WORKSHOPS = 5  # coming workshop sessions on the home page
log = logging.getLogger(__name__)


def widget_options(settings: Settings, site: Site) -> dict[str, str]:
    """The data- attributes of the chat widget's script tag (docs/widget.md)."""
    return {"bot-url": settings.public_chat_url, "title": WIDGET_TITLE, "phone": phone_display(site.phone)}


def snippet(script_url: str, options: dict[str, str]) -> str:
    """The script tag a library pastes into its pages."""
    attributes = "".join(f'\n        data-{name}="{value}"' for name, value in options.items())
    return f'<script src="{script_url}"{attributes}\n        defer></script>'


def coming_workshops(store: WorkshopStore, settings: Settings) -> list[Seats]:
    """The soonest sessions open to registration; none when the workshops file or the database cannot be read
    (logged): the home page still shows."""
    try:
        return refresh(store, settings.knowledge_dir).coming()[:HOME_WORKSHOPS]
    except (KnowledgeError, SQLAlchemyError):
        log.exception("the home page goes without its workshops")
        return []


def create_app(settings: Settings) -> Sanic:
    app = Sanic("aiguillage_web")
    app.register_middleware(security_headers(settings.public_chat_url), "response")
    app.static("/static", STATIC)
    app.blueprint(tutorial_pages(settings.knowledge_dir))
    engines = SharedEngines()  # one connection pool per database for all pages
    bookings = BookingStore(settings.booking_database_url, engines=engines)
    app.blueprint(booking_pages(settings, bookings))
    app.blueprint(model_pages(settings))
    workshops = WorkshopStore(settings.booking_database_url, engines=engines)
    app.blueprint(workshop_pages(workshops, bookings))
    app.blueprint(console_pages(settings, engines))
    app.blueprint(metrics_pages(settings, engines))
    site = sites(settings.knowledge_dir / "sites.yml").main
    TEMPLATES.globals["widget"] = widget_options(settings, site)  # the layout embeds it on every page

    @app.get("/")
    async def home(request: Request) -> HTTPResponse:
        coming = await asyncio.to_thread(coming_workshops, workshops, settings)
        site_names = {each.id: each.name for each in sites(settings.knowledge_dir / "sites.yml").sites}
        return page("index.html", site=site, phone=phone_display(site.phone), workshops=coming,
                    site_names=site_names, day_label=day_label, time_label=time_label)

    @app.get("/integrer")
    async def embed(request: Request) -> HTTPResponse:
        return page("embed.html", snippet=snippet(f"{settings.public_web_url}/static/widget.js",
                                                  widget_options(settings, site)))

    @app.get("/confidentialite")
    async def privacy(request: Request) -> HTTPResponse:
        return page("privacy.html", never_ask=charter(settings.knowledge_dir / "charter.yml").never_ask,
                    retention_days=settings.booking_retention_days,
                    conversation_days=settings.conversation_retention_days,
                    library=site.name, phone=phone_display(site.phone), phone_link=site.phone)

    @app.get("/health")
    async def health(request: Request) -> HTTPResponse:
        return json({"status": "ok"})

    @app.after_server_stop
    async def close(*_: Any) -> None:
        engines.dispose()

    @app.exception(NotFound)
    async def not_found(request: Request, error: NotFound) -> HTTPResponse:
        return page("not_found.html", status=404)

    return app


def serve(settings: Settings) -> None:
    logging.basicConfig(level=logging.INFO, format=LOG_FORMAT)  # who saved what in the console
    logging.getLogger("httpx").setLevel(logging.WARNING)  # /metrics' probes: Rasa's URLs with their token
    create_app(settings).run(host=settings.bind_host, port=settings.web_port,
                             access_log=False, motd=False, workers=1)
