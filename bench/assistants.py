"""The two assistants the bench compares, each with its project, its training and its start: `stock`, the default
pipeline and policies of `rasa init` trained on our domain and data, served by plain `rasa run` with Rasa's REST
channel; `ours`, Aiguillage as `make run` starts it."""
from __future__ import annotations

import json
import shutil
import sys
import tempfile
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import httpx

from bot.booking.store import ensure_database
from bot.services import STARTUP_SECONDS, Service, Stack, replica_services
from bot.settings import ROOT, Settings, settings
from bot.training import fingerprint, train
from tests.support.ports import free_port

BENCH_VAR = ROOT / "var" / "bench"
MODELS = BENCH_VAR / "models"
ASSISTANTS = ("stock", "ours")
# `rasa init`'s config: Rasa fills the empty pipeline and policies with its defaults.
STOCK_CONFIG = "recipe: default.v1\nlanguage: fr\nassistant_id: stock\npipeline:\npolicies:\n"
STOCK_CREDENTIALS = "rest:\n"
STOCK_ENDPOINTS = "action_endpoint:\n  url: {url}\n"
GREETING = "bonjour"


@dataclass(frozen=True)
class Training:
    """A trained model, the wall-clock seconds its training took, and whether an earlier run trained it."""

    model: Path
    seconds: float
    reused: bool


def project(name: str) -> Path:
    """The folder assistant `name` trains from: the repository for ours, var/bench/stock/ for stock."""
    return ROOT if name == "ours" else stock_project(BENCH_VAR / "stock")


def stock_project(folder: Path) -> Path:
    """`folder` written afresh as the stock project: `rasa init`'s config (which `rasa train` completes in place),
    Rasa's REST channel, and a copy of our domain and data as they are now."""
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    (folder / "config.yml").write_text(STOCK_CONFIG)
    (folder / "credentials.yml").write_text(STOCK_CREDENTIALS)
    shutil.copy(ROOT / "domain.yml", folder / "domain.yml")
    shutil.copytree(ROOT / "data", folder / "data")
    return folder


def trained(name: str, folder: Path, reuse: bool) -> Training:
    """The model of `folder`'s current inputs, trained from scratch (an empty Rasa cache), or with `reuse` the one
    an earlier run trained from the same inputs, with its recorded training time."""
    model = MODELS / f"{name}-{fingerprint(folder, with_code=name == 'ours')}.tar.gz"
    record = model.with_name(model.name.removesuffix(".tar.gz") + ".json")
    if reuse and model.exists() and record.exists():
        return Training(model, json.loads(record.read_text())["seconds"], reused=True)
    print(f"Training {name} from scratch (several minutes)...", flush=True)
    BENCH_VAR.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="rasa-cache-", dir=BENCH_VAR) as cache:
        started = time.monotonic()
        train(folder, model, {**settings.environment(), "RASA_CACHE_DIRECTORY": cache})
        seconds = time.monotonic() - started
    record.write_text(json.dumps({"seconds": round(seconds, 1)}))
    return Training(model, round(seconds, 1), reused=False)


def bench_settings(name: str) -> Settings:
    """Settings on free loopback ports with an empty VAR_DIR of their own (SQLite, in-memory lock store)."""
    var_dir = BENCH_VAR / f"run-{name}"
    shutil.rmtree(var_dir, ignore_errors=True)
    return Settings.from_env({"VAR_DIR": str(var_dir), "RASA_PORT": str(free_port()),
                              "ACTIONS_PORT": str(free_port()), "WEB_PORT": str(free_port())})


def stack(name: str, folder: Path, model: Path) -> Stack:
    """The processes of assistant `name`, not started yet; its booking database ready."""
    found = Stack(bench_settings(name), model)
    ensure_database(found.settings).close()
    if name == "stock":
        found.services = stock_services(found.settings, folder, model)
    return found


def stock_services(settings: Settings, folder: Path, model: Path) -> dict[str, Service]:
    """`python -m rasa run` of `folder` with its REST channel and an endpoints.yml naming only our action server,
    and that action server."""
    actions = replica_services(settings, model, 0)["actions"]
    (folder / "endpoints.yml").write_text(STOCK_ENDPOINTS.format(url=settings.action_endpoint_url))
    rasa = Service("rasa", [sys.executable, "-m", "rasa", "run", "--model", str(model),
                            "--interface", settings.bind_host, "--port", str(settings.rasa_port),
                            "--credentials", str(folder / "credentials.yml"),
                            "--endpoints", str(folder / "endpoints.yml")],
                   settings.url(settings.rasa_port, "/webhooks/rest/"), settings.environment())
    return {"rasa": rasa, "actions": actions}


def webhook(running: Stack) -> str:
    return running.settings.url(running.settings.rasa_port, "/webhooks/rest/webhook")


@contextmanager
def started(running: Stack) -> Iterator[float]:
    """`running` started, Rasa last: the seconds from spawning Rasa to its first answer to « bonjour ». Every
    process stops at the end, also on errors and Ctrl-C."""
    try:
        running.start(*(name for name in running.services if name != "rasa"))
        spawned = time.monotonic()
        running.services["rasa"].start(running.log_dir)
        wait_for_answer(running)
        cold_start = time.monotonic() - spawned
        yield cold_start
    finally:
        running.stop()


def wait_for_answer(running: Stack) -> None:
    """Block until Rasa answers « bonjour » with at least one message; raise if a process stops or it takes
    longer than any start should."""
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        running.raise_if_stopped()
        try:
            answer = httpx.post(webhook(running), json={"sender": "bench-cold-start", "message": GREETING},
                                timeout=10)
            if answer.status_code == 200 and answer.json():
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"Rasa did not answer « {GREETING} » within {STARTUP_SECONDS} s")
