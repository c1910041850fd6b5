"""Retraining from the console: one training at a time, in a process of its own (`python -m bot retrain ID`), that
trains a model from the project's current files, scores it and the model in service on the held-out messages, and
puts it in service through Rasa's HTTP API only if it is not worse. The `trainings` table is the history of models
and who deployed them; a rejected model is kept in models/rejected/ so that `make run` does not start it either."""
from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import time
from dataclasses import dataclass, replace
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Optional

import httpx
from sqlalchemy import select, update
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from bot.db.engines import EngineSource, engine_for
from bot.evaluation import RouteScores, load_heldout, score_model, worse
from bot.settings import ROOT, Settings
from bot.staff.models import DEPLOYED, FAILED, REJECTED, RUNNING, UNCHANGED, StaffAccount, Training
from bot.training import REJECTED_FOLDER, model_path, prune_old_models, record_in_service, train

log = logging.getLogger(__name__)
STAGES = ("preparing", "training", "evaluating", "deploying")  # a training's steps, in order
STALE_AFTER = timedelta(minutes=30)  # a training still running after this was interrupted (server restarted)
INTERRUPTED = "Interrompu avant la fin (le serveur a peut-être redémarré). Vous pouvez relancer."
REMOTE_LOAD_SECONDS = 90  # a replica of another host downloads and loads a model within this
DEPLOY_SECONDS = 600  # Rasa loads the model before answering


class TrainingBusy(Exception):
    """A training is already running."""


@dataclass(frozen=True)
class TrainingView:
    """A training as the console shows it."""

    id: int
    status: str
    stage: str
    started_by: str  # the staff member's name
    started_at: datetime
    finished_at: Optional[datetime]
    model: Optional[str]
    previous_model: Optional[str]
    old: Optional[RouteScores]
    new: Optional[RouteScores]
    reason: str
    restorable: bool = False  # the model in service, whose previous one is on disk to go back to

    @property
    def step(self) -> int:
        """1 to len(STAGES) while running."""
        return STAGES.index(self.stage) + 1 if self.stage in STAGES else len(STAGES)


class Trainings:
    """The history of trainings, and starting one; `engines` as for BookingStore."""

    def __init__(self, settings: Settings, engines: EngineSource = engine_for):
        self.settings = settings
        self.engine = engines(settings.booking_database_url)
        self.session = sessionmaker(self.engine, future=True, expire_on_commit=False)
        self.worker: Optional[subprocess.Popen] = None
        self.worker_training: Optional[int] = None  # the training self.worker runs

    def start(self, account_id: int) -> int:
        """Record a new training by `account_id` and start its process; TrainingBusy if one is running."""
        return self._launch(Training(started_by=account_id, started_at=_now(), status=RUNNING, stage=STAGES[0]))

    def undo(self, training_id: int, account_id: int) -> int:
        """Put back in service the model that training `training_id`, the last deployed, replaced, if it is still
        on disk (the process only deploys); LookupError if it cannot be, TrainingBusy if a training is running."""
        latest = next((view for view in self.history() if view.status == DEPLOYED), None)
        if not (latest and latest.id == training_id and latest.restorable):
            raise LookupError(training_id)
        return self._launch(Training(started_by=account_id, started_at=_now(), status=RUNNING, stage="deploying",
                                     model=latest.previous_model))

    def _launch(self, training: Training) -> int:
        """Record `training` and start its process, unless one is running."""
        self._reap()
        with self.session.begin() as session:
            if _running(session, _now()):
                raise TrainingBusy()
            session.add(training)
            session.flush()
            training_id = training.id
        log_dir = self.settings.var_dir / "logs"
        log_dir.mkdir(parents=True, exist_ok=True)
        with open(log_dir / "retrain.log", "ab") as output:
            self.worker = subprocess.Popen([sys.executable, "-m", "bot", "retrain", str(training_id)], cwd=ROOT,
                                           env=self.settings.environment(), stdout=output, stderr=subprocess.STDOUT)
        self.worker_training = training_id
        return training_id

    def _reap(self) -> None:
        """A training whose process ended without recording its outcome (killed) is recorded as interrupted."""
        if self.worker is None or self.worker.poll() is None:
            return
        with self.session.begin() as session:
            session.execute(update(Training).where(Training.id == self.worker_training, Training.status == RUNNING)
                            .values(status=FAILED, reason=INTERRUPTED, finished_at=_now()))
        self.worker = None

    def history(self, limit: int = 20) -> list[TrainingView]:
        """The latest trainings, newest first; one still running after STALE_AFTER shows as failed."""
        self._reap()
        with self.session() as session:
            rows = session.execute(select(Training, StaffAccount.name)
                                   .outerjoin(StaffAccount, StaffAccount.id == Training.started_by)
                                   .order_by(Training.id.desc()).limit(limit)).all()
        views = [_view(training, name or "compte supprimé") for training, name in rows]
        in_service = next((view for view in views if view.status == DEPLOYED), None)
        return [replace(view, restorable=bool(view is in_service and view.previous_model
                                              and (self.settings.models_dir / view.previous_model).exists()))
                for view in views]

    def close(self) -> None:
        self.engine.dispose()


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _running(session: Session, now: datetime) -> Optional[Training]:
    return session.execute(select(Training).where(Training.status == RUNNING,
                                                  Training.started_at > now - STALE_AFTER)).scalars().first()


