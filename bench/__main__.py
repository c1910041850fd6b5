"""`make bench` (`python -m bench`): stock Rasa (the default pipeline and policies of `rasa init`, trained on our
domain and data) and Aiguillage measured one after the other on this machine: full training time, cold start,
held-out route accuracy (and where each route's messages went), latency and throughput over REST at several
concurrency levels and at a fixed rate of messages, resident memory. Writes bench/results.json, results.md,
results.png, appends to bench/history.jsonl and updates the README's table."""
from __future__ import annotations

import argparse
import json
import os
import platform
import signal
import subprocess
import sys
from datetime import datetime
from importlib.metadata import version
from pathlib import Path
from typing import Any, Optional, Sequence

from bench.assistants import ASSISTANTS, project, stack, started, trained, webhook
from bench.communes import communes_figures
from bench.lieux import import_figures
from bench.load import run_levels, run_open_loop
from bench.plot import plot
from bench.report import (
    append_history,
    confusion_table,
    history_entry,
    markdown,
    ratios_text,
    summarised,
    with_readme_table,
)
from bot.evaluation import RouteScores
from bot.settings import ROOT
from tests.scale.usage import Usage, resident_mb
from tests.support.heldout import HeldoutScore, heldout_score

RESULTS = ROOT / "bench"
PACKAGES = ("rasa", "rasa-sdk", "tensorflow", "spacy", "sanic")


def arguments(argv: Optional[Sequence[str]]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--seconds", type=float, default=30,
                        help="measured seconds of each concurrency level and of the open loop")
    parser.add_argument("--levels", type=int, nargs="+", default=[1, 10, 50], help="concurrent conversations")
    parser.add_argument("--rate", type=float, default=30,
                        help="messages a second of the open loop, whatever the answers' speed (0: none)")
    parser.add_argument("--reuse", nargs="+", choices=ASSISTANTS, default=[], metavar="ASSISTANT",
                        help="reuse the model of the same inputs an earlier run trained for these assistants "
                             "(stock, ours), with its recorded training time")
    parser.add_argument("--only", choices=ASSISTANTS, help="measure one assistant only (development)")
    parser.add_argument("--label", default="", help="what this run measures, e.g. the optimisation tried")
    return parser.parse_args(argv)


def machine() -> dict[str, Any]:
    """Cores, CPU model and load average (before anything of the bench runs)."""
    models = [line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
              if line.startswith("model name")]
    return {"cores": os.cpu_count(), "cpu": models[0] if models else platform.processor(),
            "load_average_before": round(os.getloadavg()[0], 2)}


def commit() -> str:
    """The checked-out commit, marked `-dirty` when tracked files differ from it."""
    def git(*args: str) -> str:
        return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, check=True).stdout.strip()

    return git("rev-parse", "--short", "HEAD") + ("-dirty" if git("status", "--porcelain", "--untracked-files=no")
                                                  else "")


def measure(name: str, options: argparse.Namespace) -> dict[str, Any]:
    """Train (or reuse), start, then measure assistant `name`; every process stopped at the end."""
    folder = project(name)
    training = trained(name, folder, name in options.reuse)
    running = stack(name, folder, training.model)
    print(f"Starting {name}...", flush=True)
    with started(running) as cold_start:
        processes = {process: running.services[process] for process in ("rasa", "actions")}
        after_start = {process: round(resident_mb(service.process.pid)) for process, service in processes.items()}
        print(f"{name}: cold start {cold_start:.1f} s; held-out messages...", flush=True)
        heldout = heldout_figures(heldout_score(webhook(running)))
        print(f"{name}: route accuracy {heldout['route_accuracy_percent']} %; load...", flush=True)
        url = running.settings.url(running.settings.rasa_port, "")
        with Usage(processes) as usage:
            levels = run_levels(url, options.levels, options.seconds)
            open_loop = run_open_loop(url, options.rate, options.seconds) if options.rate else None
    return {
        "training": {"seconds": training.seconds, "reused": training.reused, "model": training.model.name},
        "cold_start_seconds": round(cold_start, 1),
        "heldout": heldout,
        "memory_mb": {"after_start": after_start,
                      "peak": {process: round(mb) for process, mb in usage.peak_mb.items()}},
        "cpu_cores_under_load": {process: round(cores, 2) for process, cores in usage.cores.items()},
        "levels": levels,
        "open_loop": open_loop,
    }


def heldout_figures(score: HeldoutScore) -> dict[str, Any]:
    """Route accuracy and accuracy (%), and by expected route how many messages went to each route."""
    routes = RouteScores.counted((result["expected"][0], result["got"][0]) for result in score.results)
    return {"messages": len(score.results), "route_accuracy_percent": round(100 * routes.accuracy, 1),
            "accuracy_percent": round(100 * score.accuracy, 1), "confusion": routes.confusion}


def write(results: dict[str, Any]) -> None:
    """results.json, history.jsonl, results.md, results.png in bench/, and the README's table."""
    (RESULTS / "results.json").write_text(json.dumps(results, ensure_ascii=False, indent=2) + "\n")
    history = append_history(RESULTS / "history.jsonl", history_entry(results))
    (RESULTS / "results.md").write_text(markdown(results, history))
    plot(results, RESULTS / "results.png")
    readme = ROOT / "README.md"
    readme.write_text(with_readme_table(readme.read_text(), results))


def main(argv: Optional[Sequence[str]] = None) -> int:
    for stop in (signal.SIGINT, signal.SIGTERM):  # Ctrl-C, or a stop, even when started in the background
        signal.signal(stop, signal.default_int_handler)
    options = arguments(argv)
    results: dict[str, Any] = {
        "date": datetime.now().strftime("%Y-%m-%d %H:%M"), "commit": commit(), "label": options.label,
        "machine": machine(), "versions": {"python": platform.python_version(),
                                           **{package: version(package) for package in PACKAGES}},
        "options": {"seconds": options.seconds, "levels": options.levels, "rate": options.rate}, "assistants": {}}
    print("Importing 20 000 places...", flush=True)
    results["import_lieux"] = import_figures()
    try:
        for name in [options.only] if options.only else ASSISTANTS:
            results["assistants"][name] = measure(name, options)
    except KeyboardInterrupt:
        print("Interrupted: every server stopped.", file=sys.stderr)
        return 130
    except (RuntimeError, subprocess.CalledProcessError) as failure:  # a server or a training that failed
        print(f"Could not run the bench: {failure}", file=sys.stderr)
        return 1
    results["machine"]["load_average_after"] = round(os.getloadavg()[0], 2)
    results["communes"] = communes_figures()
    results = summarised(results)
    write(results)
    print(f"\n{ratios_text(results)}\n\n{confusion_table(results)}\n\n"
          f"Results in {RESULTS}/results.md, logs in var/bench/run-*/logs/")
    return 0


if __name__ == "__main__":
    sys.exit(main())
