"""The mediators' agenda on SQLite and PostgreSQL: weeks in Paris time, filters, what became of an appointment
and who noted it, cancelling with a message to the patron (through a real local SMTP server)."""
from __future__ import annotations

from datetime import date, timedelta, timezone
from functools import partial
from pathlib import Path
from typing import Iterator, Optional

import pytest

from bot.booking.reminders import Mailer
from bot.booking.statuses import CANCELLED, CONFIRMED, DONE, NO_SHOW
from bot.booking.store import BookingNotFound, BookingStore
from bot.knowledge import Charter, Topics
from bot.staff.accounts import StaffAccounts
from bot.staff.agenda import WORDS_LENGTH, Agenda, Refused, Told, iso_week, monday_named, topic_label, week_bounds
from tests.support.booking import book, make_store, paris, sqlite_url
from tests.support.mail import smtp_server
from tests.support.ports import free_port

SUNDAY = paris(2026, 3, 1, 10, 0)  # the week after: Monday 2, Tuesday 3 (Camille, centrale), Thursday 5 (Yanis)
MONDAY_WEEK = date(2026, 3, 2)
MIDNIGHT = {"weekday: jeudi\n    hours: 09:30-12:00": "weekday: lundi\n    hours: 00:00-01:00"}  # Yanis, Mondays


class Chats:
    """A stand-in for the chat channels: what was sent, and which channels can speak first."""

    def __init__(self, reachable: tuple[str, ...] = ("telegram",)) -> None:
        self.sent: list[tuple[str, str, str]] = []
        self.reachable = reachable

    def __call__(self, channel: str, sender_id: str, text: str) -> bool:
        self.sent.append((channel, sender_id, text))
        return channel in self.reachable


@pytest.fixture
def store(database_url: str, tmp_path: Path) -> Iterator[BookingStore]:
    store = make_store(database_url, tmp_path, SUNDAY, **MIDNIGHT)
    yield store
    store.close()


@pytest.fixture
def staff_id(database_url: str, store: BookingStore) -> Iterator[int]:
    accounts = StaffAccounts(database_url)
    yield accounts.add("lea@mediatheque.fr", "Léa", "mediator", "un mot de passe assez long").id
    accounts.close()


def agenda_of(store: BookingStore, charter: Charter, topics: Topics, mailer: Optional[Mailer] = None,
              chats: Optional[Chats] = None) -> Agenda:
    return Agenda(store, partial(topic_label, charter=charter, topics=topics), mailer, chats)


@pytest.fixture
def agenda(store: BookingStore, default_charter: Charter, default_topics: Topics) -> Agenda:
    return agenda_of(store, default_charter, default_topics)


def test_weeks_are_named_by_iso_week_or_by_a_day_and_begin_on_monday_in_paris() -> None:
    today = date(2026, 11, 26)
    assert monday_named("2026-W48", today) == monday_named("2026-11-26", today) == monday_named("", today) == date(
        2026, 11, 23)
    assert monday_named("2026-w01", today) == date(2025, 12, 29)
    assert iso_week(date(2026, 11, 29)) == "2026-W48"
    for wrong in ("2026-W54", "semaine", "26/11/2026", "1999-12-31", "9999-W01"):
        with pytest.raises(ValueError):
            monday_named(wrong, today)
    start, end = week_bounds(date(2026, 3, 23))  # summer time begins on Sunday the 29th
    assert (start.utcoffset(), end.utcoffset()) == (timedelta(hours=1), timedelta(hours=2))
    assert end.astimezone(timezone.utc) - start.astimezone(timezone.utc) == timedelta(days=7, hours=-1)


def test_a_booking_at_half_past_midnight_on_monday_is_in_that_week(store: BookingStore, agenda: Agenda) -> None:
    midnight = store.free_slots(SUNDAY, site_id="annexe", limit=2)[1]
    assert midnight.start == paris(2026, 3, 2, 0, 30)  # Sunday 23:30 in UTC
    booking = book(store, midnight)
    [(day, [entry])] = agenda.week(MONDAY_WEEK)
    assert day == "lundi 2 mars" and entry.booking.id == booking.id
    assert agenda.week(MONDAY_WEEK - timedelta(days=7)) == []


