"""The console's conversations and activity figures: what patrons asked and where the assistant sent them, read
from Rasa's tracker store (already masked, bot/privacy/tracker_store.py), and the appointments of the booking
database; counted per week (Monday to Sunday in Europe/Paris) for the library's activity report.

A conversation is one sender id with all its sessions. The console never shows a sender id (a Telegram chat id
is personal): a conversation is named by the row number of its first event, which says nothing about the patron."""
from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta, timezone
from itertools import groupby
from typing import Any, Iterable, Iterator, Optional, Sequence

from sqlalchemy import func, select
from sqlalchemy.engine import Connection, Engine

from bot.booking.models import Booking
from bot.booking.statuses import CANCELLED, CONFIRMED, STATUS_LABELS, UNMARKED, statuses_label
from bot.contract import PARTNER_KINDS, ROUTES
from bot.hours import PARIS
from bot.knowledge import Topics
from bot.labels import ROUTE_LABELS
from bot.privacy.events_table import EVENTS
from bot.triage.decision import FALLBACK_INTENT
from bot.workshops.models import REGISTERED, WAITLISTED, Registration, WorkshopSession

SCOPE_LABELS = {"faire": "faire (urgent)", "accompagner": "accompagner", "orienter": "orienter",
                "hors_charte": "hors charte"}
CHANNEL_LABELS = {"rest": "site web", "telegram": "Telegram"}
NEEDS = tuple(route for route in ROUTES if route != "clarify")  # a clarification is no need: it has its own share
PERIODS = {"4": "4 dernières semaines", "12": "12 dernières semaines", "52": "52 dernières semaines",
           "annee": "Cette année"}  # the dashboard's periods (`?periode=`)
# Workshop figures of a week, by the week of the session: sessions held (started, not cancelled, still in the
# programme), their seats offered and taken, attendance (present among those marked), patrons who were on a waiting
# list (still waiting at the start, or given a seat), those given a seat from it, and sessions cancelled by staff.
WORKSHOP_FIGURES = {"held": "séances tenues", "offered": "places offertes", "filled": "places prises",
                    "present": "présents", "marked": "présences notées", "waiting": "inscrits en liste d'attente",
                    "promoted": "passés de la liste d'attente à une place", "cancelled": "séances annulées"}
SESSION_STARTED = "session_started"
CARRIES = '"custom": {'  # in a bot event's data (as json.dumps writes it) when it carries a payload


@dataclass(frozen=True)
class Period:
    """Whole weeks, the current one last; "this year" starts on January 1st, whatever its weekday."""

    weeks: tuple[date, ...]  # their Mondays, oldest first
    start: datetime
    end: datetime  # the Monday after the last week, at midnight

    @property
    def last_day(self) -> date:
        return self.end.date() - timedelta(days=1)


def monday_of(moment: datetime) -> date:
    """The Monday of the week of `moment`, in Paris."""
    day = moment.astimezone(PARIS).date()
    return day - timedelta(days=day.weekday())


def midnight(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=PARIS)


