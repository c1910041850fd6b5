"""What the channels read from and erase in Rasa's tracker store: a long button payload found again, and
« Supprimer mes données », on Rasa's real in-memory and SQL tracker stores."""
from __future__ import annotations

import asyncio
from pathlib import Path
from types import SimpleNamespace
from typing import Iterator

import pytest
from rasa.core.tracker_store import AwaitableTrackerStore, InMemoryTrackerStore, SQLTrackerStore, TrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import BotUttered, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from sanic import Sanic

from bot.channels.conversations import button_payload, forget_conversation, forgets

SLOT = '/choose{"slot": "mediatheque-centrale|camille|2026-11-28T10:00:00+01:00|30"}'
OLDER = '/choose{"slot": "mediatheque-centrale|camille|2026-11-21T10:00:00+01:00|30"}'
APP = Sanic("aiguillage_channel_tests")


@pytest.fixture(params=["memory", "sql"])
def tracker_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[TrackerStore]:
    """A Rasa tracker store holding two conversations, as the agent of the Rasa server this code runs in."""
    domain = Domain.empty()
    store = AwaitableTrackerStore(InMemoryTrackerStore(domain) if request.param == "memory"
                                  else SQLTrackerStore(domain, db=str(tmp_path / "tracker.db")))
    for sender in ("42", "43"):
        tracker = DialogueStateTracker(sender, [])
        tracker.update(UserUttered("je veux un rendez-vous"))
        older = {"buttons": [{"title": "samedi 21 novembre à 10 h", "payload": OLDER}]}
        tracker.update(BotUttered("Choisissez :", older))
        newer = {"buttons": [{"title": "Autres", "payload": "/more"},
                             {"title": "samedi 28 novembre à 10 h", "payload": SLOT}]}
        tracker.update(BotUttered("Choisissez :", newer))
        asyncio.run(store.save(tracker))
    APP.ctx.agent = SimpleNamespace(tracker_store=store)
    yield store


def test_a_long_payload_is_found_by_its_title_and_place_in_the_latest_message(tracker_store: TrackerStore) -> None:
    assert asyncio.run(button_payload("42", "samedi 28 novembre à 10 h", 1)) == SLOT
    assert asyncio.run(button_payload("42", "samedi 21 novembre à 10 h", 0)) == OLDER  # an older message's button
    assert asyncio.run(button_payload("42", "samedi 28 novembre à 10 h", 0)) is None  # not at that place
    assert asyncio.run(button_payload("unknown", "samedi 28 novembre à 10 h", 1)) is None


def test_forgetting_erases_one_conversation_only(tracker_store: TrackerStore) -> None:
    asyncio.run(forget_conversation("42"))
    assert asyncio.run(tracker_store.retrieve("42")) is None
    assert len(asyncio.run(tracker_store.retrieve("43")).events) == 3


def test_a_turn_forgets_only_when_the_action_says_so() -> None:
    assert forgets([{"text": "C'est fait"}, {"custom": {"forget": True}}])
    assert not forgets([{"text": "forget"}, {"custom": {"forget": "yes"}}, {"custom": "forget"}])
