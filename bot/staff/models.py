"""Staff tables of the application database (bot/db/: one metadata and one migration history for every table)."""
from __future__ import annotations

from sqlalchemy import Boolean, Column, ForeignKey, Index, Integer, String, Text

from bot.db.tables import Base, UTCDateTime

ADMIN, MEDIATOR = "admin", "mediator"
ROLES = (ADMIN, MEDIATOR)
ASSIGNED, DISMISSED = "assigned", "dismissed"  # what staff decided about an inbox message
# A training's status: running, then deployed, rejected (worse), unchanged (nothing new) or failed.
RUNNING, DEPLOYED, REJECTED, UNCHANGED, FAILED = "running", "deployed", "rejected", "unchanged", "failed"


class StaffAccount(Base):
    """A librarian or mediator who signs in to the console. Only a hash of the password is kept (Argon2id)."""

    __tablename__ = "staff_accounts"
    id = Column(Integer, primary_key=True)
    email = Column(String(254), nullable=False, unique=True)  # lower case
    name = Column(String(100), nullable=False)
    role = Column(String(20), nullable=False)  # ADMIN or MEDIATOR
    password_hash = Column(String(200), nullable=False)
    active = Column(Boolean, nullable=False, default=True)
    created_at = Column(UTCDateTime, nullable=False)
    mediator_id = Column(String(40), ForeignKey("mediators.id"))  # the mediator this account is, if any (agenda)


class StaffSession(Base):
    """A signed-in browser: the cookie holds a random token, the table its SHA-256 only."""

    __tablename__ = "staff_sessions"
    token_hash = Column(String(64), primary_key=True)
    account_id = Column(Integer, ForeignKey("staff_accounts.id", ondelete="CASCADE"), nullable=False)
    csrf_token = Column(String(64), nullable=False)  # echoed by every form of this session
    created_at = Column(UTCDateTime, nullable=False)
    last_seen_at = Column(UTCDateTime, nullable=False)


class LoginFailure(Base):
    """A refused sign-in, counted per address and per e-mail to slow down password guessing."""

    __tablename__ = "login_failures"
    id = Column(Integer, primary_key=True)
    key = Column(String(300), nullable=False)  # "ip:…" or "email:…"
    at = Column(UTCDateTime, nullable=False)
    __table_args__ = (Index("ix_login_failures_key_at", "key", "at"),)


class InboxDecision(Base):
    """What staff decided about an inbox message: an example of an intent, or dismissed. Keyed by the hash of
    the normalised text, so that the same words written again by a patron stay decided."""

    __tablename__ = "inbox_decisions"
    id = Column(Integer, primary_key=True)
    key = Column(String(64), nullable=False, unique=True)  # SHA-256 of the normalised (masked) text
    text = Column(Text, nullable=False)  # the masked text, as written to data/nlu when assigned
    decision = Column(String(10), nullable=False)  # ASSIGNED or DISMISSED
    intent = Column(String(100))  # the intent it was assigned to
    decided_by = Column(Integer, ForeignKey("staff_accounts.id", ondelete="SET NULL"))
    decided_at = Column(UTCDateTime, nullable=False)


class Training(Base):
    """A retraining started from the console, and its outcome: the history of models and who deployed them."""

    __tablename__ = "trainings"
    id = Column(Integer, primary_key=True)
    started_by = Column(Integer, ForeignKey("staff_accounts.id", ondelete="SET NULL"))
    started_at = Column(UTCDateTime, nullable=False)
    finished_at = Column(UTCDateTime)
    status = Column(String(10), nullable=False)  # RUNNING, DEPLOYED, REJECTED, UNCHANGED or FAILED
    stage = Column(String(100), nullable=False, default="")  # what it is doing now, for the progress shown
    model = Column(String(200))  # the new model's file name
    previous_model = Column(String(200))  # the model that was running when it started
    scores = Column(Text)  # JSON: accuracy per route of the previous and the new model on the held-out set
    reason = Column(Text)  # why it was not deployed, or what failed
