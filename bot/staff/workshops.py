"""Group workshops in the console (docs/workshops.md): the form that writes an entry of
`knowledge_base/workshops.yml` so that staff never touch YAML (round trip: every other line and comment stays;
checked as `make validate` checks it; saved unless someone changed the file meanwhile, bot/staff/content/edits.py),
a session cancelled (its day added to the entry's `cancelled`), what the form may not change (a capacity below the
seats taken, a session with patrons moved or removed), and the sessions by week."""
from __future__ import annotations

import copy
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any, Callable, Mapping, Optional

from ruamel.yaml.comments import CommentedMap, CommentedSeq

from bot.booking.slots import day_label, time_label
from bot.contract import THEMES
from bot.hours import PARIS
from bot.knowledge.files import line_of
from bot.knowledge.sites import Sites
from bot.knowledge.workshops import LEVELS, Workshop, Workshops
from bot.staff.content.editors import Edit, Field, dump_yaml, load_yaml
from bot.staff.content.edits import Problem, knowledge_problems
from bot.workshops.models import CANCELLED, REGISTERED, WAITLISTED, Registration
from bot.workshops.sessions import sessions_between
from bot.workshops.store import HORIZON, Seats, WorkshopStore

FILE = "workshops.yml"
WORDS_LENGTH = 300  # the staff's own words added to a cancellation message, at most
TITLE_LENGTH = 200
ID_LENGTH = 60  # of a new workshop's id, made from its title (a session's id adds "-YYYY-MM-DD")
TIME = re.compile(r"([01][0-9]|2[0-3]):([0-5][0-9])")
EVERY = {"": "Une seule fois", "1": "Chaque semaine", "2": "Toutes les deux semaines",
         "3": "Toutes les trois semaines", "4": "Toutes les quatre semaines"}
# The form's fields and the file's keys, in the order an entry is written.
KEYS = {"titre": "title", "theme": "theme", "niveau": "level", "lieu": "site", "salle": "room", "date": "start",
        "heure": "start", "duree": "duration_minutes", "frequence": "every_weeks", "jusqu_au": "until",
        "nombre": "sessions", "places": "capacity", "mediateur": "mediator", "description": "description",
        "apporter": "bring", "accessibilite": "accessibility"}
ORDER = ("id", "title", "theme", "level", "site", "room", "start", "duration_minutes", "every_weeks", "until",
         "sessions", "capacity", "mediator", "description", "bring", "accessibility", "cancelled")
FIELD_OF = {key: name for name, key in reversed(KEYS.items())}  # start → date


class Refused(Exception):
    """Why a workshop cannot be saved or a session cancelled, in words for staff; `field` the form's field."""

    def __init__(self, message: str, field: str = ""):
        super().__init__(message)
        self.field = field


