"""Train the Rasa model only when its inputs changed: the model is named by a hash of them."""
from __future__ import annotations

import hashlib
import subprocess
import sys
from pathlib import Path
from typing import Optional

import rasa

from bot.settings import ROOT, settings

MODEL_INPUTS = ("config.yml", "domain.yml", "data", "bot/nlu")  # bot/nlu: our own NLU components' code
MODEL_PREFIX = "aiguillage-"
MODELS_KEPT = 3  # the newest models stay on disk, to roll back to


def input_files(project: Optional[Path] = None) -> list[Path]:
    """Every file Rasa trains from in `project` (default: the repository), in a stable order."""
    files: list[Path] = []
    for name in MODEL_INPUTS:
        path = (project or ROOT) / name
        if path.is_dir():
            files.extend(sorted(p for p in path.rglob("*") if p.is_file() and "__pycache__" not in p.parts))
        elif path.exists():  # a project without bot/nlu (the bench's stock Rasa) is fingerprinted without it
            files.append(path)
    return files


def fingerprint(project: Optional[Path] = None) -> str:
    """Hash of the training inputs' paths and contents in `project` (default: the repository), and of the Rasa
    version."""
    project = project or ROOT
    digest = hashlib.sha256(rasa.__version__.encode())
    for path in input_files(project):
        digest.update(str(path.relative_to(project)).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


def model_path() -> Path:
    return settings.models_dir / f"{MODEL_PREFIX}{fingerprint()}.tar.gz"


def ensure_model() -> Path:
    """The model for the current inputs, trained first if it does not exist yet."""
    target = model_path()
    if target.exists():
        print(f"Model up to date: {target.name}")
        return target
    print(f"Training data or config changed: training {target.name} (a few minutes)...", flush=True)
    train(ROOT, target, settings.environment())
    _prune_old_models()
    return target


def train(project: Path, target: Path, env: dict[str, str]) -> None:
    """`rasa train` of the config, domain and data of `project` into the model file `target`, from scratch: Rasa's
    cache cannot see a change to the code of our own components (bot/nlu), and with them training is short."""
    subprocess.run(
        [sys.executable, "-m", "rasa", "train", "--config", "config.yml", "--domain", "domain.yml",
         "--data", "data", "--out", str(target.parent), "--fixed-model-name", target.name.removesuffix(".tar.gz"),
         "--force"],
        cwd=project, check=True, env=env,
    )


def _prune_old_models() -> None:
    models = sorted(settings.models_dir.glob(f"{MODEL_PREFIX}*.tar.gz"), key=lambda p: p.stat().st_mtime)
    for old in models[:-MODELS_KEPT]:
        old.unlink()
