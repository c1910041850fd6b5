"""Slots from weekly availability, in Europe/Paris wall-clock time: pure functions, no database.

A permanence "mardi 14:00-17:00, 45 minutes" gives 14:00, 14:45, 15:30 and 16:15 every Tuesday, whatever the
UTC offset of that day (summer or winter time). Closed days: the closures, and French public holidays for sites
closed on them (opening-hours-py knows them).
"""
from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from functools import lru_cache
from typing import Iterable, Iterator, Mapping, Optional, Protocol, Sequence

from bot.booking.slots import Slot
from bot.hours import PARIS, parse


class Weekly(Protocol):
    """What a permanence needs to give slots (models.Availability has it)."""

    mediator_id: str
    site_id: str
    weekday: int
    start_time: time
    end_time: time
    slot_minutes: int
    valid_from: Optional[date]
    valid_until: Optional[date]


class Closed(Protocol):
    """Closed days, both included (models.Closure has it)."""

    start_date: date
    end_date: date
    site_id: Optional[str]
    mediator_id: Optional[str]


@lru_cache(maxsize=1024)
def is_public_holiday(day: date) -> bool:
    """Whether `day` is a French public holiday (1er mai, lundi de Pâques, 14 juillet…)."""
    return parse("PH").is_open(datetime.combine(day, time(12), tzinfo=PARIS))


def paris_time(day: date, clock: time) -> Optional[datetime]:
    """That wall-clock time in Paris, or None when it does not exist (the hour skipped in March)."""
    moment = datetime.combine(day, clock, tzinfo=PARIS)
    back = moment.astimezone(timezone.utc).astimezone(PARIS)
    return moment if back.replace(tzinfo=None) == moment.replace(tzinfo=None) else None


def day_slots(day: date, permanence: Weekly) -> Iterator[Slot]:
    """The slots of one permanence on one day, ignoring closures; nothing on another weekday."""
    if day.weekday() != permanence.weekday or (permanence.valid_from and day < permanence.valid_from) \
            or (permanence.valid_until and day > permanence.valid_until):
        return
    step = timedelta(minutes=permanence.slot_minutes)
    wall, last = datetime.combine(day, permanence.start_time), datetime.combine(day, permanence.end_time)
    while wall + step <= last:
        start, end = paris_time(day, wall.time()), paris_time(day, (wall + step).time())
        if start and end:
            yield Slot(permanence.site_id, permanence.mediator_id, start, end)
        wall += step


def is_closed(day: date, permanence: Weekly, closures: Iterable[Closed], closed_on_public_holidays: bool) -> bool:
    """Whether the permanence does not take place on `day`."""
    if closed_on_public_holidays and is_public_holiday(day):
        return True
    return any(closure.start_date <= day <= closure.end_date
               and closure.site_id in (None, permanence.site_id)
               and closure.mediator_id in (None, permanence.mediator_id)
               for closure in closures)


def slots_between(start: datetime, end: datetime, permanences: Sequence[Weekly], closures: Sequence[Closed],
                  closed_on_public_holidays: Mapping[str, bool]) -> list[Slot]:
    """Every slot starting in [start, end) on open days, earliest first. `closed_on_public_holidays` by site id."""
    first, last = start.astimezone(PARIS).date(), end.astimezone(PARIS).date()
    slots: list[Slot] = []
    for offset in range((last - first).days + 1):
        day = first + timedelta(days=offset)
        for permanence in permanences:
            if is_closed(day, permanence, closures, closed_on_public_holidays.get(permanence.site_id, True)):
                continue
            slots.extend(slot for slot in day_slots(day, permanence) if start <= slot.start < end)
    return sorted(slots, key=lambda slot: (slot.start, slot.site_id, slot.mediator_id))


def overlaps(slot: Slot, busy: Iterable[tuple[datetime, datetime]]) -> bool:
    """Whether the slot meets one of the busy intervals [start, end)."""
    return any(begin < slot.end and slot.start < finish for begin, finish in busy)
