"""Partner files from a national file of « lieux de médiation numérique » (`python -m bot import-lieux`), and their
refresh from a newer file.

Each row with an address and coordinates becomes `<id>.yml` (its `origin` the file's name); the others are
reported as `FILE:LINE: ligne ignorée : reason`, values left out as `FILE:LINE: remarque : …`. A place imported
before is updated (never its STAFF_FIELDS); one the file no longer has, though it is of the file's territory (its
département and its `source` are among the file's), is marked `absent_since`, or deleted with `remove_gone`.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Dict, Iterable, List, Optional, Set

import yaml
from pydantic import ValidationError
from rapidfuzz import fuzz
from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError

from bot.knowledge import national
from bot.knowledge.communes import Commune, UnknownCommune, resolve
from bot.knowledge.files import KnowledgeError
from bot.knowledge.messages import field_problem
from bot.knowledge.partners import STAFF_FIELDS, Partner
from bot.lieux.reading import Row, read_rows
from bot.lieux.schema import PLACEHOLDER_PIVOT, UNKNOWN_DATE, Place, departement, key, place, words
from bot.matching import normalise

MIN_NAME_LIKENESS = 60  # rapidfuzz ratio from which a misspelt commune of the row's postcode is taken
REQUIRED = {name for name, model_field in Partner.__fields__.items() if model_field.required}
FIELDS = tuple(Partner.__fields__)
# The eight organisms' places, by the national programmes the place is part of, else by its typologie code
# (data·inclusion's codes); any other place is a `mediation_numerique` one.
KIND_OF_PROGRAMME = {
    "France Services": "france_services",
    "Emmaüs Connect": "emmaus_connect",
    "Relais numérique (Emmaüs Connect)": "emmaus_connect",
    "Point d'accès numérique CAF": "caf",
}
KIND_OF_TYPOLOGIE = {"rfs": "france_services", "caf": "caf", "cpam": "cpam", "pe": "france_travail",
                     "ft": "france_travail", "ml": "mission_locale", "mission locale": "mission_locale"}
HEADER = ("# Imported from {origin}, line {line} (lieux de médiation numérique).\n"
          "# Add by hand: aliases, topics, bring, accessibility (see docs/partners.md).\n")


@dataclass
class Report:
    """What an import did: files written (added or updated), places gone from the file, one message per problem
    in row order, then the file's notes and the places gone."""

    added: List[Path] = field(default_factory=list)
    updated: List[Path] = field(default_factory=list)
    unchanged: int = 0
    skipped: int = 0
    gone: List[Path] = field(default_factory=list)
    removed: bool = False  # the places gone were deleted, not marked
    messages: List[str] = field(default_factory=list)

    @property
    def written(self) -> List[Path]:
        return self.added + self.updated

    def summary(self, out: Path) -> str:
        """One French line of counts."""
        gone = f"{len(self.gone)} absents du fichier {'supprimés' if self.removed else 'marqués absent_since'}"
        return (f"{len(self.added)} lieux ajoutés, {len(self.updated)} mis à jour, {self.unchanged} inchangés dans "
                f"{out} ; {self.skipped} lignes ignorées ; {gone}.")


class RowError(ValueError):
    """A row that cannot become a place."""


def import_lieux(source: Path, out: Path, kind: Optional[str] = None, force: bool = False,
                 remove_gone: bool = False, today: Optional[date] = None) -> Report:
    """Write or refresh one partner file in `out` per usable row of `source`.

    A file written by hand (no `origin`) is replaced only when `force`; its STAFF_FIELDS are kept as well.
    """
    rows = read_rows(source)
    _check_columns(rows, source)
    out.mkdir(parents=True, exist_ok=True)
    existing = _existing(out)
    report = Report()
    first_line_of: Dict[str, int] = {}
    unknown_dates: List[int] = []
    placeholder_pivots = 0
    territory = Territory()
    for row in rows:
        where = f"{source}:{row.line}"
        found = place(row.fields)
        territory.add(found)
        try:
            _identify(found, row, kind)
            fields = _partner_fields(found)
            identifier = fields["id"]
            if identifier in first_line_of:
                raise RowError(f"id « {identifier} » déjà pris à la ligne {first_line_of[identifier]}")
            first_line_of[identifier] = row.line
            fields = _merged(fields, existing.get(identifier), out / f"{identifier}.yml", force)
        except RowError as error:
            report.skipped += 1
            report.messages.append(f"{where}: ligne ignorée : {error}")
            continue
        report.messages += [f"{where}: remarque : {note}" for note in found.notes]
        unknown_dates += [row.line] if found.unknown_date else []
        placeholder_pivots += found.placeholder_pivot
        _write(fields, existing, out, source, row.line, report)
    report.messages += _file_notes(source, unknown_dates, placeholder_pivots)
    _gone(territory, source, existing, out, report, remove_gone, today or date.today())
    return report


def _check_columns(rows: List[Row], source: Path) -> None:
    names = {key(str(name)) for row in rows for name in row.fields if name is not None}
    if rows and not {"id", "nom"} <= names:
        raise KnowledgeError(f"{source}:1: pas un fichier de lieux de médiation numérique : il manque les champs "
                             f"'id' et 'nom' (lus : {', '.join(sorted(names)[:8])}…)")


