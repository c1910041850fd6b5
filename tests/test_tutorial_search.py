"""Searching the shipped tutorial catalogue: typos, accents, filters, nonsense, empty query."""
from __future__ import annotations

import pytest

from bot.contract import THEMES
from bot.knowledge import tutorials
from bot.knowledge.tutorials import LEVELS
from bot.tutorials.search import search

CATALOGUE = tutorials()


@pytest.mark.parametrize("query, expected", [
    ("piece joite", "email-piece-jointe"),
    ("mot de pase oublié", "mot-de-passe-oublie"),
    ("wiffi", "wifi-telephone"),
    ("facebok", "reseaux-facebook-compte"),
    ("scanner un papié", "scan-telephone"),
    ("livre numerik", "biblio-livre-numerique"),
    ("visio whatsap", "visio-whatsapp"),
    ("Je veux apprendre FACEBOOOK !", "reseaux-facebook-compte"),
    ("imprimente", "scan-bibliotheque"),
    ("agrandire le texte", "smartphone-agrandir-texte"),
    ("franse conect", "franceconnect-se-connecter"),
])
def test_typos_find_the_right_fiche_first(query: str, expected: str) -> None:
    assert [tutorial.id for tutorial in search(CATALOGUE, query)][:1] == [expected]


def test_the_title_breaks_a_tie_between_fiches_that_share_a_keyword() -> None:
    both = {"email-piece-jointe", "scan-pdf-envoyer"}  # both have the keyword "pièce jointe"
    found = [tutorial.id for tutorial in search(CATALOGUE, "pièce jointe")]
    assert set(found[:2]) == both and found[0] == "email-piece-jointe"  # its id names it


@pytest.mark.parametrize("query", ["zzzz qqq", "xkcd blorp", "bonjour"])
def test_nonsense_finds_nothing(query: str) -> None:
    assert search(CATALOGUE, query) == []


@pytest.mark.parametrize("query", ["", "   ", "le la les"])
def test_an_empty_query_lists_the_whole_catalogue_by_theme_level_and_title(query: str) -> None:
    found = search(CATALOGUE, query)
    assert sorted(tutorial.id for tutorial in found) == sorted(tutorial.id for tutorial in CATALOGUE)
    keys = [(THEMES.index(tutorial.theme), LEVELS.index(tutorial.level)) for tutorial in found]
    assert keys == sorted(keys)
    assert [tutorial.title for tutorial in found[:2]] == ["Allumer, utiliser la souris et éteindre l'ordinateur",
                                                          "Ranger ses documents dans des dossiers"]


def test_filters_keep_only_the_theme_and_the_level() -> None:
    assert [tutorial.id for tutorial in search(CATALOGUE, theme="email")] == [
        "email-creer-adresse", "email-envoyer", "email-piece-jointe"]
    found = search(CATALOGUE, "mail", level="intermediaire")
    assert found and {tutorial.level for tutorial in found} == {"intermediaire"}
    assert found[0].id == "email-piece-jointe"
    assert search(CATALOGUE, "facebok", theme="wifi") == []
    assert [tutorial.id for tutorial in search(CATALOGUE, "", theme="wifi", level="avance")] == []
