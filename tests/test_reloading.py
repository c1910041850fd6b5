"""Loaders kept until their files change: a large folder (the national data's places) checked file by file only every
few seconds, its folder at each call; partner files read again only when they changed."""
from __future__ import annotations

import importlib
import os
from pathlib import Path
from typing import Callable, List

import pytest

from bot.contract import PARTNER_KINDS
from bot.knowledge import KnowledgeError, national
from bot.knowledge.communes import NationalList
from bot.knowledge.partners import Partner, load_partners
from bot.knowledge.reloading import FULL_CHECK_SECONDS, LARGE, Loader, reloading
from tests.test_partners import write

# bot.knowledge's `reloading` and `partners` are functions: the modules themselves
module, partners_module = (importlib.import_module(f"bot.knowledge.{name}") for name in ("reloading", "partners"))
LONG_AGO = 10**9  # ns: a folder's modification time set to 1970, so that any change to it shows


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    ticking = Clock()
    monkeypatch.setattr(module, "clock", ticking)
    return ticking


def folder_of(tmp_path: Path, files: int) -> Path:
    folder = tmp_path / "places"
    folder.mkdir()
    for number in range(files):
        (folder / f"{number:05d}.txt").write_text(f"place {number}")
    (tmp_path / "side.txt").write_text("communes")
    os.utime(folder, ns=(LONG_AGO, LONG_AGO))
    return folder


def counting(reads: List[Path]) -> Loader[str]:
    """A loader of a folder: the text of its first file and of the file beside it."""
    @reloading("side.txt")
    def first_and_side(folder: Path = Path("unused")) -> str:
        reads.append(folder)
        return (folder / "00000.txt").read_text() + " / " + (folder.parent / "side.txt").read_text()

    return first_and_side


def save_atomically(path: Path, text: str) -> None:
    """As the staff console saves: a hidden temporary file renamed over the file."""
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_text(text)
    os.replace(temporary, path)


def test_in_a_small_folder_a_file_rewritten_in_place_is_seen_at_once(tmp_path: Path, clock: Clock) -> None:
    reads: List[Path] = []
    load = counting(reads)
    folder = folder_of(tmp_path, LARGE - 1)  # LARGE files with the one beside it
    assert load(folder) == "place 0 / communes" and load(folder) == "place 0 / communes" and len(reads) == 1
    (folder / "00000.txt").write_text("place zero")
    assert load(folder) == "place zero / communes" and len(reads) == 2


def test_in_a_large_folder_a_file_rewritten_in_place_is_seen_within_the_interval(tmp_path: Path,
                                                                                   clock: Clock) -> None:
    reads: List[Path] = []
    load = counting(reads)
    folder = folder_of(tmp_path, LARGE + 1)
    assert load(folder) == "place 0 / communes"
    (folder / "00000.txt").write_text("place zero")  # the folder itself does not change
    clock.now += FULL_CHECK_SECONDS - 0.1
    assert load(folder) == "place 0 / communes" and len(reads) == 1  # only the folder was checked
    clock.now += 0.2
    assert load(folder) == "place zero / communes" and len(reads) == 2
    assert load(folder) == "place zero / communes" and len(reads) == 2


@pytest.mark.parametrize("change", [
    lambda folder: save_atomically(folder / "00000.txt", "place zero"),
    lambda folder: (folder / "01000.txt").unlink(),
    lambda folder: (folder / "new.txt").write_text("a new place"),
    lambda folder: (folder.parent / "side.txt").write_text("communes changed"),  # in place, beside the folder
], ids=["saved-by-rename", "removed", "added", "file-beside-rewritten"])
def test_in_a_large_folder_a_file_saved_added_or_removed_is_seen_at_once(
        tmp_path: Path, clock: Clock, change: Callable[[Path], None]) -> None:
    reads: List[Path] = []
    load = counting(reads)
    folder = folder_of(tmp_path, LARGE + 1)
    load(folder)
    change(folder)
    load(folder)
    assert len(reads) == 2


def test_a_large_folder_whose_folder_changed_but_no_file_is_not_read_again(tmp_path: Path, clock: Clock) -> None:
    reads: List[Path] = []
    load = counting(reads)
    folder = folder_of(tmp_path, LARGE + 1)
    load(folder)
    (folder / ".00000.txt.tmp").write_text("being written")  # the console's temporary file
    assert load(folder) == "place 0 / communes" and len(reads) == 1


def places_folder(tmp_path: Path) -> Path:
    for kind in PARTNER_KINDS:
        write(tmp_path, id=kind.replace("_", "-"), kind=kind)
    return tmp_path


def test_a_partner_file_unchanged_is_not_read_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder, territory = places_folder(tmp_path), national()
    first = {place.id: place for place in load_partners(folder, territory)}
    read: List[str] = []
    reading = partners_module.load_partner

    def load_partner(path: Path, keys: object) -> Partner:
        read.append(path.stem)
        return reading(path, keys)  # type: ignore[arg-type]

    monkeypatch.setattr(partners_module, "load_partner", load_partner)
    write(folder, id="caf", kind="caf", **{"Mo-Fr 08:30-12:00": "Mo-Fr 08:30-12:30"})
    again = {place.id: place for place in load_partners(folder, territory)}
    assert read == ["caf"] and again["caf"].horaires == "Mo-Fr 08:30-12:30; PH off"
    assert all(again[id] is first[id] for id in first if id != "caf")
    (folder / "mediation-numerique.yml").unlink()
    assert "mediation-numerique" not in {place.id for place in load_partners(folder, territory)} and read == ["caf"]


def test_a_partner_file_unchanged_is_still_checked_against_the_communes(tmp_path: Path) -> None:
    folder, territory = places_folder(tmp_path), national()
    load_partners(folder, territory)
    rows = [(commune.code_insee, commune.nom, " ".join(commune.codes_postaux), commune.departement, "", "", "")
            for commune in territory.communes if commune.nom != "Tours"]
    without_tours = NationalList.of(rows, territory.departements)
    with pytest.raises(KnowledgeError, match=r"caf.yml:8: la commune « Tours » n'est pas dans la liste nationale"):
        load_partners(folder, without_tours)
    assert len(load_partners(folder, territory)) == len(PARTNER_KINDS)


def test_places_loaded_share_their_repeated_values_and_equal_those_read_alone(tmp_path: Path) -> None:
    folder, territory = places_folder(tmp_path), national()
    caf, cpam = (place for place in load_partners(folder, territory) if place.kind in ("caf", "cpam"))
    assert caf == partners_module.load_partner(folder / "caf.yml", territory)
    assert caf.commune is cpam.commune and caf.date_maj is cpam.date_maj and caf.courriels is cpam.services
    assert caf.dict()["courriels"] == [] and caf.copy(deep=True) == caf
    with pytest.raises(TypeError, match="shared"):
        caf.services.append("Aide aux démarches administratives")
    assert cpam.services == []
