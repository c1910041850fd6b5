"""The process supervisor, on small real processes: readiness, a service that dies, stopping."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

from bot.rasa_server import api_arguments
from bot.services import Service, Stack, services
from bot.settings import Settings
from tests.support.ports import free_port


def stack_of(tmp_path: Path, *services: Service) -> Stack:
    stack = Stack(Settings.from_env({"VAR_DIR": str(tmp_path)}), tmp_path / "model.tar.gz")
    stack.services = {service.name: service for service in services}
    return stack


def http_server(name: str) -> Service:
    port = free_port()
    return Service(name, [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1"],
                   f"http://127.0.0.1:{port}/", {})


def test_stack_is_ready_when_every_service_answers_and_stops_them_all(tmp_path: Path) -> None:
    first, second = http_server("first"), http_server("second")
    with stack_of(tmp_path, first, second):
        assert first.is_ready() and second.is_ready()
    assert first.process.poll() is not None and second.process.poll() is not None
    assert not first.is_ready()


def test_a_service_that_dies_at_start_is_named_and_the_others_stopped(tmp_path: Path) -> None:
    survivor = http_server("web")
    broken = Service("rasa", [sys.executable, "-c", "import sys; print('port busy'); sys.exit(3)"],
                     "http://127.0.0.1:9/", {})
    with pytest.raises(RuntimeError, match=r"rasa stopped: see .*rasa\.log"), stack_of(tmp_path, survivor, broken):
        pass
    assert survivor.process.poll() is not None
    assert "port busy" in (tmp_path / "logs" / "rasa.log").read_text()


def test_a_service_that_never_answers_times_out(tmp_path: Path) -> None:
    silent = Service("actions", [sys.executable, "-c", "import time; time.sleep(60)"], "http://127.0.0.1:9/", {})
    stack = stack_of(tmp_path, silent)
    stack.log_dir.mkdir(parents=True)
    silent.start(stack.log_dir)
    try:
        with pytest.raises(RuntimeError, match="actions not ready after 1 s"):
            stack.wait_until_ready(timeout=1)
    finally:
        stack.stop()
    assert silent.process.poll() is not None


def test_a_service_without_address_is_ready_while_it_runs(tmp_path: Path) -> None:
    jobs = Service("jobs", [sys.executable, "-c", "import time; time.sleep(60)"], None, {})
    assert not jobs.is_ready()
    with stack_of(tmp_path, jobs):
        assert jobs.is_ready()
    assert not jobs.is_ready()


def test_make_run_starts_the_booking_jobs(tmp_path: Path) -> None:
    jobs = Stack(Settings.from_env({"VAR_DIR": str(tmp_path)}), tmp_path / "model.tar.gz").services["jobs"]
    assert jobs.command[1:] == ["-m", "bot", "jobs"] and jobs.ready_url is None


@pytest.mark.parametrize("environ, names", [
    ({}, ["rasa", "actions", "web", "jobs"]),
    ({"TELEGRAM_TOKEN": "1:a"}, ["rasa", "actions", "web", "jobs", "telegram"]),  # long polling
    ({"TELEGRAM_TOKEN": "1:a", "TELEGRAM_WEBHOOK_URL": "https://bib.example.org/webhooks/telegram/webhook"},
     ["rasa", "actions", "web", "jobs"]),  # Telegram posts to Rasa itself
])
def test_telegram_long_polling_runs_only_with_a_token_and_no_webhook(environ: dict, names: list[str]) -> None:
    stack = services(Settings.from_env(environ), Path("model.tar.gz"))
    assert list(stack) == names
    if "telegram" in stack:
        assert stack["telegram"].command[-3:] == ["-m", "bot", "telegram-polling"]


def test_rasa_serves_its_http_api_on_the_bind_host_behind_a_token_that_no_command_line_shows(tmp_path: Path) -> None:
    stack = Stack(Settings.from_env({"VAR_DIR": str(tmp_path), "RASA_API_TOKEN": "chosen-token"}), Path("m.tar.gz"))
    rasa = stack.services["rasa"]
    assert rasa.command[1:3] == ["-m", "bot.rasa_server"]
    assert rasa.command[rasa.command.index("--interface") + 1] == "127.0.0.1"
    assert rasa.env["RASA_API_TOKEN"] == "chosen-token" and "chosen-token" not in rasa.command
    assert rasa.env["OPENBLAS_NUM_THREADS"] == rasa.env["OMP_NUM_THREADS"] == "1"  # no threads spinning on the cores
    assert api_arguments("chosen-token") == ["--enable-api", "--auth-token=chosen-token"]
    assert api_arguments("-starts-with-a-dash") == ["--enable-api", "--auth-token=-starts-with-a-dash"]
    with pytest.raises(SystemExit, match="RASA_API_TOKEN is empty"):
        api_arguments("")


def test_without_rasa_api_token_each_start_makes_a_random_one_for_every_service(tmp_path: Path) -> None:
    settings = Settings.from_env({"VAR_DIR": str(tmp_path)})
    first, second = Stack(settings, Path("m.tar.gz")), Stack(settings, Path("m.tar.gz"))
    token = first.settings.rasa_api_token
    assert len(token) >= 40 and token != second.settings.rasa_api_token
    assert {service.env["RASA_API_TOKEN"] for service in first.services.values()} == {token}
    assert token not in repr(first.settings)


def test_each_rasa_replica_has_its_own_ports_and_action_server() -> None:
    stack = services(Settings.from_env({"RASA_REPLICAS": "2"}), Path("model.tar.gz"))
    assert list(stack) == ["rasa", "actions", "rasa-2", "actions-2", "web", "jobs"]
    assert stack["rasa-2"].ready_url == "http://127.0.0.1:5006/webhooks/rest/"
    assert stack["rasa-2"].env["ACTION_ENDPOINT_URL"] == "http://127.0.0.1:5056/webhook"
    assert stack["actions-2"].command[-2:] == ["--port", "5056"]
    assert stack["actions-2"].env["SANIC_KEEP_ALIVE_TIMEOUT"] == "60"  # Rasa may connect, then write late
    assert stack["rasa"].env["ACTION_ENDPOINT_URL"] == "http://127.0.0.1:5055/webhook"
