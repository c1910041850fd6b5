"""The console's « Ateliers » on the real web server, over a copy of the knowledge base: the sessions by week, a
session's patrons and waiting list, attendance after the start, the sign-in sheet; a workshop created and changed
from a form (the file written, checked as `make validate` checks it), a capacity refused below the seats taken and
raised (the first waiting patron promoted and told), a session cancelled (its patrons told by e-mail through a local
SMTP server and on Telegram through the Bot API stand-in); the home page's coming sessions."""
from __future__ import annotations

import csv
import io
import re
import shutil
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from html import unescape
from pathlib import Path
from typing import Iterator, Optional

import httpx
import pytest
import yaml

from bot.booking.contact import Contact
from bot.knowledge.sites import load_sites
from bot.knowledge.workshops import load_workshops
from bot.settings import ROOT
from bot.staff.accounts import StaffAccounts
from bot.staff.activity import activity, last_weeks
from bot.staff.files import write_all
from bot.workshops.models import CANCELLED, REGISTERED, WAITLISTED
from bot.workshops.store import Place, WorkshopStore, refresh
from tests.support.booking import Clock
from tests.support.console import PASSWORD, browser, csrf_of, signed_in
from tests.support.html_check import problems
from tests.support.mail import Inbox, smtp_server
from tests.support.telegram_standin import TOKEN, BotAPIStandIn
from tests.support.web import web_server

# The web server runs, on a free port; the module's tests share it, on one worker, in order.
pytestmark = [pytest.mark.stack, pytest.mark.xdist_group("console_workshops")]

NOW = datetime.now(timezone.utc)
PAST = NOW - timedelta(days=10)  # the clock of the store that registered patrons to the session already held


def day(days: int) -> str:
    return (NOW + timedelta(days=days)).date().isoformat()


WORKSHOPS = f"""# The test's workshops.
workshops:
  - id: tablette
    title: Prendre en main sa tablette
    theme: smartphone
    level: debutant
    site: quartier
    room: Salle d'animation
    start: {day(9)} 14:00
    duration_minutes: 90
    every_weeks: 1
    sessions: 8
    capacity: 2
    mediator: yanis
    description: Allumer la tablette, ouvrir une application.

  - id: deja-passe
    title: Atelier déjà passé
    site: centrale
    start: {day(-8)} 10:00
    duration_minutes: 60
    capacity: 6
    mediator: camille
    description: Un atelier qui a eu lieu.
"""


@dataclass
class Library:
    base: str
    knowledge: Path
    store: WorkshopStore  # the real clock
    past: WorkshopStore  # ten days ago: registers to the session held since
    inbox: Inbox
    telegram: BotAPIStandIn

    def session(self, workshop: str, index: int = 0) -> str:
        refresh(self.store, self.knowledge)
        return [seats.session.id for seats in self.store.coming() if seats.session.workshop_id == workshop][index]

    def register(self, session_id: str, name: str, contact: Optional[Contact] = None, channel: str = "rest",
                 sender_id: str = "", store: Optional[WorkshopStore] = None) -> Place:
        """A patron registers (the assistant's registration, through the store)."""
        place, _ = (store or self.store).register(session_id, first_name=name, contact=contact, channel=channel,
                                                  sender_id=sender_id or f"patron-{name}")
        return place


def always_open(path: Path) -> None:
    """The sites file without permanences, closures nor public holidays: the sessions of the test's days, whichever
    they are, take place."""
    sites = yaml.safe_load(path.read_text(encoding="utf-8"))
    sites["availability"], sites["closures"] = [], []
    for site in sites["sites"]:
        site["closed_on_public_holidays"] = False
    path.write_text(yaml.safe_dump(sites, allow_unicode=True), encoding="utf-8")