class WorkshopEdit(Edit):
    """A workshop of the file, or a new one (`key` empty), as a form."""

    kind = "atelier"
    fields = tuple(Field(name, name) for name in KEYS)

    def __init__(self, knowledge_dir: Path, key: str = "", name: str = ""):
        super().__init__(knowledge_dir, FILE, key, name or "Nouvel atelier")
        self.knowledge_dir = knowledge_dir

    def values(self, text: str) -> dict[str, str]:
        entry = entry_of(load_yaml(text), self.key) if self.key else None
        if entry is None:
            return dict.fromkeys(KEYS, "") | {"duree": "90", "places": "8"}
        start = str(entry.get("start") or "")
        day, _, hour = start.partition(" ") if " " in start else start.partition("T")
        return {"titre": str(entry.get("title") or ""), "theme": str(entry.get("theme") or ""),
                "niveau": str(entry.get("level") or ""), "lieu": str(entry.get("site") or ""),
                "salle": str(entry.get("room") or ""), "date": day, "heure": hour[:5],
                "duree": str(entry.get("duration_minutes") or ""), "frequence": str(entry.get("every_weeks") or ""),
                "jusqu_au": str(entry.get("until") or ""), "nombre": str(entry.get("sessions") or ""),
                "places": str(entry.get("capacity") or ""), "mediateur": str(entry.get("mediator") or ""),
                "description": str(entry.get("description") or ""),
                "apporter": "\n".join(map(str, entry.get("bring") or ())),
                "accessibilite": str(entry.get("accessibility") or "")}

    def apply(self, text: str, values: Mapping[str, str]) -> str:
        """The file with the entry of `key` changed (or a new one at the end, `key` then set to its new id)."""
        document = load_yaml(text) if text.strip() else None
        if not isinstance(document, CommentedMap):
            document = CommentedMap()
        if not isinstance(document.get("workshops"), CommentedSeq):
            document["workshops"] = CommentedSeq()
        listed = document["workshops"]
        entry = entry_of(document, self.key) if self.key else None
        if entry is None:
            self.key = new_id(values.get("titre", ""), {str(each.get("id")) for each in listed})
            entry = CommentedMap(id=self.key)
            if listed and isinstance(listed[-1], CommentedMap):
                _blank_line_after(listed, listed[-1])
            listed.append(entry)
        wanted = _entry_values(values)

        def change() -> None:
            for key in ORDER[1:]:
                value = wanted.get(key)
                if key == "cancelled":
                    continue
                if value in (None, "", []):
                    entry.pop(key, None)
                elif key == "bring" and isinstance(entry.get(key), CommentedSeq):
                    entry[key][:] = value
                elif str(entry.get(key)) != str(value) or key not in entry:
                    entry[key] = _flow(value) if isinstance(value, list) else value
            _reorder(entry)

        _keeping_comments(entry, change)
        return dump_yaml(document)

    def problems(self, before: str, after: str) -> list[Problem]:
        """What `make validate` finds, each problem in the entry's lines given to its field."""
        document = load_yaml(after)
        index = next(index for index, each in enumerate(document["workshops"]) if str(each.get("id")) == self.key)
        entry = document["workshops"][index]
        starts = sorted((line_of(document, ["workshops", index, key]), key) for key in entry)

        def field_of(line: Optional[int]) -> Optional[str]:
            key = next((key for start, key in reversed(starts) if line and start <= line), None)
            return FIELD_OF.get(key or "")

        return [Problem(problem.message, problem.file, problem.line, field_of(problem.line))
                if problem.file == FILE else problem
                for problem in knowledge_problems(self.knowledge_dir, FILE, after)]


def entry_of(document: Any, workshop_id: str) -> Any:
    """The file's entry of `workshop_id`, None when there is none."""
    listed = (document or {}).get("workshops") or [] if isinstance(document, dict) else []
    return next((each for each in listed if isinstance(each, dict) and str(each.get("id")) == workshop_id), None)


def new_id(title: str, taken: set[str]) -> str:
    """An id from the title ("prendre-en-main-sa-tablette"), with "-2", "-3"… when it is taken."""
    plain = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode().lower()
    base = re.sub(r"[^a-z0-9]+", "-", plain).strip("-")[:ID_LENGTH].strip("-") or "atelier"
    found, number = base, 1
    while found in taken:
        number += 1
        found = f"{base}-{number}"
    return found


def _entry_values(values: Mapping[str, str]) -> dict[str, Any]:
    """The file's values of a checked form (check_form)."""
    typed = {name: (values.get(name) or "").replace("\r\n", "\n").strip() for name in KEYS}
    every = typed["frequence"]
    return {"title": typed["titre"], "theme": typed["theme"] or None, "level": typed["niveau"] or None,
            "site": typed["lieu"], "room": typed["salle"], "start": f"{typed['date']} {typed['heure']}",
            "duration_minutes": _number(typed["duree"]), "every_weeks": _number(every),
            "until": _day(typed["jusqu_au"]) if every else None,
            "sessions": _number(typed["nombre"]) if every else None, "capacity": _number(typed["places"]),
            "mediator": typed["mediateur"], "description": " ".join(typed["description"].split()),
            "bring": [line.strip() for line in typed["apporter"].splitlines() if line.strip()],
            "accessibility": " ".join(typed["accessibilite"].split())}


def _reorder(entry: CommentedMap) -> None:
    """The entry's keys in the file's order (a key just added goes to its place)."""
    keys = [key for key in ORDER if key in entry] + [key for key in entry if key not in ORDER]
    if list(entry) != keys:
        items = [(key, entry[key]) for key in keys]
        for key in list(entry):
            del entry[key]
        for key, value in items:
            entry[key] = value


