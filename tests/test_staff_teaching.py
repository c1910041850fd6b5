"""Teaching from the inbox on a copy of the project: examples added by line insertion that Rasa reads back, a new
intent written to its four files or to none, decisions remembered and undone (SQLite and PostgreSQL)."""
from __future__ import annotations

import os
import re
import shutil
from collections import Counter
from pathlib import Path
from typing import Iterator

import pytest
from rasa.shared.core.domain import Domain
from rasa.shared.core.training_data.story_reader.yaml_story_reader import YAMLStoryReader
from rasa.shared.nlu.training_data.formats.rasa_yaml import RasaYAMLReader
from sqlalchemy.exc import OperationalError, SQLAlchemyError
from sqlalchemy.orm import SessionTransaction

from bot.db.upgrade import upgrade
from bot.knowledge import Charter
from bot.knowledge.files import load_model
from bot.settings import ROOT, Settings
from bot.staff import files as staff_files
from bot.staff.accounts import StaffAccounts
from bot.staff.content import edits
from bot.staff.inbox import examples
from bot.staff.inbox import teacher as teacher_module
from bot.staff.inbox.examples import TeachingError, cleaned, examples_added, known_examples, problems
from bot.staff.inbox.intents import STAFF_FILE
from bot.staff.inbox.messages import key_of
from bot.staff.inbox.new_intent import intent_name
from bot.staff.inbox.teacher import Message, Refused, Teacher, Undone
from bot.staff.models import ASSIGNED, DISMISSED

TUTORIALS = "data/nlu/tutorials.yml"
CHOICE = "data/nlu/tutorial_choice.yml"  # has comments


@pytest.fixture
def project(tmp_path: Path) -> Path:
    folder = tmp_path / "project"
    folder.mkdir()
    for name in ("config.yml", "domain.yml", "data", "heldout"):
        (shutil.copytree if (ROOT / name).is_dir() else shutil.copy)(ROOT / name, folder / name)
    shutil.copytree(ROOT / "knowledge_base", folder / "knowledge_base")
    return folder


@pytest.fixture
def teacher(project: Path, database_url: str) -> Iterator[Teacher]:
    upgrade(database_url)
    accounts = StaffAccounts(database_url)
    accounts.add("lea@mediatheque.fr", "Léa", "admin", "un mot de passe assez long")
    accounts.close()
    settings = Settings.from_env({"PROJECT_DIR": str(project), "KNOWLEDGE_DIR": str(project / "knowledge_base"),
                                  "BOOKING_DATABASE_URL": database_url})
    teacher = Teacher(settings)
    yield teacher
    teacher.close()


def rasa_examples(path: Path) -> Counter:
    return Counter((message.get("intent"), message.get("text"))
                   for message in RasaYAMLReader().read(path).training_examples)


def files(project: Path) -> dict[str, bytes]:
    return {str(path.relative_to(project)): path.read_bytes() for path in project.rglob("*") if path.is_file()}


def test_examples_go_at_the_end_of_their_block_and_nothing_else_changes(project: Path) -> None:
    path = project / CHOICE
    before = path.read_bytes().decode()
    _, _, after = examples_added(project, "tutorial_simpler", ["c'est du chinois pour moi", "trop dur [téléphone]"])
    added = [line for line in after.splitlines() if line not in before.splitlines()]
    assert added == ["    - c'est du chinois pour moi", "    - trop dur [téléphone]"]
    assert [line for line in after.splitlines() if line not in added] == before.splitlines()  # comments kept
    lines = after.splitlines()
    harder = lines.index("- intent: tutorial_harder")
    assert lines[harder - 3:harder] == [*added, ""]  # right after the intent's last example
    examples.write_all({path: after})
    assert rasa_examples(path) - rasa_examples(ROOT / CHOICE) == Counter(
        {("tutorial_simpler", "c'est du chinois pour moi"): 1, ("tutorial_simpler", "trop dur [téléphone]"): 1})


MARKUP_AND_LINES = {
    "je veux [apprendre](level) le mail": "je veux [apprendre] (level) le mail",
    'mon [ordi]{"entity": "device"} bug': 'mon [ordi] {"entity": "device"} bug',
    "[a][b] c": "[a] [b] c",
    "bonjour\nje voudrais\r\n  scanner\tun papier": "bonjour je voudrais scanner un papier",
    "- # mon wifi\x00 marche pas": "mon wifi marche pas",
}


def test_text_rasa_would_read_as_markup_or_lines_is_neutralised(project: Path) -> None:
    taught = [cleaned(typed) for typed in MARKUP_AND_LINES]
    assert taught == list(MARKUP_AND_LINES.values())
    path, _, after = examples_added(project, "learn_wifi", taught)
    examples.write_all({path: after})
    assert rasa_examples(path) - rasa_examples(ROOT / TUTORIALS) == Counter(("learn_wifi", text) for text in taught)
    assert all(not message.get("entities") for message in RasaYAMLReader().read(path).training_examples
               if message.get("text") in taught)


