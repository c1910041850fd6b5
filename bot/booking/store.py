"""The booking store: what the conversation calls to offer, book, find, cancel and move appointments.

Free slots are computed from the weekly availability, minus closures and public holidays, minus confirmed
bookings, from `NOTICE` after now to `HORIZON` ahead. The database refuses a second confirmed booking of a
mediator at the same start (a unique index), so two conversations never get the same slot.
"""
from __future__ import annotations

import hashlib
import logging
from datetime import datetime, timedelta, timezone
from typing import Any, Callable, Optional

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.sql.expression import Update

from bot.booking.availability import overlaps, slots_between
from bot.booking.codes import new_code, normalise_code
from bot.booking.contact import Contact
from bot.booking.exports import bookings_csv
from bot.booking.models import Availability, Booking, Closure, HeldContact, KnowledgeState, Mediator, Site
from bot.booking.preferences import Preference
from bot.booking.slots import Slot
from bot.booking.statuses import CANCELLED, CONFIRMED, DONE, NO_SHOW
from bot.db.engines import EngineSource, engine_for
from bot.db.upgrade import upgrade_engine
from bot.hours import PARIS
from bot.knowledge import sites
from bot.knowledge.sites import Sites
from bot.settings import Settings

log = logging.getLogger(__name__)
HORIZON = timedelta(weeks=8)  # slots are offered up to this far ahead
NOTICE = timedelta(minutes=30)  # a slot starting sooner is not offered any more
CODE_ATTEMPTS = 5
HOLD = timedelta(days=1)  # a contact given in an unfinished booking form is erased after this
ANONYMOUS = {"first_name": None, "contact": None, "accessibility": None, "sender_id": None}  # personal fields erased

__all__ = ["Booking", "BookingNotFound", "BookingStore", "Preference", "Slot", "SlotTaken"]


class SlotTaken(Exception):
    """The slot was just given to someone else, or is not a free slot of the agenda."""


class BookingNotFound(LookupError):
    """No confirmed booking has this code."""


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


