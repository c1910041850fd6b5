"""The sessions of the workshops file: a series unrolled week after week, minus the days the library, the site or
the mediator is closed (sites.yml's closures, and public holidays for sites closed on them), as for appointments.
Pure functions, no database."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Iterator, Optional

from bot.booking.availability import is_public_holiday
from bot.booking.slots import day_label, time_label
from bot.hours import PARIS
from bot.knowledge.sites import Sites
from bot.knowledge.workshops import Workshop, Workshops


@dataclass(frozen=True)
class Session:
    """One session of a workshop; `start` and `end` aware, in Europe/Paris."""

    workshop: Workshop
    start: datetime
    end: datetime

    @property
    def id(self) -> str:
        """The workshop's id and the day: "tablette-debutants-2026-12-08"."""
        return f"{self.workshop.id}-{self.start.date().isoformat()}"

    @property
    def cancelled(self) -> bool:
        return self.start.date() in self.workshop.cancelled

    @property
    def label(self) -> str:
        """Plain French: "mardi 8 décembre à 14 h"."""
        return f"{day_label(self.start)} à {time_label(self.start)}"


def days_of(workshop: Workshop) -> Iterator[date]:
    """The days of a workshop's sessions, closed or not: one, or every `every_weeks` weeks (endless unless
    `until` or `sessions` ends it)."""
    first = workshop.start.date()
    if workshop.every_weeks is None:
        yield first
        return
    for week in range(workshop.sessions or 10_000):
        day = first + timedelta(weeks=week * workshop.every_weeks)
        if workshop.until and day > workshop.until:
            return
        yield day


def closed(day: date, workshop: Workshop, sites: Sites) -> bool:
    """Whether the workshop's site or mediator is closed on `day`."""
    site = next((site for site in sites.sites if site.id == workshop.site), None)
    if site is None or (site.closed_on_public_holidays and is_public_holiday(day)):
        return True
    return any(closure.start <= day <= (closure.end or closure.start)
               and closure.site in (None, workshop.site) and closure.mediator in (None, workshop.mediator)
               for closure in sites.closures)


def sessions_between(workshops: Workshops, sites: Sites, first: date, last: date,
                     theme: Optional[str] = None) -> list[Session]:
    """The sessions on days from `first` to `last` (included) that are not closed, soonest first; those staff
    cancelled are kept (`cancelled`), for the console."""
    found = []
    for workshop in workshops.workshops:
        if theme and workshop.theme != theme:
            continue
        for day in days_of(workshop):
            if day > last:
                break
            if day >= first and not closed(day, workshop, sites):
                start = datetime.combine(day, workshop.start.time(), tzinfo=PARIS)
                found.append(Session(workshop, start, start + timedelta(minutes=workshop.duration_minutes)))
    return sorted(found, key=lambda session: (session.start, session.workshop.title))
