"""A mediator in the browser: signs in to the console and finds what a patron just wrote that the assistant did
not understand (the patron talking to the real stack), then signs out. axe-core on each console page."""
from __future__ import annotations

from playwright.sync_api import Page, expect

from bot.services import Stack
from bot.staff.accounts import StaffAccounts
from tests.browser.widget import axe_violations
from tests.e2e.chat import Chat, triage_of

PASSWORD = "la médiathèque ouvre à 10 h"
UNCLEAR = "dossier en ligne"  # two needs about as likely: the e2e clarify test's phrase


def test_a_mediator_finds_what_a_patron_wrote_that_was_not_understood(page: Page, base_url: str,
                                                                        stack: Stack) -> None:
    accounts = StaffAccounts(stack.settings.booking_database_url)
    accounts.add("mediation@mediatheque.fr", "Camille", "mediator", PASSWORD)
    accounts.close()
    patron = Chat(stack.settings.url(stack.settings.rasa_port, "/webhooks/rest/webhook"))
    assert triage_of(patron.say(UNCLEAR))["route"] == "clarify"  # the assistant asked which need was meant

    page.goto(base_url + "/console/incompris")  # sent to the sign-in page first
    page.get_by_label("Adresse e-mail").fill("mediation@mediatheque.fr")
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    expect(page.get_by_role("heading", name="Bonjour Camille")).to_be_visible()
    assert axe_violations(page) == []

    page.get_by_role("link", name="Messages mal compris", exact=True).click()
    expect(page.get_by_role("heading", name="Messages mal compris")).to_be_visible()
    expect(page.get_by_role("heading", name=f"« {UNCLEAR} »")).to_be_visible()
    assert axe_violations(page) == []

    page.get_by_role("button", name="Se déconnecter").click()
    expect(page.get_by_role("heading", name="Connexion à la console")).to_be_visible()
    page.goto(base_url + "/console/incompris")
    expect(page.get_by_role("heading", name="Connexion à la console")).to_be_visible()
