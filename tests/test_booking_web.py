"""Calendar files on the real web server (`python -m bot web`): the patron's .ics by code, the staff's feed
and CSV behind STAFF_TOKEN."""
from __future__ import annotations

from pathlib import Path
from typing import Iterator

import pytest
from icalendar import Calendar

from bot.booking.models import Booking
from bot.booking.store import BookingStore
from tests.support.booking import book
from tests.support.web import get, web_server

pytestmark = pytest.mark.stack  # the web server runs, on a free port

TOKEN = "s3cret-token"


def serve(folder: Path, token: str) -> Iterator[tuple[str, BookingStore]]:
    """The web server alone, and a store on its database (migrated and loaded by the server at start)."""
    with web_server(folder, STAFF_TOKEN=token, BOOKING_DATABASE_URL="") as settings:
        store = BookingStore(settings.booking_database_url)
        yield settings.url(settings.web_port, ""), store
        store.close()


@pytest.fixture(scope="module")
def web(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, BookingStore]]:
    yield from serve(tmp_path_factory.mktemp("var"), TOKEN)


@pytest.fixture(scope="module")
def booking(web: tuple[str, BookingStore]) -> Booking:
    store = web[1]
    return book(store, store.free_slots(store.clock())[0], first_name="Marie")


def test_a_patron_downloads_the_appointment_by_code(web: tuple[str, BookingStore], booking: Booking) -> None:
    base, _ = web
    status, headers, body = get(f"{base}/rendez-vous/{booking.code.lower()}.ics")
    assert status == 200 and headers["Content-Type"].startswith("text/calendar")
    assert f'filename="rendez-vous-{booking.display_code}.ics"' in headers["Content-Disposition"]
    [event] = Calendar.from_ical(body).walk("VEVENT")
    assert event.decoded("dtstart") == booking.start
    assert b"Marie" not in body


def test_unknown_and_cancelled_codes_are_not_found(web: tuple[str, BookingStore]) -> None:
    base, store = web
    cancelled = store.cancel(book(store, store.free_slots(store.clock())[0]).code)
    for name in ("ZZZ-999.ics", f"{cancelled.display_code}.ics", f"{cancelled.display_code}.txt"):
        assert get(f"{base}/rendez-vous/{name}")[0] == 404, name


def test_staff_get_the_feed_and_the_export_with_the_token(web: tuple[str, BookingStore], booking: Booking) -> None:
    base, _ = web
    status, headers, body = get(f"{base}/agenda/{booking.mediator_id}.ics?token={TOKEN}")
    assert status == 200 and headers["Cache-Control"] == "no-store"
    summaries = [str(event["summary"]) for event in Calendar.from_ical(body).walk("VEVENT")]
    assert "RDV Marie – email" in summaries
    status, headers, body = get(f"{base}/agenda/export.csv?token={TOKEN}")
    assert status == 200 and headers["Content-Type"].startswith("text/csv")
    assert booking.display_code in body.decode("utf-8-sig") and "Marie" in body.decode("utf-8-sig")
    assert get(f"{base}/agenda/export.csv?token={TOKEN}&from=2000-01-01&to=2000-01-31")[2].decode(
        "utf-8-sig").count("\n") == 1
    assert get(f"{base}/agenda/export.csv?token={TOKEN}&from=hier")[0] == 400
    assert get(f"{base}/agenda/personne.ics?token={TOKEN}")[0] == 404


def test_staff_addresses_refuse_a_wrong_or_missing_token(web: tuple[str, BookingStore], booking: Booking) -> None:
    base, _ = web
    for query in ("", "?token=", "?token=guess"):
        assert get(f"{base}/agenda/export.csv{query}")[0] == 403
        assert get(f"{base}/agenda/{booking.mediator_id}.ics{query}")[0] == 403


def test_without_staff_token_the_staff_addresses_do_not_exist(tmp_path: Path) -> None:
    for base, _ in serve(tmp_path, ""):
        assert get(f"{base}/agenda/export.csv?token=")[0] == 404
        assert get(f"{base}/agenda/camille.ics")[0] == 404
