"""The bench's figures compared: ratios ours/stock, the issue's targets met or not, the Markdown tables of the
latest run (its figures, where the held-out messages went), the history of runs, and the README's table."""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator, Optional

from bench.communes import communes_table
from bot.contract import ROUTES

README_START, README_END = "<!-- bench:start -->", "<!-- bench:end -->"
Row = tuple[str, str, str, str, str, str]  # figure, stock, ours, ratio, target, met
TAKEN = (*ROUTES, "none")  # where the assistant sent a held-out message: "none" when it did not triage it
EXPECTED = tuple(route for route in ROUTES if route != "clarify")


@dataclass(frozen=True)
class Target:
    """One target of issue 9: the figure at `path` of the results is at least (or at most) `limit`."""

    key: str
    text: str
    path: tuple[str, ...]
    limit: float
    at_least: bool

    def verdict(self, results: dict[str, Any]) -> dict[str, Any]:
        value = lookup(results, self.path)
        met = None if value is None else (value >= self.limit if self.at_least else value <= self.limit)
        return {"key": self.key, "target": self.text, "value": value, "met": met}


OURS = ("assistants", "ours")
TARGETS = (
    Target("throughput_10", "≥ 2× stock", ("ratios", "throughput", "10"), 2.0, True),
    Target("throughput_50", "≥ 2× stock", ("ratios", "throughput", "50"), 2.0, True),
    Target("p95_10", "≤ 150 ms", (*OURS, "levels", "10", "latency_ms", "p95"), 150, False),
    Target("p95_open_loop", "≤ 150 ms", (*OURS, "open_loop", "latency_ms", "p95"), 150, False),
    Target("rasa_memory", "≤ 1200 MB", (*OURS, "memory_mb", "peak", "rasa"), 1200, False),
    Target("training", "≤ 120 s", (*OURS, "training", "seconds"), 120, False),
    Target("cold_start", "≤ 30 s", (*OURS, "cold_start_seconds"), 30, False),
    Target("accuracy", "≥ stock + 5 points", ("accuracy_difference_points",), 5.0, True),
    Target("import_lieux", "≤ 60 s", ("import_lieux", "seconds"), 60, False),
)


def lookup(tree: dict[str, Any], path: tuple[str, ...]) -> Any:
    """The value at `path` of nested dicts, None when a key is missing."""
    for key in path:
        if not isinstance(tree, dict) or key not in tree:
            return None
        tree = tree[key]
    return tree


def ratio(ours: Optional[float], stock: Optional[float]) -> Optional[float]:
    """ours / stock to two decimals, or two significant digits below 0.1 (29 ms against 40 s is 0.00072, not 0);
    None when either is unknown or stock is zero."""
    if ours is None or not stock:
        return None
    value = ours / stock
    return round(value, 2) if abs(value) >= 0.1 else float(f"{value:.2g}")


def summarised(results: dict[str, Any]) -> dict[str, Any]:
    """`results` with the ratios ours/stock, the accuracy difference in points and each target's verdict."""
    stock, ours = (results["assistants"].get(name, {}) for name in ("stock", "ours"))

    def ratio_of(*path: str) -> Optional[float]:
        return ratio(lookup(ours, path), lookup(stock, path))

    levels = [str(level) for level in results["options"]["levels"]]
    accuracies = [lookup(found, ("heldout", "route_accuracy_percent")) for found in (ours, stock)]
    found = {**results, "ratios": {
        "throughput": {level: ratio_of("levels", level, "messages_per_second") for level in levels},
        "p95": {level: ratio_of("levels", level, "latency_ms", "p95") for level in levels},
        "open_loop_p95": ratio_of("open_loop", "latency_ms", "p95"),
        "rasa_memory_peak": ratio_of("memory_mb", "peak", "rasa"),
        "training": ratio_of("training", "seconds"),
        "cold_start": ratio_of("cold_start_seconds"),
    }, "accuracy_difference_points": None if None in accuracies else round(accuracies[0] - accuracies[1], 1)}
    return {**found, "targets": [target.verdict(found) for target in TARGETS]}


def number(value: Any, suffix: str = "") -> str:
    """A figure as the tables show it: — when unknown, thousands separated."""
    if value is None:
        return "—"
    if isinstance(value, float) and 0 < abs(value) < 0.1:
        return f"{value:.2g}{suffix}"
    if isinstance(value, float) and not value.is_integer():
        return f"{value:,.2f}".rstrip("0").rstrip(".") + suffix
    return f"{value:,.0f}{suffix}"


def met(verdict: Optional[dict[str, Any]]) -> str:
    if verdict is None:
        return ""
    return {True: "yes", False: "**no**", None: "not measured"}[verdict["met"]]


