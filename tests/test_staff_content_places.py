"""The console's partners a page at a time, on copies of the knowledge base with generated places: pages and their
limits, search, the places absent from their latest import, broken files, and a page view that does not read every
partner file again."""
from __future__ import annotations

import builtins
import io
import shutil
from contextlib import contextmanager
from dataclasses import replace
from datetime import date
from pathlib import Path
from types import SimpleNamespace
from typing import Any, Iterator

import pytest

from bot.knowledge import partners
from bot.knowledge.reloading import reloading, stamp
from bot.settings import ROOT, Settings
from bot.staff.content.editors import catalogue, editor, partner_edit
from bot.staff.content.places import PER_PAGE, Listing, listing, places
from bot.web.console.content import address, page_number
from bot.web.pages import TEMPLATES
from tests.support.html_check import parse, problems

SAMPLE = 17  # the project's own partner places
PLACE = """id: {id}
kind: mediation_numerique
nom: {nom}
adresse: {number} rue des Tanneurs
code_postal: "{postcode}"
commune: {commune}
latitude: 47.39
longitude: 0.68
services: [Accès internet et matériel informatique]
origin: lieux-37.csv
{extra}date_maj: 2026-01-15
"""


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Settings over a copy of the project's knowledge base (domain.yml is the project's own, only read)."""
    shutil.copytree(ROOT / "knowledge_base", tmp_path / "knowledge_base")
    return Settings.from_env({"VAR_DIR": str(tmp_path / "var"), "PROJECT_DIR": str(ROOT),
                              "KNOWLEDGE_DIR": str(tmp_path / "knowledge_base")})


def add_places(settings: Settings, count: int, commune: str = "Tours", postcode: str = "37000",
               start: int = 0, **extra: str) -> list[str]:
    """`count` imported places named « Lieu numérique N », their ids."""
    ids = []
    for number in range(start, start + count):
        identifier = f"lieu-{number:05d}"
        write_place(settings, identifier, f"Lieu numérique {number:05d}", commune, postcode, number, **extra)
        ids.append(identifier)
    return ids


def write_place(settings: Settings, identifier: str, name: str, commune: str = "Tours", postcode: str = "37000",
                number: int = 1, **extra: str) -> Path:
    path = settings.knowledge_dir / "partners" / f"{identifier}.yml"
    lines = "".join(f"{key}: {value}\n" for key, value in extra.items())
    path.write_text(PLACE.format(id=identifier, nom=name, number=number, postcode=postcode, commune=commune,
                                 extra=lines), encoding="utf-8")
    return path


def names(found: Listing) -> list[str]:
    return [place.name for place in found.places]


def render(settings: Settings, found: Listing) -> str:
    """The console's content page for this listing, as the web server renders it."""
    staff = SimpleNamespace(role="admin", csrf_token="jeton")
    return TEMPLATES.get_template("console/content.html").render(
        staff=staff, groups=catalogue(settings, found.places), partners=found,
        address=lambda number: address(found, number))


@contextmanager
def partner_reads(settings: Settings) -> Iterator[list[str]]:
    """The partner files read meanwhile, by Path.read_text, Path.read_bytes or open()."""
    folder, opened = str(settings.knowledge_dir / "partners"), []

    def counting(read: Any) -> Any:
        def counted(file: Any, *args: Any, **kwargs: Any) -> Any:
            if str(file).startswith(folder):
                opened.append(Path(file).name)
            return read(file, *args, **kwargs)
        return counted

    with pytest.MonkeyPatch.context() as patch:
        for owner, name in ((Path, "read_text"), (Path, "read_bytes"), (io, "open"), (builtins, "open")):
            patch.setattr(owner, name, counting(getattr(owner, name)))
        yield opened


def test_pages_hold_fifty_places_and_a_page_out_of_range_is_the_nearest_one(settings: Settings) -> None:
    add_places(settings, 120)
    first, second, last = (listing(settings.knowledge_dir, number=number) for number in (1, 2, 3))
    assert (first.total, first.found, first.pages) == (SAMPLE + 120, SAMPLE + 120, 3)
    assert [len(page.places) for page in (first, second, last)] == [PER_PAGE, PER_PAGE, SAMPLE + 120 - 2 * PER_PAGE]
    assert (first.previous, first.next, second.previous, second.next, last.previous, last.next) == (
        None, 2, 1, 3, 2, None)
    every = names(first) + names(second) + names(last)
    assert len(set(every)) == SAMPLE + 120 and every.index("Lieu numérique 00000") < every.index("Lieu numérique 00119")
    assert names(listing(settings.knowledge_dir, number=0)) == names(first)
    assert names(listing(settings.knowledge_dir, number=99)) == names(last)
    assert listing(settings.knowledge_dir, number=99).number == 3


