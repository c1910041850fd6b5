"""Calendar files of bookings: `/rendez-vous/<code>.ics` for the patron; for staff, with `?token=STAFF_TOKEN`,
`/agenda/<mediator id>.ics` (a feed to subscribe to) and `/agenda/export.csv?from=YYYY-MM-DD&to=YYYY-MM-DD`.
Without STAFF_TOKEN the staff addresses do not exist (404)."""
from __future__ import annotations

import hmac
from datetime import date, datetime, time, timedelta

from sanic import Blueprint
from sanic.exceptions import Forbidden, InvalidUsage, NotFound
from sanic.request import Request
from sanic.response import HTTPResponse, raw

from bot.booking.calendar import booking_ics, mediator_feed
from bot.booking.statuses import CONFIRMED
from bot.booking.store import HORIZON, BookingStore
from bot.hours import PARIS
from bot.settings import Settings

CALENDAR = "text/calendar; charset=utf-8"
PRIVATE = {"Cache-Control": "no-store", "X-Robots-Tag": "noindex"}
FEED_PAST = timedelta(days=7)  # the staff feed starts this long ago
EXPORT_PAST = timedelta(days=30)  # the export starts this long ago unless `from` says
EXPORT_YEARS = range(2000, 2100)  # years of `from` and `to` (dates near year 1 or 9999 would overflow)


def download(body: str, content_type: str, filename: str) -> HTTPResponse:
    return raw(body.encode("utf-8"), content_type=content_type,
               headers={**PRIVATE, "Content-Disposition": f'attachment; filename="{filename}"'})


def _day(request: Request, name: str, default: datetime) -> datetime:
    """The start of the day given as `?name=YYYY-MM-DD`, in Paris; `default` when absent."""
    value = request.args.get(name)
    if not value:
        return default
    try:
        day = date.fromisoformat(value)
        if day.year not in EXPORT_YEARS:
            raise ValueError(f"year {day.year} out of range")
    except ValueError as error:
        raise InvalidUsage(f"{name}: write a date like 2026-03-31, from 2000 to 2099") from error
    return datetime.combine(day, time(), tzinfo=PARIS)


def booking_pages(settings: Settings, store: BookingStore) -> Blueprint:
    bookings = Blueprint("bookings")

    def check_token(request: Request) -> None:
        if not settings.staff_token:
            raise NotFound("staff exports are off: set STAFF_TOKEN")
        if not hmac.compare_digest(request.args.get("token", "").encode(), settings.staff_token.encode()):
            raise Forbidden("wrong token")

    @bookings.get("/rendez-vous/<name>")
    async def patron_calendar(request: Request, name: str) -> HTTPResponse:
        booking = store.find(name[:-4]) if name.endswith(".ics") else None
        if booking is None or booking.status != CONFIRMED:
            raise NotFound("no such appointment")
        return download(booking_ics(booking, store.site_of(booking.site_id)), CALENDAR,
                         f"rendez-vous-{booking.display_code}.ics")

    @bookings.get("/agenda/<name>")
    async def staff_agenda(request: Request, name: str) -> HTTPResponse:
        check_token(request)
        now = datetime.now(PARIS)
        if name == "export.csv":
            start = _day(request, "from", now - EXPORT_PAST)
            end = _day(request, "to", now + HORIZON - timedelta(days=1)) + timedelta(days=1)
            return download(store.export_csv(start, end), "text/csv; charset=utf-8", "rendez-vous.csv")
        mediator = store.mediator(name[:-4]) if name.endswith(".ics") else None
        if mediator is None:
            raise NotFound("no such mediator")
        agenda = store.agenda(mediator.id, now - FEED_PAST, now + HORIZON)
        sites = {site_id: store.site_of(site_id) for site_id in {booking.site_id for booking in agenda}}
        return download(mediator_feed(agenda, sites, f"Rendez-vous de {mediator.first_name}"), CALENDAR,
                         f"agenda-{mediator.id}.ics")

    return bookings
