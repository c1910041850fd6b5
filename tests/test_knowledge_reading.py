"""The quick reading of knowledge files (libyaml) gives what the careful one (ruamel, which names lines) gives, or
leaves the file to it."""
from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any, Optional, Type

import pytest
import yaml
from pydantic import BaseModel

from bot.knowledge import Charter, Topics
from bot.knowledge.files import QuickLoader, parse_yaml, quick_model, validate
from bot.knowledge.partners import Partner
from bot.settings import ROOT
from tests.test_partners import PLACE

KNOWLEDGE = ROOT / "knowledge_base"
MODELS: dict[str, Type[BaseModel]] = {"charter.yml": Charter, "topics.yml": Topics}


def typed(value: Any) -> Any:
    """`value` with the kind of each part: `True` is not `1`, "12:30" is not 750 (ruamel's own classes as the
    plain ones they derive from)."""
    if isinstance(value, dict):
        return {typed(key): typed(item) for key, item in value.items()}
    if isinstance(value, list):
        return [typed(item) for item in value]
    for kind in (bool, str, int, float, datetime, date):
        if isinstance(value, kind):
            return kind.__name__, kind(value) if kind in (str, int, float) else value
    assert value is None, repr(value)
    return None


def quick(text: str) -> Any:
    return yaml.load(text, QuickLoader)  # a safe loader


def careful(text: str) -> Any:
    return parse_yaml(text, Path("x.yml"))


@pytest.mark.parametrize("path", sorted(KNOWLEDGE.rglob("*.yml")), ids=lambda path: str(path.relative_to(KNOWLEDGE)))
def test_every_shipped_knowledge_file_reads_the_same_quickly(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    assert typed(quick(text)) == typed(careful(text))
    model: Optional[Type[BaseModel]] = Partner if path.parent.name == "partners" else MODELS.get(path.name)
    if model is not None:
        found = quick_model(text, model)
        assert found is not None and found == validate(careful(text), model, path)


@pytest.mark.parametrize("written, value", [
    ("Non", "Non"), ("on", "on"), ("Off", "Off"), ("yes", "yes"), ("y", "y"), ("true", True), ("FALSE", False),
    ("12:30", "12:30"), ("1:20:30", "1:20:30"), ('"0123"', "0123"), ("'37000'", "37000"), ("37000", 37000),
    ("-12", -12), ("0", 0), ("47.39", 47.39), ("-0.5", -0.5), ("1.5e3", 1500.0), ("2026-01-15", date(2026, 1, 15)),
    ("~", None), ("null", None), ("", None), ("Mo-Fr 08:30-12:00; PH off", "Mo-Fr 08:30-12:00; PH off"),
    ("'2026-01-15'", "2026-01-15"), ("2026-1-5", "2026-1-5"), ("l'été", "l'été"),
])
def test_tricky_values_read_as_yaml_1_2_says(written: str, value: Any) -> None:
    text = f"field: {written}\n"
    assert typed(quick(text)) == typed(careful(text)) == typed({"field": value})


@pytest.mark.parametrize("written", [
    "0123", "0o17", "0x1F", "1_000", ".5", ".inf", "-.inf", ".nan", "1e3", "2026-01-15 10:30:00", "2026-02-30",
    "=", "!custom x",
])
def test_values_read_otherwise_or_unusual_are_left_to_the_careful_reading(written: str) -> None:
    with pytest.raises((yaml.YAMLError, ValueError)):
        quick(f"field: {written}\n")


@pytest.mark.parametrize("text", ["a: 1\na: 2\n", "base: &b {x: 1}\nother:\n  <<: *b\n", "a: [1, 2\n",
                                  "a:\n\t- b\n", "a: b: c\n", "a: \x0b\n"])
def test_keys_written_twice_merges_and_mistakes_are_left_to_the_careful_reading(text: str) -> None:
    with pytest.raises((yaml.YAMLError, ValueError)):
        quick(text)


def test_a_place_with_tricky_values_reads_the_same_quickly() -> None:
    text = PLACE.format(id="caf-tours", kind="caf").replace("nom: CAF de Tours", "nom: Non") + \
        "presentation_resume: on\npivot: '00000000000000'\ncomplement_adresse: 12:30\ncode_insee: '2A004'\n"
    found = quick_model(text, Partner)
    assert found is not None and found == validate(careful(text), Partner, Path("caf-tours.yml"))
    assert (found.nom, found.presentation_resume, found.complement_adresse, found.pivot, found.code_insee) == \
        ("Non", "on", "12:30", "0" * 14, "2A004")
    assert found.date_maj == date(2026, 1, 15) and found.latitude == 47.39


def test_a_place_the_quick_reading_refuses_is_none() -> None:
    text = PLACE.format(id="caf-tours", kind="caf")
    assert quick_model(text.replace('"37000"', "37000"), Partner) is None  # a number: "écrivez-le entre guillemets"
    assert quick_model(text.replace("kind: caf", "kind: mairie"), Partner) is None
    assert quick_model(text.replace("kind: caf", "kind: caf\n1: x"), Partner) is None  # a key that is not a word
