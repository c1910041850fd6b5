"""Alembic environment: the metadata of every table (bookings, staff and console); the connection `upgrade()`
gives, else the URL of the settings (for `alembic -c bot/db/alembic.ini revision --autogenerate -m "..."`)."""
from __future__ import annotations

from alembic import context

import bot.booking.models  # noqa: F401  (every model adds its tables to the shared metadata, for autogenerate)
import bot.staff.models  # noqa: F401
import bot.workshops.models  # noqa: F401
from bot.db.engines import engine_for
from bot.db.tables import Base


def run_migrations(connection) -> None:
    context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True,
                      compare_type=True)
    with context.begin_transaction():
        context.run_migrations()


connection = context.config.attributes.get("connection")
if connection is not None:
    run_migrations(connection)
else:
    from bot.settings import settings

    engine = engine_for(settings.booking_database_url)
    with engine.begin() as own_connection:
        run_migrations(own_connection)
    engine.dispose()
