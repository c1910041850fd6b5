"""Copies of the project (what the model trains from) and of the knowledge base, for tests that edit them."""
from __future__ import annotations

import shutil
from pathlib import Path

from bot.evaluation import HELDOUT_FOLDER
from bot.settings import ROOT
from bot.training import MODEL_INPUTS

KNOWLEDGE_FOLDER = "knowledge_base"


def copy_project(target: Path) -> tuple[Path, Path]:
    """`target`/project (config, domain, data, held-out messages) and `target`/knowledge_base, copied from the
    repository."""
    project = target / "project"
    project.mkdir(parents=True)
    for name in (*MODEL_INPUTS, HELDOUT_FOLDER):
        source = ROOT / name
        (shutil.copytree if source.is_dir() else shutil.copy)(source, project / name)
    knowledge = shutil.copytree(ROOT / KNOWLEDGE_FOLDER, target / KNOWLEDGE_FOLDER)
    return project, knowledge
