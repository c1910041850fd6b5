"""The library's own sites, what they offer, its mediators, their weekly permanences and the closures:
`knowledge_base/sites.yml` (docs/booking.md). The booking database loads it at start; the assistant answers
patrons' questions about the library from it.
"""
from __future__ import annotations

import re
from datetime import date, time
from pathlib import Path
from typing import Any, Iterator, List, Optional

from pydantic import BaseModel, ConstrainedInt, ConstrainedStr, Field, root_validator, validator

from bot.hours import WEEKDAYS
from bot.hours import problem as hours_problem
from bot.knowledge.fields import Text
from bot.knowledge.files import KnowledgeError, line_of, parse_yaml, read_text, validate
from bot.knowledge.partners import Id, PostalCode, _quoted, phone_display
from bot.knowledge.partners import phone as french_phone

HOURS = re.compile(r"^(\d{1,2}):(\d{2}) ?- ?(\d{1,2}):(\d{2})$")


def _clock(hours: str, minutes: str) -> time:
    if int(hours) > 23 or int(minutes) > 59:
        raise ValueError(f"{hours}:{minutes} n'est pas une heure")
    return time(int(hours), int(minutes))


class Service(BaseModel, extra="forbid"):
    """Something a site offers patrons (printing, Wi-Fi…), and the words patrons use for it."""

    id: Id
    label: Text  # what patrons read: "Impression et photocopie"
    details: Optional[Text] = None  # one short sentence: price, how to
    words: List[Text] = Field(min_items=1)  # beginnings of words: "imprim" finds « imprimer »


class SiteContact:
    """How patrons read a site's address and phone, for the file's sites and the booking database's alike."""

    address: str
    postal_code: str
    commune: str
    phone: str  # +33XXXXXXXXX

    @property
    def full_address(self) -> str:
        """One line: "2 place Anatole-France, 37000 Tours"."""
        return f"{self.address}, {self.postal_code} {self.commune}"

    @property
    def phone_display(self) -> str:
        """"+33261910200" -> "02 61 91 02 00"."""
        return phone_display(self.phone)


class Site(SiteContact, BaseModel, extra="forbid"):
    """A place of the library: where it is, when it opens, what it offers; mediators receive patrons there."""

    id: Id
    name: Text
    address: Text  # street and number: "2 place Anatole-France"
    postal_code: PostalCode
    commune: Text
    phone: str  # normalised to +33XXXXXXXXX
    opening_hours: Optional[Text] = None  # OpenStreetMap syntax: "Tu-Fr 13:00-18:00; PH off"
    how_to_come: Optional[Text] = None  # one short sentence: tram, bus, parking
    accessibility: Optional[Text] = None  # plain French: "Plain-pied, boucle magnétique"
    services: List[Id] = []  # ids of the file's `services`
    aliases: List[Text] = []  # other names patrons use: "la grande médiathèque"
    closed_on_public_holidays: bool = True  # French public holidays, from opening-hours-py

    _text = validator("phone", "postal_code", pre=True, allow_reuse=True)(_quoted)
    _phone = validator("phone", allow_reuse=True)(french_phone)  # `phone` is the field here

    @validator("opening_hours")
    def _hours(cls, hours: Optional[str]) -> Optional[str]:
        problem = hours_problem(hours) if hours else None
        if problem:
            raise ValueError(problem)
        return hours



class Mediator(BaseModel, extra="forbid"):
    """A mediator; patrons only ever see the first name."""

    id: Id
    first_name: Text


class Weekday(ConstrainedStr):
    """A day's French name, in lower case: "mardi"."""

    strip_whitespace = True
    to_lower = True


class SlotMinutes(ConstrainedInt):
    """The length of an appointment, from ten minutes to four hours."""

    ge = 10
    le = 240


class Availability(BaseModel, extra="forbid"):
    """A weekly permanence: one mediator at one site, cut into slots of `slot_minutes`."""

    mediator: Id
    site: Id
    weekday: Weekday  # French name: "mardi"
    hours: str  # "14:00-17:00", Europe/Paris wall-clock time
    slot_minutes: SlotMinutes
    valid_from: Optional[date] = None  # first day of the permanence, if it starts later
    valid_until: Optional[date] = None  # last day, if it ends

    @validator("weekday")
    def _weekday(cls, weekday: str) -> str:
        if weekday not in WEEKDAYS:
            raise ValueError(f"« {weekday} » n'est pas un jour : écrivez {', '.join(WEEKDAYS)}")
        return weekday

    @validator("hours")
    def _hours(cls, hours: str) -> str:
        match = HOURS.match(hours.strip())
        if not match:
            raise ValueError(f'« {hours} » : écrivez les heures comme "14:00-17:00"')
        start, end = _clock(*match.group(1, 2)), _clock(*match.group(3, 4))
        if start >= end:
            raise ValueError(f"« {hours} » : la fin doit venir après le début")
        return f"{start:%H:%M}-{end:%H:%M}"

    @root_validator(skip_on_failure=True)
    def _fits(cls, values: dict[str, Any]) -> dict[str, Any]:
        start, end = (time.fromisoformat(part) for part in values["hours"].split("-"))
        if (end.hour * 60 + end.minute) - (start.hour * 60 + start.minute) < values["slot_minutes"]:
            raise ValueError(f"les heures {values['hours']} durent moins qu'un rendez-vous de {values['slot_minutes']} "
                             "minutes")
        if values["valid_from"] and values["valid_until"] and values["valid_from"] > values["valid_until"]:
            raise ValueError("valid_until vient avant valid_from")
        return values

    @property
    def weekday_index(self) -> int:
        """0 for Monday."""
        return WEEKDAYS.index(self.weekday)

    @property
    def start(self) -> time:
        return time.fromisoformat(self.hours.split("-")[0])

    @property
    def end(self) -> time:
        return time.fromisoformat(self.hours.split("-")[1])


