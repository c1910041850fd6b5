"""The booking store on SQLite and PostgreSQL: free slots, booking, cancelling, moving, codes, no double booking,
the change of time in March and October."""
from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy.exc import IntegrityError

from bot.booking.codes import ALPHABET, display_code, find_code, new_code, normalise_code
from bot.booking.models import Availability, Booking
from bot.booking.preferences import Preference
from bot.booking.slots import Slot
from bot.booking.statuses import CANCELLED, CONFIRMED
from bot.booking.store import HORIZON, BookingNotFound, BookingStore, SlotTaken
from bot.knowledge.sites import load_sites
from tests.support.booking import SITES, book, make_store, paris
from tests.support.templates import write_changed

MONDAY = paris(2026, 3, 2, 9, 0)  # Tuesday the 3rd: Camille at centrale 14:00, 14:45, 15:30, 16:15


def starts(slots: list[Slot]) -> list[str]:
    return [f"{slot.start:%a %d %H:%M} {slot.site_id}" for slot in slots]


@pytest.fixture
def store(database_url: str, tmp_path: Path) -> BookingStore:
    return make_store(database_url, tmp_path, MONDAY)


def test_free_slots_come_from_the_weekly_availability_earliest_first(store: BookingStore) -> None:
    slots = store.free_slots(MONDAY, limit=8)
    assert starts(slots) == ["Tue 03 14:00 centrale", "Tue 03 14:45 centrale", "Tue 03 15:30 centrale",
                             "Tue 03 16:15 centrale", "Thu 05 09:30 annexe", "Thu 05 10:00 annexe",
                             "Thu 05 10:30 annexe", "Thu 05 11:00 annexe"]
    assert (slots[0].end - slots[0].start) == timedelta(minutes=45)
    assert slots[0].label == "mardi 3 mars à 14 h"
    assert slots[1].label == "mardi 3 mars à 14 h 45"


def test_paging_site_filter_and_preference(store: BookingStore) -> None:
    assert starts(store.free_slots(MONDAY, limit=2, skip=4)) == ["Thu 05 09:30 annexe", "Thu 05 10:00 annexe"]
    assert starts(store.free_slots(MONDAY, site_id="centrale", limit=5))[4] == "Sat 07 10:00 centrale"
    saturday_morning = Preference(weekdays=frozenset({5}), parts=frozenset({"matin"}))
    assert starts(store.free_slots(MONDAY, preference=saturday_morning, limit=1)) == ["Sat 07 10:00 centrale"]


def test_urgent_needs_get_the_earliest_slot_first_whatever_the_preference(store: BookingStore) -> None:
    saturday = Preference(weekdays=frozenset({5}))
    assert starts(store.free_slots(MONDAY, preference=saturday, limit=2, urgent=True)) == [
        "Tue 03 14:00 centrale", "Sat 07 10:00 centrale"]
    assert starts(store.free_slots(MONDAY, limit=2, urgent=True)) == ["Tue 03 14:00 centrale", "Tue 03 14:45 centrale"]


def test_past_and_imminent_slots_are_not_offered(store: BookingStore) -> None:
    store.clock.now = paris(2026, 3, 3, 15, 0)
    assert starts(store.free_slots(MONDAY, limit=1)) == ["Tue 03 15:30 centrale"]  # 30 minutes' notice
    store.clock.now = paris(2026, 3, 3, 15, 1)
    assert starts(store.free_slots(MONDAY, limit=1)) == ["Tue 03 16:15 centrale"]


def test_nothing_is_offered_beyond_the_horizon(store: BookingStore) -> None:
    slots = store.free_slots(MONDAY, limit=1000)
    assert slots[-1].start < MONDAY + HORIZON <= slots[-1].start + timedelta(days=7)


def test_closures_of_the_library_a_site_or_a_mediator(database_url: str, tmp_path: Path) -> None:
    closures = """closures:
  - start: 2026-03-03
    reason: Inventaire
  - start: 2026-03-05
    end: 2026-03-06
    site: annexe
    reason: Travaux
  - start: 2026-03-07
    mediator: camille
    reason: Formation
"""
    store = make_store(database_url, tmp_path, MONDAY, **{"closures: []\n": closures})
    assert starts(store.free_slots(MONDAY, limit=1)) == ["Tue 10 14:00 centrale"]


