"""`make bench`'s importer figure: 20 000 places, synthesised from the real rows of tests/data/lieux (each copy
with its own id and coordinates moved a little), imported into an empty folder, then imported again (a refresh
where nothing changed). `python -m bench.lieux` measures it alone."""
from __future__ import annotations

import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Dict, List

from bot.lieux.importing import import_lieux
from bot.settings import ROOT

REAL = sorted((ROOT / "tests" / "data" / "lieux").glob("*.json"))
ROWS = 20_000
TARGET_SECONDS = 60


def synthesised(count: int) -> List[Dict[str, Any]]:
    """`count` rows cycling through the real ones, with ids and coordinates varied."""
    real = [row for path in REAL for row in json.loads(path.read_text(encoding="utf-8"))]
    rows = []
    for index in range(count):
        row = dict(real[index % len(real)])
        row["id"] = f"bench-{index}-{row.get('id')}"
        for name, step in (("latitude", 0.00001), ("longitude", 0.00002)):
            if isinstance(row.get(name), (int, float)):
                row[name] = round(row[name] + step * (index // len(real)), 6)
        rows.append(row)
    return rows


def import_figures(count: int = ROWS) -> Dict[str, Any]:
    """Seconds to import `count` rows into an empty folder, then to refresh them from the same file."""
    with tempfile.TemporaryDirectory() as folder:
        source, out = Path(folder) / "lieux.json", Path(folder) / "partners"
        source.write_text(json.dumps(synthesised(count), ensure_ascii=False), encoding="utf-8")
        start = time.perf_counter()
        first = import_lieux(source, out)
        middle = time.perf_counter()
        again = import_lieux(source, out)
        end = time.perf_counter()
    return {"rows": count, "written": len(first.written), "skipped": first.skipped,
            "seconds": round(middle - start, 1), "refresh_seconds": round(end - middle, 1),
            "refresh_unchanged": again.unchanged}


def main() -> int:
    figures = import_figures()
    print(f"import of {figures['rows']} rows: {figures['seconds']} s ({figures['written']} places written, "
          f"{figures['skipped']} rows skipped); refresh: {figures['refresh_seconds']} s "
          f"({figures['refresh_unchanged']} unchanged); target ≤ {TARGET_SECONDS} s")
    return 0 if figures["seconds"] <= TARGET_SECONDS else 1


if __name__ == "__main__":
    sys.exit(main())
