"""Partner files from a CSV of the national schema "lieux de médiation numérique" (`python -m bot import-lieux`).

Each usable row becomes `<id>.yml`; the others are reported as `FILE.csv:LINE: skipped: reason`.
"""
from __future__ import annotations

import csv
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional, Tuple

from pydantic import ValidationError
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap

from bot.knowledge.communes import NationalList, UnknownCommune, resolve
from bot.knowledge.files import KnowledgeError
from bot.knowledge.messages import field_problem
from bot.knowledge.partners import Partner
from bot.matching import normalise

TEXT_FIELDS = ("id", "pivot", "nom", "adresse", "complement_adresse", "code_postal", "commune", "code_insee",
               "latitude", "longitude", "telephone", "horaires", "prise_rdv", "presentation_resume",
               "fiche_acces_libre", "date_maj")
LIST_FIELDS = ("courriels", "site_web", "modalites_acces", "publics_specifiquement_adresses",
               "prise_en_charge_specifique")
REQUIRED = {name for name, model_field in Partner.__fields__.items() if model_field.required}
KIND_OF_PROGRAMME = {normalise(programme): kind for programme, kind in {
    "France Services": "france_services",
    "Emmaüs Connect": "emmaus_connect",
    "Relais numérique (Emmaüs Connect)": "emmaus_connect",
    "Point d'accès numérique CAF": "caf",
}.items()}
SEPARATOR = re.compile(r"[|;]")  # the schema separates values with "|" (";" before version 1)


@dataclass
class Report:
    """What an import did: the files written, and one message per problem, in row order."""

    written: List[Path] = field(default_factory=list)
    skipped: int = 0
    messages: List[str] = field(default_factory=list)


class RowError(ValueError):
    """A row that cannot become a partner file."""


def import_lieux(source: Path, out: Path, communes: NationalList, kind: Optional[str] = None,
                 force: bool = False) -> Report:
    """Write one partner file in `out` per usable row of `source`; refuse to replace files unless `force`."""
    report = Report()
    first_line_of: Dict[str, int] = {}
    out.mkdir(parents=True, exist_ok=True)
    for line, row in _rows(source):
        where = f"{source}:{line}"
        try:
            partner, notes = _partner(row, kind)
            path = out / f"{partner.id}.yml"
            if partner.id in first_line_of:
                raise RowError(f"id « {partner.id} » déjà pris à la ligne {first_line_of[partner.id]}")
            first_line_of[partner.id] = line
            if path.exists() and not force:
                raise RowError(f"{path} existe déjà : ajoutez --force pour le remplacer")
        except RowError as error:
            report.skipped += 1
            report.messages.append(f"{where}: ligne ignorée : {error}")
            continue
        try:
            resolve(communes, partner.commune, [partner.code_postal], partner.code_insee)
        except UnknownCommune as error:
            notes.append(f"{error}, avant `make validate`")
        _write(partner, path, f"{source.name}, line {line}")
        report.written.append(path)
        report.messages += [f"{where}: remarque : {note}" for note in notes]
    return report


def _rows(source: Path) -> Iterator[Tuple[int, Dict[str, str]]]:
    """Each row of the CSV with the line it starts on."""
    with source.open(encoding="utf-8-sig", newline="") as file:
        reader = csv.DictReader(file)
        if not {"id", "nom"} <= set(reader.fieldnames or ()):
            raise KnowledgeError(f"{source}:1: pas un CSV de lieux de médiation numérique : il manque les "
                                 f"colonnes 'id' et 'nom' (séparées par des virgules)")
        line = reader.line_num + 1
        for row in reader:
            yield line, row
            line = reader.line_num + 1


def _partner(row: Dict[str, str], kind: Optional[str]) -> Tuple[Partner, List[str]]:
    """The row as a partner, and notes on what changed; optional fields that do not fit are left out."""
    record: Dict[str, Any] = {name: row[name].strip() for name in TEXT_FIELDS if (row.get(name) or "").strip()}
    record.update({name: values for name in LIST_FIELDS if (values := _values(row.get(name)))})
    record["kind"] = kind or _kind(row)
    notes = []
    if "id" in record:
        slug = "-".join(re.findall(r"[a-z0-9]+", normalise(record["id"])))
        if slug != record["id"]:
            notes.append(f"id « {record['id']} » écrit « {slug} »")
        record["id"] = slug
    try:
        return Partner.parse_obj(record), notes
    except ValidationError as error:
        problems = {str(problem["loc"][0]): field_problem(problem) for problem in error.errors()}
    if REQUIRED & set(problems):
        raise RowError("; ".join(f"{name}: {message}" for name, message in problems.items()))
    notes += [f"{name} laissé de côté : {message}" for name, message in problems.items()]
    return Partner.parse_obj({name: value for name, value in record.items() if name not in problems}), notes


def _values(cell: Optional[str]) -> List[str]:
    return [value.strip() for value in SEPARATOR.split(cell or "") if value.strip()]


def _kind(row: Dict[str, str]) -> str:
    for programme in _values(row.get("dispositif_programmes_nationaux")):
        if normalise(programme) in KIND_OF_PROGRAMME:
            return KIND_OF_PROGRAMME[normalise(programme)]
    raise RowError("pas de type de partenaire : dispositif_programmes_nationaux ne cite ni France Services, "
                   "ni Emmaüs Connect, ni Point d'accès numérique CAF ; donnez-le avec --kind")


def _write(partner: Partner, path: Path, origin: str) -> None:
    document = CommentedMap(json.loads(partner.json(exclude_defaults=True)))
    document["date_maj"] = partner.date_maj
    document.yaml_set_start_comment(
        f"Imported from {origin} (lieux de médiation numérique).\n"
        f"Add by hand: aliases, topics, bring, accessibility (see docs/partners.md).")
    yaml = YAML()
    yaml.width = 120  # type: ignore[assignment]  # ruamel types it as None, its default
    with path.open("w", encoding="utf-8") as file:
        yaml.dump(document, file)