class BookingStore:
    """Bookings in the database at `url`; `clock` gives the current time (tests set it); `engines` gives the
    engine (a pool shared with other stores of the process, or one of its own)."""

    def __init__(self, url: str, clock: Callable[[], datetime] = utc_now, engines: EngineSource = engine_for):
        self.engine = engines(url)
        self.session = sessionmaker(self.engine, future=True, expire_on_commit=False)
        self.clock = clock

    def migrate(self) -> None:
        """Create or upgrade the tables (Alembic); nothing happens when they are up to date."""
        upgrade_engine(self.engine)

    def close(self) -> None:
        self.engine.dispose()

    # The library: sites, mediators, availability and closures -------------------------------------------------

    def load_knowledge(self, sites: Sites) -> bool:
        """Make the database say what the sites file says; False when it already did.

        Sites and mediators missing from the file become inactive (their bookings stay); availability and
        closures are replaced. Concurrent loads wait for each other (the knowledge_state row is updated first).
        """
        digest = hashlib.sha256(sites.json().encode()).hexdigest()
        with self.session.begin() as session:
            session.execute(_update(KnowledgeState).where(KnowledgeState.id == 1).values(loaded_at=self.clock()))
            state = session.get(KnowledgeState, 1)
            if state.digest == digest:
                return False
            _load_sites(session, sites)
            _load_agenda(session, sites)
            state.digest = digest
        return True

    def stranded(self, sites: Sites) -> list[Booking]:
        """The confirmed bookings to come that `sites` would no longer offer: a closure on their day, their
        permanence, site or mediator gone. Loading it does not cancel them: staff do, from the agenda."""
        permanences, closures = _availability(sites), _closures(sites)
        holidays: dict[str, bool] = {site.id: site.closed_on_public_holidays for site in sites.sites}
        with self.session() as session:
            coming = session.execute(select(Booking).where(Booking.status == CONFIRMED, Booking.start > self.clock())
                                     .order_by(Booking.start, Booking.id)).scalars().all()
        return [booking for booking in coming if not _offered(booking, permanences, closures, holidays)]

    def sites(self) -> list[Site]:
        """The active sites, in the order of the sites file."""
        with self.session() as session:
            return list(session.execute(select(Site).where(Site.active).order_by(Site.position)).scalars())

    def site(self, site_id: str) -> Optional[Site]:
        with self.session() as session:
            return session.get(Site, site_id)

    def site_of(self, site_id: str) -> Site:
        """The site of a booking or of a slot offered, which the database always has (a site gone from the sites
        file stays, inactive)."""
        site = self.site(site_id)
        if site is None:
            raise LookupError(f"no site {site_id!r} in the booking database")
        return site

    def mediator(self, mediator_id: str) -> Optional[Mediator]:
        with self.session() as session:
            return session.get(Mediator, mediator_id)

    # Slots ------------------------------------------------------------------------------------------------------

    def free_slots(self, after: datetime, site_id: Optional[str] = None, preference: Optional[Preference] = None,
                   limit: int = 4, skip: int = 0, urgent: bool = False) -> list[Slot]:
        """Free slots after `after` (never sooner than NOTICE from now), earliest first, that fit the preference.

        `urgent`: the earliest free slot comes first even when it does not fit the preference.
        `skip` pages through them ("autres créneaux").
        """
        start = max(after, self.clock() + NOTICE)
        with self.session() as session:
            free = self._free(session, start, self.clock() + HORIZON, site_id=site_id)
        fitting = [slot for slot in free if preference is None or preference.accepts(slot.start)]
        if urgent and free and free[0] not in fitting[:1]:
            fitting = [free[0], *(slot for slot in fitting if slot != free[0])]
        return fitting[skip:skip + limit]

    def _free(self, session: Session, start: datetime, end: datetime, site_id: Optional[str] = None,
              mediator_id: Optional[str] = None) -> list[Slot]:
        """Slots starting in [start, end) that no confirmed booking overlaps."""
        query = select(Availability).join(Site).join(Mediator).where(Site.active, Mediator.active)
        if site_id:
            query = query.where(Availability.site_id == site_id)
        if mediator_id:
            query = query.where(Availability.mediator_id == mediator_id)
        permanences = session.execute(query).scalars().all()
        closures = session.execute(select(Closure).where(
            Closure.end_date >= start.astimezone(PARIS).date(),
            Closure.start_date <= end.astimezone(PARIS).date())).scalars().all()
        holidays = dict(session.execute(select(Site.id, Site.closed_on_public_holidays)).all())
        busy: dict[str, list[tuple[datetime, datetime]]] = {}
        for booking in session.execute(select(Booking).where(
                Booking.status == CONFIRMED, Booking.end > start, Booking.start < end + timedelta(days=1))).scalars():
            busy.setdefault(booking.mediator_id, []).append((booking.start, booking.end))
        return [slot for slot in slots_between(start, end, permanences, closures, holidays)
                if not overlaps(slot, busy.get(slot.mediator_id, ()))]

    def _is_free(self, session: Session, slot: Slot) -> bool:
        """Whether `slot` is one of the free slots offered now."""
        now = self.clock()
        if not now + NOTICE <= slot.start < now + HORIZON:
            return False
        day = slot.start.replace(hour=0, minute=0, second=0, microsecond=0)
        return slot in self._free(session, day, day + timedelta(days=1), slot.site_id, slot.mediator_id)

    # Bookings ---------------------------------------------------------------------------------------------------

    def book(self, slot: Slot, *, topic: Optional[str], first_name: Optional[str], contact: Optional[str],
             contact_kind: Optional[str], accessibility: Optional[str], channel: str, sender_id: str,
             urgent: bool = False) -> Booking:
        """Book a free slot; raise SlotTaken when it is not free (any more)."""
        for _ in range(CODE_ATTEMPTS):
            with self.session() as session:
                if not self._is_free(session, slot):
                    raise SlotTaken(slot.label)
                booking = Booking(
                    code=new_code(), site_id=slot.site_id, mediator_id=slot.mediator_id, start=slot.start,
                    end=slot.end, topic=topic, urgent=urgent, first_name=first_name, contact=contact,
                    contact_kind=contact_kind, accessibility=accessibility, channel=channel, sender_id=sender_id,
                    status=CONFIRMED, created_at=self.clock())
                session.add(booking)
                try:
                    session.commit()
                    return booking
                except IntegrityError:  # the slot was taken meanwhile (checked again above), or the code exists
                    session.rollback()
        raise SlotTaken(slot.label)

    def find(self, code: str) -> Optional[Booking]:
        """The booking of this code, whatever its status; spaces, dashes and case do not count."""
        with self.session() as session:
            return session.execute(select(Booking).where(Booking.code == normalise_code(code))).scalar_one_or_none()

    def cancel(self, code: str) -> Optional[Booking]:
        """Cancel a confirmed booking that has not started: its slot is free again at once.

        Returns the booking (unchanged when it was cancelled already or has started), None for an unknown code.
        """
        with self.session.begin() as session:
            session.execute(_cancel(self.clock()).where(Booking.code == normalise_code(code)))
        return self.find(code)

    def move(self, code: str, slot: Slot) -> Booking:
        """Move a confirmed booking to another free slot, keeping its code, in one transaction: the new slot
        is taken and the old one freed together, or nothing changes (SlotTaken). BookingNotFound for an
        unknown, cancelled or started booking."""
        now = self.clock()
        with self.session() as session:
            booking = session.execute(select(Booking).where(
                Booking.code == normalise_code(code), Booking.status == CONFIRMED, Booking.start > now,
            )).scalar_one_or_none()
            if booking is None:
                raise BookingNotFound(code)
            if booking.slot == slot:
                return booking
            if not self._is_free(session, slot):
                raise SlotTaken(slot.label)
            booking.site_id, booking.mediator_id, booking.start, booking.end = (
                slot.site_id, slot.mediator_id, slot.start, slot.end)
            booking.moved_at, booking.reminded_at, booking.reminded_via = now, None, None
            try:
                session.commit()
            except IntegrityError as error:
                session.rollback()
                raise SlotTaken(slot.label) from error
            return booking

    # Staff: agenda and exports ----------------------------------------------------------------------------------

    def agenda(self, mediator_id: str, start: datetime, end: datetime) -> list[Booking]:
        """A mediator's confirmed bookings starting in [start, end), earliest first."""
        with self.session() as session:
            return list(session.execute(select(Booking).where(
                Booking.mediator_id == mediator_id, Booking.status == CONFIRMED,
                Booking.start >= start, Booking.start < end).order_by(Booking.start)).scalars())

    def bookings(self, start: datetime, end: datetime, mediator_id: Optional[str] = None,
                 site_id: Optional[str] = None) -> list[Booking]:
        """Every booking, whatever its status, starting in [start, end), earliest first; only those of one
        mediator or one site when given."""
        query = select(Booking).where(Booking.start >= start, Booking.start < end)
        if mediator_id:
            query = query.where(Booking.mediator_id == mediator_id)
        if site_id:
            query = query.where(Booking.site_id == site_id)
        with self.session() as session:
            return list(session.execute(query.order_by(Booking.start, Booking.id)).scalars())

    def booking(self, booking_id: int) -> Optional[Booking]:
        """The booking of this id, None when there is none."""
        with self.session() as session:
            return session.get(Booking, booking_id)

    def mediators(self, every: bool = False) -> list[Mediator]:
        """The active mediators (`every`: those who left too), by first name."""
        query = select(Mediator).order_by(Mediator.first_name)
        with self.session() as session:
            return list(session.execute(query if every else query.where(Mediator.active)).scalars())

    def record_outcome(self, booking_id: int, status: str, account_id: int) -> bool:
        """Mark a confirmed booking that has started DONE or NO_SHOW, or put a marked one back to CONFIRMED, as
        staff account `account_id` did now; False when the booking is not one of those (unknown, cancelled, not
        started, or marked so already)."""
        now = self.clock()
        before = {DONE: (CONFIRMED,), NO_SHOW: (CONFIRMED,), CONFIRMED: (DONE, NO_SHOW)}[status]
        with self.session.begin() as session:
            return session.execute(_update(Booking).where(
                Booking.id == booking_id, Booking.status.in_(before), Booking.start <= now,
            ).values(status=status, handled_by=account_id, handled_at=now)).rowcount == 1

    def cancel_for_staff(self, booking_id: int, account_id: int) -> bool:
        """Cancel a confirmed booking that has not started, as staff account `account_id` did now: its slot is
        free again at once. False when the booking is not one (unknown, cancelled, started)."""
        now = self.clock()
        with self.session.begin() as session:
            return session.execute(_cancel(now).where(Booking.id == booking_id).values(
                handled_by=account_id, handled_at=now)).rowcount == 1

    def record_told(self, booking_id: int, via: str) -> None:
        """Record how the patron of a booking cancelled by staff was told (`via`: email, the channel, both joined
        by "+", or "none")."""
        with self.session.begin() as session:
            session.execute(_update(Booking).where(Booking.id == booking_id).values(cancelled_via=via))

    def export_csv(self, start: datetime, end: datetime) -> str:
        """The bookings starting in [start, end) as CSV for staff (see exports.bookings_csv)."""
        with self.session() as session:
            sites = {site.id: site.name for site in session.execute(select(Site)).scalars()}
            mediators = {mediator.id: mediator.first_name for mediator in session.execute(select(Mediator)).scalars()}
        return bookings_csv(self.bookings(start, end), sites, mediators)

    # Jobs: retention and reminders ------------------------------------------------------------------------------

    def erase_personal_data(self, now: datetime, days: int) -> int:
        """Erase first name, contact, accessibility needs and sender of the bookings that ended `days` days
        before `now` (or were cancelled that long ago); return how many. Times, site, topic, channel and
        status stay, as an anonymous statistic."""
        limit = now - timedelta(days=days)
        with self.session.begin() as session:
            result = session.execute(_update(Booking).where(
                Booking.anonymised_at.is_(None),
                (Booking.end < limit) | ((Booking.status == CANCELLED) & (Booking.cancelled_at < limit)),
            ).values(**ANONYMOUS, anonymised_at=now))
            session.execute(delete(HeldContact).where(HeldContact.held_at < now - HOLD))
            return result.rowcount

    def forget(self, channel: str, sender_id: str) -> int:
        """A patron's « Supprimer mes données »: cancel their coming bookings (the slots are free again) and
        erase the personal fields of all their bookings on this channel; return how many."""
        now = self.clock()
        theirs = (Booking.channel == channel) & (Booking.sender_id == sender_id)
        with self.session.begin() as session:
            session.execute(_update(Booking).where(theirs, Booking.status == CONFIRMED, Booking.start > now)
                            .values(status=CANCELLED, cancelled_at=now))
            session.execute(_held(channel, sender_id, delete(HeldContact)))
            return session.execute(_update(Booking).where(theirs).values(**ANONYMOUS, anonymised_at=now)).rowcount

    # The booking form: the contact, held out of the conversation until the booking is saved ----------------------

    def hold_contact(self, channel: str, sender_id: str, contact: Contact) -> None:
        """Keep the contact a patron just gave (replacing an earlier one)."""
        with self.session.begin() as session:
            session.merge(HeldContact(channel=channel, sender_id=sender_id, contact=contact.value,
                                      contact_kind=contact.kind, held_at=self.clock()))

    def held_contact(self, channel: str, sender_id: str) -> Optional[Contact]:
        with self.session() as session:
            held = session.execute(_held(channel, sender_id, select(HeldContact))).scalar_one_or_none()
        return Contact(held.contact_kind, held.contact) if held else None

    def release_contact(self, channel: str, sender_id: str) -> None:
        with self.session.begin() as session:
            session.execute(_held(channel, sender_id, delete(HeldContact)))

    def due_reminders(self, now: datetime) -> list[Booking]:
        """Confirmed bookings of the day after `now` (Paris) not reminded yet."""
        tomorrow = (now.astimezone(PARIS) + timedelta(days=1)).date()
        start = datetime.combine(tomorrow, datetime.min.time(), tzinfo=PARIS)
        end = datetime.combine(tomorrow + timedelta(days=1), datetime.min.time(), tzinfo=PARIS)
        with self.session() as session:
            return list(session.execute(select(Booking).where(
                Booking.status == CONFIRMED, Booking.reminded_at.is_(None), Booking.anonymised_at.is_(None),
                Booking.start >= start, Booking.start < end).order_by(Booking.start)).scalars())

    def mark_reminded(self, booking: Booking, via: str = "none") -> bool:
        """Record that the booking's reminder went (`via`: email, the channel, both, or none);
        False when it was recorded already."""
        now = self.clock()
        with self.session.begin() as session:
            result = session.execute(_update(Booking).where(
                Booking.id == booking.id, Booking.reminded_at.is_(None)).values(reminded_at=now, reminded_via=via))
        booking.reminded_at, booking.reminded_via = now, via
        return result.rowcount == 1


