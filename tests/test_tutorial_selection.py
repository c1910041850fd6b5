"""Choosing a fiche for a theme, a level, the patron's words and device; the level mini-diagnostic."""
from __future__ import annotations

import pytest

from bot.knowledge import Tutorial
from bot.tutorials.diagnostic import level_from, next_question, points
from bot.tutorials.selection import Wish, best, ranked, shifted


def fiche(id: str, level: str, keywords: list[str], devices: tuple[str, ...] = ("smartphone", "ordinateur"),
          theme: str = "email") -> Tutorial:
    return Tutorial(id=id, theme=theme, level=level, title=id, duration=10, objectives=["Apprendre."],
                    keywords=keywords, devices=list(devices))


CATALOGUE = [
    fiche("envoyer", "debutant", ["mail", "envoyer"]),
    fiche("adresse", "debutant", ["mail", "adresse", "creer"], devices=("ordinateur",)),
    fiche("piece-jointe", "intermediaire", ["mail", "piece jointe", "joindre", "document"]),
    fiche("filtres", "avance", ["mail", "filtre", "trier"]),
    fiche("wifi", "debutant", ["wifi"], theme="wifi"),
]


def ids(tutorials: list[Tutorial]) -> list[str]:
    return [tutorial.id for tutorial in tutorials]


def test_only_the_theme_closest_level_first_simpler_on_a_tie() -> None:
    assert ids(ranked(CATALOGUE, Wish("email", "debutant"))) == ["adresse", "envoyer", "piece-jointe", "filtres"]
    assert ids(ranked(CATALOGUE, Wish("email", "intermediaire")))[0] == "piece-jointe"
    assert ids(ranked(CATALOGUE, Wish("email", "avance"))) == ["filtres", "piece-jointe", "adresse", "envoyer"]


def test_the_fiche_naming_what_the_patron_asked_comes_first_even_at_another_level() -> None:
    assert best(CATALOGUE, Wish("email", "debutant", request="joindre un documant a mon mail")).id == "piece-jointe"


def test_a_fiche_for_the_patrons_device_comes_first() -> None:
    assert best(CATALOGUE, Wish("email", "debutant", device="smartphone")).id == "envoyer"


def test_fiches_already_shown_are_not_offered_again() -> None:
    assert best(CATALOGUE, Wish("email", "debutant", shown=("adresse",))).id == "envoyer"
    assert best(CATALOGUE, Wish("wifi", "debutant", shown=("wifi",))) is None


def test_simpler_and_harder_move_one_level_or_to_the_nearest_beyond() -> None:
    assert shifted(CATALOGUE, Wish("email", "intermediaire"), -1).level == "debutant"
    assert shifted(CATALOGUE, Wish("email", "intermediaire"), +1).id == "filtres"
    assert shifted(CATALOGUE, Wish("email", "debutant"), -1) is None
    assert shifted(CATALOGUE, Wish("email", "avance"), +1) is None
    assert shifted(CATALOGUE, Wish("wifi", "debutant"), +1) is None


def test_simpler_prefers_a_fiche_not_yet_seen_but_may_show_one_again() -> None:
    wish = Wish("email", "intermediaire", shown=("adresse", "piece-jointe"))
    assert shifted(CATALOGUE, wish, -1).id == "envoyer"
    wish = Wish("email", "intermediaire", shown=("adresse", "envoyer", "piece-jointe"))
    assert shifted(CATALOGUE, wish, -1).id == "adresse"


@pytest.mark.parametrize("answer, expected", [("0", 0), ("2", 2), (2, 2), ("3", None), ("-1", None),
                                              ("deux", None), ("", None), (None, None)])
def test_diagnostic_answers_are_worth_0_to_2_points(answer, expected) -> None:
    assert points(answer) == expected


def test_diagnostic_asks_each_question_until_validly_answered() -> None:
    assert next_question({}) == "diagnostic_ease"
    assert next_question({"diagnostic_ease": "9"}) == "diagnostic_ease"
    assert next_question({"diagnostic_ease": "1"}) == "diagnostic_practice"
    assert next_question({"diagnostic_ease": "1", "diagnostic_practice": "0"}) is None


@pytest.mark.parametrize("ease, practice, level", [("0", "0", "debutant"), ("1", "0", "debutant"),
                                                   ("1", "1", "intermediaire"), ("2", "1", "intermediaire"),
                                                   ("2", "2", "avance")])
def test_diagnostic_level_from_the_total(ease: str, practice: str, level: str) -> None:
    assert level_from({"diagnostic_ease": ease, "diagnostic_practice": practice}) == level