def test_the_pages_linked_are_the_ends_and_those_around_this_one(settings: Settings) -> None:
    found = listing(settings.knowledge_dir)
    assert (found.pages, found.nearby) == (1, [1])
    assert replace(found, number=20, pages=40).nearby == [1, None, 18, 19, 20, 21, 22, None, 40]
    assert replace(found, number=1, pages=40).nearby == [1, 2, 3, None, 40]
    assert replace(found, number=4, pages=6).nearby == [1, 2, 3, 4, 5, 6]
    assert replace(found, number=40, pages=40).nearby == [1, None, 38, 39, 40]


def test_a_search_finds_a_place_by_its_name_without_accents_its_commune_postcode_kind_or_id(
        settings: Settings) -> None:
    add_places(settings, 60)
    write_place(settings, "epn-menard", "Espace numérique Élise-Ménard", "Saint-Cyr-sur-Loire", "37540")
    for query in ("elise menard", "ÉLISE", "espace num eli", "st cyr", "Saint-Cyr-sur-Loire", "37540",
                  "menard 37540 saint cyr", "epn-menard"):
        assert names(listing(settings.knowledge_dir, query)) == ["Espace numérique Élise-Ménard"], query
    in_chinon = listing(settings.knowledge_dir, "chinon")
    assert {place.commune for place in in_chinon.places} == {"Chinon"} and in_chinon.found == 3
    assert {place.key for place in listing(settings.knowledge_dir, "37500").places} == {
        place.key for place in in_chinon.places}
    assert listing(settings.knowledge_dir, "la caf").found == 2  # the kind's name in topics.yml
    assert listing(settings.knowledge_dir, "aide au numérique").found == 60 + 1 + 3  # and the sample's three
    nothing = listing(settings.knowledge_dir, "marseille", number=3)
    assert (nothing.found, nothing.pages, nothing.number, list(nothing.places)) == (0, 1, 1, [])


def test_the_places_absent_from_their_latest_import_are_found_apart(settings: Settings) -> None:
    add_places(settings, 8)
    add_places(settings, 3, start=8, absent_since="2026-03-01")
    absent = listing(settings.knowledge_dir, only_absent=True)
    assert names(absent) == ["Lieu numérique 00008", "Lieu numérique 00009", "Lieu numérique 00010"]
    assert {place.absent_since for place in absent.places} == {date(2026, 3, 1)}
    assert listing(settings.knowledge_dir).absent == absent.absent == 3
    assert names(listing(settings.knowledge_dir, "00009", only_absent=True)) == ["Lieu numérique 00009"]
    assert listing(settings.knowledge_dir, "00001", only_absent=True).found == 0
    page = render(settings, absent)
    assert "REMOVE_GONE=1" in page and "absent de la dernière importation depuis le 01/03/2026" in page
    assert problems(page) == []


def test_broken_partner_files_are_still_listed_and_open_as_the_editor_opens_them(settings: Settings) -> None:
    folder = settings.knowledge_dir / "partners"
    (folder / "casse.yml").write_text("nom: [oops\n", encoding="utf-8")
    write_place(settings, "invalide", "Lieu au code faux", postcode="370")
    found = listing(settings.knowledge_dir)  # the loader cannot load the folder: each file is read alone
    listed = {place.key: place for place in found.places}
    assert found.total == SAMPLE + 2 and listed["casse"].name == "casse" and not listed["casse"].form
    assert listed["invalide"].name == "Lieu au code faux" and listed["invalide"].form
    assert listed["caf-tours"].name == "CAF de Touraine – accueil de Tours" and listed["caf-tours"].commune == "Tours"
    for place in found.places:
        edit, opened = partner_edit(settings.knowledge_dir, place), editor(
            partner_edit(settings.knowledge_dir, place).kind, partner_edit(settings.knowledge_dir, place).key,
            settings)
        assert opened is not None and (opened.kind, opened.key, opened.name) == (edit.kind, edit.key, edit.name)
    page = render(settings, found)
    assert 'href="/console/contenus/fichier/partners/casse.yml">casse</a>' in page and problems(page) == []


