"""knowledge_base/sites.yml: the shipped sample, and errors that name file and line."""
from __future__ import annotations

from datetime import date, time
from pathlib import Path

import pytest

from bot.knowledge import KnowledgeError, sites
from bot.knowledge.sites import load_sites
from tests.support.booking import SITES
from tests.support.templates import write_changed


def load(tmp_path: Path, **changes: str):
    return load_sites(write_changed(tmp_path / "sites.yml", SITES, **changes))


def line(text: str, needle: str, occurrence: int = 1) -> int:
    """1-based line of the `occurrence`-th line of SITES that contains `needle`."""
    return [number for number, content in enumerate(text.splitlines(), 1) if needle in content][occurrence - 1]


def test_shipped_sample_is_valid() -> None:
    sample = sites()
    assert [site.name for site in sample.sites] == ["Médiathèque centrale", "Bibliothèque de quartier"]
    assert {mediator.first_name for mediator in sample.mediators} == {"Camille", "Yanis"}
    tuesday = sample.availability[0]
    assert (tuesday.weekday_index, tuesday.start, tuesday.end, tuesday.slot_minutes) == (1, time(14), time(17), 45)
    assert sample.sites[0].phone == "+33261910200"
    assert sample.main.name == "Médiathèque centrale"  # the first site: the one patrons are told to call


def test_a_closure_without_end_is_one_day(tmp_path: Path) -> None:
    loaded = load(tmp_path, **{"closures: []": "closures:\n  - start: 2026-05-02\n    reason: Inventaire"})
    assert (loaded.closures[0].start, loaded.closures[0].end) == (date(2026, 5, 2), date(2026, 5, 2))


@pytest.mark.parametrize("old, new, needle, message", [
    ("weekday: mardi", "weekday: mardy", "weekday: mardy", "weekday: « mardy » n'est pas un jour"),
    ("hours: 14:00-17:00", "hours: 14h-17h", "hours: 14h", "hours: « 14h-17h » : écrivez les heures comme"),
    ("hours: 14:00-17:00", "hours: 17:00-14:00", "hours: 17", "la fin doit venir après le début"),
    ("hours: 14:00-17:00", "hours: 25:00-26:00", "hours: 25", "25:00 n'est pas une heure"),
    ("slot_minutes: 45", "slot_minutes: 240", "- mediator: camille", "durent moins qu'un rendez-vous de 240 minutes"),
    ('phone: "02 61 91 02 00"', 'phone: "12 34"', 'phone: "12 34"', "n'est pas un numéro de téléphone français"),
    ("site: centrale", "site: centre", "site: centre", "site « centre » n'est pas dans les sites de ce fichier"),
    ("  - id: yanis", "  - id: camille", "  - id: camille", "id « camille » est écrit deux fois dans mediators"),
])
def test_errors_name_file_and_line(tmp_path: Path, old: str, new: str, needle: str, message: str) -> None:
    changed = SITES.replace(old, new, 1)
    number = line(changed, needle, 2 if needle == "  - id: camille" else 1)
    with pytest.raises(KnowledgeError) as error:
        load(tmp_path, **{old: new})
    assert f"sites.yml:{number}: " in str(error.value) and message in str(error.value), str(error.value)


def test_a_mediator_cannot_be_in_two_places_at_once(tmp_path: Path) -> None:
    overlapping = """  - mediator: camille
    site: annexe
    weekday: mardi
    hours: 16:30-18:00
    slot_minutes: 30
closures: []"""
    with pytest.raises(KnowledgeError, match=rf"sites.yml:{line(SITES, 'closures') + 3}: camille est déjà à "
                                             r"centrale le mardi 14:00-17:00"):
        load(tmp_path, **{"closures: []": overlapping})
    later = overlapping.replace("    slot_minutes: 30", "    slot_minutes: 30\n    valid_from: 2027-01-01")
    one_after_the_other = load(tmp_path, **{"closures: []": later, "    slot_minutes: 45\n":
                                            "    slot_minutes: 45\n    valid_until: 2026-12-31\n"})
    assert len(one_after_the_other.availability) == 4
