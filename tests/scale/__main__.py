"""`make test-scale` (`python -m tests.scale`): simulated patrons talk for two minutes, through nginx, to two
Rasa replicas that share PostgreSQL (conversations, bookings) and a Redis lock store, all throwaway servers on
the loopback; then the stores are checked, and the figures printed and written to var/reports/scale.json.
Exit status 1 when a check fails."""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import signal
import sys
import tempfile
import time
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any, Iterator, Optional, Sequence
from urllib.parse import urlsplit

import pytest

from bot.booking.store import ensure_database
from bot.services import Stack
from bot.settings import ROOT, Settings
from bot.training import ensure_model
from tests.e2e.chat import booked
from tests.scale.checks import booking_problems, race_problems, tracker_problems
from tests.scale.patrons import Messages, Traffic, load, percentiles
from tests.scale.servers import nginx_server, redis_server
from tests.scale.usage import Usage
from tests.support.ports import free_port, free_ports
from tests.support.postgres import postgres_server

LOAD_BEFORE = os.getloadavg()[0]  # the machine's load when the test starts: was it shared?
REPORT = ROOT / "var" / "reports" / "scale.json"
LOGS = ROOT / "var" / "logs" / "scale"  # the services' logs of the last run


def arguments(argv: Optional[Sequence[str]]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m tests.scale", description=__doc__)
    parser.add_argument("--patrons", type=int, default=100, help="patrons talking at the same time")
    parser.add_argument("--seconds", type=float, default=120, help="how long they talk")
    parser.add_argument("--replicas", type=int, default=2, help="Rasa replicas (each with its action server)")
    parser.add_argument("--racers", type=int, default=10, help="patrons confirming the same slot at once")
    parser.add_argument("--think", type=float, nargs=2, default=(2.0, 8.0), metavar=("MIN", "MAX"),
                        help="seconds a patron reads and types before each message")
    return parser.parse_args(argv)


def copy_logs(log_dir: Path) -> None:
    shutil.rmtree(LOGS, ignore_errors=True)
    if log_dir.exists():
        shutil.copytree(log_dir, LOGS)


@contextmanager
def production_stack(folder: Path, replicas: int) -> Iterator[Stack]:
    """The stack in the production profile on free loopback ports: PostgreSQL for conversations and bookings,
    Redis for the locks, `replicas` Rasa replicas; its logs copied to var/logs/scale/ once stopped."""
    with ExitStack() as servers:
        databases = servers.enter_context(postgres_server())
        settings = Settings.from_env({
            "VAR_DIR": str(folder / "var"), "MODELS_DIR": os.environ.get("MODELS_DIR", ""),
            "RASA_REPLICAS": str(replicas), "RASA_PORT": str(free_ports(replicas)),
            "ACTIONS_PORT": str(free_ports(replicas)), "WEB_PORT": str(free_port()),
            "TRACKER_STORE_URL": servers.enter_context(databases.new()),
            "BOOKING_DATABASE_URL": servers.enter_context(databases.new()),
            "LOCK_STORE_URL": servers.enter_context(redis_server(folder / "redis"))})
        servers.callback(copy_logs, settings.var_dir / "logs")
        ensure_database(settings).close()
        yield servers.enter_context(Stack(settings, ensure_model()))


def figures(options: argparse.Namespace, traffic: Traffic, usage: Usage, race: list[Messages],
            timings: dict[str, float]) -> dict[str, Any]:
    latencies = [seconds for replica in traffic.latencies.values() for seconds in replica]
    return {
        "machine": {"cores": os.cpu_count(), "load_average_before": round(LOAD_BEFORE, 2)},
        "patrons": options.patrons, "replicas": options.replicas, "think_seconds": list(options.think),
        "messages": len(latencies), "errors": len(traffic.errors), "unexpected_turns": len(traffic.unexpected),
        "conversations": len(traffic.patrons), "finished_by_script": dict(traffic.finished),
        "messages_per_second": round(len(latencies) / timings["load"], 1),
        "latency_seconds": {"all": percentiles(latencies),
                            **{replica: percentiles(values) for replica, values in sorted(traffic.latencies.items())}},
        "bookings": {"confirmed": len(traffic.bookings), "slots_taken_meanwhile": traffic.slots_taken,
                     "race": {"patrons": options.racers, "confirmations": sum(1 for turn in race if booked(turn))}},
        "peak_memory_mb": {name: round(mb) for name, mb in usage.peak_mb.items()},
        "cpu_cores": {name: round(cores, 2) for name, cores in usage.cores.items()},
        "seconds": {name: round(value) for name, value in timings.items()},
    }


def run(options: argparse.Namespace) -> tuple[dict[str, Any], list[str]]:
    """Start everything, load it, check the stores: the figures and the problems found."""
    timings: dict[str, float] = {}
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="aiguillage-scale-") as folder, \
            production_stack(Path(folder), options.replicas) as stack:
        settings = stack.settings
        replicas = {urlsplit(service.ready_url).netloc: name for name, service in stack.services.items()
                    if name.startswith("rasa")}  # host:port -> rasa, rasa-2...
        with nginx_server(Path(folder) / "nginx", list(replicas)) as proxy:
            timings["startup"] = time.monotonic() - started
            traffic = Traffic(replicas, time.monotonic() + options.seconds)
            with Usage(stack.services) as usage:
                race = asyncio.run(load(proxy, traffic, options.patrons, tuple(options.think), options.racers))
            timings["load"] = time.monotonic() - started - timings["startup"]
            problems = (traffic.errors + traffic.unexpected + race_problems(race, traffic)
                        + tracker_problems(settings.tracker_store_url, traffic.patrons)
                        + booking_problems(settings.booking_database_url, traffic))
    timings["total"] = time.monotonic() - started
    return figures(options, traffic, usage, race, timings), problems