def test_french_public_holidays_are_closed_unless_the_site_opens(database_url: str, tmp_path: Path) -> None:
    july = paris(2026, 7, 13, 9, 0)  # Tuesday the 14th is the Fête nationale
    store = make_store(database_url, tmp_path, july)
    assert starts(store.free_slots(july, site_id="centrale", limit=1)) == ["Sat 18 10:00 centrale"]
    store.load_knowledge(load_sites(write_changed(tmp_path / "sites.yml", SITES, **{
        "    accessibility: Entrée de plain-pied.\n": "    closed_on_public_holidays: false\n"})))
    assert starts(store.free_slots(july, site_id="centrale", limit=1)) == ["Tue 14 14:00 centrale"]


def test_a_booked_slot_disappears_and_cancelling_frees_it(store: BookingStore) -> None:
    first = store.free_slots(MONDAY)[0]
    booking = book(store, first)
    assert (booking.status, booking.slot, booking.first_name) == (CONFIRMED, first, "Marie")
    assert booking.contract() == {"status": "confirmed", "code": booking.display_code,
                                  "start": "2026-03-03T14:00:00+01:00", "site": "centrale"}
    assert first not in store.free_slots(MONDAY, limit=50)
    cancelled = store.cancel(booking.display_code)
    assert cancelled.status == CANCELLED and cancelled.cancelled_at == MONDAY
    assert cancelled.contract() == {"status": "cancelled", "code": booking.display_code}
    assert store.free_slots(MONDAY)[0] == first
    assert book(store, first, first_name="Paul").first_name == "Paul"


def test_cancel_is_only_for_confirmed_bookings_to_come(store: BookingStore) -> None:
    assert store.cancel("ZZZ-999") is None
    booking = book(store, store.free_slots(MONDAY)[0])
    store.clock.now = booking.start + timedelta(minutes=5)
    assert store.cancel(booking.code).status == CONFIRMED


def test_book_refuses_taken_invented_past_and_closed_slots(store: BookingStore) -> None:
    first = store.free_slots(MONDAY)[0]
    book(store, first)
    with pytest.raises(SlotTaken):
        book(store, first, sender_id="another")
    invented = Slot("centrale", "camille", paris(2026, 3, 3, 14, 10), paris(2026, 3, 3, 14, 55))
    wrong_site = Slot("annexe", "camille", first.start, first.end)
    past = Slot("centrale", "camille", paris(2026, 2, 24, 14, 0), paris(2026, 2, 24, 14, 45))
    far = Slot("centrale", "camille", paris(2026, 6, 2, 14, 0), paris(2026, 6, 2, 14, 45))
    for slot in (invented, wrong_site, past, far):
        with pytest.raises(SlotTaken):
            book(store, slot)


def test_a_slot_key_names_the_slot_for_a_button(store: BookingStore) -> None:
    slot = store.free_slots(MONDAY)[1]
    assert slot.key == "centrale|camille|2026-03-03T14:45:00+01:00|45"
    assert Slot.from_key(slot.key) == slot
    assert book(store, Slot.from_key(slot.key)).slot == slot


def test_move_keeps_the_code_and_frees_the_old_slot(store: BookingStore) -> None:
    first, second, third = store.free_slots(MONDAY, limit=3)
    booking = book(store, first)
    moved = store.move(booking.display_code.lower(), third)
    assert (moved.code, moved.slot, moved.moved_at) == (booking.code, third, MONDAY)
    assert store.free_slots(MONDAY, limit=2) == [first, second]
    assert len(store.bookings(MONDAY, MONDAY + HORIZON)) == 1


