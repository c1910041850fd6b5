"""`make backup` and `make restore` (bot/backup.py): a populated instance backed up while patrons keep booking and
talking, restored on a fresh one with the same rows, files and model; the archive's mode, the refusals (an instance
with data, a damaged archive) and the pruning. On SQLite and on PostgreSQL (the application database)."""
from __future__ import annotations

import asyncio
import contextlib
import fcntl
import io
import json
import os
import shutil
import stat
import subprocess
import sys
import tarfile
import threading
from pathlib import Path
from typing import Iterator

import httpx
import pytest
from sqlalchemy import create_engine, insert, select
from sqlalchemy.engine import URL
from sqlalchemy.pool import NullPool

import bot.backup as backup_module
from bot.backup import MANIFEST, BackupError, Database, archives, backup, model_in_service, restore
from bot.booking.store import BookingStore, SlotTaken
from bot.privacy.events_table import EVENTS
from bot.settings import ROOT, Settings
from bot.staff.accounts import StaffAccounts
from bot.training import ensure_model, model_path
from tests.support.booking import Clock, make_store, paris
from tests.support.project import copy_project

MONDAY = paris(2026, 3, 2, 9, 0)
MODEL = "aiguillage-0123456789abcdef.tar.gz"
EDITED = "\n# Horaires d'été ajoutés par la médiathèque\n"


def instance(root: Path, booking_url: str, **extra: str) -> Settings:
    """The settings of an instance whose folders are under `root` (none needs to exist yet)."""
    return Settings.from_env({"VAR_DIR": str(root / "var"), "KNOWLEDGE_DIR": str(root / "knowledge_base"),
                              "PROJECT_DIR": str(root / "project"), "MODELS_DIR": str(root / "models"),
                              "BOOKING_DATABASE_URL": booking_url, **extra})


@pytest.fixture
def fresh_url(request: pytest.FixtureRequest, database_url: str, tmp_path: Path) -> Iterator[str]:
    """Another empty application database, of the same kind as `database_url`: the fresh instance's."""
    if database_url.startswith("sqlite"):
        yield f"sqlite:///{tmp_path / 'fresh' / 'var' / 'bookings.db'}"
    else:
        with request.getfixturevalue("postgres").new() as url:
            yield url


@pytest.fixture
def trackers(request: pytest.FixtureRequest, database_url: str) -> Iterator[dict[str, str]]:
    """TRACKER_STORE_URL of the populated instance and of the fresh one: on PostgreSQL as the application's (two
    more databases), else the default SQLite files."""
    if database_url.startswith("sqlite"):
        yield {}
    else:
        databases = request.getfixturevalue("postgres")
        with databases.new() as source, databases.new() as fresh:
            yield {"source": source, "fresh": fresh}


@pytest.fixture
def populated(database_url: str, trackers: dict[str, str], tmp_path: Path) -> Iterator[Settings]:
    """An instance with bookings, a staff account, an edited knowledge file, a model and a conversation."""
    root = tmp_path / "library"
    copy_project(root)
    settings = instance(root, database_url, **({"TRACKER_STORE_URL": trackers["source"]} if trackers else {}))
    settings.var_dir.mkdir(parents=True)
    store = make_store(database_url, root, MONDAY)
    for index, slot in enumerate(store.free_slots(MONDAY, limit=5)):
        store.book(slot, topic="caf", first_name=f"Patron {index}", contact=f"patron{index}@example.fr",
                   contact_kind="email", accessibility=None, channel="rest", sender_id=f"patron-{index}")
    store.close()
    accounts = StaffAccounts(database_url)
    accounts.add("camille@mediatheque.fr", "Camille", "admin", "un mot de passe assez long")
    accounts.close()
    charter = settings.knowledge_dir / "charter.yml"
    charter.write_text(charter.read_text(encoding="utf-8") + EDITED, encoding="utf-8")
    settings.models_dir.mkdir()
    (settings.models_dir / MODEL).write_bytes(os.urandom(50_000))
    tracker = create_engine(settings.tracker_store_url, poolclass=NullPool)
    EVENTS.metadata.create_all(tracker)
    with tracker.begin() as connection:
        connection.execute(insert(EVENTS), [
            {"id": index, "sender_id": "patron-0", "type_name": "user", "timestamp": 1000.0 + index,
             "data": json.dumps({"event": "user", "text": f"bonjour {index}"})} for index in range(1, 11)])
    tracker.dispose()
    yield settings


