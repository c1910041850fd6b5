"""`make run` supervises its services: the back-off policy, and a stack of small real processes in which one is
killed, or keeps exiting."""
from __future__ import annotations

import os
import signal
import sys
import threading
import time
from pathlib import Path

import pytest

from bot.services import RestartPolicy, Service
from tests.test_services import http_server, stack_of


def test_back_off_doubles_from_one_second_up_to_thirty() -> None:
    policy = RestartPolicy(max_restarts=100)
    now, delays = 0.0, []
    for _ in range(8):
        delays.append(policy.delay(ran=0.5, now=now))
        now += 200  # far apart: the window never gives up
    assert delays == [1, 2, 4, 8, 16, 30, 30, 30]


def test_back_off_starts_over_after_a_minute_of_good_service() -> None:
    policy = RestartPolicy()
    assert [policy.delay(ran=2, now=t) for t in (0, 10, 20)] == [1, 2, 4]
    assert policy.delay(ran=60, now=300) == 1
    assert policy.delay(ran=3, now=305) == 2


def test_five_restarts_within_two_minutes_then_gives_up() -> None:
    policy = RestartPolicy()
    assert [policy.delay(ran=0, now=t) for t in (0, 2, 5, 10, 20)] == [1, 2, 4, 8, 16]
    assert policy.delay(ran=0, now=40) is None


def test_restarts_older_than_the_window_are_forgotten() -> None:
    policy = RestartPolicy(first=1, cap=1)
    assert [policy.delay(ran=0, now=t) for t in (0, 30, 60, 90, 100)] == [1, 1, 1, 1, 1]
    assert policy.delay(ran=0, now=130) == 1  # the restart at 1 s is more than 120 s old


def sleeper(name: str) -> Service:
    return Service(name, [sys.executable, "-c", "import time; time.sleep(60)"], None, {})


def quick() -> RestartPolicy:
    return RestartPolicy(first=0.1, cap=0.4, max_restarts=3)


def test_a_killed_service_is_started_again_and_the_others_keep_running(tmp_path: Path) -> None:
    web, jobs = http_server("web"), sleeper("jobs")
    done, said = threading.Event(), []
    with stack_of(tmp_path, web, jobs) as stack:
        supervisor = threading.Thread(target=stack.supervise, args=(done, said.append, quick))
        supervisor.start()
        try:
            web_pid, jobs_pid = web.process.pid, jobs.process.pid
            os.kill(jobs_pid, signal.SIGKILL)
            deadline = time.monotonic() + 10
            while jobs.process.pid == jobs_pid or jobs.process.poll() is not None:
                assert time.monotonic() < deadline, "jobs not restarted"
                time.sleep(0.05)
            assert web.process.pid == web_pid and web.is_ready()
        finally:
            done.set()
            supervisor.join()
    assert len(said) == 1 and "jobs exited (code -9)" in said[0] and "restarting in 0 s" in said[0], said


def test_a_service_that_keeps_exiting_stops_the_stack_with_the_end_of_its_log(tmp_path: Path) -> None:
    web = http_server("web")
    broken = Service("actions", [sys.executable, "-c", "import sys; print('no module named bot.actions'); "
                                 "sys.exit(1)"], None, {})
    said: list[str] = []
    with stack_of(tmp_path, web) as stack:
        stack.services["actions"] = broken
        broken.start(stack.log_dir)
        started = time.monotonic()
        with pytest.raises(RuntimeError, match=r"actions keeps stopping \(3 restarts within 120 s\)") as failure:
            stack.supervise(threading.Event(), said.append, quick)
        assert time.monotonic() - started < 10
        assert web.is_ready(), "the others served until then"
    assert "no module named bot.actions" in str(failure.value)
    assert len(said) == 3 and all("actions exited (code 1)" in line for line in said)
    assert web.process.poll() is not None


def test_a_rasa_replica_started_again_serves_the_model_in_service(tmp_path: Path) -> None:
    """A deployment from the console since the first start is not undone by a restart."""
    from bot.services import RasaService
    from bot.training import record_in_service

    models = tmp_path / "models"
    models.mkdir()
    first, deployed = models / "first.tar.gz", models / "deployed.tar.gz"
    first.write_bytes(b"1")
    deployed.write_bytes(b"2")
    show = "import sys; print(sys.argv[sys.argv.index('--model') + 1])"
    rasa = RasaService("rasa", [sys.executable, "-c", show, "--model", str(first)], None, dict(os.environ),
                       models_dir=models)
    record_in_service(models, first)
    rasa.start(tmp_path)
    rasa.process.wait(timeout=30)
    record_in_service(models, deployed)  # the console's deployment
    rasa.start(tmp_path)
    rasa.process.wait(timeout=30)
    assert (tmp_path / "rasa.log").read_text().split() == [str(first), str(deployed)]
