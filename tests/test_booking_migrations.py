"""Alembic migrations of the booking database, on SQLite and PostgreSQL: from empty to the models, twice, and
from processes that start together."""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import OperationalError

from bot.db.engines import engine_for
from bot.db.tables import Base
from bot.db.upgrade import upgrade
from bot.settings import ROOT
from bot.staff import models as staff_models  # noqa: F401  (the staff tables, in the same metadata)
from tests.support.booking import sqlite_url

TABLES = {"alembic_version", "sites", "mediators", "availability", "closures", "bookings", "knowledge_state",
          "held_contacts", "staff_accounts", "staff_sessions", "login_failures", "inbox_decisions", "trainings",
          "workshop_sessions", "workshop_registrations", "workshops_state"}


def schema(connection: Connection) -> str:
    """Every table with its columns, indexes and constraints, as text to compare (types and conditions as SQL)."""
    found = inspect(connection)
    tables = [(table, found.get_columns(table), found.get_indexes(table), found.get_unique_constraints(table),
               found.get_foreign_keys(table), found.get_pk_constraint(table))
              for table in sorted(found.get_table_names())]
    return json.dumps(tables, default=str, sort_keys=True)


def test_upgrade_creates_the_tables_of_the_models(database_url: str) -> None:
    upgrade(database_url)
    engine = engine_for(database_url)
    with engine.connect() as connection:
        assert set(inspect(connection).get_table_names()) == TABLES
        assert compare_metadata(MigrationContext.configure(connection), Base.metadata) == []
        indexes = {index["name"]: index for index in inspect(connection).get_indexes("bookings")}
        assert indexes["uq_bookings_mediator_id_start_confirmed"]["unique"]
        assert connection.exec_driver_sql("SELECT id, digest FROM knowledge_state").all() == [(1, "")]
    engine.dispose()


def test_sqlite_gets_its_folder_and_a_write_ahead_log(tmp_path: Path) -> None:
    url = sqlite_url(tmp_path / "sub")
    upgrade(url)
    engine = engine_for(url)
    with engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
    engine.dispose()


def count(engine: Engine) -> int:
    with engine.connect() as connection:
        return connection.exec_driver_sql("SELECT count(*) FROM notes").scalar_one()


def checkpoint(engine: Engine) -> None:
    """Everything written moved from the write-ahead log into the database file, as a backup needs."""
    with engine.connect() as connection:
        connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")


def test_sqlite_connections_are_reused_but_never_to_a_former_file(tmp_path: Path) -> None:
    """Pooled, unlike SQLAlchemy 1.4's default for files; a moved folder or a restored backup is seen at once."""
    path = tmp_path / "db" / "bookings.db"
    engine = engine_for(f"sqlite:///{path}")
    with engine.begin() as connection:
        connection.exec_driver_sql("CREATE TABLE notes (n INTEGER)")
        connection.exec_driver_sql("INSERT INTO notes VALUES (1)")
    checkpoint(engine)
    with engine.connect() as first:
        first_connection = first.connection.dbapi_connection
    with engine.connect() as again:
        assert again.connection.dbapi_connection is first_connection  # the same, pooled
    shutil.copy(path, tmp_path / "backup.db")
    with engine.begin() as connection:
        connection.exec_driver_sql("INSERT INTO notes VALUES (2)")
    assert count(engine) == 2
    checkpoint(engine)
    (tmp_path / "backup.db").replace(path)  # the backup restored while the assistant runs
    assert count(engine) == 1
    path.parent.rename(tmp_path / "away")  # the disk gone
    with pytest.raises(OperationalError):
        count(engine)
    (tmp_path / "away").rename(path.parent)
    assert count(engine) == 1
    engine.dispose()


def test_upgrading_twice_changes_nothing(database_url: str) -> None:
    upgrade(database_url)
    engine = engine_for(database_url)
    with engine.begin() as connection:
        connection.exec_driver_sql("UPDATE knowledge_state SET digest = 'loaded'")
        before = schema(connection)
    upgrade(database_url)
    with engine.connect() as connection:
        assert schema(connection) == before
        assert connection.exec_driver_sql("SELECT version_num FROM alembic_version").all() == [("0006",)]
        assert connection.exec_driver_sql("SELECT digest FROM knowledge_state").all() == [("loaded",)]
    engine.dispose()


@pytest.mark.slow
def test_processes_starting_together_migrate_one_after_the_other(database_url: str) -> None:
    """As `make run` starts the web server, the jobs and the action server: each migrates at start."""
    at = time.time() + 5  # once every process has imported, all at the same moment
    code = (f"import time; from bot.db.upgrade import upgrade; time.sleep(max(0, {at} - time.time())); "
            f"upgrade({database_url!r})")
    processes = [subprocess.Popen([sys.executable, "-c", code], cwd=ROOT, stderr=subprocess.PIPE, text=True)
                 for _ in range(6)]
    failures = [process.stderr.read() for process in processes if process.wait(timeout=60)]
    assert failures == []
    engine = engine_for(database_url)
    with engine.connect() as connection:
        assert set(inspect(connection).get_table_names()) == TABLES
    engine.dispose()