def test_known_examples_held_out_messages_and_repeats_are_refused(project: Path) -> None:
    heldout = "comment on allume un ordinateur portable ? j'ai jamais fait de ma vie"
    found = problems(["Bonjour à vous", "BONJOUR A VOUS", heldout, "mon pass navigo", "Mon pass Navigo", "",
                      "x" * 501], known_examples(project), project)
    assert found[0] == found[1] == "L'assistant connaît déjà ce texte (demande « greet »)."  # case, accents aside
    assert "sert à tester l'assistant" in found[2]
    assert 3 not in found and found[4] == "Ce texte est déjà coché plus haut."
    assert found[5] == "Le texte est vide : écrivez au moins un mot." and "trop long" in found[6]


def test_punctuation_word_order_and_a_typo_do_not_hide_a_held_out_or_known_message(project: Path) -> None:
    found = problems(["comment on allume un ordinateur portable j'ai jamais fait de ma vie",
                      "Comment crée-t-on une adresse mail ! j'en ai pas encore",
                      "cest quoi un bon mot de pase le site me dit toujours qu'il est trop faible",
                      "Bonjour à vous !!", "?!", "copier mes fichiers sur une clé usb"],
                     known_examples(project), project)
    assert all("sert à tester l'assistant" in found[index] for index in (0, 1, 2))
    assert found[3] == "L'assistant connaît déjà ce texte (demande « greet »)."
    assert found[4] == "Le texte est vide : écrivez au moins un mot."
    assert 5 not in found  # a few words of a held-out message are not that message


@pytest.mark.slow
def test_assigning_writes_the_examples_and_remembers_the_decision_undo_removes_only_that_line(
        teacher: Teacher, project: Path) -> None:
    original = (project / TUTORIALS).read_bytes()
    added = teacher.assign(1, "learn_formulaire_en_ligne", [
        Message("comment on recharge le pass navigo", "comment on recharge le pass navigo en ligne"),
        Message("Comment on recharge le Pass Navigo ?", "Comment on recharge le Pass Navigo ?")])
    assert added == 2
    assert teacher.decisions.keys() == {key_of("comment on recharge le pass navigo"),
                                        key_of("Comment on recharge le Pass Navigo ?")}
    first, second = sorted(teacher.decisions.recent(), key=lambda decided: decided.id)
    assert (first.text, first.decision, first.intent, first.by) == (
        "comment on recharge le pass navigo en ligne", ASSIGNED, "learn_formulaire_en_ligne", "Léa")
    with pytest.raises(Refused) as again:
        teacher.assign(1, "learn_email", [Message("comment on recharge le pass navigo", "autre texte")])
    assert "déjà été traités" in again.value.fields["messages"]
    assert teacher.undo(first.id) == teacher.undo(second.id) == Undone.EXAMPLE
    assert (project / TUTORIALS).read_bytes() == original
    assert teacher.decisions.keys() == set() and teacher.undo(first.id) is None


def test_undo_leaves_a_line_staff_changed_and_dismissed_messages_wrote_nothing(teacher: Teacher,
                                                                                project: Path) -> None:
    teacher.assign(1, "learn_wifi", [Message("mon wifi", "le wifi marche plus chez moi")])
    teacher.dismiss(1, [Message("<b>blabla</b>", "<b>blabla</b>")])
    path = project / TUTORIALS
    path.write_text(path.read_text().replace("le wifi marche plus chez moi", "le wifi marche plus"))
    edited = path.read_bytes()
    undone = {decided.decision: teacher.undo(decided.id) for decided in teacher.decisions.recent()}
    assert undone == {ASSIGNED: Undone.GONE, DISMISSED: Undone.DISMISSAL}
    assert path.read_bytes() == edited and teacher.decisions.recent() == []


def test_a_wrong_intent_or_no_message_is_refused_and_nothing_is_written(teacher: Teacher, project: Path) -> None:
    before = files(project)
    with pytest.raises(Refused) as wrong:
        teacher.assign(1, "forget_me", [Message("oubliez moi", "oubliez moi")])  # no examples: never typed
    assert wrong.value.fields == {"intent": "Choisissez une demande dans la liste."}
    with pytest.raises(Refused) as empty:
        teacher.dismiss(1, [])
    assert empty.value.fields == {"messages": "Cochez au moins un message."}
    assert files(project) == before and teacher.decisions.keys() == set()


