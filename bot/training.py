"""Train the Rasa model only when its inputs changed: the model is named by a hash of them."""
from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path
from typing import Optional

import rasa

from bot.settings import ROOT, Settings, settings

MODEL_INPUTS = ("config.yml", "domain.yml", "data")  # in the project (PROJECT_DIR)
CODE_INPUTS = ("bot/nlu",)  # in the repository: our own NLU components, which config.yml names
MODEL_PREFIX = "aiguillage-"
MODELS_KEPT = 3  # the newest models stay on disk, to roll back to
REJECTED_FOLDER = "rejected"  # models the console found worse than the one in service (bot/staff/retraining.py)


def _files_under(base: Path, names: tuple[str, ...]) -> list[Path]:
    files: list[Path] = []
    for name in names:
        path = base / name
        if path.is_dir():
            files.extend(sorted(p for p in path.rglob("*") if p.is_file() and "__pycache__" not in p.parts))
        elif path.exists():
            files.append(path)
    return files


def input_files(project: Optional[Path] = None, with_code: bool = True) -> list[tuple[Path, Path]]:
    """Every file Rasa trains from, with the folder it is named from: the project's (default: PROJECT_DIR), then
    our NLU code in the repository unless `with_code` is False (the bench's stock Rasa does not use it)."""
    project = project or settings.project_dir
    files = [(project, path) for path in _files_under(project, MODEL_INPUTS)]
    return files + ([(ROOT, path) for path in _files_under(ROOT, CODE_INPUTS)] if with_code else [])


def fingerprint(project: Optional[Path] = None, with_code: bool = True) -> str:
    """Hash of the training inputs' paths and contents (see `input_files`), and of the Rasa version."""
    digest = hashlib.sha256(rasa.__version__.encode())
    for base, path in input_files(project, with_code):
        digest.update(str(path.relative_to(base)).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


IN_SERVICE = "in-service"  # MODELS_DIR/in-service: the name of the model the replicas serve


def record_in_service(models_dir: Path, model: Path) -> None:
    """Write down the model the Rasa replicas serve now (started with, or deployed from the console), so that a
    replica started again serves it too."""
    written = models_dir / f".{IN_SERVICE}.tmp"
    written.write_text(model.name, encoding="utf-8")
    written.replace(models_dir / IN_SERVICE)


def in_service(models_dir: Path) -> Optional[Path]:
    """The model written down as in service, when it is still in `models_dir`."""
    try:
        name = (models_dir / IN_SERVICE).read_text(encoding="utf-8").strip()
    except OSError:
        return None
    return models_dir / name if name and (models_dir / name).is_file() else None


def model_path(configured: Optional[Settings] = None) -> Path:
    """The model file of the current inputs of the project of `configured` (default: this process's settings)."""
    configured = configured or settings
    return configured.models_dir / f"{MODEL_PREFIX}{fingerprint(configured.project_dir)}.tar.gz"


def ensure_model() -> Path:
    """The model for the current inputs, trained first if it does not exist yet; but when the console rejected
    that model as worse than the one in service, the newest other model."""
    target = model_path()
    if target.exists():
        print(f"Model up to date: {target.name}")
        return target
    kept = _newest_models(settings.models_dir)
    if (settings.models_dir / REJECTED_FOLDER / target.name).exists() and kept:
        print(f"The console found the model of the current data worse than {kept[-1].name} (see its training "
              f"page): keeping {kept[-1].name}.")
        return kept[-1]
    print(f"Training data or config changed: training {target.name} (a few minutes)...", flush=True)
    train(settings.project_dir, target, settings.environment())
    prune_old_models(settings.models_dir)
    return target


def train(project: Path, target: Path, env: dict[str, str]) -> None:
    """`rasa train` of the config, domain and data of `project` into the model file `target`, from scratch: Rasa's
    cache cannot see a change to the code of our own components (bot/nlu), and with them training is short. Its
    readers are tuned (bot/rasa_reading.py)."""
    subprocess.run(
        [sys.executable, "-m", "bot.rasa_reading", "train", "--config", "config.yml", "--domain", "domain.yml",
         "--data", "data", "--out", str(target.parent), "--fixed-model-name", target.name.removesuffix(".tar.gz"),
         "--force"],
        cwd=project, check=True, env=with_our_code(env),
    )


def with_our_code(env: dict[str, str]) -> dict[str, str]:
    """`env` with the repository on PYTHONPATH: Rasa run in a project elsewhere imports the components that
    config.yml names (bot.nlu) from it."""
    return {**env, "PYTHONPATH": os.pathsep.join(filter(None, (str(ROOT), env.get("PYTHONPATH"))))}


def _newest_models(folder: Path) -> list[Path]:
    """Our models in `folder`, oldest first."""
    return sorted(folder.glob(f"{MODEL_PREFIX}*.tar.gz"), key=lambda path: path.stat().st_mtime)


def prune_old_models(folder: Path) -> None:
    """Delete our models in `folder` but the MODELS_KEPT newest."""
    for old in _newest_models(folder)[:-MODELS_KEPT]:
        old.unlink()