def test_move_to_a_taken_slot_changes_nothing(store: BookingStore) -> None:
    first, second = store.free_slots(MONDAY, limit=2)
    mine, theirs = book(store, first), book(store, second, sender_id="other")
    with pytest.raises(SlotTaken):
        store.move(mine.code, second)
    assert store.find(mine.code).slot == first and store.find(theirs.code).slot == second
    assert store.find(mine.code).status == CONFIRMED
    with pytest.raises(BookingNotFound):
        store.move("ZZZ-999", first)
    store.cancel(mine.code)
    with pytest.raises(BookingNotFound):
        store.move(mine.code, store.free_slots(MONDAY)[0])


def test_move_is_refused_by_the_database_when_the_slot_was_taken_meanwhile(
        store: BookingStore, monkeypatch: pytest.MonkeyPatch) -> None:
    first, second = store.free_slots(MONDAY, limit=2)
    mine = book(store, first)
    book(store, second, sender_id="other")
    monkeypatch.setattr(BookingStore, "_is_free", lambda self, session, slot: True)  # the check missed it
    with pytest.raises(SlotTaken):
        store.move(mine.code, second)
    assert store.find(mine.code).slot == first


def test_codes_are_unambiguous_and_found_however_they_are_written(store: BookingStore) -> None:
    codes = {new_code() for _ in range(300)}
    assert len(codes) == 300
    assert all(len(code) == 6 and set(code) <= set(ALPHABET) for code in codes)
    assert not set("01OIL") & set(ALPHABET)
    booking = book(store, store.free_slots(MONDAY)[0])
    code = booking.code
    for written in (code, code.lower(), display_code(code), f" {code[:3].lower()} {code[3:]} ",
                    f"{code[:3]}.{code[3:]}"):
        assert store.find(written).id == booking.id, written
    assert normalise_code("k7m-4qp") == "K7M4QP" and display_code("K7M4QP") == "K7M-4QP"
    assert find_code("je veux annuler le k7m 4qp svp") == "K7M4QP"
    assert find_code("je veux annuler mon rendez vous") is None
    assert store.find("AAA-AAA") is None


def test_the_database_refuses_two_confirmed_bookings_of_one_slot(store: BookingStore) -> None:
    slot = store.free_slots(MONDAY)[0]
    fields = {"site_id": "centrale", "mediator_id": "camille", "start": slot.start, "end": slot.end, "channel": "rest",
              "created_at": MONDAY}
    with store.session.begin() as session:
        session.add(Booking(code="AAA222", status=CANCELLED, **fields))
        session.add(Booking(code="AAA333", status=CONFIRMED, **fields))
    with pytest.raises(IntegrityError), store.session.begin() as session:
        session.add(Booking(code="AAA444", status=CONFIRMED, **{**fields, "start": slot.start.astimezone(
            timezone.utc)}))


