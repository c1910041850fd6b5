"""`/metrics` for Prometheus, behind METRICS_TOKEN (a Bearer header; no token set: no /metrics, 404).

One endpoint for the whole instance: the figures every process counted (`bot.metrics`, added up from
PROMETHEUS_MULTIPROC_DIR), and at each scrape what the database holds (appointments, workshop registrations,
trainings by status) and what each Rasa replica and action server of this machine answers (up or not, the model
in service).
"""
from __future__ import annotations

import asyncio
import hmac
import logging
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Iterator, Optional

import httpx
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector
from sanic import Blueprint
from sanic.exceptions import NotFound
from sanic.request import Request
from sanic.response import HTTPResponse, raw, text
from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from bot.booking.models import Booking
from bot.db.engines import EngineSource
from bot.metrics import FOLDER_VARIABLE
from bot.settings import Settings
from bot.staff.models import Training
from bot.workshops.models import Registration

PROBE_SECONDS = 3.0  # a service that does not answer /status or /health within this is counted down
log = logging.getLogger(__name__)


@dataclass
class Service:
    """One process of this machine as the scrape found it."""

    name: str  # as `make run` names it: rasa, actions, rasa-2, actions-2…
    up: bool
    model: Optional[str] = None  # a Rasa replica's model file


@dataclass
class Figures:
    """What the scrape read: rows per (status, channel) or per status, None when the database did not answer."""

    bookings: Optional[list[tuple[str, str, int]]] = None
    registrations: Optional[list[tuple[str, str, int]]] = None
    trainings: Optional[list[tuple[str, int]]] = None
    services: list[Service] = field(default_factory=list)


def read_database(engine: Engine) -> Figures:
    """Appointments and workshop registrations by status and channel, trainings by status; empty Figures when the
    database cannot be read (logged)."""
    try:
        with engine.connect() as connection:
            def by_status_and_channel(table: type[Booking] | type[Registration]) -> list[tuple[str, str, int]]:
                query = select(table.status, table.channel, func.count()).group_by(table.status, table.channel)
                return [(status, channel, count) for status, channel, count in connection.execute(query)]

            trainings = [(status, count) for status, count in
                         connection.execute(select(Training.status, func.count()).group_by(Training.status))]
            return Figures(by_status_and_channel(Booking), by_status_and_channel(Registration), trainings)
    except SQLAlchemyError:
        log.exception("/metrics goes without the database's figures")
        return Figures()


async def probe(settings: Settings) -> list[Service]:
    """Each Rasa replica (`/status`, with the model it serves) and its action server (`/health`); the replicas of
    other hosts (RASA_REPLICA_URLS) named by their address."""
    async with httpx.AsyncClient(timeout=PROBE_SECONDS) as client:
        async def rasa(name: str, url: str) -> Service:
            try:
                response = await client.get(url, params={"token": settings.rasa_api_token})
                response.raise_for_status()
                return Service(name, True, Path(str(response.json().get("model_file") or "")).name or None)
            except (httpx.HTTPError, ValueError, AttributeError):
                return Service(name, False)

        async def actions(name: str, url: str) -> Service:
            try:
                return Service(name, (await client.get(url)).status_code == 200)
            except httpx.HTTPError:
                return Service(name, False)

        checks = []
        for index in range(settings.rasa_replicas):
            replica = settings.replica(index)
            suffix = f"-{index + 1}" if index else ""
            checks.append(rasa(f"rasa{suffix}", settings.url(replica.rasa_port, "/status")))
            health = replica.action_endpoint_url.removesuffix("/webhook") + "/health"
            checks.append(actions(f"actions{suffix}", health))
        checks += [rasa(url, f"{url}/status") for url in settings.rasa_replica_urls]  # replicas of other hosts
        return list(await asyncio.gather(*checks))


def families(figures: Figures) -> Iterator[Metric]:
    """The scrape's gauges."""
    database = GaugeMetricFamily("aiguillage_database_up", "1 when the web server could read the database")
    database.add_metric([], float(figures.bookings is not None))
    yield database
    for name, documentation, rows in (
            ("aiguillage_bookings", "Appointments in the database, by status and channel", figures.bookings),
            ("aiguillage_workshop_registrations", "Workshop registrations in the database, by status and channel",
             figures.registrations)):
        gauge = GaugeMetricFamily(name, documentation, labels=["status", "channel"])
        for status, channel, count in rows or ():
            gauge.add_metric([status, channel], count)
        yield gauge
    trainings = GaugeMetricFamily("aiguillage_trainings", "Trainings started from the console, by status "
                                  "(running, deployed, rejected, unchanged, failed)", labels=["status"])
    for status, count in figures.trainings or ():
        trainings.add_metric([status], count)
    yield trainings
    up = GaugeMetricFamily("aiguillage_service_up", "1 when the service answers its health check", labels=["service"])
    model = GaugeMetricFamily("aiguillage_model_info", "The model each Rasa replica serves (value 1)",
                              labels=["service", "model"])
    for service in figures.services:
        up.add_metric([service.name], float(service.up))
        if service.model:
            model.add_metric([service.name, service.model], 1)
    yield up
    yield model


class Fixed(Collector):
    """Metric families computed beforehand, for one scrape."""

    def __init__(self, metrics: Iterable[Metric]):
        self.metrics = list(metrics)

    def collect(self) -> Iterable[Metric]:
        return self.metrics


def exposition(figures: Figures, folder: Optional[str]) -> bytes:
    """Prometheus' text format: every process's counted figures (from `folder`, when there is one) and the scrape's."""
    registry = CollectorRegistry()
    if folder and Path(folder).is_dir():
        MultiProcessCollector(registry, path=folder)
    registry.register(Fixed(families(figures)))
    return generate_latest(registry)


def authorised(header: str, token: str) -> bool:
    scheme, _, given = header.partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(), token.encode())


def metrics_pages(settings: Settings, engines: EngineSource) -> Blueprint:
    pages = Blueprint("metrics")

    @pages.get("/metrics")
    async def metrics(request: Request) -> HTTPResponse:
        if not settings.metrics_token:
            raise NotFound("metrics are off: set METRICS_TOKEN")
        if not authorised(request.headers.get("authorization", ""), settings.metrics_token):
            return text("Authorization: Bearer <METRICS_TOKEN> needed\n", status=401,
                        headers={"WWW-Authenticate": 'Bearer realm="metrics"', "Cache-Control": "no-store"})
        services = await probe(settings)
        figures = await asyncio.to_thread(read_database, engines(settings.booking_database_url))
        figures.services = services
        body = await asyncio.to_thread(exposition, figures, os.environ.get(FOLDER_VARIABLE))
        return raw(body, content_type=CONTENT_TYPE_LATEST, headers={"Cache-Control": "no-store"})

    return pages
