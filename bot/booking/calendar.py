"""iCalendar files: one appointment for the patron, a feed of a mediator's appointments for staff.

Times are written in UTC (every calendar shows them in its own time zone); the patron's file holds no
personal data, the staff feed only the first name, the topic and the accessibility needs.
"""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Iterable, Mapping, Optional

from icalendar import Calendar, Event

from bot.booking.models import Booking, Site

PRODUCT = "-//Aiguillage//Rendez-vous numerique//FR"
UID_DOMAIN = "aiguillage"


def _calendar(name: str) -> Calendar:
    calendar = Calendar()
    calendar.add("prodid", PRODUCT)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", name)
    return calendar


def _event(booking: Booking, summary: str, description: str, location: Optional[str]) -> Event:
    event = Event()
    event.add("uid", f"{booking.code}@{UID_DOMAIN}")
    stamp = booking.moved_at or booking.created_at or datetime.now(timezone.utc)
    event.add("dtstamp", stamp.astimezone(timezone.utc))
    event.add("dtstart", booking.start.astimezone(timezone.utc))
    event.add("dtend", booking.end.astimezone(timezone.utc))
    event.add("summary", summary)
    event.add("description", description)
    if location:
        event.add("location", location)
    return event


def booking_ics(booking: Booking, site: Site) -> str:
    """The patron's appointment as an .ics file: when, where, the code and how to cancel."""
    calendar = _calendar("Rendez-vous numérique")
    description = (f"Rendez-vous avec un médiateur numérique.\n"
                   f"Votre code : {booking.display_code}.\n"
                   f"Pour annuler ou changer : écrivez à l'assistant avec ce code, "
                   f"ou appelez le {site.phone_display}.")
    calendar.add_component(_event(booking, f"Rendez-vous numérique – {site.name}", description,
                                  f"{site.name}, {site.full_address}"))
    return calendar.to_ical().decode("utf-8")


def mediator_feed(bookings: Iterable[Booking], sites: Optional[Mapping[str, Site]] = None,
                  name: str = "Rendez-vous numériques") -> str:
    """A feed of appointments for a mediator's calendar (staff only): who, about what, needs."""
    calendar = _calendar(name)
    for booking in bookings:
        site = (sites or {}).get(booking.site_id)
        lines = [f"Code : {booking.display_code}", f"Thème : {booking.topic or 'non précisé'}"]
        if booking.urgent:
            lines.append("Urgent")
        if booking.accessibility:
            lines.append(f"Accessibilité : {booking.accessibility}")
        summary = f"RDV {booking.first_name or 'usager'}" + (f" – {booking.topic}" if booking.topic else "")
        calendar.add_component(_event(booking, summary, "\n".join(lines),
                                      f"{site.name}, {site.full_address}" if site else None))
    return calendar.to_ical().decode("utf-8")
