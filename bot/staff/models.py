"""Staff tables of the application database (the booking database's metadata, so one migration history)."""
from __future__ import annotations

from sqlalchemy import Boolean, Column, ForeignKey, Index, Integer, String

from bot.booking.models import Base, UTCDateTime

ADMIN, MEDIATOR = "admin", "mediator"
ROLES = (ADMIN, MEDIATOR)


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
