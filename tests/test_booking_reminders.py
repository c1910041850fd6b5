"""Reminders the day before, through a real local SMTP server (aiosmtpd); erasure of personal data."""
from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Iterator

import pytest
from icalendar import Calendar

from bot.booking.contact import EMAIL, MOBILE, Contact
from bot.booking.reminders import Mailer, send_due_reminders
from bot.booking.statuses import CANCELLED, CONFIRMED
from bot.booking.store import BookingStore, ensure_database
from bot.jobs import run_once
from bot.knowledge.sites import load_sites
from bot.settings import Settings
from tests.support.booking import book, make_store, paris
from tests.support.mail import Inbox, smtp_server
from tests.support.ports import free_port

MONDAY_EVENING = paris(2026, 3, 2, 18, 0)  # the day before Tuesday 3 March


@pytest.fixture
def inbox() -> Iterator[tuple[Inbox, Mailer]]:
    with smtp_server() as (received, url):
        yield received, Mailer.from_url(url, "mediatheque@example.org")


@pytest.fixture
def store(database_url: str, tmp_path: Path) -> BookingStore:
    return make_store(database_url, tmp_path, paris(2026, 3, 1, 10, 0))


def test_an_email_reminder_goes_the_day_before_with_the_appointment(store: BookingStore, inbox) -> None:
    received, mailer = inbox
    slot = store.free_slots(store.clock())[1]  # Tuesday 3 March 14:45
    booking = book(store, slot, first_name="Marie", contact="marie@example.org")
    assert send_due_reminders(store, MONDAY_EVENING, mailer) == 1
    [(recipients, message)] = received.messages
    assert recipients == ["marie@example.org"]
    assert message["From"] == "mediatheque@example.org"
    assert message["Subject"] == "Rappel : votre rendez-vous demain à 14 h 45"
    body = message.get_body(("plain",)).get_content()
    for line in ("Bonjour Marie,", "Quand ? Mardi 3 mars à 14 h 45.",
                 "Où ? Médiathèque centrale, 2 place Anatole-France, 37000 Tours.",
                 "Accès : Entrée de plain-pied.",
                 f"Votre code : {booking.display_code}", "ou appelez le 02 61 91 02 00."):
        assert line in body.splitlines(), line
    [attachment] = message.iter_attachments()
    assert attachment.get_filename() == f"rendez-vous-{booking.display_code}.ics"
    [event] = Calendar.from_ical(attachment.get_content()).walk("VEVENT")
    assert event.decoded("dtstart") == slot.start
    assert store.find(booking.code).reminded_via == "email"


def test_a_reminder_is_sent_once(store: BookingStore, inbox) -> None:
    received, mailer = inbox
    book(store, store.free_slots(store.clock())[0])
    assert send_due_reminders(store, MONDAY_EVENING, mailer) == 1
    assert send_due_reminders(store, MONDAY_EVENING + timedelta(hours=1), mailer) == 0
    assert len(received.messages) == 1


def test_only_tomorrows_confirmed_appointments_and_only_in_the_day(store: BookingStore, inbox) -> None:
    received, mailer = inbox
    tuesday, _, _, _, thursday = store.free_slots(store.clock(), limit=5)
    store.cancel(book(store, tuesday).code)
    book(store, thursday)
    assert send_due_reminders(store, MONDAY_EVENING, mailer) == 0
    assert send_due_reminders(store, paris(2026, 3, 4, 23, 0), mailer) == 0  # at night, nobody is disturbed
    assert received.messages == []
    assert send_due_reminders(store, paris(2026, 3, 4, 9, 0), mailer) == 1
    assert len(received.messages) == 1


