"""`make bench-places` (`python -m bench.places`): the partner places at the national data's scale. A copy of the
knowledge base with 20 000 imported places spread over France (made from the shipped sample places, written as the
importer writes them), then: cold load, reload after one file saved, the per-message cost of `partners()` when
nothing changed, resident memory growth, and the nearest-place search (`PlaceIndex`). Writes bench/places.json and
bench/places.md."""
from __future__ import annotations

import argparse
import gc
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from dataclasses import dataclass
from datetime import date, timedelta
from functools import partial
from pathlib import Path
from typing import Any, Callable, Optional, Sequence

import yaml

from bot.knowledge import communes, national, partners
from bot.knowledge.communes import Commune
from bot.knowledge.partners import SERVICES
from bot.knowledge.reloading import FULL_CHECK_SECONDS, stamp
from bot.lieux.importing import Dumper
from bot.partners.nearby import PlaceIndex
from bot.settings import ROOT
from tests.scale.usage import resident_mb

RESULTS = ROOT / "bench"
SOUTH, NORTH, WEST, EAST = 42.3, 51.0, -4.8, 8.2  # metropolitan France
OVERSEAS = ("971", "972", "973", "974", "975", "976", "977", "978", "984", "986", "987", "988", "989")
FEES = ("Gratuit", "Gratuit sous condition", "Payant")
ACCOMPANIMENTS = ("En autonomie", "Accompagnement individuel", "Dans un atelier collectif", "À distance")
HOURS = ("Mo-Fr 09:00-12:00,14:00-17:00", "Tu-Fr 14:00-18:00; Sa 10:00-12:00; PH off", "We 09:00-12:30")
ORIGINS = ("charente-20230711.hybrid-v1.json", "hub-du-sud-paca-20230517.hybrid-v1.json",
           "nouvelle-caledonie-20240320.hybrid-v1.json")


@dataclass(frozen=True)
class Point:
    latitude: float
    longitude: float


