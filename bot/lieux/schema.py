"""One row of a national file → the fields of a place (`Partner`'s names), whatever the schema generation.

Field names of schema 1.x, of 0.x and producers' variants (`courriel`, `labels_nationaux`, `conditions_acces`,
`publics_accueillis`, `Adresse`, `pivot (siret ou rna)` …) are read alike. Values are made what the schema
says: numbers as text (postcode 1000 → 01000), lists split on `|` `;` ` / ` (never `horaires`), and the 0.x
values of the enumerated fields mapped onto the 1.x ones by their words (« Prendre en main un ordinateur » →
« Maîtrise des outils numériques du quotidien », « Gratuit : Je peux accéder… » → « Gratuit »).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from typing import Any, Dict, List, Optional, Pattern, Sequence, Tuple

from bot.matching import normalise

PLACEHOLDER_PIVOT = "00000000000000"
UNKNOWN_DATE = date(1970, 1, 1)  # what producers write when they do not know: kept, and noted
PLACEHOLDER_DATES = {UNKNOWN_DATE, date(1969, 12, 31)}
SUMMARY_LENGTH = 280

# 0.x and producers' names of a 1.x field, tried after the field's own name (keys compared as `key()` makes them).
OLD_NAMES: Dict[str, Tuple[str, ...]] = {
    "pivot": ("pivot_siret_ou_rna", "siret"),
    "courriels": ("courriel", "email"),
    "presentation_resume": ("presentation_resumee",),
    "frais_a_charge": ("conditions_acces", "conditions_access"),
    "publics_specifiquement_adresses": ("publics_accueillis", "public_accueillis"),
    "prise_en_charge_specifique": ("publics_accueillis", "public_accueillis"),
    "dispositif_programmes_nationaux": ("labels_nationaux",),
    "autres_formations_labels": ("labels_autres",),
    "fiche_acces_libre": ("accessibilite",),
}
ONE_LINE = {"nom", "adresse", "complement_adresse", "commune"}
TEXTS = ("id", "nom", "adresse", "complement_adresse", "commune", "presentation_detail", "source",
         "structure_parente", "pivot", "prise_rdv", "fiche_acces_libre")
LISTS = ("typologie", "courriels", "site_web", "formations_labels", "autres_formations_labels")
LIST_SEPARATOR = re.compile(r"\s*(?:[|;\n]|\s/\s?|/\s|,\s*)\s*")
ADDRESS_SEPARATOR = re.compile(r"[|;,\s]+")  # e-mail addresses and web sites have no spaces nor commas

# The 1.x values of the enumerated fields, each with the words (regular expressions over `words()` text) that
# name it in 1.x, in 0.x or in producers' files. The more specific come first: what one value matched is not
# read again for the next ones (« gratuit sous condition » is not also « gratuit »).
ENUMERATIONS: Dict[str, Sequence[Tuple[str, Sequence[str]]]] = {
    "services": (
        ("Aide aux démarches administratives", ("demarches administratives", "demarches de sante")),
        ("Maîtrise des outils numériques du quotidien", (
            "maitrise des outils numeriques", "prendre en main un (smartphone|ordinateur)", "tablette",
            "utiliser le numerique au quotidien")),
        ("Insertion professionnelle via le numérique", ("insertion professionnelle", "developper mon entreprise")),
        ("Utilisation sécurisée du numérique", ("utilisation securisee",)),
        ("Parentalité et éducation avec le numérique", ("parentalite",)),
        ("Loisirs et créations numériques", ("loisirs et creations", "creer avec le numerique")),
        ("Compréhension du monde numérique", (
            "comprehension du monde numerique", "culture numerique", "citoyennete numerique")),
        ("Accès internet et matériel informatique", (
            "acces internet et materiel", "acceder a une connexion", "acceder a du materiel")),
        ("Acquisition de matériel informatique à prix solidaire", (
            "acquisition de materiel", "equiper en materiel")),
    ),
    "publics_specifiquement_adresses": (
        ("Jeunes", ("jeunes?",)),
        ("Étudiants", ("etudiant",)),
        ("Familles et/ou enfants", ("famille", "enfant")),
        ("Seniors", ("senior",)),
        ("Femmes", ("femmes?",)),
    ),
    "prise_en_charge_specifique": (
        ("Surdité", ("surdite", "sourds?")),
        ("Handicaps moteurs", ("handicaps? moteurs?",)),
        ("Handicaps mentaux", ("handicaps? mentaux",)),
        ("Illettrisme", ("illettrisme",)),
        ("Langues étrangères (anglais)", ("langues? etrangeres? anglais",)),
        ("Langues étrangères (autres)", ("langues? etrangeres?",)),
        ("Déficience visuelle", ("defici[ae]nce visuelle", "malvoyant")),
    ),
    "frais_a_charge": (
        ("Gratuit sous condition", ("gratuit sous condition",)),
        ("Gratuit", ("gratuit\\b",)),
        ("Payant", ("payant", "adhesion")),
    ),
    "modalites_accompagnement": (
        ("En autonomie", ("en autonomie", "seul jai acces")),
        ("Accompagnement individuel", ("accompagnement individuel", "avec de laide")),
        ("Dans un atelier collectif", ("atelier",)),
        ("À distance", ("a distance",)),
    ),
    "modalites_acces": (
        ("Envoyer un mail avec une fiche de prescription", ("fiche de prescription",)),
        ("Se présenter", ("se presenter",)),
        ("Téléphoner", ("telephoner",)),
        ("Contacter par mail", ("contacter par (e ?)?mail",)),
        ("Prendre un RDV en ligne", ("(rdv|rendez vous) en ligne",)),
        ("Ce lieu n'accueille pas de public", ("naccueille pas",)),
    ),
    "itinerance": (
        ("Itinérant", ("itinerant",)),
        ("Fixe", ("fixe",)),
    ),
    "dispositif_programmes_nationaux": (
        ("Relais numérique (Emmaüs Connect)", ("relais numerique( emmaus connect)?",)),
        ("Emmaüs Connect", ("emmaus connect",)),
        ("Aidants Connect", ("aidants? connect",)),
        ("Bibliothèques numérique de référence", ("bibliotheques? numeriques? de reference",)),
        ("Certification PIX", ("pix",)),
        ("Conseillers numériques", ("cnfs", "conseillers? numeriques?")),
        ("France Services", ("france services?",)),
        ("Grande école du numérique", ("grande ecole du numerique",)),
        ("La Croix Rouge", ("croix rouge",)),
        ("Point d'accès numérique CAF", ("point dacces numerique caf", "(point|relais) (relais )?caf")),
        ("Promeneurs du net", ("promeneurs du net",)),
    ),
}
NOTHING = re.compile(r"^(aucun|aucune|non|sans|none|null)\b")  # « Aucun dispositif »: no value, nothing to note


@dataclass
class Place:
    """A row made a place's fields (`Partner`'s names), with notes on what was changed or left out."""

    fields: Dict[str, Any] = field(default_factory=dict)
    notes: List[str] = field(default_factory=list)
    unknown_date: bool = False  # date_maj was empty, unreadable or a placeholder
    placeholder_pivot: bool = False


@lru_cache(maxsize=None)  # a file's few field names, row after row
def key(name: str) -> str:
    """A field name as compared: « Adresse » = adresse, « pivot (siret ou rna) » = pivot_siret_ou_rna."""
    return "_".join(words(name).split())


@lru_cache(maxsize=65536)  # values repeat from row to row: « Gratuit : Je peux accéder… »
def words(text: str) -> str:
    """Lower-case words without accents nor apostrophes, separated by one space: « J’ai accès » → « jai acces »."""
    return " ".join(re.findall(r"[a-z0-9]+", normalise(text)))


def place(row: Dict[str, Any]) -> Place:
    """The fields of `row` as a place's; values that cannot be read are left out with a note."""
    cells = {key(str(name)): value for name, value in row.items() if name is not None}
    found = Place()
    for name in TEXTS:
        _set(found, name, one_line(text(_cell(cells, name))) if name in ONE_LINE else text(_cell(cells, name)))
    _set(found, "code_postal", code(_cell(cells, "code_postal")))
    _set(found, "code_insee", code(_cell(cells, "code_insee")))
    _set(found, "telephone", phone_text(_cell(cells, "telephone")))
    _set(found, "horaires", hours(_cell(cells, "horaires")))
    for name in ("latitude", "longitude"):
        _set(found, name, coordinate(_cell(cells, name)))
    if found.fields.get("latitude") == found.fields.get("longitude") == 0:
        del found.fields["latitude"], found.fields["longitude"]
    _set(found, "presentation_resume", _summary(found, text(_cell(cells, "presentation_resume"))))
    for name in LISTS:
        _set(found, name, values(_cell(cells, name), ADDRESS_SEPARATOR if name in ("courriels", "site_web")
                                 else LIST_SEPARATOR))
    found.fields["site_web"] = [_url(site) for site in found.fields.get("site_web", [])] or None
    _enumerations(found, cells)
    _date(found, text(_cell(cells, "date_maj")))
    _pivot(found)
    _accessibility(found)
    found.fields = {name: value for name, value in found.fields.items() if value not in (None, [])}
    return found


