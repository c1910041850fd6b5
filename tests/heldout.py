"""The held-out patron messages: never trained on, used to measure triage (tests/data/heldout*.yml)."""
from __future__ import annotations

from pathlib import Path

import yaml

HELDOUT_FILES = sorted((Path(__file__).parent / "data").glob("heldout*.yml"))


def load_heldout() -> list[dict]:
    """Every held-out item: text, expected route, and theme, partner or scope where relevant."""
    return [item for path in HELDOUT_FILES for item in yaml.safe_load(path.read_text(encoding="utf-8"))]
