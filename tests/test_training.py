"""The model is retrained exactly when its inputs change."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot import training
from bot.settings import ROOT


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name in training.MODEL_INPUTS:
        source = ROOT / name
        (shutil.copytree if source.is_dir() else shutil.copy)(source, tmp_path / name)
    monkeypatch.setattr(training, "ROOT", tmp_path)
    return tmp_path


def test_inputs_are_config_domain_and_every_data_file(project: Path) -> None:
    names = {str(path.relative_to(project)) for path in training.input_files()}
    assert {"config.yml", "domain.yml", "data/nlu/tutorials.yml", "data/rules/triage.yml"} <= names


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
