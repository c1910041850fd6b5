"""Find phrases in what a patron typed, tolerant of case, accents and small typos."""
from __future__ import annotations

import unicodedata
from typing import Iterable, Optional

from rapidfuzz import fuzz

SIMILARITY = 90  # rapidfuzz ratio (0-100) from which a group of words counts as the phrase


def normalise(text: str) -> str:
    """Lower case, no accents, no apostrophes ("aujourd'hui" = "aujourdhui"), single spaces."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    plain = "".join(char for char in decomposed if not unicodedata.combining(char))
    return " ".join(plain.replace("'", "").replace("’", "").split())


def similarity(phrase: str, words: str) -> float:
    """100 when the words start with the phrase (a stem: "sign" in "signez"), else their ratio."""
    return 100.0 if words.startswith(phrase) else fuzz.ratio(phrase, words)


def best_mention(text: str, phrases: Iterable[str]) -> Optional[str]:
    """The phrase that some group of consecutive words of `text` matches best, if any reaches SIMILARITY."""
    words = normalise(text).split()
    best, best_score = None, 0.0
    for phrase in phrases:
        wanted = normalise(phrase)
        size = len(wanted.split())
        for start in range(len(words) - size + 1):
            score = similarity(wanted, " ".join(words[start:start + size]))
            if score >= max(SIMILARITY, best_score + 1e-9):
                best, best_score = phrase, score
    return best
