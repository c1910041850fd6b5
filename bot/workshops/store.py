"""The workshops store: the sessions to offer, registrations with their seats and waiting list, cancellations,
staff's attendance, reminders and erasure.

A registration takes the lowest free seat (1 … capacity) in one transaction; the database refuses a seat given
twice (models.py), and the loser tries again, finding the next seat or, when none is left, the waiting list. A
seat freed (a cancellation, a larger capacity) goes at once to the first waiting patron: `fill` returns those
promoted, whom the caller tells on their channel (notices.py).
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Callable, Optional

from sqlalchemy import func, or_, select, update
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session as DbSession
from sqlalchemy.orm import sessionmaker
from sqlalchemy.sql.expression import Update

from bot import knowledge
from bot.booking.codes import new_code, normalise_code
from bot.booking.contact import Contact
from bot.booking.models import Booking
from bot.db.engines import EngineSource, engine_for
from bot.db.upgrade import upgrade_engine
from bot.hours import PARIS
from bot.knowledge.sites import Sites
from bot.knowledge.workshops import Workshops
from bot.settings import Settings
from bot.workshops.models import CANCELLED, REGISTERED, WAITLISTED, Registration, WorkshopSession, WorkshopsState
from bot.workshops.sessions import sessions_between

HORIZON = timedelta(weeks=8)  # sessions are offered up to this far ahead
ATTEMPTS = 20  # a registration losing its seat to another one tries again, up to this many times
ANONYMOUS = {"first_name": None, "contact": None, "contact_kind": None, "sender_id": None}


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


class SessionNotOpen(LookupError):
    """The session is unknown, cancelled, withdrawn from the file, or has started."""


@dataclass(frozen=True)
class Seats:
    """A session and how many of its seats are taken, and patrons waiting."""

    session: WorkshopSession
    registered: int
    waiting: int

    @property
    def left(self) -> int:
        return max(self.session.capacity - self.registered, 0)

    def contract(self) -> dict[str, object]:
        return self.session.contract(self.left)


@dataclass(frozen=True)
class Place:
    """A registration and its position on the waiting list (None unless waitlisted)."""

    registration: Registration
    session: WorkshopSession
    position: Optional[int]

    def contract(self) -> dict[str, object]:
        """`custom.workshop` (docs/contract.md §5)."""
        status = self.registration.status
        found: dict[str, object] = {"status": status, "code": self.registration.display_code,
                                    "id": self.session.id, "start": self.session.start_paris.isoformat(),
                                    "site": self.session.site_id}
        if status == WAITLISTED:
            found["position"] = self.position
        return found


class WorkshopStore:
    """Workshops in the database at `url` (the booking database: sessions belong to its sites and mediators)."""

    def __init__(self, url: str, clock: Callable[[], datetime] = utc_now, engines: EngineSource = engine_for):
        self.engine = engines(url)
        self.session = sessionmaker(self.engine, future=True, expire_on_commit=False)
        self.clock = clock
        self._digest = ""  # of the knowledge this process copied last

    def migrate(self) -> None:
        upgrade_engine(self.engine)

    def close(self) -> None:
        self.engine.dispose()

    # The file's sessions, copied ---------------------------------------------------------------------------------

    def load_knowledge(self, workshops: Workshops, sites: Sites) -> bool:
        """Copy the sessions of the coming HORIZON (and of today) into the database; False when nothing changed.

        Sessions to come that left the file (or whose day closed) become inactive; their registrations stay, for
        staff to see. Past sessions are kept as they were. The sites must be loaded first (booking store).
        """
        today = self.clock().astimezone(PARIS).date()
        digest = hashlib.sha256(json.dumps([workshops.json(), sites.json(), today.isoformat()]).encode()).hexdigest()
        if digest == self._digest:
            return False
        self._digest = digest
        with self.session.begin() as db:
            db.execute(_update(WorkshopsState).where(WorkshopsState.id == 1).values(loaded_at=self.clock()))
            state = db.get(WorkshopsState, 1)
            if state.digest == digest:
                return False
            listed = sessions_between(workshops, sites, today, today + HORIZON)
            for found in listed:
                stored = db.get(WorkshopSession, found.id) or WorkshopSession(id=found.id)
                workshop = found.workshop
                stored.workshop_id, stored.title, stored.theme, stored.level = (
                    workshop.id, workshop.title, workshop.theme, workshop.level)
                stored.site_id, stored.room, stored.mediator_id = workshop.site, workshop.room, workshop.mediator
                stored.start, stored.end, stored.capacity = found.start, found.end, workshop.capacity
                stored.active = True
                stored.cancelled_at = (stored.cancelled_at or self.clock()) if found.cancelled else None
                db.add(stored)
            db.flush()
            db.execute(_update(WorkshopSession).where(
                WorkshopSession.start >= datetime.combine(today, datetime.min.time(), tzinfo=PARIS),
                WorkshopSession.id.not_in([found.id for found in listed])).values(active=False))
            state.digest = digest
        return True

    # Sessions ------------------------------------------------------------------------------------------------------

    def coming(self, theme: Optional[str] = None, level: Optional[str] = None, first: Optional[date] = None,
               last: Optional[date] = None, site_id: Optional[str] = None) -> list[Seats]:
        """The sessions open to registration (active, not cancelled, not started), soonest first, with their
        seats; only those of `theme`, `level`, `site_id`, on days from `first` to `last` when given."""
        now = self.clock()
        query = select(WorkshopSession).where(WorkshopSession.active, WorkshopSession.cancelled_at.is_(None),
                                              WorkshopSession.start > now, WorkshopSession.start < now + HORIZON)
        if theme:
            query = query.where(WorkshopSession.theme == theme)
        if level:
            query = query.where(or_(WorkshopSession.level == level, WorkshopSession.level.is_(None)))
        if site_id:
            query = query.where(WorkshopSession.site_id == site_id)
        if first:
            query = query.where(WorkshopSession.start >= datetime.combine(first, datetime.min.time(), tzinfo=PARIS))
        if last:
            query = query.where(WorkshopSession.start < datetime.combine(
                last + timedelta(days=1), datetime.min.time(), tzinfo=PARIS))
        with self.session() as db:
            sessions = db.execute(query.order_by(WorkshopSession.start, WorkshopSession.title)).scalars().all()
            return [self._seats(db, session) for session in sessions]

    def seats(self, session_id: str) -> Optional[Seats]:
        with self.session() as db:
            session = db.get(WorkshopSession, session_id)
            return self._seats(db, session) if session else None

    def sessions(self, start: datetime, end: datetime) -> list[Seats]:
        """Every session starting in [start, end), whatever its state, soonest first (staff)."""
        with self.session() as db:
            found = db.execute(select(WorkshopSession).where(
                WorkshopSession.start >= start, WorkshopSession.start < end,
            ).order_by(WorkshopSession.start, WorkshopSession.title)).scalars().all()
            return [self._seats(db, session) for session in found]

    @staticmethod
    def _seats(db: DbSession, session: WorkshopSession) -> Seats:
        counts = dict(db.execute(select(Registration.status, func.count()).where(
            Registration.session_id == session.id).group_by(Registration.status)).all())
        return Seats(session, counts.get(REGISTERED, 0), counts.get(WAITLISTED, 0))

    # Registrations --------------------------------------------------------------------------------------------------

    def register(self, session_id: str, *, first_name: Optional[str], contact: Optional[Contact], channel: str,
                 sender_id: str) -> tuple[Place, list[Place]]:
        """A seat in the session, or the end of its waiting list when it is full or patrons wait already. Returns
        the patron's place and any waiting patron promoted meanwhile (to be told). SessionNotOpen when the session
        cannot be joined."""
        for _ in range(ATTEMPTS):
            try:
                with self.session.begin() as db:
                    session = self._open(db, session_id)
                    seat = None if _waiting(db, session_id) else _free_seat(db, session)
                    registration = Registration(
                        code=self._unused_code(db), session_id=session_id, status=REGISTERED if seat else WAITLISTED,
                        seat=seat, first_name=first_name, contact=contact.value if contact else None,
                        contact_kind=contact.kind if contact else None, channel=channel, sender_id=sender_id,
                        created_at=self.clock())
                    db.add(registration)
            except (IntegrityError, OperationalError):  # the seat (or the code) was just taken: try again
                continue
            promoted = self.fill(session_id) if seat is None else []
            mine = self.place(registration.code)
            assert mine is not None
            return mine, [place for place in promoted if place.registration.id != registration.id]
        raise SessionNotOpen(session_id)

    def place(self, code: str) -> Optional[Place]:
        """The registration of this code with its session and waiting-list position; None for an unknown code."""
        with self.session() as db:
            registration = db.execute(select(Registration).where(
                Registration.code == normalise_code(code))).scalar_one_or_none()
            if registration is None:
                return None
            position = None
            if registration.status == WAITLISTED:
                position = db.execute(select(func.count()).where(
                    Registration.session_id == registration.session_id, Registration.status == WAITLISTED,
                    Registration.id <= registration.id)).scalar_one()
            return Place(registration, db.get(WorkshopSession, registration.session_id), position)

    def cancel(self, code: str) -> tuple[Optional[Place], list[Place]]:
        """Cancel a registration (seat or waiting) of a session that has not started; its seat goes to the first
        waiting patron at once. Returns the registration (unchanged when it could not be cancelled; None for an
        unknown code) and those promoted, to be told."""
        now = self.clock()
        with self.session.begin() as db:
            registration = db.execute(select(Registration).where(
                Registration.code == normalise_code(code))).scalar_one_or_none()
            if registration is None:
                return None, []
            session_id = registration.session_id
            db.execute(_update(Registration).where(
                Registration.id == registration.id, Registration.status.in_((REGISTERED, WAITLISTED)),
                Registration.session_id.in_(select(WorkshopSession.id).where(WorkshopSession.start > now)),
            ).values(status=CANCELLED, seat=None, cancelled_at=now))
        return self.place(code), self.fill(session_id)

    def fill(self, session_id: str) -> list[Place]:
        """Give the session's free seats to its first waiting patrons, in order; return those promoted."""
        promoted = []
        for _ in range(ATTEMPTS):
            try:
                with self.session.begin() as db:
                    session = db.get(WorkshopSession, session_id)
                    if session is None or session.cancelled_at or session.start <= self.clock():
                        break
                    seat = _free_seat(db, session)
                    first = db.execute(select(Registration).where(
                        Registration.session_id == session_id, Registration.status == WAITLISTED,
                    ).order_by(Registration.id).limit(1)).scalar_one_or_none()
                    if seat is None or first is None:
                        break
                    first.status, first.seat, first.promoted_at = REGISTERED, seat, self.clock()
            except (IntegrityError, OperationalError):
                continue
            promoted.append(first.code)
        return [place for place in map(self.place, promoted) if place]

    def mark_told(self, registration_id: int, via: str) -> None:
        """Record how a promoted patron was told (`via`: email, the channel, both joined by "+", or "code" when
        they asked with their code)."""
        with self.session.begin() as db:
            db.execute(_update(Registration).where(Registration.id == registration_id).values(promoted_via=via))

    def untold(self) -> list[Place]:
        """Patrons promoted to a seat of a session to come who could not be told yet."""
        return self._places(select(Registration.code).join(WorkshopSession).where(
            Registration.status == REGISTERED, Registration.promoted_at.is_not(None),
            Registration.promoted_via.is_(None), WorkshopSession.start > self.clock()))

    def skip_untold(self, delay: timedelta) -> list[Place]:
        """Give up on patrons promoted more than `delay` ago who could still not be told: their seat goes to the
        next waiting patron. Returns those promoted in turn."""
        now = self.clock()
        skipped = [place for place in self.untold() if place.registration.promoted_at <= now - delay]
        sessions = set()
        for place in skipped:
            with self.session.begin() as db:
                db.execute(_update(Registration).where(
                    Registration.id == place.registration.id, Registration.status == REGISTERED,
                    Registration.promoted_via.is_(None),
                ).values(status=CANCELLED, seat=None, cancelled_at=now, skipped=True, cancelled_via="none"))
            sessions.add(place.session.id)
        return [promoted for session_id in sorted(sessions) for promoted in self.fill(session_id)]

    def fill_all(self) -> list[Place]:
        """`fill` every session to come that has patrons waiting (a capacity raised in the file, a race lost)."""
        with self.session() as db:
            ids = db.execute(select(Registration.session_id).join(WorkshopSession).where(
                Registration.status == WAITLISTED, WorkshopSession.start > self.clock(),
            ).distinct()).scalars().all()
        return [promoted for session_id in ids for promoted in self.fill(session_id)]

    # Staff ----------------------------------------------------------------------------------------------------------

    def registrations(self, session_id: str) -> list[Registration]:
        """The session's registrations: registered by seat, then waiting in order, then cancelled."""
        order = {REGISTERED: 0, WAITLISTED: 1, CANCELLED: 2}
        with self.session() as db:
            found = db.execute(select(Registration).where(Registration.session_id == session_id)
                               .order_by(Registration.id)).scalars().all()
        return sorted(found, key=lambda one: (order[one.status], one.seat or 0, one.id))

    def cancel_session(self, session_id: str) -> list[Registration]:
        """Staff cancel a session to come: every registration is cancelled; returns those to tell."""
        now = self.clock()
        with self.session.begin() as db:
            session = db.get(WorkshopSession, session_id)
            if session is None or session.start <= now:
                raise SessionNotOpen(session_id)
            session.cancelled_at = session.cancelled_at or now
            told = db.execute(select(Registration).where(
                Registration.session_id == session_id, Registration.status.in_((REGISTERED, WAITLISTED)),
            )).scalars().all()
            for registration in told:
                registration.status, registration.seat, registration.cancelled_at = CANCELLED, None, now
        return list(told)

    def record_cancel_told(self, registration_id: int, via: str) -> None:
        with self.session.begin() as db:
            db.execute(_update(Registration).where(Registration.id == registration_id).values(cancelled_via=via))

    def mark_attendance(self, registration_id: int, present: Optional[bool]) -> bool:
        """Present (True), absent (False) or not marked (None) for a registered patron of a session that started;
        False when the registration is not one."""
        with self.session.begin() as db:
            return db.execute(_update(Registration).where(
                Registration.id == registration_id, Registration.status == REGISTERED,
                Registration.session_id.in_(select(WorkshopSession.id).where(WorkshopSession.start <= self.clock())),
            ).values(attended=present)).rowcount == 1

    # Jobs: reminders, retention, a patron's erasure -------------------------------------------------------------------

    def due_reminders(self, now: datetime) -> list[Place]:
        """Registered patrons of tomorrow's sessions (Paris) not reminded yet."""
        tomorrow = (now.astimezone(PARIS) + timedelta(days=1)).date()
        start = datetime.combine(tomorrow, datetime.min.time(), tzinfo=PARIS)
        return self._places(select(Registration.code).join(WorkshopSession).where(
            Registration.status == REGISTERED, Registration.reminded_at.is_(None),
            Registration.anonymised_at.is_(None), WorkshopSession.cancelled_at.is_(None),
            WorkshopSession.start >= start, WorkshopSession.start < start + timedelta(days=1)))

    def mark_reminded(self, registration_id: int, via: str) -> bool:
        with self.session.begin() as db:
            return db.execute(_update(Registration).where(
                Registration.id == registration_id, Registration.reminded_at.is_(None),
            ).values(reminded_at=self.clock(), reminded_via=via)).rowcount == 1

    def erase_personal_data(self, now: datetime, days: int) -> int:
        """Erase the personal fields of registrations whose session ended `days` days before `now` (or cancelled
        that long ago); seats, statuses and attendance stay, as anonymous figures."""
        limit = now - timedelta(days=days)
        ended = select(WorkshopSession.id).where(WorkshopSession.end < limit)
        with self.session.begin() as db:
            return db.execute(_update(Registration).where(
                Registration.anonymised_at.is_(None),
                Registration.session_id.in_(ended) | ((Registration.status == CANCELLED)
                                                      & (Registration.cancelled_at < limit)),
            ).values(**ANONYMOUS, anonymised_at=now)).rowcount

    def forget(self, channel: str, sender_id: str) -> tuple[int, list[Place]]:
        """« Supprimer mes données »: cancel the patron's registrations to come and erase the personal fields of
        all theirs on this channel; returns how many and those promoted to the freed seats."""
        now = self.clock()
        theirs = (Registration.channel == channel) & (Registration.sender_id == sender_id)
        with self.session.begin() as db:
            sessions = db.execute(select(Registration.session_id).where(
                theirs, Registration.status.in_((REGISTERED, WAITLISTED)))).scalars().all()
            db.execute(_update(Registration).where(
                theirs, Registration.status.in_((REGISTERED, WAITLISTED)),
                Registration.session_id.in_(select(WorkshopSession.id).where(WorkshopSession.start > now)),
            ).values(status=CANCELLED, seat=None, cancelled_at=now))
            erased = db.execute(_update(Registration).where(theirs).values(**ANONYMOUS, anonymised_at=now)).rowcount
        return erased, [promoted for session_id in sorted(set(sessions)) for promoted in self.fill(session_id)]

    def _places(self, codes: Any) -> list[Place]:
        with self.session() as db:
            found = db.execute(codes.order_by(Registration.id)).scalars().all()
        return [place for place in map(self.place, found) if place]

    def _open(self, db: DbSession, session_id: str) -> WorkshopSession:
        session = db.get(WorkshopSession, session_id)
        if session is None or not session.active or session.cancelled_at or session.start <= self.clock():
            raise SessionNotOpen(session_id)
        return session

    @staticmethod
    def _unused_code(db: DbSession) -> str:
        """A new code that no registration nor appointment has: patrons give either to the same question."""
        while True:
            code = new_code()
            if not db.execute(select(Registration.id).where(Registration.code == code)).first() and \
                    not db.execute(select(Booking.id).where(Booking.code == code)).first():
                return code


