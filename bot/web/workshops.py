"""The calendar file of a workshop registration: `/ateliers/<code>.ics` (the session, no personal data), for a
patron registered or on the waiting list."""
from __future__ import annotations

from sanic import Blueprint
from sanic.exceptions import NotFound
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.booking.store import BookingStore
from bot.web.booking import CALENDAR, download
from bot.workshops.calendar import session_ics
from bot.workshops.models import CANCELLED
from bot.workshops.store import WorkshopStore


def workshop_pages(workshops: WorkshopStore, bookings: BookingStore) -> Blueprint:
    pages = Blueprint("workshops")

    @pages.get("/ateliers/<name>")
    async def patron_calendar(request: Request, name: str) -> HTTPResponse:
        place = workshops.place(name[:-4]) if name.endswith(".ics") else None
        if place is None or place.registration.status == CANCELLED:
            raise NotFound("no such registration")
        return download(session_ics(place, bookings.site_of(place.session.site_id)), CALENDAR,
                        f"atelier-{place.registration.display_code}.ics")

    return pages
