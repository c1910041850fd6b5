"""The agenda of the staff console on the real web server: a week's bookings, noting what became of one, and
cancelling one with a message that really goes out through a local SMTP server."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from html import unescape
from typing import Iterator, Optional

import httpx
import pytest

from bot.booking.models import Booking
from bot.booking.statuses import CANCELLED, CONFIRMED, DONE
from bot.booking.store import BookingStore
from bot.staff.accounts import StaffAccounts
from bot.staff.agenda import iso_week
from tests.support.booking import Clock, book
from tests.support.console import PASSWORD, csrf_of, signed_in
from tests.support.html_check import problems
from tests.support.mail import Inbox, smtp_server
from tests.support.web import web_server

pytestmark = pytest.mark.stack  # the web server runs, on a free port

NOW = datetime.now(timezone.utc)


@dataclass
class Library:
    """The running web server, its booking store and the SMTP server's inbox."""

    base: str
    store: BookingStore
    inbox: Inbox

    def book(self, when: str, mediator: str = "camille", site: str = "centrale", week_of: Optional[Booking] = None,
             **fields: object) -> Booking:
        """A booking of `mediator` at `site`, a slot that started at least a day ago (`past`) or starts in two
        days or more (in the week of `week_of` if given)."""
        slots = [slot for slot in self.store.free_slots(self.store.clock(), site_id=site, limit=500)
                 if slot.mediator_id == mediator]
        past = [slot for slot in slots if slot.start < NOW - timedelta(days=1)]
        coming = [slot for slot in slots if slot.start > NOW + timedelta(days=2) and (
            week_of is None or iso_week(slot.start.date()) == iso_week(week_of.start.date()))]
        return book(self.store, (past[-1] if when == "past" else coming[0]), **fields)

    def agenda(self, client: httpx.Client, booking: Booking, **query: str) -> httpx.Response:
        """The agenda of the booking's week."""
        return client.get("/console/agenda", params={"semaine": booking.start.date().isoformat(), **query})


@pytest.fixture(scope="module")
def library(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Library]:
    with smtp_server() as (inbox, smtp_url), \
            web_server(tmp_path_factory.mktemp("var"), BOOKING_DATABASE_URL="", SMTP_URL=smtp_url,
                       SMTP_FROM="mediatheque@example.org") as settings:
        accounts = StaffAccounts(settings.booking_database_url)
        accounts.add("lea@mediatheque.fr", "<b>Léa</b>", "admin", PASSWORD, "camille")
        accounts.add("yanis@mediatheque.fr", "Yanis", "mediator", PASSWORD, "yanis")
        accounts.close()
        store = BookingStore(settings.booking_database_url, clock=Clock(NOW - timedelta(days=21)))
        yield Library(settings.url(settings.web_port, ""), store, inbox)
        store.close()


def test_staff_see_a_week_by_day_their_own_bookings_first(library: Library) -> None:
    yanis_patron = library.book("coming", "yanis", "quartier", first_name="Inès")
    patron = library.book("coming", week_of=yanis_patron, first_name="<script>alert(1)</script>",
                          contact="+33612345678", contact_kind="mobile", topic="learn_email",
                          accessibility="Malentendant")
    lea = signed_in(library.base)
    page = library.agenda(lea, patron)
    assert page.status_code == 200 and page.headers["cache-control"] == "no-store" and problems(page.text) == []
    assert '<option value="camille" selected>' in page.text  # Léa's own mediator
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text and "<script>alert" not in page.text
    for shown in ("06 12 34 56 78", "Par téléphone portable", "Apprendre : les e-mails", "Malentendant",
                  "Confirmé", "Annuler ce rendez-vous"):
        assert shown in page.text, shown
    yanis = signed_in(library.base, "yanis@mediatheque.fr")
    own = library.agenda(yanis, patron)  # Yanis sees his own bookings first
    assert own.status_code == 200 and "Inès" in own.text and "alert(1)" not in own.text
    everyone = library.agenda(yanis, patron, mediateur="tous")
    assert "alert(1)" in everyone.text and "Inès" in everyone.text
    one_site = library.agenda(yanis, patron, mediateur="tous", lieu="quartier")
    assert one_site.status_code == 200 and "Inès" in one_site.text and "alert(1)" not in one_site.text
    next_week = library.agenda(lea, patron, semaine=(patron.start + timedelta(days=7)).date().isoformat())
    assert next_week.status_code == 200 and "alert(1)" not in next_week.text


def test_a_wrong_week_shows_this_week_and_a_wrong_mediator_is_not_found(library: Library) -> None:
    lea = signed_in(library.base)
    wrong = lea.get("/console/agenda", params={"semaine": "la semaine prochaine"})
    assert wrong.status_code == 200 and "Cette semaine n'existe pas" in unescape(wrong.text)
    assert lea.get("/console/agenda", params={"mediateur": "personne"}).status_code == 404
    assert lea.get("/console/agenda/999999/annuler").status_code == 404


