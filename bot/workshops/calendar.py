"""The .ics file of a workshop session for a registered (or waiting) patron: when, where, the code and how to
cancel; no personal data (neither name nor contact). Times in UTC, as for appointments (bot/booking/calendar.py)."""
from __future__ import annotations

from datetime import datetime, timezone

from icalendar import Calendar, Event

from bot.booking.models import Site
from bot.workshops.models import WAITLISTED
from bot.workshops.store import Place

PRODUCT = "-//Aiguillage//Ateliers numeriques//FR"
UID_DOMAIN = "aiguillage"


def session_ics(place: Place, site: Site) -> str:
    """The session of a registration as an .ics file."""
    session, registration = place.session, place.registration
    calendar = Calendar()
    calendar.add("prodid", PRODUCT)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", "Atelier numérique")
    lines = [f"Atelier numérique : {session.title}.", f"Votre code : {registration.display_code}."]
    if registration.status == WAITLISTED:
        lines.append("Vous êtes sur la liste d'attente : venez seulement si une place vous est donnée.")
    lines.append(f"Pour annuler : écrivez « annuler mon inscription » à l'assistant avec ce code, "
                 f"ou appelez le {site.phone_display}.")
    event = Event()
    event.add("uid", f"atelier-{registration.code}@{UID_DOMAIN}")
    event.add("dtstamp", (registration.created_at or datetime.now(timezone.utc)).astimezone(timezone.utc))
    event.add("dtstart", session.start.astimezone(timezone.utc))
    event.add("dtend", session.end.astimezone(timezone.utc))
    event.add("summary", f"Atelier « {session.title} » – {site.name}")
    event.add("description", "\n".join(lines))
    event.add("location", f"{site.name}, {site.full_address}" + (f" ({session.room})" if session.room else ""))
    calendar.add_component(event)
    return calendar.to_ical().decode("utf-8")
