"""The training page (/console/entrainement): start a retraining, follow it, see old against new accuracy per
route and the history of models and who deployed them."""
from __future__ import annotations

import asyncio

from sanic import Blueprint
from sanic.request import Request
from sanic.response import HTTPResponse, json, redirect

from bot.db.engines import EngineSource
from bot.evaluation import ROUTE_LABELS, percent
from bot.settings import Settings
from bot.staff.models import RUNNING
from bot.staff.retraining import STAGES, TrainingBusy, Trainings, replicas
from bot.web.console.guard import Guard, SignedIn
from bot.web.pages import page

BUSY = "Un entraînement est déjà en cours : attendez qu'il finisse."
STAGE_LABELS = {"preparing": "Préparation", "training": "Apprentissage des exemples (1 à 3 minutes)",
                "evaluating": "Vérification sur les messages de test", "deploying": "Mise en service"}


def routes(console: Blueprint, guard: Guard, settings: Settings, engines: EngineSource) -> None:
    trainings = Trainings(settings, engines)

    async def training_page(staff: SignedIn, status: int = 200, notice: str = "") -> HTTPResponse:
        history = trainings.history()
        answering = await asyncio.to_thread(replicas, settings)
        return page("console/training.html", status=status, staff=staff, notice=notice, history=history,
                    replicas=answering,
                    latest=history[0] if history else None, steps=len(STAGES), stage_labels=STAGE_LABELS,
                    route_labels=ROUTE_LABELS, percent=percent, running=RUNNING)

    @console.get("/entrainement")
    @guard.staff_only
    async def training(request: Request, staff: SignedIn) -> HTTPResponse:
        return await training_page(staff)

    @console.post("/entrainement")
    @guard.staff_only
    async def start(request: Request, staff: SignedIn) -> HTTPResponse:
        try:
            trainings.start(staff.account_id)
        except TrainingBusy:
            return await training_page(staff, 409, BUSY)
        return redirect("/console/entrainement", status=303)

    @console.post("/entrainement/<training_id:int>/annuler")
    @guard.staff_only
    async def undo(request: Request, training_id: int, staff: SignedIn) -> HTTPResponse:
        try:
            trainings.undo(training_id, staff.account_id)
        except LookupError:
            return await training_page(staff, 409,
                                 "Cette mise en service ne peut plus être annulée : la page avait changé.")
        except TrainingBusy:
            return await training_page(staff, 409, BUSY)
        return redirect("/console/entrainement", status=303)

    @console.get("/entrainement/etat")
    @guard.staff_only
    async def progress(request: Request, staff: SignedIn) -> HTTPResponse:
        history = trainings.history(limit=1)
        latest = history[0] if history else None
        running = latest if latest and latest.status == RUNNING else None
        return json({"running": running is not None, "step": latest.step if latest else 0, "steps": len(STAGES),
                     "stage": STAGE_LABELS.get(running.stage, "") if running else ""})
