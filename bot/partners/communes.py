"""Find the communes a patron names: by postcode, INSEE code or name (typos, accents, « st », articles), among the
35 000 of the national list, with dict lookups of the message's word groups and rapidfuzz's C functions.

With that many names, ordinary words are communes (« Son », « Bus », « Eu »): outside an answer to the commune
question, a commune of the national list counts only after a place cue (« à », « près de », « j'habite »…) or with
its postcode, unless it is one of the territory's.
"""
from __future__ import annotations

import re
import unicodedata
from bisect import bisect_left, bisect_right
from functools import lru_cache
from math import inf
from typing import Dict, List, Mapping, NamedTuple, Optional, Sequence, Tuple

from rapidfuzz import fuzz, process

from bot.knowledge.communes import ARTICLES, Commune, Communes, NationalList, commune_words, without_article
from bot.partners.places import MIN_PREFIX, MIN_SIMILARITY, Position, distance_km

MAX_WORDS = 8  # the longest names: « Saint-Remy-en-Bouzemont-Saint-Genest-et-Isson »
MIN_FUZZY = 5  # shorter names must be typed exactly
MIN_NATIONAL_FUZZY = 7  # and shorter words typed for the national list, or after a weak cue: « merci », « a cours »
FUZZY_SLACK = 0.25  # a typed group and a name this much longer or shorter cannot reach MIN_SIMILARITY
CUES = frozenset({"a", "de", "d", "dans", "vers"})  # weak place cues: « à son rendez-vous », « de la salle »
STRONG_CUES = frozenset({"habite", "habitons", "habitez", "vers"})  # before the name or a weak cue: « j'habite (à) »
NEAR_CUES = frozenset({"pres", "proche"})  # before « de »: « près de Confolens »
CONTRACTED = {"au": "le", "du": "le", "aux": "les", "des": "les"}  # a cue and an article in one word
CODE = re.compile(r"(?<![\w.,])(2[AaBb]\d{3}|\d{5})(?![\w.,])(?!\s*(?:€|euros?\b|eur\b))")


class Match(NamedTuple):
    """How a group of typed words names communes."""

    rank: int  # 0 a whole name of communes.yml, 1 of the national list, 2 communes.yml's first words or a typo, 3 rest
    words: int
    similarity: float
    communes: Tuple[Commune, ...]
    cued: bool  # after a place cue: « mon père vit à Aurillac » names Aurillac, not Péré

    def order(self) -> Tuple[bool, int, int, bool, float]:
        """Exact names first, the longest (« Chambray-lès-Tours » rather than Tours), then by rank, cue."""
        return self.similarity < 100, -self.words, self.rank, not self.cued, -self.similarity


def find_communes(text: str, communes: Communes, answering: bool = False) -> List[Commune]:
    """The communes the patron names, all those tied (homonyms: every Saint-Martin), nearest to the library's
    sites first; with `answering`, the message answers the question of their commune and needs no place cue."""
    coded = by_codes(text, communes.national)
    named = by_names(text, communes, answering)
    both = [commune for commune in named if commune in coded]
    found = both or coded or named
    return nearest_first([communes.complete(commune) for commune in found], communes.home)


def find_commune(text: str, communes: Communes, answering: bool = False) -> Optional[Commune]:
    """The one commune the patron names; None when none, or several they must choose from."""
    found = find_communes(text, communes, answering)
    return found[0] if len(found) == 1 else None


def by_codes(text: str, communes: NationalList) -> List[Commune]:
    """The communes of the postcodes typed, else of the INSEE codes (« 2A004 »; first when « insee » is typed);
    a number of euros is no code."""
    insee_first = "insee" in commune_words(text)
    found: Dict[str, Commune] = {}
    for code in CODE.findall(text):
        code = code.upper()
        of_postcode = communes.by_postcode.get(code, ())
        of_insee = (communes.by_code[code],) if code in communes.by_code else ()
        for commune in (of_insee or of_postcode) if insee_first else (of_postcode or of_insee):
            found[commune.code_insee] = commune
    return list(found.values())


def by_names(text: str, communes: Communes, answering: bool) -> List[Commune]:
    """The communes named, those of the best match (see `Match`)."""
    words = commune_words(text)
    typed = Typed(words, capitalised(text), answering)
    matches = [*territory_matches(communes, typed), *national_matches(communes, typed)]
    if not matches:
        return []
    best = min(matches, key=Match.order)
    tied = [match for match in matches if match.order() == best.order()]
    return list({commune.code_insee: commune for match in tied for commune in match.communes}.values())


