"""Opening hours in OpenStreetMap syntax, read with opening-hours-py, told in plain French.

Times are those of Europe/Paris and bank holidays are French (`PH off` closes on them).
A comment on an open rule (`Tu 14:00-17:00 "sur rendez-vous"`) means the place opens by appointment only.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from typing import Optional, Union
from zoneinfo import ZoneInfo

from opening_hours import OpeningHours, ParserError, State  # type: ignore[attr-defined]  # missing from its stub

PARIS = ZoneInfo("Europe/Paris")
HORIZON = timedelta(days=366)  # an opening further away counts as none
WEEK_DAYS = 6  # up to this many days ahead, a day is named by its weekday
WEEKDAYS = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")
MONTHS = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre",
          "novembre", "décembre")
UNKNOWN = "Horaires non connus : appelez avant de venir."
COMMENT = re.compile(r'"[^"]*"')


@dataclass(frozen=True)
class Opening:
    """Whether a place is open at one moment, and until or from when.

    When open, `by_appointment` and `comment` are those of the current period and `next_change` is when it
    closes; when closed, they are those of the next opening and `next_change` is when it opens.
    `next_change` is None when that is more than a year away (or never); `known` is False when the hours
    say `unknown` for that moment.
    """

    open: bool
    by_appointment: bool
    comment: str
    next_change: Optional[datetime]
    known: bool = True


def problem(horaires: str) -> Optional[str]:
    """Why `horaires` cannot be used, or None when it can."""
    if "||" in COMMENT.sub("", horaires):
        return ("« || » ne peut pas être utilisé (la prochaine ouverture serait fausse) : écrivez plutôt un "
                'commentaire sur la règle, comme Tu 14:00-17:00 "sur rendez-vous"')
    try:
        parse(horaires)
    except ParserError:
        return ("écrivez les horaires comme OpenStreetMap, par exemple « Mo-Fr 09:00-12:00; Sa 09:00-12:00 » "
                "(voir docs/partners.md)")
    return None


@lru_cache(maxsize=256)
def parse(horaires: str) -> OpeningHours:
    """The parsed hours of a place in France; raises ParserError."""
    return OpeningHours(horaires, timezone=PARIS, country="FR")


def paris_now() -> datetime:
    """The current time in Europe/Paris."""
    return datetime.now(PARIS)


def opening(horaires: str, now: datetime) -> Opening:
    """Whether a place with these hours is open at `now` (an aware datetime), and until or from when."""
    if now.tzinfo is None:
        raise ValueError("opening() needs an aware datetime, e.g. paris_now()")
    now = now.astimezone(PARIS)  # opening-hours-py only takes ZoneInfo time zones
    horizon = now + HORIZON
    intervals = parse(horaires).intervals(now, horizon)
    _, end, state, comment = next(intervals)
    if state == State.OPEN:
        return Opening(True, bool(comment), comment, end if end < horizon else None)
    known = state != State.UNKNOWN
    for start, _, state, comment in intervals:
        if state == State.OPEN:
            return Opening(False, bool(comment), comment, start, known)
    return Opening(False, False, "", None, known)


def describe(opening: Opening, now: datetime) -> str:
    """Short plain French: "Ouvert maintenant, jusqu'à 12 h." or "Fermé maintenant. Ouvre demain à 9 h."."""
    appointment = ", sur rendez-vous" if opening.by_appointment else ""
    if opening.open:
        until = f", jusqu'à {said_moment(opening.next_change, now, today='')}" if opening.next_change else ""
        return f"Ouvert maintenant{appointment}{until}."
    if not opening.known or opening.next_change is None:
        return UNKNOWN
    return f"Fermé maintenant. Ouvre {said_moment(opening.next_change, now)}{appointment}."


def day_hours(horaires: str, day: date) -> list[tuple[time, time]]:
    """The open periods of `day` (Paris wall-clock times), in order; empty when closed or unknown."""
    start = datetime.combine(day, time(0), PARIS)
    end = datetime.combine(day + timedelta(days=1), time(0), PARIS)
    return [(begin.astimezone(PARIS).time(), min(until, end).astimezone(PARIS).time())
            for begin, until, state, _ in parse(horaires).intervals(start, end) if state == State.OPEN]


def said_hours(periods: list[tuple[time, time]]) -> str:
    """Periods in plain French: "de 10 h à 12 h et de 14 h à 18 h"."""
    return " et ".join(f"de {_clock(begin)} à {_clock(end) if end != time(0) else 'minuit'}" for begin, end in periods)


def week(horaires: str, today: date) -> str:
    """The next seven days' hours, days with the same hours together: "mardi et jeudi de 13 h à 18 h, samedi de
    10 h à 18 h"; empty when closed all week."""
    days: dict[str, list[str]] = {}
    for offset in range(7):
        day = today + timedelta(days=offset)
        periods = day_hours(horaires, day)
        if periods:
            days.setdefault(said_hours(periods), []).append(WEEKDAYS[day.weekday()])
    return ", ".join(f"{_listed(names)} {hours}" for hours, names in days.items())


def _listed(names: list[str]) -> str:
    """"mardi", "mardi et jeudi", "mardi, jeudi et vendredi"."""
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} et {names[-1]}"


def said_moment(moment: datetime, now: datetime, today: str = "aujourd'hui à ") -> str:
    """`moment` seen from `now`: "aujourd'hui à 13 h 30", "demain à 9 h", "lundi à 8 h 30",
    "le 12 janvier à 9 h"."""
    moment = moment.astimezone(PARIS)
    days = (moment.date() - now.astimezone(PARIS).date()).days
    if days == 0:
        day = today
    elif days == 1:
        day = "demain à "
    elif days <= WEEK_DAYS:
        day = f"{WEEKDAYS[moment.weekday()]} à "
    else:
        day = f"le {'1er' if moment.day == 1 else moment.day} {MONTHS[moment.month - 1]} à "
    return day + _clock(moment)


def _clock(moment: Union[datetime, time]) -> str:
    """French clock time: "9 h", "13 h 30"."""
    return f"{moment.hour} h" + (f" {moment.minute:02d}" if moment.minute else "")
