"""How a bot turn (REST-shaped, docs/contract.md §2) looks on Telegram; every text is checked as Telegram parses
HTML."""
from __future__ import annotations

from telegram import InlineKeyboardMarkup, ReplyKeyboardMarkup, ReplyKeyboardRemove

from bot.telegram.render import MAX_CALLBACK_DATA, SHARE_PHONE, render_turn, split
from tests.support.telegram_standin import MAX_TEXT, parse_error

SLOT = '/choose{"slot": "mediatheque-centrale|camille|2026-11-28T10:00:00+01:00|30"}'


def texts_are_valid(outgoing: list) -> None:
    for message in outgoing:
        if message.text:
            assert parse_error(message.text) is None, message.text


def inline(message) -> list[tuple[str, str]]:
    assert isinstance(message.markup, InlineKeyboardMarkup)
    return [(b.text, b.callback_data or b.url) for row in message.markup.inline_keyboard for b in row]


def titles(message) -> list[str]:
    return [title for title, _ in inline(message)]


def test_texts_of_a_turn_make_one_message_and_buttons_end_it() -> None:
    outgoing = render_turn([
        {"text": "Vous voulez apprendre : les e-mails."},
        {"custom": {"triage": {"route": "tutorial", "theme": "email"}}},
        {"text": "Avec un téléphone, vous êtes :", "buttons": [{"title": "Je débute", "payload": "/a"}]},
        {"custom": {"ask": "level"}},
        {"text": "Autre chose ?"},
    ])
    assert [m.text for m in outgoing] == ["Vous voulez apprendre : les e-mails.\n\nAvec un téléphone, vous êtes :",
                                          "Autre chose ?"]
    assert inline(outgoing[0]) == [("Je débute", "/a")]
    assert isinstance(outgoing[1].markup, ReplyKeyboardRemove)  # hides a phone keyboard left from before


def test_text_is_escaped_for_telegram_html() -> None:
    outgoing = render_turn([{"text": "<script>alert('x')</script> & <b>gras</b> 3 < 4"}])
    assert outgoing[0].text == "&lt;script&gt;alert('x')&lt;/script&gt; &amp; &lt;b&gt;gras&lt;/b&gt; 3 &lt; 4"
    texts_are_valid(outgoing)


def test_long_text_is_split_under_telegram_limit_with_buttons_on_the_last_piece() -> None:
    paragraph = "Une phrase simple & claire. " * 40
    yes = [{"title": "Oui", "payload": "/affirm"}]
    outgoing = render_turn([{"text": "\n\n".join([paragraph] * 12), "buttons": yes}])
    assert len(outgoing) > 1
    assert not any(isinstance(m.markup, InlineKeyboardMarkup) for m in outgoing[:-1])
    assert inline(outgoing[-1]) == [("Oui", "/affirm")]
    texts_are_valid(outgoing)
    assert sum(len(m.text.replace("&amp;", "&")) for m in outgoing) >= 12 * len(paragraph.strip())


def test_split_cuts_a_text_without_spaces() -> None:
    pieces = split("x" * 10_000, 4000)
    assert [len(p) for p in pieces] == [4000, 4000, 2000]
    assert all(len(p) <= MAX_TEXT for p in split("mot " * 5000))


def test_a_payload_too_long_for_callback_data_is_sent_as_its_index() -> None:
    outgoing = render_turn([{"text": "Choisissez :", "buttons": [
        {"title": "samedi 28 novembre à 10 h", "payload": SLOT}, {"title": "Autres créneaux", "payload": "/more"}]}])
    assert len(SLOT.encode()) > MAX_CALLBACK_DATA
    assert inline(outgoing[0]) == [("samedi 28 novembre à 10 h", "#0"), ("Autres créneaux", "/more")]


def test_the_contact_question_gets_a_keyboard_that_shares_the_phone_number() -> None:
    outgoing = render_turn([
        {"text": "Un numéro ou un e-mail ?", "buttons": [{"title": "Pas de contact", "payload": "pas de contact"}]},
        {"custom": {"ask": "contact"}},
    ])
    markup = outgoing[0].markup
    assert isinstance(markup, ReplyKeyboardMarkup) and markup.one_time_keyboard
    first, second = markup.keyboard
    assert first[0].text == SHARE_PHONE and first[0].request_contact
    assert second[0].text == "Pas de contact" and not second[0].request_contact


