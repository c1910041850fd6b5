"""`python -m bot backup` and `python -m bot restore FILE`: one dated archive (mode 0600: it holds patrons' contacts)
with a consistent copy of every database, the library's content and the model in service, and its return.

The archive (BACKUP_DIR/aiguillage-YYYYmmddTHHMMSSZ.tar.gz) holds:
  databases/application.sqlite|.pgdump    BOOKING_DATABASE_URL: SQLite's online backup API, or pg_dump (custom)
  databases/conversations.sqlite|.pgdump  TRACKER_STORE_URL, unless it is the same database
  knowledge/…                             KNOWLEDGE_DIR
  project/config.yml, domain.yml, data/…, heldout/…   what the model trains from (PROJECT_DIR)
  model/aiguillage-….tar.gz               the model in service (MODELS_DIR); model/rejected/… the current data's
                                          model when the console rejected it (`make run` then keeps the other)
  manifest.json                           last: version, date, what is inside, the sha256 of every other member
Both copies run while the services do: SQLite's backup reads one snapshot (WAL: writers go on), pg_dump one
transaction. A restore checks every checksum before it writes anything, and wants the services stopped."""
from __future__ import annotations

import fcntl
import hashlib
import io
import json
import os
import re
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
import time
import zlib
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path, PurePosixPath
from typing import IO, Callable, Iterator, Optional

import httpx
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from bot.db.engines import SQLITE_TIMEOUT
from bot.settings import ROOT, Settings
from bot.training import MODEL_PREFIX, REJECTED_FOLDER, model_path

FORMAT = 1
ARCHIVE = re.compile(r"^aiguillage-(\d{8}T\d{6}Z)(?:-(\d+))?\.tar\.gz$")
MANIFEST = "manifest.json"
PROJECT_FILES = ("config.yml", "domain.yml", "data", "heldout")  # training inputs and held-out messages
# Tables copied from the knowledge files at each start: rows there do not make an instance « with data ».
DERIVED_TABLES = {"alembic_version", "sites", "mediators", "availability", "closures", "knowledge_state",
                  "workshop_sessions", "workshops_state"}
CHUNK = 1 << 20
STATUS_SECONDS = 3  # Rasa asked which model it serves; busy longer, the model is found as `make run` finds it

Say = Callable[[str], None]


class BackupError(Exception):
    """A backup or a restore that cannot go on; the message says why and what to do."""


@dataclass(frozen=True)
class Database:
    """One of the instance's databases: `name` in the archive, its URL, SQLite or PostgreSQL."""

    name: str
    url: str

    @property
    def kind(self) -> str:
        backend = make_url(self.url).get_backend_name()
        if backend not in ("sqlite", "postgresql"):
            raise BackupError(f"{self.name}: only SQLite and PostgreSQL databases can be backed up, not {backend}")
        return backend

    @property
    def member(self) -> str:
        return f"databases/{self.name}.{'sqlite' if self.kind == 'sqlite' else 'pgdump'}"

    @property
    def path(self) -> Path:
        """The file of a SQLite database."""
        database = make_url(self.url).database
        if not database or database == ":memory:":
            raise BackupError(f"{self.name}: an in-memory SQLite database has nothing to back up")
        return Path(database)


def databases(settings: Settings) -> list[Database]:
    """The application database, and the conversations' unless they share it."""
    found = [Database("application", settings.booking_database_url)]
    if settings.tracker_store_url != settings.booking_database_url:
        found.append(Database("conversations", settings.tracker_store_url))
    return found


# Backup --------------------------------------------------------------------------------------------------------


def backup(settings: Settings, say: Say = print) -> Path:
    """Write one archive into BACKUP_DIR, prune the old ones, and return its path."""
    started = time.monotonic()
    folder = settings.backup_dir
    folder.mkdir(parents=True, exist_ok=True)
    folder.chmod(0o700)
    with _only_backup(folder):
        return _backup(settings, folder, started, say)