@pytest.mark.slow
def test_a_new_intent_is_written_to_its_four_files_and_every_reader_accepts_them(teacher: Teacher,
                                                                                  project: Path) -> None:
    before = files(project)
    name = teacher.create(1, "learn:formulaire_en_ligne", "Le pass Navigo : recharger",
                          [Message("recharger mon navigo", "recharger mon navigo"),
                           Message("carte navigo en ligne", "la carte navigo sur internet")])
    assert name == "learn_le_pass_navigo_recharger"
    changed = {path for path, content in files(project).items() if before.get(path) != content}
    assert changed == {"domain.yml", "data/rules/triage.yml", "knowledge_base/charter.yml", STAFF_FILE}
    for path in changed - {STAFF_FILE}:
        old, new = before[path].decode().splitlines(), (project / path).read_text().splitlines()
        assert [line for line in new if line not in old] == [
            {"domain.yml": f"  - {name}", "data/rules/triage.yml": f"          - intent: {name}",
             "knowledge_base/charter.yml": f"      {name}: formulaire_en_ligne"}[path]]
        assert [line for line in new if line in old] == old
    assert name in Domain.from_path(project / "domain.yml").intents
    charter = load_model(project / "knowledge_base/charter.yml", Charter)
    assert charter.need_of(name) == (charter.needs["learn"], "formulaire_en_ligne")
    staff = RasaYAMLReader().read(project / STAFF_FILE)
    assert {(m.get("intent"), m.get("text")) for m in staff.training_examples} == {
        (name, "recharger mon navigo"), (name, "la carte navigo sur internet")}
    assert (project / STAFF_FILE).read_text().startswith("# Intents that staff created")
    assert teacher.catalogue().label(name) == (
        "Apprendre : remplir un formulaire en ligne — Le pass Navigo : recharger")
    assert teacher.assign(1, name, [Message("navigo recharge", "navigo recharge")]) == 1  # now in staff.yml
    assert rasa_examples(project / STAFF_FILE)[(name, "navigo recharge")] == 1
    second = teacher.create(1, "organism_question:caf", "le pass navigo recharger", [Message("a b c", "a b c")])
    assert second == "refer_le_pass_navigo_recharger"
    assert intent_name("Le pass Navigo : recharger", ["learn_email"], [name]) == f"{name}_2"


def test_a_new_intent_that_a_check_refuses_writes_no_file(teacher: Teacher, project: Path) -> None:
    rules = project / "data/rules/triage.yml"
    rules.write_text(rules.read_text().replace("          - intent: refer_caf\n", ""))  # a sibling less: fine
    domain = project / "domain.yml"
    domain.write_text(domain.read_text().replace("  - refer_", "  - other_"))  # the need's intents are gone
    before = files(project)
    with pytest.raises(TeachingError, match="introuvables dans domain.yml"):
        teacher.create(1, "organism_question:caf", "La cantine", [Message("payer la cantine", "payer la cantine")])
    with pytest.raises(Refused) as refused:
        teacher.create(1, "nowhere:", "", [Message("payer la cantine", "bonjour")])
    assert set(refused.value.fields) == {0, "label", "place"}
    assert files(project) == before and teacher.decisions.keys() == set()