def _view(training: Training, name: str) -> TrainingView:
    scores = json.loads(training.scores) if training.scores else {}
    stale = training.status == RUNNING and training.started_at <= _now() - STALE_AFTER
    return TrainingView(
        training.id, FAILED if stale else training.status, training.stage, name, training.started_at,
        training.finished_at, training.model, training.previous_model,
        RouteScores.from_json(scores["old"]) if "old" in scores else None,
        RouteScores.from_json(scores["new"]) if "new" in scores else None,
        INTERRUPTED if stale else training.reason or "")


# The training process ---------------------------------------------------------------------------------------------

def run_training(settings: Settings, training_id: int) -> int:
    """Train, evaluate and deploy (or not) for the `trainings` row `training_id`, or put back its model when it
    names one; the outcome is recorded there."""
    engine = engine_for(settings.booking_database_url)
    record = _Recorder(engine, training_id)
    try:
        model = record.model()  # set when undoing a deployment: the model to put back
        status, reason = _restore(settings, record, model) if model else _train_evaluate_deploy(settings, record)
        record.finish(status, reason)
        return 0
    except Exception as error:  # noqa: BLE001 (whatever failed is told to the console, and logged)
        log.exception("training %s failed", training_id)
        record.finish(FAILED, _failure(error))
        return 1
    except BaseException:  # Ctrl-C, SIGTERM (SystemExit): the console must not wait for it
        record.finish(FAILED, INTERRUPTED)
        raise
    finally:
        engine.dispose()


def _train_evaluate_deploy(settings: Settings, record: "_Recorder") -> tuple[str, str]:
    """The status and reason the training ends with."""
    previous = settings.models_dir / running_model(settings)
    record.update(previous_model=previous.name)
    record.update(stage="training")
    candidate = _candidate(settings)
    record.update(model=candidate.name)
    if candidate == previous:
        return UNCHANGED, "Rien de nouveau à apprendre : le modèle en service connaît déjà tous les exemples."
    record.update(stage="evaluating")
    items = load_heldout(settings.project_dir)
    from bot.knowledge import charter  # the knowledge base of this process's settings

    old = score_model(previous, items, charter())  # again: the charter or the held-out messages may have changed
    new = score_model(candidate, items, charter())
    record.update(scores=json.dumps({"old": old.to_json(), "new": new.to_json()}))
    reasons = worse(old, new)
    if reasons:
        _set_aside(settings, candidate)
        return REJECTED, "Le nouveau modèle est moins bon que celui en service : " + " ; ".join(reasons) + "."
    record.update(stage="deploying")
    os.utime(candidate)  # the newest model: the one `make run` takes, and pruning keeps
    deploy(settings, candidate, previous)
    prune_old_models(settings.models_dir)
    prune_old_models(settings.models_dir / REJECTED_FOLDER)
    return DEPLOYED, ""


def _restore(settings: Settings, record: "_Recorder", model: str) -> tuple[str, str]:
    """Serve `model` again; the model it replaces is set aside as rejected, so that `make run` does not start it."""
    previous = settings.models_dir / running_model(settings)
    record.update(previous_model=previous.name)
    restored = settings.models_dir / model
    deploy(settings, restored, previous)
    if previous != restored:
        _set_aside(settings, previous)
    os.utime(restored)  # the newest model: the one `make run` keeps
    return DEPLOYED, "Mise en service annulée : le modèle d'avant répond de nouveau."


def _set_aside(settings: Settings, model: Path) -> None:
    """Keep `model` in models/rejected/, where `make run` does not take it."""
    folder = settings.models_dir / REJECTED_FOLDER
    folder.mkdir(exist_ok=True)
    model.replace(folder / model.name)


def _candidate(settings: Settings) -> Path:
    """The model of the project's current files: trained now, unless it exists (or was rejected before)."""
    target = model_path(settings)
    rejected = settings.models_dir / REJECTED_FOLDER / target.name
    if rejected.exists():
        rejected.replace(target)
    if not target.exists():
        train(settings.project_dir, target, settings.environment())
    return target


