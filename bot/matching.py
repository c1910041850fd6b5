"""Find phrases in what a patron typed, tolerant of case, accents and small typos."""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import Iterable, Optional

from rapidfuzz import fuzz

SIMILARITY = 90  # rapidfuzz ratio (0-100) from which a group of words counts as the phrase
MIN_STEM = 4  # a phrase ending in a word this long or longer also finds longer words: "sign" finds "signez"
ABBREVIATIONS = {"st": "saint", "ste": "sainte"}  # in the names of places


def normalise(text: str) -> str:
    """Lower case, no accents, no apostrophes ("aujourd'hui" = "aujourdhui"), single spaces."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    plain = "".join(char for char in decomposed if not unicodedata.combining(char))
    return " ".join(plain.replace("'", "").replace("’", "").split())


def name_words(text: str) -> list[str]:
    """The words of a place's name, as patrons' words are compared with it: lower case, no accents, "st" spelled
    out: "St-Cyr-sur-Loire" -> saint cyr sur loire."""
    return [ABBREVIATIONS.get(word, word) for word in re.findall(r"[a-z0-9]+", normalise(text))]


def similarity(phrase: str, words: str) -> float:
    """100 when the words start with the phrase and its last word is a stem ("sign" in "signez"; "ou" is not
    found in "oublié"), else their ratio."""
    stem = len(phrase.split()[-1]) >= MIN_STEM if phrase else False
    return 100.0 if stem and words.startswith(phrase) else fuzz.ratio(phrase, words)


@lru_cache(maxsize=4096)
def readings(text: str) -> tuple[str, ...]:
    """The text normalised with its apostrophes joining words ("aujourdhui") and splitting them ("l imprimante")."""
    return tuple(dict.fromkeys((normalise(text), normalise(text.replace("'", " ").replace("’", " ")))))


def best_mention(text: str, phrases: Iterable[str]) -> Optional[str]:
    """The phrase that some group of consecutive words of `text` matches best, if any reaches SIMILARITY; words
    are read with and without their elisions, so "l'imprimante" holds "imprim" and "aujourd'hui" is one word."""
    texts = [reading.split() for reading in readings(text)]
    best, best_score = None, 0.0
    for phrase in phrases:
        for wanted in readings(phrase):
            size = len(wanted.split())
            for words in texts:
                for start in range(len(words) - size + 1):
                    score = similarity(wanted, " ".join(words[start:start + size]))
                    if score >= max(SIMILARITY, best_score + 1e-9):
                        best, best_score = phrase, score
    return best