def test_a_week_by_day_for_one_mediator_or_one_site_whatever_the_status(store: BookingStore,
                                                                        agenda: Agenda) -> None:
    tuesday, saturday = store.free_slots(SUNDAY, site_id="centrale", limit=5)[0::4]
    yanis = store.free_slots(SUNDAY, site_id="annexe")[0]
    first = book(store, tuesday, topic="learn_email", urgent=True, contact="+33612345678", contact_kind="mobile",
                 accessibility="Fauteuil roulant")
    cancelled = store.cancel(book(store, saturday, topic="book_mediator").code)
    other = book(store, yanis, topic="caf", first_name="Ali")
    days = agenda.week(MONDAY_WEEK)
    assert [(day, [entry.booking.id for entry in entries]) for day, entries in days] == [
        ("lundi 2 mars", [other.id]), ("mardi 3 mars", [first.id]), ("samedi 7 mars", [cancelled.id])]
    entry = days[1][1][0]
    assert (entry.site, entry.mediator, entry.topic) == ("Médiathèque centrale", "Camille", "Apprendre : les e-mails")
    assert entry.contact == "06 12 34 56 78" and entry.booking.urgent and entry.handled_by is None
    assert days[0][1][0].topic == "la CAF" and days[2][1][0].topic == "Un rendez-vous avec un conseiller"
    assert days[2][1][0].contact is None  # the contact only while it is confirmed
    assert [entry.booking.id for _, entries in agenda.week(MONDAY_WEEK, mediator_id="camille")
            for entry in entries] == [first.id, cancelled.id]
    assert [entry.booking.id for _, entries in agenda.week(MONDAY_WEEK, site_id="annexe")
            for entry in entries] == [other.id]
    assert agenda.week(MONDAY_WEEK, mediator_id="yanis", site_id="centrale") == []


def test_done_or_no_show_only_after_the_start_noted_with_who_did_it(store: BookingStore, agenda: Agenda,
                                                                    staff_id: int) -> None:
    booking = book(store, store.free_slots(SUNDAY, site_id="centrale")[0])
    with pytest.raises(Refused, match="pas encore commencé"):
        agenda.record_outcome(booking.id, DONE, staff_id)
    store.clock.now = booking.start + timedelta(minutes=5)
    done = agenda.record_outcome(booking.id, NO_SHOW, staff_id)
    assert (done.status, done.handled_by, done.handled_at) == (NO_SHOW, staff_id, store.clock.now)
    assert agenda.week(MONDAY_WEEK)[0][1][0].handled_by == "Léa"
    with pytest.raises(Refused, match="déjà noté"):
        agenda.record_outcome(booking.id, DONE, staff_id)  # put back to confirmed first
    assert agenda.record_outcome(booking.id, CONFIRMED, staff_id).status == CONFIRMED
    assert agenda.record_outcome(booking.id, DONE, staff_id).status == DONE
    with pytest.raises(BookingNotFound):
        agenda.record_outcome(booking.id + 100, DONE, staff_id)


def test_a_cancelled_booking_cannot_be_noted(store: BookingStore, agenda: Agenda, staff_id: int) -> None:
    booking = store.cancel(book(store, store.free_slots(SUNDAY)[0]).code)
    store.clock.now = booking.end
    with pytest.raises(Refused, match="annulé"):
        agenda.record_outcome(booking.id, DONE, staff_id)
    assert store.booking(booking.id).status == CANCELLED


def test_only_a_coming_confirmed_booking_is_cancelled_and_its_slot_offered_again(
        store: BookingStore, default_charter: Charter, default_topics: Topics, staff_id: int) -> None:
    chats = Chats()
    agenda = agenda_of(store, default_charter, default_topics, None, chats)
    first, second = store.free_slots(SUNDAY, site_id="centrale", limit=2)
    coming = book(store, second, channel="telegram", sender_id="42")
    started = book(store, first)
    store.clock.now = first.start + timedelta(minutes=1)
    with pytest.raises(Refused, match="commencé"):
        agenda.cancel(started.id, staff_id, "")
    with pytest.raises(BookingNotFound):
        agenda.cancel(coming.id + 100, staff_id, "")
    with pytest.raises(ValueError):
        agenda.cancel(coming.id, staff_id, "x" * (WORDS_LENGTH + 1))
    assert chats.sent == [] and store.booking(coming.id).status == CONFIRMED  # nothing done
    assert second not in store.free_slots(store.clock.now, site_id="centrale")
    cancelled, told = agenda.cancel(coming.id, staff_id, "  Je suis malade.  ")
    stored = store.booking(coming.id)
    assert (stored.status, stored.handled_by, stored.cancelled_at) == (CANCELLED, staff_id, store.clock.now)
    assert second in store.free_slots(store.clock.now, site_id="centrale")
    assert (told.via, told.contact) == (("telegram",), None)
    [(channel, sender, text)] = chats.sent
    assert (channel, sender) == ("telegram", "42") and "Message du médiateur : Je suis malade." in text
    with pytest.raises(Refused, match="déjà annulé"):
        agenda.cancel(coming.id, staff_id, "")
    assert len(chats.sent) == 1