class Closure(BaseModel, extra="forbid"):
    """Whole days without appointments: the whole library, or one site, or one mediator."""

    start: date
    end: Optional[date] = None  # last closed day, included; the start day alone when missing
    site: Optional[Id] = None
    mediator: Optional[Id] = None
    reason: Text

    @validator("end", always=True)
    def _end(cls, end: Optional[date], values: dict[str, Any]) -> Optional[date]:
        start = values.get("start")
        if end is None or start is None:
            return end or start
        if end < start:
            raise ValueError("la fin vient avant le début")
        return end


class Sites(BaseModel, extra="forbid"):
    """`knowledge_base/sites.yml`."""

    sites: List[Site] = Field(min_items=1)
    services: List[Service] = []
    mediators: List[Mediator] = Field(min_items=1)
    availability: List[Availability] = []
    closures: List[Closure] = []

    @property
    def main(self) -> Site:
        """The library's first site: its phone number is the one patrons are told to call."""
        return self.sites[0]

    def services_of(self, site: Site) -> List[Service]:
        """The services `site` offers, in the order of the file's `services`."""
        return [service for service in self.services if service.id in site.services]


def _duplicates(document: Any, section: str, ids: List[str]) -> Iterator[tuple[int, str]]:
    seen: set[str] = set()
    for index, id in enumerate(ids):
        if id in seen:
            yield line_of(document, [section, index, "id"]), f"id « {id} » est écrit deux fois dans {section}"
        seen.add(id)


def _unknown_references(document: Any, loaded: Sites) -> Iterator[tuple[int, str]]:
    known = {"site": {site.id for site in loaded.sites}, "mediator": {mediator.id for mediator in loaded.mediators}}
    services = {service.id for service in loaded.services}
    for index, site in enumerate(loaded.sites):
        for position, service in enumerate(site.services):
            if service not in services:
                yield (line_of(document, ["sites", index, "services", position]),
                       f"service « {service} » n'est pas dans les services de ce fichier")
    for section, entries in (("availability", loaded.availability), ("closures", loaded.closures)):
        for index, entry in enumerate(entries):
            for field in ("site", "mediator"):
                value = getattr(entry, field)
                if value is not None and value not in known[field]:
                    yield (line_of(document, [section, index, field]),
                           f"{field} « {value} » n'est pas dans les {field}s de ce fichier")


def _overlap(first: Availability, second: Availability) -> bool:
    """Whether a mediator would be in two permanences at once."""
    if first.mediator != second.mediator or first.weekday != second.weekday:
        return False
    if (first.valid_until and second.valid_from and first.valid_until < second.valid_from) or \
            (second.valid_until and first.valid_from and second.valid_until < first.valid_from):
        return False
    return first.start < second.end and second.start < first.end


def _overlaps(document: Any, loaded: Sites) -> Iterator[tuple[int, str]]:
    for index, entry in enumerate(loaded.availability):
        for earlier in loaded.availability[:index]:
            if _overlap(entry, earlier):
                yield (line_of(document, ["availability", index, "hours"]),
                       f"{entry.mediator} est déjà à {earlier.site} le {earlier.weekday} {earlier.hours}")


def load_sites(path: Path) -> Sites:
    """The sites file, checked as a whole: unique ids, known sites and mediators, no mediator in two places."""
    document = parse_yaml(read_text(path), path)
    loaded = validate(document, Sites, path)
    problems = [*_duplicates(document, "sites", [site.id for site in loaded.sites]),
                *_duplicates(document, "services", [service.id for service in loaded.services]),
                *_duplicates(document, "mediators", [mediator.id for mediator in loaded.mediators]),
                *_unknown_references(document, loaded), *_overlaps(document, loaded)]
    if problems:
        raise KnowledgeError("\n".join(f"{path}:{line}: {message}" for line, message in problems))
    return loaded
