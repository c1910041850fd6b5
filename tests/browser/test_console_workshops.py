"""A librarian in the browser: creates a workshop in the console, a patron registers in the chat widget (the real
assistant), the librarian prints the sign-in sheet (the print stylesheet: the table, no menu) and marks who came to
the session held last week. axe-core on each new page. The stack runs over a copy of the knowledge base (the console
writes its workshops file)."""
from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from bot import knowledge
from bot.booking.availability import is_public_holiday
from bot.hours import PARIS
from bot.services import Stack
from bot.settings import ROOT, Settings
from bot.staff.accounts import StaffAccounts
from bot.workshops.store import WorkshopStore, refresh
from tests.browser.widget import answer_to, axe_violations, choose, custom, log, open_widget, say
from tests.support.booking import Clock

PASSWORD = "la médiathèque ouvre à 10 h"
NOW = datetime.now(timezone.utc)
SITES = knowledge.sites(ROOT / "knowledge_base" / "sites.yml")


def open_day(day: date, step: int) -> date:
    """`day`, or the next open day of the centrale in the direction of `step` (no closure, no public holiday)."""
    while is_public_holiday(day) or any(closure.start <= day <= (closure.end or closure.start)
                                        and closure.site in (None, "centrale") for closure in SITES.closures):
        day += timedelta(days=step)
    return day


HELD_DAY = open_day((NOW - timedelta(days=6)).astimezone(PARIS).date(), -1)
FIRST_DAY = open_day((NOW + timedelta(days=3)).astimezone(PARIS).date(), 1)
WORKSHOPS = f"""workshops:
  - id: semaine-derniere
    title: Classer ses photos
    site: centrale
    room: Salle numérique
    start: {HELD_DAY.isoformat()} 18:30  # after every permanence of the sample's mediators
    duration_minutes: 90
    capacity: 6
    mediator: camille
    description: Ranger ses photos dans des dossiers.
"""


KNOWLEDGE_FILES = {"workshops.yml": WORKSHOPS}  # in the copy the copied_stack runs on


@pytest.fixture(scope="module")
def library(copied_stack: Stack) -> Settings:
    settings = copied_stack.settings
    accounts = StaffAccounts(settings.booking_database_url)
    accounts.add("bibliotheque@mediatheque.fr", "Camille", "mediator", PASSWORD, "camille")
    accounts.close()
    before = refresh(WorkshopStore(settings.booking_database_url, clock=Clock(NOW - timedelta(days=7))),
                     settings.knowledge_dir)  # last week: the session held since was open to patrons
    before.register(f"semaine-derniere-{HELD_DAY.isoformat()}", first_name="Jeanne", contact=None, channel="rest",
                    sender_id="web-jeanne")
    before.close()
    return settings


def patron_registers(page: Page, base: str, title: str, first_name: str) -> dict[str, Any]:
    """A patron asks the assistant in the chat widget of the library's page, registers to the first session of
    `title` (its button names the seats left), gives a first name, no contact, consents; `custom.workshop`."""
    open_widget(page, base + "/")
    listed = custom(say(page, "je voudrais m'inscrire à un atelier sur les mails"), "workshops")
    assert any(session["title"] == title for session in listed), listed
    button = log(page).get_by_role("button", name=re.compile(f"{re.escape(title)} · 5 places"))
    assert axe_violations(page) == []
    answer_to(page, lambda: button.first.click())
    say(page, first_name)
    choose(page, "Pas de contact")
    registered = custom(choose(page, "J'accepte"), "workshop")
    page.get_by_role("button", name="Fermer").click()
    return registered


def test_a_librarian_creates_a_workshop_prints_its_sign_in_sheet_and_marks_attendance(
        page: Page, library: Settings) -> None:
    base = library.url(library.web_port, "")
    page.goto(base + "/console/ateliers")  # sent to the sign-in page first
    page.get_by_label("Adresse e-mail").fill("bibliotheque@mediatheque.fr")
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.get_by_role("link", name="Ateliers", exact=True).click()
    expect(page.get_by_role("heading", name="Ateliers", exact=True)).to_be_visible()
    assert axe_violations(page) == []

    first = FIRST_DAY
    page.get_by_role("link", name="Créer un atelier").click()
    assert axe_violations(page) == []
    page.get_by_label("Titre", exact=True).fill("Mon premier e-mail")
    page.get_by_label("Thème (facultatif)").select_option("email")
    page.get_by_label("Niveau (facultatif)").select_option("debutant")
    page.get_by_label("Lieu", exact=True).select_option("centrale")
    page.get_by_label("Salle (facultatif)").fill("Salle numérique")
    page.get_by_label("Date du premier atelier").fill(first.isoformat())
    page.get_by_label("Heure du début").fill("18:30")
    page.get_by_label("Durée en minutes").fill("90")
    page.get_by_label("Nombre de places").fill("5")
    page.get_by_label("Animé par").select_option("camille")
    page.get_by_label("Ce qu'on fait à l'atelier").fill("Écrire et envoyer un e-mail. On va doucement.")
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.get_by_role("status")).to_contain_text("C'est enregistré")
    assert axe_violations(page) == []

    registered = patron_registers(page, base, "Mon premier e-mail", "Inès")
    assert (registered["status"], registered["id"]) == ("registered", f"mon-premier-e-mail-{first.isoformat()}")
    page.goto(base + f"/console/ateliers?semaine={first.isoformat()}")
    page.locator("ul.workshops").get_by_role("link", name="Mon premier e-mail").click()
    expect(page.get_by_role("heading", name="Mon premier e-mail")).to_be_visible()
    expect(page.get_by_text("1 inscrits sur 5 places")).to_be_visible()
    assert axe_violations(page) == []

    page.get_by_role("link", name="Liste d'émargement à imprimer").click()
    expect(page.get_by_role("cell", name="Inès")).to_be_visible()
    assert axe_violations(page) == []
    page.emulate_media(media="print")
    expect(page.get_by_role("table")).to_be_visible()
    expect(page.get_by_role("columnheader", name="Signature")).to_be_visible()
    expect(page.get_by_role("navigation", name="Menu de la console")).to_be_hidden()
    expect(page.get_by_role("button", name="Se déconnecter")).to_be_hidden()
    pdf = page.pdf(prefer_css_page_size=True)  # as the browser prints it: the stylesheet's A4 page
    width, height = map(float, re.search(rb"/MediaBox \[\s*0 0 ([\d.]+) ([\d.]+)", pdf).groups())
    assert (round(width), round(height)) == (595, 842)  # A4 in points
    page.emulate_media(media="screen")
    expect(page.get_by_role("navigation", name="Menu de la console")).to_be_visible()

    page.goto(base + f"/console/ateliers?semaine={HELD_DAY.isoformat()}")
    page.locator("ul.workshops").get_by_role("link", name="Classer ses photos").click()
    jeanne = page.locator("ol.bookings > li").filter(has=page.get_by_role("heading", name=re.compile("Jeanne")))
    expect(jeanne).to_contain_text("pas encore notée")
    assert axe_violations(page) == []
    jeanne.get_by_role("button", name="Présent").click()
    expect(page.get_by_role("status")).to_contain_text("C'est noté")
    expect(jeanne).to_contain_text("présent")
    assert axe_violations(page) == []

    page.goto(base + "/")  # patrons see it on the library's home page
    expect(page.get_by_text("Mon premier e-mail", exact=True)).to_be_visible()
    assert axe_violations(page) == []