def report(found: dict[str, Any], problems: list[str]) -> None:
    """Print the figures and the first problems; write them all to var/reports/scale.json."""
    REPORT.parent.mkdir(parents=True, exist_ok=True)
    REPORT.write_text(json.dumps({**found, "problems": problems}, ensure_ascii=False, indent=2))
    every = found["latency_seconds"]["all"]
    print(f"\n{found['messages']} messages from {found['conversations']} conversations of {found['patrons']} "
          f"patrons, {found['errors']} errors, {found['unexpected_turns']} unexpected turns, "
          f"{found['messages_per_second']} messages/s")
    print(f"latency p50 {every['p50']} s, p95 {every['p95']} s, max {every['max']} s")
    for replica, figures_of in found["latency_seconds"].items():
        if replica != "all":
            print(f"  {replica}: {figures_of['count']} messages, p50 {figures_of['p50']} s, "
                  f"p95 {figures_of['p95']} s, peak memory {found['peak_memory_mb'].get(replica)} MB, "
                  f"{found['cpu_cores'].get(replica)} cores")
    print(f"conversations played to the end: {found['finished_by_script']}")
    print(f"bookings confirmed {found['bookings']['confirmed']}, race {found['bookings']['race']}")
    print(f"peak memory MB {found['peak_memory_mb']}\nCPU cores {found['cpu_cores']}\nseconds {found['seconds']}")
    for problem in problems[:20]:
        print(f"PROBLEM {problem}", file=sys.stderr)
    print(f"{'FAILED' if problems else 'OK'}: {len(problems)} problems; figures in {REPORT}, logs in {LOGS}")


def main(argv: Optional[Sequence[str]] = None) -> int:
    for stop in (signal.SIGINT, signal.SIGTERM):  # Ctrl-C, or a stop, even when started in the background
        signal.signal(stop, signal.default_int_handler)
    try:
        found, problems = run(arguments(argv))
    except KeyboardInterrupt:
        print("Interrupted: every server stopped.", file=sys.stderr)
        return 130
    except (RuntimeError, pytest.fail.Exception) as failure:  # a server that could not start
        print(f"Could not run the scale test: {failure}", file=sys.stderr)
        return 1
    report(found, problems)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
