"""Alembic migrations of the booking database: from empty to the models, twice, and from processes that
start together."""
from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from bot.booking.database import engine_for, upgrade
from bot.booking.models import Base
from bot.settings import ROOT

TABLES = {"alembic_version", "sites", "mediators", "availability", "closures", "bookings", "knowledge_state",
          "held_contacts"}


def test_upgrade_creates_the_tables_of_the_models(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'sub' / 'bookings.db'}"  # the folder is created too
    upgrade(url)
    engine = engine_for(url)
    with engine.connect() as connection:
        assert set(inspect(connection).get_table_names()) == TABLES
        assert compare_metadata(MigrationContext.configure(connection), Base.metadata) == []
        indexes = {index["name"]: index for index in inspect(connection).get_indexes("bookings")}
        assert indexes["uq_bookings_mediator_id_start_confirmed"]["unique"]
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("SELECT id, digest FROM knowledge_state").all() == [(1, "")]
    engine.dispose()


def test_upgrading_twice_changes_nothing(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'bookings.db'}"
    upgrade(url)
    engine = engine_for(url)
    with engine.begin() as connection:
        connection.exec_driver_sql("UPDATE knowledge_state SET digest = 'loaded'")
        schema = connection.exec_driver_sql("SELECT sql FROM sqlite_master ORDER BY name").all()
    upgrade(url)
    with engine.connect() as connection:
        assert connection.exec_driver_sql("SELECT sql FROM sqlite_master ORDER BY name").all() == schema
        assert connection.exec_driver_sql("SELECT version_num FROM alembic_version").all() == [("0002",)]
        assert connection.exec_driver_sql("SELECT digest FROM knowledge_state").all() == [("loaded",)]
    engine.dispose()


def test_processes_starting_together_migrate_one_after_the_other(tmp_path: Path) -> None:
    """As `make run` starts the web server, the jobs and the action server: each migrates at start."""
    url = f"sqlite:///{tmp_path / 'bookings.db'}"
    at = time.time() + 5  # once every process has imported, all at the same moment
    code = (f"import time; from bot.booking.database import upgrade; time.sleep(max(0, {at} - time.time())); "
            f"upgrade({url!r})")
    processes = [subprocess.Popen([sys.executable, "-c", code], cwd=ROOT, stderr=subprocess.PIPE, text=True)
                 for _ in range(6)]
    failures = [process.stderr.read() for process in processes if process.wait(timeout=60)]
    assert failures == []
    engine = engine_for(url)
    with engine.connect() as connection:
        assert set(inspect(connection).get_table_names()) == TABLES
    engine.dispose()
