"""The chat widget in Chromium, on the demo page, talking to the real assistant."""
from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import Locator, Page, expect

from bot.services import Stack
from tests.browser.widget import (
    LAUNCHER,
    RECORD_SPEECH,
    answer_with,
    bot_messages,
    card,
    choose,
    custom,
    focused,
    input_box,
    listen_buttons_per_turn,
    log,
    open_widget,
    say,
    spoken,
    wait_for_answer,
)

XSS = "<img src=x onerror=alert(1)>"
NEXT_STEP = "Étape suivante"
# Where `element` is hidden: its centre and its corners (2 px in) where something else is on top, or outside the
# window. An empty list: nothing covers it (WCAG 2.4.11, focus not obscured).
COVERED_POINTS = """element => {
    const box = element.getBoundingClientRect();
    const points = [[box.left + box.width / 2, box.top + box.height / 2], [box.left + 2, box.top + 2],
                    [box.right - 2, box.top + 2], [box.left + 2, box.bottom - 2], [box.right - 2, box.bottom - 2]];
    return points.filter(([x, y]) => {
        const hit = document.elementFromPoint(x, y);
        return !hit || !(hit === element || element.contains(hit));
    }).map(([x, y]) => `${Math.round(x)},${Math.round(y)}: ${document.elementFromPoint(x, y)?.outerHTML.slice(0, 80)}`);
}"""
SAFETY = "Ne donnez jamais vos mots de passe, même à un agent."


def one_listen_button_after_the_last_message(turns: list[list[int]]) -> bool:
    return all(turn == [0] * (len(turn) - 1) + [1] for turn in turns)


def texts(messages: list[dict[str, Any]]) -> str:
    """What « Écouter » reads of a turn: each message's text, in order."""
    return "\n".join(message["text"] for message in messages if message.get("text"))


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
    turns = listen_buttons_per_turn(page)
    assert len(turns) == 3 and one_listen_button_after_the_last_message(turns), turns
    fiche.click()
    expect(page.locator("ol.steps")).to_be_visible()
    expect(log(page)).to_contain_text("je voudrais apprendre à envoyer un mail")  # same tab, same conversation


def test_a_referral_asks_the_commune_then_shows_a_partner_card_to_call_and_find(page: Page, base_url: str) -> None:
    open_widget(page, base_url + "/")
    say(page, "mes remboursements de la sécu n'arrivent pas")
    expect(page.get_by_label("Votre commune ou son code postal")).to_have_attribute("autocomplete", "address-level2")
    partner = custom(choose(page, "Tours"), "partner")
    shown = card(page, partner["name"])
    expect(shown).to_contain_text("Assurance Maladie")
    expect(shown.get_by_role("link", name="Appeler le 02 61 91 02 01")).to_have_attribute("href", "tel:+33261910201")
    expect(shown).to_contain_text("Horaires : Du lundi au vendredi de 8 h 30 à 12 h 30 et de 13 h 30 à 16 h 30.")
    expect(shown.locator(".status")).to_have_text(partner["status"])
    expect(shown.locator(".status")).to_have_class("status open" if partner["open_now"] else "status closed")
    lat, lon = partner["latitude"], partner["longitude"]
    osm = f"https://www.openstreetmap.org/?mlat={lat}&mlon={lon}#map=17/{lat}/{lon}"
    for name, href in (("Voir sur la carte", osm), ("Site internet", re.compile("^" + re.escape(partner["url"])))):
        external = shown.get_by_role("link", name=name + " (nouvel onglet)")
        expect(external).to_have_attribute("href", href)
        expect(external).to_have_attribute("target", "_blank")
        expect(external).to_have_attribute("rel", "noopener noreferrer")
    expect(log(page).locator(".message.bot .text").filter(has_text=partner["name"])).to_have_count(0)  # summary
    expect(log(page)).to_contain_text(SAFETY)