def _keeping_comments(entry: CommentedMap, change: Callable[[], None]) -> None:
    """Make `change` to the entry, its comments kept on their keys; what follows its last line (a comment, the
    blank line before the next entry) stays after its last line."""
    last = next(reversed(entry), None)
    trailing = entry.ca.items.pop(last, None) if last is not None else None
    kept = dict(entry.ca.items)
    change()
    entry.ca.items.clear()
    entry.ca.items.update((key, comment) for key, comment in kept.items() if key in entry)
    if trailing is not None and len(entry):
        entry.ca.items[next(reversed(entry))] = trailing


def _blank_line_after(listed: CommentedSeq, entry: CommentedMap) -> None:
    """A blank line after `entry` as between the file's other entries, when it has nothing after it yet."""
    last = next(reversed(entry), None)
    if last is None or entry.ca.items.get(last):
        return
    for other in listed:
        other_last = next(reversed(other), None) if isinstance(other, CommentedMap) else None
        comment = other.ca.items.get(other_last) if other_last is not None else None
        if comment and len(comment) > 2 and comment[2] is not None and comment[2].value.strip() == "":
            entry.ca.items[last] = copy.deepcopy(comment)
            return


def _number(text: str) -> Optional[int]:
    return int(text) if text.isascii() and text.isdigit() and len(text) < 6 else None


def _day(text: str) -> Optional[date]:
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def check_form(values: Mapping[str, str], sites: Sites, today: date, new: bool) -> dict[str, str]:
    """What is wrong in the form, by field, in plain French; empty when the file can be written from it."""
    typed = {name: (values.get(name) or "").strip() for name in KEYS}
    errors: dict[str, str] = {}
    if not typed["titre"]:
        errors["titre"] = "Écrivez le titre de l'atelier."
    elif len(typed["titre"]) > TITLE_LENGTH:
        errors["titre"] = f"Le titre est trop long : {TITLE_LENGTH} caractères au plus."
    if typed["theme"] and typed["theme"] not in THEMES:
        errors["theme"] = "Choisissez un thème de la liste."
    if typed["niveau"] and typed["niveau"] not in LEVELS:
        errors["niveau"] = "Choisissez un niveau de la liste."
    if typed["lieu"] not in {site.id for site in sites.sites}:
        errors["lieu"] = "Choisissez le lieu de l'atelier."
    if typed["mediateur"] not in {mediator.id for mediator in sites.mediators}:
        errors["mediateur"] = "Choisissez qui anime l'atelier."
    first = _day(typed["date"])
    if first is None:
        errors["date"] = "Écrivez la date du premier atelier, par exemple 2026-12-08."
    elif new and first < today:
        errors["date"] = "Cette date est passée : choisissez aujourd'hui ou un jour à venir."
    if not TIME.fullmatch(typed["heure"]):
        errors["heure"] = "Écrivez l'heure du début, par exemple 14:00."
    minutes = _number(typed["duree"])
    if minutes is None or not 15 <= minutes <= 480:
        errors["duree"] = "Écrivez la durée en minutes, de 15 à 480 (90 pour 1 h 30)."
    if typed["frequence"] not in EVERY:
        errors["frequence"] = "Choisissez une fréquence de la liste."
    if typed["frequence"]:
        until = _day(typed["jusqu_au"]) if typed["jusqu_au"] else None
        if typed["jusqu_au"] and until is None:
            errors["jusqu_au"] = "Écrivez le dernier jour, par exemple 2027-03-30, ou laissez vide."
        elif until and first and until < first:
            errors["jusqu_au"] = "Le dernier jour vient avant le premier atelier."
        count = _number(typed["nombre"]) if typed["nombre"] else None
        if typed["nombre"] and (count is None or not 1 <= count <= 100):
            errors["nombre"] = "Écrivez un nombre de semaines de 1 à 100, ou laissez vide."
    seats = _number(typed["places"])
    if seats is None or not 1 <= seats <= 200:
        errors["places"] = "Écrivez le nombre de places, de 1 à 200."
    if not typed["description"]:
        errors["description"] = "Écrivez en deux ou trois phrases courtes ce qu'on fait à l'atelier."
    return errors


