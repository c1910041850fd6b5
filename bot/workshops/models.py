"""The workshops' tables: the sessions (copied from the workshops file, so that figures and registrations outlive
an edit of it) and the registrations.

Seats: a registered patron holds a seat numbered 1 … capacity, and a unique index on (session, seat) among the
registered makes the database refuse a seat given twice, however many patrons register at the same moment; a
waitlisted patron holds none. Personal fields are erased after the retention delay.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, Column, ForeignKey, Index, Integer, String, text

from bot.booking.codes import display_code
from bot.db.tables import Base, UTCDateTime
from bot.hours import PARIS

REGISTERED, WAITLISTED, CANCELLED = "registered", "waitlisted", "cancelled"


class WorkshopSession(Base):
    """A session of a workshop; `active` is False once it left the workshops file (or closed), `cancelled_at` set
    when staff cancelled it."""

    __tablename__ = "workshop_sessions"
    id = Column(String(120), primary_key=True)  # "tablette-debutants-2026-12-08"
    workshop_id = Column(String(100), nullable=False)
    title = Column(String(200), nullable=False)
    theme = Column(String(40))
    level = Column(String(20))
    site_id = Column(String(40), ForeignKey("sites.id"), nullable=False)
    room = Column(String(200))
    mediator_id = Column(String(40), ForeignKey("mediators.id"), nullable=False)
    start = Column(UTCDateTime, nullable=False)
    end = Column(UTCDateTime, nullable=False)
    capacity = Column(Integer, nullable=False)
    active = Column(Boolean, nullable=False, default=True)
    cancelled_at = Column(UTCDateTime)

    __table_args__ = (Index("ix_workshop_sessions_start", "start"),)

    def contract(self, seats_left: int) -> dict[str, object]:
        """An item of `custom.workshops` (docs/contract.md §5)."""
        return {"id": self.id, "title": self.title, "theme": self.theme, "start": self.start_paris.isoformat(),
                "site": self.site_id, "capacity": self.capacity, "seats_left": seats_left}

    @property
    def start_paris(self) -> datetime:
        return self.start.astimezone(PARIS)


class WorkshopsState(Base):
    """One row: the digest of the workshops last copied into `workshop_sessions`; updating it first serialises
    concurrent copies."""

    __tablename__ = "workshops_state"
    id = Column(Integer, primary_key=True)
    digest = Column(String(64), nullable=False, default="")
    loaded_at = Column(UTCDateTime)


class Registration(Base):
    """A patron's place in a session: registered (with a seat), waitlisted (in order of `id`) or cancelled."""

    __tablename__ = "workshop_registrations"
    id = Column(Integer, primary_key=True)
    code = Column(String(12), nullable=False, unique=True)  # stored without the dash, as booking codes
    session_id = Column(String(120), ForeignKey("workshop_sessions.id"), nullable=False)
    status = Column(String(12), nullable=False)
    seat = Column(Integer)  # 1 … capacity while registered, else None
    first_name = Column(String(80))
    contact = Column(String(254))  # +33XXXXXXXXX or an email address; None: the chat channel only
    contact_kind = Column(String(10))
    channel = Column(String(30), nullable=False)
    sender_id = Column(String(255))
    created_at = Column(UTCDateTime, nullable=False)
    promoted_at = Column(UTCDateTime)  # moved from the waiting list to a seat
    promoted_via = Column(String(40))  # how they were told: "email", the channel, both joined by "+", or "none"
    cancelled_at = Column(UTCDateTime)
    cancelled_via = Column(String(40))  # the session cancelled by staff, or skipped: how they were told
    skipped = Column(Boolean, nullable=False, default=False)  # left the waiting list: could not be told in time
    attended = Column(Boolean)  # marked by staff after the session: present True, absent False
    reminded_at = Column(UTCDateTime)
    reminded_via = Column(String(40))
    anonymised_at = Column(UTCDateTime)

    __table_args__ = (
        Index("uq_workshop_registrations_session_id_seat_registered", "session_id", "seat", unique=True,
              sqlite_where=text("status = 'registered'"), postgresql_where=text("status = 'registered'")),
        CheckConstraint("(status = 'registered') = (seat IS NOT NULL)", name="seat_when_registered"),
        Index("ix_workshop_registrations_session_id", "session_id"),
    )

    @property
    def display_code(self) -> str:
        return display_code(self.code)
