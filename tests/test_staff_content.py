"""Editing the assistant's responses and the knowledge base as the console does, on copies of the project's files:
only the changed lines differ, checks as `make validate`, conflicts, and the running loaders see saved files."""
from __future__ import annotations

import difflib
import os
import shutil
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Iterator

import pytest
from rasa.shared.core.domain import Domain

from bot.booking.store import BookingStore
from bot.hours import PARIS
from bot.knowledge import KnowledgeError, communes, partners, sites, validate_all
from bot.knowledge.reloading import reloading, stamp
from bot.settings import ROOT, Settings
from bot.staff.content.editors import BRACES, Edit, catalogue, editor, publish
from bot.staff.content.edits import ADDED, REMOVED, Conflict, Problem, diff, read, save
from tests.support.booking import Clock, paris, sqlite_url

NEW_HOURS = "Mo-Fr 09:00-12:00; PH off"


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Settings over copies of the project's domain.yml and knowledge base."""
    (tmp_path / "project").mkdir()
    shutil.copy(ROOT / "domain.yml", tmp_path / "project" / "domain.yml")
    shutil.copytree(ROOT / "knowledge_base", tmp_path / "knowledge_base")
    return Settings.from_env({"VAR_DIR": str(tmp_path / "var"), "PROJECT_DIR": str(tmp_path / "project"),
                              "KNOWLEDGE_DIR": str(tmp_path / "knowledge_base")})


def changed_lines(before: str, after: str) -> list[str]:
    """The lines removed and added, as `difflib` sees them."""
    return [line for line in difflib.ndiff(before.splitlines(), after.splitlines()) if line[:1] in "+-"]


def line_with(path: Path, words: str) -> int:
    """The number of the file's only line with `words`."""
    number, = [number for number, line in enumerate(read(path).text.splitlines(), 1) if words in line]
    return number


def edited(edit: Edit, **values: str) -> tuple[str, str, list[Problem]]:
    """The file's text, its text with the form's `values` changed, and the problems of that change."""
    before = read(edit.path).text
    after = edit.apply(before, {**edit.values(before), **values})
    return before, after, edit.problems(before, after)


def test_the_catalogue_names_things_as_staff_know_them(settings: Settings) -> None:
    groups = dict(catalogue(settings))
    assert list(groups) == ["Réponses de l'assistant", "Fiches tutoriels", "Partenaires", "Charte",
                            "Sites et rendez-vous", "Thèmes"]
    assert "CAF de Touraine – accueil de Tours" in [edit.name for edit in groups["Partenaires"]]
    assert "Suivre un colis" in [edit.name for edit in groups["Fiches tutoriels"]]
    assert groups["Réponses de l'assistant"][1].name == "Au revoir ! Revenez quand vous voulez."
    assert editor("fichier", "../domain.yml", settings) is None and editor("partenaire", "nobody", settings) is None
    assert editor("reponse", "utter_nothing", settings) is None


def test_the_catalogue_lists_the_files_the_editor_opens_and_only_them(settings: Settings) -> None:
    partners_folder = settings.knowledge_dir / "partners"
    shutil.copy(partners_folder / "caf-tours.yml", partners_folder / "CAF_Tours_2.yml")
    shutil.copy(partners_folder / "caf-tours.yml", partners_folder / "caf.tours.yml")
    listed = [(edit.kind, edit.key) for edit in dict(catalogue(settings))["Partenaires"]]
    assert ("partenaire", "CAF_Tours_2") in listed and ("partenaire", "caf.tours") not in listed
    for kind, key in listed:
        assert editor(kind, key, settings) is not None, key
    assert editor("partenaire", "caf.tours", settings) is None
    assert editor("fichier", "charter.yml\n", settings) is None
    assert editor("partenaire", "caf-tours\n", settings) is None
    for outside in ("../project/domain.yml", "tutorials/../../project/domain.yml", "partners/../../project/domain.yml"):
        assert editor("fichier", outside, settings) is None, outside  # the files exist, out of the knowledge base


