"""axe-core on the widget, a tutorial page and the console's sign-in, small screens and zoom, the screenshot
kept as a test artifact."""
from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from bot.settings import settings
from tests.browser.widget import (
    WEBHOOK,
    answer_with,
    axe_violations,
    choose,
    horizontal_overflow,
    log,
    open_widget,
    say,
)

REPORTS = settings.var_dir / "reports"
NO_OVERFLOW = {"page": 0, "panel": 0, "panel_outside_window": 0}
# What the patron says (a text) or clicks (a button's title, after "> ") to get each card from the assistant
# (the card's key, then what the conversation is about after a hyphen).
CONVERSATIONS = {
    "partner": ["mes remboursements de la sécu n'arrivent pas", "> Tours"],
    "partner-mediation": ["un endroit pour m'aider avec l'ordinateur près de Chinon"],
    "site": ["vous êtes ouverts samedi ?"],
    "tutorial": ["je voudrais apprendre à envoyer un mail", "> Je débute", "> Jamais"],
}
# A turn with every card, every field filled, as the REST channel sends it.
EVERY_CARD = [
    {"text": "La CAF de Tours, 12 rue des Tanneurs."},
    {"custom": {"partner": {
        "id": "caf-tours", "kind": "caf", "name": "CAF de Tours", "address": "12 rue des Tanneurs, 37000 Tours",
        "phone": "+33261910101", "url": "https://www.caf.fr", "opening_hours": "Mo-Fr 08:30-12:30; PH off",
        "latitude": 47.39, "longitude": 0.68, "open_now": True, "status": "Ouvert maintenant, jusqu'à 12 h 30."}}},
    {"text": "Aussi : Bus numérique du Lochois, place du Marché au Blé, 37600 Loches."},
    {"custom": {"partner": {
        "id": "bus-numerique-loches", "kind": "mediation_numerique", "name": "Bus numérique du Lochois",
        "address": "Place du Marché au Blé, 37600 Loches", "phone": None, "url": None, "opening_hours": None,
        "latitude": 47.13, "longitude": 0.99, "open_now": None,
        "status": "Horaires non connus : appelez avant de venir.",
        "distance_km": 12.4, "services": ["Aide aux démarches administratives"], "free": True, "itinerant": True,
        "booking_url": "https://www.rdv-solidarites.fr"}}},
    {"text": "Médiathèque centrale, 2 place Anatole-France."},
    {"custom": {"site": {
        "id": "centrale", "name": "Médiathèque centrale", "address": "2 place Anatole-France, 37000 Tours",
        "phone": "+33261910200", "opening_hours": "Tu-Sa 10:00-18:00; Jul,Aug Tu-Sa 14:00-18:00", "open_now": False,
        "services": ["Wi-Fi gratuit", "Impression"], "status": "Fermé maintenant. Ouvre demain à 10 h.",
        "how_to_come": "Tram A, arrêt Anatole-France.", "accessibility": "Entrée de plain-pied, ascenseur."}}},
    {"custom": {"tutorial": {"id": "email-envoyer", "theme": "email", "level": "debutant",
                             "title": "Envoyer un e-mail", "url": "/tutoriels/email-envoyer"}}},
    {"custom": {"booking": {"status": "confirmed", "code": "K7M-4QP", "start": "2026-12-08T14:00:00+01:00",
                            "site": "centrale"}}},
    {"text": "Ne donnez jamais vos mots de passe, même à un agent.",
     "buttons": [{"title": "Que faut-il apporter ?", "payload": "/partner_details"}]},
]


@pytest.mark.parametrize("kind", sorted(CONVERSATIONS))
def test_axe_finds_nothing_on_a_turn_with_a_card(page: Page, base_url: str, kind: str) -> None:
    open_widget(page, base_url + "/")
    for step in CONVERSATIONS[kind]:
        answer = choose(page, step[2:]) if step.startswith("> ") else say(page, step)
    assert any(kind.split("-")[0] in message.get("custom", {}) for message in answer), answer
    expect(log(page).locator(".card")).to_be_visible()
    assert axe_violations(page) == []