def test_a_tutorial_gets_a_button_to_open_it_when_its_address_is_https() -> None:
    tutorial = {"id": "email-envoyer", "theme": "email", "level": "debutant", "title": "Envoyer un e-mail",
                "url": "https://bib.example.org/tutoriels/email-envoyer"}
    outgoing = render_turn([{"text": "Voici une fiche."}, {"custom": {"tutorial": tutorial}},
                            {"text": "Autre chose ?", "buttons": [{"title": "Une autre fiche", "payload": "/x"}]}])
    assert inline(outgoing[0]) == [("📄 Ouvrir la fiche", tutorial["url"]), ("Une autre fiche", "/x")]
    local = render_turn([{"text": "Voici une fiche."}, {"custom": {"tutorial": {**tutorial, "url": "http://127.0.0.1/t"}}}])
    assert not isinstance(local[0].markup, InlineKeyboardMarkup)  # Telegram refuses such links in buttons


def test_a_confirmed_booking_shows_its_code_to_copy_and_a_calendar_button() -> None:
    outgoing = render_turn([{"text": "C'est noté ! Votre code : ERJ-K8W. Agenda : https://b.fr/rendez-vous/ERJ-K8W.ics"},
                            {"custom": {"booking": {
        "status": "confirmed", "code": "ERJ-K8W", "start": "2026-11-28T10:00:00+01:00", "site": "centrale",
        "calendar_url": "https://bib.example.org/rendez-vous/ERJ-K8W.ics"}}}])
    assert outgoing[0].text.count("<code>ERJ-K8W</code>") == 1 and "rendez-vous/ERJ-K8W.ics" in outgoing[0].text
    assert inline(outgoing[0]) == [("📅 Ajouter à mon agenda", "https://bib.example.org/rendez-vous/ERJ-K8W.ics")]
    texts_are_valid(outgoing)


def test_a_workshop_registration_shows_its_code_to_copy_and_a_calendar_button() -> None:
    registered = {"status": "registered", "code": "7AK-B39", "id": "tablette-2026-12-17",
                  "start": "2026-12-17T14:00:00+01:00", "site": "quartier",
                  "calendar_url": "https://bib.example.org/ateliers/7AK-B39.ics"}
    outgoing = render_turn([{"text": "C'est noté, vous êtes inscrit ! Votre code : 7AK-B39."},
                            {"custom": {"workshop": registered}}])
    assert outgoing[0].text.count("<code>7AK-B39</code>") == 1
    assert inline(outgoing[0]) == [("📅 Ajouter à mon agenda", "https://bib.example.org/ateliers/7AK-B39.ics")]
    cancelled = render_turn([{"text": "Votre inscription est annulée."},
                             {"custom": {"workshop": {**registered, "status": "cancelled"}}}])
    assert not isinstance(cancelled[0].markup, InlineKeyboardMarkup)
    texts_are_valid(outgoing)


PARTNER = {"id": "caf-tours", "kind": "caf", "name": "CAF de Tours", "address": "12 rue des Tanneurs, 37000 Tours",
           "phone": "+33261910101", "url": "https://www.caf.fr", "opening_hours": "Mo-Fr 08:30-12:30",
           "latitude": 47.39, "longitude": 0.68, "open_now": True, "status": "Ouvert maintenant, jusqu'à 12 h 30."}
SITE = {"id": "mediatheque-centrale", "name": "Médiathèque centrale", "address": "2 place de la Gare, 37000 Tours",
        "phone": "+33261910200", "opening_hours": "Tu-Sa 10:00-18:00", "open_now": False,
        "services": ["Impression", "Wi-Fi gratuit"], "status": "Fermé maintenant. Ouvre demain à 10 h.",
        "how_to_come": "Tram A, arrêt Gare.", "accessibility": None}