@pytest.mark.parametrize("also_added", [0, 30])  # a few files read alone; many, given by the loader
def test_a_place_changed_into_a_broken_one_is_listed_as_it_is_now(settings: Settings, also_added: int) -> None:
    assert listing(settings.knowledge_dir, "caf tours").found == 1
    path = settings.knowledge_dir / "partners" / "caf-tours.yml"
    path.write_text(path.read_text(encoding="utf-8").replace("CAF de Touraine – accueil de Tours", "CAF rénovée")
                    .replace('"37000"', '"370"'), encoding="utf-8")
    add_places(settings, also_added)
    assert any(partner.nom == "CAF de Touraine – accueil de Tours"
               for partner in partners(settings.knowledge_dir / "partners"))  # the loader keeps the good one
    found = listing(settings.knowledge_dir, "caf renovee")
    assert [(place.key, place.name) for place in found.places] == [("caf-tours", "CAF rénovée")]
    assert listing(settings.knowledge_dir).total == SAMPLE + also_added


def test_a_page_view_reads_no_partner_file_but_those_that_changed(settings: Settings) -> None:
    ids = add_places(settings, 3000)
    assert listing(settings.knowledge_dir).total == SAMPLE + 3000  # the first view: the loader reads them all
    with partner_reads(settings) as opened:
        found = listing(settings.knowledge_dir, "lieu 01234")
        page = render(settings, found)
        listing(settings.knowledge_dir, number=40)
        listing(settings.knowledge_dir, only_absent=True)
    assert opened == [] and names(found) == ["Lieu numérique 01234"] and problems(page) == []
    write_place(settings, ids[1234], "Lieu renommé", number=999)
    add_places(settings, 2, start=5000)
    with partner_reads(settings) as opened:
        assert names(listing(settings.knowledge_dir, "renomme")) == ["Lieu renommé"]
        assert names(listing(settings.knowledge_dir, "01234")) == ["Lieu renommé"]
    assert sorted(opened) == ["lieu-01234.yml", "lieu-05000.yml", "lieu-05001.yml"]
    (settings.knowledge_dir / "partners" / "lieu-00007.yml").unlink()
    assert listing(settings.knowledge_dir).total == SAMPLE + 3000 + 2 - 1


def test_the_page_of_partners_is_accessible_and_links_its_neighbours(settings: Settings) -> None:
    add_places(settings, 120)
    found = listing(settings.knowledge_dir, "00", number=2)
    page = render(settings, found)
    assert problems(page) == []
    assert "<title>Réponses et fiches – partenaires, page 2 sur 3 – Console" in page
    assert "120 partenaires trouvés sur 137. Page 2 sur 3." in page
    pages, = [element for element in parse(page).iter()
              if element.tag == "nav" and element.attrs.get("aria-label") == "Pages des partenaires"]
    links = [(link.text(), link.attrs["href"], link.attrs.get("aria-current")) for link in pages.iter()
             if link.tag == "a"]
    assert links == [("Page précédente", "/console/contenus?q=00&page=1#partenaires", None),
                     ("1", "/console/contenus?q=00&page=1#partenaires", None),
                     ("2", "/console/contenus?q=00&page=2#partenaires", "page"),
                     ("3", "/console/contenus?q=00&page=3#partenaires", None),
                     ("Page suivante", "/console/contenus?q=00&page=3#partenaires", None)]
    assert 'value="00"' in page and 'href="#partenaires">Partenaires</a> (137)' in page
    assert "Aucun partenaire ne correspond" in render(settings, listing(settings.knowledge_dir, "zzz"))
    assert "Page suivante" not in render(settings, listing(settings.knowledge_dir, "00001"))


def test_a_page_number_that_is_not_one_is_the_first_page() -> None:
    assert [page_number(typed) for typed in ("3", "abc", "²", "-2", "", None, "9" * 20)] == [3, 1, 1, 1, 1, 1, 1]


def test_the_catalogue_still_lists_every_partner_by_default(settings: Settings) -> None:
    add_places(settings, 70)
    listed = dict(catalogue(settings))["Partenaires"]
    assert len(listed) == SAMPLE + 70 and len({edit.key for edit in listed}) == SAMPLE + 70
    assert places(settings.knowledge_dir)[0].name == names(listing(settings.knowledge_dir))[0]


def test_a_loader_says_which_files_what_it_keeps_comes_from(tmp_path: Path) -> None:
    @reloading()
    def number(path: Path = tmp_path / "n.txt") -> int:
        return int(path.read_text())

    file = tmp_path / "n.txt"
    file.write_text("1")
    first = stamp(file)
    assert number.kept(file) == (1, first)
    file.write_text("deux")  # cannot be used: the last good version stays, with the stamp of its file
    assert number.kept(file) == (1, first) and stamp(file) != first
    file.write_text("3")
    assert number.kept(file) == (3, stamp(file)) and number(file) == 3
