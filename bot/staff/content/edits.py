"""The files staff edit in the console: reading them with a version, checking a new text as `make validate` does,
showing the change line by line, and saving it atomically unless someone else changed the file meanwhile."""
from __future__ import annotations

import hashlib
import re
import shutil
import tempfile
from dataclasses import dataclass
from difflib import SequenceMatcher
from pathlib import Path
from typing import Optional

from rasa.shared.core.domain import Domain
from rasa.shared.exceptions import RasaException

from bot.knowledge import validate_all
from bot.staff import files
from bot.staff.files import Conflict

PROBLEM = re.compile(r"^(?P<file>[^:]+?)(?::(?P<line>\d+))?: (?P<message>.*)$")  # a KnowledgeError line
ADDED, REMOVED, SAME = "added", "removed", "same"


@dataclass(frozen=True)
class Problem:
    """Why a new text cannot be saved: what is wrong, in which file and line when known, and the form field it
    belongs to when there is one."""

    message: str
    file: str = ""
    line: Optional[int] = None
    field: Optional[str] = None


@dataclass(frozen=True)
class Version:
    """A file's text as read, and the version a form carries back (a hash of the text)."""

    text: str
    version: str


@dataclass(frozen=True)
class DiffLine:
    """A line of a change: ADDED, REMOVED or SAME (shown around the change), with its number in the old or the new
    text."""

    change: str
    number: int
    text: str


def read(path: Path) -> Version:
    text = files.read(path)
    return Version(text, hashlib.sha256(text.encode()).hexdigest())


def save(path: Path, text: str, version: str) -> None:
    """Replace the file's text with `text` in one step, unless the file is no longer at `version` (Conflict)."""
    with files.LOCK:
        if read(path).version != version:
            raise Conflict(path)
        files.write_all({path: text})


def diff(before: str, after: str, context: int = 2) -> list[list[DiffLine]]:
    """The changed lines, in groups with `context` unchanged lines around each."""
    old, new = before.splitlines(), after.splitlines()
    groups = []
    for opcodes in SequenceMatcher(None, old, new, autojunk=False).get_grouped_opcodes(context):
        lines = []
        for tag, old_start, old_end, new_start, new_end in opcodes:
            if tag == "equal":
                lines += [DiffLine(SAME, number + 1, old[number]) for number in range(old_start, old_end)]
                continue
            lines += [DiffLine(REMOVED, number + 1, old[number]) for number in range(old_start, old_end)]
            lines += [DiffLine(ADDED, number + 1, new[number]) for number in range(new_start, new_end)]
        groups.append(lines)
    return groups


def knowledge_problems(knowledge_dir: Path, name: str, text: str) -> list[Problem]:
    """What `make validate` finds in the knowledge base if its file `name` (relative path) had `text`: the
    loaders run on a temporary copy of the folder."""
    with tempfile.TemporaryDirectory(prefix="knowledge-") as temporary:
        copy = Path(temporary) / knowledge_dir.name
        shutil.copytree(knowledge_dir, copy)
        (copy / name).write_text(text, encoding="utf-8")
        return [_problem(line.replace(f"{copy}/", "")) for error in validate_all(copy)
                for line in error.splitlines()]


def _problem(line: str) -> Problem:
    found = PROBLEM.match(line)
    if not found:
        return Problem(line)
    return Problem(found["message"], found["file"], int(found["line"]) if found["line"] else None)


def domain_problems(text: str) -> list[Problem]:
    """Rasa's own checks of a domain."""
    try:
        Domain.from_yaml(text, "domain.yml")
    except RasaException as error:
        return [Problem(str(error), "domain.yml")]
    return []