def _identify(found: Place, row: Row, kind: Optional[str]) -> None:
    """Give the row's place its kind and its id made a file name; RowError when it cannot be a place."""
    if row.extra:
        raise RowError(f"{row.extra} valeur(s) de plus que de colonnes : un séparateur dans un texte sans "
                       f"guillemets ?")
    fields = found.fields
    missing = [name for name in ("id", "nom", "adresse", "code_postal", "commune", "latitude", "longitude")
               if name not in fields]
    if missing:
        raise RowError(f"il manque {', '.join(missing)}")
    if not slug(fields["id"]):
        raise RowError(f"id « {fields['id']} » sans lettre ni chiffre")
    fields["id"] = slug(unique_id(str(fields["id"]), fields.get("source")))
    fields["kind"] = kind or _kind(fields)
    official = official_commune(fields["commune"], fields["code_postal"], fields.get("code_insee"))
    fields["commune"], fields["code_insee"] = official.nom, official.code_insee


def unique_id(identifier: str, source: Optional[str]) -> str:
    """The row's id, prefixed with its source when it is a bare number: producers number their rows 1, 2, 3…, so
    that two files of one territory would otherwise share ids (« 1 » of the Charente buses, « 1 » of Aix)."""
    return f"{source}-{identifier}" if identifier.isdigit() and source else identifier


def official_commune(name: str, postcode: str, code_insee: Optional[str]) -> Commune:
    """The commune of the national list a row means (its name, postcode and INSEE code agreeing), else the
    likeliest: the INSEE code's commune when the postcode is its own, the only commune of that name in the
    postcode's département, or the commune of that postcode whose name is nearest to the row's; RowError when
    none fits."""
    communes = national()
    try:
        return resolve(communes, name, [postcode], code_insee)
    except UnknownCommune as error:
        coded = communes.by_code.get(code_insee or "")
        if coded is not None and postcode in coded.codes_postaux:
            return coded
        in_departement = [commune for commune in communes.named(name)
                          if commune.departement == departement(postcode)]
        if len(in_departement) == 1:
            return in_departement[0]
        likeness = [(fuzz.ratio(normalise(name), normalise(commune.nom)), commune)
                    for commune in communes.by_postcode.get(postcode, ())]
        best = max(likeness, key=lambda scored: scored[0], default=None)
        if best is None or best[0] < MIN_NAME_LIKENESS:
            raise RowError(str(error)) from error
        return best[1]


def slug(identifier: str) -> str:
    """A national id as a file name: lower case, words and digits joined by hyphens (« PAN_CAF_1 » → pan-caf-1)."""
    return "-".join(re.findall(r"[a-z0-9]+", normalise(identifier)))


def _kind(fields: Dict[str, Any]) -> str:
    for programme in fields.get("dispositif_programmes_nationaux", []):
        if programme in KIND_OF_PROGRAMME:
            return KIND_OF_PROGRAMME[programme]
    for typologie in fields.get("typologie", []):
        if words(typologie) in KIND_OF_TYPOLOGIE:
            return KIND_OF_TYPOLOGIE[words(typologie)]
    return "mediation_numerique"


def _partner_fields(found: Place) -> Dict[str, Any]:
    """The place's fields as `Partner` checks them, in its order; optional values it refuses are left out with a
    note, a required one makes RowError."""
    try:
        partner = Partner.parse_obj(found.fields)
    except ValidationError as error:
        problems = {str(problem["loc"][0]): field_problem(problem) for problem in error.errors()}
        if REQUIRED & set(problems):
            raise RowError("; ".join(f"{name}: {message}" for name, message in problems.items())) from error
        found.notes += [f"{name} laissé de côté : {message}" for name, message in problems.items()]
        partner = Partner.parse_obj({name: value for name, value in found.fields.items() if name not in problems})
    fields = partner.dict(exclude_defaults=True)
    return {name: fields[name] for name in FIELDS if name in fields}


def _merged(fields: Dict[str, Any], before: Optional[Dict[str, Any]], path: Path, force: bool) -> Dict[str, Any]:
    """The new fields with the staff's fields of the place already there, in `Partner`'s order."""
    if before is None:
        return fields
    if not before.get("origin") and not force:
        raise RowError(f"{path} existe déjà, écrit à la main : ajoutez --force pour le remplacer")
    if before.get("origin") and before.get("source") != fields.get("source") and not force:
        raise RowError(f"{path} existe déjà, importé de {before['origin']} (source « {before.get('source')} ») : "
                       f"même id pour un autre lieu ? Ajoutez --force pour le remplacer")
    kept = {name: before[name] for name in STAFF_FIELDS if name in before}
    combined = {**fields, **kept}
    return {name: combined[name] for name in FIELDS if name in combined}