def period(key: str, now: datetime) -> Period:
    """The period `key` of PERIODS (4 weeks for an unknown key) that ends with the week of `now`."""
    if key != "annee":
        return last_weeks(int(key) if key in PERIODS else 4, now)
    new_year = midnight(date(now.astimezone(PARIS).year, 1, 1))
    return last_weeks((monday_of(now) - monday_of(new_year)).days // 7 + 1, now, new_year)


def last_weeks(count: int, now: datetime, start: Optional[datetime] = None) -> Period:
    """The `count` weeks that end with the week of `now`, from their first Monday or from `start`."""
    this_monday = monday_of(now)
    mondays = tuple(this_monday - timedelta(weeks=back) for back in reversed(range(count)))
    return Period(mondays, start or midnight(mondays[0]), midnight(this_monday + timedelta(weeks=1)))


@dataclass
class Week:
    """The figures of one week (or of the whole period, `monday` None)."""

    monday: Optional[date]
    conversations: int = 0  # with at least one patron message
    messages: int = 0  # written by patrons (buttons aside)
    fallback: int = 0  # of which the assistant did not understand
    clarify: int = 0  # of which made the assistant ask which need was meant
    routes: Counter[Optional[str]] = field(default_factory=Counter)  # where triage sent the needs
    partners: Counter[Optional[str]] = field(default_factory=Counter)  # referrals, by partner kind
    bookings: Counter[str] = field(default_factory=Counter)  # appointments of the week, by status
    workshops: Counter[str] = field(default_factory=Counter)  # workshop figures (WORKSHOP_FIGURES) of the week

    @property
    def fallback_share(self) -> float:
        return self.fallback / self.messages if self.messages else 0.0

    @property
    def clarify_share(self) -> float:
        return self.clarify / self.messages if self.messages else 0.0


@dataclass
class Activity:
    """The period's weeks, their total, and the partner places the assistant showed."""

    period: Period
    weeks: list[Week]
    total: Week
    places: Counter[tuple[Optional[str], Optional[str]]]  # (partner kind, place name) → cards shown


@dataclass(frozen=True)
class Line:
    """One line of a conversation: what the patron wrote, what the assistant answered, or a new visit."""

    at: datetime
    speaker: str  # "patron", "assistant" or "session"
    text: str
    notes: tuple[str, ...] = ()  # the triage in plain words, a card shown, a message not understood
    button: bool = False  # the patron clicked a button (`text` is its title)


@dataclass(frozen=True)
class Conversation:
    """A conversation of the list: when, where, how it began, where the assistant sent the patron."""

    number: int
    last: datetime
    channel: str
    first_message: str
    routes: tuple[str, ...]  # in the order they were first taken


# Reading ------------------------------------------------------------------------------------------------------

def read_events(tracker_store: Engine, start: datetime,
                end: Optional[datetime] = None) -> list[tuple[str, str, float, dict]]:
    """(sender id, type, timestamp, event) of the patron messages, and of the assistant's messages that carry
    a payload (`custom`), from `start` to `end` (or now); by conversation, then as they happened."""
    with tracker_store.connect() as connection:
        if not tracker_store.dialect.has_table(connection, "events"):  # Rasa has not started yet
            return []
        bounds = [EVENTS.c.timestamp >= start.timestamp()] + ([EVENTS.c.timestamp < end.timestamp()] if end else [])
        wanted = (EVENTS.c.type_name == "user") | ((EVENTS.c.type_name == "bot") & EVENTS.c.data.contains(CARRIES))
        rows = connection.execute(select(EVENTS.c.sender_id, EVENTS.c.type_name, EVENTS.c.timestamp, EVENTS.c.data)
                                  .where(*bounds, wanted).order_by(EVENTS.c.sender_id, EVENTS.c.id)).all()
    return [(sender, type_name, timestamp, json.loads(data)) for sender, type_name, timestamp, data in rows]


def appointments(bookings: Engine, within: Period, now: datetime) -> list[tuple[datetime, str]]:
    """(start, status) of the appointments of the period; UNMARKED for those started by `now` and still
    confirmed."""
    with bookings.connect() as connection:
        rows = connection.execute(select(Booking.start, Booking.status).where(
            Booking.start >= within.start, Booking.start < within.end)).all()
    return [(start, UNMARKED if status == CONFIRMED and start <= now else status) for start, status in rows]


def workshop_sessions(bookings: Engine, within: Period, now: datetime) -> list[tuple[datetime, Counter[str]]]:
    """(start, figures) of the workshop sessions of the period, as of `now` (WORKSHOP_FIGURES)."""
    with bookings.connect() as connection:
        sessions = connection.execute(select(
            WorkshopSession.id, WorkshopSession.start, WorkshopSession.capacity, WorkshopSession.active,
            WorkshopSession.cancelled_at).where(WorkshopSession.start >= within.start,
                                                WorkshopSession.start < within.end)).all()
        held = {row.id for row in sessions if row.cancelled_at is None and row.active and row.start <= now}
        registrations = connection.execute(select(
            Registration.session_id, Registration.status, Registration.attended, Registration.promoted_at,
        ).where(Registration.session_id.in_(held))).all() if held else []
    figures: dict[str, Counter[str]] = {row.id: Counter() for row in sessions}
    for row in sessions:
        if row.cancelled_at is not None:
            figures[row.id]["cancelled"] += 1
        elif row.id in held:
            figures[row.id].update(held=1, offered=row.capacity)
    for registration in registrations:
        counted = figures[registration.session_id]
        registered = registration.status == REGISTERED
        counted.update({name: int(yes) for name, yes in (
            ("filled", registered), ("present", registered and registration.attended is True),
            ("marked", registered and registration.attended is not None),
            ("waiting", registration.status == WAITLISTED or registration.promoted_at is not None),
            ("promoted", registration.promoted_at is not None))})
    return [(row.start, figures[row.id]) for row in sessions]


def activity(tracker_store: Engine, bookings: Engine, within: Period, now: datetime) -> Activity:
    """The period's figures from both databases, as of `now`."""
    return count(within, read_events(tracker_store, within.start, within.end), appointments(bookings, within, now),
                 workshop_sessions(bookings, within, now))


# Counting -----------------------------------------------------------------------------------------------------

def count(within: Period, events: Iterable[tuple[str, str, float, dict]],
          booked: Iterable[tuple[datetime, str]],
          workshops: Iterable[tuple[datetime, Counter[str]]] = ()) -> Activity:
    """The figures of `events` (as read_events gives them), of the appointments `booked` and of the workshop
    sessions (as workshop_sessions gives them), per week."""
    weeks = {monday: Week(monday) for monday in within.weeks}
    places: Counter[tuple[Optional[str], Optional[str]]] = Counter()
    senders: dict[date, set[str]] = {monday: set() for monday in within.weeks}
    for sender, rows in groupby(events, key=lambda row: row[0]):
        for monday in _count_conversation(rows, weeks, places):
            senders[monday].add(sender)
    for start, status in booked:
        weeks[monday_of(start)].bookings[status] += 1
    for start, figures in workshops:
        weeks[monday_of(start)].workshops.update(figures)
    for monday, week in weeks.items():
        week.conversations = len(senders[monday])
    return Activity(within, list(weeks.values()), _total(weeks.values(), len(set().union(*senders.values()))),
                    places)


def _count_conversation(rows: Iterable[tuple[str, str, float, dict]], weeks: dict[date, Week],
                        places: Counter[tuple[Optional[str], Optional[str]]]) -> set[date]:
    """Count one conversation's messages and needs in `weeks`, its partner cards in `places`; the weeks in
    which the patron wrote."""
    wrote_in: set[date] = set()
    written: Optional[Week] = None  # the week of the patron's last written message, until it is answered
    for _, type_name, timestamp, event in rows:
        monday = monday_of(_moment(timestamp))
        week = weeks[monday]
        if type_name == "user":
            wrote_in.add(monday)
            written = week if _written(event) else None
            week.messages += bool(written)
            week.fallback += bool(written) and _intent(event) == FALLBACK_INTENT
            continue
        triage, card = _custom(event).get("triage"), _custom(event).get("partner")
        if isinstance(triage, dict):
            _count_triage(triage, week, written)
            written = None
        if isinstance(card, dict):
            places[(card.get("kind"), card.get("name"))] += 1
    return wrote_in


def _count_triage(triage: dict, week: Week, written: Optional[Week]) -> None:
    """A need where triage sent it, a referral by partner kind; a clarification is no need (the patron's answer
    is one): it counts in the share of messages it answered (`written`, the week of that message)."""
    route = triage.get("route")
    if route == "clarify":
        if written:
            written.clarify += 1
        return
    week.routes[route] += 1
    if route == "referral":
        week.partners[triage.get("partner")] += 1


def _total(weeks: Iterable[Week], conversations: int) -> Week:
    total = Week(None, conversations)
    for week in weeks:
        total.messages += week.messages
        total.fallback += week.fallback
        total.clarify += week.clarify
        total.routes.update(week.routes)
        total.partners.update(week.partners)
        total.bookings.update(week.bookings)
        total.workshops.update(week.workshops)
    return total


def _moment(timestamp: float) -> datetime:
    return datetime.fromtimestamp(timestamp, timezone.utc)


def _written(event: dict) -> bool:
    """A message the patron wrote (not a button, whose text is its payload "/intent")."""
    text = (event.get("text") or "").strip()
    return bool(text) and not text.startswith("/")


def _intent(event: dict) -> Optional[str]:
    return ((event.get("parse_data") or {}).get("intent") or {}).get("name")


def _custom(event: dict) -> dict:
    custom = (event.get("data") or {}).get("custom")
    return custom if isinstance(custom, dict) else {}


# The report ---------------------------------------------------------------------------------------------------

def partner_kinds(figures: Activity) -> list[str]:
    """The partner kinds of the period's referrals: the contract's order, then any other."""
    found = [kind for kind in figures.total.partners if kind]
    return [kind for kind in PARTNER_KINDS if kind in found] + sorted(set(found) - set(PARTNER_KINDS))


def report_rows(figures: Activity, topics: Topics) -> list[Sequence[object]]:
    """The activity report: a header, a row per week (its Monday), then the period's total; every partner kind
    of the contract has its column, so that the reports of several periods line up."""
    kinds = list(dict.fromkeys([*PARTNER_KINDS, *partner_kinds(figures)]))
    header = ["semaine (lundi)", "conversations", "messages écrits", "non compris", "précision demandée",
              *(f"besoins : {ROUTE_LABELS[route]}" for route in NEEDS),
              *(f"orientations : {topics.named(kind)}" for kind in kinds),
              *(f"rendez-vous {statuses_label(status)}" for status in STATUS_LABELS),
              *(f"ateliers : {label}" for label in WORKSHOP_FIGURES.values())]

    def row(week: Week) -> list[object]:
        name = week.monday.isoformat() if week.monday else "total"  # the period's total has no Monday
        return [name, week.conversations, week.messages, week.fallback, week.clarify,
                *(week.routes[route] for route in NEEDS), *(week.partners[kind] for kind in kinds),
                *(week.bookings[status] for status in STATUS_LABELS),
                *(week.workshops[name] for name in WORKSHOP_FIGURES)]

    return [header, *(row(week) for week in figures.weeks), row(figures.total)]


# Conversations ------------------------------------------------------------------------------------------------

def conversations(tracker_store: Engine, since: datetime, route: Optional[str] = None) -> list[Conversation]:
    """The conversations with a patron message since `since`, the latest first; with `route`, only those that
    the assistant sent there since then."""
    found = []
    for sender, rows in groupby(read_events(tracker_store, since), key=lambda row: row[0]):
        events = [(type_name, timestamp, event) for _, type_name, timestamp, event in rows]
        messages = [(timestamp, event) for type_name, timestamp, event in events if type_name == "user"]
        routes = tuple(dict.fromkeys(_custom(event)["triage"].get("route") for _, _, event in events
                                     if isinstance(_custom(event).get("triage"), dict)))
        if messages and (route is None or route in routes):
            channel = messages[-1][1].get("input_channel") or ""
            first = next((event["text"] for _, event in messages if _written(event)), "")
            found.append((sender, Conversation(0, _moment(messages[-1][0]), CHANNEL_LABELS.get(channel, channel),
                                               first, routes)))
    numbers = _numbers(tracker_store, since) if found else {}
    return sorted((replace(listed, number=numbers[sender]) for sender, listed in found),
                  key=lambda listed: listed.last, reverse=True)


def _numbers(tracker_store: Engine, since: datetime) -> dict[str, int]:
    """The number of each conversation with a patron message since `since`: the row id of its first event. The
    senders are chosen by a subquery: one parameter per sender would pass SQLite's limit (32 766)."""
    wrote = select(EVENTS.c.sender_id).where(EVENTS.c.type_name == "user", EVENTS.c.timestamp >= since.timestamp())
    with tracker_store.connect() as connection:
        return dict(connection.execute(select(EVENTS.c.sender_id, func.min(EVENTS.c.id))
                                       .where(EVENTS.c.sender_id.in_(wrote)).group_by(EVENTS.c.sender_id)).all())


def conversation(tracker_store: Engine, number: int, topics: Topics) -> Optional[list[Line]]:
    """The lines of conversation `number`, as they happened; None when there is no such conversation."""
    with tracker_store.connect() as connection:
        if not tracker_store.dialect.has_table(connection, "events"):
            return None
        rows = _conversation_rows(connection, number)
    if not rows or rows[0][0] != number:  # not the first event of a conversation
        return None
    return list(_lines(((type_name, timestamp, json.loads(data)) for _, type_name, timestamp, data in rows), topics))


def _conversation_rows(connection: Connection, number: int) -> list[Any]:
    """Every event (id, type, timestamp, data) of the conversation whose event `number` is."""
    sender = select(EVENTS.c.sender_id).where(EVENTS.c.id == number).scalar_subquery()
    return connection.execute(select(EVENTS.c.id, EVENTS.c.type_name, EVENTS.c.timestamp, EVENTS.c.data)
                              .where(EVENTS.c.sender_id == sender).order_by(EVENTS.c.id)).all()


def _lines(events: Iterable[tuple[str, float, dict]], topics: Topics) -> Iterator[Line]:
    """The patron's messages (a button by its title), the assistant's answers with what they carried, and
    each new visit."""
    buttons: dict[str, str] = {}  # payload → title, of the buttons the assistant showed so far
    started = False
    for type_name, timestamp, event in events:
        at = _moment(timestamp)
        if type_name == SESSION_STARTED and started:
            yield Line(at, "session", "Nouvelle visite")
        elif type_name == "user":
            text = event.get("text") or ""
            if _written(event):
                not_understood = _intent(event) == FALLBACK_INTENT
                yield Line(at, "patron", text, ("l'assistant n'a pas compris ce message",) if not_understood else ())
            else:
                yield Line(at, "patron", buttons.get(text, text), button=True)
        elif type_name == "bot":
            data = event.get("data") or {}
            buttons.update((button.get("payload"), button.get("title")) for button in data.get("buttons") or [])
            yield Line(at, "assistant", event.get("text") or "", tuple(_notes(_custom(event), topics)))
        started = started or type_name in ("user", "bot")


def _notes(custom: dict, topics: Topics) -> Iterator[str]:
    """What an answer of the assistant carried, in plain words."""
    triage, card, tutorial, booking = (custom.get(key) for key in ("triage", "partner", "tutorial", "booking"))
    if isinstance(triage, dict):
        yield triage_in_words(triage, topics)
    if isinstance(card, dict):
        yield f"Lieu indiqué : {card.get('name')}"
    if isinstance(tutorial, dict):
        yield f"Fiche montrée : {tutorial.get('title')}"
    if isinstance(booking, dict):
        yield "Rendez-vous annulé" if booking.get("status") == CANCELLED else "Rendez-vous pris"


def triage_in_words(triage: dict, topics: Topics) -> str:
    """"Besoin : apprendre (fiche), les e-mails – accompagner – sûr à 87 %"; for clarify, the needs offered."""
    if triage.get("route") == "clarify":
        offered = " ; ".join(need_in_words(candidate, topics) for candidate in triage.get("candidates") or [])
        return f"Besoin pas clair, l'assistant a proposé : {offered}"
    scope = SCOPE_LABELS.get(triage.get("scope", ""))
    sure = round(float(triage.get("confidence") or 0) * 100)
    return " – ".join([f"Besoin : {need_in_words(triage, topics)}", *([scope] if scope else []), f"sûr à {sure} %"])


def need_in_words(need: dict, topics: Topics) -> str:
    """"apprendre (fiche), les e-mails": the route, and its theme or partner kind."""
    target = need.get("theme") or need.get("partner")
    route = ROUTE_LABELS.get(need.get("route", ""), need.get("route", ""))
    return f"{route}, {topics.named(target)}" if target else route