def test_other_contacts_are_reminded_on_their_chat_channel(store: BookingStore, inbox) -> None:
    received, mailer = inbox
    first, second = store.free_slots(store.clock(), limit=2)
    phone = book(store, first, contact="+33612345678", contact_kind="mobile", channel="telegram", sender_id="42")
    silent = book(store, second, contact=None, contact_kind=None, channel="rest", sender_id="web-1")
    sent = []

    def notify(channel: str, sender_id: str, text: str) -> bool:
        sent.append((channel, sender_id, text))
        return channel == "telegram"  # the web chat cannot speak first

    assert send_due_reminders(store, MONDAY_EVENING, mailer, notify) == 2
    assert received.messages == []
    assert [(channel, sender) for channel, sender, _ in sent] == [("telegram", "42"), ("rest", "web-1")]
    assert phone.display_code in sent[0][2] and "Mardi 3 mars à 14 h." in sent[0][2]
    assert store.find(phone.code).reminded_via == "telegram"
    assert store.find(silent.code).reminded_via == "none"


def test_without_smtp_an_email_contact_is_recorded_not_mailed(store: BookingStore) -> None:
    booking = book(store, store.free_slots(store.clock())[0])
    assert send_due_reminders(store, MONDAY_EVENING, None) == 1
    assert store.find(booking.code).reminded_via == "none"


def test_an_email_that_cannot_be_sent_is_tried_again(store: BookingStore, inbox) -> None:
    received, mailer = inbox
    booking = book(store, store.free_slots(store.clock())[0])
    down = Mailer.from_url(f"smtp://127.0.0.1:{free_port()}", "mediatheque@example.org")
    assert send_due_reminders(store, MONDAY_EVENING, down) == 0
    assert store.find(booking.code).reminded_at is None
    assert send_due_reminders(store, MONDAY_EVENING + timedelta(minutes=10), mailer) == 1
    assert len(received.messages) == 1


def test_a_refused_reminder_is_logged_without_the_address(store: BookingStore,
                                                          caplog: pytest.LogCaptureFixture) -> None:
    book(store, store.free_slots(store.clock())[0], contact="marie@example.org")
    with smtp_server(refusing=True) as (_, url):
        assert send_due_reminders(store, MONDAY_EVENING, Mailer.from_url(url, "mediatheque@example.org")) == 0
    [message] = [record.getMessage() for record in caplog.records if "not sent by email" in record.getMessage()]
    assert message.endswith(": SMTPRecipientsRefused") and "marie" not in message


def test_smtp_url_forms() -> None:
    assert Mailer.from_url("", "a@b.fr") is None
    assert Mailer.from_url("smtp://localhost", "a@b.fr") == Mailer("localhost", 25, "a@b.fr")
    assert Mailer.from_url("smtp+starttls://bib%40ville.fr:p%3Ass@smtp.ville.fr", "a@b.fr") == Mailer(
        "smtp.ville.fr", 587, "a@b.fr", "starttls", "bib@ville.fr", "p:ss")
    assert Mailer.from_url("smtps://u:p@smtp.ville.fr:2465", "a@b.fr").port == 2465
    with pytest.raises(ValueError, match="smtp://"):
        Mailer.from_url("http://smtp.ville.fr", "a@b.fr")


def test_personal_fields_are_erased_after_the_retention_delay(store: BookingStore) -> None:
    first, second = store.free_slots(store.clock(), limit=2)
    kept = book(store, first, first_name="Marie", contact="marie@example.org", accessibility="Fauteuil",
                topic="franceconnect", urgent=True)
    cancelled = book(store, second)
    store.cancel(cancelled.code)  # on 1 March
    assert store.erase_personal_data(paris(2026, 3, 30, 10, 0), days=30) == 0
    assert store.erase_personal_data(paris(2026, 3, 31, 10, 1), days=30) == 1  # cancelled 30 days ago
    assert store.find(kept.code).first_name == "Marie"
    assert store.erase_personal_data(kept.end + timedelta(days=29), days=30) == 0
    assert store.erase_personal_data(kept.end + timedelta(days=30, minutes=1), days=30) == 1
    assert store.erase_personal_data(kept.end + timedelta(days=60), days=30) == 0
    for code, status in ((kept.code, CONFIRMED), (cancelled.code, CANCELLED)):
        erased = store.find(code)
        assert (erased.first_name, erased.contact, erased.accessibility, erased.sender_id) == (None,) * 4
        assert erased.status == status and erased.anonymised_at is not None
    statistic = store.find(kept.code)
    assert (statistic.start, statistic.site_id, statistic.topic, statistic.urgent, statistic.channel,
            statistic.contact_kind) == (first.start, "centrale", "franceconnect", True, "rest", "email")


