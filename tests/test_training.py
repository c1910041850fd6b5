"""The model is retrained exactly when its inputs change."""
from __future__ import annotations

import shutil
from dataclasses import replace
from pathlib import Path

import pytest

from bot import training
from bot.settings import ROOT


def copy(names: tuple[str, ...], target: Path) -> None:
    for name in names:
        source = ROOT / name
        (shutil.copytree if source.is_dir() else shutil.copy)(source, target / name)


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the project (PROJECT_DIR) and, elsewhere, of the repository's NLU code."""
    copy(training.MODEL_INPUTS, tmp_path)
    repository = tmp_path / "repository"
    (repository / "bot").mkdir(parents=True)
    copy(training.CODE_INPUTS, repository)
    monkeypatch.setattr(training, "ROOT", repository)
    monkeypatch.setattr(training, "settings", replace(training.settings, project_dir=tmp_path))
    return tmp_path


def test_inputs_are_config_domain_and_every_data_file(project: Path) -> None:
    names = {str(path.relative_to(base)) for base, path in training.input_files()}
    assert {"config.yml", "domain.yml", "data/nlu/tutorials.yml", "data/rules/triage.yml",
            "bot/nlu/intent_classifier.py"} <= names


def test_the_nlu_code_of_the_repository_counts_wherever_the_project_is(project: Path) -> None:
    before = training.fingerprint()
    code = training.ROOT / "bot" / "nlu" / "intent_classifier.py"
    code.write_text(code.read_text() + "\n# changed\n")
    assert training.fingerprint() != before
    assert training.fingerprint(with_code=False) == training.fingerprint(project, with_code=False)


def test_fingerprint_follows_content_not_file_times(project: Path) -> None:
    before = training.fingerprint()
    example = project / "data" / "nlu" / "tutorials.yml"
    example.touch()
    assert training.fingerprint() == before
    example.write_text(example.read_text() + "    - comment on zoome une photo\n")
    assert training.fingerprint() != before


def test_a_new_data_file_changes_the_fingerprint(project: Path) -> None:
    before = training.fingerprint()
    (project / "data" / "nlu" / "extra.yml").write_text('version: "3.1"\n')
    assert training.fingerprint() != before


def test_model_is_named_by_the_fingerprint(project: Path) -> None:
    assert training.model_path().name == f"aiguillage-{training.fingerprint()}.tar.gz"