@contextmanager
def _only_backup(folder: Path) -> Iterator[None]:
    """One backup at a time in `folder` (a slow one and the next cron run); what a killed one left is removed."""
    fd = os.open(folder / ".lock", os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise BackupError(f"Another backup is writing into {folder}: try again when it is done.") from None
        for leftover in folder.glob(".staging-*"):
            shutil.rmtree(leftover, ignore_errors=True)
        for leftover in folder.glob(".aiguillage-*.partial"):
            leftover.unlink(missing_ok=True)
        yield
    finally:
        os.close(fd)


def _backup(settings: Settings, folder: Path, started: float, say: Say) -> Path:
    created = datetime.now(timezone.utc)
    target = _free_name(folder, created)
    partial = folder / f".{target.name}.partial"
    staging = Path(tempfile.mkdtemp(prefix=".staging-", dir=folder))  # 0700
    members: dict[str, dict[str, object]] = {}
    copies: dict[str, dict[str, object]] = {}
    manifest: dict[str, object] = {"format": FORMAT, "version": _git_commit(), "created_at": created.isoformat(),
                                   "databases": copies, "knowledge": "knowledge/", "project": [], "model": None,
                                   "members": members}
    try:
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as raw:
            with tarfile.open(fileobj=raw, mode="w:gz", compresslevel=6) as tar:
                for database in databases(settings):
                    if database.kind == "sqlite" and not database.path.is_file():
                        say(f"Base « {database.name} » / {database.name} database: {database.path} absente / not found "
                            f"(not used yet): skipped")
                        continue
                    copy = staging / PurePosixPath(database.member).name
                    described = _dump(database, copy)
                    _add(tar, copy, database.member, members)
                    copies[database.name] = {**described, "member": database.member}
                    say(f"Base « {database.name} » / {database.name} database ({database.kind}): "
                        f"{_size(copy.stat().st_size)}{_rows_said(described)}")
                count = sum(_add(tar, path, f"knowledge/{path.relative_to(settings.knowledge_dir).as_posix()}", members)
                            for path in _files(settings.knowledge_dir))
                say(f"Base de connaissances / knowledge base ({settings.knowledge_dir}): {count} fichiers / files")
                project = [name for name in PROJECT_FILES if (settings.project_dir / name).exists()]
                manifest["project"] = project
                count = 0
                for name in project:
                    for path in _files(settings.project_dir / name) if (settings.project_dir / name).is_dir() \
                            else [settings.project_dir / name]:
                        count += _add(tar, path, f"project/{path.relative_to(settings.project_dir).as_posix()}",
                                      members)
                say(f"Données d'entraînement / training data ({', '.join(project)}): {count} fichiers / files")
                model = model_in_service(settings)
                if model:
                    manifest["model"] = f"model/{model.name}"
                    _add(tar, model, f"model/{model.name}", members)
                    say(f"Modèle en service / model in service: {model.name} ({_size(model.stat().st_size)})")
                    rejected = _rejected_current(settings, model)
                    if rejected:  # else `make run` after a restore would train it again and serve it
                        manifest["rejected"] = f"model/{REJECTED_FOLDER}/{rejected.name}"
                        _add(tar, rejected, f"model/{REJECTED_FOLDER}/{rejected.name}", members)
                        say(f"Modèle écarté par la console / model the console rejected: {rejected.name}")
                else:
                    say(f"Aucun modèle / no model in {settings.models_dir}")
                data = json.dumps(manifest, indent=2, ensure_ascii=False).encode()
                info = tarfile.TarInfo(MANIFEST)
                info.size, info.mtime, info.mode = len(data), int(created.timestamp()), 0o600
                tar.addfile(info, _Reader(_bytes_io(data), len(data)))
            raw.flush()
            os.fsync(raw.fileno())  # the archive is on disk before it takes its name
        os.replace(partial, target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
        partial.unlink(missing_ok=True)
    removed = prune(folder, settings.backup_keep)
    if removed:
        say(f"Anciennes archives supprimées / old archives removed: {', '.join(path.name for path in removed)}")
    say(f"Archive: {target} ({_size(target.stat().st_size)}, {time.monotonic() - started:.1f} s)")
    return target


def model_in_service(settings: Settings) -> Optional[Path]:
    """The model Rasa serves when it answers (RASA_API_TOKEN set), else the one `make run` starts: that of the
    project's current files, else the newest (a console deployment or undo makes its model the newest); None when
    there is none."""
    served = _served_model(settings)
    if served:
        return served
    try:
        current = model_path(settings)
    except OSError:
        current = None
    if current and current.exists():
        return current
    models = sorted(settings.models_dir.glob(f"{MODEL_PREFIX}*.tar.gz"), key=lambda path: path.stat().st_mtime)
    return models[-1] if models else None


def _rejected_current(settings: Settings, served: Path) -> Optional[Path]:
    """The model of the project's current files when the console rejected it (or undid its deployment) and another
    one serves: kept in models/rejected/, it tells `make run` not to train it again."""
    try:
        current = model_path(settings)
    except OSError:
        return None
    rejected = settings.models_dir / REJECTED_FOLDER / current.name
    return rejected if current.name != served.name and rejected.is_file() else None


def _served_model(settings: Settings) -> Optional[Path]:
    """The model file of MODELS_DIR that the first Rasa replica serves, when it answers its HTTP API at once."""
    if not settings.rasa_api_token:
        return None
    try:
        response = httpx.get(settings.url(settings.rasa_port, "/status"), params={"token": settings.rasa_api_token},
                             timeout=STATUS_SECONDS)
        response.raise_for_status()
        name = Path(str(response.json()["model_file"])).name
    except (httpx.HTTPError, ValueError, KeyError, TypeError):
        return None
    served = settings.models_dir / name
    return served if name and served.is_file() else None


def prune(folder: Path, keep: int) -> list[Path]:
    """Delete our archives in `folder` but the `keep` newest (by the date in their names); the removed ones."""
    ours = sorted((_archive_key(path), path) for path in folder.iterdir() if ARCHIVE.match(path.name))
    removed = [path for _, path in ours[:-keep]] if keep > 0 else []
    for path in removed:
        path.unlink()
    return removed


def _archive_key(path: Path) -> tuple[str, int]:
    found = ARCHIVE.match(path.name)
    assert found
    return found[1], int(found[2] or 0)


def _free_name(folder: Path, created: datetime) -> Path:
    stamp = created.strftime("%Y%m%dT%H%M%SZ")
    for index in range(1000):
        path = folder / f"aiguillage-{stamp}{f'-{index}' if index else ''}.tar.gz"
        if not path.exists():
            return path
    raise BackupError(f"Too many archives dated {stamp} in {folder}")


def _dump(database: Database, copy: Path) -> dict[str, object]:
    """A consistent copy of `database` into `copy`; what the manifest says of it."""
    if database.kind == "sqlite":
        return {"kind": "sqlite", "tables": _copy_sqlite(database.path, copy)}
    done = subprocess.run([pg_binary("pg_dump"), "--format=custom", f"--file={copy}"], env=_pg_env(database.url),
                          capture_output=True, text=True)
    if done.returncode:
        raise BackupError(f"pg_dump of the {database.name} database failed: {done.stderr.strip()}")
    return {"kind": "postgresql"}


def _copy_sqlite(source: Path, copy: Path) -> dict[str, int]:
    """SQLite's online backup of `source` into `copy` in one step (one read snapshot: writers are not stopped, WAL),
    then checked; the number of rows of each table."""
    origin = sqlite3.connect(str(source), timeout=SQLITE_TIMEOUT)
    target = sqlite3.connect(str(copy))
    try:
        origin.backup(target)
        target.execute("PRAGMA journal_mode=DELETE")  # one self-contained file (the services switch it to WAL)
        check = target.execute("PRAGMA quick_check").fetchone()[0]
        if check != "ok":
            raise BackupError(f"The copy of {source} is damaged ({check}): is the database itself sound?")
        return _sqlite_rows(target)
    finally:
        target.close()
        origin.close()


def _sqlite_rows(connection: sqlite3.Connection) -> dict[str, int]:
    names = [row[0] for row in connection.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")]
    return {name: connection.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0] for name in names}


def _rows_said(described: dict[str, object]) -> str:
    tables = described.get("tables")
    if not isinstance(tables, dict):
        return ""
    shown = {name: rows for name, rows in tables.items() if name not in DERIVED_TABLES and rows}
    return ", " + (", ".join(f"{name} {rows}" for name, rows in shown.items()) or "vide / empty")


def _files(folder: Path) -> list[Path]:
    """The regular files under `folder`, sorted; none when it does not exist."""
    return sorted(path for path in folder.rglob("*") if path.is_file()) if folder.is_dir() else []


class _Reader:
    """Reads `size` bytes of a file for tarfile, hashing them."""

    def __init__(self, source: IO[bytes], size: int):
        self.source, self.left, self.digest = source, size, hashlib.sha256()

    def read(self, size: int = -1) -> bytes:
        data = self.source.read(self.left if size < 0 else min(size, self.left))
        self.left -= len(data)
        self.digest.update(data)
        return data


def _bytes_io(data: bytes) -> IO[bytes]:
    return io.BytesIO(data)


def _add(tar: tarfile.TarFile, path: Path, member: str, members: dict[str, dict[str, object]]) -> int:
    """Add the file at `path` as `member` (mode 0600), its size and sha256 in `members`; 1."""
    with open(path, "rb") as source:
        found = os.fstat(source.fileno())
        info = tarfile.TarInfo(member)
        info.size, info.mtime, info.mode = found.st_size, int(found.st_mtime), 0o600
        reader = _Reader(source, found.st_size)
        tar.addfile(info, reader)
    members[member] = {"sha256": reader.digest.hexdigest(), "size": found.st_size}
    return 1


def _git_commit() -> Optional[str]:
    try:
        done = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "HEAD"], capture_output=True, text=True)
    except OSError:
        return None
    return done.stdout.strip() if done.returncode == 0 else None


