"""The problems pydantic and ruamel find in a knowledge file, said in plain French for the staff who edit it (in
the console and by `make validate`). A problem without a wording here keeps the library's English words."""
from __future__ import annotations

import re
from typing import Any, Mapping

# pydantic's error types (v1), with the values of their context between braces.
FIELD_PROBLEMS = {
    "value_error.missing": "il manque ce champ",
    "value_error.extra": "champ inconnu : vérifiez son nom, ou retirez-le",
    "type_error.none.not_allowed": "ne peut pas être vide",
    "value_error.str.regex": "n'est pas écrit comme il faut : comparez avec un autre fichier ou avec docs/",
    "type_error.str": "doit être un texte",
    "type_error.integer": "doit être un nombre entier",
    "type_error.float": "doit être un nombre, avec un point pour les décimales : 47.39",
    "type_error.bool": "doit être true (oui) ou false (non)",
    "type_error.list": "doit être une liste : une ligne par élément, qui commence par « - »",
    "type_error.dict": "doit contenir des lignes « nom: valeur »",
    "value_error.number.not_ge": "doit être au moins {limit_value}",
    "value_error.number.not_gt": "doit être plus grand que {limit_value}",
    "value_error.number.not_le": "doit être au plus {limit_value}",
    "value_error.number.not_lt": "doit être plus petit que {limit_value}",
    "value_error.any_str.min_length": "trop court : au moins {limit_value} caractères",
    "value_error.any_str.max_length": "trop long : au plus {limit_value} caractères",
    "value_error.list.min_items": "il faut au moins {limit_value} éléments",
    "value_error.list.max_items": "il faut au plus {limit_value} éléments",
    "value_error.date": "date mal écrite : écrivez-la comme 2026-01-15",
    "value_error.time": "heure mal écrite : écrivez-la comme 14:00",
    "value_error.url.scheme": "adresse web incomplète : elle commence par https://",
    "value_error.url.host": "adresse web incomplète : il manque le nom du site",
    "value_error.const": "« {given} » n'est pas une valeur possible. Valeurs possibles : {permitted}",
    "type_error.enum": "valeur inconnue. Valeurs possibles : {enum_values}",
}

NOT_A_NAME = "un nom de champ est un mot, pas un nombre"  # a key such as `1:`

# pydantic's "type_error" problems, by words of their message.
TYPE_PROBLEMS = (
    ("expected dict", "doit contenir des lignes « nom: valeur »"),
    ("keywords must be strings", NOT_A_NAME),
)

# The problems ruamel names in a file that is not valid YAML: words of its description, and what to write.
YAML_PROBLEMS = (
    ("mapping values are not allowed", "un « : » de trop. Mettez entre guillemets un texte qui contient « : »"),
    ("found unexpected ':'", "un « : » de trop. Mettez entre guillemets un texte qui contient « : »"),
    ("found character '\\t'", "une tabulation : décalez les lignes avec des espaces"),
    ("could not find expected ':'", "il manque « : » après le nom du champ"),
    ("expected <block end>", "les lignes ne sont pas décalées comme celles d'au-dessus"),
    ("did not find expected key", "les lignes ne sont pas décalées comme celles d'au-dessus"),
    ("expected ',' or ']'", "il manque un « ] » ou une virgule"),
    ("expected ',' or '}'", "il manque un « } » ou une virgule"),
    ("found unexpected end of stream", "un guillemet n'est pas fermé"),
)


def field_problem(error: Mapping[str, Any]) -> str:
    """One of pydantic's `errors()` in French: ours (raised by our validators) are already."""
    wording = FIELD_PROBLEMS.get(error["type"]) or next(
        (wording for words, wording in TYPE_PROBLEMS if error["type"] == "type_error" and words in error["msg"]), None)
    if wording is None:
        return error["msg"]
    context = {name: ", ".join(map(str, value)) if isinstance(value, (list, tuple)) else value
               for name, value in (error.get("ctx") or {}).items()}
    try:
        return wording.format(**context)
    except KeyError:  # a pydantic version that gives other values: its own words
        return error["msg"]


def yaml_problem(problem: str) -> str:
    """ruamel's description of why a text is not YAML, in French when known."""
    duplicate = re.match(r'found duplicate key "(.*?)"', problem)
    if duplicate:
        return f"le champ « {duplicate.group(1)} » est écrit deux fois"
    return next((wording for words, wording in YAML_PROBLEMS if words in problem), problem)
