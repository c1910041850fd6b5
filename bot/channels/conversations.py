"""The conversations Rasa keeps, as the channels need them: a button's payload found again, and the erasure a
patron asks for (« Supprimer mes données »). Once the action has erased the patron's bookings and said so with
`custom.forget` (docs/contract.md §5), the channel erases the conversation, after Rasa has saved the turn."""
from __future__ import annotations

import logging
from typing import Any, Optional

from rasa.core.agent import Agent
from rasa.core.tracker_store import InMemoryTrackerStore, SQLTrackerStore, TrackerStore
from rasa.shared.core.events import BotUttered
from sanic import Sanic

log = logging.getLogger(__name__)


def rasa_agent() -> Agent:
    """The agent of the Rasa server this code runs in."""
    return Sanic.get_app().ctx.agent


async def button_payload(sender_id: str, title: str, index: int) -> Optional[str]:
    """The payload of the `index`-th button, titled `title`, of the latest bot message that had it."""
    tracker = await rasa_agent().tracker_store.retrieve(sender_id)
    for event in reversed(tracker.events if tracker else []):
        buttons = (event.data.get("buttons") or []) if isinstance(event, BotUttered) else []
        if 0 <= index < len(buttons) and buttons[index].get("title") == title:
            return buttons[index].get("payload")
    return None


def forgets(messages: list[dict[str, Any]]) -> bool:
    """Whether this turn erased the patron's data."""
    return any(isinstance(m.get("custom"), dict) and m["custom"].get("forget") is True for m in messages)


def innermost(store: TrackerStore) -> TrackerStore:
    """The store under Rasa's wrappers (awaitable, fail-safe)."""
    while hasattr(store, "_tracker_store"):
        store = store._tracker_store
    return store


async def forget_conversation(sender_id: str) -> None:
    """Delete every event of the conversation `sender_id`; its next message starts a new one."""
    store = innermost(rasa_agent().tracker_store)
    if isinstance(store, SQLTrackerStore):
        with store.session_scope() as session:
            session.query(store.SQLEvent).filter(store.SQLEvent.sender_id == sender_id).delete()
            session.commit()
    elif isinstance(store, InMemoryTrackerStore):
        store.store.pop(sender_id, None)
    else:
        log.error("conversation not erased: %s cannot erase one", type(store).__name__)
