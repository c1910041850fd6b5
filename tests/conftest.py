"""Shared fixtures: the knowledge base, booking databases (SQLite and PostgreSQL), the real stack, and a report
printed at the end of the run."""
from __future__ import annotations

import os
import shutil
import threading
from pathlib import Path
from typing import Callable, Iterator

import pytest

from bot.knowledge import Charter, Topics, charter, topics
from bot.lieux.importing import import_lieux
from bot.services import Stack
from bot.settings import ROOT, Settings
from bot.training import ensure_model
from tests.support.booking import sqlite_url
from tests.support.mail import Inbox, smtp_server
from tests.support.ports import free_port
from tests.support.postgres import Databases, postgres_server
from tests.support.project import copy_project
from tests.support.telegram_standin import TOKEN, BotAPIStandIn

LIEUX_FIXTURES = Path(__file__).parent / "data" / "lieux"
FIGURE = "figure"  # the user property of a figure a test measured, printed in pytest's summary
# The fixtures of a running stack; those of MODULE_STACKS start one per module, each its own xdist group.
STACKS = {"stack", "curated_stack", "territory_stack", "copied_stack", "supervised_stack", "replicated_stack"}
MODULE_STACKS = ("curated_stack", "territory_stack", "copied_stack", "supervised_stack", "replicated_stack")
NOT_UNIT = ("stack", "browser", "postgres", "slow")
METRICS_TOKEN = "metrics-token"  # the `stack`'s /metrics token


@pytest.hookimpl(tryfirst=True)  # before pytest-xdist reads the groups
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The markers a test's folder and fixtures imply (pytest.ini declares them); `unit` for the others.

    For pytest-xdist, the tests of the running stack form a group, run by one worker, so that it starts once; each
    module with a stack of its own is a group too, and those with a curated_stack (a retraining) come first: they
    start at once, one on each worker."""
    for item in items:
        folder = item.path.parent.name
        fixtures = set(getattr(item, "fixturenames", ()))
        if folder == "browser":
            item.add_marker(pytest.mark.browser)
        if folder in ("e2e", "browser") or fixtures & STACKS:
            item.add_marker(pytest.mark.stack)
        if "stack" in fixtures:
            item.add_marker(pytest.mark.xdist_group("stack"))
        for fixture in fixtures.intersection(MODULE_STACKS):
            item.add_marker(pytest.mark.xdist_group(f"{fixture} of {item.path.name}"))
        if "postgres" in fixtures or _parameter(item, "database_url") == "postgresql":
            item.add_marker(pytest.mark.postgres)
        if "trained_agent" in fixtures:
            item.add_marker(pytest.mark.slow)
        if not any(item.get_closest_marker(name) for name in NOT_UNIT):
            item.add_marker(pytest.mark.unit)
    items.sort(key=lambda item: "curated_stack" not in getattr(item, "fixturenames", ()))


def _parameter(item: pytest.Item, name: str) -> object:
    callspec = getattr(item, "callspec", None)
    return callspec.params.get(name) if callspec else None


@pytest.fixture(scope="session")
def default_charter() -> Charter:
    return charter()


@pytest.fixture(scope="session")
def default_topics() -> Topics:
    return topics()


@pytest.fixture(scope="session")
def telegram_api() -> Iterator[BotAPIStandIn]:
    """The local stand-in for Telegram's Bot API that the stack's Telegram channel talks to."""
    with BotAPIStandIn() as api:
        yield api


@pytest.fixture(scope="session")
def postgres() -> Iterator[Databases]:
    """A throwaway PostgreSQL cluster, started for the first test that needs it."""
    with postgres_server() as databases:
        yield databases


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The URL of a new empty booking database: each test that uses it runs on SQLite and on PostgreSQL."""
    if request.param == "sqlite":
        yield sqlite_url(tmp_path)
    else:
        with request.getfixturevalue("postgres").new() as url:
            yield url


# Settings a test stack never takes from this process's environment: its own stores and addresses, the repository.
NOT_INHERITED = ("TRACKER_STORE_URL", "ACTION_ENDPOINT_URL", "PUBLIC_WEB_URL", "PUBLIC_CHAT_URL", "TELEGRAM_SECRET",
                 "TELEGRAM_WEBHOOK_URL", "PROJECT_DIR", "KNOWLEDGE_DIR", "MODELS_DIR")


def stack_environment(var_dir: Path, **extra: str) -> dict[str, str]:
    """This process's environment for a stack of our own: free local ports, `var_dir`, and `extra`."""
    inherited = {name: value for name, value in os.environ.items() if name not in NOT_INHERITED}
    return {**inherited, "VAR_DIR": str(var_dir), "RASA_PORT": str(free_port()), "ACTIONS_PORT": str(free_port()),
            "WEB_PORT": str(free_port()), **extra}


