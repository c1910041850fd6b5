"""A free appointment slot, and how patrons read it: "mardi 3 mars à 14 h 30"."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.hours import MONTHS, PARIS, WEEKDAYS, _clock


@dataclass(frozen=True)
class Slot:
    """One appointment with one mediator at one site; `start` and `end` are aware, in Europe/Paris."""

    site_id: str
    mediator_id: str
    start: datetime
    end: datetime

    def __post_init__(self) -> None:
        if self.start.tzinfo is None or self.end.tzinfo is None:
            raise ValueError("a slot needs aware datetimes")
        object.__setattr__(self, "start", self.start.astimezone(PARIS))
        object.__setattr__(self, "end", self.end.astimezone(PARIS))

    @property
    def label(self) -> str:
        """Plain French: "mardi 3 mars à 14 h 30"."""
        return f"{day_label(self.start)} à {time_label(self.start)}"

    @property
    def key(self) -> str:
        """Text that names the slot, for a button payload: "centrale|camille|2026-03-03T14:30:00+01:00|45"."""
        minutes = int((self.end - self.start).total_seconds() // 60)
        return f"{self.site_id}|{self.mediator_id}|{self.start.isoformat()}|{minutes}"

    @classmethod
    def from_key(cls, key: str) -> "Slot":
        """The slot a `key` names; raises ValueError when it is not one. `book` still checks it is free."""
        site_id, mediator_id, start, minutes = key.split("|")
        begin = datetime.fromisoformat(start)
        return cls(site_id, mediator_id, begin, begin + timedelta(minutes=int(minutes)))

    @classmethod
    def is_key(cls, key: str) -> bool:
        """Whether `key` names a slot (a button's value, not words the patron typed)."""
        try:
            cls.from_key(key)
        except ValueError:
            return False
        return True


def day_label(moment: datetime) -> str:
    """The day in plain French: "mardi 3 mars", "samedi 1er août"."""
    moment = moment.astimezone(PARIS)
    day = "1er" if moment.day == 1 else str(moment.day)
    return f"{WEEKDAYS[moment.weekday()]} {day} {MONTHS[moment.month - 1]}"


def time_label(moment: datetime) -> str:
    """The time in Paris, in plain French: "14 h 30", "9 h"."""
    return _clock(moment.astimezone(PARIS))
