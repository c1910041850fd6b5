"""Search the tutorial catalogue by title and keywords, tolerant of typos, accents and case."""
from __future__ import annotations

import re
from typing import Iterable, Optional

from rapidfuzz import fuzz, process

from bot.contract import THEMES
from bot.knowledge.tutorials import LEVELS, Tutorial
from bot.matching import normalise

WORD_MATCH = 75  # rapidfuzz ratio (0-100) from which a typed word counts as a word of the fiche: numerik ~ numerique
STOP_WORDS = frozenset(["au", "aux", "avec", "ce", "comment", "de", "des", "du", "en", "et", "je", "la", "le", "les",
                        "ma", "me", "mes", "mon", "ne", "pas", "pour", "qu", "quoi", "sa", "se", "ses", "son", "sur",
                        "un", "une"])


def meaningful_words(text: str) -> list[str]:
    """The words of `text` that carry meaning, normalised: "la pièce-jointe d'un mail" → piece jointe mail."""
    return [word for word in normalise(re.sub(r"\W+", " ", text)).split()
            if len(word) > 1 and word not in STOP_WORDS]


def catalogue_order(tutorial: Tutorial) -> tuple[int, int, str]:
    """Theme in the contract's order, then level from the simplest, then title."""
    return THEMES.index(tutorial.theme), LEVELS.index(tutorial.level), normalise(tutorial.title)


def _matched(typed: list[str], vocabulary: set[str]) -> float:
    """The sum, over the typed words, of their similarity to the closest word of `vocabulary`,
    counting only the words that reach WORD_MATCH."""
    found = (process.extractOne(word, vocabulary, scorer=fuzz.ratio, score_cutoff=WORD_MATCH) for word in typed)
    return sum(match[1] for match in found if match)


def _score(tutorial: Tutorial, typed: list[str]) -> tuple[float, float]:
    """How well the typed words match the fiche's title, id and keywords; then its title and id alone,
    so that "facebook" puts the fiche about Facebook before the fiches that only mention it."""
    name = set(meaningful_words(tutorial.title)) | set(tutorial.id.split("-"))
    return _matched(typed, name | set(meaningful_words(" ".join(tutorial.keywords)))), _matched(typed, name)


def search(catalogue: Iterable[Tutorial], query: str = "", theme: Optional[str] = None,
           level: Optional[str] = None) -> list[Tutorial]:
    """The fiches matching `query`, best first, of `theme` and `level` when given.

    A query without any meaningful word lists every fiche, in catalogue order; so do ties.
    """
    kept = sorted((tutorial for tutorial in catalogue if theme in (None, tutorial.theme)
                   and level in (None, tutorial.level)), key=catalogue_order)
    typed = meaningful_words(query)
    if not typed:
        return kept
    scores = {tutorial.id: _score(tutorial, typed) for tutorial in kept}
    return sorted((tutorial for tutorial in kept if scores[tutorial.id][0] > 0),
                  key=lambda tutorial: scores[tutorial.id], reverse=True)
