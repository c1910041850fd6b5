"""Rasa's SQL tracker store, keeping conversations with personal data masked (endpoints.yml names it).

What the patron typed is used in full during the turn; only what is stored (and streamed to an event broker)
is masked. A booking's contact is therefore never kept in the conversation: the booking form holds it in the
booking database until the booking is saved (bot.booking.store.BookingStore.hold_contact).
"""
from __future__ import annotations

from typing import Any, Iterable, Iterator, List, Text

from rasa.core.brokers.broker import EventBroker
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.events import Event
from rasa.shared.core.trackers import DialogueStateTracker
from sqlalchemy import event

from bot.booking.database import sqlite_pragmas
from bot.privacy.redaction import redact_data


def redacted(events: Iterable[Event]) -> List[Event]:
    """Copies of `events` with their personal data masked."""
    return [Event.from_parameters(redact_data(one.as_dict())) for one in events]


class RedactingSQLTrackerStore(SQLTrackerStore):
    """SQLTrackerStore (SQLite, PostgreSQL…) that saves and streams the new events of a turn masked. On SQLite, the
    database is in write-ahead-log mode, as the booking database."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.engine.dialect.name == "sqlite":
            event.listen(self.engine, "connect", sqlite_pragmas)

    def _additional_events(self, session: Any, tracker: DialogueStateTracker) -> Iterator[Event]:
        return iter(redacted(super()._additional_events(session, tracker)))

    async def _stream_new_events(self, event_broker: EventBroker, new_events: List[Event],
                                 sender_id: Text) -> None:
        await super()._stream_new_events(event_broker, redacted(new_events), sender_id)