def _size(size: float) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{size} B"


# PostgreSQL ----------------------------------------------------------------------------------------------------

PG_QUERY_ENV = {"sslmode": "PGSSLMODE", "sslrootcert": "PGSSLROOTCERT", "sslcert": "PGSSLCERT",
                "sslkey": "PGSSLKEY", "connect_timeout": "PGCONNECT_TIMEOUT", "host": "PGHOST",
                "port": "PGPORT", "application_name": "PGAPPNAME", "options": "PGOPTIONS"}


def _pg_env(url: str) -> dict[str, str]:
    """The environment that points pg_dump and pg_restore at the database of `url`: libpq's PG* variables, so that
    the password is never on a command line."""
    parsed = make_url(url)
    env = dict(os.environ)
    for name, value in (("PGHOST", parsed.host), ("PGPORT", parsed.port), ("PGUSER", parsed.username),
                        ("PGPASSWORD", parsed.password), ("PGDATABASE", parsed.database)):
        if value:
            env[name] = str(value)
    for key, value in parsed.query.items():
        if key in PG_QUERY_ENV:
            env[PG_QUERY_ENV[key]] = value if isinstance(value, str) else value[-1]
    return env


def pg_binary(name: str) -> str:
    """pg_dump or pg_restore: Debian's newest (it reads older servers' databases too), else the PATH's."""
    def version(path: Path) -> int:
        return int(path.parent.parent.name) if path.parent.parent.name.isdigit() else 0

    debian = sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"), key=version, reverse=True)
    found = debian[0] if debian else shutil.which(name)
    if not found:
        raise BackupError(f"{name} not found: install PostgreSQL's client (sudo apt-get install postgresql-client)")
    return str(found)