@pytest.fixture(scope="module")
def library(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Library]:
    knowledge = shutil.copytree(ROOT / "knowledge_base", tmp_path_factory.mktemp("copy") / "knowledge_base")
    (knowledge / "workshops.yml").write_text(WORKSHOPS, encoding="utf-8")
    always_open(knowledge / "sites.yml")
    with smtp_server() as (inbox, smtp_url), BotAPIStandIn() as telegram, \
            web_server(tmp_path_factory.mktemp("var"), BOOKING_DATABASE_URL="", KNOWLEDGE_DIR=str(knowledge),
                       SMTP_URL=smtp_url, SMTP_FROM="mediatheque@example.org", TELEGRAM_TOKEN=TOKEN,
                       TELEGRAM_API_BASE=telegram.base) as settings:
        accounts = StaffAccounts(settings.booking_database_url)
        accounts.add("lea@mediatheque.fr", "Léa", "admin", PASSWORD, "camille")
        accounts.add("yanis@mediatheque.fr", "Yanis", "mediator", PASSWORD, "yanis")
        accounts.close()
        past = refresh(WorkshopStore(settings.booking_database_url, clock=Clock(PAST)), knowledge)
        store = refresh(WorkshopStore(settings.booking_database_url), knowledge)
        yield Library(settings.url(settings.web_port, ""), knowledge, store, past, inbox, telegram)
        store.close()
        past.close()


HELD = f"deja-passe-{day(-8)}"  # the session held eight days ago


def test_the_pages_are_for_signed_in_staff_and_forms_need_the_csrf_token(library: Library) -> None:
    anonymous = browser(library.base)
    for address in ("/console/ateliers", "/console/ateliers/nouveau", f"/console/ateliers/seance/{HELD}",
                    f"/console/ateliers/seance/{HELD}/emargement", "/console/ateliers/atelier/tablette"):
        response = anonymous.get(address)
        assert response.status_code == 303 and response.headers["location"] == "/console/connexion", address
    assert anonymous.post("/console/ateliers/nouveau", data={"titre": "x"}).status_code == 403
    lea = signed_in(library.base)
    assert lea.post("/console/ateliers/nouveau", data={"titre": "x"}).status_code == 403  # no CSRF token
    assert lea.post(f"/console/ateliers/seance/{HELD}/annuler").status_code == 403
    assert lea.get("/console/ateliers/seance/pas-de-seance").status_code == 404
    assert lea.get("/console/ateliers/seance/<script>").status_code == 404
    assert lea.get("/console/ateliers/atelier/inconnu").status_code == 404


def test_the_sessions_by_week_with_seats_and_waiting(library: Library) -> None:
    first = library.session("tablette")
    for name in ("Inès", "Paul", "Zoé"):
        library.register(first, name)
    lea = signed_in(library.base)
    page = lea.get("/console/ateliers", params={"semaine": day(9)})
    assert page.status_code == 200 and page.headers["cache-control"] == "no-store" and problems(page.text) == []
    text = unescape(page.text)
    assert 'aria-current="page">Ateliers</a>' in page.text
    assert "Prendre en main sa tablette" in text and "Inscrits : 2 sur 2 places, liste d'attente : 1." in text
    assert "Médiathèque" in text and "avec Yanis" in text
    past = lea.get("/console/ateliers", params={"semaine": day(-8)})
    assert "Atelier déjà passé" in past.text and "Passé" in past.text
    wrong = lea.get("/console/ateliers", params={"semaine": "jamais"})
    assert wrong.status_code == 200 and "Cette semaine n'existe pas" in unescape(wrong.text)