@pytest.mark.parametrize("question", ["vous êtes ouverts samedi ?", "où est la médiathèque"])
def test_a_question_about_the_library_shows_the_site_card(page: Page, base_url: str, question: str) -> None:
    open_widget(page, base_url + "/")
    answer = say(page, question)
    assert custom(answer, "triage")["route"] == "info"
    site = custom(answer, "site")
    shown = card(page, site["name"])
    expect(shown.locator(".status")).to_have_text(site["status"])
    expect(shown.locator(".status")).to_have_class("status open" if site["open_now"] else "status closed")
    call = shown.get_by_role("link", name=re.compile(r"^Appeler le 0\d( \d\d){4}$"))
    expect(call).to_have_attribute("href", "tel:" + site["phone"])
    assert site["services"], "the site card lists its services"
    expect(shown.locator("ul.services li")).to_have_text(site["services"])
    expect(shown).to_contain_text(site["address"])
    expect(shown.get_by_role("link", name=re.compile("carte"))).to_have_count(0)  # sites have no coordinates


def test_each_turn_has_one_listen_button_after_its_last_message_reading_the_whole_turn(
        page: Page, base_url: str) -> None:
    page.add_init_script(RECORD_SPEECH)
    open_widget(page, base_url + "/")
    question = say(page, "mes remboursements de la sécu n'arrivent pas")
    referral = choose(page, "Tours")
    turns = listen_buttons_per_turn(page)
    assert [len(turn) for turn in turns] == [2, 2], turns  # a text and the question; the card and the warning
    assert one_listen_button_after_the_last_message(turns), turns
    first, last = log(page).locator("button.listen").all()
    last.click()
    expect(last).to_have_text("Arrêter")
    first.click()  # another turn: the one being read stops
    expect(first).to_have_text("Arrêter")
    expect(last).to_have_text("Écouter")
    first.click()  # pressed again, it stops
    expect(first).to_have_text("Écouter")
    said = spoken(page)
    assert said == [texts(referral), texts(question)]
    assert SAFETY in said[0] and custom(referral, "partner")["status"] in said[0]  # the card's summary is read
    assert "Que faut-il apporter" not in said[0] and "Amboise" not in said[1]  # button titles are not


def test_one_listen_button_whatever_the_number_of_messages(page: Page, base_url: str) -> None:
    answer_with(page, [{"text": f"Phrase {n}."} for n in range(1, 6)] + [{"custom": {"triage": {"route": "info"}}}])
    open_widget(page, base_url + "/")
    say(page, "bonjour")
    say(page, "et encore")
    assert listen_buttons_per_turn(page) == [[0, 0, 0, 0, 1], [0, 0, 0, 0, 1]]


def test_card_fields_are_text_and_only_safe_addresses_become_links(page: Page, base_url: str,
                                                                   dialogs: list[str]) -> None:
    partner = {"id": "x", "kind": "caf", "name": XSS, "address": "1 rue <b>Haute</b>", "phone": None,
               "url": "javascript:alert(1)", "opening_hours": None, "latitude": None, "longitude": None,
               "open_now": False, "status": "Fermé maintenant."}
    site = {"id": "s", "name": "Médiathèque", "address": "2 place", "phone": "+33261910200", "opening_hours": None,
            "open_now": True, "services": [XSS], "status": "Ouvert maintenant.", "how_to_come": None,
            "accessibility": None}
    answer_with(page, [{"text": "Résumé."}, {"custom": {"partner": partner}}, {"custom": {"site": site}}])
    open_widget(page, base_url + "/")
    say(page, "bonjour")
    expect(card(page, XSS)).to_contain_text("1 rue <b>Haute</b>")
    expect(card(page, XSS).get_by_role("link")).to_have_count(0)  # no phone, no coordinates, no safe website
    expect(card(page, "Médiathèque").locator("ul.services li")).to_have_text([XSS])
    expect(card(page, "Médiathèque").get_by_role("link")).to_have_count(1)  # « Appeler » only
    expect(log(page).locator("img, b")).to_have_count(0)
    assert dialogs == []


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


def covered_points(control: Locator) -> list[str]:
    """Where the page's `control` is hidden by something on top of it (an empty list: nothing covers it)."""
    control.page.wait_for_timeout(300)  # the widget places its launcher at most every 100 ms, on the next frame
    return control.evaluate(COVERED_POINTS)


def overlap(one: Locator, other: Locator) -> bool:
    a, b = one.bounding_box(), other.bounding_box()
    assert a and b, "both are shown"
    return (a["x"] < b["x"] + b["width"] and b["x"] < a["x"] + a["width"]
            and a["y"] < b["y"] + b["height"] and b["y"] < a["y"] + a["height"])


