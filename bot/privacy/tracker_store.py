"""Rasa's SQL tracker store, keeping conversations with personal data masked (endpoints.yml names it).

What the patron typed is used in full during the turn; only what is stored (and streamed to an event broker)
is masked. A booking's contact is therefore never kept in the conversation: the booking form holds it in the
booking database until the booking is saved (bot.booking.store.BookingStore.hold_contact).
"""
from __future__ import annotations

from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.events import Event
from rasa.shared.core.trackers import DialogueStateTracker

from bot.privacy.redaction import redact_data


def redacted(tracker: DialogueStateTracker) -> DialogueStateTracker:
    """A copy of `tracker` whose events have their personal data masked."""
    events = [Event.from_parameters(redact_data(event.as_dict())) for event in tracker.events]
    return DialogueStateTracker.from_events(tracker.sender_id, events, list(tracker.slots.values()),
                                            tracker._max_event_history)


class RedactingSQLTrackerStore(SQLTrackerStore):
    """SQLTrackerStore (SQLite, PostgreSQL…) that saves masked events."""

    async def save(self, tracker: DialogueStateTracker) -> None:
        await super().save(redacted(tracker))
