"""The chat widget in Chromium, on the demo page, talking to the real assistant."""
from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from bot.services import Stack
from tests.browser.widget import (LAUNCHER, bot_messages, choose, focused, input_box, log, open_widget, say,
                                  wait_for_answer)

XSS = "<img src=x onerror=alert(1)>"


def test_a_learning_need_gets_a_tutorial_card_whose_link_keeps_the_conversation(page: Page, base_url: str) -> None:
    open_widget(page, base_url + "/")
    say(page, "je voudrais apprendre à envoyer un mail")
    expect(log(page)).to_contain_text("Vous voulez apprendre : les e-mails.")
    expect(page.get_by_label("Votre réponse")).to_be_visible()  # custom.ask: level
    choose(page, "Je débute")
    expect(input_box(page)).to_be_focused()
    choose(page, "Jamais")
    fiche = log(page).get_by_role("link", name="Lire la fiche")
    expect(fiche).to_have_attribute("href", re.compile(r"^http://127\.0\.0\.1:\d+/tutoriels/email-[a-z-]+$"))
    expect(bot_messages(page).get_by_role("button", name="Écouter")).to_have_count(bot_messages(page).count())
    fiche.click()
    expect(page.locator("ol.steps")).to_be_visible()
    expect(log(page)).to_contain_text("je voudrais apprendre à envoyer un mail")  # same tab, same conversation


def test_a_referral_asks_the_commune_then_shows_a_partner_card(page: Page, base_url: str) -> None:
    open_widget(page, base_url + "/")
    say(page, "mes remboursements de la sécu n'arrivent pas")
    expect(page.get_by_label("Votre commune ou son code postal")).to_have_attribute("autocomplete", "address-level2")
    choose(page, "Tours")
    card = log(page).locator(".card").filter(has_text="Assurance Maladie")
    expect(card.get_by_role("link", name="Appeler le 02 61 91 02 01")).to_have_attribute("href", "tel:+33261910201")
    expect(card).to_contain_text("Horaires : Du lundi au vendredi de 8 h 30 à 12 h 30 et de 13 h 30 à 16 h 30.")
    expect(card.locator(".status")).to_have_text(re.compile(r"^(Ouvert|Fermé)"))


def test_html_in_a_message_is_shown_as_text(page: Page, base_url: str, dialogs: list[str]) -> None:
    open_widget(page, base_url + "/")
    say(page, XSS)
    expect(log(page).locator(".message.patron")).to_have_text("Vous : " + XSS)
    expect(log(page).locator("img")).to_have_count(0)
    assert dialogs == []


def test_the_conversation_survives_a_reload(page: Page, base_url: str) -> None:
    open_widget(page, base_url + "/")
    say(page, "je voudrais apprendre à envoyer un mail")
    said = log(page).inner_text()
    page.reload()
    expect(page.get_by_role("dialog")).to_be_visible()
    assert log(page).inner_text() == said
    choose(page, "Je débute")  # the last turn's buttons still work


def test_a_booking_asks_each_field_with_the_right_keyboard_and_gives_a_calendar_link(page: Page, base_url: str) -> None:
    open_widget(page, base_url + "/")
    say(page, "je voudrais un rendez-vous avec un conseiller numérique")
    choose(page, "Médiathèque centrale")
    log(page).locator(".choices button").first.click()
    expect(page.get_by_label("Votre prénom")).to_have_attribute("autocomplete", "given-name")
    say(page, "Marie")
    expect(page.get_by_label("Votre numéro de téléphone")).to_have_attribute("type", "tel")
    page.get_by_role("button", name="J'ai plutôt une adresse e-mail").click()
    expect(page.get_by_label("Votre adresse e-mail")).to_be_focused()
    say(page, "marie@example.org")
    choose(page, "Fauteuil roulant")
    choose(page, "J'accepte")
    choose(page, "Oui, je confirme")
    card = log(page).locator(".card").filter(has_text="Votre rendez-vous")
    code = card.locator("strong").inner_text()
    calendar = card.get_by_role("link", name="Ajouter à mon agenda")
    expect(calendar).to_have_attribute("href", f"{base_url}/rendez-vous/{code}.ics")
    response = page.request.get(calendar.get_attribute("href"))
    assert response.ok and response.headers["content-type"].startswith("text/calendar")


def test_keyboard_only(page: Page, base_url: str) -> None:
    page.goto(base_url + "/")
    for _ in range(30):
        page.keyboard.press("Tab")
        if focused(page)["text"] == LAUNCHER:
            break
    assert focused(page)["text"] == LAUNCHER, "the launcher is reached with Tab"
    page.keyboard.press("Enter")
    assert focused(page)["id"] == "input"
    page.keyboard.type("je voudrais apprendre à envoyer un mail")
    before = bot_messages(page).count()
    page.keyboard.press("Enter")
    wait_for_answer(page, before)
    for _ in range(5):
        page.keyboard.press("Shift+Tab")
        if focused(page)["text"] == "Je débute":
            break
    assert focused(page)["text"] == "Je débute", "the bot's buttons are reached with Shift+Tab"
    before = bot_messages(page).count()
    page.keyboard.press("Enter")
    wait_for_answer(page, before)
    assert focused(page)["id"] == "input", "the focus comes back to the input after a button"
    page.keyboard.press("Escape")
    expect(page.get_by_role("dialog")).to_be_hidden()
    assert focused(page)["text"] == LAUNCHER, "Escape closes the panel and gives the focus back to the launcher"


def test_when_the_assistant_does_not_answer_the_patron_gets_the_phone_number_and_can_retry(
        page: Page, base_url: str, stack: Stack) -> None:
    webhook = stack.settings.url(stack.settings.rasa_port, "/webhooks/rest/webhook")
    page.route(webhook, lambda route: route.abort("connectionrefused"))
    open_widget(page, base_url + "/")
    input_box(page).fill("je voudrais apprendre à envoyer un mail")
    input_box(page).press("Enter")
    outage = log(page).locator(".outage")
    expect(outage).to_contain_text("l'assistant ne répond pas")
    expect(outage.get_by_role("link", name="02 61 91 02 00")).to_have_attribute("href", "tel:0261910200")
    page.unroute(webhook)
    outage.get_by_role("button", name="Réessayer").click()
    expect(log(page)).to_contain_text("Vous voulez apprendre : les e-mails.")
    expect(outage).to_have_count(0)
