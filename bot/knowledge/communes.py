"""Every French commune, from the national list in `reference/` (INSEE's COG as `@etalab/decoupage-administratif`
ships it), with the library's own additions of `knowledge_base/communes.yml` (aliases, centres) and the centres
that the partner places give the communes the file leaves without one.

The national list is read once per process, on first use: about 35 000 small frozen objects.
"""
from __future__ import annotations

import csv
import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from sys import intern
from typing import Dict, Iterable, Iterator, List, Mapping, NamedTuple, Optional, Sequence, Tuple

from bot.matching import ABBREVIATIONS, name_words
from bot.settings import ROOT

REFERENCE = ROOT / "reference"
COMMUNES_FILE = REFERENCE / "communes.csv"
DEPARTEMENTS_FILE = REFERENCE / "departements.csv"
ARTICLES = ("le", "la", "les", "l")
NOT_A_LETTER = re.compile(r"[^a-z0-9\n]+")
SAINT = re.compile(r"\b(?:st|ste)\b")
EDGE_SPACES = re.compile(r"^ | $", re.MULTILINE)
Point = Tuple[float, float]


def commune_words(text: str) -> List[str]:
    """The words of a commune's name as they are compared: lower case, no accents, apostrophes and hyphens between
    words, « st »/« ste » spelled out: "Les Sables-d'Olonne" -> les sables d olonne, "Jœuf" -> joeuf."""
    return name_keys([text])[0].split()


def name_keys(names: Sequence[str]) -> List[str]:
    """`commune_words` of each name, joined by spaces; all at once, in C: 35 000 names take a few milliseconds."""
    text = "\n".join(names).lower().replace("œ", "oe").replace("æ", "ae")
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    plain = SAINT.sub(lambda match: ABBREVIATIONS[match.group()], NOT_A_LETTER.sub(" ", plain))
    return EDGE_SPACES.sub("", plain).split("\n")


def without_article(words: List[str]) -> List[str]:
    """The words without a leading article: "le havre" -> havre; a name that is only an article stays."""
    return words[1:] if len(words) > 1 and words[0] in ARTICLES else words


class Commune(NamedTuple):
    """A current commune: its INSEE code, names, postcodes, département, population, and its centre when known."""

    nom: str
    code_insee: str
    codes_postaux: Tuple[str, ...]
    departement: str  # code: "37", "2A", "974"
    population: Optional[int] = None
    latitude: Optional[float] = None
    longitude: Optional[float] = None
    aliases: Tuple[str, ...] = ()  # other names patrons use, from communes.yml: "spdc", "joué"

    @property
    def key(self) -> str:
        """The name as compared with a place's `commune`: case, accents, hyphens and "St" do not count."""
        return " ".join(name_words(self.nom))

    @property
    def centre(self) -> Optional[Point]:
        return None if self.latitude is None or self.longitude is None else (self.latitude, self.longitude)


