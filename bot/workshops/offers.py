"""Which sessions to offer a patron and how their buttons read: the soonest of the theme, level and days they asked
for (« cette semaine », « mardi », « la semaine prochaine »), else the soonest others, said so. Pure functions."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Callable, Optional, Sequence

from bot.booking.preferences import Preference
from bot.booking.slots import time_label
from bot.hours import PARIS, WEEKDAYS
from bot.workshops.store import Seats

SHOWN = 4  # sessions a turn offers
TITLE_LENGTH = 40  # a button's title is cut beyond this
SHORT_MONTHS = ("janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.", "oct.", "nov.", "déc.")

# How close the offer is to what the patron asked: all of it, the days without the theme, or neither.
EXACT, OTHER_THEME, OTHER_DAYS = "exact", "other_theme", "other_days"

Coming = Callable[..., list[Seats]]  # WorkshopStore.coming


@dataclass(frozen=True)
class Offer:
    """The sessions to show (at most SHOWN), how they fit the request, and whether more follow."""

    sessions: list[Seats]
    fit: str
    more: bool


def short_day(moment: datetime) -> str:
    """« Mar. 8 déc. », « Sam. 1er août »."""
    local = moment.astimezone(PARIS)
    weekday = WEEKDAYS[local.weekday()][:3].capitalize()
    month = SHORT_MONTHS[local.month - 1]
    day = "1er" if local.day == 1 else str(local.day)
    return f"{weekday}. {day} {month}"


def seats_label(seats: Seats) -> str:
    """« 3 places », « 1 place », « complet : liste d'attente »."""
    if seats.left == 0 or seats.waiting:
        return "complet : liste d'attente"
    return f"{seats.left} place" + ("s" if seats.left > 1 else "")


def short_title(title: str) -> str:
    return title if len(title) <= TITLE_LENGTH else title[:TITLE_LENGTH - 1].rstrip() + "…"


def button_label(seats: Seats) -> str:
    """« Mar. 8 déc., 14 h · Prendre en main sa tablette · 3 places »."""
    start = seats.session.start_paris
    return f"{short_day(start)}, {time_label(start)} · {short_title(seats.session.title)} · {seats_label(seats)}"


def days_of(preference: Optional[Preference]) -> tuple[Optional[date], Optional[date]]:
    return (preference.first_day, preference.last_day) if preference else (None, None)


def fitting(coming: Coming, theme: Optional[str], level: Optional[str],
            preference: Optional[Preference]) -> list[Seats]:
    """The sessions of `theme` and `level` on the days of `preference`, soonest first."""
    first, last = days_of(preference)
    found = coming(theme=theme, level=level, first=first, last=last)
    return [seats for seats in found if preference is None or preference.accepts(seats.session.start)]


def offer(coming: Coming, theme: Optional[str] = None, level: Optional[str] = None,
          preference: Optional[Preference] = None, skip: int = 0) -> Offer:
    """What to show: the sessions asked for; none on those days → the soonest of the theme on other days; none of
    the theme → the others on those days; then the soonest of all."""
    attempts = [(EXACT, theme, level, preference)]
    if preference is not None:
        attempts.append((OTHER_DAYS, theme, level, None))
    if theme:
        attempts.append((OTHER_THEME, None, level, preference))
    attempts.append((OTHER_DAYS if preference is not None else OTHER_THEME, None, None, None))
    for fit, wanted_theme, wanted_level, wanted_days in attempts:
        found = fitting(coming, wanted_theme, wanted_level, wanted_days)
        if found:
            shown = found[skip:skip + SHOWN] or found[:SHOWN]
            return Offer(shown, fit, len(found) > skip + SHOWN)
    return Offer([], EXACT, False)


def next_of_theme(sessions: Sequence[Seats]) -> Optional[Seats]:
    """The soonest session one can still join: a seat left or a waiting list (every open session has one)."""
    return sessions[0] if sessions else None