def test_writing_several_files_puts_the_first_back_when_a_later_one_fails(project: Path,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    first, second = project / "domain.yml", project / "config.yml"
    before = files(project)
    replace = os.replace
    monkeypatch.setattr(staff_files.os, "replace", lambda source, target: (
        replace(source, target) if Path(target) != second else (_ for _ in ()).throw(OSError("disk full"))))
    with pytest.raises(OSError):
        examples.write_all({first: "changed", second: "changed"})
    assert files(project) == before  # nor any temporary file left


@pytest.mark.slow
def test_a_decision_the_database_does_not_commit_leaves_every_file_as_it_was(
        teacher: Teacher, project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    before = files(project)

    def refused(*_: object) -> None:
        raise OperationalError("COMMIT", {}, Exception("the database went away"))

    monkeypatch.setattr(SessionTransaction, "commit", refused)
    with pytest.raises(SQLAlchemyError):
        teacher.assign(1, "learn_wifi", [Message("mon wifi", "le wifi marche plus chez moi")])
    with pytest.raises(SQLAlchemyError):
        teacher.create(1, "learn:formulaire_en_ligne", "La cantine", [Message("la cantine", "payer la cantine")])
    monkeypatch.undo()
    assert files(project) == before and teacher.decisions.keys() == set()  # staff.yml, new then, is gone again
    assert teacher.assign(1, "learn_wifi", [Message("mon wifi", "le wifi marche plus chez moi")]) == 1


def test_personal_data_staff_type_is_masked_before_it_is_written(teacher: Teacher, project: Path) -> None:
    teacher.assign(1, "learn_email", [Message("mon mail marche plus", "mon mail jean.dupont@free.fr marche plus, "
                                                                      "appelez le 06 12 34 56 78")])
    taught = "mon mail [e-mail] marche plus, appelez le [téléphone]"
    assert f"    - {taught}" in (project / "data/nlu/tutorials.yml").read_text().splitlines()
    assert [decided.text for decided in teacher.decisions.recent()] == [taught]


def test_a_response_saved_while_a_new_intent_is_built_is_kept_and_the_intent_refused(
        teacher: Teacher, project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    domain = project / "domain.yml"
    saved = edits.read(domain).text.replace("Au revoir ! Revenez quand vous voulez.", "À bientôt !")
    built = teacher_module.new_intent_files

    def built_then_a_response_saved(*arguments: object) -> tuple:
        found = built(*arguments)
        edits.save(domain, saved, edits.read(domain).version)  # « Réponses et fiches », meanwhile
        return found

    monkeypatch.setattr(teacher_module, "new_intent_files", built_then_a_response_saved)
    before = files(project)
    with pytest.raises(TeachingError, match="Quelqu'un a changé domain.yml en même temps que vous.*Recommencez"):
        teacher.create(1, "learn:formulaire_en_ligne", "La cantine", [Message("payer la cantine", "payer la cantine")])
    assert domain.read_text() == saved
    assert files(project) == {**before, "domain.yml": saved.encode()} and teacher.decisions.keys() == set()


def readers_accept(project: Path) -> Domain:
    """The four files a new intent is written to, read as Rasa and the assistant read them."""
    domain = Domain.from_path(project / "domain.yml")
    YAMLStoryReader(domain).read_from_file(project / "data/rules/triage.yml")
    load_model(project / "knowledge_base/charter.yml", Charter)
    if (project / STAFF_FILE).exists():
        RasaYAMLReader().read(project / STAFF_FILE)
    return domain


@pytest.mark.slow
def test_undoing_the_last_example_of_a_new_intent_removes_it_from_its_four_files(
        teacher: Teacher, project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    before = files(project)  # no staff.yml yet
    name = teacher.create(1, "learn:formulaire_en_ligne", "La cantine",
                          [Message("payer la cantine", "payer la cantine"), Message("cantine", "la cantine en ligne")])
    first, last = sorted(teacher.decisions.recent(), key=lambda decided: decided.id)
    assert teacher.undo(first.id) == Undone.EXAMPLE and name in readers_accept(project).intents
    created = files(project)
    monkeypatch.setattr(SessionTransaction, "commit", lambda *_: (_ for _ in ()).throw(
        OperationalError("COMMIT", {}, Exception("the database went away"))))
    with pytest.raises(SQLAlchemyError):
        teacher.undo(last.id)
    monkeypatch.undo()
    assert files(project) == created  # staff.yml, removed meanwhile, is back
    assert teacher.undo(last.id) == Undone.INTENT
    assert files(project) == before and teacher.decisions.recent() == []
    kept = teacher.create(1, "organism_question:caf", "La cantine", [Message("a b c", "a b c")])
    with_staff = files(project)
    name = teacher.create(1, "learn:formulaire_en_ligne", "Le centre de loisirs",
                          [Message("centre de loisirs", "inscrire au centre de loisirs")])
    decided = next(decided for decided in teacher.decisions.recent() if decided.intent == name)
    assert teacher.undo(decided.id) == Undone.INTENT
    assert files(project) == with_staff and kept in readers_accept(project).intents


@pytest.mark.slow
def test_undoing_a_new_intent_that_a_check_refuses_writes_nothing(teacher: Teacher, project: Path) -> None:
    name = teacher.create(1, "learn:formulaire_en_ligne", "La cantine", [Message("la cantine", "payer la cantine")])
    charter = project / "knowledge_base/charter.yml"  # its target on a line of its own: valid, but two lines
    charter.write_text(charter.read_text().replace(f"{name}: formulaire_en_ligne",
                                                   f"{name}:\n        formulaire_en_ligne"))
    before = files(project)
    with pytest.raises(TeachingError, match="La charte ne se lit plus"):
        teacher.undo(teacher.decisions.recent()[0].id)
    assert files(project) == before and len(teacher.decisions.recent()) == 1


def test_the_last_example_of_an_intent_not_created_by_staff_is_still_refused(teacher: Teacher,
                                                                              project: Path) -> None:
    teacher.assign(1, "thanks", [Message("merci mille fois", "merci mille fois")])
    path = project / "data/nlu/conversation.yml"  # staff removed the others by hand
    path.write_text(re.sub(r"(- intent: thanks\n  examples: \|\n)(    - .*\n)+", r"\1    - merci mille fois\n",
                           path.read_text()))
    before = files(project)
    with pytest.raises(TeachingError, match="C'est le dernier exemple de « thanks »"):
        teacher.undo(teacher.decisions.recent()[0].id)
    assert files(project) == before and len(teacher.decisions.recent()) == 1
