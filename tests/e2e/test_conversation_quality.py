"""End to end over REST, as patrons write: bare and polite appointment requests, vague help, the library itself,
a person to talk to, a commune given later, asides inside the booking form, a skill and an organism in one
message, a scam in progress, nonsense; and every turn short (three sentences at most, a card aside)."""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import create_engine

from bot.knowledge import sites
from bot.services import Stack
from bot.staff.inbox.messages import unclear_messages
from tests.e2e.chat import Chat, Message, asked, booked, buttons, customs, texts, triage_of, triage_payloads

CARDS = ("partner", "site", "tutorial", "booking")  # what a card message carries; its words are the card's
MAX_SENTENCES, MAX_WORDS = 3, 60
URL = re.compile(r"https?://\S+")
SENTENCE_END = re.compile(r"[.!?…]+(?=\s|$)")


def is_card(message: Message) -> bool:
    return any(key in (message.get("custom") or {}) for key in CARDS)


def said(messages: list[Message]) -> str:
    """The words of a turn that are not a card's (Rasa's REST channel sends a card's words, for reading aloud and
    for channels without cards, as a message of their own just before the card)."""
    following = messages[1:] + [{}]
    return " ".join(message["text"] for message, after in zip(messages, following)
                    if message.get("text") and not is_card(message) and not (is_card(after) and "text" not in after))


def sentences(text: str) -> int:
    plain = URL.sub("lien", text).strip()
    return len([part for part in SENTENCE_END.split(plain) if part.strip()])


def short(messages: list[Message]) -> list[Message]:
    """The turn, checked to be short: at most MAX_SENTENCES sentences and MAX_WORDS words beside its card."""
    words = said(messages)
    assert sentences(words) <= MAX_SENTENCES and len(words.split()) <= MAX_WORDS, words
    return messages


class Patron(Chat):
    """A conversation whose every turn is checked to be short."""

    def say(self, message: str) -> list[Message]:
        return short(super().say(message))


@pytest.fixture
def patron(stack: Stack) -> Patron:
    return Patron(stack.settings.url(stack.settings.rasa_port, "/webhooks/rest/webhook"))


@pytest.mark.parametrize("text, route", [
    ("comment on envoie un mail", "tutorial"), ("rendez-vous", "booking"), ("ma caf ne m'a pas payé", "referral"),
    ("gardez mon mot de passe svp", "charter"), ("vos horaires", "info"), ("la recette des crêpes", "out_of_scope"),
    ("dossier en ligne", "clarify"), ("vous gardez mes données ?", None), ("aidez moi", None), ("bonjour", None)])
def test_every_answer_is_short(patron: Patron, text: str, route: str) -> None:
    messages = patron.say(text)  # checked to be short
    assert [payload["route"] for payload in triage_payloads(messages)] == ([route] if route else [])


@pytest.mark.parametrize("text", ["je souhaiterais un rendez-vous", "rendez-vous", "un rendez-vous svp", "rdv",
                                  "pouvez vous me donner un rendez vous",
                                  "Bonjour, excusez-moi de vous déranger, je voudrais un rendez-vous pour ma mère"])
def test_a_bare_request_for_an_appointment_starts_a_booking(patron: Patron, text: str) -> None:
    messages = patron.say(text)
    assert triage_of(messages)["route"] == "booking"
    assert asked(messages) in ("site", "slot")


@pytest.mark.parametrize("text", ["aidez moi", "j'ai besoin d'aide", "vous pouvez m'aider ?"])
def test_a_vague_request_for_help_asks_what_the_need_is_and_is_never_refused(patron: Patron, text: str) -> None:
    messages = patron.say(text)
    assert all(payload["route"] != "charter" for payload in triage_payloads(messages))
    assert "/book_mediator" in [button["payload"] for button in buttons(messages)]


@pytest.mark.parametrize("text", ["où est la médiathèque", "vous êtes ouverts le samedi ?", "je peux imprimer ?",
                                  "il y a le wifi ?", "c'est gratuit ?", "vos horaires svp"])
def test_the_library_answers_from_its_sites_with_a_card(patron: Patron, text: str) -> None:
    messages = patron.say(text)
    assert triage_of(messages)["route"] == "info"
    site, = customs(messages, "site")
    main = sites().main
    assert (site["id"], site["phone"], site["opening_hours"]) == (main.id, main.phone, main.opening_hours)
    assert isinstance(site["open_now"], bool) and site["services"] and site["address"]
    assert "bientôt" not in " ".join(texts(messages)).lower()


def test_opening_days_and_the_site_named_are_answered(patron: Patron) -> None:
    saturday = " ".join(texts(patron.say("vous êtes ouverts le samedi ?")))
    assert re.search(r"samedi \d+ \w+ : ouvert de 10 h à 18 h", saturday), saturday
    messages = patron.say("et la bibliothèque de quartier c'est où ?")
    assert customs(messages, "site")[0]["id"] == "quartier" and "14 rue des Tanneurs" in said(messages)