def _rasa_urls(settings: Settings) -> list[str]:
    return [settings.url(settings.replica(index).rasa_port, "") for index in range(settings.rasa_replicas)]


class RasaRefused(RuntimeError):
    """Rasa's HTTP API answered with an error."""


def _rasa_api(method: str, url: str, token: str, **options: Any) -> httpx.Response:
    """A call to Rasa's HTTP API. Its errors never carry the token: httpx's own name the whole address."""
    try:
        response = httpx.request(method, url, params={"token": token}, **options)
        response.raise_for_status()
    except httpx.HTTPStatusError as error:
        raise RasaRefused(f"{method} {url}: {error.response.status_code} {error.response.text[:500]}") from None
    return response


def running_model(settings: Settings) -> str:
    """The name of the model file the (first) Rasa replica serves (in MODELS_DIR)."""
    return _rasa_api("GET", f"{_rasa_urls(settings)[0]}/status", settings.rasa_api_token, timeout=30)\
        .json()["model_file"]


def deploy(settings: Settings, model: Path, previous: Path) -> None:
    """Every Rasa replica serves `model` (conversations go on: they live in the tracker store): those of this host
    load it, those of other hosts (RASA_REPLICA_URLS) pull it from the web server's /model within
    MODEL_PULL_SECONDS. If one refuses or does not follow in time, those of this host go back to `previous` (and
    the others follow them)."""
    switched: list[str] = []
    try:
        for url in _rasa_urls(settings):
            _load(url, settings.rasa_api_token, model)
            switched.append(url)
        _followed(settings, model.name)
        record_in_service(settings.models_dir, model)
    except (httpx.HTTPError, RuntimeError):
        for url in switched:
            _load(url, settings.rasa_api_token, previous)
        raise


def _followed(settings: Settings, name: str) -> None:
    """Wait until every replica of another host serves the model `name`; RuntimeError after the pull interval
    three times and the time to load a model."""
    waiting = set(settings.rasa_replica_urls)
    deadline = time.monotonic() + 3 * settings.model_pull_seconds + REMOTE_LOAD_SECONDS
    while waiting:
        waiting = {url for url in waiting if _served(url, settings.rasa_api_token) != name}
        if waiting and time.monotonic() > deadline:
            raise RuntimeError(f"{', '.join(sorted(waiting))} did not take {name} from the model server")
        if waiting:
            time.sleep(1)


def _served(url: str, token: str) -> Optional[str]:
    """The name of the model file a replica serves, None when it does not answer."""
    try:
        return Path(_rasa_api("GET", f"{url}/status", token, timeout=5).json()["model_file"]).name
    except (httpx.HTTPError, RasaRefused, KeyError, ValueError):
        return None


def replicas(settings: Settings) -> list[tuple[str, Optional[str]]]:
    """Each Rasa replica, of this host and of the others, and the model it serves (None: it does not answer)."""
    return [(url, _served(url, settings.rasa_api_token))
            for url in (*_rasa_urls(settings), *settings.rasa_replica_urls)]


def _load(url: str, token: str, model: Path) -> None:
    _rasa_api("PUT", f"{url}/model", token, json={"model_file": str(model)}, timeout=DEPLOY_SECONDS)
    served = _rasa_api("GET", f"{url}/status", token, timeout=30).json()["model_file"]
    if Path(served).name != model.name:
        raise RuntimeError(f"{url} serves {served} instead of {model}")


def _failure(error: Exception) -> str:
    if isinstance(error, httpx.HTTPError):
        return "L'assistant ne répond pas à la console : vérifiez qu'il tourne, puis recommencez."
    if isinstance(error, RasaRefused):
        return "L'assistant a refusé le changement de modèle : voir var/logs/retrain.log."
    if isinstance(error, subprocess.CalledProcessError):
        return "L'entraînement a échoué : vérifiez les fichiers modifiés (make validate) ou var/logs/retrain.log."
    return f"Erreur inattendue ({type(error).__name__}) : voir var/logs/retrain.log."


class _Recorder:
    """Writes the training's progress and outcome to its row."""

    def __init__(self, engine: Engine, training_id: int):
        self.engine = engine
        self.training_id = training_id

    def update(self, **values: object) -> None:
        with self.engine.begin() as connection:
            connection.execute(update(Training).where(Training.id == self.training_id).values(**values))

    def finish(self, status: str, reason: str) -> None:
        self.update(status=status, reason=reason, finished_at=_now())

    def model(self) -> Optional[str]:
        """The model the training was started with (a model to put back), if any."""
        with self.engine.connect() as connection:
            return connection.execute(select(Training.model).where(Training.id == self.training_id)).scalar()