@dataclass(frozen=True, eq=False)
class NationalList:
    """The national list, with its lookups by code (current, former or arrondissement's), postcode and name."""

    communes: Tuple[Commune, ...]
    departements: Mapping[str, str]  # code -> name
    by_code: Mapping[str, Commune] = field(repr=False)
    by_postcode: Mapping[str, Tuple[Commune, ...]] = field(repr=False)
    by_name: Mapping[str, Tuple[Commune, ...]] = field(repr=False)  # key of commune_words, with and without article

    @classmethod
    def of(cls, rows: Iterable[Sequence[str]], departements: Mapping[str, str]) -> "NationalList":
        """From rows of `reference/communes.csv` (its header left out)."""
        rows = list(rows)
        by_code: Dict[str, Commune] = {}
        by_postcode: Dict[str, List[Commune]] = {}
        by_name: Dict[str, List[Commune]] = {}
        communes = []
        keys = name_keys([row[1] for row in rows])
        for (code, nom, postcodes, departement, population, others, former), key in zip(rows, keys):
            commune = Commune(nom, code, tuple(map(intern, postcodes.split())), intern(departement),
                              int(population) if population else None)
            communes.append(commune)
            for other in others.split():
                by_code.setdefault(other, commune)
            by_code[code] = commune
            for postcode in commune.codes_postaux:
                by_postcode.setdefault(postcode, []).append(commune)
            for name in filter(None, [key, *name_keys(former.split("|") if former else [])]):
                by_name.setdefault(name, []).append(commune)
                if name.split(" ", 1)[0] in ARTICLES and " " in name:
                    by_name.setdefault(name.split(" ", 1)[1], []).append(commune)
        return cls(tuple(communes), departements, by_code, {code: tuple(found) for code, found in by_postcode.items()},
                   {name: tuple(found) for name, found in by_name.items()})

    def named(self, name: str) -> Tuple[Commune, ...]:
        """The communes of that name, with or without its article ("Le Havre", "havre")."""
        words = commune_words(name)
        return self.by_name.get(" ".join(words)) or self.by_name.get(" ".join(without_article(words)), ())


@lru_cache(maxsize=None)
def national(communes_file: Path = COMMUNES_FILE, departements_file: Path = DEPARTEMENTS_FILE) -> NationalList:
    """The national list, read once: it changes only with the project's version (`make communes-list`)."""
    with departements_file.open(encoding="utf-8", newline="") as file:
        departements = dict(row for row in list(csv.reader(file))[1:])
    with communes_file.open(encoding="utf-8", newline="") as file:
        rows = csv.reader(file)
        next(rows)
        return NationalList.of(rows, departements)


class UnknownCommune(ValueError):
    """A commune the national list does not have, or several it cannot tell apart; the message is French."""


def resolve(communes: NationalList, nom: str, postcodes: Sequence[str] = (),
            code_insee: Optional[str] = None) -> Commune:
    """The commune meant by a file: by INSEE code (current, former or arrondissement's) when given and known, its
    name written any way (« JOUE LES TOURS », « Paris 11e Arrondissement ») or its postcode agreeing; else by name,
    a postcode telling homonyms apart, else by postcode when only one commune has it."""
    coded = communes.by_code.get(code_insee or "")
    try:
        found: Optional[Commune] = _by_name_or_postcode(communes, nom, postcodes)
    except UnknownCommune:
        if coded is None:
            raise
        found = coded if _begins_with_name(nom, coded) else None
    if coded is not None and coded != found:
        raise UnknownCommune(f"la commune « {nom} » n'a pas le code INSEE « {code_insee} », qui est celui de "
                             f"{coded.nom} : corrigez l'un ou l'autre")
    assert found is not None  # found by name or postcode, or by its code
    return found


def _begins_with_name(nom: str, commune: Commune) -> bool:
    typed, name = commune_words(nom), without_article(commune_words(commune.nom))
    return without_article(typed)[:len(name)] == name


def _by_name_or_postcode(communes: NationalList, nom: str, postcodes: Sequence[str]) -> Commune:
    named = communes.named(nom)
    with_postcode = [commune for commune in named if set(postcodes) & set(commune.codes_postaux)]
    if len(with_postcode) == 1 or len(named) == 1:
        return with_postcode[0] if with_postcode else named[0]
    if named:
        raise UnknownCommune(f"plusieurs communes s'appellent « {nom} » : donnez son code_insee ou son code postal")
    by_postcode = {commune for postcode in postcodes for commune in communes.by_postcode.get(postcode, ())}
    if len(by_postcode) == 1:
        return by_postcode.pop()
    raise UnknownCommune(f"la commune « {nom} » n'est pas dans la liste nationale des communes : corrigez son nom "
                         "ou donnez son code_insee")


@dataclass(frozen=True)
class Placed:
    """A place as its commune's centre needs it: the commune it is in, its postcode and position."""

    commune: Commune
    code_postal: str
    latitude: float
    longitude: float


