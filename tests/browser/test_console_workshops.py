"""A librarian in the browser: creates a workshop in the console, a patron registers, the librarian prints the
sign-in sheet (the print stylesheet: the table, no menu) and marks who came to the session held last week.
axe-core on each new page. The web server runs alone over a copy of the knowledge base (the console writes its
workshops file)."""
from __future__ import annotations

import re
import shutil
from datetime import datetime, timedelta, timezone
from typing import Iterator

import pytest
from playwright.sync_api import Page, expect

from bot.booking.slots import day_label
from bot.hours import PARIS
from bot.settings import ROOT, Settings
from bot.staff.accounts import StaffAccounts
from bot.workshops.store import WorkshopStore, refresh
from tests.browser.widget import axe_violations
from tests.support.booking import Clock
from tests.support.web import web_server

PASSWORD = "la médiathèque ouvre à 10 h"
NOW = datetime.now(timezone.utc)
HELD_DAY = (NOW - timedelta(days=6)).astimezone(PARIS).date()
WORKSHOPS = f"""workshops:
  - id: semaine-derniere
    title: Classer ses photos
    site: centrale
    room: Salle numérique
    start: {HELD_DAY.isoformat()} 10:00
    duration_minutes: 90
    capacity: 6
    mediator: camille
    description: Ranger ses photos dans des dossiers.
"""


@pytest.fixture(scope="module")
def library(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Settings]:
    knowledge = shutil.copytree(ROOT / "knowledge_base", tmp_path_factory.mktemp("copy") / "knowledge_base")
    (knowledge / "workshops.yml").write_text(WORKSHOPS, encoding="utf-8")
    with web_server(tmp_path_factory.mktemp("var"), BOOKING_DATABASE_URL="", KNOWLEDGE_DIR=str(knowledge)) as settings:
        accounts = StaffAccounts(settings.booking_database_url)
        accounts.add("bibliotheque@mediatheque.fr", "Camille", "mediator", PASSWORD, "camille")
        accounts.close()
        before = refresh(WorkshopStore(settings.booking_database_url, clock=Clock(NOW - timedelta(days=7))),
                         knowledge)  # last week: the session held since was open to patrons
        patron_registers(before, f"semaine-derniere-{HELD_DAY.isoformat()}", "Jeanne")
        before.close()
        yield settings


def patron_registers(store: WorkshopStore, session_id: str, first_name: str) -> None:
    """A patron registers to the session (the assistant's registration, through the store: the widget's
    conversation will do it once it is on this branch)."""
    store.register(session_id, first_name=first_name, contact=None, channel="rest", sender_id=f"web-{first_name}")


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

    first = (NOW + timedelta(days=3)).astimezone(PARIS).date()
    page.get_by_role("link", name="Créer un atelier").click()
    assert axe_violations(page) == []
    page.get_by_label("Titre", exact=True).fill("Mon premier e-mail")
    page.get_by_label("Thème (facultatif)").select_option("email")
    page.get_by_label("Niveau (facultatif)").select_option("debutant")
    page.get_by_label("Lieu", exact=True).select_option("centrale")
    page.get_by_label("Salle (facultatif)").fill("Salle numérique")
    page.get_by_label("Date du premier atelier").fill(first.isoformat())
    page.get_by_label("Heure du début").fill("14:00")
    page.get_by_label("Durée en minutes").fill("90")
    page.get_by_label("Nombre de places").fill("5")
    page.get_by_label("Animé par").select_option("camille")
    page.get_by_label("Ce qu'on fait à l'atelier").fill("Écrire et envoyer un e-mail. On va doucement.")
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.get_by_role("status")).to_contain_text("C'est enregistré")
    assert axe_violations(page) == []

    session_id = f"mon-premier-e-mail-{first.isoformat()}"
    store = refresh(WorkshopStore(library.booking_database_url), library.knowledge_dir)
    patron_registers(store, session_id, "Inès")
    store.close()
    page.get_by_role("link", name=re.compile(day_label(datetime.combine(first, datetime.min.time(), PARIS)),
                                             re.IGNORECASE)).click()
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
    expect(page.get_by_text("Mon premier e-mail")).to_be_visible()
    assert axe_violations(page) == []