class Typed(NamedTuple):
    """The message's words (`commune_words`), whether each was typed with a capital, and whether it answers the
    question of the patron's commune."""

    words: List[str]
    capitals: List[bool]
    answering: bool

    def counts(self, start: int, size: int, article: Optional[str], exact: bool) -> bool:
        """Whether `words[start:start + size]` may be a commune of the national list: in an answer; else exactly
        after a place cue, a weak one (« à », « de », « dans ») with a capital (« à Nantes », not « à son
        rendez-vous »), or after a strong one (« près de », « j'habite », « vers »), the only one for a typo."""
        if article is not None and size == 1 and len(self.words[start]) < MIN_FUZZY \
                and not cued(self.words, start, article):
            return False  # « pas » is not Le Pas, « au Pas » is
        if self.answering:
            return True
        if self.words[start] in CUES or self.words[start] in CONTRACTED:
            return False
        capital = any(self.capitals[start:start + size])
        return strongly_cued(self.words, start, article) or exact and capital and cued(self.words, start, article)

    def territory_counts(self, start: int, exact: bool) -> bool:
        """Whether a commune of the territory may start at `words[start]`: after any place cue when named exactly
        or with a typo in a long word (« la CAF de chinon », « de chinnon »; not « ils ont joué », « de tous les
        temps », « a cours »), as the national list's otherwise."""
        long_enough = exact or len(self.words[start]) >= MIN_NATIONAL_FUZZY
        return long_enough and cued(self.words, start, None) or self.counts(start, 1, None, exact)


def capitalised(text: str) -> List[bool]:
    """For each of `commune_words(text)`, whether it was typed with a capital."""
    plain = unicodedata.normalize("NFKD", text.replace("œ", "oe").replace("Œ", "Oe")).encode("ascii", "ignore")
    words = re.findall(r"[A-Za-z0-9]+", plain.decode("ascii"))
    return [word[:1].isupper() and not text.isupper() for word in words]  # a message in capitals tells nothing


def territory_matches(communes: Communes, typed: Typed) -> List[Match]:
    """communes.yml's communes, by name or alias, or their first words when only one begins so (« joué »,
    « st cyr »), or with a typo; outside an answer, after a place cue (« la CAF de chinon », not « ils ont joué »)."""
    names = _territory_names(communes)
    matches, words = [], typed.words
    for start in range(len(words)):
        for size in range(1, min(MAX_WORDS, len(words) - start) + 1):
            group = " ".join(words[start:start + size])
            whole, first_words = names.whole.get(group), names.first_words.get(group)
            found = fuzzy_in(group, names.sorted, names.whole) \
                if not (whole or first_words) and typed.territory_counts(start, False) else []
            for similarity, rank, named in [(100.0, 0, whole), (100.0, 2, first_words),
                                            *((score, 2, named) for score, _, named in found)]:
                if named and typed.territory_counts(start, similarity == 100):
                    matches.append(Match(rank, size, similarity, named, cued(words, start, None)))
    return matches


class TerritoryNames(NamedTuple):
    whole: Dict[str, Tuple[Commune, ...]]  # names and aliases
    first_words: Dict[str, Tuple[Commune, ...]]  # the first words of a name, of one commune only
    sorted: Tuple[str, ...]  # the names and aliases long enough for a typo: "spdc" is not "spa"


@lru_cache(maxsize=4)
def _territory_names(communes: Communes) -> TerritoryNames:
    whole: Dict[str, List[Commune]] = {}
    first_words: Dict[str, List[Commune]] = {}
    for commune in communes.additions:
        for name in (commune.nom, *commune.aliases):
            words = commune_words(name)
            whole.setdefault(" ".join(words), []).append(commune)
            for size in range(1, len(words)):
                if len(" ".join(words[:size])) >= MIN_PREFIX:
                    first_words.setdefault(" ".join(words[:size]), []).append(commune)
    return TerritoryNames({name: tuple(found) for name, found in whole.items()},
                          {name: tuple(dict.fromkeys(found)) for name, found in first_words.items()
                           if len(set(found)) == 1 and name not in whole},
                          tuple(name for name in sorted(whole) if len(name) >= MIN_FUZZY))


