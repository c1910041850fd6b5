"""What every table of the application database shares: one SQLAlchemy metadata (one migration history for the
bookings, the staff accounts and the console's decisions), its naming convention, and aware UTC datetimes."""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, Optional

from sqlalchemy import DateTime, MetaData
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import declarative_base
from sqlalchemy.types import TypeDecorator

NAMING = {"ix": "ix_%(table_name)s_%(column_0_N_name)s", "uq": "uq_%(table_name)s_%(column_0_N_name)s",
          "fk": "fk_%(table_name)s_%(column_0_name)s", "pk": "pk_%(table_name)s",
          "ck": "ck_%(table_name)s_%(constraint_name)s"}
Base: Any = declarative_base(metadata=MetaData(naming_convention=NAMING))


class UTCDateTime(TypeDecorator):
    """An aware datetime stored as naive UTC (the same text for the same moment, whatever the offset)."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: Optional[datetime], dialect: Dialect) -> Optional[datetime]:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value}: give an aware one")
        return value.astimezone(timezone.utc).replace(tzinfo=None)

    def process_result_value(self, value: Optional[datetime], dialect: Dialect) -> Optional[datetime]:
        return None if value is None else value.replace(tzinfo=timezone.utc)