def _cell(cells: Dict[str, Any], name: str) -> Any:
    """The first non-empty value of the field under its 1.x name, then its older ones."""
    return _named_cell(cells, name)[1]


def _named_cell(cells: Dict[str, Any], name: str) -> Tuple[Optional[str], Any]:
    """The first name of the field found with a value (1.x first, then the older ones), and that value."""
    for candidate in (name, *OLD_NAMES.get(name, ())):
        value = cells.get(candidate)
        if value not in (None, "", []) and text(value):
            return candidate, value
    return None, None


def _set(found: Place, name: str, value: Any) -> None:
    if value not in (None, "", []):
        found.fields[name] = value


def text(value: Any) -> Optional[str]:
    """A value as text: numbers without « .0 », lists joined; None when empty."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, list):
        value = "|".join(str(item) for item in value if item is not None)
    return str(value).strip() or None


def one_line(value: Optional[str]) -> Optional[str]:
    """A name or an address on one line, as the cards show it: "20 rue X\n97200 Fort de France" → one space."""
    return " ".join(value.split()) if value else value


def code(value: Any) -> Optional[str]:
    """A postcode or INSEE code as text, its leading zero given back: 1000 → 01000, "4070" → 04070."""
    found = text(value)
    if found and re.fullmatch(r"\d{4}", found):
        return "0" + found
    return found.upper() if found else None


def phone_text(value: Any) -> Optional[str]:
    """A phone number as text; nine digits have lost their leading 0 (596516976 → 0596516976), a number of
    more its + (596596780040 → +596596780040)."""
    found = text(value)
    digits = re.sub(r"[\s.]", "", found or "")
    if re.fullmatch(r"[1-9]\d{8}", digits):
        return "0" + digits
    if isinstance(value, (int, float)) and len(digits) > 9:
        return "+" + digits
    return found


def hours(value: Any) -> Optional[str]:
    """Opening hours with producers' slips mended: non-breaking spaces, « 13h30 », spaces doubled or before
    « ; ». Left as they are when they hold a comment (between double quotes)."""
    found = text(value)
    if not found or '"' in found:
        return found
    found = re.sub(r"\b(\d{1,2}) ?h ?(\d{2})\b", r"\1:\2", found.replace("\xa0", " "))
    return re.sub(r" *; *", "; ", re.sub(r" {2,}", " ", found)).strip(" ;") or None


def coordinate(value: Any) -> Optional[float]:
    """A latitude or longitude, from a number or a text with a point or a comma; None when unreadable."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    found = text(value)
    try:
        return float(found.replace(",", ".")) if found else None
    except ValueError:
        return None