def national_matches(communes: Communes, typed: Typed) -> List[Match]:
    """Each group of words that is a name of the national list, exactly or with a typo, where it counts (see
    `Typed.counts`); the territory's communes count wherever they are named exactly."""
    matches, words = [], typed.words
    for start in range(len(words)):
        for size in range(1, min(MAX_WORDS, len(words) - start) + 1):
            group = " ".join(words[start:start + size])
            exact = communes.national.by_name.get(group)
            may_be_typo = words[start] not in ARTICLES and typed.counts(start, size, None, False)
            found = [(100.0, group, exact)] if exact else fuzzy(group, communes.national) if may_be_typo else []
            for similarity, _, named in found:
                kept = tuple(commune for commune in named if similarity == 100 and communes.in_territory(commune)
                             and typed.territory_counts(start, True)
                             or typed.counts(start, size, _article(commune, group), similarity == 100))
                if kept:
                    as_written = similarity == 100 and all(_article(commune, group) is None for commune in kept)
                    cue = cued(words, start, _article(kept[0], group))
                    matches.append(Match(1 if as_written else 3, size, similarity, kept, cue))
    return matches


def fuzzy(typed: str, communes: NationalList) -> List[Tuple[float, str, Tuple[Commune, ...]]]:
    """The names of the national list nearest to `typed` (its article left out) with a typo, all those tied, if
    they reach MIN_SIMILARITY; only names of the same first letter and about the same length are compared."""
    typed = " ".join(without_article(typed.split()))
    if len(typed) < MIN_NATIONAL_FUZZY:
        return []
    names, lengths = _names_by_letter(communes).get(typed[0], ((), ()))
    low = bisect_left(lengths, len(typed) * (1 - FUZZY_SLACK))
    high = bisect_right(lengths, len(typed) * (1 + FUZZY_SLACK))
    return fuzzy_in(typed, names[low:high], communes.by_name)


def fuzzy_in(typed: str, names: Sequence[str],
             communes: Mapping[str, Tuple[Commune, ...]]) -> List[Tuple[float, str, Tuple[Commune, ...]]]:
    """The `names` of as many words as `typed` nearest to it, all those tied, from MIN_SIMILARITY (rapidfuzz
    ratio), with their `communes`."""
    found = process.extract(typed, names, scorer=fuzz.ratio, score_cutoff=MIN_SIMILARITY, limit=None)
    words = typed.count(" ")  # a typo keeps the words: « ma maison » is not La Malmaison
    found = [(name, score, index) for name, score, index in found if name.count(" ") == words]
    best = max((score for _, score, _ in found), default=None)
    return [(score, name, communes[name]) for name, score, _ in found if score == best]


@lru_cache(maxsize=2)
def _names_by_letter(communes: NationalList) -> Dict[str, Tuple[Tuple[str, ...], Tuple[int, ...]]]:
    """The names (with and without article) of each first letter, shortest first, and their lengths."""
    letters: Dict[str, List[str]] = {}
    for name in communes.by_name:
        letters.setdefault(name[0], []).append(name)
    return {letter: (tuple(sorted(names, key=len)), tuple(sorted(map(len, names))))
            for letter, names in letters.items()}


def _article(commune: Commune, typed: str) -> Optional[str]:
    """The article of the commune's name when the typed words leave it out (« havre » for Le Havre), else None."""
    words = commune_words(commune.nom)
    return words[0] if without_article(words) != words and not typed.startswith(f"{words[0]} ") else None


def cued(words: List[str], start: int, article: Optional[str]) -> bool:
    """Whether a place cue comes right before `words[start:]`: « à Tours », « près de Loches », « au Havre », « à la
    Rochelle » when the name's own `article` is left out of the typed words; « dans le bus » names no commune."""
    before = words[start - 1] if start else None
    if article is None:
        return before in CUES
    return CONTRACTED.get(before or "") == article or before in CUES or (
        before == article and start >= 2 and words[start - 2] in CUES)


def strongly_cued(words: List[str], start: int, article: Optional[str]) -> bool:
    """Whether a strong place cue comes before `words[start:]`, maybe followed by a weak one and the name's own
    article left out of the typed words: « j'habite Loches », « près de Confolens », « près du Havre »."""
    before = start - 1
    if before > 0 and (words[before] in CUES or article is not None and CONTRACTED.get(words[before]) == article):
        before -= 1
    elif before > 1 and article is not None and words[before] == article and words[before - 1] in CUES:
        before -= 2
    if before < 0:
        return False
    return words[before] in STRONG_CUES or before < start - 1 and words[before] in NEAR_CUES and (
        words[before + 1] in ("de", "d", "du", "des"))


def nearest_first(found: List[Commune], home: Sequence[Tuple[float, float]]) -> List[Commune]:
    """Homonyms nearest to the library's sites first; those of unknown centre after, the most populated first."""
    def distance(commune: Commune) -> float:
        centre = commune.centre
        if centre is None or not home:
            return inf
        return min(distance_km(Position(*centre), Position(*point)) for point in home)

    return sorted(found, key=lambda commune: (distance(commune), -(commune.population or 0)))