def rows(url: str, table: str) -> list[tuple]:
    engine = create_engine(url, future=True, poolclass=NullPool)
    try:
        with engine.connect() as connection:
            found = connection.execute(select(EVENTS if table == "events" else _table(engine, table)))
            return sorted(tuple(row) for row in found)
    finally:
        engine.dispose()


def _table(engine, name: str):  # type: ignore[no-untyped-def]
    from sqlalchemy import MetaData, Table

    return Table(name, MetaData(), autoload_with=engine)


def files(folder: Path) -> dict[str, bytes]:
    return {path.relative_to(folder).as_posix(): path.read_bytes() for path in sorted(folder.rglob("*"))
            if path.is_file()}


class Patrons(threading.Thread):
    """Keeps booking slots and writing conversation events until stopped."""

    def __init__(self, settings: Settings):
        super().__init__(daemon=True)
        self.settings, self.stop, self.written = settings, threading.Event(), 0
        self.error: BaseException | None = None

    def run(self) -> None:
        store = BookingStore(self.settings.booking_database_url, clock=Clock(MONDAY))
        sqlite = self.settings.tracker_store_url.startswith("sqlite")
        tracker = create_engine(self.settings.tracker_store_url, poolclass=NullPool,
                                connect_args={"timeout": 30} if sqlite else {})
        try:
            slots = iter(store.free_slots(MONDAY, limit=1000))
            event_id = 100
            while not self.stop.is_set():
                slot = next(slots, None)
                if slot is not None:
                    with contextlib.suppress(SlotTaken):
                        store.book(slot, topic="emploi", first_name="Pendant", contact="+33612345678",
                                   contact_kind="mobile", accessibility=None, channel="telegram",
                                   sender_id="pendant")
                event_id += 1
                with tracker.begin() as connection:
                    connection.execute(insert(EVENTS), {"id": event_id, "sender_id": "pendant", "type_name": "user",
                                                        "timestamp": float(event_id), "data": "{}"})
                self.written += 1
        except BaseException as error:  # noqa: BLE001 (failed in the thread: the test says it)
            self.error = error
        finally:
            store.close()
            tracker.dispose()


TABLES = ("bookings", "staff_accounts", "sites")


def test_a_backup_taken_while_patrons_talk_restores_everything_confirmed_before_it(
        populated: Settings, fresh_url: str, trackers: dict[str, str], tmp_path: Path) -> None:
    patrons = Patrons(populated)
    patrons.start()
    while patrons.written < 3 and patrons.is_alive():
        pass
    before = {table: rows(populated.booking_database_url, table) for table in TABLES}
    events_before = rows(populated.tracker_store_url, "events")
    said: list[str] = []
    archive = backup(populated, say=said.append)
    patrons.stop.set()
    patrons.join(30)
    assert patrons.error is None and patrons.written > 3
    after = {table: rows(populated.booking_database_url, table) for table in TABLES}

    assert stat.S_IMODE(archive.stat().st_mode) == 0o600
    assert stat.S_IMODE(populated.backup_dir.stat().st_mode) == 0o700
    assert archive.parent == populated.var_dir / "backups" and archive.name.startswith("aiguillage-")
    assert str(archive) in said[-1] and any("knowledge" in line for line in said)
    with tarfile.open(archive) as tar:
        names = tar.getnames()
        manifest = json.load(tar.extractfile(MANIFEST))  # type: ignore[arg-type]
    assert names[-1] == MANIFEST and set(manifest["members"]) == set(names[:-1])
    assert f"model/{MODEL}" in names and "knowledge/charter.yml" in names and "project/domain.yml" in names
    assert manifest["version"] and manifest["created_at"] and manifest["model"] == f"model/{MODEL}"
    kind = "sqlite" if populated.booking_database_url.startswith("sqlite") else "postgresql"
    assert [(name, copy["kind"]) for name, copy in manifest["databases"].items()] == [
        ("application", kind), ("conversations", kind)]

    fresh = instance(tmp_path / "fresh", fresh_url, **({"TRACKER_STORE_URL": trackers["fresh"]} if trackers else {}))
    restored = restore(fresh, archive, say=said.append)
    assert restored["created_at"] == manifest["created_at"]
    for table in TABLES:
        back = rows(fresh.booking_database_url, table)
        assert set(before[table]) <= set(back) <= set(after[table]), table  # nothing confirmed before is lost
    assert rows(fresh.booking_database_url, "staff_accounts") == before["staff_accounts"]
    assert set(events_before) <= set(rows(fresh.tracker_store_url, "events"))
    assert files(fresh.knowledge_dir) == files(populated.knowledge_dir)
    assert (fresh.knowledge_dir / "charter.yml").read_text(encoding="utf-8").endswith(EDITED)
    for name in ("domain.yml", "config.yml", "data", "heldout"):
        source, target = populated.project_dir / name, fresh.project_dir / name
        assert (files(target) == files(source)) if source.is_dir() else target.read_bytes() == source.read_bytes()
    assert (fresh.models_dir / MODEL).read_bytes() == (populated.models_dir / MODEL).read_bytes()
    assert model_in_service(fresh) == fresh.models_dir / MODEL

    with pytest.raises(BackupError, match="(?s)restore refused.*bookings.*FORCE=1"):
        restore(fresh, archive, say=said.append)  # it has data now
    restore(fresh, archive, force=True, say=said.append)
    assert rows(fresh.booking_database_url, "staff_accounts") == before["staff_accounts"]


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_restore_over_changed_knowledge_files_is_refused(populated: Settings, tmp_path: Path) -> None:
    archive = backup(populated, say=lambda line: None)
    fresh = instance(tmp_path / "fresh", f"sqlite:///{tmp_path / 'fresh' / 'var' / 'bookings.db'}")
    copy_project(tmp_path / "fresh")  # the repository's sample: nothing to lose
    (fresh.knowledge_dir / "sites.yml").write_text("sites: []\n", encoding="utf-8")
    with pytest.raises(BackupError, match="sites.yml .unlike both the archive"):
        restore(fresh, archive, say=lambda line: None)
    assert (fresh.knowledge_dir / "sites.yml").read_text(encoding="utf-8") == "sites: []\n"
    (fresh.knowledge_dir / "sites.yml").write_bytes((ROOT / "knowledge_base" / "sites.yml").read_bytes())
    restore(fresh, archive, say=lambda line: None)  # the sample again: restored over it
    assert files(fresh.knowledge_dir) == files(populated.knowledge_dir)


