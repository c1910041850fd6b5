"""Examples taught from the console, written into the project's NLU files (data/nlu/*.yml) by line insertion:
every other line stays as it was, and Rasa's own reader checks the result before anything is written."""
from __future__ import annotations

import json
import logging
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping, Optional, Sequence, Union

import yaml
from rapidfuzz import fuzz, process
from rasa.shared.exceptions import RasaException
from rasa.shared.nlu.training_data.entities_parser import replace_entities
from rasa.shared.nlu.training_data.formats.rasa_yaml import RasaYAMLReader

from bot import rasa_reading
from bot.evaluation import load_heldout
from bot.matching import normalise
from bot.staff import files
from bot.staff.files import read

NLU_FOLDER = "data/nlu"
MAX_LENGTH = 500  # characters of an example; patrons' longest messages are about half that
MARKUP = re.compile(r"\]\s*(?=[(\[{])")  # `](`, `]{`, `][`: Rasa would read the brackets before as an entity
INTENT_LINE = r"^\s*-\s*intent:\s*[\"']?{name}[\"']?\s*(#.*)?$"
EXAMPLES_LINE = re.compile(r"^(\s*)examples:\s*\|")
UNREADABLE = "{what} : rien n'est écrit. Prévenez la personne qui s'occupe des fichiers de l'assistant."
NEAR_HELD_OUT = 95  # rapidfuzz token_sort_ratio of the words from which an example is a held-out message
Fields = dict[Union[int, str], str]  # what is wrong with each form field: a message by its position, or a name


log = logging.getLogger(__name__)
rasa_reading.install()  # every check reads a whole NLU file twice


class TeachingError(ValueError):
    """What cannot be taught, and why, in words for staff."""


class Refused(TeachingError):
    """Form values that cannot be used: what is wrong with each field (a message by its position, or a name)."""

    def __init__(self, fields: Fields) -> None:
        super().__init__("; ".join(fields.values()))
        self.fields = fields


def unreadable(what: str, error: Exception) -> TeachingError:
    """The error staff read when a reader refuses a project file (`what` says which, in French); the reader's
    words, in English and with paths, go to the log."""
    log.error("%s: %s", what, error)
    return TeachingError(UNREADABLE.format(what=what))


@dataclass(frozen=True)
class Known:
    """The project's NLU examples as the files hold them: which file has each intent, which intent each
    example's words (`words`) belong to."""

    files: dict[str, Path]
    intent_of: dict[str, str]


def nlu_files(project: Path) -> list[Path]:
    return sorted((project / NLU_FOLDER).glob("*.yml"))


def comparable_text(text: str) -> str:
    """The text's words, lower case and without accents, punctuation left out: what tells two examples apart."""
    return " ".join(re.findall(r"\w+", normalise(text)))


def block_examples(block: str) -> list[str]:
    """The texts of an `examples: |` block as Rasa reads them, without entity markup."""
    return [replace_entities(line[1:].strip()) for line in block.splitlines() if line.startswith("-")]


def known_examples(project: Path) -> Known:
    """A quick read of every NLU file (Rasa's reader takes seconds on them all)."""
    files: dict[str, Path] = {}
    intent_of: dict[str, str] = {}
    for path in nlu_files(project):
        for item in (yaml.load(read(path), Loader=yaml.CSafeLoader) or {}).get("nlu") or []:
            if "intent" in item and isinstance(item.get("examples"), str):
                files[item["intent"]] = path
                intent_of.update((comparable_text(text), item["intent"]) for text in block_examples(item["examples"]))
    return Known(files, intent_of)


def cleaned(text: str) -> str:
    """The text as one example line: newlines and runs of spaces made one space, control characters dropped,
    no leading `-` or `#`, and brackets that Rasa would read as entity markup kept apart ("] (")."""
    words = "".join(char for char in " ".join(text.split()) if unicodedata.category(char) not in ("Cc", "Cs"))
    return MARKUP.sub("] ", words.lstrip("-# "))


def problems(examples: Sequence[str], known: Known, project: Path) -> Fields:
    """Why some examples (by position) cannot be taught: no word, too long, already an example, written twice,
    or a held-out test message (its words nearly the same, in any order)."""
    heldout = [comparable_text(item["text"]) for item in load_heldout(project)]
    found: Fields = {}
    seen: set[str] = set()
    for index, example in enumerate(examples):
        key = comparable_text(example)
        if not key:
            found[index] = "Le texte est vide : écrivez au moins un mot."
        elif len(example) > MAX_LENGTH:
            found[index] = f"Le texte est trop long (plus de {MAX_LENGTH} caractères) : raccourcissez-le."
        elif key in known.intent_of:
            found[index] = f"L'assistant connaît déjà ce texte (demande « {known.intent_of[key]} »)."
        elif process.extractOne(key, heldout, scorer=fuzz.token_sort_ratio, score_cutoff=NEAR_HELD_OUT):
            found[index] = ("Ce texte sert à tester l'assistant après chaque entraînement. S'il l'apprenait, le "
                            "test ne mesurerait plus rien : décochez-le.")
        elif key in seen:
            found[index] = "Ce texte est déjà coché plus haut."
        seen.add(key)
    return found


