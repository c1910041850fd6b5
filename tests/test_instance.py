"""A library's instance outside the repository (python -m bot init-library): its environment file read as systemd
and a shell read it, the copy of the sample content, `make validate` naming what a release needs changed, and an
instance edited in the console that keeps working, untouched, after the repository moves to a newer release."""
from __future__ import annotations

import filecmp
import json
import os
import shutil
import stat
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Optional

import pytest

from bot import __main__ as bot_main
from bot import instance
from bot.instance import ENV_FILE, RECORD, InstanceError, check, init_library
from bot.settings import ROOT, Settings, read_env_file
from bot.staff.content.editors import editor
from bot.staff.content.edits import read, save
from bot.staff.inbox import examples
from bot.training import input_files

NEW_HOURS = "Mo-Fr 09:00-12:00; PH off"
TAUGHT = "la connexion sans fil marche pas chez moi"  # taught to learn_wifi in the instance


def git(repository: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=repository, capture_output=True, text=True, check=True).stdout


@pytest.fixture
def release(tmp_path: Path) -> Path:
    """A repository of its own (the code and sample content of this checkout, committed): a release to upgrade."""
    if not shutil.which("git"):
        pytest.skip("git is needed")
    repository = tmp_path / "aiguillage"
    names = git(ROOT, "ls-files", "-z", "--cached", "--others", "--exclude-standard").split("\0")
    for name in names:
        source = ROOT / name
        if name and source.is_file() and not name.startswith(".venv"):
            (repository / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, repository / name)
    git(repository, "init", "--quiet")
    git(repository, "add", "--all")
    git(repository, "-c", "user.name=Release", "-c", "user.email=release@example.org", "commit", "--quiet",
        "--message", "release 1")
    return repository


def bot_command(repository: Path, *args: str, env_file: Optional[Path]) -> subprocess.CompletedProcess:
    """`python -m bot …` run from `repository`'s code on the instance of `env_file` (None: on no instance)."""
    env = {key: value for key, value in os.environ.items() if key not in ("PYTHONPATH", "AIGUILLAGE_ENV")}
    env.update({"PYTHONDONTWRITEBYTECODE": "1", **({"AIGUILLAGE_ENV": str(env_file)} if env_file else {})})
    return subprocess.run([sys.executable, *args], cwd=repository, env=env, capture_output=True, text=True,
                          timeout=120)


def test_the_env_file_is_read_as_systemd_and_a_shell_read_it(tmp_path: Path) -> None:
    env_file = tmp_path / "aiguillage.env"
    env_file.write_text(textwrap.dedent("""\
        # a comment
        VAR_DIR=/srv/aiguillage/var

        export MODELS_DIR="/srv/aiguillage/models"
        KNOWLEDGE_DIR='/srv/aiguillage/knowledge_base'
        #STAFF_TOKEN=
        WEB_PORT=8001
        """))
    assert read_env_file(env_file) == {"VAR_DIR": "/srv/aiguillage/var", "MODELS_DIR": "/srv/aiguillage/models",
                                       "KNOWLEDGE_DIR": "/srv/aiguillage/knowledge_base", "WEB_PORT": "8001"}
    configured = Settings.from_env({"AIGUILLAGE_ENV": str(env_file), "WEB_PORT": "8002", "RASA_PORT": ""})
    assert configured.var_dir == Path("/srv/aiguillage/var") and configured.models_dir == Path("/srv/aiguillage/models")
    assert configured.web_port == 8002 and configured.rasa_port == 5005  # the environment wins, when not empty
    assert configured.environment()["KNOWLEDGE_DIR"] == "/srv/aiguillage/knowledge_base"
    assert Settings.from_env({}).instance_dir is None and Settings.from_env({}).environment()["INSTANCE_DIR"] == ""
    env_file.write_text("VAR_DIR /srv\n")
    with pytest.raises(ValueError, match="aiguillage.env:1"):
        Settings.from_env({"AIGUILLAGE_ENV": str(env_file)})


def test_init_library_copies_the_sample_and_writes_the_env_file(tmp_path: Path) -> None:
    folder = tmp_path / "mediatheque"
    env_file = init_library(folder)
    assert env_file == folder / ENV_FILE and stat.S_IMODE(env_file.stat().st_mode) == 0o600
    for name in ("config.yml", "domain.yml"):
        assert filecmp.cmp(ROOT / name, folder / "project" / name, shallow=False)
    for source, copy in ((ROOT / "knowledge_base", folder / "knowledge_base"), (ROOT / "data", folder / "project/data"),
                         (ROOT / "heldout", folder / "project/heldout")):
        assert sorted(path.relative_to(source) for path in source.rglob("*")) == sorted(
            path.relative_to(copy) for path in copy.rglob("*"))
    assert (folder / "var").is_dir() and (folder / "models").is_dir()
    record = json.loads((folder / RECORD).read_text())
    assert record["content_format"] == instance.CONTENT_FORMAT and record["made_from"] == instance.code_version()
    values = read_env_file(env_file)
    assert set(values) == {"INSTANCE_DIR", "KNOWLEDGE_DIR", "PROJECT_DIR", "VAR_DIR", "MODELS_DIR"}  # no secret
    assert all(f"#{name}=\n" in env_file.read_text() for name in instance.SECRETS)  # placeholders, commented
    sourced = subprocess.run(["sh", "-c", f'set -a; . "{env_file}"; echo "$PROJECT_DIR"'], capture_output=True,
                             text=True, check=True)
    assert sourced.stdout == f"{folder / 'project'}\n"  # as a shell reads it
    configured = Settings.from_env({"AIGUILLAGE_ENV": str(env_file)})
    assert (configured.instance_dir, configured.knowledge_dir, configured.project_dir, configured.var_dir,
            configured.models_dir) == (folder, folder / "knowledge_base", folder / "project", folder / "var",
                                       folder / "models")
    assert check(configured).problems == []
    with pytest.raises(InstanceError, match="never overwrites"):
        init_library(folder, force=True)
    with pytest.raises(InstanceError, match="inside the repository"):
        init_library(ROOT / "var" / "instance")
    other = tmp_path / "volume"
    (other / "lost+found").mkdir(parents=True)
    with pytest.raises(InstanceError, match="not empty"):
        init_library(other)
    assert init_library(other, force=True).exists() and (other / "lost+found").is_dir()
    with pytest.raises(InstanceError, match="without spaces"):
        init_library(tmp_path / "ma médiathèque")


