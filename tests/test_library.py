"""Questions about the library itself read from patrons' words, answered from knowledge_base/sites.yml: hours of a
day or of the week (public holidays, summer hours), address, phone, services, and the site's card."""
from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pytest

from bot.hours import PARIS, week
from bot.knowledge import KnowledgeError, Sites, sites
from bot.knowledge.sites import load_sites
from bot.library.answers import answer, answering, card
from bot.library.questions import ACCESS, ADDRESS, DAY, GENERAL, HOURS, PHONE, SERVICE, asked_day, read_question
from bot.settings import settings

MONDAY = datetime(2026, 12, 7, 15, 0, tzinfo=PARIS)  # the sample library is closed on Mondays
TUESDAY = datetime(2026, 12, 8, 15, 0, tzinfo=PARIS)


@pytest.fixture(scope="module")
def library() -> Sites:
    return sites()


@pytest.mark.parametrize("text, topic, site", [
    ("vous êtes ouverts le samedi ?", DAY, None), ("c ou la mediatheque", ADDRESS, None),
    ("je peux imprimer ?", SERVICE, None), ("il y a le wifi ?", SERVICE, None), ("c'est gratuit ?", SERVICE, None),
    ("vos horaires svp", HOURS, None), ("vous fermez a quelle heure", HOURS, None),
    ("numero de telephone de la bibli", PHONE, None), ("j'ai oublié ma carte", GENERAL, None),
    ("y a un ascenseur ? je viens en fauteuil", ACCESS, None),
    ("la bibliotheque de quartier est ouverte demain ?", DAY, "quartier"),
    ("scanner à la bibli du quartier ?", SERVICE, "quartier")])
def test_a_question_is_read_for_its_topic_and_site(library: Sites, text: str, topic: str, site: str) -> None:
    question = read_question(text, library, MONDAY)
    assert question.topic == topic and (question.site.id if question.site else None) == site


def test_the_first_service_listed_answers_when_a_question_names_several(library: Sites) -> None:
    assert read_question("l'impression c'est gratuit ?", library, MONDAY).service.id == "impression"
    assert read_question("c'est gratuit ?", library, MONDAY).service.id == "aide-numerique"


def test_a_day_is_the_next_one_from_today() -> None:
    assert asked_day("ouvert samedi ?", MONDAY) == date(2026, 12, 12)
    assert asked_day("et demain", MONDAY) == date(2026, 12, 8)
    assert asked_day("le 25 décembre ?", MONDAY) == date(2026, 12, 25)
    assert asked_day("c'est où", MONDAY) is None


def test_the_hours_of_a_day_holidays_and_summer_come_from_the_opening_hours(library: Sites) -> None:
    saturday = answer(read_question("ouvert samedi ?", library, MONDAY), library, MONDAY)
    assert (saturday.response, saturday.words["day"], saturday.words["hours"]) == \
        ("utter_library_day", "samedi 12 décembre", "de 10 h à 18 h")
    christmas = answer(read_question("ouvert le 25 décembre ?", library, MONDAY), library, MONDAY)
    assert christmas.response == "utter_library_day_closed"  # PH off
    summer = datetime(2027, 7, 5, 10, 0, tzinfo=PARIS)
    assert answer(read_question("ouvert samedi ?", library, summer), library, summer).words["hours"] == \
        "de 14 h à 18 h"
    assert week(library.main.opening_hours, date(2026, 12, 7)) == \
        "mardi, jeudi et vendredi de 13 h à 18 h, mercredi et samedi de 10 h à 18 h"


def test_accessibility_is_answered_from_the_site(library: Sites) -> None:
    reply = answer(read_question("la bibli du quartier c'est accessible en fauteuil ?", library, MONDAY), library,
                   MONDAY)
    assert (reply.response, reply.words["accessibility"]) == ("utter_library_access",
                                                              library.sites[1].accessibility)


def test_a_service_the_named_site_lacks_is_answered_with_the_site_that_has_it(library: Sites) -> None:
    reply = answer(read_question("un scanner à la bibli du quartier ?", library, MONDAY), library, MONDAY)
    assert reply.response == "utter_library_service_elsewhere"
    assert (reply.words["asked"], reply.site.id) == ("Bibliothèque de quartier", "centrale")


def test_whether_someone_answers_the_phone_follows_the_hours(library: Sites) -> None:
    assert answering(library.main, MONDAY) == "Personne ne répond maintenant : rappelez demain à 13 h."
    assert answering(library.main, TUESDAY) == "Quelqu'un vous répond maintenant, jusqu'à 18 h."


def test_the_card_is_the_contract_site(library: Sites) -> None:
    shown = card(library.main, library, TUESDAY)
    assert {"id", "name", "address", "phone", "opening_hours", "open_now", "services"} <= set(shown)
    assert shown["open_now"] is True and shown["status"] == "Ouvert maintenant, jusqu'à 18 h."
    assert shown["phone"] == "+33261910200" and "Scanner" in shown["services"]


def write_sites(tmp_path: Path, old: str, new: str) -> Path:
    text = (settings.knowledge_dir / "sites.yml").read_text(encoding="utf-8")
    assert old in text, f"test setup: {old!r} not in sites.yml"
    path = tmp_path / "sites.yml"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


def test_an_unknown_service_and_unreadable_hours_are_named_with_their_line(tmp_path: Path) -> None:
    with pytest.raises(KnowledgeError, match=r"sites.yml:\d+: service « cinema »"):
        load_sites(write_sites(tmp_path, "services: [aide-numerique, impression, wifi, ordinateurs]",
                               "services: [aide-numerique, cinema]"))
    with pytest.raises(KnowledgeError, match=r"sites.yml:\d+: .*OpenStreetMap"):
        load_sites(write_sites(tmp_path, "opening_hours: Tu,Th,Fr 13:00-18:00", "opening_hours: mardi 13h-18h"))