def capacity_refused(store: WorkshopStore, workshop_id: str, capacity: int) -> Optional[str]:
    """Why the workshop's sessions to come cannot have `capacity` seats: more patrons registered already."""
    fuller = [seats for seats in coming_of(store, workshop_id) if seats.registered > capacity]
    if not fuller:
        return None
    most = max(fuller, key=lambda seats: seats.registered)
    return (f"{most.registered} personnes sont déjà inscrites le {session_label(most)} : le nombre de places ne "
            f"peut pas descendre sous {most.registered}. Gardez au moins {most.registered} places.")


def moved(store: WorkshopStore, workshop: Workshop, sites: Sites, today: date) -> list[str]:
    """The sessions to come with patrons (registered or waiting) that the changed workshop would move or remove,
    in plain French: they must be cancelled first, so that the patrons are told."""
    offered = {session.id: session for session in sessions_between(
        Workshops(workshops=[workshop]), sites, today, today + HORIZON)}
    found = []
    for seats in coming_of(store, workshop.id):
        after = offered.get(seats.session.id)
        if seats.registered + seats.waiting and (
                after is None or after.cancelled or after.start != seats.session.start_paris
                or workshop.site != seats.session.site_id):
            found.append(session_label(seats))
    return found


def coming_of(store: WorkshopStore, workshop_id: str) -> list[Seats]:
    """The workshop's sessions that have not started, active and not cancelled."""
    now = store.clock()
    return [seats for seats in store.sessions(now, now + HORIZON + timedelta(days=1))
            if seats.session.workshop_id == workshop_id and seats.session.active
            and not seats.session.cancelled_at]


def session_label(seats: Seats) -> str:
    """"mardi 8 décembre à 14 h"."""
    return f"{day_label(seats.session.start_paris)} à {time_label(seats.session.start_paris)}"


def cancel_day(text: str, workshop_id: str, day: date) -> str:
    """The file with `day` added to the entry's `cancelled` days."""
    document = load_yaml(text)
    entry = entry_of(document, workshop_id)
    if entry is None:
        raise Refused("Cet atelier n'est plus dans le fichier des ateliers.")

    def change() -> None:
        days = entry.get("cancelled")
        if not isinstance(days, CommentedSeq):
            days = entry["cancelled"] = _flow(list(days or ()))
        if day not in days:
            days.append(day)
        _reorder(entry)

    _keeping_comments(entry, change)
    return dump_yaml(document)


def _flow(items: list[Any]) -> CommentedSeq:
    """A list written on one line, as the file's lists are: [a, b]."""
    listed = CommentedSeq(items)
    listed.fa.set_flow_style()
    return listed


@dataclass(frozen=True)
class Week:
    """A week's sessions (Monday first)."""

    monday: date
    sessions: list[Seats]


def weeks_of(found: list[Seats]) -> list[Week]:
    """The sessions grouped by week (Monday to Sunday, Paris)."""
    weeks: dict[date, list[Seats]] = {}
    for seats in found:
        day = seats.session.start_paris.date()
        weeks.setdefault(day - timedelta(days=day.weekday()), []).append(seats)
    return [Week(monday, sessions) for monday, sessions in weeks.items()]


def week_start(monday: date) -> datetime:
    return datetime.combine(monday, time(), tzinfo=PARIS)


def told_counts(registrations: list[Registration]) -> Counter[str]:
    """How the patrons of a session staff cancelled were told: "email", "telegram", "none"… → how many."""
    counts: Counter[str] = Counter()
    for registration in registrations:
        if registration.status == CANCELLED and registration.cancelled_via and not registration.skipped:
            counts.update(registration.cancelled_via.split("+"))
    return counts


def present_ones(registrations: list[Registration]) -> tuple[list[Registration], list[Registration]]:
    """The registered patrons (by seat) and the waiting list (in order)."""
    return ([each for each in registrations if each.status == REGISTERED],
            [each for each in registrations if each.status == WAITLISTED])
