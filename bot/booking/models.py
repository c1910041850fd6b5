"""The booking database (SQLAlchemy 1.4 declarative): sites, mediators, weekly availability, closures, bookings.

Moments are stored in UTC and come back aware (UTC); convert to Europe/Paris at the edges.
A slot is never given twice: a unique index on (mediator, start) among confirmed bookings, so that
a cancelled booking frees its slot. Partial indexes need SQLite or PostgreSQL.
"""
from __future__ import annotations

from sqlalchemy import Boolean, Column, Date, ForeignKey, Index, Integer, String, Text, Time, text

from bot.booking.codes import display_code
from bot.booking.slots import Slot
from bot.booking.statuses import CANCELLED, CONFIRMED
from bot.db.tables import Base, UTCDateTime
from bot.knowledge.sites import SiteContact


class Site(SiteContact, Base):
    """A place of the library; `active` is False once it left knowledge_base/sites.yml."""

    __tablename__ = "sites"
    id = Column(String(40), primary_key=True)
    position = Column(Integer, nullable=False, default=0)  # order of the sites file, for choices
    name = Column(String(200), nullable=False)
    address = Column(String(200), nullable=False)
    postal_code = Column(String(5), nullable=False)
    commune = Column(String(100), nullable=False)
    phone = Column(String(20), nullable=False)
    accessibility = Column(Text)
    closed_on_public_holidays = Column(Boolean, nullable=False, default=True)
    active = Column(Boolean, nullable=False, default=True)



class Mediator(Base):
    """A mediator; patrons only see the first name."""

    __tablename__ = "mediators"
    id = Column(String(40), primary_key=True)
    first_name = Column(String(80), nullable=False)
    active = Column(Boolean, nullable=False, default=True)


class Availability(Base):
    """A weekly permanence of a mediator at a site, in Europe/Paris wall-clock time."""

    __tablename__ = "availability"
    id = Column(Integer, primary_key=True)
    mediator_id = Column(String(40), ForeignKey("mediators.id"), nullable=False)
    site_id = Column(String(40), ForeignKey("sites.id"), nullable=False)
    weekday = Column(Integer, nullable=False)  # 0 Monday … 6 Sunday
    start_time = Column(Time, nullable=False)
    end_time = Column(Time, nullable=False)
    slot_minutes = Column(Integer, nullable=False)
    valid_from = Column(Date)
    valid_until = Column(Date)


class Closure(Base):
    """Whole days without appointments (both included): the library, one site or one mediator."""

    __tablename__ = "closures"
    id = Column(Integer, primary_key=True)
    start_date = Column(Date, nullable=False)
    end_date = Column(Date, nullable=False)
    site_id = Column(String(40), ForeignKey("sites.id"))  # None with mediator None: the whole library
    mediator_id = Column(String(40), ForeignKey("mediators.id"))
    reason = Column(String(200), nullable=False)


class KnowledgeState(Base):
    """One row: the digest of the sites file last loaded; updating it first serialises concurrent loads."""

    __tablename__ = "knowledge_state"
    id = Column(Integer, primary_key=True)
    digest = Column(String(64), nullable=False, default="")
    loaded_at = Column(UTCDateTime)


class HeldContact(Base):
    """The contact a patron gave in the booking form, held here rather than in the conversation (which keeps
    only masked text) until the booking is saved; erased then, or after a day."""

    __tablename__ = "held_contacts"
    channel = Column(String(30), primary_key=True)
    sender_id = Column(String(255), primary_key=True)
    contact = Column(String(254), nullable=False)  # +33XXXXXXXXX or an email address
    contact_kind = Column(String(10), nullable=False)  # mobile, landline, email
    held_at = Column(UTCDateTime, nullable=False)


class Booking(Base):
    """An appointment. Personal fields (first name, contact, accessibility, sender) are erased after
    the retention delay; the rest stays as an anonymous statistic."""

    __tablename__ = "bookings"
    id = Column(Integer, primary_key=True)
    code = Column(String(12), nullable=False, unique=True)  # stored without the dash: "K7M4QP"
    site_id = Column(String(40), ForeignKey("sites.id"), nullable=False)
    mediator_id = Column(String(40), ForeignKey("mediators.id"), nullable=False)
    start = Column(UTCDateTime, nullable=False)
    end = Column(UTCDateTime, nullable=False)
    topic = Column(String(60))  # from triage: a tutorial theme, a partner kind or a route
    urgent = Column(Boolean, nullable=False, default=False)
    first_name = Column(String(80))
    contact = Column(String(254))  # +33XXXXXXXXX or an email address; None: the chat channel only
    contact_kind = Column(String(10))  # mobile, landline, email; None: no contact
    accessibility = Column(Text)
    channel = Column(String(30), nullable=False)  # rest, telegram, …
    sender_id = Column(String(255))
    status = Column(String(10), nullable=False, default=CONFIRMED)  # CONFIRMED, CANCELLED, DONE or NO_SHOW
    created_at = Column(UTCDateTime, nullable=False)
    cancelled_at = Column(UTCDateTime)
    moved_at = Column(UTCDateTime)
    reminded_at = Column(UTCDateTime)
    reminded_via = Column(String(40))  # "email", "email+telegram", the channel, or "none" when nobody was reachable
    cancelled_via = Column(String(40))  # cancelled by staff: how the patron was told, as `reminded_via`
    anonymised_at = Column(UTCDateTime)
    # The staff account (its id) that marked it done or no-show, or cancelled it, in the console, and when.
    handled_by = Column(Integer)
    handled_at = Column(UTCDateTime)

    __table_args__ = (
        Index("uq_bookings_mediator_id_start_confirmed", "mediator_id", "start", unique=True,
              sqlite_where=text("status = 'confirmed'"), postgresql_where=text("status = 'confirmed'")),
        Index("ix_bookings_start", "start"),
    )

    @property
    def slot(self) -> Slot:
        return Slot(self.site_id, self.mediator_id, self.start, self.end)

    @property
    def display_code(self) -> str:
        """"K7M-4QP"."""
        return display_code(self.code)

    def contract(self) -> dict[str, str]:
        """The `custom.booking` object of docs/contract.md §5."""
        if self.status == CANCELLED:
            return {"status": CANCELLED, "code": self.display_code}
        return {"status": self.status, "code": self.display_code, "start": self.slot.start.isoformat(),
                "site": self.site_id}