def arguments(argv: Optional[Sequence[str]]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.places", description=__doc__)
    parser.add_argument("--places", type=int, default=20_000, help="imported places added to the sample ones")
    parser.add_argument("--queries", type=int, default=2_000, help="nearest-place searches timed")
    parser.add_argument("--calls", type=int, default=2_000, help="calls of partners() timed, nothing changed")
    parser.add_argument("--knowledge", type=Path, help="measure this knowledge base (made by --make-only)")
    parser.add_argument("--make-only", type=Path, metavar="FOLDER", help="only write the knowledge base there")
    parser.add_argument("--trace", action="store_true", help="with --knowledge: only the memory the places keep")
    parser.add_argument("--label", default="", help="what this run measures")
    return parser.parse_args(argv)


def place(number: int, chance: random.Random) -> dict[str, Any]:
    """One imported place, with the fields the importer writes for a row of the national data, in a commune of
    metropolitan France."""
    commune = chance.choice(metropolitan_communes())
    services = chance.sample(SERVICES, chance.randint(1, 4))
    return {
        "id": f"mediation-numerique-conseiller-numerique-{chance.getrandbits(96):024x}-mediation-numerique",
        "kind": "mediation_numerique",
        "nom": chance.choice(("Médiathèque", "Espace public numérique", "Mairie", "Centre social",
                              "France Services")) + f" {number}",
        "adresse": f"{chance.randint(1, 120)} {chance.choice(('rue', 'avenue', 'place', 'allée'))} "
                   f"{chance.choice(('de la République', 'Victor Hugo', 'des Écoles', 'Jean Jaurès'))}",
        "code_postal": commune.codes_postaux[0],
        "commune": commune.nom,
        "code_insee": commune.code_insee,
        "latitude": round(chance.uniform(SOUTH, NORTH), 6),
        "longitude": round(chance.uniform(WEST, EAST), 6),
        "telephone": f"+33{chance.randint(100_000_000, 599_999_999)}",
        "horaires": chance.choice(HOURS),
        "presentation_resume": "Accompagnement au numérique : démarches en ligne, prise en main d'un ordinateur, "
                               f"d'une tablette ou d'un smartphone. Lieu {number}.",
        "itinerance": [chance.choice(("Fixe", "Itinérant"))],
        "services": services,
        "frais_a_charge": [chance.choice(FEES)],
        "modalites_accompagnement": chance.sample(ACCOMPANIMENTS, chance.randint(1, 2)),
        "origin": f"{chance.choice(ORIGINS)}, line {number + 2}",
        "pivot": "00000000000000",
        "date_maj": date(2023, 1, 1) + timedelta(days=chance.randint(0, 700)),
    }


def metropolitan_communes() -> list[Commune]:
    return [commune for commune in national().communes
            if commune.departement not in OVERSEAS and commune.codes_postaux]


def make_knowledge(folder: Path, count: int) -> Path:
    """A copy of the shipped knowledge base with `count` imported places added."""
    shutil.copytree(ROOT / "knowledge_base", folder, dirs_exist_ok=True)
    chance = random.Random(21)
    for number in range(count):
        record = place(number, chance)
        text = yaml.dump(record, Dumper=Dumper, allow_unicode=True, sort_keys=False, width=120)
        (folder / "partners" / f"{record['id']}.yml").write_text(
            f"# Imported from {record['origin']} (lieux de médiation numérique).\n{text}", encoding="utf-8")
    return folder


def timed(action: Callable[[], Any]) -> tuple[float, Any]:
    started = time.perf_counter()
    result = action()
    return time.perf_counter() - started, result


def milliseconds(seconds: Sequence[float]) -> dict[str, float]:
    ordered = sorted(seconds)
    return {"mean": round(1000 * statistics.fmean(ordered), 4),
            "p95": round(1000 * ordered[int(0.95 * (len(ordered) - 1))], 4),
            "max": round(1000 * ordered[-1], 4)}


def save_atomically(path: Path, text: str) -> None:
    """As the staff console saves: a hidden temporary file renamed over the file."""
    temporary = path.with_name(f".{path.name}.bench.tmp")
    temporary.write_text(text, encoding="utf-8")
    os.replace(temporary, path)


def measure(knowledge: Path, options: argparse.Namespace) -> dict[str, Any]:
    """The figures of one knowledge base, in this process (fresh: nothing loaded yet)."""
    folder = knowledge / "partners"
    national()  # read at start whatever the territory
    gc.collect()
    resident_before = resident_mb(os.getpid())
    cold, places = timed(lambda: partners(folder))
    gc.collect()
    resident_loaded = resident_mb(os.getpid())
    calls = [timed(lambda: partners(folder))[0] for _ in range(options.calls)]
    full_check = [timed(lambda: stamp(folder, knowledge / "communes.yml"))[0] for _ in range(5)]
    changed = next(path for path in sorted(folder.glob("mediation-numerique-*.yml")))
    save_atomically(changed, changed.read_text(encoding="utf-8").replace("Lieu ", "Lieu n° ", 1))
    reload, again = timed(lambda: partners(folder))
    assert again is not places, "the saved file was not seen"
    build, index = timed(lambda: PlaceIndex(again))
    centres, _ = timed(lambda: communes(knowledge / "communes.yml"))
    gc.collect()
    resident_indexed = resident_mb(os.getpid())
    chance = random.Random(5)
    searches = []
    for number in range(options.queries):
        point = Point(chance.uniform(SOUTH, NORTH), chance.uniform(WEST, EAST))
        kind = "caf" if number % 4 == 0 else "mediation_numerique"
        services = chance.sample(SERVICES, number % 3) if kind == "mediation_numerique" else ()
        searches.append(timed(partial(index.nearest, point, kind, services, count=3))[0])
    return {
        "places": len(again),
        "load_cold_seconds": round(cold, 2),
        "reload_after_one_saved_seconds": round(reload, 3),
        "partners_call_ms": milliseconds(calls),
        "full_check_ms": milliseconds(full_check),
        "memory_mb": {"resident_growth_loaded": round(resident_loaded - resident_before, 1),
                      "resident_growth_with_index": round(resident_indexed - resident_before, 1)},
        "index_build_seconds": round(build, 3),
        "communes_build_seconds": round(centres, 3),
        "nearest_ms": milliseconds(searches),
    }


def traced_mb(knowledge: Path) -> float:
    """What the loaded places keep allocated (tracemalloc, in MB), the transient reading left out: run in a fresh
    process."""
    gc.collect()
    tracemalloc.start()
    loaded = partners(knowledge / "partners")
    gc.collect()
    kept = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    assert loaded
    return round(kept / 2**20, 1)


def child(knowledge: Path, options: argparse.Namespace, *flags: str) -> Any:
    """The figures a fresh process prints."""
    done = subprocess.run([sys.executable, "-m", "bench.places", "--knowledge", str(knowledge), "--queries",
                           str(options.queries), "--calls", str(options.calls), *flags],
                          cwd=ROOT, capture_output=True, text=True, check=True)
    return json.loads(done.stdout.splitlines()[-1])


def markdown(results: dict[str, Any]) -> str:
    calls, nearest, memory = results["partners_call_ms"], results["nearest_ms"], results["memory_mb"]
    title = ", ".join(filter(None, [results["date"], results["commit"], results["label"]]))
    return "\n".join([
        f"# Partner places at scale ({title})",
        "",
        f"{results['places']} places (`python -m bench.places`).",
        "",
        "| Figure | Value |",
        "|---|---|",
        f"| Cold load | {results['load_cold_seconds']} s |",
        f"| Reload after one file saved | {results['reload_after_one_saved_seconds']} s |",
        f"| `partners()` per message, nothing changed | mean {calls['mean']} ms, p95 {calls['p95']} ms |",
        f"| Every file's stamp (at most every {FULL_CHECK_SECONDS:g} s) | mean {results['full_check_ms']['mean']} ms |",
        f"| Resident memory growth, places loaded | {memory['resident_growth_loaded']} MB |",
        f"| Resident memory growth, with the index and the communes' centres | "
        f"{memory['resident_growth_with_index']} MB |",
        f"| Python memory kept by the places (tracemalloc) | {memory['python_kept_by_places']} MB |",
        f"| `PlaceIndex` build | {results['index_build_seconds']} s |",
        f"| Communes' centres from the places (`communes()`) | {results['communes_build_seconds']} s |",
        f"| Nearest 3 places | mean {nearest['mean']} ms, p95 {nearest['p95']} ms, max {nearest['max']} ms |",
        "",
    ])


def main(argv: Optional[Sequence[str]] = None) -> int:
    options = arguments(argv)
    if options.make_only:
        make_knowledge(options.make_only, options.places)
        return 0
    if options.knowledge:  # a child process: its figures on stdout
        print(json.dumps(traced_mb(options.knowledge) if options.trace else measure(options.knowledge, options)))
        return 0
    with tempfile.TemporaryDirectory(prefix="bench-places-") as temporary:
        knowledge = make_knowledge(Path(temporary) / "knowledge_base", options.places)
        figures = child(knowledge, options)
        figures["memory_mb"]["python_kept_by_places"] = child(knowledge, options, "--trace")
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True,
                            check=True).stdout.strip()
    results = {"date": time.strftime("%Y-%m-%d %H:%M"), "commit": commit, "label": options.label, **figures}
    (RESULTS / "places.json").write_text(json.dumps(results, ensure_ascii=False, indent=2) + "\n")
    (RESULTS / "places.md").write_text(markdown(results))
    print(markdown(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
