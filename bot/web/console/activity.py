"""The console's home page (this week in figures), recent conversations (/console/conversations) and the activity
dashboard with its CSV report (/console/activite)."""
from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Optional, Sequence

from markupsafe import Markup
from sanic import Blueprint
from sanic.request import Request
from sanic.response import HTTPResponse
from sqlalchemy.exc import SQLAlchemyError

from bot.booking.exports import spreadsheet_csv
from bot.booking.statuses import CANCELLED, STATUS_LABELS, statuses_label
from bot.contract import ROUTES
from bot.db.engines import EngineSource
from bot.knowledge import Topics, topics
from bot.labels import ROUTE_LABELS
from bot.settings import Settings
from bot.staff.activity import (
    NEEDS,
    PERIODS,
    WORKSHOP_FIGURES,
    Activity,
    activity,
    appointments,
    conversation,
    conversations,
    last_weeks,
    partner_kinds,
    period,
    report_rows,
)
from bot.staff.inbox.decisions import Decisions
from bot.staff.inbox.messages import unclear_messages, undecided
from bot.web.booking import download
from bot.web.charts import Row, small_multiples
from bot.web.console.guard import Guard, SignedIn, whole_number
from bot.web.console.inbox import INBOX_DAYS
from bot.web.pages import page

log = logging.getLogger(__name__)
PAGE_SIZE = 50  # conversations per page
HOME_DAYS = 7  # the home page's conversations and messages not understood: the inbox's and list's `?jours=7`


@dataclass(frozen=True)
class Figure:
    """A section of the dashboard: its title, its chart, and the same figures as a table (a row per week)."""

    title: str
    chart: Markup
    columns: list[str]
    rows: list[tuple[str, list[str]]]  # (week, cells), then the total


def figure(title: str, series: Sequence[Row], weeks: Sequence[str]) -> Figure:
    """The chart of `series` over `weeks` (their Mondays, written out), and its table."""
    chart = small_multiples(series, [f"semaine du {week}" for week in weeks],
                            f"{title}. Les chiffres sont dans le tableau qui suit.")
    rows = [(week, [f"{row.values[index]:g}{row.unit}" for row in series]) for index, week in enumerate(weeks)]
    return Figure(title, chart, [row.label for row in series], rows + [("Total", [row.total for row in series])])


def rounded_percent(share: float) -> int:
    """A share (0.0 to 1.0) in whole percent."""
    return round(share * 100)


def figures(counted: Activity, labels: Topics) -> list[Figure]:
    """The dashboard's sections: needs, referrals, appointments, messages not understood; per week."""
    weeks, total = counted.weeks, counted.total
    names = [f"{week.monday:%d/%m/%Y}" for week in weeks]
    kinds = partner_kinds(counted)
    sections = [
        ("Besoins des usagers, par semaine", [
            Row(ROUTE_LABELS[route], [week.routes[route] for week in weeks], str(total.routes[route]))
            for route in NEEDS]),
        ("Orientations vers un partenaire, par semaine", [
            Row(labels.named(kind), [week.partners[kind] for week in weeks], str(total.partners[kind]))
            for kind in kinds]),
        ("Rendez-vous, par semaine du rendez-vous", [
            Row(statuses_label(status), [week.bookings[status] for week in weeks], str(total.bookings[status]))
            for status in STATUS_LABELS]),
        ("Messages écrits par les usagers : part non comprise et part où l'assistant a demandé de préciser", [
            Row("non compris", [rounded_percent(week.fallback_share) for week in weeks],
                f"{rounded_percent(total.fallback_share)} %", " %"),
            Row("précision demandée", [rounded_percent(week.clarify_share) for week in weeks],
                f"{rounded_percent(total.clarify_share)} %", " %")]),
        ("Ateliers, par semaine de la séance", [
            Row(label, [week.workshops[name] for week in weeks], str(total.workshops[name]))
            for name, label in WORKSHOP_FIGURES.items()] if any(total.workshops.values()) else []),
    ]
    return [figure(title, series, names) for title, series in sections if series]


@dataclass(frozen=True)
class Home:
    """The home page's figures: conversations and messages not understood of the last HOME_DAYS days (None when
    the tracker store cannot be read), appointments of this week."""

    conversations: Optional[int]
    unclear: Optional[int]
    appointments: int