# Restore -------------------------------------------------------------------------------------------------------


def restore(settings: Settings, archive: Path, force: bool = False, say: Say = print) -> dict[str, object]:
    """Put the archive's databases, files and model back in this instance; its manifest. Nothing is written before
    every checksum is checked, nor over an instance with data unless `force`."""
    if not archive.is_file():
        raise BackupError(f"{archive}: no such file")
    say("Les services doivent être arrêtés / the services must be stopped (make run, systemd) during a restore.")
    settings.var_dir.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".restore-", dir=settings.var_dir))
    try:
        manifest = _extract(archive, staging)
        say(f"Archive vérifiée / archive checked: {len(manifest['members'])} fichiers / files, "
            f"du / of {manifest.get('created_at')}, version {manifest.get('version') or '?'}")
        version = _git_commit()
        if manifest.get("version") and version and manifest["version"] != version:
            say(f"Version {version} ici / here: `make run` upgrades the restored database (Alembic) if the archive's "
                f"is older; a newer archive wants this version upgraded first.")
        targets = {database.name: database for database in databases(settings)}
        for name in manifest["databases"]:
            if name not in targets:
                raise BackupError(f"The archive has a separate {name} database and this instance keeps it in the "
                                  f"application database (TRACKER_STORE_URL = BOOKING_DATABASE_URL): give it its own "
                                  f"TRACKER_STORE_URL first. Nothing was restored.")
        for name, described in manifest["databases"].items():
            database = targets[name]
            if described["kind"] != database.kind:
                raise BackupError(f"The archive's {name} database is {described['kind']}, this instance's is "
                                  f"{database.kind}: restore into the same kind of database.")
        if not force:
            problems = _instance_data(settings, targets, manifest)
            if problems:
                raise BackupError("Restauration refusée / restore refused: cette instance a déjà des données / "
                                  "this instance has data:\n  " + "\n  ".join(problems) +
                                  "\nPour les remplacer / to replace them: make restore FILE=… FORCE=1 "
                                  "(python -m bot restore FILE --force).")
        for name, described in manifest["databases"].items():
            database = targets[name]
            _load(database, staging / described["member"])
            say(f"Base « {name} » restaurée / {name} database restored ({database.kind})"
                f"{_rows_said(described)}")
        if (staging / "knowledge").is_dir():
            _replace_tree(staging / "knowledge", settings.knowledge_dir)
            say(f"Base de connaissances restaurée / knowledge base restored: {settings.knowledge_dir}")
        for name in manifest["project"]:
            source, target = staging / "project" / name, settings.project_dir / name
            if source.is_dir():
                _replace_tree(source, target)
            elif source.is_file():
                _replace_file(source, target)
        if manifest["project"]:
            say(f"Données d'entraînement restaurées / training data restored: {settings.project_dir} "
                f"({', '.join(manifest['project'])})")
        if manifest["model"]:
            model = settings.models_dir / PurePosixPath(manifest["model"]).name
            _replace_file(staging / manifest["model"], model)
            os.utime(model)  # the newest: the one `make run` serves
            say(f"Modèle restauré / model restored: {model}")
        if manifest.get("rejected"):
            rejected = settings.models_dir / REJECTED_FOLDER / PurePosixPath(manifest["rejected"]).name
            _replace_file(staging / manifest["rejected"], rejected)
        say("Restauration terminée / restore done: make run")
        return manifest
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _extract(archive: Path, staging: Path) -> dict:
    """Every member of `archive` into `staging`, checked against the manifest; the manifest."""
    found: dict[str, str] = {}
    try:
        with tarfile.open(archive, mode="r:gz") as tar:
            for member in tar:
                name = _safe_name(member)
                if member.isdir():
                    continue
                target = staging / name
                target.parent.mkdir(parents=True, exist_ok=True)
                source = tar.extractfile(member)
                assert source is not None
                digest = hashlib.sha256()
                with source, open(target, "xb") as out:
                    while chunk := source.read(CHUNK):
                        digest.update(chunk)
                        out.write(chunk)
                found[name] = digest.hexdigest()
    except (tarfile.TarError, EOFError, zlib.error, OSError) as error:
        raise BackupError(f"{archive}: archive illisible ou abîmée / unreadable or damaged archive ({error}). "
                          f"Nothing was restored.") from None
    if MANIFEST not in found:
        raise BackupError(f"{archive}: no {MANIFEST}, not an Aiguillage backup. Nothing was restored.")
    try:
        manifest = json.loads((staging / MANIFEST).read_text(encoding="utf-8"))
        expected = {name: entry["sha256"] for name, entry in manifest["members"].items()}
    except (ValueError, KeyError, TypeError, AttributeError) as error:
        raise BackupError(f"{archive}: unreadable {MANIFEST} ({error}). Nothing was restored.") from None
    if manifest.get("format") != FORMAT:
        raise BackupError(f"{archive}: backup format {manifest.get('format')}, this version reads {FORMAT}.")
    if not _manifest_names_ours(manifest, expected):
        raise BackupError(f"{archive}: its {MANIFEST} names unexpected files. Nothing was restored.")
    del found[MANIFEST]
    wrong = sorted(name for name in expected.keys() | found.keys() if expected.get(name) != found.get(name))
    if wrong:
        raise BackupError(f"{archive}: archive abîmée / damaged archive: the sha256 of {', '.join(wrong[:5])}"
                          f"{' …' if len(wrong) > 5 else ''} does not match its manifest. Nothing was restored.")
    return manifest


