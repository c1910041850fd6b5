"""Rasa replicas on other hosts (127.0.0.2 and 127.0.0.3 stand for them): each pulls the model in service from the
web server's /model (Rasa's model server, ETag, RASA_API_TOKEN); a deployment from this host reaches them within
the pull interval, an undo too, and a conversation through one of them goes on meanwhile."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Iterator

import httpx
import pytest

from bot.services import Stack
from bot.settings import ROOT, Settings
from bot.staff.retraining import deploy, replicas
from bot.training import ensure_model
from tests.conftest import stack_environment
from tests.e2e.chat import Chat, triage_of
from tests.support.ports import free_port

HOSTS = ("127.0.0.2", "127.0.0.3")
PULL_SECONDS = 2
TOKEN = "replicas-test-token"


@pytest.fixture(scope="module")
def replicated_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Stack, list[str]]]:
    """A stack on this host with a models folder of its own, and a replica on each of HOSTS pulling from it."""
    root = tmp_path_factory.mktemp("replicated")
    (root / "models").mkdir()
    model = shutil.copy2(ensure_model(), root / "models")
    ports = [free_port() for _ in HOSTS]
    urls = [f"http://{host}:{port}" for host, port in zip(HOSTS, ports)]
    environ = stack_environment(root / "var", MODELS_DIR=str(root / "models"), RASA_API_TOKEN=TOKEN,
                                RASA_REPLICA_URLS=",".join(urls), MODEL_PULL_SECONDS=str(PULL_SECONDS))
    with Stack(Settings.from_env(environ), Path(model)) as stack:
        settings = stack.settings
        processes = [subprocess.Popen(
            [sys.executable, "-m", "bot", "replica"], cwd=ROOT,
            stdout=(root / f"replica-{host}.log").open("w"), stderr=subprocess.STDOUT,
            env={**os.environ, **settings.environment(), "BIND_HOST": host, "RASA_PORT": str(port),
                 "VAR_DIR": str(root / f"var-{host}"),
                 "MODEL_SERVER_URL": settings.url(settings.web_port, "/model")})
            for host, port in zip(HOSTS, ports)]
        try:
            serving(settings, Path(model).name, timeout=180)
            yield stack, urls
        finally:
            for process in processes:
                process.terminate()
            for process in processes:
                process.wait(timeout=30)


def serving(settings: Settings, name: str, timeout: float) -> float:
    """Seconds until every replica, of this host and the others, serves the model `name`."""
    start = time.monotonic()
    while any(model != name for _, model in replicas(settings)):
        assert time.monotonic() - start < timeout, replicas(settings)
        time.sleep(0.5)
    return time.monotonic() - start


def test_the_model_server_wants_the_token_and_says_when_nothing_changed(
        replicated_stack: tuple[Stack, list[str]]) -> None:
    settings = replicated_stack[0].settings
    url = settings.url(settings.web_port, "/model")
    assert httpx.get(url).status_code == 401
    assert httpx.get(url, params={"token": "wrong"}).status_code == 401
    served = httpx.get(url, params={"token": TOKEN})
    assert served.status_code == 200 and served.content[:2] == b"\x1f\x8b"  # the model's .tar.gz
    assert served.headers["filename"] == served.headers["etag"].strip('"')
    again = httpx.get(url, params={"token": TOKEN}, headers={"If-None-Match": served.headers["etag"]})
    assert again.status_code == 304 and again.content == b""


def test_a_deployment_and_its_undo_reach_every_host_while_patrons_talk(
        replicated_stack: tuple[Stack, list[str]], report) -> None:
    stack, urls = replicated_stack
    settings = stack.settings
    previous = next(settings.models_dir.glob("*.tar.gz"))
    candidate = settings.models_dir / "aiguillage-candidate.tar.gz"
    shutil.copy2(previous, candidate)  # a new model to deploy, as the console's retraining gives one
    answered, failures, stop = [], [], threading.Event()

    def patron() -> None:
        chat = Chat(f"{urls[0]}/webhooks/rest/webhook")
        while not stop.is_set():
            try:
                answered.append(triage_of(chat.say("comment envoyer une photo par mail"))["route"])
            except Exception as error:  # noqa: BLE001 (any failure is a lost turn)
                failures.append(repr(error))
            time.sleep(0.3)

    talking = threading.Thread(target=patron)
    talking.start()
    try:
        started = time.monotonic()
        deploy(settings, candidate, previous)  # this host loads it; the others' pull is waited for
        reached = time.monotonic() - started
        assert [model for _, model in replicas(settings)] == [candidate.name] * 3
        started = time.monotonic()
        deploy(settings, previous, candidate)  # the console's undo
        undone = time.monotonic() - started
        assert [model for _, model in replicas(settings)] == [previous.name] * 3
    finally:
        stop.set()
        talking.join()
    assert failures == [] and answered and set(answered) == {"tutorial"}
    report(f"Replicas on 2 other hosts: deployment served everywhere in {reached:.1f} s, undo in {undone:.1f} s "
           f"(pull every {PULL_SECONDS} s); {len(answered)} patron turns through one of them, none lost")