def _held(channel: str, sender_id: str, statement: Any) -> Any:
    """`statement` (a select or a delete of held contacts) restricted to one conversation."""
    return statement.where(HeldContact.channel == channel, HeldContact.sender_id == sender_id)


def _cancel(now: datetime) -> Update:
    """Cancelling the confirmed bookings that have not started at `now` (narrowed by the caller)."""
    return _update(Booking).where(Booking.status == CONFIRMED, Booking.start > now).values(
        status=CANCELLED, cancelled_at=now)


def _update(model: type) -> Update:
    """An UPDATE of many rows; the session's objects are not refreshed (each method uses its own session)."""
    return update(model).execution_options(synchronize_session=False)


def _load_sites(session: Session, sites: Sites) -> None:
    """Upsert the sites and mediators of the file; those it no longer lists become inactive."""
    for position, site in enumerate(sites.sites):
        session.merge(Site(id=site.id, position=position, name=site.name, address=site.address,
                           postal_code=site.postal_code, commune=site.commune, phone=site.phone,
                           accessibility=site.accessibility,
                           closed_on_public_holidays=site.closed_on_public_holidays, active=True))
    for mediator in sites.mediators:
        session.merge(Mediator(id=mediator.id, first_name=mediator.first_name, active=True))
    session.flush()
    session.execute(_update(Site).where(Site.id.not_in([site.id for site in sites.sites])).values(active=False))
    session.execute(_update(Mediator).where(
        Mediator.id.not_in([mediator.id for mediator in sites.mediators])).values(active=False))