@pytest.mark.parametrize("width, height", [(320, 640), (900, 800), (1280, 800)])
def test_the_launcher_never_covers_the_step_buttons_of_a_tutorial(page: Page, base_url: str,
                                                                   width: int, height: int) -> None:
    page.set_viewport_size({"width": width, "height": height})
    page.goto(base_url + "/tutoriels/email-envoyer")
    launcher, next_step = page.get_by_role("button", name=LAUNCHER), page.get_by_role("button", name=NEXT_STEP)
    expect(launcher).to_be_visible()
    for scrolled in (0, 0.5):  # the step bar stuck at the bottom of the window, at the top and in the middle
        page.evaluate("""part => window.scrollTo({top: part * (document.documentElement.scrollHeight
                                                          - window.innerHeight), behavior: "instant"})""", scrolled)
        assert covered_points(next_step) == [], (width, scrolled)
        assert not overlap(launcher, next_step), (width, scrolled)
    for _ in range(60):
        page.keyboard.press("Tab")
        if focused(page)["text"] == NEXT_STEP:
            break
    assert focused(page)["text"] == NEXT_STEP, "« Étape suivante » is reached with Tab"
    assert covered_points(next_step) == [], "the focused « Étape suivante » is not obscured"
    page.keyboard.press("Enter")  # the next step comes into view and takes the focus; the bar is still clear
    expect(page.locator("ol.steps > li.current")).to_be_focused()
    assert covered_points(next_step) == []
    assert not overlap(launcher, next_step)
    for _ in range(60):  # and the launcher is still reached with Tab
        page.keyboard.press("Tab")
        if focused(page)["text"] == LAUNCHER:
            break
    assert focused(page)["text"] == LAUNCHER


# A page of a library's site: the widget's snippet with the room the page reserves at the bottom, given by
# `reserve`; a link low on the right, where the launcher is, in the page's flow.
LIBRARY_PAGE = """<!doctype html><html lang="fr"><head><meta charset="utf-8"><title>Médiathèque de Chinon</title>
<script src="{base_url}/static/widget.js" data-bot-url="{base_url}/webhooks/rest/webhook" {reserve} defer></script>
{style}</head><body style="margin: 0"><main>
<h1 style="height: calc(100vh - 8.5rem); margin: 0">Médiathèque de Chinon</h1>
<p style="margin: 0 1rem; text-align: right"><a href="#">Agenda</a></p>
<div style="height: 100vh"></div></main></body></html>"""
# What the page adds once it is shown: a cookie banner, fixed at the bottom of the window.
COOKIE_BANNER = """() => document.body.append(Object.assign(document.createElement("div"), {
    style: "position: fixed; left: 0; right: 0; bottom: 0; height: 9rem; padding: 1rem; background: #eee",
    innerHTML: "<p>Ce site utilise des cookies.</p><button>Tout accepter</button>"}))"""


@pytest.mark.parametrize("reserve, style", [('data-offset-bottom="5rem"', ""),
                                            ("", "<style>:root { --aiguillage-offset-bottom: 5rem }</style>")])
def test_the_launcher_keeps_the_room_a_page_reserves_and_moves_above_what_it_would_cover(
        page: Page, base_url: str, reserve: str, style: str) -> None:
    html = LIBRARY_PAGE.format(base_url=base_url, reserve=reserve, style=style)
    page.route(base_url + "/bibliotheque", lambda route: route.fulfill(content_type="text/html", body=html))
    page.goto(base_url + "/bibliotheque")
    launcher, agenda = page.get_by_role("button", name=LAUNCHER), page.get_by_role("link", name="Agenda")
    expect(launcher).to_be_visible()
    box = launcher.bounding_box()
    assert box and round(800 - box["y"] - box["height"]) == 16 + 80, "1rem from the bottom, and the 5rem reserved"
    assert covered_points(agenda) != [], "the link is under the launcher while it has no focus"
    for _ in range(5):
        page.keyboard.press("Tab")
        if focused(page)["text"] == "Agenda":
            break
    assert focused(page)["text"] == "Agenda"
    assert covered_points(agenda) == [], "the focused link is not obscured"
    page.evaluate(COOKIE_BANNER)
    accept = page.get_by_role("button", name="Tout accepter")
    assert covered_points(accept) == []
    assert not overlap(launcher, accept)
    launcher.click()  # the panel, too, sits above the banner
    expect(page.get_by_role("dialog")).to_be_visible()
    assert covered_points(accept) == []