@pytest.fixture(scope="session")
def smtp_inbox() -> Iterator[tuple[Inbox, str]]:
    """A local SMTP server that keeps what the stack sends (e-mails to patrons) and its SMTP_URL."""
    with smtp_server() as (inbox, url):
        yield inbox, url


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory, telegram_api: BotAPIStandIn,
          smtp_inbox: tuple[Inbox, str]) -> Iterator[Stack]:
    """The real stack (Rasa with the trained model, action server, web server, jobs, Telegram long polling) on
    free local ports, with its own empty stores, the Bot API stand-in, the local SMTP server, a staff token and
    a metrics token; started once for the end-to-end and browser tests."""
    environ = stack_environment(tmp_path_factory.mktemp("var"), TELEGRAM_TOKEN=TOKEN,
                                TELEGRAM_API_BASE=telegram_api.base, STAFF_TOKEN="staff-token",
                                METRICS_TOKEN=METRICS_TOKEN, SMTP_URL=smtp_inbox[1])
    with Stack(Settings.from_env(environ), ensure_model()) as running:
        yield running


@pytest.fixture(scope="module")
def curated_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """Another real stack (Rasa, action server, web server, jobs) whose project, knowledge base and models folder
    are copies, for the console tests that teach the assistant, edit its files and retrain it: one per module, so
    that the two retrainings run on both pytest-xdist workers at once."""
    root = tmp_path_factory.mktemp("curated")
    project, knowledge = copy_project(root)
    model = ensure_model()
    (root / "models").mkdir()
    shutil.copy2(model, root / "models" / model.name)
    environ = stack_environment(root / "var", PROJECT_DIR=str(project), KNOWLEDGE_DIR=str(knowledge),
                                MODELS_DIR=str(root / "models"))
    with Stack(Settings.from_env(environ), root / "models" / model.name) as running:
        yield running


@pytest.fixture(scope="module")
def territory_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """Another real stack whose knowledge base is the sample one plus a real territory imported from the national
    open data (the first 60 places of Charente's file and its France Services buses, tests/data/lieux/)."""
    root = tmp_path_factory.mktemp("territory")
    knowledge = shutil.copytree(ROOT / "knowledge_base", root / "knowledge_base")
    for name in ("charente-20230711.v0.first60.json", "bus-france-services-charente-20231003.v0.json"):
        import_lieux(LIEUX_FIXTURES / name, knowledge / "partners")
    environ = stack_environment(root / "var", KNOWLEDGE_DIR=str(knowledge))
    with Stack(Settings.from_env(environ), ensure_model()) as running:
        yield running


@pytest.fixture(scope="module")
def copied_stack(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """Another real stack whose knowledge base is a copy, with the files of the module's KNOWLEDGE_FILES (name ->
    text) written into it: for the tests that edit it from the console."""
    root = tmp_path_factory.mktemp("copied")
    knowledge = shutil.copytree(ROOT / "knowledge_base", root / "knowledge_base")
    for name, text in getattr(request.module, "KNOWLEDGE_FILES", {}).items():
        (knowledge / name).write_text(text, encoding="utf-8")
    environ = stack_environment(root / "var", KNOWLEDGE_DIR=str(knowledge))
    with Stack(Settings.from_env(environ), ensure_model()) as running:
        yield running


@pytest.fixture(scope="module")
def supervised_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """Another real stack (Rasa, action server, web server, jobs) supervised as `make run` does, each service
    restarted when it exits: for the tests that kill them. The lines the supervisor said are in its `said`."""
    environ = stack_environment(tmp_path_factory.mktemp("supervised") / "var")
    with Stack(Settings.from_env(environ), ensure_model()) as running:
        done, said = threading.Event(), []
        running.said = said  # type: ignore[attr-defined]
        supervisor = threading.Thread(target=running.supervise, args=(done, said.append), daemon=True)
        supervisor.start()
        try:
            yield running
        finally:
            done.set()
            supervisor.join()


@pytest.fixture(scope="session")
def trained_agent():
    """The trained model (trained first if its inputs changed), loaded once in this process by Rasa's Agent, for
    the tests that parse messages with it without a conversation."""
    from rasa.core.agent import Agent

    return Agent.load(str(ensure_model()))


@pytest.fixture
def report(record_property: Callable[[str, object], None]) -> Callable[[str], None]:
    """Records a line of figures for pytest's summary (from any pytest-xdist worker)."""
    return lambda line: record_property(FIGURE, line)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    lines = [value for outcome in ("passed", "failed") for test in terminalreporter.stats.get(outcome, [])
             for name, value in getattr(test, "user_properties", []) if name == FIGURE]
    if lines:
        terminalreporter.section("Aiguillage figures")
        for line in lines:
            terminalreporter.write_line(str(line))