def test_new_hours_of_a_partner_change_their_line_and_the_update_date_only(settings: Settings) -> None:
    edit = editor("partenaire", "caf-tours", settings)
    before, after, problems = edited(edit, horaires=NEW_HOURS)
    assert problems == []
    assert changed_lines(before, after) == [
        "- horaires: Mo-Fr 08:30-12:00,13:30-16:30; PH off", f"+ horaires: {NEW_HOURS}",
        "- date_maj: 2026-01-15", f"+ date_maj: {datetime.now(PARIS).date()}"]
    assert after.startswith("# SAMPLE TERRITORY") and 'telephone: "02 61 91 01 01"' in after  # comment, quotes kept
    assert [(line.change, line.text) for group in diff(before, after) for line in group
            if line.change in (ADDED, REMOVED)][:2] == [(REMOVED, "horaires: Mo-Fr 08:30-12:00,13:30-16:30; PH off"),
                                                        (ADDED, f"horaires: {NEW_HOURS}")]


def test_other_partner_fields_keep_their_style(settings: Settings) -> None:
    edit = editor("partenaire", "caf-tours", settings)
    before, after, problems = edited(edit, telephone="0247123456", bring="Une pièce d'identité.\n\n",
                                     accessibility="")
    assert problems == []
    assert 'telephone: "0247123456"' in after  # still quoted: YAML would read a number
    assert "bring:\n  - Une pièce d'identité.\ndate_maj" in after and "accessibility" not in after


def test_invalid_hours_are_refused_with_file_and_line_and_nothing_is_written(settings: Settings) -> None:
    edit = editor("partenaire", "caf-tours", settings)
    before, _, problems = edited(edit, horaires="lundi 9h-12h", code_postal="370")
    assert [(problem.file, problem.line, problem.field) for problem in problems] == [
        ("partners/caf-tours.yml", 7, "code_postal"), ("partners/caf-tours.yml", 15, "horaires")]
    assert "OpenStreetMap" in problems[1].message
    assert read(edit.path).text == before


def test_a_broken_file_is_refused_with_its_line(settings: Settings) -> None:
    edit = editor("fichier", "charter.yml", settings)
    before = read(edit.path).text
    problems = edit.problems(before, before.replace("clarify_margin:", "clarify_margin: [", 1))
    assert len(problems) == 1 and problems[0].file == "charter.yml" and problems[0].field == "texte"
    assert problems[0].line and "YAML incorrect" in problems[0].message
    whole = editor("fichier", "partners/caf-tours.yml", settings)
    _, _, problems = edited(whole, texte=read(whole.path).text.replace("commune: Tours", "commune: Marseille"))
    assert [(problem.file, problem.line) for problem in problems] == [("partners/caf-tours.yml", 8)]


def test_a_save_is_refused_when_someone_changed_the_file_meanwhile(settings: Settings) -> None:
    edit = editor("fichier", "topics.yml", settings)
    opened = read(edit.path)
    save(edit.path, opened.text + "# another edit\n", opened.version)
    with pytest.raises(Conflict):
        save(edit.path, opened.text + "# mine\n", opened.version)
    assert read(edit.path).text.endswith("# another edit\n")
    assert not [path for path in edit.path.parent.iterdir() if path.name.startswith(".")]  # no temporary left


@pytest.mark.slow
def test_a_response_edit_changes_its_line_only_and_rasa_loads_it(settings: Settings) -> None:
    edit = editor("reponse", "utter_goodbye", settings)
    before, after, problems = edited(edit, **{"texte-0": 'À bientôt ! Dites "bonjour" quand vous voulez.\r\n'})
    assert problems == []
    assert changed_lines(before, after) == ['-     - text: "Au revoir ! Revenez quand vous voulez."',
                                            '+     - text: "À bientôt ! Dites \\"bonjour\\" quand vous voulez."']
    responses = Domain.from_yaml(after).responses
    assert responses["utter_goodbye"] == [{"text": 'À bientôt ! Dites "bonjour" quand vous voulez.'}]


