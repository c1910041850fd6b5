"""The model server Rasa replicas on other hosts pull the model in service from (`python -m bot replica`, Rasa's
`models:` endpoint): GET /model with RASA_API_TOKEN (`?token=`, as Rasa sends it), the model file the local Rasa
replica serves, its name as ETag (304 when the replica has it already) and in the `filename` header Rasa saves it
under. A console deployment or an undo thus reaches every host within MODEL_PULL_SECONDS."""
from __future__ import annotations

import asyncio
import hmac

import httpx
from sanic import Blueprint
from sanic.request import Request
from sanic.response import HTTPResponse, empty, file, text

from bot.settings import Settings
from bot.staff.retraining import RasaRefused, running_model


def model_pages(settings: Settings) -> Blueprint:
    pages = Blueprint("models")

    @pages.get("/model")
    async def model(request: Request) -> HTTPResponse:
        given = request.args.get("token", "") or request.headers.get("authorization", "").removeprefix("Bearer ")
        if not settings.rasa_api_token or not hmac.compare_digest(given, settings.rasa_api_token):
            return text("token", status=401)
        try:
            name = (await asyncio.to_thread(running_model, settings)).rsplit("/", 1)[-1]
        except (httpx.HTTPError, RasaRefused, KeyError):
            return text("the local Rasa replica does not answer: try again later", status=503)
        path = settings.models_dir / name
        if not path.is_file():
            return text(f"{name} is not in MODELS_DIR", status=404)
        etag = f'"{name}"'
        if request.headers.get("if-none-match") == etag:
            return empty(status=304, headers={"ETag": etag})
        return await file(path, headers={"ETag": etag, "filename": name}, mime_type="application/gzip")

    return pages
