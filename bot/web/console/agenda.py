"""The mediators' agenda (/console/agenda): a week's bookings by day, for one mediator or all, one site or all;
marking what became of an appointment, and cancelling one with a message to the patron."""
from __future__ import annotations

import asyncio
from datetime import date, timedelta
from functools import wraps
from typing import Any, Optional
from urllib.parse import urlencode

from sanic import Blueprint
from sanic.exceptions import NotFound
from sanic.request import Request
from sanic.response import HTTPResponse, redirect

from bot.booking.models import Booking
from bot.booking.reminders import Mailer
from bot.booking.slots import day_label, time_label
from bot.booking.statuses import CANCELLED, CONFIRMED, DONE, NO_SHOW, STATUS_LABELS
from bot.booking.store import BookingNotFound, BookingStore
from bot.db.engines import EngineSource
from bot.hours import PARIS
from bot.knowledge import charter, topics
from bot.settings import Settings
from bot.staff.agenda import (
    WORDS_LENGTH,
    Agenda,
    Refused,
    Told,
    cancellation_text,
    iso_week,
    monday_named,
    topic_label,
    week_bounds,
)
from bot.telegram.client import telegram_notify
from bot.web.console.guard import Guard, Handler, SignedIn, one_row, whole_number
from bot.web.pages import page

ALL = "tous"  # the filters' value for every mediator or every site
FILTERS = ("semaine", "mediateur", "lieu")  # the agenda's query, kept after an action
OUTCOMES = (DONE, NO_SHOW, CONFIRMED)  # what staff may record after an appointment's start
WEEK = timedelta(days=7)
LABELS = {"day_label": day_label, "time_label": time_label, "status_label": STATUS_LABELS}