def race(url: str, slot: Slot, conversations: int = 20) -> list[str]:
    """Each conversation books `slot` at the same moment with its own store (engine); their outcomes."""
    barrier, outcomes = threading.Barrier(conversations), []

    def conversation(number: int) -> None:
        store = BookingStore(url, clock=lambda: MONDAY)
        barrier.wait()
        try:
            book(store, slot, sender_id=f"conversation-{number}")
            outcomes.append("booked")
        except SlotTaken:
            outcomes.append("taken")
        except Exception as error:  # SQLite's "database is locked" would land here
            outcomes.append(repr(error))
        finally:
            store.close()

    threads = [threading.Thread(target=conversation, args=(number,)) for number in range(conversations)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sorted(outcomes)


def test_twenty_conversations_booking_one_slot_at_once_get_it_once(database_url: str, store: BookingStore) -> None:
    slot = store.free_slots(MONDAY)[0]
    assert race(database_url, slot) == ["booked"] + ["taken"] * 19
    assert [booking.sender_id for booking in store.bookings(MONDAY, MONDAY + HORIZON)][0].startswith("conversation-")
    assert len(store.bookings(MONDAY, MONDAY + HORIZON)) == 1


def test_the_database_alone_prevents_double_booking(database_url: str, store: BookingStore,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """Without the store's own check (as if every conversation read the slot free), still one booking."""
    slot = store.free_slots(MONDAY)[0]
    monkeypatch.setattr(BookingStore, "_is_free", lambda self, session, slot: True)
    assert race(database_url, slot) == ["booked"] + ["taken"] * 19
    assert len(store.bookings(MONDAY, MONDAY + HORIZON)) == 1


@pytest.mark.parametrize("now, expected", [
    # Summer time starts on Sunday 29 March 2026 at 2:00: Saturday is UTC+1, Tuesday UTC+2.
    (paris(2026, 3, 26, 12, 0), [("2026-03-28T10:00:00+01:00", "2026-03-28 09:00"),
                                 ("2026-03-31T14:00:00+02:00", "2026-03-31 12:00")]),
    # Winter time comes back on Sunday 25 October 2026 at 3:00: Saturday is UTC+2, Tuesday UTC+1.
    (paris(2026, 10, 22, 12, 0), [("2026-10-24T10:00:00+02:00", "2026-10-24 08:00"),
                                  ("2026-10-27T14:00:00+01:00", "2026-10-27 13:00")]),
])
def test_slots_keep_their_paris_time_across_the_change_of_time(database_url: str, tmp_path: Path, now: datetime,
                                                               expected: list[tuple[str, str]]) -> None:
    store = make_store(database_url, tmp_path, now)
    saturday, tuesday = (store.free_slots(now, site_id="centrale", preference=Preference(weekdays=frozenset({day})),
                                          limit=1)[0] for day in (5, 1))
    for slot, (local, utc) in zip((saturday, tuesday), expected):
        booking = book(store, slot)
        assert slot.start.isoformat() == local
        stored = store.find(booking.code)
        assert f"{stored.start.astimezone(timezone.utc):%Y-%m-%d %H:%M}" == utc
        assert stored.slot.start.isoformat() == local and stored.contract()["start"] == local
    with store.engine.connect() as connection:  # stored as UTC wall time, whatever the offset
        stored_starts = sorted(str(row[0]) for row in connection.exec_driver_sql("SELECT start FROM bookings"))
    assert [start[:16] for start in stored_starts] == [utc for _, utc in expected]


def test_loading_the_sites_file_is_idempotent_and_follows_its_changes(tmp_path: Path, store: BookingStore) -> None:
    path = tmp_path / "sites.yml"
    assert store.load_knowledge(load_sites(path)) is False
    with store.session() as session:
        assert session.query(Availability).count() == 3
    changed = write_changed(path, SITES, **{"    weekday: jeudi\n": "    weekday: vendredi\n"})
    assert store.load_knowledge(load_sites(changed)) is True
    assert starts(store.free_slots(MONDAY, site_id="annexe", limit=1)) == ["Fri 06 09:30 annexe"]
    without_annexe = SITES.split("  - id: annexe")[0] + "mediators:" + SITES.split("mediators:")[1].split(
        "  - mediator: yanis")[0] + "closures: []\n"
    assert store.load_knowledge(load_sites(write_changed(path, without_annexe))) is True
    assert [site.id for site in store.sites()] == ["centrale"]
    assert store.site("annexe").active is False
    with store.session() as session:
        assert session.query(Availability).count() == 2


def test_staff_export_is_csv_in_paris_time(store: BookingStore) -> None:
    first, second = store.free_slots(MONDAY, limit=2)
    book(store, first, first_name="=HYPERLIEN()", contact="+33612345678", contact_kind="mobile")
    store.cancel(book(store, second, accessibility="Fauteuil roulant").code)
    lines = store.export_csv(MONDAY, MONDAY + timedelta(days=7)).lstrip("\ufeff").splitlines()
    assert lines[0].startswith("code;statut;date;heure;fin;lieu;médiateur;thème;urgent;prénom;contact;")
    assert len(lines) == 3
    assert ";confirmé;2026-03-03;14:00;14:45;Médiathèque centrale;Camille;email;non;'=HYPERLIEN();06 12 34 56 78;" \
        in lines[1]
    assert ";annulé;2026-03-03;14:45;15:30;" in lines[2] and "Fauteuil roulant" in lines[2]