SAFETY = {"text": "Ne donnez jamais vos mots de passe, même à un agent.", "buttons": [
    {"title": "Que faut-il apporter ?", "payload": '/partner_details{"partner": "caf-tours"}'},
    {"title": "Un conseiller m'aide à les contacter", "payload": "/book_mediator"}]}


def referral(partner: dict) -> list[dict]:
    """A referral turn as the REST channel sends it: Rasa sends a message's text and its custom apart."""
    return [{"text": "Pour vos droits, c'est la CAF."}, {"custom": {"triage": {"route": "referral", "partner": "caf"}}},
            {"text": "Le lieu à contacter : CAF de Tours, 12 rue des Tanneurs."}, {"custom": {"partner": partner}},
            SAFETY]


def test_a_partner_card_has_its_website_button_then_a_map_card() -> None:
    outgoing = render_turn(referral(PARTNER))
    assert [bool(m.venue) for m in outgoing] == [False, True, False]
    assert outgoing[0].text == ("Pour vos droits, c'est la CAF.\n\n"
                                "Le lieu à contacter : CAF de Tours, 12 rue des Tanneurs.")
    assert inline(outgoing[0]) == [("🌐 Site internet", "https://www.caf.fr")]
    assert outgoing[1].venue == {"latitude": 47.39, "longitude": 0.68, "title": "CAF de Tours",
                                 "address": "12 rue des Tanneurs, 37000 Tours"}
    assert outgoing[2].text == SAFETY["text"]
    assert titles(outgoing[2]) == [button["title"] for button in SAFETY["buttons"]]
    texts_are_valid(outgoing)


def test_a_partner_without_coordinates_or_https_website_is_its_text_alone() -> None:
    outgoing = render_turn(referral({**PARTNER, "latitude": None, "url": "http://caf.example"}))
    assert [bool(m.venue) for m in outgoing] == [False]
    assert "Le lieu à contacter" in outgoing[0].text and outgoing[0].text.endswith(SAFETY["text"])
    assert titles(outgoing[0]) == [button["title"] for button in SAFETY["buttons"]]  # and no website button
    assert len(render_turn(referral({**PARTNER, "url": None}))) == 3


def test_a_place_booking_online_has_its_booking_button() -> None:
    booking = {**PARTNER, "booking_url": "https://www.rdv-solidarites.fr", "phone": None, "opening_hours": None}
    outgoing = render_turn(referral(booking))
    assert inline(outgoing[0]) == [("📅 Prendre rendez-vous", "https://www.rdv-solidarites.fr"),
                                   ("🌐 Site internet", "https://www.caf.fr")]
    assert inline(render_turn(referral({**booking, "booking_url": PARTNER["url"]}))[0]) == [
        ("🌐 Site internet", "https://www.caf.fr")]  # the same link once


def test_a_library_site_is_its_answer_and_summary_with_the_site_buttons_and_no_map() -> None:
    outgoing = render_turn([
        {"text": "Samedi, la Médiathèque centrale ouvre de 10 h à 18 h."},
        {"custom": {"triage": {"route": "info", "scope": "none"}}},
        {"text": "Médiathèque centrale, 2 place de la Gare. Fermé maintenant.",
         "buttons": [{"title": "Bibliothèque du quartier", "payload": '/library_info{"site": "quartier"}'}]},
        {"custom": {"site": SITE}},
    ])
    assert [m.text for m in outgoing] == ["Samedi, la Médiathèque centrale ouvre de 10 h à 18 h.\n\n"
                                          "Médiathèque centrale, 2 place de la Gare. Fermé maintenant."]
    assert inline(outgoing[0]) == [("Bibliothèque du quartier", '/library_info{"site": "quartier"}')]
    with_place = render_turn([{"text": "Ici."}, {"custom": {"site": {**SITE, "latitude": 47.3, "longitude": 0.7}}}])
    assert [bool(m.venue) for m in with_place] == [False, True]
    assert with_place[1].venue["title"] == "Médiathèque centrale"


def test_blank_texts_and_silent_payloads_send_nothing() -> None:
    silent = [{"text": "  "}, {"custom": {"triage": {"route": "clarify"}}}, {"custom": {"ask": "slot"}}]
    assert render_turn(silent) == []
