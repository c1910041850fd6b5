"""iCalendar files: the patron's appointment and a mediator's feed parse back with the right times."""
from __future__ import annotations

from datetime import timezone
from pathlib import Path

import pytest
from icalendar import Calendar

from bot.booking.calendar import booking_ics, mediator_feed
from bot.booking.store import BookingStore
from tests.support.booking import book, make_store, paris, sqlite_url

NOW = paris(2026, 3, 26, 12, 0)  # the change to summer time is on Sunday the 29th


@pytest.fixture
def store(tmp_path: Path) -> BookingStore:
    return make_store(sqlite_url(tmp_path), tmp_path, NOW)


def events(text: str) -> list:
    assert text.startswith("BEGIN:VCALENDAR") and "VERSION:2.0" in text
    return Calendar.from_ical(text).walk("VEVENT")


def test_the_patrons_file_says_when_where_and_the_code_without_personal_data(store: BookingStore) -> None:
    slot = store.free_slots(NOW, site_id="centrale", limit=5)[4]  # Tuesday 31 March, summer time
    booking = book(store, slot, first_name="Marie", contact="marie@example.org", accessibility="Fauteuil")
    text = booking_ics(booking, store.site("centrale"))
    [event] = events(text)
    assert event.decoded("dtstart") == paris(2026, 3, 31, 14, 0)
    assert event.decoded("dtstart").astimezone(timezone.utc).hour == 12
    assert event.decoded("dtend") == paris(2026, 3, 31, 14, 45)
    assert str(event["location"]) == "Médiathèque centrale, 2 place Anatole-France, 37000 Tours"
    assert str(event["summary"]) == "Rendez-vous numérique – Médiathèque centrale"
    assert booking.display_code in str(event["description"]) and "02 61 91 02 00" in str(event["description"])
    assert str(event["uid"]) == f"{booking.code}@aiguillage"
    for personal in ("Marie", "marie@example.org", "Fauteuil", "conversation-1"):
        assert personal not in text


def test_a_mediators_feed_has_one_event_per_booking(store: BookingStore) -> None:
    slots = store.free_slots(NOW, site_id="centrale", limit=6)
    for number, slot in enumerate(slots):
        book(store, slot, first_name=f"Patron{number}", accessibility="Malvoyant" if number == 0 else None)
    store.cancel(store.agenda("camille", NOW, paris(2026, 5, 1, 0, 0))[-1].code)
    agenda = store.agenda("camille", NOW, paris(2026, 5, 1, 0, 0))
    feed = events(mediator_feed(agenda, {"centrale": store.site("centrale")}))
    assert len(feed) == len(slots) - 1 == 5
    assert [event.decoded("dtstart") for event in feed] == [slot.start for slot in slots[:5]]
    assert str(feed[0]["summary"]) == "RDV Patron0 – email"
    assert "Accessibilité : Malvoyant" in str(feed[0]["description"])
    assert len({str(event["uid"]) for event in feed}) == 5
    assert events(mediator_feed([])) == []