def _waiting(db: DbSession, session_id: str) -> bool:
    """Whether patrons wait for a seat of the session: theirs comes first (fill gives it to them)."""
    return db.execute(select(Registration.id).where(
        Registration.session_id == session_id, Registration.status == WAITLISTED).limit(1)).first() is not None


def _free_seat(db: DbSession, session: WorkshopSession) -> Optional[int]:
    """The lowest seat number not held in the session, None when every seat is."""
    taken = set(db.execute(select(Registration.seat).where(
        Registration.session_id == session.id, Registration.status == REGISTERED)).scalars())
    return next((seat for seat in range(1, session.capacity + 1) if seat not in taken), None)


def _update(model: type) -> Update:
    return update(model).execution_options(synchronize_session=False)


def open_workshops(settings: Settings, engines: EngineSource = engine_for) -> WorkshopStore:
    """The workshops store on the booking database, its tables up to date (the sites are loaded by the booking
    store's ensure_database, which the process calls first)."""
    store = WorkshopStore(settings.booking_database_url, engines=engines)
    store.migrate()
    return store


def refresh(store: WorkshopStore, knowledge_dir: Path) -> WorkshopStore:
    """Copy the sessions of the workshops file when it, the sites file or the day changed since this process last
    did (cheap otherwise): call it before reading sessions. Returns the store."""
    sites = knowledge.sites(knowledge_dir / "sites.yml")
    store.load_knowledge(knowledge.workshops(knowledge_dir / "workshops.yml"), sites)
    return store
