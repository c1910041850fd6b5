"""A library's instance: its own content (knowledge base, training data), runtime data and models in a folder
outside the repository, made by `python -m bot init-library DIR`; and what a new release needs changed in it
(docs/upgrade.md). Pulling a new release changes the repository only, never an instance."""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Optional

from bot.evaluation import HELDOUT_FOLDER
from bot.settings import ENV_FILE_VARIABLE, ROOT, Settings
from bot.training import MODEL_INPUTS, MODEL_PREFIX, fingerprint

CONTENT_FORMAT = 1
"""The format of an instance's content this code reads. Raise it when a release needs a change in instances (a new
knowledge file, a renamed field, a config.yml that must name another component), and say what in CHANGES and in
docs/upgrade.md: `make validate` then names the change to every instance made before."""
CHANGES: dict[int, str] = {}  # format -> what to change in an instance of the format before (English · French)

ENV_FILE = "aiguillage.env"
RECORD = "instance.json"  # the commit and content format the instance was made from
KNOWLEDGE, PROJECT, VAR, MODELS = "knowledge_base", "project", "var", "models"
PROJECT_FILES = (*MODEL_INPUTS, HELDOUT_FOLDER)  # what the model trains from, and the held-out messages
SAMPLE = (KNOWLEDGE, *PROJECT_FILES)  # the repository's sample content, as `git diff` names it
SECRETS = ("RASA_API_TOKEN", "STAFF_TOKEN", "TELEGRAM_TOKEN", "SMTP_URL", "METRICS_TOKEN")
UNSAFE_PATH = re.compile(r"[\s\"'`$\\#;]")  # characters an env file would need to quote or escape


class InstanceError(Exception):
    """Why an instance cannot be made."""


@dataclass(frozen=True)
class Check:
    """What `make validate` says of the instance: facts to show, and problems to fix."""

    notes: list[str]
    problems: list[str]


def git(repository: Path, *args: str) -> Optional[str]:
    """What `git args` prints in `repository`, or None when git cannot say. The service's user reads a checkout that
    root owns: git would refuse it as of dubious ownership, so the repository is declared safe for this command."""
    try:
        found = subprocess.run(["git", "-c", f"safe.directory={repository}", *args], cwd=repository,
                               capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.SubprocessError):
        return None
    return found.stdout if found.returncode == 0 else None


def code_version(repository: Path = ROOT) -> str:
    """The commit the code runs from, or "unknown" outside a git checkout."""
    return (git(repository, "rev-parse", "HEAD") or "unknown").strip()


def env_file_text(folder: Path, commit: str) -> str:
    """The instance's environment file: its folders, and the secrets as commented placeholders."""
    secrets = "\n".join(f"#{name}=" for name in SECRETS)
    return f"""\
# Aiguillage: the settings of the instance {folder}
# made by `python -m bot init-library` from commit {commit[:12]} (content format {CONTENT_FORMAT}).
# Read by `make run`, `make validate` and every `python -m bot` command when {ENV_FILE_VARIABLE} names this file:
#   export {ENV_FILE_VARIABLE}={folder / ENV_FILE}
# and by systemd (EnvironmentFile=, docs/deploy/). One NAME=value a line, no spaces around =; every setting of
# README's "Configure" may be added. A variable set in the environment wins over this file.
INSTANCE_DIR={folder}
KNOWLEDGE_DIR={folder / KNOWLEDGE}
PROJECT_DIR={folder / PROJECT}
VAR_DIR={folder / VAR}
MODELS_DIR={folder / MODELS}
#PUBLIC_WEB_URL=https://aide.mediatheque.fr
#PUBLIC_CHAT_URL=https://aide.mediatheque.fr/webhooks/rest/webhook

# Secrets (README's "Operate" says how to change them): this file is readable by its owner only (mode 0600).
# Uncomment and set each you use; never commit this file anywhere.
{secrets}
"""


