"""Retraining from the console without Rasa: when a new model counts as worse, which route a parse takes, one
training at a time, a training that cannot reach the assistant, and `make run` keeping a rejected model out."""
from __future__ import annotations

import time
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from threading import Thread

import pytest

from bot import training
from bot.db.engines import engine_for
from bot.db.upgrade import upgrade
from bot.evaluation import RouteScores, route_of, worse
from bot.knowledge import Charter
from bot.settings import Settings
from bot.staff.accounts import StaffAccounts
from bot.staff.models import FAILED, RUNNING, Training
from bot.staff.retraining import INTERRUPTED, STALE_AFTER, RasaRefused, TrainingBusy, Trainings, running_model
from tests.support.ports import free_port

OLD = RouteScores({"tutorial": 160, "referral": 110}, {"tutorial": 166, "referral": 116})


def test_a_model_with_as_many_right_answers_is_not_worse() -> None:
    assert worse(OLD, OLD) == []
    assert worse(OLD, RouteScores({"tutorial": 162, "referral": 109}, OLD.total)) == []  # one moved, two gained


def test_a_model_with_more_misses_in_all_is_worse() -> None:
    reasons = worse(OLD, RouteScores({"tutorial": 160, "referral": 109}, OLD.total))
    assert reasons == ["il se trompe plus souvent : 95,4 % de bonnes réponses au lieu de 95,7 %"]


def test_a_route_losing_more_than_one_message_makes_it_worse_even_when_the_total_holds() -> None:
    reasons = worse(OLD, RouteScores({"tutorial": 164, "referral": 108}, OLD.total))
    assert reasons == ["« orientation » : 93,1 % au lieu de 94,8 %"]


def test_scores_survive_their_json() -> None:
    assert RouteScores.from_json(OLD.to_json()) == OLD


def parse(intent: str, confidence: float, *others: tuple[str, float]) -> dict:
    ranking = [{"name": intent, "confidence": confidence}] + [{"name": n, "confidence": c} for n, c in others]
    return {"text": "un message", "intent": ranking[0], "intent_ranking": ranking, "entities": []}


def test_the_route_of_a_first_message_is_triage_s_or_none_for_small_talk(default_charter: Charter) -> None:
    assert route_of(parse("refer_caf", 0.9, ("learn_email", 0.05)), default_charter) == "referral"
    assert route_of(parse("greet", 0.9), default_charter) == "none"  # no triage: the rule answers small talk
    assert route_of(parse("learn_email", 0.45, ("refer_caf", 0.4)), default_charter) == "clarify"
    assert route_of(parse("nlu_fallback", 0.2, ("out_of_scope", 0.1)), default_charter) == "out_of_scope"


@pytest.fixture
def trainings(database_url: str, tmp_path: Path) -> Trainings:
    """Trainings on a new database, with no Rasa listening where the settings say it is."""
    upgrade(database_url)
    settings = replace(Settings.from_env({"VAR_DIR": str(tmp_path)}), booking_database_url=database_url,
                       rasa_port=free_port(), rasa_api_token="token")
    found = Trainings(settings)
    yield found
    found.close()


def staff_member(url: str) -> int:
    accounts = StaffAccounts(url)
    account = accounts.add("lea@mediatheque.fr", "Léa", "admin", "un mot de passe assez long")
    accounts.close()
    return account.id


def add_running(url: str, started_by: int, started_at: datetime) -> None:
    engine = engine_for(url)
    with engine.begin() as connection:
        connection.execute(Training.__table__.insert().values(started_by=started_by, started_at=started_at,
                                                              status=RUNNING, stage="training"))
    engine.dispose()


def test_a_second_training_waits_for_the_first(trainings: Trainings, database_url: str) -> None:
    account = staff_member(database_url)
    add_running(database_url, account, datetime.now(timezone.utc) - timedelta(minutes=5))
    with pytest.raises(TrainingBusy):
        trainings.start(account)
    (running,) = trainings.history()
    assert (running.status, running.started_by, running.step) == (RUNNING, "Léa", 2)


def test_an_interrupted_training_shows_as_failed_and_the_assistant_down_fails_the_next(trainings: Trainings,
                                                                                       database_url: str) -> None:
    account = staff_member(database_url)
    add_running(database_url, account, datetime.now(timezone.utc) - STALE_AFTER - timedelta(minutes=1))
    (interrupted,) = trainings.history()
    assert (interrupted.status, interrupted.reason) == (FAILED, INTERRUPTED)
    trainings.start(account)  # the training process finds no assistant to ask which model it serves
    deadline = time.monotonic() + 120
    while trainings.history()[0].status == RUNNING and time.monotonic() < deadline:
        time.sleep(0.5)
    latest = trainings.history()[0]
    assert latest.status == FAILED
    assert latest.reason == "L'assistant ne répond pas à la console : vérifiez qu'il tourne, puis recommencez."
    assert latest.model is None  # nothing was trained


def test_make_run_keeps_the_model_in_service_when_the_console_rejected_the_new_one(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(training, "settings", replace(training.settings, models_dir=tmp_path))
    in_service = tmp_path / "aiguillage-0000000000000000.tar.gz"
    in_service.write_bytes(b"a model")
    rejected = tmp_path / training.REJECTED_FOLDER / training.model_path().name
    rejected.parent.mkdir()
    rejected.write_bytes(b"a worse model")
    assert training.ensure_model() == in_service


def test_a_training_process_killed_before_its_end_is_recorded_as_interrupted(trainings: Trainings,
                                                                            database_url: str) -> None:
    account = staff_member(database_url)
    trainings.start(account)
    trainings.worker.kill()  # before it could record anything
    trainings.worker.wait()
    (killed,) = trainings.history()
    assert (killed.status, killed.reason) == (FAILED, INTERRUPTED)
    trainings.start(account)  # it no longer blocks the next one


class RefusingRasa(BaseHTTPRequestHandler):
    """Rasa's HTTP API refusing every call."""

    def do_GET(self) -> None:
        self.send_response(500)
        self.end_headers()
        self.wfile.write(b'{"message": "model not loaded"}')

    def log_message(self, *args: object) -> None:
        pass


def test_an_error_of_rasa_s_api_never_carries_its_token(tmp_path: Path) -> None:
    server = HTTPServer(("127.0.0.1", 0), RefusingRasa)
    Thread(target=server.serve_forever, daemon=True).start()
    settings = replace(Settings.from_env({"VAR_DIR": str(tmp_path)}), rasa_port=server.server_address[1],
                       rasa_api_token="the-secret-token")
    try:
        with pytest.raises(RasaRefused) as refused:
            running_model(settings)
    finally:
        server.shutdown()
    assert "500" in str(refused.value) and "the-secret-token" not in str(refused.value)
