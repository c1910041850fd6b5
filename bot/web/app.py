"""The library's web server: demo page (the chat widget comes later), tutorial pages, calendar files of bookings,
the privacy notice, health check."""
from __future__ import annotations

from pathlib import Path

from sanic import Sanic
from sanic.exceptions import NotFound
from sanic.request import Request
from sanic.response import HTTPResponse, json

from bot.knowledge import charter, sites
from bot.knowledge.partners import phone_display
from bot.settings import Settings
from bot.web.booking import booking_pages
from bot.web.pages import page
from bot.web.tutorials import tutorial_pages

STATIC = Path(__file__).parent / "static"


def create_app(settings: Settings) -> Sanic:
    app = Sanic("aiguillage_web")
    app.static("/static", STATIC)
    app.blueprint(tutorial_pages(settings.knowledge_dir))
    app.blueprint(booking_pages(settings))

    @app.get("/")
    async def home(request: Request) -> HTTPResponse:
        return page("index.html", chat_url=settings.url(settings.rasa_port, "/webhooks/rest/webhook"))

    @app.get("/confidentialite")
    async def privacy(request: Request) -> HTTPResponse:
        site = next(iter(sites(settings.knowledge_dir / "sites.yml").sites), None)
        return page("privacy.html", never_ask=charter(settings.knowledge_dir / "charter.yml").never_ask,
                    retention_days=settings.booking_retention_days,
                    phone=phone_display(site.phone) if site else None, phone_link=site.phone if site else None)

    @app.get("/health")
    async def health(request: Request) -> HTTPResponse:
        return json({"status": "ok"})

    @app.exception(NotFound)
    async def not_found(request: Request, error: NotFound) -> HTTPResponse:
        return page("not_found.html", status=404)

    return app


def serve(settings: Settings) -> None:
    create_app(settings).run(host=settings.bind_host, port=settings.web_port,
                             access_log=False, motd=False, workers=1)
