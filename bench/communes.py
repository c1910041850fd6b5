"""The national commune list's figures for `make bench`: its load time and memory (read once per process, on first
use), and how long `find_communes` takes on every example of data/nlu."""
from __future__ import annotations

import time
import tracemalloc
from statistics import quantiles
from typing import Any, List

from rasa.shared.nlu.training_data.loading import load_data

from bot.knowledge import communes, national
from bot.partners.communes import find_communes
from bot.settings import ROOT


def communes_figures() -> dict[str, Any]:
    """Load time (ms) and memory kept (MB) of the national list; find_communes's latency (ms) per message."""
    start = time.perf_counter()
    national.__wrapped__()
    load_ms = 1000 * (time.perf_counter() - start)
    tracemalloc.start()
    listed = national.__wrapped__()  # kept while measured
    kept, _ = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    known = communes()
    examples = load_data(str(ROOT / "data" / "nlu")).intent_examples
    latencies: List[float] = []
    for example in examples:
        start = time.perf_counter()
        find_communes(example.get("text"), known, answering=example.get("intent") == "tell_commune")
        latencies.append(1000 * (time.perf_counter() - start))
    p50, p95 = (quantiles(latencies, n=100)[index] for index in (49, 94))
    return {"national_list": {"communes": len(listed.communes), "load_ms": round(load_ms),
                              "memory_mb": round(kept / 1e6, 1)},
            "find_communes_ms": {"messages": len(latencies), "p50": round(p50, 2), "p95": round(p95, 2),
                                 "max": round(max(latencies), 2)}}


def communes_table(figures: dict[str, Any]) -> str:
    """The figures as a Markdown table."""
    listed, found = figures["national_list"], figures["find_communes_ms"]
    return ("| figure | value |\n|---|---|\n"
            f"| national list: communes | {listed['communes']} |\n"
            f"| national list: load time (ms, once per process) | {listed['load_ms']} |\n"
            f"| national list: memory kept (MB) | {listed['memory_mb']} |\n"
            f"| find_communes over {found['messages']} NLU examples: p50 / p95 / max (ms) | "
            f"{found['p50']} / {found['p95']} / {found['max']} |")
