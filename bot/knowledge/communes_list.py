"""`python -m bot.knowledge.communes_list` (`make communes-list`): rebuild `reference/communes.csv` and
`reference/departements.csv` from the npm package `@etalab/decoupage-administratif`, downloaded from the registry
and checked against its known SHA-256."""
from __future__ import annotations

import csv
import hashlib
import io
import json
import sys
import tarfile
import urllib.request
from pathlib import Path
from typing import Any, Dict, Iterable, List

from bot.knowledge.communes import COMMUNES_FILE, DEPARTEMENTS_FILE

PACKAGE = "@etalab/decoupage-administratif"
VERSION = "6.0.0"  # COG 2026
TARBALL = f"https://registry.npmjs.org/{PACKAGE}/-/decoupage-administratif-{VERSION}.tgz"
SHA256 = "c189ffd5b33fe40c2f19e1a923ce557f190622f39228745d3195d746dfe00c4a"
COMMUNE_COLUMNS = ["code_insee", "nom", "codes_postaux", "departement", "population", "autres_codes", "anciens_noms"]
FORMER = ("commune-deleguee", "commune-associee")


def download(url: str = TARBALL, sha256: str = SHA256) -> bytes:
    """The tarball's bytes; ValueError when they are not the expected ones."""
    with urllib.request.urlopen(url, timeout=60) as response:  # noqa: S310 - a fixed https URL
        data: bytes = response.read()
    found = hashlib.sha256(data).hexdigest()
    if found != sha256:
        raise ValueError(f"{url}: SHA-256 {found}, expected {sha256}")
    return data


def members(tarball: bytes) -> Dict[str, Any]:
    """`communes.json` and `departements.json` of the package, parsed."""
    with tarfile.open(fileobj=io.BytesIO(tarball), mode="r:gz") as archive:
        def read(name: str) -> Any:
            member = archive.extractfile(f"package/data/{name}")
            assert member is not None, name
            return json.load(member)

        return {"communes": read("communes.json"), "departements": read("departements.json")}


def commune_rows(communes: Iterable[Dict[str, Any]]) -> List[List[str]]:
    """One row per current commune (delegated and associated communes share its code and are left out);
    `autres_codes` holds its former codes and its municipal arrondissements' codes (Paris, Lyon, Marseille),
    which places' files still use; `anciens_noms` the names of the communes merged into it (« Mansle » in
    Mansle-les-Fontaines), separated by `|`, which places' files and patrons still use."""
    communes = list(communes)
    other_codes: Dict[str, List[str]] = {}
    former_names: Dict[str, List[str]] = {}
    for row in communes:
        if row["type"] == "arrondissement-municipal":
            other_codes.setdefault(row["commune"], []).append(row["code"])
        if row["type"] in FORMER and row.get("chefLieu"):
            former_names.setdefault(row["chefLieu"], []).append(row["nom"])
    rows = []
    for row in communes:
        if row["type"] != "commune-actuelle":
            continue
        others = [*row.get("anciensCodes", ()), *other_codes.get(row["code"], ())]
        names = sorted(set(former_names.get(row["code"], ())) - {row["nom"]})
        rows.append([row["code"], row["nom"], " ".join(row.get("codesPostaux", ())), row["departement"],
                     str(row.get("population", "")), " ".join(others), "|".join(names)])
    return sorted(rows)


def write_csv(path: Path, header: List[str], rows: Iterable[List[str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as file:
        writer = csv.writer(file, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)


def build(tarball: bytes, communes_file: Path = COMMUNES_FILE, departements_file: Path = DEPARTEMENTS_FILE) -> None:
    data = members(tarball)
    write_csv(communes_file, COMMUNE_COLUMNS, commune_rows(data["communes"]))
    write_csv(departements_file, ["code", "nom"], sorted([row["code"], row["nom"]] for row in data["departements"]))


def main() -> int:
    try:
        build(download())
    except (OSError, ValueError) as error:
        print(f"La liste des communes n'a pas pu être reconstruite : {error}", file=sys.stderr)
        return 1
    print(f"{COMMUNES_FILE} et {DEPARTEMENTS_FILE} écrits depuis {PACKAGE} {VERSION}.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