def test_after_the_start_a_booking_is_noted_done_by_whoever_did_it(library: Library) -> None:
    past, coming = library.book("past", first_name="Paul"), library.book("coming", first_name="Zoé")
    lea = signed_in(library.base)
    page = library.agenda(lea, past)
    action = f"/console/agenda/{past.id}/statut"
    assert lea.post(action, data={"statut": DONE}).status_code == 403  # no CSRF token
    assert library.store.booking(past.id).status == CONFIRMED
    posted = lea.post(action, params={"semaine": past.start.date().isoformat(), "mediateur": "tous"},
                      data={"csrf": csrf_of(page.text), "statut": DONE})
    assert posted.status_code == 303  # a reload shows the page again, it does not post again
    assert posted.headers["location"] == (f"/console/agenda?semaine={past.start.date().isoformat()}"
                                          f"&mediateur=tous&note={past.id}")
    done = lea.get(posted.headers["location"])
    assert done.status_code == 200 and "est « venu »" in done.text and problems(done.text) == []
    assert "<title>C'est noté – Agenda" in done.text
    assert "Venu (par &lt;b&gt;Léa&lt;/b&gt;)" in done.text
    assert "remettre en « confirmé »" in done.text
    assert library.store.booking(past.id).handled_by is not None
    too_soon = lea.post(f"/console/agenda/{coming.id}/statut", data={"csrf": csrf_of(page.text), "statut": DONE})
    assert too_soon.status_code == 409 and "pas encore commencé" in too_soon.text
    assert "<title>Erreur : Ce rendez-vous n&#39;a pas encore commencé" in too_soon.text
    unknown = lea.post("/console/agenda/999999/statut", data={"csrf": csrf_of(page.text), "statut": DONE})
    assert unknown.status_code == 404
    wrong = lea.post(action, data={"csrf": csrf_of(page.text), "statut": "deleted"})
    assert wrong.status_code == 400 and library.store.booking(past.id).status == DONE


def test_a_coming_booking_is_cancelled_and_the_patron_told_by_email(library: Library) -> None:
    booking = library.book("coming", first_name="Marie", contact="marie@example.org", contact_kind="email")
    yanis = signed_in(library.base, "yanis@mediatheque.fr")  # any staff member may
    form = yanis.get(f"/console/agenda/{booking.id}/annuler")
    assert form.status_code == 200 and "Votre rendez-vous du" in form.text and problems(form.text) == []
    action = f"/console/agenda/{booking.id}/annuler"
    assert yanis.post(action, data={"mots": "Je suis malade."}).status_code == 403  # no CSRF token
    too_long = yanis.post(action, data={"csrf": csrf_of(form.text), "mots": "Je suis malade. " * 30})
    assert too_long.status_code == 400 and "trop long" in too_long.text and 'aria-invalid="true"' in too_long.text
    assert "Je suis malade. Je suis malade." in too_long.text and problems(too_long.text) == []  # as typed
    assert library.store.booking(booking.id).status == CONFIRMED and library.inbox.messages == []
    posted = yanis.post(action, data={"csrf": csrf_of(form.text), "mots": "Je suis malade <désolé>."})
    assert posted.status_code == 303 and f"annule={booking.id}" in posted.headers["location"]
    for _ in range(2):  # a reload says it again, from what was stored
        done = yanis.get(posted.headers["location"])
        assert done.status_code == 200 and "Message envoyé à Marie par e-mail." in done.text
        assert problems(done.text) == [] and "<title>Rendez-vous annulé – Agenda" in done.text
        assert done.text.index("Le rendez-vous du") < done.text.index("<h1>")  # first in the page's content
    assert library.store.booking(booking.id).status == CANCELLED
    assert library.store.booking(booking.id).cancelled_via == "email"
    [(recipients, message)] = library.inbox.messages
    body = message.get_body(("plain",)).get_content()
    assert recipients == ["marie@example.org"] and message["From"] == "mediatheque@example.org"
    assert "Message du médiateur : Je suis malade <désolé>." in body.splitlines()
    assert re.search(r"Votre rendez-vous du \w+ \d+(er)? \w+ à \d+ h( \d+)? \(Médiathèque", body)
    again = yanis.post(action, data={"csrf": csrf_of(form.text), "mots": ""})
    assert again.status_code == 409 and "déjà annulé" in again.text and len(library.inbox.messages) == 1


def test_when_nothing_reaches_the_patron_the_page_gives_their_phone(library: Library) -> None:
    booking = library.book("coming", first_name="Ali", contact="+33612345679", contact_kind="mobile")
    lea = signed_in(library.base)
    form = lea.get(f"/console/agenda/{booking.id}/annuler")
    posted = lea.post(f"/console/agenda/{booking.id}/annuler", data={"csrf": csrf_of(form.text), "mots": ""})
    done = lea.get(posted.headers["location"])
    assert done.status_code == 200 and problems(done.text) == []
    assert ('<p role="alert"><strong>Attention : personne n\'a été prévenu, aucun message n\'a pu partir.</strong> '
            "Prévenez Ali vous-même : 06 12 34 56 79.") in unescape(done.text)
    later = unescape(library.agenda(lea, booking).text)  # the week's agenda, any time after
    entry = later.split(f'id="rdv-{booking.id}"')[1].split("</li>")[0]
    assert "Annulé" in entry and "personne n'a été prévenu" in entry and "06 12 34 56 79" in entry
    past = library.book("past")
    refused = lea.get(f"/console/agenda/{past.id}/annuler")
    assert refused.status_code == 409 and "ne peut plus être annulé" in unescape(refused.text)


def test_a_line_break_counts_one_character_as_in_the_browser(library: Library) -> None:
    booking = library.book("coming", first_name="Léon")
    lea = signed_in(library.base)
    form = lea.get(f"/console/agenda/{booking.id}/annuler")
    words = "Je suis malade, désolé.\r\n" * 12 + "Merci."  # 294 characters in the browser, 306 as sent
    posted = lea.post(f"/console/agenda/{booking.id}/annuler", data={"csrf": csrf_of(form.text), "mots": words})
    assert posted.status_code == 303 and library.store.booking(booking.id).status == CANCELLED