def _manifest_names_ours(manifest: dict, members: dict[str, str]) -> bool:
    """Whether the databases, training files and model the manifest names are the archive's, under our names."""
    try:
        suffixes = {"sqlite": "sqlite", "postgresql": "pgdump"}
        databases_ok = all(name in ("application", "conversations") and described["kind"] in suffixes
                           and described["member"] == f"databases/{name}.{suffixes[described['kind']]}"
                           and described["member"] in members for name, described in manifest["databases"].items())
        project_ok = set(manifest["project"]) <= set(PROJECT_FILES)
        model = manifest["model"]
        model_ok = model is None or (model in members and re.fullmatch(rf"model/{MODEL_PREFIX}[^/]+\.tar\.gz", model))
        rejected = manifest.get("rejected")
        model_ok = model_ok and (rejected is None or (rejected in members and re.fullmatch(
            rf"model/{REJECTED_FOLDER}/{MODEL_PREFIX}[^/]+\.tar\.gz", rejected)))
    except (KeyError, TypeError, AttributeError):
        return False
    return bool(databases_ok and project_ok and model_ok)


def _safe_name(member: tarfile.TarInfo) -> str:
    """The member's name, when it is a file or folder inside the archive (no absolute path, .., link, device)."""
    path = PurePosixPath(member.name)
    if path.is_absolute() or ".." in path.parts or not (member.isfile() or member.isdir()):
        raise tarfile.TarError(f"unexpected member {member.name!r}")
    return path.as_posix()


