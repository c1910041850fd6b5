"""Rasa's SQL tracker store table, the columns read by processes that do not load Rasa (the web server's console,
the jobs' retention, bot/privacy/retention.py)."""
from __future__ import annotations

from sqlalchemy import Column, Float, Integer, MetaData, String, Table, Text

EVENTS = Table("events", MetaData(), Column("id", Integer), Column("sender_id", String(255)),
               Column("type_name", String(255)), Column("timestamp", Float), Column("data", Text))