def init_library(folder: Path, force: bool = False, source: Path = ROOT) -> Path:
    """Make an instance in `folder` from the repository `source`: its sample knowledge base and training data, empty
    var/ and models/ (with the sample's model when one was trained), the environment file and the record of the
    commit. A non-empty folder is refused unless `force`; an instance's own files are never overwritten. Returns the
    environment file."""
    folder = folder.expanduser().resolve()
    if folder == source or source in folder.parents:
        raise InstanceError(f"{folder} is inside the repository: choose a folder outside it (e.g. /srv/aiguillage).")
    if UNSAFE_PATH.search(str(folder)):
        raise InstanceError(f"{folder}: choose a path without spaces, quotes, $, #, ; or backslashes "
                            "(the environment file holds it unquoted).")
    if folder.exists() and not folder.is_dir():
        raise InstanceError(f"{folder} is a file, not a folder.")
    if folder.exists() and any(folder.iterdir()):
        taken = [name for name in (KNOWLEDGE, PROJECT, VAR, MODELS, ENV_FILE, RECORD) if (folder / name).exists()]
        if taken:
            raise InstanceError(f"{folder} already holds {', '.join(taken)}: an instance? init-library never "
                                "overwrites one.")
        if not force:
            raise InstanceError(f"{folder} is not empty: choose an empty folder, or say --force (FORCE=1) to make "
                                "the instance beside what it holds.")
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copytree(source / KNOWLEDGE, folder / KNOWLEDGE)
    project = folder / PROJECT
    project.mkdir()
    for name in PROJECT_FILES:
        (shutil.copytree if (source / name).is_dir() else shutil.copy2)(source / name, project / name)
    (folder / VAR).mkdir(mode=0o700)
    (folder / MODELS).mkdir()
    sample_model = source / MODELS / f"{MODEL_PREFIX}{fingerprint(source)}.tar.gz"
    if sample_model.exists():  # the same inputs: no training at the first start
        shutil.copy2(sample_model, folder / MODELS / sample_model.name)
    commit = code_version(source)
    record = {"content_format": CONTENT_FORMAT, "made_from": commit,
              "made_at": datetime.now(timezone.utc).isoformat(timespec="seconds")}
    (folder / RECORD).write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
    env_file = folder / ENV_FILE
    descriptor = os.open(env_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as out:
        out.write(env_file_text(folder, commit))
    return env_file


def read_record(folder: Path) -> dict:
    """The instance's record: content format, commit and date it was made from."""
    return json.loads((folder / RECORD).read_text(encoding="utf-8"))


def sample_changes(made_from: str, repository: Path = ROOT) -> Optional[list[str]]:
    """The repository's sample content files changed since commit `made_from` (None when git cannot say)."""
    changed = git(repository, "diff", "--name-only", made_from, "HEAD", "--", *SAMPLE)
    return None if changed is None else changed.split()


def check(settings: Settings, repository: Path = ROOT) -> Check:
    """The instance of `settings` against this code: its record readable, its content format the one this release
    reads (else what to change, from CHANGES), its folders out of the repository; and, as notes, where it is and
    which of the release's sample files changed since it was made."""
    if settings.instance_dir is None:
        return Check([f"No instance ({ENV_FILE_VARIABLE} or INSTANCE_DIR unset): the repository's sample content. "
                      "For a library's own: make init-library DIR=…"], [])
    folder = settings.instance_dir
    problems = [f"{name} is inside the repository ({path}): the console would write into the code's files; point "
                f"it into the instance {folder} · {name} est dans le dépôt : pointez-le dans l'instance."
                for name, path in (("KNOWLEDGE_DIR", settings.knowledge_dir), ("PROJECT_DIR", settings.project_dir),
                                   ("VAR_DIR", settings.var_dir), ("MODELS_DIR", settings.models_dir))
                if path == repository or repository in path.parents]
    try:
        record = read_record(folder)
        made = int(record["content_format"])
    except (OSError, ValueError, KeyError, TypeError) as error:
        return Check([], problems + [f"{folder / RECORD} cannot be read ({error}): is {folder} an instance made by "
                                     f"make init-library? · {RECORD} illisible : est-ce bien une instance ?"])
    commit = str(record.get("made_from", "unknown"))
    notes = [f"Instance {folder}: made from commit {commit[:12]} on {record.get('made_at', '?')}, content format "
             f"{made}; the code is at {code_version(repository)[:12]}, content format {CONTENT_FORMAT}."]
    if made > CONTENT_FORMAT:
        problems.append(f"The instance's content format is {made}, newer than this code's {CONTENT_FORMAT}: it was "
                        "made or upgraded by a newer release; run that release (git checkout) · Le contenu de "
                        "l'instance vient d'une version plus récente du code : revenez à cette version.")
    for needed in range(made + 1, CONTENT_FORMAT + 1):
        problems.append(f"Content format {needed} (docs/upgrade.md): {CHANGES.get(needed, 'see docs/upgrade.md')}; "
                        f"then write {needed} as content_format in {folder / RECORD} · Cette version demande un "
                        f"changement du contenu de l'instance (format {needed}) : voir docs/upgrade.md.")
    changed = sample_changes(commit, repository) if commit != "unknown" else None
    if changed:
        notes.append(f"The release's sample content changed since the instance was made ({', '.join(changed)}); "
                     f"nothing is needed, but compare if you want its novelties: git diff {commit[:12]} HEAD -- "
                     f"{' '.join(SAMPLE)}")
    return Check(notes, problems)
