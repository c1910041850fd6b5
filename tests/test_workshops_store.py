"""The workshops store on SQLite and PostgreSQL: sessions copied from the file (series, closed days), seats never
given twice however many patrons register at once, the waiting list in order, promotion on a cancellation,
staff's cancellation and attendance, reminders and erasure."""
from __future__ import annotations

import threading
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy.exc import IntegrityError

from bot.booking.contact import Contact
from bot.knowledge.sites import load_sites
from bot.knowledge.workshops import load_workshops
from bot.workshops.models import CANCELLED, REGISTERED, WAITLISTED, Registration
from bot.workshops.store import SessionNotOpen, WorkshopStore
from tests.support.booking import SITES, Clock, make_store, paris

MONDAY = paris(2027, 3, 1, 9)  # a Monday with no holiday near
WORKSHOPS = """workshops:
  - id: tablette
    title: Prendre en main sa tablette
    theme: smartphone
    level: debutant
    site: annexe
    start: 2027-03-04 14:00
    duration_minutes: 90
    every_weeks: 1
    sessions: 10
    capacity: 5
    mediator: yanis
    description: Allumer la tablette, ouvrir une application.
  - id: arnaques
    title: Déjouer les arnaques
    theme: arnaques
    site: centrale
    start: 2027-03-03 10:00
    duration_minutes: 120
    capacity: 12
    mediator: camille
    description: Reconnaître un faux message.
"""
SITES_CLOSED = SITES.replace("closures: []", """closures:
  - start: 2027-03-11
    reason: Inventaire""")


def load(tmp_path: Path, store: WorkshopStore, workshops: str = WORKSHOPS, sites: str = SITES_CLOSED) -> bool:
    (tmp_path / "sites.yml").write_text(sites, encoding="utf-8")
    (tmp_path / "workshops.yml").write_text(workshops, encoding="utf-8")
    loaded_sites = load_sites(tmp_path / "sites.yml")
    return store.load_knowledge(load_workshops(tmp_path / "workshops.yml", loaded_sites), loaded_sites)


@pytest.fixture
def store(database_url: str, tmp_path: Path) -> WorkshopStore:
    make_store(database_url, tmp_path, MONDAY).close()  # the sites and mediators the sessions belong to
    workshops = WorkshopStore(database_url, clock=Clock(MONDAY))
    load(tmp_path, workshops)
    yield workshops
    workshops.close()


def register(store: WorkshopStore, session_id: str, number: int = 1, contact: Contact | None = None):
    return store.register(session_id, first_name=f"Patron{number}", contact=contact, channel="rest",
                          sender_id=f"conversation-{number}")


def test_a_series_gives_a_session_a_week_but_on_closed_days(store: WorkshopStore) -> None:
    days = [seats.session.start_paris.date() for seats in store.coming(theme="smartphone")]
    assert days[:3] == [date(2027, 3, 4), date(2027, 3, 18), date(2027, 3, 25)]  # 11 March: inventaire
    assert len(days) == 7  # 4 March … 22 April (the 8 weeks offered from 1 March), 11 March aside
    first = store.coming(theme="smartphone")[0]
    assert first.contract() == {"id": "tablette-2027-03-04", "title": "Prendre en main sa tablette",
                                "theme": "smartphone", "start": "2027-03-04T14:00:00+01:00", "site": "annexe",
                                "capacity": 5, "seats_left": 5}


def test_sessions_by_day_level_and_theme(store: WorkshopStore) -> None:
    assert [s.session.id for s in store.coming(first=date(2027, 3, 1), last=date(2027, 3, 7))] == [
        "arnaques-2027-03-03", "tablette-2027-03-04"]
    assert [s.session.id for s in store.coming(level="avance", last=date(2027, 3, 7))] == ["arnaques-2027-03-03"]
    assert store.coming(theme="email") == []


