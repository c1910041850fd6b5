"""A database that hangs (a lock held by a stuck process) makes a patron's turn fail within seconds, for the apology,
instead of holding the conversation: the tracker store's statements wait TURN_STATEMENT_SECONDS at most, on SQLite
and PostgreSQL; every PostgreSQL engine's statements STATEMENT_SECONDS."""
from __future__ import annotations

import asyncio
import sqlite3
import time
from typing import Callable

import pytest
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

import bot.privacy.tracker_store
from bot.db.engines import SQLITE_TIMEOUT, STATEMENT_SECONDS, TURN_STATEMENT_SECONDS, engine_for
from bot.privacy.tracker_store import RedactingSQLTrackerStore
from bot.rasa_tuning import ACTION_TIMEOUT_SECONDS


def test_a_turn_waits_for_the_database_less_than_the_apology_s_10_s() -> None:
    assert TURN_STATEMENT_SECONDS <= 5 and ACTION_TIMEOUT_SECONDS <= 7 and STATEMENT_SECONDS <= 10
    assert SQLITE_TIMEOUT == 30  # the booking store's writers still wait for each other as long as before


def test_the_tracker_store_gives_up_a_database_that_hangs(database_url: str, monkeypatch: pytest.MonkeyPatch,
                                                            report: Callable[[str], None]) -> None:
    monkeypatch.setattr(bot.privacy.tracker_store, "TURN_STATEMENT_SECONDS", 1)  # TURN_STATEMENT_SECONDS, sooner
    store = RedactingSQLTrackerStore(Domain.empty(), host=database_url)
    tracker = DialogueStateTracker.from_events("patron", [UserUttered("bonjour")])
    asyncio.run(store.save(tracker))
    tracker.update(UserUttered("je voudrais un rendez-vous"))
    with hung(database_url):
        started = time.monotonic()
        with pytest.raises(OperationalError):
            asyncio.run(store.save(tracker))
        waited = time.monotonic() - started
    report(f"tracker store on {make_url(database_url).get_backend_name()} held by a hung process: the turn's "
           f"statement given up after {waited:.1f} s (1 s here, {TURN_STATEMENT_SECONDS} s in service)")
    assert waited < 3
    asyncio.run(store.save(tracker))  # the database back, the conversation goes on
    assert len(asyncio.run(store.retrieve("patron")).events) == 2


class hung:
    """Another connection holding a write lock on the conversations' table, as a stuck process would."""

    def __init__(self, url: str):
        self.url = url

    def __enter__(self) -> None:
        if make_url(self.url).get_backend_name() == "sqlite":
            self.sqlite = sqlite3.connect(make_url(self.url).database, isolation_level=None)
            self.sqlite.execute("BEGIN IMMEDIATE")
        else:
            self.engine = engine_for(self.url)
            self.connection = self.engine.connect()
            self.transaction = self.connection.begin()
            self.connection.execute(text("LOCK TABLE events IN ACCESS EXCLUSIVE MODE"))

    def __exit__(self, *exc_info: object) -> None:
        if make_url(self.url).get_backend_name() == "sqlite":
            self.sqlite.execute("ROLLBACK")
            self.sqlite.close()
        else:
            self.transaction.rollback()
            self.connection.close()
            self.engine.dispose()


def test_postgresql_statements_end_after_the_statement_timeout(postgres) -> None:
    with postgres.new() as url:
        engine = engine_for(url)
        try:
            with engine.connect() as connection:
                assert connection.execute(text("SHOW statement_timeout")).scalar_one() == f"{STATEMENT_SECONDS}s"
        finally:
            engine.dispose()
