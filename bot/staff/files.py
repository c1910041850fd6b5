"""Writing the project's and the knowledge base's files from the console: one write at a time in the process (a
content save and an inbox decision never interleave), each file replaced in one step, and never over a change made
since the new text was built from the file."""
from __future__ import annotations

import os
import stat
import tempfile
import threading
from pathlib import Path
from typing import Mapping, Optional

LOCK = threading.RLock()  # held by every console write, from its check of the files to its last replacement
NEW_FILE_MODE = 0o644


class Conflict(Exception):
    """A file no longer has the text its change was built from: someone saved it meanwhile."""

    def __init__(self, path: Path) -> None:
        super().__init__(str(path))
        self.path = path


def read(path: Path) -> str:
    """The file's text, its line endings as they are."""
    return path.read_bytes().decode("utf-8")


def current(path: Path) -> Optional[str]:
    """The file's text, or None when there is no such file."""
    return read(path) if path.exists() else None


def write_all(changes: Mapping[Path, Optional[str]], before: Optional[Mapping[Path, Optional[str]]] = None) -> None:
    """Write every file or none; a change to None removes the file. `before` has the text each file had when its
    change was built (None: no file); when one of them has another text now, nothing is written (Conflict). Each
    new text goes to a temporary file first; the files already replaced or removed are put back if a later one
    fails."""
    with LOCK:
        previous = {path: current(path) for path in {*changes, *(before or {})}}
        changed = [path for path, text in (before or {}).items() if previous[path] != text]
        if changed:
            raise Conflict(changed[0])
        _replace_all(changes, previous)


def _replace_all(changes: Mapping[Path, Optional[str]], previous: Mapping[Path, Optional[str]]) -> None:
    written = {path: text for path, text in changes.items() if text is not None}
    temporaries: list[str] = []
    try:
        for path, text in written.items():
            temporaries.append(_temporary(path, text))
        for path, temporary in zip(written, temporaries):
            os.replace(temporary, path)
        for path in (path for path, text in changes.items() if text is None):
            path.unlink(missing_ok=True)
    except OSError:
        for path, had in previous.items():
            if current(path) != had:
                _restore(path, had)
        raise
    finally:
        for temporary in temporaries:
            Path(temporary).unlink(missing_ok=True)


def _temporary(path: Path, text: str) -> str:
    """A temporary file beside `path` with `text`, on disk, with the mode of `path`."""
    with tempfile.NamedTemporaryFile("w", encoding="utf-8", newline="", dir=path.parent, prefix=f".{path.name}.",
                                     suffix=".tmp", delete=False) as file:
        file.write(text)
        file.flush()
        os.fsync(file.fileno())
    try:
        os.chmod(file.name, stat.S_IMODE(path.stat().st_mode) if path.exists() else NEW_FILE_MODE)
    except OSError:
        os.unlink(file.name)
        raise
    return file.name


def _restore(path: Path, previous: Optional[str]) -> None:
    if previous is None:
        path.unlink(missing_ok=True)
    else:
        os.replace(_temporary(path, previous), path)