def test_a_session_shows_its_patrons_and_attendance_is_marked_after_the_start(library: Library) -> None:
    marie = library.register(HELD, "Marie", Contact("email", "marie@example.org"), store=library.past)
    library.register(HELD, "<b>Ali</b>", Contact("mobile", "+33612345678"), store=library.past)
    lea = signed_in(library.base)
    page = lea.get(f"/console/ateliers/seance/{HELD}")
    assert page.status_code == 200 and problems(page.text) == []
    assert "Marie" in page.text and "marie@example.org" in page.text and "Par e-mail" in page.text
    assert "&lt;b&gt;Ali&lt;/b&gt;" in page.text and "06 12 34 56 78" in page.text
    assert "pas encore notée" in page.text and 'value="present"' in page.text
    action = f"/console/ateliers/seance/{HELD}/presence"
    assert lea.post(action, data={"inscription": marie.registration.id, "presence": "present"}).status_code == 403
    posted = lea.post(action, data={"csrf": csrf_of(page.text), "inscription": marie.registration.id,
                                    "presence": "present"})
    assert posted.status_code == 303 and f"note={marie.registration.id}" in posted.headers["location"]
    assert library.store.place(marie.registration.code).registration.attended is True
    done = lea.get(posted.headers["location"])
    assert "C'est noté" in unescape(done.text) and problems(done.text) == []
    wrong = lea.post(action, data={"csrf": csrf_of(page.text), "inscription": marie.registration.id,
                                   "presence": "peut-être"})
    assert wrong.status_code == 400
    coming = library.session("tablette", 1)
    early = library.register(coming, "Léon")
    page = lea.get(f"/console/ateliers/seance/{coming}")
    assert 'value="present"' not in page.text  # not started: no attendance yet
    too_soon = lea.post(f"/console/ateliers/seance/{coming}/presence",
                        data={"csrf": csrf_of(page.text), "inscription": early.registration.id, "presence": "absent"})
    assert too_soon.status_code == 409 and library.store.place(early.registration.code).registration.attended is None
    other = lea.post(action, data={"csrf": csrf_of(page.text), "inscription": early.registration.id,
                                   "presence": "absent"})
    assert other.status_code == 409  # not a patron of this session


def test_the_sign_in_sheet(library: Library) -> None:
    lea = signed_in(library.base)
    sheet = lea.get(f"/console/ateliers/seance/{HELD}/emargement")
    assert sheet.status_code == 200 and problems(sheet.text) == []
    text = unescape(sheet.text)
    for shown in ("Liste d'émargement", "Atelier déjà passé", "Signature", "Animé par : Camille", "Heure : 10 h"):
        assert shown in text, shown
    assert text.count("<tr><td>") >= 5  # blank lines for those who come without registering


def test_a_workshop_created_from_the_form_is_written_checked_and_offered(library: Library) -> None:
    yanis = signed_in(library.base, "yanis@mediatheque.fr")
    form = yanis.get("/console/ateliers/nouveau")
    assert form.status_code == 200 and problems(form.text) == []
    fields = {"csrf": csrf_of(form.text), "version": _version(form.text), "titre": "Créer son adresse e-mail",
              "theme": "email", "niveau": "debutant", "lieu": "centrale", "salle": "Salle numérique",
              "date": day(12), "heure": "10:30", "duree": "120", "frequence": "2", "jusqu_au": "", "nombre": "3",
              "places": "6", "mediateur": "camille", "description": "Créer une adresse. Envoyer un premier e-mail.",
              "apporter": "Votre téléphone\nUn stylo", "accessibilite": "Ascenseur."}
    wrong = yanis.post("/console/ateliers/nouveau", data={**fields, "places": "0", "heure": "25:00", "titre": ""})
    assert wrong.status_code == 422 and problems(wrong.text) == []
    assert "Écrivez le nombre de places" in unescape(wrong.text) and "Écrivez l'heure" in unescape(wrong.text)
    assert "creer-son-adresse" not in (library.knowledge / "workshops.yml").read_text(encoding="utf-8")
    posted = yanis.post("/console/ateliers/nouveau", data=fields)
    assert posted.status_code == 303 and posted.headers["location"].startswith(
        "/console/ateliers/atelier/creer-son-adresse-e-mail?enregistre=1")
    text = (library.knowledge / "workshops.yml").read_text(encoding="utf-8")
    assert text.startswith("# The test's workshops.") and f"start: {day(12)} 10:30" in text
    assert "bring: [Votre téléphone, Un stylo]" in text
    loaded = load_workshops(library.knowledge / "workshops.yml", load_sites(library.knowledge / "sites.yml"))
    created = next(each for each in loaded.workshops if each.id == "creer-son-adresse-e-mail")
    assert (created.every_weeks, created.sessions, created.capacity, created.theme) == (2, 3, 6, "email")
    saved = yanis.get(posted.headers["location"])
    assert saved.status_code == 200 and "C'est enregistré" in unescape(saved.text) and problems(saved.text) == []
    assert library.session("creer-son-adresse-e-mail").endswith(day(12))
    again = yanis.post("/console/ateliers/nouveau", data=fields)  # the form's version is the old file's
    assert again.status_code == 409 and "Quelqu'un a changé" in unescape(again.text)


