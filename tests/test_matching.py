"""Finding the charter's phrases in what patrons type."""
from __future__ import annotations

import pytest

from bot.matching import best_mention, normalise

MARKERS = ["urgent", "aujourd'hui", "demain", "ce soir", "date limite"]


def test_normalise_drops_case_accents_and_apostrophes() -> None:
    assert normalise("  C'est URGENT   aujourd’hui, à Évry ") == "cest urgent aujourdhui, a evry"


@pytest.mark.parametrize("text, found", [
    ("c'est urgent", "urgent"),
    ("cest urgen", "urgent"),            # a letter missing
    ("URGENTE", "urgent"),               # an inflection: the marker starts the word
    ("pour demin matin", "demain"),      # a typo
    ("c pour aujourdhui", "aujourd'hui"),
    ("avant ce soir svp", "ce soir"),
    ("DATE LIMITE vendredi", "date limite"),
])
def test_markers_are_found_despite_spelling(text: str, found: str) -> None:
    assert best_mention(text, MARKERS) == found


@pytest.mark.parametrize("text", ["je dois faire une demande", "demandez à l'accueil", "du soir au matin",
                                  "la semaine prochaine", "", "😀"])
def test_close_but_different_words_are_not_markers(text: str) -> None:
    assert best_mention(text, MARKERS) is None


def test_a_stem_finds_its_inflections() -> None:
    assert best_mention("pouvez-vous signez à ma place", ["sign"]) == "sign"
    assert best_mention("assignation", ["sign"]) is None
