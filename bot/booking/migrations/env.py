"""Alembic environment: the booking and staff models' metadata; the connection `upgrade()` gives, else the URL of
the settings (for `alembic -c bot/booking/alembic.ini revision --autogenerate -m "..."`)."""
from __future__ import annotations

from alembic import context

import bot.staff.models  # noqa: F401  (the staff tables share the metadata)
from bot.booking.database import engine_for
from bot.booking.models import Base


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