def test_the_patron_is_told_by_email_in_plain_words(tmp_path: Path, default_charter: Charter,
                                                    default_topics: Topics) -> None:
    store = make_store(sqlite_url(tmp_path), tmp_path, SUNDAY)
    slot = store.free_slots(SUNDAY, site_id="centrale")[1]
    booking = book(store, slot, first_name="Marie", contact="marie@example.org")
    with smtp_server() as (received, url):
        agenda = agenda_of(store, default_charter, default_topics, Mailer.from_url(url, "mediatheque@example.org"),
                           Chats(reachable=()))
        _, told = agenda.cancel(booking.id, 1, "")
    assert (told.via, told.contact) == (("email",), None)
    [(recipients, message)] = received.messages
    assert recipients == ["marie@example.org"]
    assert message["Subject"] == "Rendez-vous annulé : mardi 3 mars à 14 h 45"
    assert message.get_body(("plain",)).get_content().splitlines() == [
        "Bonjour Marie,", "",
        "Votre rendez-vous du mardi 3 mars à 14 h 45 (Médiathèque centrale) est annulé.", "",
        "Pour prendre un autre rendez-vous,", "écrivez « rendez-vous » à l'assistant,",
        "ou appelez le 02 61 91 02 00.", "", "Nous sommes désolés.", "Médiathèque centrale"]
    store.close()


def test_when_nothing_reaches_the_patron_staff_get_their_contact(tmp_path: Path, default_charter: Charter,
                                                                  default_topics: Topics) -> None:
    store = make_store(sqlite_url(tmp_path), tmp_path, SUNDAY)
    first, second, third = store.free_slots(SUNDAY, limit=3)
    mail = book(store, first, contact="marie@example.org", contact_kind="email", channel="rest")
    phone = book(store, second, contact="+33612345678", contact_kind="mobile", channel="rest")
    silent = book(store, third, contact=None, contact_kind=None, channel="rest")
    down = Mailer.from_url(f"smtp://127.0.0.1:{free_port()}", "mediatheque@example.org")  # nothing listens
    agenda = agenda_of(store, default_charter, default_topics, down, Chats(reachable=()))
    assert agenda.cancel(mail.id, 1, "")[1] == Told((), "marie@example.org")
    assert agenda.cancel(phone.id, 1, "")[1] == Told((), "06 12 34 56 78")
    assert agenda.cancel(silent.id, 1, "")[1] == Told((), None)
    assert {(store.booking(booking.id).status, store.booking(booking.id).cancelled_via)
            for booking in (mail, phone, silent)} == {(CANCELLED, "none")}  # kept, for the agenda to say so
    store.close()


def test_a_refused_email_is_logged_without_the_address(tmp_path: Path, default_charter: Charter,
                                                       default_topics: Topics,
                                                       caplog: pytest.LogCaptureFixture) -> None:
    store = make_store(sqlite_url(tmp_path), tmp_path, SUNDAY)
    booking = book(store, store.free_slots(SUNDAY, limit=1)[0], contact="marie@example.org", contact_kind="email")
    with smtp_server(refusing=True) as (_, url):
        agenda = agenda_of(store, default_charter, default_topics, Mailer.from_url(url, "mediatheque@example.org"))
        assert agenda.cancel(booking.id, 1, "")[1] == Told((), "marie@example.org")
    [record] = [record for record in caplog.records if "not sent by email" in record.getMessage()]
    assert record.getMessage().endswith(": SMTPRecipientsRefused") and "marie" not in record.getMessage()
    store.close()


def test_topics_are_named_in_plain_french(default_charter: Charter, default_topics: Topics) -> None:
    label = partial(topic_label, charter=default_charter, topics=default_topics)
    assert label("refer_caf") == "Une question pour la CAF"
    assert label("wifi") == "le wifi"
    assert label("something_new") == "something_new"
    assert label(None) == ""
