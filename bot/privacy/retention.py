"""Conversations are kept CONVERSATION_RETENTION_DAYS after their last message, then deleted from Rasa's SQL
tracker store (the jobs run this)."""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import create_engine, delete, func, select

from bot.privacy.events_table import EVENTS


def forget_old_conversations(tracker_store_url: str, now: datetime, days: int) -> int:
    """Delete every conversation whose last event is older than `days` days; return how many."""
    cutoff = (now - timedelta(days=days)).timestamp()
    engine = create_engine(tracker_store_url, future=True)
    try:
        with engine.begin() as connection:
            if not engine.dialect.has_table(connection, "events"):  # Rasa has not started yet
                return 0
            old = select(EVENTS.c.sender_id).group_by(EVENTS.c.sender_id).having(func.max(EVENTS.c.timestamp) < cutoff)
            senders = connection.execute(old).scalars().all()
            if senders:
                connection.execute(delete(EVENTS).where(EVENTS.c.sender_id.in_(senders)))
            return len(senders)
    finally:
        engine.dispose()