def damaged(archive: Path, target: Path) -> Path:
    """`archive` with one byte of its charter changed, its manifest kept."""
    with tarfile.open(archive) as source, tarfile.open(target, "w:gz") as out:
        for member in source:
            data = source.extractfile(member).read()  # type: ignore[union-attr]
            if member.name == "knowledge/charter.yml":
                data = data.replace(b"#", b"!", 1)
            out.addfile(member, io.BytesIO(data))
    return target


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_damaged_archive_is_refused_before_anything_is_written(populated: Settings, tmp_path: Path) -> None:
    archive = backup(populated, say=lambda line: None)
    fresh = instance(tmp_path / "fresh", f"sqlite:///{tmp_path / 'fresh' / 'var' / 'bookings.db'}")
    with pytest.raises(BackupError, match="damaged archive: the sha256 of knowledge/charter.yml does not match"):
        restore(fresh, damaged(archive, tmp_path / "tampered.tar.gz"), say=lambda line: None)
    flipped = bytearray(archive.read_bytes())
    flipped[len(flipped) // 2] ^= 0xFF
    (tmp_path / "flipped.tar.gz").write_bytes(bytes(flipped))
    with pytest.raises(BackupError, match="damaged"):
        restore(fresh, tmp_path / "flipped.tar.gz", say=lambda line: None)
    (tmp_path / "truncated.tar.gz").write_bytes(archive.read_bytes()[:-5000])
    with pytest.raises(BackupError, match="damaged"):
        restore(fresh, tmp_path / "truncated.tar.gz", say=lambda line: None)
    plain = tmp_path / "other.tar.gz"
    with tarfile.open(plain, "w:gz") as tar:
        tar.add(ROOT / "config.yml", "config.yml")
    with pytest.raises(BackupError, match="not an Aiguillage backup"):
        restore(fresh, plain, say=lambda line: None)
    assert not fresh.var_dir.joinpath("bookings.db").exists() and not fresh.knowledge_dir.exists()
    assert not list(fresh.var_dir.iterdir())  # no staging left behind


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_old_archives_are_pruned_to_backup_keep(populated: Settings, tmp_path: Path) -> None:
    settings = instance(tmp_path / "library", populated.booking_database_url, BACKUP_KEEP="3")
    settings.backup_dir.mkdir(parents=True)
    old = [settings.backup_dir / f"aiguillage-2026010{day}T020000Z.tar.gz" for day in range(1, 6)]
    for path in old:
        path.write_bytes(b"old")
    (settings.backup_dir / "notes.txt").write_text("kept", encoding="utf-8")
    (settings.backup_dir / ".aiguillage-20260101T020000Z.tar.gz.partial").write_bytes(b"killed")
    (settings.backup_dir / ".staging-killed").mkdir()
    first = backup(settings, say=lambda line: None)
    second = backup(settings, say=lambda line: None)  # the same second, maybe: another name
    assert first != second
    assert list(archives(settings)) == [old[-1], first, second]
    assert (settings.backup_dir / "notes.txt").exists()
    assert sorted(path.name for path in settings.backup_dir.iterdir() if path.name.startswith(".")) == [".lock"]
    with open(settings.backup_dir / ".lock", "w") as lock:  # another backup is running
        fcntl.flock(lock, fcntl.LOCK_EX)
        with pytest.raises(BackupError, match="Another backup is writing"):
            backup(settings, say=lambda line: None)
    assert list(archives(settings)) == [old[-1], first, second]


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_the_commands_say_each_step_and_fail_with_a_message(populated: Settings, tmp_path: Path) -> None:
    env = {**os.environ, **{name: value for name, value in populated.environment().items()
                            if name.endswith(("_DIR", "_URL"))}}
    done = subprocess.run([sys.executable, "-m", "bot", "backup"], env=env, capture_output=True, text=True,
                          cwd=ROOT)
    assert done.returncode == 0, done.stderr
    assert "Archive: " in done.stdout and "application database (sqlite)" in done.stdout
    archive = next(archives(populated))
    truncated = tmp_path / "bad.tar.gz"
    truncated.write_bytes(archive.read_bytes()[:1000])
    done = subprocess.run([sys.executable, "-m", "bot", "restore", str(truncated)], env=env, capture_output=True,
                          text=True, cwd=ROOT)
    assert done.returncode != 0 and "damaged" in done.stderr and "Traceback" not in done.stderr
    done = subprocess.run([sys.executable, "-m", "bot", "restore", str(archive)], env=env, capture_output=True,
                          text=True, cwd=ROOT)
    assert done.returncode != 0 and "restore refused" in done.stderr


def test_pg_dump_and_pg_restore_get_the_password_from_the_environment_only(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    calls: list[tuple[list[str], dict[str, str]]] = []

    def run(arguments: list[str], env: dict[str, str], **options: object) -> subprocess.CompletedProcess:
        calls.append((arguments, env))
        return subprocess.CompletedProcess(arguments, 0, "", "")

    monkeypatch.setattr(backup_module.subprocess, "run", run)
    url = URL.create("postgresql+psycopg2", username="aiguillage", password="pw@5x", host="db.example", port=5433,
                     database="library", query={"sslmode": "require"})
    database = Database("application", url.render_as_string(hide_password=False))
    backup_module._dump(database, tmp_path / "application.pgdump")
    backup_module._load(database, tmp_path / "application.pgdump")
    for arguments, env in calls:
        assert not any("pw@5x" in argument or "pw%405x" in argument for argument in arguments)
        assert (env["PGPASSWORD"], env["PGHOST"], env["PGPORT"], env["PGUSER"], env["PGDATABASE"],
                env["PGSSLMODE"]) == ("pw@5x", "db.example", "5433", "aiguillage", "library", "require")
    assert "--format=custom" in calls[0][0] and Path(calls[0][0][0]).name == "pg_dump"
    assert {"--clean", "--if-exists", "--dbname=library"} <= set(calls[1][0])


def test_the_model_in_service_is_the_one_rasa_serves_else_the_newest(monkeypatch: pytest.MonkeyPatch,
                                                                      tmp_path: Path) -> None:
    settings = instance(tmp_path, f"sqlite:///{tmp_path / 'var' / 'bookings.db'}", RASA_API_TOKEN="jeton")
    settings.models_dir.mkdir()
    for age, name in enumerate(("aiguillage-b.tar.gz", "aiguillage-a.tar.gz")):
        (settings.models_dir / name).write_bytes(b"model")
        os.utime(settings.models_dir / name, (1e9 + age, 1e9 + age))
    assert model_in_service(settings) == settings.models_dir / "aiguillage-a.tar.gz"  # Rasa does not answer: newest

    def status(url: str, params: dict[str, str], timeout: float) -> httpx.Response:
        assert params == {"token": "jeton"} and url.endswith("/status")
        return httpx.Response(200, json={"model_file": str(settings.models_dir / "aiguillage-b.tar.gz")},
                              request=httpx.Request("GET", url))

    monkeypatch.setattr(backup_module.httpx, "get", status)
    assert model_in_service(settings) == settings.models_dir / "aiguillage-b.tar.gz"


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_separate_conversations_are_not_restored_into_a_shared_database(populated: Settings, tmp_path: Path) -> None:
    archive = backup(populated, say=lambda line: None)
    shared = f"sqlite:///{tmp_path / 'fresh' / 'var' / 'all.db'}"
    fresh = instance(tmp_path / "fresh", shared, TRACKER_STORE_URL=shared)
    with pytest.raises(BackupError, match="separate conversations database"):
        restore(fresh, archive, say=lambda line: None)
    assert not (tmp_path / "fresh" / "var" / "all.db").exists()


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_database_not_used_yet_is_skipped(populated: Settings, tmp_path: Path) -> None:
    Path(populated.tracker_store_url.removeprefix("sqlite:///")).unlink()  # no conversation yet
    said: list[str] = []
    archive = backup(populated, say=said.append)
    assert any("conversations" in line and "skipped" in line for line in said)
    fresh = instance(tmp_path / "fresh", f"sqlite:///{tmp_path / 'fresh' / 'var' / 'bookings.db'}")
    assert list(restore(fresh, archive, say=said.append)["databases"]) == ["application"]
    assert rows(fresh.booking_database_url, "staff_accounts") == rows(populated.booking_database_url,
                                                                       "staff_accounts")


def test_the_restored_model_answers_as_the_one_backed_up(trained_agent, tmp_path: Path) -> None:
    from rasa.core.agent import Agent

    settings = instance(tmp_path / "library", f"sqlite:///{tmp_path / 'library' / 'var' / 'bookings.db'}")
    settings.models_dir.mkdir(parents=True)
    model = ensure_model()
    shutil.copy2(model, settings.models_dir / model.name)
    archive = backup(settings, say=lambda line: None)
    fresh = instance(tmp_path / "fresh", f"sqlite:///{tmp_path / 'fresh' / 'var' / 'bookings.db'}")
    restore(fresh, archive, say=lambda line: None)
    restored = Agent.load(str(model_in_service(fresh)))
    for text in ("je voudrais un rendez-vous", "bonjour", "ma carte vitale", "merci au revoir", "qsdfgh"):
        before, after = (asyncio.run(agent.parse_message(text))["intent"] for agent in (trained_agent, restored))
        assert after == before, text


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_manifest_naming_files_outside_ours_is_refused(populated: Settings, tmp_path: Path) -> None:
    archive = backup(populated, say=lambda line: None)
    forged = tmp_path / "forged.tar.gz"
    with tarfile.open(archive) as source, tarfile.open(forged, "w:gz") as out:
        for member in source:
            data = source.extractfile(member).read()  # type: ignore[union-attr]
            if member.name == MANIFEST:
                manifest = json.loads(data)
                manifest["project"].append("../knowledge_base")
                data = json.dumps(manifest).encode()
                member.size = len(data)
            out.addfile(member, io.BytesIO(data))
    fresh = instance(tmp_path / "fresh", f"sqlite:///{tmp_path / 'fresh' / 'var' / 'bookings.db'}")
    with pytest.raises(BackupError, match="names unexpected files"):
        restore(fresh, forged, say=lambda line: None)


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_the_model_the_console_rejected_stays_rejected_after_a_restore(populated: Settings, tmp_path: Path) -> None:
    current = model_path(populated)  # the model of the current data: found worse, or its deployment undone
    (populated.models_dir / "rejected").mkdir()
    (populated.models_dir / "rejected" / current.name).write_bytes(b"worse model")
    said: list[str] = []
    archive = backup(populated, say=said.append)
    assert any("rejected" in line for line in said)
    fresh = instance(tmp_path / "fresh", f"sqlite:///{tmp_path / 'fresh' / 'var' / 'bookings.db'}")
    restore(fresh, archive, say=said.append)
    assert (fresh.models_dir / "rejected" / current.name).read_bytes() == b"worse model"  # make run does not train it
    assert model_path(fresh).name == current.name and model_in_service(fresh) == fresh.models_dir / MODEL