def _write(fields: Dict[str, Any], existing: Dict[str, Dict[str, Any]], out: Path, source: Path, line: int,
           report: Report) -> None:
    fields = {**fields, "origin": source.name}
    fields = {name: fields[name] for name in FIELDS if name in fields}
    before = existing.get(fields["id"])
    path = out / f"{fields['id']}.yml"
    if before is not None and before.get("origin") and _without_origin(before) == _without_origin(fields):
        report.unchanged += 1
        return
    text = HEADER.format(origin=source.name, line=line) + yaml.dump(
        fields, Dumper=Dumper, allow_unicode=True, sort_keys=False, width=120, default_flow_style=False)
    path.write_text(text, encoding="utf-8")
    (report.updated if before is not None else report.added).append(path)


def _without_origin(fields: Dict[str, Any]) -> Dict[str, Any]:
    return {name: value for name, value in fields.items() if name != "origin"}


def _file_notes(source: Path, unknown_dates: List[int], placeholder_pivots: int) -> List[str]:
    notes = []
    if unknown_dates:
        notes.append(f"{source}: remarque : date_maj inconnue sur {len(unknown_dates)} lieux (lignes "
                     f"{firsts(unknown_dates)}) : 1970-01-01 ou 1969-12-31 gardé, {UNKNOWN_DATE.isoformat()} écrit "
                     f"quand elle est vide ou illisible")
    if placeholder_pivots:
        notes.append(f"{source}: remarque : pivot {PLACEHOLDER_PIVOT} (aucun SIRET ni RNA connu) sur "
                     f"{placeholder_pivots} lieux")
    return notes


@dataclass
class Territory:
    """What a file covers: the ids, départements and sources (as `words`) of its rows, usable or not."""

    ids: Set[str] = field(default_factory=set)
    departements: Set[str] = field(default_factory=set)
    sources: Set[str] = field(default_factory=set)

    def add(self, found: Place) -> None:
        if "id" in found.fields:
            self.ids.add(slug(unique_id(str(found.fields["id"]), found.fields.get("source"))))
        if "code_postal" in found.fields:
            self.departements.add(departement(found.fields["code_postal"]))
        self.sources.add(words(found.fields.get("source", "")))

    def lacks(self, identifier: str, before: Dict[str, Any]) -> bool:
        """Whether a place imported before is of this territory but not in the file."""
        return (bool(before.get("origin")) and identifier not in self.ids
                and departement(str(before.get("code_postal", ""))) in self.departements
                and words(str(before.get("source") or "")) in self.sources)


def _gone(territory: Territory, source: Path, existing: Dict[str, Dict[str, Any]], out: Path, report: Report,
          remove: bool, today: date) -> None:
    """Mark (or delete) the places imported before, of the file's territory, that the file lacks."""
    report.removed = remove
    for identifier, before in sorted(existing.items()):
        if not territory.lacks(identifier, before):
            continue
        path = out / f"{identifier}.yml"
        report.gone.append(path)
        if remove:
            path.unlink()
            report.messages.append(f"{path}: supprimé : absent de {source.name}")
            continue
        since = before.get("absent_since") or today
        if "absent_since" not in before:
            with path.open("a", encoding="utf-8") as file:
                file.write(f"absent_since: {today.isoformat()}\n")
        report.messages.append(f"{path}: absent de {source.name} depuis le {since:%d/%m/%Y} : vérifiez, puis "
                               f"supprimez-le (ou relancez avec --remove-gone)")


def _existing(out: Path) -> Dict[str, Dict[str, Any]]:
    """The places already in `out` by file name, as YAML 1.2 reads them (the project's loaders do too): with
    libyaml's parser, else (`[https://…]`, which libyaml refuses) ruamel's own."""
    fast, slow = YAML(typ="safe"), YAML(typ="safe", pure=True)
    found = {}
    for path in out.glob("*.yml"):
        try:
            text = path.read_text(encoding="utf-8")
            try:
                document = fast.load(text)
            except YAMLError:
                document = slow.load(text)
        except (YAMLError, ValueError, OSError) as error:
            raise KnowledgeError(f"{path}: fichier illisible ({error}) : corrigez-le (make validate) avant "
                                 f"d'importer") from error
        if isinstance(document, dict):
            found[path.stem] = document
    return found


def firsts(items: Iterable[int], count: int = 10) -> str:
    """Line numbers as a note lists them: the first `count`, then « … »."""
    found = list(items)
    return ", ".join(map(str, found[:count])) + (", …" if len(found) > count else "")


class Dumper(yaml.CSafeDumper):
    """PyYAML's C emitter, with the quotes YAML 1.2 (which the project reads with) needs and 1.1 does not:
    1e3, 0o17 and 09130 (a postcode of Ariège) are numbers for ruamel."""


Dumper.add_multi_representer(str, lambda dumper, text: dumper.represent_str(str(text)))  # URLs are str subclasses
Dumper.add_implicit_resolver("tag:yaml.org,2002:float", re.compile(r"^[-+]?\d[\d_]*(?:\.\d*)?[eE][-+]?\d+$"),
                             list("-+0123456789"))
Dumper.add_implicit_resolver("tag:yaml.org,2002:int", re.compile(r"^(?:0o[0-7]+|[-+]?[0-9]+)$"), list("-+0123456789"))