@pytest.mark.slow
def test_a_response_keeps_its_placeholders_and_is_never_empty(settings: Settings) -> None:
    edit = editor("reponse", "utter_privacy", settings)
    text = edit.values(read(edit.path).text)["texte-0"]
    _, _, problems = edited(edit, **{"texte-0": text.replace("{days}", "{jours}")})
    assert [(problem.field, problem.message.split()[0]) for problem in problems] == [("texte-0", "{days}"),
                                                                                      ("texte-0", "{jours}")]
    assert problems[0].file == "domain.yml" and problems[0].line == line_with(edit.path, "{never_ask}")
    greet = editor("reponse", "utter_greet", settings)
    _, _, problems = edited(greet, **{"texte-1": "  "})
    assert [(problem.field, problem.line) for problem in problems] == [
        ("texte-1", line_with(greet.path, "Vos données : écrivez /rgpd."))]


def test_braces_that_would_break_a_need_title_or_a_response_are_refused(settings: Settings) -> None:
    charter = editor("fichier", "charter.yml", settings)
    text = read(charter.path).text
    _, _, problems = edited(charter, texte=text.replace('"Apprendre : {label}"', '"Apprendre : {theme}"'))
    assert [(problem.file, problem.line, problem.message) for problem in problems] == [
        ("charter.yml", line_with(charter.path, '"Apprendre : {label}"'),
         "needs.learn.title: seul {label} peut être entre accolades, pas {theme}")]
    response = editor("reponse", "utter_goodbye", settings)
    _, _, problems = edited(response, **{"texte-0": "À bientôt {"})
    assert [(problem.field, problem.message) for problem in problems] == [("texte-0", BRACES)]


@pytest.mark.slow
def test_a_response_variation_without_text_is_left_as_it_is(settings: Settings) -> None:
    domain = settings.project_dir / "domain.yml"
    domain.write_text(domain.read_text().replace("responses:\n", "responses:\n  utter_map:\n"
                                                 "    - custom: {plan: centrale}\n"
                                                 "    - text: Voici le plan.\n", 1))
    edit = editor("reponse", "utter_map", settings)
    assert edit.name == "Voici le plan." and [field.name for field in edit.fields] == ["texte-1"]
    before, after, problems = edited(edit, **{"texte-1": "Voici le plan de la médiathèque."})
    assert problems == [] and changed_lines(before, after) == [
        "-     - text: Voici le plan.", "+     - text: Voici le plan de la médiathèque."]
    assert "utter_map" in [edit.key for edit in dict(catalogue(settings))["Réponses de l'assistant"]]


def test_the_loaders_read_a_changed_file_again_and_only_then(settings: Settings) -> None:
    folder = settings.knowledge_dir / "partners"
    first = partners(folder)
    assert partners(folder) is first  # unchanged: not read again
    edit = editor("partenaire", "caf-tours", settings)
    before, after, _ = edited(edit, horaires=NEW_HOURS)
    save(edit.path, after, read(edit.path).version)
    again = partners(folder)
    assert again is not first and next(place for place in again if place.id == "caf-tours").horaires == NEW_HOURS
    known = communes(settings.knowledge_dir / "communes.yml")
    assert communes(settings.knowledge_dir / "communes.yml") is known
    edit = editor("partenaire", "caf-tours", settings)
    save(edit.path, edited(edit, horaires="Mo-Fr 09:00-12:00")[1], read(edit.path).version)
    assert communes(settings.knowledge_dir / "communes.yml") is not known  # the places give the centres


def test_a_file_changed_by_hand_into_a_broken_one_leaves_the_last_good_version(tmp_path: Path) -> None:
    reads = []

    @reloading()
    def numbers(path: Path = tmp_path / "numbers.txt") -> list[int]:
        reads.append(path)
        try:
            return [int(word) for word in path.read_text().split()]
        except ValueError as error:
            raise KnowledgeError(f"{path}:1: {error}") from error

    (tmp_path / "numbers.txt").write_text("1 2")
    assert numbers() == [1, 2] and numbers() == [1, 2] and len(reads) == 1
    (tmp_path / "numbers.txt").write_text("1 two")
    assert numbers() == [1, 2] and numbers() == [1, 2] and len(reads) == 2  # tried once, kept the good one
    (tmp_path / "numbers.txt").unlink()
    (tmp_path / "numbers.txt").mkdir()  # unreadable: an error the loader does not expect, not a KnowledgeError
    assert numbers() == [1, 2] and len(reads) == 3
    (tmp_path / "numbers.txt").rmdir()
    (tmp_path / "numbers.txt").write_text("3")
    assert numbers() == [3]