def _block(lines: list[str], intent: str) -> tuple[int, int, str, int]:
    """Where the intent's `examples: |` block is: the intent's line, the block's key's line, its indentation, the
    line after its last example (0-based)."""
    start = next((index for index, line in enumerate(lines)
                  if re.match(INTENT_LINE.format(name=re.escape(intent)), line.rstrip("\r\n"))), None)
    key = next((index for index in range(start + 1, len(lines)) if EXAMPLES_LINE.match(lines[index])), None) \
        if start is not None else None
    if start is None or key is None:
        raise TeachingError(f"Les exemples de « {intent} » sont introuvables dans le fichier.")
    key_line = EXAMPLES_LINE.match(lines[key])
    assert key_line is not None  # `key` is the line it matched
    key_indent = key_line.group(1)
    content = [index for index in range(key + 1, len(lines)) if lines[index].strip()]
    first = lines[content[0]] if content else ""
    indent = first[:len(first) - len(first.lstrip())]
    if len(indent) <= len(key_indent):  # no example yet
        return start, key, key_indent + "  ", key + 1
    end = key + 1
    for index in content:
        if not lines[index].startswith(indent):
            break
        end = index + 1
    return start, key, indent, end


def _newline(text: str) -> str:
    return "\r\n" if "\r\n" in text else "\n"


def with_examples(text: str, intent: str, examples: Sequence[str]) -> str:
    """The NLU file's `text` with `examples` added at the end of the intent's examples block."""
    lines = text.splitlines(keepends=True)
    _, _, indent, end = _block(lines, intent)
    newline = _newline(text)
    if end and not lines[end - 1].endswith("\n"):
        lines[end - 1] += newline
    return "".join(lines[:end] + [f"{indent}- {example}{newline}" for example in examples] + lines[end:])


def without_example(text: str, intent: str, example: str) -> Optional[str]:
    """The NLU file's `text` without the last line of the intent's block that is exactly `example`; None when
    there is none."""
    lines = text.splitlines(keepends=True)
    _, key, _, end = _block(lines, intent)
    line = next((index for index in range(end - 1, key, -1) if lines[index].strip() == f"- {example}"), None)
    return None if line is None else "".join(lines[:line] + lines[line + 1:])


def without_intent(text: str, intent: str) -> str:
    """The NLU file's `text` without the intent's lines, from its `- intent:` line to its last example, and the
    blank line before them."""
    lines = text.splitlines(keepends=True)
    start, _, _, end = _block(lines, intent)
    if start and not lines[start - 1].strip():
        start -= 1
    return "".join(lines[:start] + lines[end:])


def _training_data(text: str, path: Path) -> tuple[Counter, str]:
    """The examples Rasa reads in an NLU file (intent, text, entities), and the rest of what it reads."""
    try:
        data = RasaYAMLReader().reads(text)
    except (RasaException, ValueError) as error:
        raise unreadable(f"Le fichier {path.name} ne se lit plus", error) from error
    examples = Counter((message.get("intent"), message.get("text"), json.dumps(message.get("entities") or []))
                       for message in data.training_examples)
    rest = json.dumps([data.entity_synonyms, data.regex_features, data.lookup_tables], sort_keys=True)
    return examples, rest


def check(before: str, after: str, path: Path, intent: str, added: Sequence[str] = (),
          removed: Sequence[str] = ()) -> None:
    """Raise TeachingError unless Rasa reads in `after` what it reads in `before`, with the intent's examples
    `added` and `removed`, exactly these texts and nothing else."""
    old, old_rest = _training_data(before, path) if before else (Counter(), "")
    new, new_rest = _training_data(after, path)
    expected = old + Counter((intent, text, "[]") for text in added) - Counter(
        (intent, text, "[]") for text in removed)
    if new != expected or (before and new_rest != old_rest):
        raise TeachingError(f"La modification de {path.name} n'a pas donné ce qui était prévu : rien n'est écrit.")


def examples_added(project: Path, intent: str, examples: Sequence[str]) -> tuple[Path, str, str]:
    """The intent's NLU file, its text and its new text with `examples`, checked by Rasa's reader."""
    path = known_examples(project).files.get(intent)
    if path is None:
        raise TeachingError(f"La demande « {intent} » n'existe pas.")
    before = read(path)
    after = with_examples(before, intent, examples)
    check(before, after, path, intent, added=examples)
    return path, before, after


def write_all(changes: Mapping[Path, Optional[str]], before: Optional[Mapping[Path, Optional[str]]] = None) -> None:
    """Write every file or none, unless one no longer has its text of `before` (bot/staff/files.py)."""
    try:
        files.write_all(changes, before)
    except files.Conflict as conflict:
        raise TeachingError(f"Quelqu'un a changé {conflict.path.name} en même temps que vous : ses changements sont "
                            "gardés. Recommencez, s'il vous plaît.") from conflict
