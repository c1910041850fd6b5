"""Migrations of the application database (Alembic, bot/db/migrations/): `upgrade` brings it to the newest
revision, at the start of every process that uses it."""
from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy.engine import Connection, Engine

from bot.db.engines import engine_for

MIGRATIONS = Path(__file__).parent / "migrations"
MIGRATION_LOCK = 0x41494755  # any number: the PostgreSQL advisory lock of migrations


def _lock(connection: Connection) -> None:
    """Hold the database for this transaction: SQLite's exclusive lock, a PostgreSQL advisory lock."""
    if connection.dialect.name == "sqlite":
        connection.exec_driver_sql("BEGIN EXCLUSIVE")
    elif connection.dialect.name == "postgresql":
        connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({MIGRATION_LOCK})")


def alembic_config() -> Config:
    """Alembic's configuration, built in code: no alembic.ini needed to migrate."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def upgrade(url: str) -> None:
    """Bring the database at `url` to the newest revision; nothing happens when it is already there."""
    engine = engine_for(url)
    try:
        upgrade_engine(engine)
    finally:
        engine.dispose()


def upgrade_engine(engine: Engine) -> None:
    """`upgrade` on an engine already made (an in-memory SQLite database is one per engine).

    Processes that start together migrate one after the other: the first takes a lock, the others wait
    for it, then find nothing to do.
    """
    with engine.begin() as connection:
        _lock(connection)
        config = alembic_config()
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
