"""The console's main flow, as a new staff member does it in the browser, on a real stack whose project and
knowledge base are copies: sign in, label three messages patrons wrote that the assistant did not understand,
change a partner's hours (patrons get them at once), retrain, and see the new model answer the labelled phrasing
while a conversation started before goes on; then go back to the model of before. axe-core on each page."""
from __future__ import annotations

import re

import httpx
from playwright.sync_api import Page, expect

from bot.services import Stack
from bot.staff.accounts import StaffAccounts
from tests.browser.widget import axe_violations
from tests.e2e.chat import Chat, asked, buttons, customs, triage_of

PASSWORD = "la médiathèque ouvre à 10 h"
PRONOTE = ["les notes de ma fille sur pronote", "se connecter a pronote",
           "pronote pour le college"]  # none is understood as a need to learn today: each is in the inbox
NEED = "Apprendre : remplir un formulaire en ligne"
NEW_HOURS = "Tu,Th 09:00-12:00,13:30-16:00; PH off"
TRAINING_MS = 900_000  # training, then scoring the two models, on a busy 2-core machine


def served_model(stack: Stack) -> str:
    settings = stack.settings
    return httpx.get(settings.url(settings.rasa_port, "/status"), params={"token": settings.rasa_api_token},
                     timeout=30).json()["model_file"]


def sign_in(page: Page, base_url: str) -> None:
    page.goto(base_url + "/console/")
    page.get_by_label("Adresse e-mail").fill("nouvelle@mediatheque.fr")
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    expect(page.get_by_role("heading", name="Bonjour Inès")).to_be_visible()


def label_in_inbox(page: Page, message: str) -> None:
    page.get_by_role("link", name="Messages mal compris", exact=True).first.click()
    group = page.locator("ol.inbox > li").filter(has=page.get_by_role("heading", name=f"« {message} »"))
    group.get_by_label("C'est une demande de…").select_option(label=NEED)
    assert axe_violations(page) == []
    group.get_by_role("button", name="Apprendre", exact=True).click()
    expect(page.get_by_role("status")).to_contain_text("ajouté")


def change_hours(page: Page, partner: str, hours: str) -> None:
    page.get_by_role("link", name="Réponses et fiches").click()
    page.get_by_role("link", name=partner, exact=True).click()
    page.get_by_label(re.compile("Horaires d'ouverture")).fill(hours)
    page.get_by_role("button", name="Vérifier").click()
    expect(page.get_by_text(hours).first).to_be_visible()  # the diff shows the new line
    assert axe_violations(page) == []
    page.get_by_role("button", name="Enregistrer").click()


def retrain(page: Page, outcome: str, button: str = "Entraîner et mettre en service") -> None:
    page.get_by_role("link", name="Entraînement").click()
    page.get_by_role("button", name=button).click()
    expect(page.locator("#training-status strong")).to_have_text(outcome, timeout=TRAINING_MS)  # console.js reloads
    assert axe_violations(page) == []


def test_a_new_staff_member_teaches_updates_hours_and_retrains(page: Page, curated_stack: Stack) -> None:
    settings = curated_stack.settings
    accounts = StaffAccounts(settings.booking_database_url)
    accounts.add("nouvelle@mediatheque.fr", "Inès", "mediator", PASSWORD)
    accounts.close()
    webhook = settings.url(settings.rasa_port, "/webhooks/rest/webhook")
    for message in PRONOTE:
        assert triage_of(Chat(webhook).say(message))["route"] != "tutorial"
    model_before = served_model(curated_stack)

    sign_in(page, settings.url(settings.web_port, ""))
    for message in PRONOTE:
        label_in_inbox(page, message)
    change_hours(page, "CAF de Touraine – permanence de Chinon", NEW_HOURS)
    patron = Chat(webhook)
    card, = customs(patron.say("la caf de chinon ne m'a pas versé mon APL ce mois-ci"), "partner")
    assert card["opening_hours"] == NEW_HOURS  # at once, without a restart

    booking = Chat(webhook)  # a conversation in the middle of a booking when the model changes
    question = booking.say("je voudrais prendre un rendez-vous avec un conseiller")
    retrain(page, "mis en service")
    assert served_model(curated_stack) != model_before
    expect(page.get_by_role("table", name=re.compile("par type de demande"))).to_be_visible()
    assert asked(booking.say(buttons(question)[0]["payload"])) not in (None, asked(question))
    learnt = triage_of(Chat(webhook).say(PRONOTE[1]))
    assert (learnt["route"], learnt["theme"]) == ("tutorial", "formulaire_en_ligne")

    page.get_by_role("button", name="Revenir au modèle d'avant").click()
    expect(page.locator("#training-status")).to_contain_text("Mise en service annulée", timeout=TRAINING_MS)
    assert served_model(curated_stack) == model_before