def test_reloading_the_same_file_changes_nothing_and_a_removed_session_is_withdrawn(
        store: WorkshopStore, tmp_path: Path) -> None:
    assert not load(tmp_path, store)
    assert load(tmp_path, store, WORKSHOPS.replace("    sessions: 10\n", "    sessions: 2\n"))
    assert [s.session.id for s in store.coming(theme="smartphone")] == ["tablette-2027-03-04"]
    assert store.seats("tablette-2027-03-25").session.active is False


def test_registered_until_full_then_waitlisted_in_order(store: WorkshopStore) -> None:
    places = [register(store, "tablette-2027-03-04", number)[0] for number in range(7)]
    assert [place.registration.status for place in places] == [REGISTERED] * 5 + [WAITLISTED] * 2
    assert [place.registration.seat for place in places[:5]] == [1, 2, 3, 4, 5]
    assert places[6].contract()["position"] == 2 and "position" not in places[0].contract()
    assert store.seats("tablette-2027-03-04").left == 0


def test_a_cancellation_promotes_the_first_waiting_patron(store: WorkshopStore) -> None:
    places = [register(store, "tablette-2027-03-04", number)[0] for number in range(8)]
    cancelled, promoted = store.cancel(places[2].registration.display_code.lower())
    assert cancelled.registration.status == CANCELLED
    assert [place.registration.code for place in promoted] == [places[5].registration.code]
    assert promoted[0].registration.seat == 3 and promoted[0].registration.promoted_at == MONDAY
    assert store.place(places[7].registration.code).position == 2  # was third, now second
    assert store.cancel(places[2].registration.code)[1] == []  # twice: nothing more


def test_a_waiting_patron_cancelling_promotes_nobody(store: WorkshopStore) -> None:
    places = [register(store, "tablette-2027-03-04", number)[0] for number in range(7)]
    assert store.cancel(places[5].registration.code)[1] == []
    assert store.place(places[6].registration.code).position == 1


def test_closed_sessions_cannot_be_joined(store: WorkshopStore) -> None:
    for session_id in ("tablette-2027-03-11", "nothing-2027-03-04"):
        with pytest.raises(SessionNotOpen):
            register(store, session_id)
    store.clock.now = paris(2027, 3, 4, 14, 1)
    with pytest.raises(SessionNotOpen):
        register(store, "tablette-2027-03-04")


