"""The library's web server: demo page (the chat widget comes later), health check."""
from __future__ import annotations

from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape
from sanic import Sanic
from sanic.request import Request
from sanic.response import HTTPResponse, html, json

from bot.settings import Settings

TEMPLATES = Environment(loader=FileSystemLoader(Path(__file__).parent / "templates"),
                        autoescape=select_autoescape())


def create_app(settings: Settings) -> Sanic:
    app = Sanic("aiguillage_web")

    @app.get("/")
    async def home(request: Request) -> HTTPResponse:
        chat_url = settings.url(settings.rasa_port, "/webhooks/rest/webhook")
        return html(TEMPLATES.get_template("index.html").render(chat_url=chat_url))

    @app.get("/health")
    async def health(request: Request) -> HTTPResponse:
        return json({"status": "ok"})

    return app


def serve(settings: Settings) -> None:
    create_app(settings).run(host=settings.bind_host, port=settings.web_port,
                             access_log=False, motd=False, workers=1)
