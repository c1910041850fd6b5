"""Rasa's SQL tracker store, keeping conversations with personal data masked (endpoints.yml names it).

What the patron typed is used in full during the turn; only what is stored (and streamed to an event broker)
is masked. A booking's contact is therefore never kept in the conversation: the booking form holds it in the
booking database until the booking is saved (bot.booking.store.BookingStore.hold_contact).
"""
from __future__ import annotations

import itertools
import json
from typing import Any, Dict, Iterable, List, Optional, Text

from rasa.core.brokers.broker import EventBroker
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.events import Event, SessionStarted
from rasa.shared.core.trackers import DialogueStateTracker
from sqlalchemy import bindparam, func, or_, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import sessionmaker

from bot.db.engines import TURN_STATEMENT_SECONDS, engine_for, limit_statements
from bot.privacy.redaction import redact_data


def redacted(events: Iterable[Event]) -> List[Event]:
    """Copies of `events` with their personal data masked."""
    return [Event.from_parameters(redact_data(one.as_dict())) for one in events]


class RedactingSQLTrackerStore(SQLTrackerStore):
    """Rasa's SQLTrackerStore (SQLite, PostgreSQL…, the same table) that saves and streams a turn's new events masked.

    It reads and writes with SQLAlchemy Core statements built once, on pooled connections: Rasa's ORM queries and
    SQLAlchemy 1.4's new connection per session for SQLite files took a third of a turn's time. SQLite is set up
    as the booking database (bot.db.engines.engine_for), except that a turn waits TURN_STATEMENT_SECONDS at most
    for the database, as with PostgreSQL: then it ends with the apology, instead of holding the conversation's
    lock."""

    engine: Engine  # SQLTrackerStore's, which Rasa ships without types

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.engine.dialect.name == "sqlite":  # a turn waits TURN_STATEMENT_SECONDS at most for another writer
            self.engine.dispose()
            self.engine = engine_for(self.engine.url.render_as_string(hide_password=False), TURN_STATEMENT_SECONDS)
            self.sessionmaker = sessionmaker(bind=self.engine)
        limit_statements(self.engine, TURN_STATEMENT_SECONDS)
        self.table = self.SQLEvent.__table__
        of_sender = self.table.c.sender_id == bindparam("sender_id")
        session_start = select(func.max(self.table.c.timestamp)).where(
            of_sender, self.table.c.type_name == SessionStarted.type_name).scalar_subquery()
        in_last_session = or_(self.table.c.timestamp >= session_start, session_start.is_(None))
        self.all_events = select(self.table.c.data).where(of_sender).order_by(self.table.c.id)
        self.session_events = self.all_events.where(in_last_session)
        self.session_size = select(func.count()).select_from(self.table).where(of_sender, in_last_session)

    async def _retrieve(self, sender_id: Text,
                        fetch_events_from_all_sessions: bool) -> Optional[DialogueStateTracker]:
        query = self.all_events if fetch_events_from_all_sessions else self.session_events
        with self.engine.connect() as connection:
            events = [json.loads(data) for data in connection.execute(query, {"sender_id": sender_id}).scalars()]
        if not (self.domain and events):
            return None
        return DialogueStateTracker.from_dict(sender_id, events, self.domain.slots)

    async def save(self, tracker: DialogueStateTracker) -> None:
        """Add the tracker's events that the database does not have yet, masked."""
        await self.stream_events(tracker)
        with self.engine.begin() as connection:
            stored = connection.execute(self.session_size, {"sender_id": tracker.sender_id}).scalar_one()
            rows = [row(tracker.sender_id, one) for one in itertools.islice(tracker.events, stored, None)]
            if rows:
                connection.execute(self.table.insert(), rows)

    async def _stream_new_events(self, event_broker: EventBroker, new_events: List[Event],
                                 sender_id: Text) -> None:
        await super()._stream_new_events(event_broker, redacted(new_events), sender_id)


def row(sender_id: Text, one: Event) -> Dict[str, Any]:
    """The events table's row of `one`, masked (the columns of Rasa's SQLTrackerStore.save)."""
    data = redact_data(one.as_dict())
    return {"sender_id": sender_id, "type_name": one.type_name, "timestamp": data.get("timestamp"),
            "intent_name": data.get("parse_data", {}).get("intent", {}).get("name"),
            "action_name": data.get("name"), "data": json.dumps(data)}