def rows(results: dict[str, Any]) -> Iterator[Row]:
    """The rows of the latest run's table."""
    verdicts = {verdict["key"]: verdict for verdict in results["targets"]}

    def row(figure: str, path: tuple[str, ...], ratio_path: tuple[str, ...] = (), key: str = "",
            suffix: str = "") -> Row:
        values = [number(lookup(results, ("assistants", name, *path)), suffix) for name in ("stock", "ours")]
        shown = number(lookup(results, ratio_path), "×") if ratio_path else ""
        verdict = verdicts.get(key)
        return (figure, *values, shown, verdict["target"] if verdict else "", met(verdict))

    def load(name: str, figures: tuple[str, ...], throughput_ratio: tuple[str, ...] = (), throughput_key: str = "",
             p95_ratio: tuple[str, ...] = (), p95_key: str = "") -> Iterator[Row]:
        """The rows of one load (a concurrency level, the open loop)."""
        yield row(f"{name}: messages/s", (*figures, "messages_per_second"), throughput_ratio, throughput_key)
        yield row(f"{name}: p50 latency (ms)", (*figures, "latency_ms", "p50"))
        yield row(f"{name}: p95 latency (ms)", (*figures, "latency_ms", "p95"), p95_ratio, p95_key)
        yield row(f"{name}: max latency (ms)", (*figures, "latency_ms", "max"))
        yield row(f"{name}: errors", (*figures, "errors"))
        yield row(f"{name}: unexpected turns", (*figures, "unexpected_turns"))

    reused = [name for name in ("stock", "ours") if lookup(results, ("assistants", name, "training", "reused"))]
    yield row("full training (s)" + (f", reused: {', '.join(reused)}" if reused else ""),
              ("training", "seconds"), ("ratios", "training"), "training")
    yield row("cold start (s)", ("cold_start_seconds",), ("ratios", "cold_start"), "cold_start")
    accuracy = row("held-out route accuracy", ("heldout", "route_accuracy_percent"), suffix=" %", key="accuracy")
    yield (*accuracy[:3], number(results["accuracy_difference_points"], " points"), *accuracy[4:])
    for level in map(str, results["options"]["levels"]):
        yield from load(f"{level} concurrent", ("levels", level), ("ratios", "throughput", level),
                        f"throughput_{level}", ("ratios", "p95", level), f"p95_{level}")
    if results["options"].get("rate"):
        yield from load(f"open loop at {results['options']['rate']:g}/s", ("open_loop",),
                        p95_ratio=("ratios", "open_loop_p95"), p95_key="p95_open_loop")
    for process in ("rasa", "actions"):
        name = "Rasa server" if process == "rasa" else "action server"
        yield row(f"{name} memory after start (MB)", ("memory_mb", "after_start", process))
        yield row(f"{name} peak memory under load (MB)", ("memory_mb", "peak", process),
                  ("ratios", "rasa_memory_peak") if process == "rasa" else (), f"{process}_memory")
    imported = verdicts.get("import_lieux")
    if imported:
        rows_count = lookup(results, ("import_lieux", "rows"))
        yield (f"import-lieux of {number(rows_count)} places (s)", "", number(imported["value"]), "",
               imported["target"], met(imported))


def table(header: tuple[str, ...], lines: list[tuple[str, ...]]) -> str:
    """A Markdown table."""
    return "\n".join(f"| {' | '.join(cells)} |" for cells in [header, tuple("---" for _ in header), *lines])


def latest_table(results: dict[str, Any]) -> str:
    """The latest run: a line on where and when, and its table."""
    machine = results["machine"]
    return (f"Run of {results['date']} on commit `{results['commit']}`"
            f"{' (' + results['label'] + ')' if results['label'] else ''}: {machine['cores']} cores, "
            f"{machine['cpu']}, load average {machine['load_average_before']} before the run, "
            f"{number(results['options']['seconds'])} s per concurrency level.\n\n"
            + table(("figure", "stock Rasa", "Aiguillage", "ours / stock", "target", "met"), list(rows(results))))


def history_entry(results: dict[str, Any]) -> dict[str, Any]:
    """The key figures of a run, for bench/history.jsonl."""

    def per_load(loads: dict[str, Any], *path: str) -> dict[str, Any]:
        return {load: lookup(figures, path) for load, figures in loads.items()}

    def key_figures(found: dict[str, Any]) -> dict[str, Any]:
        levels = found.get("levels", {})
        open_loop = {f"{found['open_loop']['rate']:g}": found["open_loop"]} if found.get("open_loop") else {}
        return {"training_s": lookup(found, ("training", "seconds")),
                "training_reused": lookup(found, ("training", "reused")),
                "cold_start_s": found.get("cold_start_seconds"),
                "route_accuracy_percent": lookup(found, ("heldout", "route_accuracy_percent")),
                "rasa_peak_mb": lookup(found, ("memory_mb", "peak", "rasa")),
                "messages_per_second": per_load(levels, "messages_per_second"),
                "p95_ms": per_load(levels, "latency_ms", "p95"),
                "open_loop_messages_per_second": per_load(open_loop, "messages_per_second"),
                "open_loop_p95_ms": per_load(open_loop, "latency_ms", "p95")}

    return {"date": results["date"], "commit": results["commit"], "label": results["label"],
            "seconds": results["options"]["seconds"],
            **{name: key_figures(found) for name, found in results["assistants"].items()}}