def race(url: str, session_id: str, patrons: int) -> list[tuple[int, str, int | None]]:
    """`patrons` register at the same moment, each with its own store (engine); (id, status, position)."""
    barrier, places = threading.Barrier(patrons), []

    def patron(number: int) -> None:
        own = WorkshopStore(url, clock=lambda: MONDAY)
        barrier.wait()
        try:
            places.append(register(own, session_id, number)[0])
        finally:
            own.close()

    threads = [threading.Thread(target=patron, args=(number,)) for number in range(patrons)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sorted((place.registration.id, place.registration.status, place.position) for place in places)


def test_patrons_racing_for_the_last_seats(database_url: str, store: WorkshopStore) -> None:
    """Two seats left, twenty patrons at once: two registered, eighteen waitlisted 1 … 18 in order."""
    for number in range(3):
        register(store, "tablette-2027-03-04", 100 + number)
    outcomes = race(database_url, "tablette-2027-03-04", 20)
    assert len(outcomes) == 20
    assert [status for _, status, _ in outcomes].count(REGISTERED) == 2
    waiting = [(id, position) for id, status, position in outcomes if status == WAITLISTED]
    assert [position for _, position in waiting] == list(range(1, 19))
    seats = store.seats("tablette-2027-03-04")
    assert (seats.registered, seats.waiting) == (5, 18)


def test_the_database_alone_refuses_a_seat_given_twice(store: WorkshopStore) -> None:
    place, _ = register(store, "tablette-2027-03-04")
    fields = {"session_id": "tablette-2027-03-04", "channel": "rest", "created_at": MONDAY}
    with pytest.raises(IntegrityError), store.session.begin() as db:
        db.add(Registration(code="BBB222", status=REGISTERED, seat=place.registration.seat, **fields))
    with pytest.raises(IntegrityError), store.session.begin() as db:
        db.add(Registration(code="BBB333", status=WAITLISTED, seat=2, **fields))


def test_staff_cancel_a_session_and_mark_attendance(store: WorkshopStore) -> None:
    places = [register(store, "tablette-2027-03-04", number)[0] for number in range(6)]
    told = store.cancel_session("tablette-2027-03-04")
    assert sorted(registration.code for registration in told) == sorted(p.registration.code for p in places)
    assert store.coming(first=date(2027, 3, 4), last=date(2027, 3, 4)) == []
    assert all(place.registration.status == CANCELLED for place in map(store.place, [p.registration.code
                                                                                     for p in places]))
    registered = register(store, "tablette-2027-03-18")[0].registration
    assert not store.mark_attendance(registered.id, True)  # not started
    store.clock.now = paris(2027, 3, 18, 15)
    assert store.mark_attendance(registered.id, True)
    assert store.registrations("tablette-2027-03-18")[0].attended is True


def test_an_untold_promotion_is_skipped_after_the_delay(store: WorkshopStore) -> None:
    places = [register(store, "tablette-2027-03-04", number)[0] for number in range(7)]
    _, promoted = store.cancel(places[0].registration.code)
    assert [place.registration.code for place in store.untold()] == [places[5].registration.code]
    assert store.skip_untold(timedelta(hours=12)) == []  # not yet
    store.clock.now = MONDAY + timedelta(hours=13)
    again = store.skip_untold(timedelta(hours=12))
    assert [place.registration.code for place in again] == [places[6].registration.code]
    skipped = store.place(places[5].registration.code).registration
    assert (skipped.status, skipped.skipped) == (CANCELLED, True)
    store.mark_told(again[0].registration.id, "telegram")
    assert store.untold() == []


def test_reminders_the_day_before_and_erasure_after_the_delay(store: WorkshopStore) -> None:
    mine = register(store, "tablette-2027-03-04", contact=Contact("email", "marie@example.org"))[0].registration
    assert store.due_reminders(paris(2027, 3, 2, 10)) == []
    due = store.due_reminders(paris(2027, 3, 3, 10))
    assert [place.registration.code for place in due] == [mine.code]
    assert store.mark_reminded(mine.id, "email") and not store.mark_reminded(mine.id, "email")
    assert store.erase_personal_data(paris(2027, 3, 20), 30) == 0
    assert store.erase_personal_data(paris(2027, 4, 5), 30) == 1
    erased = store.place(mine.code).registration
    assert (erased.first_name, erased.contact, erased.sender_id, erased.status) == (None, None, None, REGISTERED)


def test_forget_me_cancels_and_promotes(store: WorkshopStore) -> None:
    places = [register(store, "tablette-2027-03-04", number)[0] for number in range(6)]
    erased, promoted = store.forget("rest", "conversation-0")
    assert erased == 1 and [p.registration.code for p in promoted] == [places[5].registration.code]


def test_a_code_is_never_one_of_an_appointment(store: WorkshopStore, monkeypatch: pytest.MonkeyPatch,
                                               database_url: str, tmp_path: Path) -> None:
    from bot.booking import store as booking_store
    from tests.support.booking import book
    bookings = booking_store.BookingStore(database_url, clock=Clock(MONDAY))
    taken = book(bookings, bookings.free_slots(MONDAY)[0]).code
    codes = iter([taken, "ZZZ222"])
    monkeypatch.setattr("bot.workshops.store.new_code", lambda: next(codes))
    assert register(store, "tablette-2027-03-04")[0].registration.code == "ZZZ222"
    bookings.close()
    assert datetime.now(timezone.utc)  # the clock of the store only is set
