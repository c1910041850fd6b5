"""The held-out patron messages (`heldout/*.yml` in the project): never trained on, they measure triage."""
from __future__ import annotations

from pathlib import Path
from typing import Optional

import yaml

from bot.settings import settings

HELDOUT_FOLDER = "heldout"


def heldout_files(project: Optional[Path] = None) -> list[Path]:
    return sorted(((project or settings.project_dir) / HELDOUT_FOLDER).glob("*.yml"))


def load_heldout(project: Optional[Path] = None) -> list[dict]:
    """Every held-out item of `project` (default: PROJECT_DIR): text, expected route, and theme, partner or scope
    where relevant."""
    return [item for path in heldout_files(project) for item in yaml.safe_load(path.read_text(encoding="utf-8"))]