def test_a_jobs_round_on_the_shipped_sites_file(database_url: str, tmp_path: Path) -> None:
    settings = Settings.from_env({"VAR_DIR": str(tmp_path), "BOOKING_DATABASE_URL": database_url,
                                  "BOOKING_RETENTION_DAYS": "10"})
    store = ensure_database(settings)
    assert [site.id for site in store.sites()] == ["centrale", "quartier"]
    slot = store.free_slots(store.clock())[0]
    booking = book(store, slot, contact=None, contact_kind=None)
    day_before = slot.start.replace(hour=18, minute=0) - timedelta(days=1)
    assert run_once(store, settings, None, day_before) == (1, 0)
    assert run_once(store, settings, None, slot.end + timedelta(days=10, minutes=1)) == (0, 1)
    assert store.find(booking.code).first_name is None
    again = ensure_database(settings)  # a second start changes nothing
    assert again.load_knowledge(load_sites(settings.knowledge_dir / "sites.yml")) is False
    assert again.find(booking.code).status == CONFIRMED


def test_forget_cancels_the_patrons_coming_bookings_and_erases_all_their_fields(store: BookingStore) -> None:
    first, second, third = store.free_slots(store.clock(), limit=3)
    past = book(store, first, channel="telegram", sender_id="42")
    coming = book(store, second, channel="telegram", sender_id="42")
    other = book(store, third, channel="rest", sender_id="42")  # same id on another channel: another patron
    store.clock.now = first.start + timedelta(minutes=10)  # the first one has started
    assert store.forget("telegram", "42") == 2
    assert store.find(past.code).status == CONFIRMED and store.find(coming.code).status == CANCELLED
    for code in (past.code, coming.code):
        erased = store.find(code)
        assert (erased.first_name, erased.contact, erased.sender_id) == (None, None, None)
    assert store.find(other.code).first_name == "Marie"
    assert second in store.free_slots(store.clock(), limit=10)  # offered again at once
    assert store.forget("telegram", "42") == 0


def test_reminders_of_bookings_made_on_telegram_go_to_their_chat(store: BookingStore) -> None:
    from bot.telegram.client import telegram_notify
    from tests.support.telegram_standin import TOKEN, BotAPIStandIn

    slot = store.free_slots(store.clock(), limit=1)[0]
    on_telegram = book(store, slot, channel="telegram", sender_id="777", contact=None, contact_kind=None)
    with BotAPIStandIn() as api:
        settings = Settings.from_env({"TELEGRAM_TOKEN": TOKEN, "TELEGRAM_API_BASE": api.base})
        assert send_due_reminders(store, MONDAY_EVENING, None, telegram_notify(settings)) == 1
        message, = api.sent(777)
        assert "demain" in message.text and on_telegram.display_code in message.text
        assert store.find(on_telegram.code).reminded_via == "telegram"
        assert telegram_notify(settings)("rest", "777", "x") is False  # only Telegram's own chats
    assert telegram_notify(Settings.from_env({})) is None


def test_a_contact_held_by_an_unfinished_form_is_erased_after_a_day(store: BookingStore) -> None:
    store.hold_contact("rest", "abandoned", Contact(MOBILE, "+33612345678"))
    store.hold_contact("telegram", "42", Contact(EMAIL, "marie@example.org"))
    assert store.held_contact("rest", "abandoned") == Contact(MOBILE, "+33612345678")
    store.erase_personal_data(store.clock() + timedelta(hours=23), days=30)
    assert store.held_contact("rest", "abandoned") is not None
    store.erase_personal_data(store.clock() + timedelta(hours=25), days=30)
    assert store.held_contact("rest", "abandoned") is None and store.held_contact("telegram", "42") is None
    store.hold_contact("telegram", "42", Contact(EMAIL, "marie@example.org"))
    store.forget("telegram", "42")
    assert store.held_contact("telegram", "42") is None