def routes(console: Blueprint, guard: Guard, settings: Settings, engines: EngineSource) -> None:
    tracker_store = engines(settings.tracker_store_url)
    bookings = engines(settings.booking_database_url)
    decisions = Decisions(settings.booking_database_url, engines)

    def labels() -> Topics:  # the file as it is now: staff may have edited it in the console
        return topics(settings.knowledge_dir / "topics.yml")

    def home_figures(now: datetime) -> Home:
        """The home page's figures as of `now`; the patrons' ones left out when the tracker store is down."""
        booked = sum(status != CANCELLED for _, status in appointments(bookings, last_weeks(1, now), now))
        since = now - timedelta(days=HOME_DAYS)
        try:
            talked = len(conversations(tracker_store, since))
            unclear = len(undecided(unclear_messages(tracker_store, since), decisions.keys()))
        except SQLAlchemyError as error:
            log.warning("the tracker store cannot be read (%s): the console's home page goes without conversations",
                        type(error).__name__)
            return Home(None, None, booked)
        return Home(talked, unclear, booked)

    @console.get("/")
    @guard.staff_only
    async def home(request: Request, staff: SignedIn) -> HTTPResponse:
        figures_now = await asyncio.to_thread(home_figures, datetime.now(timezone.utc))
        return page("console/home.html", staff=staff, home=figures_now, days=HOME_DAYS)

    @console.get("/conversations")
    @guard.staff_only
    async def recent(request: Request, staff: SignedIn) -> HTTPResponse:
        days = INBOX_DAYS.get(request.args.get("jours", ""), INBOX_DAYS["7"])
        route = request.args.get("besoin") if request.args.get("besoin") in ROUTES else ""
        found = await asyncio.to_thread(conversations, tracker_store, datetime.now(timezone.utc) - timedelta(days=days),
                                        route or None)
        pages = max(1, -(-len(found) // PAGE_SIZE))
        number = min(max(whole_number(request.args.get("page", "")) or 1, 1), pages)
        return page("console/conversations.html", staff=staff, days=days, choices=INBOX_DAYS, route=route,
                    routes=ROUTE_LABELS, count=len(found), page_number=number, pages=pages,
                    conversations=found[(number - 1) * PAGE_SIZE:number * PAGE_SIZE])

    @console.get("/conversations/<number>")  # any text: the guard answers first, then 404 for a wrong number
    @guard.staff_only
    async def one(request: Request, staff: SignedIn, number: str) -> HTTPResponse:
        found = whole_number(number)
        lines = None if found is None else await asyncio.to_thread(conversation, tracker_store, found, labels())
        if lines is None:
            return page("console/not_found.html", status=404, staff=staff)
        return page("console/conversation.html", staff=staff, number=number, lines=lines)

    async def asked_period(request: Request) -> tuple[str, Activity]:
        """The key of the period asked (`?periode=`, 4 weeks unless told) and its figures, read in a thread."""
        key = request.args.get("periode", "") if request.args.get("periode") in PERIODS else "4"
        now = datetime.now(timezone.utc)
        return key, await asyncio.to_thread(activity, tracker_store, bookings, period(key, now), now)

    @console.get("/activite")
    @guard.staff_only
    async def dashboard(request: Request, staff: SignedIn) -> HTTPResponse:
        key, counted = await asked_period(request)
        forgotten = datetime.now(timezone.utc) - timedelta(days=settings.conversation_retention_days)
        named = labels()
        return page("console/activity.html", staff=staff, key=key, periods=PERIODS, activity=counted,
                    figures=figures(counted, named), labels=named,
                    statuses=STATUS_LABELS, statuses_label=statuses_label,
                    retention_days=settings.conversation_retention_days if counted.period.start < forgotten else 0)

    @console.get("/activite.csv")
    @guard.staff_only
    async def report(request: Request, staff: SignedIn) -> HTTPResponse:
        _, counted = await asked_period(request)
        return download(spreadsheet_csv(report_rows(counted, labels())), "text/csv; charset=utf-8",
                        f"activite-{counted.period.start:%Y-%m-%d}-au-{counted.period.last_day:%Y-%m-%d}.csv")
