"""axe-core on the widget, a tutorial page and the console's sign-in, small screens and zoom, the screenshot
kept as a test artifact."""
from __future__ import annotations

from playwright.sync_api import Page, expect

from bot.settings import settings
from tests.browser.widget import axe_violations, horizontal_overflow, log, open_widget, say

REPORTS = settings.var_dir / "reports"
NO_OVERFLOW = {"page": 0, "panel": 0, "panel_outside_window": 0}


def test_axe_finds_nothing_on_the_page_with_the_conversation_open(page: Page, base_url: str) -> None:
    open_widget(page, base_url + "/")
    say(page, "mes remboursements de la sécu n'arrivent pas")
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
    open_widget(page, base_url + "/")
    say(page, "mes remboursements de la sécu n'arrivent pas")
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
    page.route("**/webhooks/rest/webhook", lambda route: None)  # the answer never comes: typing stays shown
    open_widget(page, base_url + "/")
    page.locator(".aiguillage-widget #input").fill("bonjour")
    page.locator(".aiguillage-widget #input").press("Enter")
    typing = page.locator(".aiguillage-widget .typing")
    expect(typing).to_have_text("L'assistant écrit")
    assert typing.evaluate("element => getComputedStyle(element, '::after').animationName") == "none"
