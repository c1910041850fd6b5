"""Write test files from a template with a few replacements."""
from __future__ import annotations

from pathlib import Path


def write_changed(path: Path, text: str, **changes: str) -> Path:
    """Write `text` to `path`, each key of `changes` (which must occur in it) replaced by its value."""
    for old, new in changes.items():
        assert old in text, old
        text = text.replace(old, new)
    path.write_text(text, encoding="utf-8")
    return path