def _load_agenda(session: Session, sites: Sites) -> None:
    """Replace the weekly availability and the closures by those of the file."""
    session.execute(delete(Availability))
    session.execute(delete(Closure))
    session.add_all(_availability(sites))
    session.add_all(_closures(sites))


def _availability(sites: Sites) -> list[Availability]:
    return [Availability(mediator_id=entry.mediator, site_id=entry.site, weekday=entry.weekday_index,
                         start_time=entry.start, end_time=entry.end, slot_minutes=entry.slot_minutes,
                         valid_from=entry.valid_from, valid_until=entry.valid_until) for entry in sites.availability]


def _closures(sites: Sites) -> list[Closure]:
    return [Closure(start_date=entry.start, end_date=entry.end, site_id=entry.site, mediator_id=entry.mediator,
                    reason=entry.reason) for entry in sites.closures]


def _offered(booking: Booking, permanences: list[Availability], closures: list[Closure],
             holidays: dict[str, bool]) -> bool:
    """Whether the booking's slot is one that these permanences and closures give."""
    slot = Slot(booking.site_id, booking.mediator_id, booking.start, booking.end)
    mine = [permanence for permanence in permanences
            if (permanence.site_id, permanence.mediator_id) == (slot.site_id, slot.mediator_id)]
    return slot in slots_between(slot.start, slot.end, mine, closures, holidays)


def ensure_database(settings: Settings) -> BookingStore:
    """The booking store, its tables up to date and loaded with knowledge_base/sites.yml: what the processes that
    use the booking database call once at start."""
    store = BookingStore(settings.booking_database_url)
    store.migrate()
    if store.load_knowledge(sites(settings.knowledge_dir / "sites.yml")):
        log.info("sites, availability and closures loaded from %s", settings.knowledge_dir / "sites.yml")
    return store
