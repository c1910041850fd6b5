"""Conversations written to a real tracker store as Rasa saves them (masked by our store), for the tests of the
console's conversations and activity: patron messages, answers carrying docs/contract.md §3 and §5 payloads."""
from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Any, Optional

from rasa.shared.core.domain import Domain
from rasa.shared.core.events import BotUttered, Event, SessionStarted, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.privacy.tracker_store import RedactingSQLTrackerStore


def visit(at: datetime) -> SessionStarted:
    return SessionStarted(timestamp=at.timestamp())


def wrote(text: str, at: datetime, intent: str = "learn_email", channel: str = "rest") -> UserUttered:
    return UserUttered(text, intent={"name": intent, "confidence": 0.9}, input_channel=channel,
                       timestamp=at.timestamp())


def triaged(route: str, at: datetime, **fields: Any) -> BotUttered:
    """The triage answer (docs/contract.md §3), a second after `at`."""
    triage = {"route": route, "scope": fields.pop("scope", "none"), "confidence": 0.87, **fields}
    return answered("Voici ce que je vous propose.", at, custom={"triage": triage})


def answered(text: str, at: datetime, buttons: Optional[list[dict]] = None, **data: Any) -> BotUttered:
    return BotUttered(text, {"buttons": buttons, **data}, timestamp=at.timestamp() + 1)


def card(kind: str, name: str, at: datetime) -> BotUttered:
    """A partner's card (docs/contract.md §5)."""
    return answered(f"{name}, 1 rue de la Paix", at, custom={"partner": {"id": name.lower(), "kind": kind,
                                                                          "name": name}})


def save(tracker_store_url: str, sender: str, *events: Event) -> None:
    store = RedactingSQLTrackerStore(Domain.empty(), host=tracker_store_url)
    asyncio.run(store.save(DialogueStateTracker.from_events(sender, list(events))))
    store.engine.dispose()