def routes(console: Blueprint, guard: Guard, settings: Settings, engines: EngineSource) -> None:
    store = BookingStore(settings.booking_database_url, engines=engines)

    def topic(name: Optional[str]) -> str:  # the knowledge files as they are now: staff may have edited them
        return topic_label(name, charter(settings.knowledge_dir / "charter.yml"),
                           topics(settings.knowledge_dir / "topics.yml"))

    agenda = Agenda(store, topic, Mailer.from_url(settings.smtp_url, settings.smtp_from), telegram_notify(settings))

    def agenda_page(request: Request, staff: SignedIn, status: int = 200, **context: Any) -> HTTPResponse:
        """The week the query asks for (`semaine`, `mediateur`, `lieu`), with `context` (what was just done)."""
        today, week = store.clock().astimezone(PARIS).date(), request.args.get("semaine", "")
        try:
            monday = monday_named(week, today)
        except ValueError:
            monday, context["error"] = monday_named("", today), "Cette semaine n'existe pas. Voici la semaine en cours."
        mediators, sites = store.mediators(), store.sites()
        mediator_ids, site_ids = {each.id for each in mediators}, {each.id for each in sites}
        mediator = request.args.get("mediateur", staff.mediator_id if staff.mediator_id in mediator_ids else ALL)
        site = request.args.get("lieu", ALL)
        if mediator not in {ALL, *mediator_ids} or site not in {ALL, *site_ids}:
            raise NotFound("no such mediator or site")

        def query(day: date) -> str:
            return urlencode({"semaine": iso_week(day), "mediateur": mediator, "lieu": site})

        weeks = {"previous": query(monday - WEEK), "this": query(today), "next": query(monday + WEEK)}
        context.update(_done(request, store))
        return page("console/agenda.html", status=status, staff=staff, monday=monday,
                    week_start=week_bounds(monday)[0], mediators=mediators, sites=sites, mediator=mediator,
                    site=site, here=query(monday), weeks=weeks, now=store.clock(),
                    days=agenda.week(monday, _chosen(mediator), _chosen(site)), **LABELS, **context)

    def acting(handler: Handler) -> Handler:
        """An action on one booking: an unknown booking is a 404 page; a refused action shows the agenda with
        the reason."""
        @one_row(BookingNotFound)
        @wraps(handler)
        async def act(request: Request, staff: SignedIn, booking_id: int) -> HTTPResponse:
            try:
                return await handler(request, staff, booking_id)
            except Refused as refused:
                return agenda_page(request, staff, 409, error=str(refused))
        return act

    def cancel_page(request: Request, staff: SignedIn, booking_id: int, status: int = 200,
                    error: str = "") -> HTTPResponse:
        booking = agenda.cancellable(booking_id)
        site = store.site_of(booking.site_id)
        return page("console/agenda_cancel.html", status=status, staff=staff, booking=booking, site=site,
                    error=error, words=request.form.get("mots", ""), longest=WORDS_LENGTH,
                    message=cancellation_text(booking, site, ""), query=request.query_string, **LABELS)

    @console.get("/agenda")
    @guard.staff_only
    async def week(request: Request, staff: SignedIn) -> HTTPResponse:
        return agenda_page(request, staff)

    @console.post("/agenda/<booking_id>/statut")
    @guard.staff_only
    @acting
    async def outcome(request: Request, staff: SignedIn, booking_id: int) -> HTTPResponse:
        status = request.form.get("statut")
        if status not in OUTCOMES:
            return agenda_page(request, staff, 400, error="Choisissez « venu », « pas venu » ou « confirmé ».")
        return _back_to_agenda(request, agenda.record_outcome(booking_id, status, staff.account_id), "note")

    @console.get("/agenda/<booking_id>/annuler")
    @guard.staff_only
    @acting
    async def cancel_form(request: Request, staff: SignedIn, booking_id: int) -> HTTPResponse:
        return cancel_page(request, staff, booking_id)

    @console.post("/agenda/<booking_id>/annuler")
    @guard.staff_only
    @acting
    async def cancel(request: Request, staff: SignedIn, booking_id: int) -> HTTPResponse:
        words = request.form.get("mots", "").replace("\r\n", "\n")  # a line break counts one, as in the browser
        if len(words.strip()) > WORDS_LENGTH:
            return cancel_page(request, staff, booking_id, 400,
                               f"Votre message est trop long : {WORDS_LENGTH} caractères au plus.")
        # Sending may wait for the mail server and Telegram: in a thread, the server answers others meanwhile.
        booking, _ = await asyncio.to_thread(agenda.cancel, booking_id, staff.account_id, words)
        return _back_to_agenda(request, booking, "annule")


def _chosen(value: str) -> Optional[str]:
    return None if value == ALL else value


def _back_to_agenda(request: Request, booking: Booking, done: str) -> HTTPResponse:
    """303 to the agenda the action was asked from (the booking's week unless told), naming the booking just
    handled (`done`: "note" for an outcome, "annule" for a cancellation), so that a reload shows the result and
    posts nothing again."""
    kept = {"semaine": booking.start.astimezone(PARIS).date().isoformat()}
    kept.update((name, request.args.get(name)) for name in FILTERS if request.args.get(name))
    return redirect(f"/console/agenda?{urlencode({**kept, done: booking.id})}", status=303)


def _done(request: Request, store: BookingStore) -> dict[str, Any]:
    """What the agenda says was just done, from the booking the address names and what is stored of it: its
    outcome noted (`note`), or its cancellation and how the patron was told (`annule`); nothing otherwise."""
    noted, cancelled = (_named(request, name, store) for name in ("note", "annule"))
    if noted and noted.handled_by and noted.status in OUTCOMES:
        return {"recorded": noted}
    if cancelled and cancelled.status == CANCELLED and cancelled.cancelled_via:
        return {"cancelled": cancelled, "told": Told.of(cancelled)}
    return {}


def _named(request: Request, name: str, store: BookingStore) -> Optional[Booking]:
    number = whole_number(request.args.get(name, ""))
    return None if number is None else store.booking(number)