def append_history(path: Path, entry: dict[str, Any]) -> list[dict[str, Any]]:
    """Append `entry` as one JSON line to `path`: every entry, oldest first."""
    with path.open("a", encoding="utf-8") as history:
        history.write(json.dumps(entry, ensure_ascii=False) + "\n")
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def history_table(entries: list[dict[str, Any]]) -> str:
    """One row per run, each cell « stock / ours »."""

    def both(key: str, level: Optional[str] = None) -> str:
        values = [lookup(entry, (name, key, level) if level else (name, key)) for name in ("stock", "ours")]
        return " / ".join(number(value) for value in values)

    def by_level(key: str) -> str:
        levels = sorted({level for name in ("stock", "ours") for level in lookup(entry, (name, key)) or {}},
                        key=float)
        return ", ".join(f"{level}: {both(key, level)}" for level in levels)

    lines = []
    for entry in entries:
        lines.append((entry["date"], f"`{entry['commit']}`", entry["label"] or "", both("training_s"),
                      both("cold_start_s"), both("route_accuracy_percent"), by_level("messages_per_second"),
                      by_level("p95_ms"), by_level("open_loop_p95_ms"), both("rasa_peak_mb")))
    return table(("date", "commit", "label", "training s", "cold start s", "route accuracy %",
                  "messages/s by concurrency", "p95 ms by concurrency", "open loop p95 ms by rate", "Rasa peak MB"),
                 lines)


def confusion_table(results: dict[str, Any]) -> str:
    """By expected route, how many held-out messages the assistants sent to each route and in all, each cell
    « stock / ours » (blank where both are 0)."""

    def counts(name: str, expected: str) -> list[Optional[int]]:
        """The messages of `expected` by route taken, then in all; unknown when `name` was not measured."""
        confusion = lookup(results, ("assistants", name, "heldout", "confusion"))
        if confusion is None:
            return [None] * (len(TAKEN) + 1)
        row = confusion.get(expected, {})
        return [row.get(taken, 0) for taken in TAKEN] + [sum(row.values())]

    def line(expected: str) -> tuple[str, ...]:
        cells = zip(counts("stock", expected), counts("ours", expected))
        return (expected, *(" / ".join(map(number, pair)) if any(pair) else "" for pair in cells))

    return table(("expected route", *TAKEN, "messages"), [line(expected) for expected in EXPECTED])


def markdown(results: dict[str, Any], history: list[dict[str, Any]]) -> str:
    """bench/results.md: the latest run, where its held-out messages went, then every run (cells « stock / ours »)."""
    return (f"# `make bench`: stock Rasa against Aiguillage\n\n{latest_table(results)}\n\n"
            f"![latency and throughput](results.png)\n\n## Held-out routes\n\nThe route each held-out message "
            f"expects (rows) and the one the assistant took (columns: clarify, it asked which need; none, no triage). "
            f"Each cell: stock / ours.\n\n{confusion_table(results)}\n\n"
            f"{communes_section(results)}## History\n\nEach cell: stock / ours.\n\n{history_table(history)}\n")


def communes_section(results: dict[str, Any]) -> str:
    """The national commune list's figures (bench/communes.py), when the run has them."""
    figures = results.get("communes")
    return f"## Communes\n\n{communes_table(figures)}\n\n" if figures else ""


def with_readme_table(readme: str, results: dict[str, Any]) -> str:
    """The README with the latest table between its bench markers."""
    before, found, rest = readme.partition(README_START)
    _, end, after = rest.partition(README_END)
    if not found or not end:
        raise ValueError(f"the README has no {README_START} … {README_END} section")
    return f"{before}{README_START}\n{latest_table(results)}\n{README_END}{after}"


def ratios_text(results: dict[str, Any]) -> str:
    """The ratios ours/stock and the targets, as printed at the end of a run."""
    found = results["ratios"]
    lines = [f"throughput ours/stock at {level} concurrent: {number(value, '×')}"
             for level, value in found["throughput"].items()]
    lines += [f"p95 ours/stock at {level} concurrent: {number(value, '×')}" for level, value in found["p95"].items()]
    lines += [f"p95 ours/stock in the open loop: {number(found['open_loop_p95'], '×')}"]
    lines += [f"Rasa peak memory ours/stock: {number(found['rasa_memory_peak'], '×')}",
              f"training ours/stock: {number(found['training'], '×')}",
              f"cold start ours/stock: {number(found['cold_start'], '×')}",
              f"route accuracy ours - stock: {number(results['accuracy_difference_points'], ' points')}"]
    lines += [f"target {verdict['key']} {verdict['target']}: {number(verdict['value'])}, met: {met(verdict)}"
              for verdict in results["targets"]]
    return "\n".join(lines)