@dataclass(frozen=True)
class Centres:
    """Mean positions of the places, by commune (INSEE code), postcode and département."""

    communes: Mapping[str, Point]
    postcodes: Mapping[str, Point]
    departements: Mapping[str, Point]

    def of(self, commune: Commune) -> Optional[Point]:
        """Its own centre, else that of its places, else of the places of its postcodes, else of its
        département's, else None."""
        postcodes = [self.postcodes[code] for code in commune.codes_postaux if code in self.postcodes]
        return commune.centre or self.communes.get(commune.code_insee) or (
            _mean(postcodes) if postcodes else self.departements.get(commune.departement))


def centres(places: Iterable[Placed]) -> Centres:
    """The mean positions of `places` by commune, postcode and département."""
    groups: Tuple[Dict[str, List[Point]], ...] = ({}, {}, {})
    for place in places:
        point = (place.latitude, place.longitude)
        for group, key in zip(groups, (place.commune.code_insee, place.code_postal, place.commune.departement)):
            group.setdefault(key, []).append(point)
    by_commune, by_postcode, by_departement = ({key: _mean(points) for key, points in group.items()}
                                               for group in groups)
    return Centres(by_commune, by_postcode, by_departement)


def _mean(points: Sequence[Point]) -> Point:
    return sum(point[0] for point in points) / len(points), sum(point[1] for point in points) / len(points)


class Communes:
    """The national list as the library knows it: communes.yml's additions, the centres its places give, and its
    territory (the communes of communes.yml, then those of its places) and the centres of its own sites' communes
    (`home`). Lookups give communes with their centre when one is known; iterating gives the territory's."""

    def __init__(self, national_list: NationalList, additions: Sequence[Commune], places: Sequence[Placed],
                 sites: Sequence[Tuple[str, str]] = ()) -> None:
        """`sites`: the commune and postcode of each of the library's sites."""
        self.national = national_list
        self._additions = {commune.code_insee: commune for commune in additions}
        self._centres = centres(places)
        codes = dict.fromkeys([*self._additions, *(place.commune.code_insee for place in places)])
        self.territory: Tuple[Commune, ...] = tuple(self.complete(self.national.by_code[code]) for code in codes)
        self._territory_codes = frozenset(codes)
        self.additions = self.territory[:len(self._additions)]  # communes.yml's, with their centres
        self.home = tuple(dict.fromkeys(filter(None, (self._site_centre(*site) for site in sites))))

    def _site_centre(self, nom: str, postcode: str) -> Optional[Point]:
        try:
            return self.complete(resolve(self.national, nom, [postcode])).centre
        except UnknownCommune:  # sites.yml is checked on its own
            return None

    def __iter__(self) -> Iterator[Commune]:
        return iter(self.territory)

    def complete(self, commune: Commune) -> Commune:
        """The commune with communes.yml's additions and its centre, when one is known."""
        commune = self._additions.get(commune.code_insee, commune)
        centre = self._centres.of(commune)
        return commune if centre is None or commune.centre else commune._replace(latitude=centre[0],
                                                                                  longitude=centre[1])

    def in_territory(self, commune: Commune) -> bool:
        return commune.code_insee in self._territory_codes

    def by_key(self, key: Optional[str]) -> Optional[Commune]:
        """The commune of an INSEE code, else the territory's commune of that `key` (name), else the only commune
        of the country with that name."""
        if not key:
            return None
        if key in self.national.by_code:
            return self.complete(self.national.by_code[key])
        territory = next((commune for commune in self.territory if commune.key == key), None)
        named = self.national.named(key)
        return territory or (self.complete(named[0]) if len(named) == 1 else None)

    def label(self, commune: Commune) -> str:
        """Its name with its département's, to tell homonyms apart: "Saint-Martin (Gers)"."""
        return f"{commune.nom} ({self.national.departements.get(commune.departement, commune.departement)})"