def values(value: Any, separator: Pattern[str]) -> List[str]:
    """A list given as a JSON list or as text separated by `separator`, without duplicates nor empty items."""
    items = value if isinstance(value, list) else separator.split(text(value) or "")
    found = (text(item) for item in items)
    return list(dict.fromkeys(item for item in found if item))


def _summary(found: Place, summary: Optional[str]) -> Optional[str]:
    """The schema's 280 characters at most: a longer summary is cut at a word, and noted."""
    if not summary or len(summary) <= SUMMARY_LENGTH:
        return summary
    found.notes.append(f"presentation_resume de {len(summary)} caractères coupé à {SUMMARY_LENGTH}")
    return summary[:SUMMARY_LENGTH - 1].rsplit(" ", 1)[0] + "…"


def _url(site: str) -> str:
    return site if re.match(r"^[a-z]+://", site, re.IGNORECASE) else "https://" + site


COMPILED: Dict[str, List[Tuple[str, Pattern[str]]]] = {
    name: [(value, re.compile(r"\b(?:" + "|".join(patterns) + r")")) for value, patterns in table]
    for name, table in ENUMERATIONS.items()
}


def enumerated(name: str, value: Any) -> Tuple[List[str], str]:
    """The 1.x values of field `name` that `value` names, in the schema's order, and its words nothing named."""
    rest = " | ".join(words(item) for item in value) if isinstance(value, list) else words(text(value) or "")
    found = set()
    for option, pattern in COMPILED[name]:
        rest, count = pattern.subn(" | ", rest)
        if count:
            found.add(option)
    return [option for option, _ in COMPILED[name] if option in found], rest