def test_validate_names_what_a_release_needs_changed_in_an_instance(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                                    capsys: pytest.CaptureFixture[str]) -> None:
    env_file = init_library(tmp_path / "instance")
    configured = Settings.from_env({"AIGUILLAGE_ENV": str(env_file)})
    monkeypatch.setattr(instance, "CONTENT_FORMAT", instance.CONTENT_FORMAT + 1)
    monkeypatch.setitem(instance.CHANGES, instance.CONTENT_FORMAT, "add knowledge_base/events.yml")
    [problem] = check(configured).problems
    assert f"Content format {instance.CONTENT_FORMAT}" in problem and "add knowledge_base/events.yml" in problem
    monkeypatch.setattr(instance, "CONTENT_FORMAT", instance.CONTENT_FORMAT - 2)
    [problem] = check(configured).problems
    assert "newer than this code's" in problem
    monkeypatch.undo()
    into_repository = Settings.from_env({"AIGUILLAGE_ENV": str(env_file), "KNOWLEDGE_DIR": str(ROOT / "kb")})
    assert [problem.split(" (")[0] for problem in check(into_repository).problems] == [
        "KNOWLEDGE_DIR is inside the repository"]
    (tmp_path / "instance" / RECORD).unlink()
    [problem] = check(configured).problems
    assert "cannot be read" in problem
    monkeypatch.setattr(bot_main, "settings", configured)
    assert bot_main.run() == 1  # nothing started (no training either) on an instance the release cannot read
    assert "cannot be read" in capsys.readouterr().err
    sample = check(Settings.from_env({}))
    assert sample.problems == [] and "make init-library" in sample.notes[0]


def test_an_instance_edited_in_the_console_keeps_working_after_an_upgrade(release: Path, tmp_path: Path) -> None:
    made = bot_command(release, "-m", "bot", "init-library", str(tmp_path / "library"), env_file=None)
    assert made.returncode == 0, made.stderr
    env_file = tmp_path / "library" / ENV_FILE
    assert "export AIGUILLAGE_ENV=" in made.stdout
    configured = Settings.from_env({"AIGUILLAGE_ENV": str(env_file)})

    # The console edits the instance: a partner's hours, an example taught to an intent.
    edit = editor("partenaire", "caf-tours", configured)
    assert edit is not None and edit.path.is_relative_to(tmp_path / "library")
    current = read(edit.path)
    after = edit.apply(current.text, {**edit.values(current.text), "horaires": NEW_HOURS})
    assert edit.problems(current.text, after) == []
    save(edit.path, after, current.version)
    path, _, taught = examples.examples_added(configured.project_dir, "learn_wifi", [TAUGHT])
    examples.write_all({path: taught})
    assert path.is_relative_to(tmp_path / "library" / "project")

    # A newer release: its sample content and its code change.
    charter = release / "knowledge_base" / "charter.yml"
    charter.write_text(charter.read_text() + "# release 2\n")
    (release / "bot" / "release.py").write_text('"""Release 2."""\n')
    git(release, "add", "--all")
    git(release, "-c", "user.name=Release", "-c", "user.email=release@example.org", "commit", "--quiet",
        "--message", "release 2")

    # The new code over the same instance: it validates, and training reads the instance's files with the edits.
    script = textwrap.dedent("""\
        from bot.instance import check
        from bot.knowledge import validate_all
        from bot.settings import settings
        from bot.training import input_files, model_path
        found = check(settings)
        files = [str(path) for _, path in input_files()]
        print(repr((found.notes, found.problems, validate_all(), str(settings.project_dir), files, str(model_path()))))
        """)
    ran = bot_command(release, "-c", script, env_file=env_file)
    assert ran.returncode == 0, ran.stderr
    notes, problems, knowledge_problems, project, files, model = eval(ran.stdout.strip().splitlines()[-1])
    assert Path(model).parent == tmp_path / "library" / "models"  # trained there, from the instance's files
    assert problems == [] and knowledge_problems == [] and project == str(tmp_path / "library" / "project")
    assert "knowledge_base/charter.yml" in notes[1]  # the release's sample changed: said, nothing needed
    model_inputs = [Path(name) for name in files if not Path(name).is_relative_to(release / "bot")]
    assert model_inputs and all(name.is_relative_to(tmp_path / "library" / "project") for name in model_inputs)
    assert TAUGHT in Path(project, path.relative_to(configured.project_dir)).read_text()
    assert NEW_HOURS in edit.path.read_text()
    assert "# release 2" not in (tmp_path / "library" / "knowledge_base" / "charter.yml").read_text()
    assert [path for _, path in input_files(configured.project_dir, with_code=False)] == model_inputs
    assert git(release, "status", "--porcelain", "--ignored") == ""  # the repository: nothing written
    assert bot_command(release, "-m", "bot", "init-library", str(tmp_path / "library"),
                       env_file=env_file).returncode == 1  # never made again over the edits