def _instance_data(settings: Settings, targets: dict[str, Database], manifest: dict) -> list[str]:
    """What a restore would overwrite: databases with rows, library files changed since both the archive and the
    repository's sample."""
    problems = [f"{database.name} ({_shown(database)}): {', '.join(f'{table} {rows}' for table, rows in rows.items())}"
                for database in targets.values() if (rows := _rows(database))]
    expected = {name: entry["sha256"] for name, entry in manifest["members"].items()}
    folders = [(settings.knowledge_dir, "knowledge/", "knowledge_base")]
    folders += [(settings.project_dir / name, f"project/{name}", name) for name in PROJECT_FILES]
    for target, prefix, sample in folders:
        changed = _changed_files(target, prefix, sample, expected)
        if changed:
            problems.append(f"{target}: {', '.join(changed[:5])}{' …' if len(changed) > 5 else ''} "
                            f"(unlike both the archive and the repository's sample)")
    return problems


def _shown(database: Database) -> str:
    return str(database.path) if database.kind == "sqlite" else \
        make_url(database.url).render_as_string(hide_password=True)


def _rows(database: Database) -> dict[str, int]:
    """The tables of `database` with rows, but those copied from the knowledge files."""
    if database.kind == "sqlite":
        if not database.path.is_file() or database.path.stat().st_size == 0:
            return {}
        connection = sqlite3.connect(str(database.path), timeout=SQLITE_TIMEOUT)
        try:
            rows = _sqlite_rows(connection)
        finally:
            connection.close()
    else:
        engine = create_engine(database.url, future=True, poolclass=NullPool)
        try:
            with engine.connect() as connection:
                rows = {name: connection.execute(text(f'SELECT count(*) FROM "{name}"')).scalar_one()
                        for name in inspect(connection).get_table_names()}
        except Exception as error:  # noqa: BLE001 (any driver's error is said as it is)
            raise BackupError(f"Cannot read the {database.name} database: {error}") from None
        finally:
            engine.dispose()
    return {name: count for name, count in rows.items() if count and name not in DERIVED_TABLES}