def test_axe_finds_nothing_on_a_turn_with_every_card(page: Page, base_url: str) -> None:
    answer_with(page, EVERY_CARD)
    open_widget(page, base_url + "/")
    say(page, "bonjour")
    expect(log(page).locator(".card")).to_have_count(5)
    expect(log(page).get_by_role("link", name="Voir sur la carte (nouvel onglet)")).to_have_count(2)
    expect(log(page).get_by_text("À 12 km · Gratuit · Lieu itinérant : appelez avant de venir")).to_be_visible()
    expect(log(page).get_by_role("link", name="Prendre rendez-vous en ligne (nouvel onglet)")).to_be_visible()
    assert axe_violations(page) == []


def test_axe_finds_nothing_on_a_tutorial_page(page: Page, base_url: str) -> None:
    page.goto(base_url + "/tutoriels/email-envoyer")
    expect(page.get_by_role("button", name="Étape suivante")).to_be_visible()
    assert axe_violations(page) == []


def test_axe_finds_nothing_on_the_page_for_libraries(page: Page, base_url: str) -> None:
    page.goto(base_url + "/integrer")
    expect(page.locator("pre")).to_contain_text('data-bot-url="http://127.0.0.1:')
    assert axe_violations(page) == []


def test_axe_finds_nothing_on_the_console_sign_in_page_with_its_error(page: Page, base_url: str) -> None:
    page.goto(base_url + "/console/")  # sent to the sign-in page
    page.get_by_label("Adresse e-mail").fill("personne@mediatheque.fr")
    page.get_by_label("Mot de passe").fill("pas le bon mot de passe")
    page.get_by_role("button", name="Se connecter").click()
    expect(page.get_by_role("alert")).to_contain_text("mot de passe incorrect")
    assert axe_violations(page) == []


def test_screenshot_of_the_open_widget(page: Page, base_url: str) -> None:
    open_widget(page, base_url + "/")
    say(page, "je voudrais apprendre à envoyer un mail")
    REPORTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=REPORTS / "widget.png")
    assert (REPORTS / "widget.png").stat().st_size > 10_000


def test_nothing_overflows_sideways_at_320_px_and_200_percent_zoom(page: Page, base_url: str) -> None:
    answer_with(page, EVERY_CARD)
    open_widget(page, base_url + "/")
    say(page, "bonjour")
    # 200 % zoom of a 1280 × 800 window is a 640 × 400 CSS viewport; 320 px wide is a small phone (or 400 %).
    for width, height in ((640, 400), (320, 640)):
        page.set_viewport_size({"width": width, "height": height})
        assert horizontal_overflow(page) == NO_OVERFLOW, (width, height)
    page.screenshot(path=REPORTS / "widget-320px.png")


def test_a_plus_makes_the_text_bigger_and_it_still_fits(page: Page, base_url: str) -> None:
    page.set_viewport_size({"width": 320, "height": 640})
    open_widget(page, base_url + "/")
    say(page, "je voudrais apprendre à envoyer un mail")
    text = log(page).locator(".message.bot .text").first
    before = float(text.evaluate("element => parseFloat(getComputedStyle(element).fontSize)"))
    bigger = page.get_by_role("button", name="A+ : texte plus grand")
    while bigger.is_enabled():
        bigger.click()
    after = float(text.evaluate("element => parseFloat(getComputedStyle(element).fontSize)"))
    assert after == 2 * before
    assert horizontal_overflow(page) == NO_OVERFLOW
    page.reload()
    assert float(text.evaluate("element => parseFloat(getComputedStyle(element).fontSize)")) == after


def test_reduced_motion_stops_the_typing_animation(page: Page, base_url: str) -> None:
    page.emulate_media(reduced_motion="reduce")
    page.route(WEBHOOK, lambda route: None)  # the answer never comes: typing stays shown
    open_widget(page, base_url + "/")
    page.locator(".aiguillage-widget #input").fill("bonjour")
    page.locator(".aiguillage-widget #input").press("Enter")
    typing = page.locator(".aiguillage-widget .typing")
    expect(typing).to_have_text("L'assistant écrit")
    assert typing.evaluate("element => getComputedStyle(element, '::after').animationName") == "none"
