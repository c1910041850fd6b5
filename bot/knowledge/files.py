"""Read a YAML file of the knowledge base into a pydantic model, naming file and line on error."""
from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Any, Iterator, Optional, Sequence, Type, TypeVar

import yaml
from pydantic import BaseModel, ValidationError
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.constructor import SafeConstructor
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.nodes import Node, ScalarNode
from ruamel.yaml.reader import ReaderError
from ruamel.yaml.resolver import implicit_resolvers

from bot.knowledge.messages import NOT_A_NAME, field_problem, yaml_problem

Model = TypeVar("Model", bound=BaseModel)
TIMESTAMP_TAG = "tag:yaml.org,2002:timestamp"
MERGE_TAG, VALUE_TAG = "tag:yaml.org,2002:merge", "tag:yaml.org,2002:value"
YAML_1_2 = (1, 2)


class KnowledgeError(ValueError):
    """A knowledge-base file that cannot be used; the message starts with `file:line:`."""


def read_bytes(path: Path) -> bytes:
    """The file's bytes; KnowledgeError, in French, when it is missing or unreadable."""
    try:
        return path.read_bytes()
    except FileNotFoundError as error:
        raise KnowledgeError(f"{path}: fichier introuvable") from error
    except OSError as error:
        raise KnowledgeError(f"{path}: le fichier ne peut pas être lu ({error.strerror})") from error


def read_text(path: Path) -> str:
    """The file's text; KnowledgeError when it is missing, unreadable or not UTF-8 (naming the line)."""
    data = read_bytes(path)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        raise KnowledgeError(f"{path}:{line}: texte qui n'est pas en UTF-8 : enregistrez le fichier en UTF-8"
                             ) from error


class Unsure(ValueError):
    """What the quick reader leaves to the careful one, which may read it otherwise."""


class QuickLoader(yaml.CSafeLoader):
    """libyaml's parser, reading values as ruamel's round-trip loader does (YAML 1.2: `on`, `Non` and `12:30` are
    text) where that is plain (decimal integers, decimals, dates); anything else, and a key written twice, is
    Unsure."""

    yaml_implicit_resolvers: dict[Any, Any] = {}

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        if any(key.tag in (MERGE_TAG, VALUE_TAG) for key, _ in node.value):
            raise Unsure("a merge or value key")
        mapping: dict[Any, Any] = super().construct_mapping(node, deep)
        if len(mapping) < len(node.value):
            raise Unsure("a key written twice")
        return mapping


def _plain(pattern: str, read: Any) -> Any:
    """A constructor reading the scalars that match `pattern` with `read`, Unsure of the others."""
    matches = re.compile(pattern).fullmatch

    def construct(loader: QuickLoader, node: yaml.ScalarNode) -> Any:
        if not matches(node.value):
            raise Unsure(node.value)
        return read(node.value)

    return construct


for _versions, _tag, _pattern, _first in implicit_resolvers:
    if YAML_1_2 in _versions:
        QuickLoader.add_implicit_resolver(_tag, _pattern, _first)
QuickLoader.add_constructor("tag:yaml.org,2002:int", _plain(r"[-+]?(?:0|[1-9][0-9]*)", int))
QuickLoader.add_constructor("tag:yaml.org,2002:float", _plain(r"[-+]?[0-9]+\.[0-9]*(?:[eE][-+]?[0-9]+)?", float))
QuickLoader.add_constructor(TIMESTAMP_TAG, _plain(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", date.fromisoformat))


def quick_model(text: str, model: Type[Model]) -> Optional[Model]:
    """`text` read as `model` quickly (libyaml, about thirty times faster than ruamel); None when anything is
    wrong or Unsure: `parse_yaml` and `validate` then read it again and say where."""
    try:
        return model.parse_obj(yaml.load(text, QuickLoader))  # a safe loader
    except (yaml.YAMLError, ValueError, TypeError):  # ValidationError and Unsure are ValueErrors
        return None


def parse_yaml(text: str, path: Path, first_line: int = 1) -> Any:
    """Parse YAML keeping line numbers (ruamel's round-trip nodes carry them).

    `first_line` is the file line where `text` starts, for YAML inside a larger file (front matter).
    """
    try:
        return YAML(typ="rt").load(text)
    except MarkedYAMLError as error:
        line = error.problem_mark.line if error.problem_mark else 0
        raise KnowledgeError(f"{path}:{first_line + line}: YAML incorrect : {yaml_problem(error.problem or '')}"
                             ) from error
    except ReaderError as error:  # a character YAML does not allow, such as a control character
        code = error.character if isinstance(error.character, int) else ord(error.character)
        raise KnowledgeError(f"{path}:{first_line + text.count(chr(10), 0, error.position)}: YAML incorrect : "
                             f"caractère invisible U+{code:04X} interdit : retirez-le") from error
    except YAMLError as error:
        raise KnowledgeError(f"{path}:{first_line}: YAML incorrect : {error}") from error
    except ValueError as error:  # a value YAML reads as a date or time that does not exist: 2026-02-30, 25:00
        raise KnowledgeError(f"{path}:{first_line + _impossible_timestamp_line(text)}: "
                             "cette date ou cette heure n'existe pas") from error


def _impossible_timestamp_line(text: str) -> int:
    """0-based line of the first value of `text` that YAML reads as a date or time and that does not exist."""
    lines = [node.start_mark.line for node in _scalars(YAML().compose(text))
             if node.tag == TIMESTAMP_TAG and not _constructed(node)]
    return min(lines, default=0)


def _scalars(node: Optional[Node]) -> Iterator[ScalarNode]:
    if isinstance(node, ScalarNode):
        yield node
    elif node is not None:
        for item in node.value:  # a sequence's nodes, or a mapping's (key, value) pairs
            for child in item if isinstance(item, tuple) else (item,):
                yield from _scalars(child)


def _constructed(node: ScalarNode) -> bool:
    try:
        SafeConstructor().construct_yaml_timestamp(node)
        return True
    except ValueError:
        return False


def line_of(document: Any, location: Sequence[Any]) -> int:
    """1-based line of the deepest node of `location` found in a round-trip document."""
    line, node = 0, document
    for key in location:
        try:
            if isinstance(node, CommentedSeq) and isinstance(key, int):
                line, node = node.lc.item(key)[0], node[key]
            elif isinstance(node, CommentedMap) and key in node:
                line, node = node.lc.key(key)[0], node[key]
            else:
                break
        except (AttributeError, IndexError, KeyError):
            break
    return line + 1


def validate(document: Any, model: Type[Model], path: Path, first_line: int = 1) -> Model:
    """`document` as `model`; raise KnowledgeError listing every problem as `file:line: field: message`."""
    try:
        return model.parse_obj(document)
    except ValidationError as error:
        problems = [
            f"{path}:{first_line - 1 + line_of(document, problem['loc'])}: "
            f"{'.'.join(str(part) for part in problem['loc'] if part != '__root__') or 'fichier'}: "
            f"{field_problem(problem)}"
            for problem in error.errors()
        ]
        raise KnowledgeError("\n".join(problems)) from error
    except TypeError as error:  # a key that is not a word (1: x): pydantic cannot take it as a field
        key = next((key for key in document if not isinstance(key, str)), None)
        if key is None:
            raise
        raise KnowledgeError(f"{path}:{first_line - 1 + line_of(document, [key])}: {key}: {NOT_A_NAME}") from error


def load_model(path: Path, model: Type[Model]) -> Model:
    """Load a YAML file as `model`, naming file and line on error."""
    text = read_text(path)
    found = quick_model(text, model)
    return validate(parse_yaml(text, path), model, path) if found is None else found
