"""Files of places as they are published, read into rows: CSV (`,` `;` or tab, quoted or not, UTF-8 with or
without BOM, UTF-16 with BOM, Windows-1252, CRLF) or JSON (a list of objects), each row with the line it starts
on. Anything unreadable is one KnowledgeError `file:line: …` in French."""
from __future__ import annotations

import codecs
import csv
import io
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, Iterator, List

from bot.knowledge.files import KnowledgeError, read_bytes

SEPARATORS = (";", ",", "\t")
SEPARATOR_NAMES = {";": "point-virgule", ",": "virgule", "\t": "tabulation"}


@dataclass(frozen=True)
class Row:
    """One place as the file gives it: its fields (names and values unchanged), the line it starts on, and how
    many values a CSV line has beyond its header's columns."""

    line: int
    fields: Dict[str, Any]
    extra: int = 0


def read_rows(path: Path) -> List[Row]:
    """Every row of `path`, JSON when its text starts with `[` or `{`, else CSV."""
    text = _text(path)
    if not text.strip():
        raise KnowledgeError(f"{path}:1: fichier vide : aucun lieu à importer")
    if text.lstrip()[0] in "[{":
        return list(_json_rows(text, path))
    return list(_csv_rows(text, path))


def _text(path: Path) -> str:
    """The file decoded: UTF-16 when it has that BOM, else UTF-8 (a BOM dropped), else Windows-1252."""
    data = read_bytes(path)
    utf16 = data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))
    encodings = ("utf-16",) if utf16 else ("utf-8-sig", "cp1252")
    first_error = None
    for encoding in encodings:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError as error:
            first_error = first_error or error
    assert first_error is not None
    line = data.count(b"\n", 0, first_error.start) + 1
    raise KnowledgeError(f"{path}:{line}: texte illisible (ni UTF-8, ni Windows-1252) : enregistrez le fichier "
                         f"en UTF-8") from first_error


def _json_rows(text: str, path: Path) -> Iterator[Row]:
    """The objects of a JSON list, each with the line where it starts."""
    decoder = json.JSONDecoder()
    position = _skip_space(text, 0)
    if text[position] != "[":
        raise KnowledgeError(f"{path}:{_line(text, position)}: le JSON doit être une liste de lieux "
                             f"([{{…}}, {{…}}]), pas un objet")
    line, counted = 1, 0  # lines are counted as the reading goes on, not from the start each time
    position = _skip_space(text, position + 1)
    number = 0
    while position < len(text) and text[position] != "]":
        line, counted = line + text.count("\n", counted, position), position
        try:
            value, position = decoder.raw_decode(text, position)
        except json.JSONDecodeError as error:
            raise _json_error(path, text, error) from error
        number += 1
        if not isinstance(value, dict):
            raise KnowledgeError(f"{path}:{line}: le lieu n° {number} n'est pas un objet {{« nom »: valeur, …}}")
        yield Row(line, value)
        position = _skip_space(text, position)
        if position < len(text) and text[position] == ",":
            position = _skip_space(text, position + 1)
        elif position < len(text) and text[position] != "]":
            raise KnowledgeError(f"{path}:{_line(text, position)}: JSON incorrect : il manque une virgule "
                                 f"entre deux lieux")
    if position >= len(text):
        raise KnowledgeError(f"{path}:{_line(text, len(text))}: JSON incomplet : la liste n'est pas fermée "
                             f"par « ] » (fichier tronqué ?)")
    if text[position + 1:].strip():
        raise KnowledgeError(f"{path}:{_line(text, position + 1 + _skip_space(text[position + 1:], 0))}: "
                             f"JSON incorrect : du texte après la fin de la liste")


def _skip_space(text: str, position: int) -> int:
    while position < len(text) and text[position] in " \t\r\n":
        position += 1
    return position


def _line(text: str, position: int) -> int:
    return text.count("\n", 0, position) + 1


def _json_error(path: Path, text: str, error: json.JSONDecodeError) -> KnowledgeError:
    if error.pos >= len(text.rstrip()):
        return KnowledgeError(f"{path}:{error.lineno}: JSON incomplet : le fichier s'arrête au milieu d'un lieu "
                              f"(fichier tronqué ?)")
    return KnowledgeError(f"{path}:{error.lineno}: JSON incorrect (colonne {error.colno}) : vérifiez les "
                          f"guillemets, virgules et accolades de cette ligne")


def _csv_rows(text: str, path: Path) -> Iterator[Row]:
    """The records of a CSV whose separator is the one its first line uses most, each with its first line."""
    header = text.lstrip("\r\n").splitlines()[0]
    separator = max(SEPARATORS, key=header.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=separator, strict=True)
    try:
        columns = [name.strip() for name in next(reader)]
        line = reader.line_num + 1
        for values in reader:
            if any(value.strip() for value in values):
                yield Row(line, {**dict.fromkeys(columns, ""), **dict(zip(columns, values))},
                          max(0, len(values) - len(columns)))
            line = reader.line_num + 1
    except csv.Error as error:
        raise KnowledgeError(f"{path}:{reader.line_num}: CSV illisible ({SEPARATOR_NAMES[separator]} comme "
                             f"séparateur) : {_csv_problem(error)}") from error


def _csv_problem(error: csv.Error) -> str:
    if "NUL" in str(error):
        return "caractère nul (le fichier n'est pas du texte ?)"
    if "end of data" in str(error):
        return "un guillemet n'est pas fermé"
    if "expected after" in str(error):
        return "un guillemet au milieu d'un texte : doublez-le (\"\") ou entourez tout le texte de guillemets"
    return str(error)