def _changed_files(target: Path, prefix: str, sample: str, expected: dict[str, str]) -> list[str]:
    """The files of `target` (a folder or a file) unlike both the archive's (`prefix`) and the repository's
    (`sample` at git's HEAD, else in ROOT when `target` is elsewhere); none when it is missing or the same as
    either."""
    here = _files(target) if target.is_dir() else [target] if target.is_file() else []
    if not here:
        return []
    relative = {(path.relative_to(target).as_posix() if target.is_dir() else ""): path for path in here}
    ours = {f"{prefix.rstrip('/')}/{name}".rstrip("/"): path for name, path in relative.items()}
    archived = {name: digest for name, digest in expected.items()
                if name == prefix.rstrip("/") or name.startswith(prefix.rstrip("/") + "/")}
    if archived.keys() == ours.keys() and all(_sha256(path) == archived[name] for name, path in ours.items()):
        return []
    sample_blobs = _sample(sample, target)
    if sample_blobs is not None and sample_blobs.keys() == relative.keys() and \
            all(_git_blob(path) == sample_blobs[name] for name, path in relative.items()):
        return []
    return sorted(name for name, path in relative.items()
                  if archived.get(f"{prefix.rstrip('/')}/{name}".rstrip("/")) != _sha256(path)
                  and (sample_blobs or {}).get(name) != _git_blob(path)) or ["(files added or removed)"]


def _sample(sample: str, target: Path) -> Optional[dict[str, str]]:
    """The git blob ids of the repository's `sample` (a folder or file) at HEAD, by path relative to it."""
    try:
        done = subprocess.run(["git", "-C", str(ROOT), "ls-tree", "-r", "HEAD", "--", sample], capture_output=True,
                              text=True)
    except OSError:
        done = None
    if done and done.returncode == 0 and done.stdout.strip():
        blobs = {}
        for line in done.stdout.splitlines():
            meta, path = line.split("\t", 1)
            name = PurePosixPath(path).relative_to(sample).as_posix() if path != sample else ""
            blobs["" if name == "." else name] = meta.split()[2]
        return blobs
    source = ROOT / sample
    if source.resolve() == target.resolve() or not source.exists():
        return None
    files = _files(source) if source.is_dir() else [source]
    return {(path.relative_to(source).as_posix() if source.is_dir() else ""): _git_blob(path) for path in files}


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as source:
        for chunk in iter(lambda: source.read(CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _git_blob(path: Path) -> str:
    data = path.read_bytes()
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()  # noqa: S324 (git's object id, not security)


def _load(database: Database, copy: Path) -> None:
    """Put the copy back: a SQLite file by an atomic rename (its old WAL removed), PostgreSQL with pg_restore."""
    if database.kind == "sqlite":
        target = database.path
        target.parent.mkdir(parents=True, exist_ok=True)
        temporary = target.with_name(f".{target.name}.restoring")
        shutil.copyfile(copy, temporary)
        temporary.chmod(0o600)
        _fsync(temporary)
        for suffix in ("-wal", "-shm", "-journal"):
            Path(f"{target}{suffix}").unlink(missing_ok=True)
        os.replace(temporary, target)
        return
    env = _pg_env(database.url)
    done = subprocess.run([pg_binary("pg_restore"), "--clean", "--if-exists", "--no-owner", "--no-privileges",
                           "--single-transaction", "--exit-on-error", f"--dbname={env['PGDATABASE']}", str(copy)],
                          env=env, capture_output=True, text=True)
    if done.returncode:
        raise BackupError(f"pg_restore into the {database.name} database failed: {done.stderr.strip()}")


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _replace_tree(source: Path, target: Path) -> None:
    """`target` becomes a copy of the folder `source`: copied beside it, then swapped by renames."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fresh = target.with_name(f".{target.name}.restoring")
    old = target.with_name(f".{target.name}.before-restore")
    for leftover in (fresh, old):
        shutil.rmtree(leftover, ignore_errors=True)
    shutil.copytree(source, fresh)
    if target.exists():
        target.rename(old)
    fresh.rename(target)
    shutil.rmtree(old, ignore_errors=True)


def _replace_file(source: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_name(f".{target.name}.restoring")
    shutil.copyfile(source, temporary)
    os.replace(temporary, target)


def archives(settings: Settings) -> Iterator[Path]:
    """The archives of BACKUP_DIR, oldest first."""
    folder = settings.backup_dir
    if folder.is_dir():
        yield from (path for _, path in sorted((_archive_key(path), path) for path in folder.iterdir()
                                               if ARCHIVE.match(path.name)))