def test_capacity_lowered_below_the_seats_taken_is_refused_and_raised_promotes(library: Library) -> None:
    session = library.session("tablette", 2)
    library.register(session, "Anna", Contact("email", "anna@example.org"))
    library.register(session, "Bob")
    waiting = library.register(session, "Chloé", Contact("email", "chloe@example.org"))
    assert waiting.registration.status == WAITLISTED
    lea = signed_in(library.base)
    form = lea.get("/console/ateliers/atelier/tablette")
    assert form.status_code == 200 and problems(form.text) == []
    fields = _form_values(form.text)
    refused = lea.post("/console/ateliers/atelier/tablette", data={**fields, "places": "1"})
    assert refused.status_code == 422 and "ne peut pas descendre sous 2" in unescape(refused.text)
    assert "capacity: 2" in (library.knowledge / "workshops.yml").read_text(encoding="utf-8")
    moved = lea.post("/console/ateliers/atelier/tablette", data={**fields, "heure": "15:00"})
    assert moved.status_code == 409 and "Des personnes sont inscrites" in unescape(moved.text)
    raised = lea.post("/console/ateliers/atelier/tablette", data={**fields, "places": "3"})
    assert raised.status_code == 303 and "promus=" in raised.headers["location"]
    assert "capacity: 3" in (library.knowledge / "workshops.yml").read_text(encoding="utf-8")
    assert "# The test's workshops." in (library.knowledge / "workshops.yml").read_text(encoding="utf-8")
    assert library.store.place(waiting.registration.code).registration.status == REGISTERED
    told = [message for recipients, message in library.inbox.messages if recipients == ["chloe@example.org"]]
    assert told and "place s'est libérée" in told[0].get_body(("plain",)).get_content()
    page = lea.get(raised.headers["location"])
    assert "maintenant une place" in unescape(page.text)


def test_a_session_cancelled_tells_every_patron_and_says_how(library: Library) -> None:
    session = library.session("tablette", -1)
    library.register(session, "Nina", Contact("email", "nina@example.org"))
    library.register(session, "Omar", channel="telegram", sender_id="4242")
    library.register(session, "Pia", Contact("mobile", "+33612345670"))
    library.register(session, "Quentin", Contact("email", "quentin@example.org"))  # waiting
    lea = signed_in(library.base)
    form = lea.get(f"/console/ateliers/seance/{session}/annuler")
    assert form.status_code == 200 and problems(form.text) == [] and "est annulé" in form.text
    too_long = lea.post(f"/console/ateliers/seance/{session}/annuler",
                        data={"csrf": csrf_of(form.text), "mots": "Désolé. " * 50})
    assert too_long.status_code == 400 and "trop long" in too_long.text
    posted = lea.post(f"/console/ateliers/seance/{session}/annuler",
                      data={"csrf": csrf_of(form.text), "mots": "La salle est en travaux."})
    assert posted.status_code == 303 and posted.headers["location"].endswith("?annule=1")
    done = unescape(lea.get(posted.headers["location"]).text)
    assert "L'atelier est annulé." in done and "2 par e-mail" in done and "1 sur Telegram" in done
    assert "1 sans message" in done and "Prévenez-les vous-même" in done and "Pia : 06 12 34 56 70" in done
    text = (library.knowledge / "workshops.yml").read_text(encoding="utf-8")
    assert f"cancelled: [{session[-10:]}]" in text
    mails = {recipients[0]: message for recipients, message in library.inbox.messages}
    body = mails["nina@example.org"].get_body(("plain",)).get_content()
    assert "est annulé" in body and "Message de la bibliothèque : La salle est en travaux." in body
    assert "quentin@example.org" in mails
    [message] = library.telegram.sent(4242)
    assert "est annulé" in message.text
    assert all(each.status == CANCELLED for each in library.store.registrations(session))
    assert library.store.seats(session).session.cancelled_at is not None
    again = lea.get(f"/console/ateliers/seance/{session}/annuler")
    assert again.status_code == 409


