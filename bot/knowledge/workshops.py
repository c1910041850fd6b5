"""The library's group workshops (ateliers collectifs): `knowledge_base/workshops.yml` (docs/workshops.md).

One entry is one session, or a series (« every Tuesday at 14:00 for 6 weeks ») when it has `every_weeks`. The
sessions themselves, minus closed days, come from `bot.workshops.sessions`.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any, Iterator, List, Optional

from pydantic import BaseModel, ConstrainedInt, Field, root_validator, validator

from bot.contract import THEMES
from bot.knowledge.fields import Text
from bot.knowledge.files import KnowledgeError, line_of, parse_yaml, read_text, validate
from bot.knowledge.partners import Id
from bot.knowledge.sites import Sites

LEVELS = ("debutant", "intermediaire", "avance")


class Minutes(ConstrainedInt):
    """A session's length: from a quarter of an hour to a whole day."""

    ge = 15
    le = 480


class Capacity(ConstrainedInt):
    """Seats of a session."""

    ge = 1
    le = 200


class Workshop(BaseModel, extra="forbid"):
    """A workshop: one session, or a series of sessions every `every_weeks` weeks from `start`."""

    id: Id
    title: Text  # what patrons read: "Prendre en main sa tablette"
    theme: Optional[str] = None  # a tutorial theme (docs/contract.md §3), or none
    level: Optional[str] = None  # debutant, intermediaire, avance; none: open to all
    site: Id
    room: Optional[Text] = None  # "Salle numérique, 1er étage"
    start: datetime  # the first session, Europe/Paris wall-clock time: 2026-12-08 14:00
    duration_minutes: Minutes
    every_weeks: Optional[int] = Field(None, ge=1, le=8)  # a series: a session every this many weeks
    until: Optional[date] = None  # a series' last day (included); none: it goes on
    sessions: Optional[int] = Field(None, ge=1, le=100)  # a series' number of weeks with a session
    capacity: Capacity
    mediator: Id
    description: Text  # two or three short sentences (FALC)
    bring: List[Text] = []  # what to bring: "Votre tablette, chargée"
    accessibility: Optional[Text] = None
    cancelled: List[date] = []  # days of sessions the staff cancelled

    @validator("theme")
    def _theme(cls, theme: Optional[str]) -> Optional[str]:
        if theme is not None and theme not in THEMES:
            raise ValueError(f"« {theme} » n'est pas un thème : écrivez l'un de {', '.join(THEMES)}")
        return theme

    @validator("level")
    def _level(cls, level: Optional[str]) -> Optional[str]:
        if level is not None and level not in LEVELS:
            raise ValueError(f"« {level} » n'est pas un niveau : écrivez {', '.join(LEVELS)}")
        return level

    @validator("start")
    def _wall_clock(cls, start: datetime) -> datetime:
        if start.tzinfo is not None:
            raise ValueError("écrivez l'heure de Paris sans décalage : 2026-12-08 14:00")
        return start

    @root_validator(skip_on_failure=True)
    def _series(cls, values: dict[str, Any]) -> dict[str, Any]:
        if values["every_weeks"] is None and (values["until"] or values["sessions"]):
            raise ValueError("until et sessions vont avec every_weeks (une série)")
        if values["until"] and values["until"] < values["start"].date():
            raise ValueError("until vient avant start")
        return values


class Workshops(BaseModel, extra="forbid"):
    """`knowledge_base/workshops.yml`."""

    workshops: List[Workshop] = []


def _problems(document: Any, loaded: Workshops, sites: Sites) -> Iterator[tuple[int, str]]:
    site_ids = {site.id for site in sites.sites}
    mediator_ids = {mediator.id for mediator in sites.mediators}
    seen: set[str] = set()
    for index, workshop in enumerate(loaded.workshops):
        if workshop.id in seen:
            yield line_of(document, ["workshops", index, "id"]), f"id « {workshop.id} » est écrit deux fois"
        seen.add(workshop.id)
        if workshop.site not in site_ids:
            yield (line_of(document, ["workshops", index, "site"]),
                   f"site « {workshop.site} » n'est pas dans sites.yml")
        if workshop.mediator not in mediator_ids:
            yield (line_of(document, ["workshops", index, "mediator"]),
                   f"mediator « {workshop.mediator} » n'est pas dans sites.yml")
        busy = _busy(workshop, sites)
        if busy:
            yield (line_of(document, ["workshops", index, "start"]),
                   f"{busy} (availability de sites.yml) : choisissez une autre heure ou un autre médiateur")


def _busy(workshop: Workshop, sites: Sites) -> Optional[str]:
    """The permanence of the workshop's mediator its sessions would meet (appointments at that time), if any."""
    start = workshop.start.time()
    end = (workshop.start + timedelta(minutes=workshop.duration_minutes)).time()
    first = workshop.start.date()
    last = workshop.until or (first if workshop.every_weeks is None else date.max)
    for entry in sites.availability:
        if (entry.mediator == workshop.mediator and entry.weekday_index == workshop.start.weekday()
                and entry.start < end and start < entry.end
                and (entry.valid_from or date.min) <= last and first <= (entry.valid_until or date.max)):
            return f"{entry.mediator} reçoit en rendez-vous le {entry.weekday} {entry.hours} à {entry.site}"
    return None


def load_workshops(path: Path, sites: Sites) -> Workshops:
    """The workshops file, its sites and mediators checked against the sites file; no file: no workshops."""
    if not path.exists():
        return Workshops()
    document = parse_yaml(read_text(path), path)
    loaded = validate(document or {}, Workshops, path)
    problems = list(_problems(document, loaded, sites))
    if problems:
        raise KnowledgeError("\n".join(f"{path}:{line}: {message}" for line, message in problems))
    return loaded