def test_a_phone_problem_is_taught_not_sent_to_a_partner(patron: Patron) -> None:
    triage = triage_of(patron.say("j'ai un souci avec mon téléphone, il ne sonne plus"))
    assert (triage["route"], triage.get("theme")) in (("tutorial", "smartphone"), ("booking", None))


def test_a_commune_given_after_a_referral_shows_the_place_nearest_to_it(patron: Patron) -> None:
    first = customs(patron.say("la caf de tours ne m'a pas payé l'apl"), "partner")
    assert first and first[0]["id"] == "caf-tours"
    nearest, = customs(patron.say("j'habite à chinon"), "partner")
    assert nearest["id"] == "caf-chinon"
    assert customs(patron.say("non plutôt Tours"), "partner")[0]["id"] == "caf-tours"


def test_what_to_bring_is_behind_a_button_under_the_card(patron: Patron) -> None:
    messages = patron.say("la caf de chinon me demande un papier")
    bring, = [button for button in buttons(messages) if button["title"] == "Que faut-il apporter ?"]
    assert "pièce d'identité" in " ".join(texts(patron.say(bring["payload"])))


def test_a_person_asked_for_at_the_site_question_gets_the_phone_then_the_booking_goes_on(patron: Patron) -> None:
    assert asked(patron.say("je veux prendre rendez-vous")) == "site"
    messages = patron.say("un humain svp")
    assert sites().main.phone_display in said(messages) and customs(messages, "site")
    assert "Je ne connais pas ce lieu" not in said(messages)
    assert asked(messages) == "site"


def test_asides_inside_the_booking_form_are_answered_and_the_booking_ends_confirmed(patron: Patron) -> None:
    patron.say("je voudrais un rdv avec le conseiller")
    messages = patron.say(buttons(patron.say("merci"))[0]["payload"])  # the site's question, asked again
    assert asked(messages) == "slot"
    explained = patron.say("je comprends pas")
    assert asked(explained) == "slot" and len(texts(explained)) == 2
    free = patron.say("c'est gratuit ?")
    assert "gratuit" in said(free) and asked(free) == "slot"
    messages = patron.say(next(button["payload"] for button in buttons(free) if "slot" in button["payload"]))
    assert asked(messages) == "first_name"
    assert asked(patron.say("au revoir")) == "first_name"
    for answer in ("Marie", "pas de contact", "aucun", "/affirm"):
        messages = patron.say(answer)
    assert booked(patron.say("/affirm"))["status"] == "confirmed"


def test_laissez_tomber_stops_the_form(patron: Patron) -> None:
    patron.say("rendez-vous svp")
    messages = patron.say("laissez tomber")
    assert asked(messages) is None and not customs(messages, "booking")


def test_a_new_need_inside_the_form_ends_it(patron: Patron) -> None:
    patron.say("je veux un rendez-vous")
    triage = triage_of(patron.say("en fait je voudrais juste apprendre à envoyer un mail avec une photo"))
    assert triage["route"] == "tutorial"


def test_non_plutot_corrects_the_last_need(patron: Patron) -> None:
    assert triage_of(patron.say("comment on envoie un mail"))["route"] == "tutorial"
    assert triage_of(patron.say("non, plutôt un rendez-vous avec quelqu'un"))["route"] == "booking"


def test_a_skill_and_an_organism_teach_the_skill_first_and_say_both(patron: Patron) -> None:
    messages = patron.say("je dois envoyer mon CV à France Travail, je ne sais pas faire de pièce jointe")
    assert (triage_of(messages)["route"], triage_of(messages)["theme"]) == ("tutorial", "email")
    assert "France Travail" in said(messages)
    for _ in range(2):  # the level questions
        messages = patron.say(buttons(messages)[0]["payload"])
    assert customs(messages, "tutorial")
    assert "/refer_france_travail" in [button["payload"] for button in buttons(messages)]


def test_a_scam_in_progress_first_says_what_to_do_then_offers_the_fiche(patron: Patron) -> None:
    messages = patron.say("au secours un faux conseiller de ma banque m'appelle et me demande le code reçu par sms")
    first = messages[0]["text"]
    assert "ne donnez aucun code" in first and "33700" in first and "17cyber" in first
    assert customs(messages, "tutorial")[0]["theme"] == "arnaques"


def test_nonsense_falls_back_below_the_threshold_and_reaches_the_inbox(patron: Patron, stack: Stack) -> None:
    since = datetime.now(timezone.utc) - timedelta(minutes=1)
    for text in ("sdfkj qsdlkfj 06 12 34 56 78 qsdf", "mlkjqsd poiu", "What time does the library open?"):
        triage = triage_of(patron.say(text))
        assert triage["route"] == "out_of_scope" and triage["confidence"] < 0.2, (text, triage)
    for text in ("vous connaissez un bon plombier pas cher ?", "blablabla zorg"):
        assert triage_of(patron.say(text))["route"] == "out_of_scope"
    engine = create_engine(stack.settings.tracker_store_url)
    try:
        inbox = {message.text for message in unclear_messages(engine, since)}
    finally:
        engine.dispose()
    assert {"mlkjqsd poiu", "What time does the library open?", "blablabla zorg",
            "vous connaissez un bon plombier pas cher ?"} <= inbox