def test_a_mistake_in_the_file_is_shown_and_the_sessions_stay(library: Library) -> None:
    path = library.knowledge / "workshops.yml"
    text = path.read_text(encoding="utf-8")
    try:
        write_all({path: text.replace("capacity: 6", "capacity: beaucoup")})  # renamed into place: seen at once
        page = signed_in(library.base).get("/console/ateliers", params={"semaine": day(9)})
        assert page.status_code == 200 and problems(page.text) == []
        assert "Le fichier des ateliers a une erreur" in unescape(page.text) and "workshops.yml" in page.text
        assert "Prendre en main sa tablette" in page.text  # the sessions as they were
    finally:
        write_all({path: text})


def test_the_home_page_lists_the_coming_sessions(library: Library) -> None:
    page = httpx.get(library.base + "/", timeout=10)
    assert page.status_code == 200 and problems(page.text) == []
    text = unescape(page.text)
    assert "Prendre en main sa tablette" in text and "Atelier déjà passé" not in text
    assert "complet, liste d'attente" in text or "places libres" in text or "place libre" in text
    assert "à l'accueil" in text and "avec l'assistant" in text


def _version(html: str) -> str:
    return re.search(r'name="version" value="([^"]+)"', html).group(1)


def _form_values(html: str) -> dict[str, str]:
    """The values a form shows (inputs, selected options, text areas), as a browser would send them."""
    values = {name: unescape(value) for name, value in re.findall(r'<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"',
                                                                  html)}
    for name, options in re.findall(r'<select id="[^"]+" name="([^"]+)"[^>]*>(.*?)</select>', html, re.S):
        chosen = re.search(r'<option value="([^"]*)" selected>', options)
        values[name] = chosen.group(1) if chosen else ""
    for name, text in re.findall(r'<textarea id="[^"]+" name="([^"]+)"[^>]*>(.*?)</textarea>', html, re.S):
        values[name] = unescape(text)
    return values


def test_activity_counts_the_workshops_of_the_period(library: Library) -> None:
    """The session held eight days ago: 6 seats, Marie present (the attendance test), a seat freed and given to the
    first waiting patron, another patron left waiting; the session cancelled (last test) is weeks ahead."""
    names = [f"Patron{number}" for number in range(1, 7)]
    places = {name: library.register(HELD, name, store=library.past) for name in names}
    library.past.cancel(places["Patron1"].registration.code)  # Patron5, waiting, gets the seat
    assert library.store.place(places["Patron5"].registration.code).registration.status == REGISTERED
    assert library.store.place(places["Patron6"].registration.code).registration.status == WAITLISTED
    lea = signed_in(library.base)
    page = lea.get("/console/activite")
    assert page.status_code == 200 and problems(page.text) == []
    text = unescape(page.text)
    assert ("Ateliers : 1 séances tenues, 6 places prises sur 6 offertes ; présents : 1 sur 1 présences notées ; "
            "2 inscrits en liste d'attente, dont 1 ont eu une place ; 0 séances annulées") in " ".join(text.split())
    assert "Ateliers, par semaine de la séance" in text
    report = lea.get("/console/activite.csv")
    rows = list(csv.reader(io.StringIO(report.text.lstrip("\ufeff")), delimiter=";"))
    total = dict(zip(rows[0], rows[-1]))
    assert (total["ateliers : séances tenues"], total["ateliers : places prises"], total["ateliers : présents"],
            total["ateliers : passés de la liste d'attente à une place"]) == ("1", "6", "1", "1")
    ahead = activity(library.store.engine, library.store.engine, last_weeks(10, NOW + timedelta(weeks=8)), NOW)
    assert ahead.total.workshops["cancelled"] == 1 and ahead.total.workshops["held"] == 0
