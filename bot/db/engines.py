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
# Seconds a PostgreSQL statement may wait (for a lock held by a hung process) or run, then it fails: the
# statement_timeout of every engine. A patron's turn fails sooner (bot/rasa_tuning.py's ACTION_TIMEOUT_SECONDS).
STATEMENT_SECONDS = 10
# Seconds a statement of Rasa's tracker store may wait for the database, SQLite or PostgreSQL: then the turn ends with
# the apology within 10 s, instead of holding its conversation's lock behind a database that hangs.
TURN_STATEMENT_SECONDS = 5

EngineSource = Callable[[str], Engine]  # what the stores get their engine from: `engine_for`, or SharedEngines


def engine_for(url: str, sqlite_timeout: float = SQLITE_TIMEOUT) -> Engine:
    """An engine for `url`; for SQLite, the folder is created, writers wait for each other (`sqlite_timeout`
    seconds at most), WAL is on and a file's connections are pooled (SQLAlchemy 1.4 opens one per session, whose
    set-up cost more than most queries); for PostgreSQL, statements end after STATEMENT_SECONDS."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return limit_statements(create_engine(url, future=True, pool_pre_ping=True))
    connect_args = {"timeout": sqlite_timeout, "check_same_thread": False}
    if parsed.database in (None, "", ":memory:"):
        engine = create_engine(url, future=True, connect_args=connect_args)
    else:
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, future=True, connect_args=connect_args, poolclass=QueuePool)
        _drop_connections_to_a_former_file(engine, Path(parsed.database))
    event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def limit_statements(engine: Engine, seconds: float = STATEMENT_SECONDS) -> Engine:
    """`engine` whose new PostgreSQL connections end a statement that waits or runs more than `seconds` (one that
    waits for a lock held by a hung process too); other databases' engines unchanged."""
    if engine.dialect.name == "postgresql":
        def options(dialect: Any, record: Any, cargs: Any, cparams: dict[str, Any]) -> None:
            timeout = f"-c statement_timeout={int(seconds * 1000)}"
            cparams["options"] = f"{cparams['options']} {timeout}" if cparams.get("options") else timeout

        event.listen(engine, "do_connect", options)
        engine.dispose()  # the connections opened before (Rasa's tracker store makes its table) have no limit
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