def _enumerations(found: Place, cells: Dict[str, Any]) -> None:
    """The enumerated fields; a cell none of the fields reading it understood is noted (0.x
    `publics_accueillis` gives both `publics_specifiquement_adresses` and `prise_en_charge_specifique`)."""
    unread: Dict[str, str] = {}
    understood = set()
    for name in ENUMERATIONS:
        source, value = _named_cell(cells, name)
        if source is None:
            continue
        options, _ = enumerated(name, value)
        _set(found, name, options)
        if options:
            understood.add(source)
        else:
            unread.setdefault(source, name)
    for source, name in unread.items():
        value = text(cells[source]) or ""
        if source not in understood and not NOTHING.match(words(value)):
            found.notes.append(f"{name} « {_short(value)} » laissé de côté : aucune valeur du schéma")


def _short(value: str, length: int = 60) -> str:
    return value if len(value) <= length else value[:length - 1] + "…"


def _date(found: Place, value: Optional[str]) -> None:
    """date_maj as a date: 2023-05-11, 2023-05-11T10:00:00Z or 11/05/2023; unknown (1970-01-01) when empty or
    unreadable, with the producers' placeholders 1970-01-01 and 1969-12-31 kept but counted."""
    day = None
    if value:
        iso = re.match(r"^(\d{4})-(\d{2})-(\d{2})", value)
        french = re.match(r"^(\d{2})/(\d{2})/(\d{4})$", value)
        parts = iso.groups() if iso else tuple(reversed(french.groups())) if french else None
        try:
            day = date(*map(int, parts)) if parts else None
        except ValueError:
            day = None
    if value and day is None:
        found.notes.append(f"date_maj « {value} » illisible : {UNKNOWN_DATE.isoformat()} écrit (date inconnue)")
    found.unknown_date = day is None or day in PLACEHOLDER_DATES
    found.fields["date_maj"] = day or UNKNOWN_DATE


def _pivot(found: Place) -> None:
    """The SIRET, RNA or RIDET; 00000000000000, what producers write when they have none, is kept and counted."""
    pivot = found.fields.get("pivot")
    found.placeholder_pivot = pivot is not None and set(pivot) == {"0"}


def _accessibility(found: Place) -> None:
    """0.x `accessibilite` is a link to the place's Accès libre page: anything else is left out, noted."""
    page = found.fields.get("fiche_acces_libre")
    if page and not re.match(r"^https?://", page):
        found.notes.append(f"fiche_acces_libre « {_short(page)} » laissé de côté : ce n'est pas une adresse web")
        del found.fields["fiche_acces_libre"]


def departement(postcode: str) -> str:
    """The département a postcode is in, as its first digits: 37000 → 37, 97200 → 972, 98800 → 988."""
    return postcode[:3] if postcode.startswith(("97", "98")) else postcode[:2]
