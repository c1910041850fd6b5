"""Engines of the application database (bookings, staff, console) and of the conversations: any SQLAlchemy URL,
SQLite under var/ by default."""
from __future__ import annotations

import sqlite3
import time
from pathlib import Path
from typing import Any, Callable, Optional

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.pool import QueuePool

SQLITE_TIMEOUT = 30  # seconds a writer waits for another one instead of failing with "database is locked"

EngineSource = Callable[[str], Engine]  # what the stores get their engine from: `engine_for`, or SharedEngines


def engine_for(url: str) -> Engine:
    """An engine for `url`; for SQLite, the folder is created, writers wait for each other, WAL is on and a file's
    connections are pooled (SQLAlchemy 1.4 opens one per session, whose set-up cost more than most queries)."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return create_engine(url, future=True, pool_pre_ping=True)
    connect_args = {"timeout": SQLITE_TIMEOUT, "check_same_thread": False}
    if parsed.database in (None, "", ":memory:"):
        engine = create_engine(url, future=True, connect_args=connect_args)
    else:
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, future=True, connect_args=connect_args, poolclass=QueuePool)
        _drop_connections_to_a_former_file(engine, Path(parsed.database))
    event.listen(engine, "connect", _sqlite_pragmas)
    return engine


class SharedEngines:
    """One engine per database URL for every object of a process given this instead of `engine_for`: the web
    server's pages share one connection pool per database rather than opening one each."""

    def __init__(self) -> None:
        self._engines: dict[str, Engine] = {}

    def __call__(self, url: str) -> Engine:
        if url not in self._engines:
            self._engines[url] = engine_for(url)
        return self._engines[url]

    def dispose(self) -> None:
        """Close the pooled connections of every engine."""
        for engine in self._engines.values():
            engine.dispose()


def _drop_connections_to_a_former_file(engine: Engine, path: Path) -> None:
    """A pooled connection whose file was since moved, deleted or replaced (a backup restored) is not used again:
    the next one opens the file now at `path`, or fails as a new connection does when there is none."""
    def file_now() -> Optional[tuple[int, int]]:
        try:
            found = path.stat()
        except FileNotFoundError:
            return None
        return found.st_dev, found.st_ino

    def remember(connection: Any, record: Any) -> None:
        record.info["file"] = file_now()

    def check(connection: Any, record: Any, proxy: Any) -> None:
        if record.info.get("file") != file_now():
            raise DisconnectionError(f"{path} was moved or replaced")

    event.listen(engine, "connect", remember)
    event.listen(engine, "checkout", check)


def _sqlite_pragmas(connection: Any, record: Any) -> None:
    """Write-ahead log (readers never block the writer, a commit needs no disk flush: a power cut may lose the last
    ones, a crash of the process none) and foreign keys, on every new connection."""
    cursor = connection.cursor()
    _switch_to_wal(cursor)
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def _switch_to_wal(cursor: Any) -> None:
    """Write-ahead log on. Two connections switching at the same moment (processes starting together on a new
    file) would wait for each other, so SQLite refuses one at once, without its busy timeout: it tries again."""
    deadline = time.monotonic() + SQLITE_TIMEOUT
    while True:
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) or time.monotonic() > deadline:
                raise
            time.sleep(0.05)
