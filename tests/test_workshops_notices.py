"""What workshop patrons are told outside the conversation, through a real local SMTP server (aiosmtpd) and a chat
channel: a seat freed for them, a session cancelled, the reminder the day before; the jobs' round."""
from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Iterator

import pytest

from bot.booking.contact import Contact
from bot.booking.reminders import Mailer
from bot.booking.store import BookingStore, ensure_database
from bot.jobs import run_once
from bot.settings import Settings
from bot.workshops.models import CANCELLED, REGISTERED
from bot.workshops.notices import Messenger, run_jobs
from bot.workshops.store import WorkshopStore, open_workshops, refresh
from tests.support.booking import Clock, make_store, paris
from tests.support.mail import Inbox, smtp_server
from tests.test_workshops_store import MONDAY, load, register

Sent = list[tuple[str, str, str]]


@pytest.fixture
def inbox() -> Iterator[tuple[Inbox, Mailer]]:
    with smtp_server() as (received, url):
        yield received, Mailer.from_url(url, "mediatheque@example.org")


@pytest.fixture
def stores(tmp_path: Path) -> Iterator[tuple[BookingStore, WorkshopStore]]:
    url = f"sqlite:///{tmp_path / 'bookings.db'}"
    bookings = make_store(url, tmp_path, MONDAY)
    workshops = WorkshopStore(url, clock=Clock(MONDAY))
    load(tmp_path, workshops)
    yield bookings, workshops
    bookings.close()
    workshops.close()


def chat(sent: Sent):  # noqa: ANN201
    def notify(channel: str, sender_id: str, text: str) -> bool:
        sent.append((channel, sender_id, text))
        return channel == "telegram"  # the web chat cannot speak first
    return notify


def test_a_promoted_patron_is_told_by_email_and_on_telegram(stores, inbox) -> None:
    bookings, workshops = stores
    received, mailer = inbox
    sent: Sent = []
    seated = [register(workshops, "tablette-2027-03-04", number)[0] for number in range(5)]
    waiting = workshops.register("tablette-2027-03-04", first_name="Zoé", contact=Contact("email", "zoe@example.org"),
                                 channel="telegram", sender_id="77")[0]
    _, promoted = workshops.cancel(seated[0].registration.code)
    Messenger(mailer, chat(sent)).promoted(workshops, promoted, bookings.site_of)
    (to, email), = received.messages
    assert to == ["zoe@example.org"] and "Une place pour vous" in email["Subject"]
    assert "Bonjour Zoé" in email.get_content() and waiting.registration.display_code in email.get_content()
    assert [(channel, sender) for channel, sender, _ in sent] == [("telegram", "77")]
    assert "Jeudi 4 mars à 14 h" in sent[0][2] and "Vous êtes inscrit." in sent[0][2]
    assert workshops.place(waiting.registration.code).registration.promoted_via == "email+telegram"
    assert workshops.untold() == []


def test_a_patron_nobody_can_reach_is_skipped_by_the_jobs_after_the_delay(stores) -> None:
    bookings, workshops = stores
    sent: Sent = []
    seated = [register(workshops, "tablette-2027-03-04", number)[0] for number in range(5)]
    unreachable = register(workshops, "tablette-2027-03-04", 50)[0]  # on the web chat, no contact
    reachable = workshops.register("tablette-2027-03-04", first_name="Ali", contact=None, channel="telegram",
                                   sender_id="88")[0]
    _, promoted = workshops.cancel(seated[0].registration.code)
    messenger = Messenger(None, chat(sent))
    messenger.promoted(workshops, promoted, bookings.site_of)
    assert workshops.place(unreachable.registration.code).registration.status == REGISTERED
    evening = MONDAY.replace(hour=21)  # no reminder now: only promotions
    assert run_jobs(workshops, messenger, bookings.site_of, evening, timedelta(hours=24)) == 0
    assert workshops.place(reachable.registration.code).position == 1
    workshops.clock.now = MONDAY + timedelta(hours=25)
    run_jobs(workshops, messenger, bookings.site_of, workshops.clock.now, timedelta(hours=24))
    skipped = workshops.place(unreachable.registration.code).registration
    assert (skipped.status, skipped.skipped) == (CANCELLED, True)
    now_seated = workshops.place(reachable.registration.code).registration
    assert (now_seated.status, now_seated.promoted_via) == (REGISTERED, "telegram")
    assert sent[-1][:2] == ("telegram", "88") and "une place s'est libérée" in sent[-1][2]


def test_a_cancelled_session_tells_each_patron(stores, inbox) -> None:
    bookings, workshops = stores
    received, mailer = inbox
    sent: Sent = []
    workshops.register("tablette-2027-03-04", first_name="Zoé", contact=Contact("email", "zoe@example.org"),
                       channel="rest", sender_id="web-1")
    workshops.register("tablette-2027-03-04", first_name="Ali", contact=None, channel="telegram", sender_id="88")
    register(workshops, "tablette-2027-03-04", 3)
    told = workshops.cancel_session("tablette-2027-03-04")
    session = workshops.seats("tablette-2027-03-04").session
    counts = Messenger(mailer, chat(sent)).cancelled(workshops, told, session, bookings.site_of("annexe"),
                                                     "La médiatrice est malade.")
    assert counts == {"email": 1, "telegram": 1, "none": 1}
    assert "Atelier annulé" in received.messages[0][1]["Subject"]
    assert "Message de la bibliothèque : La médiatrice est malade." in sent[0][2]
    assert sorted(r.cancelled_via for r in workshops.registrations("tablette-2027-03-04")) == [
        "email", "none", "telegram"]


def test_reminders_go_the_day_before_within_the_hours(stores, inbox) -> None:
    bookings, workshops = stores
    received, mailer = inbox
    mine = workshops.register("tablette-2027-03-04", first_name="Zoé", contact=Contact("email", "zoe@example.org"),
                              channel="rest", sender_id="web-1")[0]
    messenger = Messenger(mailer, None)
    assert run_jobs(workshops, messenger, bookings.site_of, paris(2027, 3, 3, 21), timedelta(hours=24)) == 0
    assert run_jobs(workshops, messenger, bookings.site_of, paris(2027, 3, 3, 10), timedelta(hours=24)) == 1
    assert run_jobs(workshops, messenger, bookings.site_of, paris(2027, 3, 3, 11), timedelta(hours=24)) == 0
    content = received.messages[0][1].get_content()
    assert "Vous êtes inscrit demain à l'atelier « Prendre en main sa tablette »." in content
    assert mine.registration.display_code in content
    assert workshops.place(mine.registration.code).registration.reminded_via == "email"


def test_a_jobs_round_on_the_shipped_files(tmp_path: Path) -> None:
    settings = Settings.from_env({"VAR_DIR": str(tmp_path), "BOOKING_RETENTION_DAYS": "10"})
    store = ensure_database(settings)
    workshops = refresh(open_workshops(settings), settings.knowledge_dir)
    first = workshops.coming()[0].session
    mine = register(workshops, first.id)[0].registration
    day_before = first.start_paris.replace(hour=18, minute=0) - timedelta(days=1)
    assert run_once(store, settings, None, day_before, None, workshops) == (1, 0)
    assert workshops.place(mine.code).registration.reminded_via == "none"
    assert run_once(store, settings, None, first.end + timedelta(days=10, minutes=1), None, workshops) == (0, 1)
    assert workshops.place(mine.code).registration.first_name is None
