"""The figures our processes count for Prometheus: each patron turn (channel, route, not understood, clarify,
latency, failed) and each custom action that failed.

The processes are separate (Rasa replicas, the action server, the web server, the jobs), so they count in
prometheus_client's multiprocess mode: `make run` gives each one PROMETHEUS_MULTIPROC_DIR (`Settings.metrics_dir`,
VAR_DIR/metrics, emptied at each start: `reset`), where every process keeps its values in a file of its own, and
the web server's /metrics adds them up at each scrape: no port per process, and a replica that restarts keeps its
former figures in the sum. A process started without that variable counts in its own memory only (the unit tests).
The figures read from the database at scrape time (bookings, registrations, trainings, the model in service) are
the web server's (`bot.web.metrics`).
"""
from __future__ import annotations

import os
import re
import shutil
from pathlib import Path
from typing import Any, Iterable, Optional

FOLDER_VARIABLE = "PROMETHEUS_MULTIPROC_DIR"
if os.environ.get(FOLDER_VARIABLE):  # prometheus_client writes there from its first metric: the folder must exist
    Path(os.environ[FOLDER_VARIABLE]).mkdir(parents=True, exist_ok=True)

from prometheus_client import Counter, Histogram  # noqa: E402 (after the folder is made)

from bot.contract import ROUTES  # noqa: E402

NO_ROUTE = "none"  # a turn without `custom.triage`: an answer to a question the bot asked, small talk, a button
LATENCY_BUCKETS = (0.1, 0.25, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0, 5.0, 10.0, 30.0, 60.0)
ACTION_FAILED = re.compile(r"running action '([^']{1,100})'")  # Rasa's log line when a custom action fails

MESSAGES = Counter("aiguillage_messages", "Patron messages (turns) by channel and by the route triage gave them "
                   "(none: no triage in the turn)", ["channel", "route"])
FALLBACKS = Counter("aiguillage_fallback_messages", "Patron messages the assistant could not place at all "
                    "(route out_of_scope with confidence 0, docs/contract.md §3)", ["channel"])
CLARIFY = Counter("aiguillage_clarify_messages", "Patron messages answered by a question between needs "
                  "(route clarify)", ["channel"])
FAILED_TURNS = Counter("aiguillage_failed_turns", "Turns that ended with the apology (an action failed, Rasa "
                       "failed or said nothing)", ["channel"])
TURN_SECONDS = Histogram("aiguillage_turn_seconds", "Time from a patron's message to the bot's answer, in Rasa "
                         "(NLU, policies, actions)", ["channel"], buckets=LATENCY_BUCKETS)
ACTION_ERRORS = Counter("aiguillage_action_errors", "Custom actions that failed (the action server unreachable or "
                        "the action raised), by action", ["action"])


def triage_of(messages: Iterable[dict[str, Any]]) -> Optional[dict[str, Any]]:
    """The `custom.triage` object among a turn's messages, if one has it."""
    for message in messages:
        custom = message.get("custom")
        triage = custom.get("triage") if isinstance(custom, dict) else None
        if isinstance(triage, dict):
            return triage
    return None


def count_turn(channel: str, messages: Iterable[dict[str, Any]], seconds: float, failed: bool) -> None:
    """Count one patron turn of `channel` from the messages the bot answered with, and how long it took."""
    triage = triage_of(messages)
    route = triage.get("route") if triage else NO_ROUTE
    route = route if route in ROUTES else NO_ROUTE
    MESSAGES.labels(channel, route).inc()
    if route == "clarify":
        CLARIFY.labels(channel).inc()
    if route == "out_of_scope" and triage and not triage.get("confidence"):
        FALLBACKS.labels(channel).inc()
    if failed:
        FAILED_TURNS.labels(channel).inc()
    TURN_SECONDS.labels(channel).observe(seconds)


def count_action_error(log_message: str) -> None:
    """Count the action that Rasa's log line says failed (other lines are ignored)."""
    found = ACTION_FAILED.search(log_message)
    if found:
        ACTION_ERRORS.labels(found.group(1)).inc()


def reset(path: Path) -> None:
    """Empty the figures' folder before the processes start (prometheus_client's rule: the files of a former run
    would be added to the new ones)."""
    shutil.rmtree(path, ignore_errors=True)
    path.mkdir(parents=True, exist_ok=True)
