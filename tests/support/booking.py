"""A booking store on a given database (SQLite or PostgreSQL), with a small library and a clock the test sets."""
from __future__ import annotations

from datetime import datetime
from pathlib import Path

from bot.booking.models import Booking
from bot.booking.slots import Slot
from bot.booking.store import BookingStore
from bot.hours import PARIS
from bot.knowledge.sites import load_sites
from tests.support.templates import write_changed

SITES = """sites:
  - id: centrale
    name: Médiathèque centrale
    address: 2 place Anatole-France
    postal_code: "37000"
    commune: Tours
    phone: "02 61 91 02 00"
    accessibility: Entrée de plain-pied.
  - id: annexe
    name: Bibliothèque de quartier
    address: 14 rue des Tanneurs
    postal_code: "37100"
    commune: Tours
    phone: "02 61 91 02 10"
mediators:
  - id: camille
    first_name: Camille
  - id: yanis
    first_name: Yanis
availability:
  - mediator: camille
    site: centrale
    weekday: mardi
    hours: 14:00-17:00
    slot_minutes: 45
  - mediator: camille
    site: centrale
    weekday: samedi
    hours: 10:00-12:00
    slot_minutes: 30
  - mediator: yanis
    site: annexe
    weekday: jeudi
    hours: 09:30-12:00
    slot_minutes: 30
closures: []
"""


class Clock:
    """The current time of the store, set by the test."""

    def __init__(self, now: datetime):
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def paris(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=PARIS)


def sqlite_url(folder: Path) -> str:
    """The URL of the SQLite database `folder/bookings.db`."""
    return f"sqlite:///{folder / 'bookings.db'}"


def make_store(url: str, folder: Path, now: datetime, **changes: str) -> BookingStore:
    """A migrated store on the database at `url`, loaded with SITES (with `changes`, written to `folder/sites.yml`),
    at `now`."""
    store = BookingStore(url, clock=Clock(now))
    store.migrate()
    store.load_knowledge(load_sites(write_changed(folder / "sites.yml", SITES, **changes)))
    return store


def book(store: BookingStore, slot: Slot, **fields: object) -> Booking:
    """Book with sample patron fields, `fields` replacing some."""
    values = {"topic": "email", "first_name": "Marie", "contact": "marie@example.org", "contact_kind": "email",
              "accessibility": None, "channel": "rest", "sender_id": "conversation-1", **fields}
    return store.book(slot, **values)