def test_a_file_saved_in_latin1_or_with_a_control_character_is_named_and_the_last_good_version_stays(
        settings: Settings) -> None:
    folder = settings.knowledge_dir / "partners"
    first = partners(folder)
    path = folder / "caf-tours.yml"
    text = path.read_text(encoding="utf-8")
    path.write_bytes(text.encode().replace(b"horaires:", "# fermé l'été\nhoraires:".encode("latin-1")))
    assert partners(folder) is first
    assert validate_all(settings.knowledge_dir) == [
        f"{path}:15: texte qui n'est pas en UTF-8 : enregistrez le fichier en UTF-8"]
    path.write_text(text.replace("horaires:", "horaires:\x0b"), encoding="utf-8")
    assert partners(folder) is first
    assert validate_all(settings.knowledge_dir) == [
        f"{path}:15: YAML incorrect : caractère invisible U+000B interdit : retirez-le"]


def test_the_consoles_temporary_files_and_files_gone_meanwhile_are_left_out_of_a_folders_stamp(
        settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = settings.knowledge_dir / "partners"
    before = stamp(folder)
    (folder / ".caf-tours.yml.x1.tmp").write_text("being written")
    assert stamp(folder) == before
    scandir = os.scandir

    class Gone:
        """An entry whose file is removed between os.scandir and its stat."""

        def __init__(self, entry: os.DirEntry) -> None:
            self.name, self.path, self.is_dir, self.is_file = entry.name, entry.path, entry.is_dir, entry.is_file

        def stat(self) -> os.stat_result:
            raise FileNotFoundError(self.path)

    @contextmanager
    def vanishing(path: str) -> Iterator[list[Any]]:
        with scandir(path) as entries:
            yield [Gone(entry) if entry.name == "caf-tours.yml" else entry for entry in entries]

    monkeypatch.setattr(os, "scandir", vanishing)
    assert stamp(folder) == tuple(found for found in before if not found[0].endswith("/caf-tours.yml"))


def test_an_edit_of_the_sites_reaches_the_booking_database_at_once(settings: Settings, tmp_path: Path) -> None:
    tuesday = paris(2026, 12, 1, 8)  # camille is at centrale on Tuesdays 14:00-17:00
    store = BookingStore(sqlite_url(tmp_path), clock=Clock(tuesday))
    store.migrate()
    store.load_knowledge(sites(settings.knowledge_dir / "sites.yml"))
    assert store.free_slots(tuesday, limit=1)[0].start == paris(2026, 12, 1, 14)
    edit = editor("fichier", "sites.yml", settings)
    before, after, problems = edited(edit, texte=read(edit.path).text.replace(
        "closures:", "closures:\n  - start: 2026-12-01\n    reason: Inventaire", 1))
    assert problems == []
    save(edit.path, after, read(edit.path).version)
    publish(edit, store)
    assert store.free_slots(tuesday, limit=1)[0].start > tuesday + timedelta(days=1)
    store.close()


def test_a_closure_on_a_day_that_does_not_exist_is_named_with_its_line(settings: Settings) -> None:
    edit = editor("fichier", "sites.yml", settings)
    before = read(edit.path).text
    _, after, problems = edited(edit, texte=before.replace("  - start: 2027-01-14\n", "  - start: 2027-02-30\n", 1))
    line = after.splitlines().index("  - start: 2027-02-30") + 1
    assert problems == [Problem("cette date ou cette heure n'existe pas", "sites.yml", line,
                                "texte")]
    (settings.knowledge_dir / "sites.yml").write_text(after.replace("2027-02-30", "2027-01-14 25:00:00"))
    assert validate_all(settings.knowledge_dir) == [
        f"{settings.knowledge_dir / 'sites.yml'}:{line}: cette date ou cette heure n'existe pas"]


def test_sites_saved_but_not_loaded_into_the_database_are_reported_not_raised(settings: Settings,
                                                                              tmp_path: Path) -> None:
    store = BookingStore(sqlite_url(tmp_path))  # never migrated: no table to load into
    assert publish(editor("fichier", "sites.yml", settings), store) is False
    assert publish(editor("fichier", "topics.yml", settings), store) is True  # nothing to load
    store.close()
