"""`make bench-backup` (`python -m bench.backup`): `make backup` and `make restore` on a year of a busy library,
generated: 20 000 appointments, 500 workshop sessions with 5 000 registrations, 12 staff accounts, 50 000
conversation events (Rasa's `events` rows, about 1 KB each), the sample knowledge base and training data, and the
newest trained model (MODELS_DIR, or --model), else random bytes of a trained model's size. Time and size of the
backup and of the restore into a fresh instance, on SQLite and, when PostgreSQL's server binaries are here, with the
application database on PostgreSQL (a throwaway cluster). Writes bench/backup.md."""
from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import subprocess
import tempfile
import time
from contextlib import ExitStack
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Optional

from sqlalchemy import create_engine, insert, select, text
from sqlalchemy.pool import NullPool

from bot.backup import backup, restore
from bot.booking.models import Booking, Mediator, Site
from bot.booking.store import BookingStore
from bot.knowledge.sites import load_sites
from bot.privacy.events_table import EVENTS
from bot.settings import ROOT, Settings, settings
from bot.staff.models import StaffAccount
from bot.workshops.models import Registration, WorkshopSession

RESULTS = ROOT / "bench" / "backup.md"
YEAR = {"bookings": 20_000, "sessions": 500, "registrations": 5_000, "staff": 12, "events": 50_000}
MODEL_MB = 8  # a trained model of this project: 7.7 MB (2026-12-07; spaCy's vectors are not in it)
REPEAT = 3
START = datetime(2026, 1, 5, 8, 0, tzinfo=timezone.utc)


def instance(root: Path, booking_url: Optional[str] = None) -> Settings:
    var = root / "var"
    return Settings.from_env({"VAR_DIR": str(var), "KNOWLEDGE_DIR": str(root / "knowledge_base"),
                              "PROJECT_DIR": str(root / "project"), "MODELS_DIR": str(root / "models"),
                              "BOOKING_DATABASE_URL": booking_url or f"sqlite:///{var / 'bookings.db'}"})


def generate(settings: Settings, model: Optional[Path], seed: int = 7) -> dict[str, int]:
    """A year of a busy library in the instance of `settings`; the rows written per table."""
    rng = random.Random(seed)
    shutil.copytree(ROOT / "knowledge_base", settings.knowledge_dir)
    settings.project_dir.mkdir(parents=True)
    for name in ("config.yml", "domain.yml", "data", "heldout"):
        (shutil.copytree if (ROOT / name).is_dir() else shutil.copy)(ROOT / name, settings.project_dir / name)
    settings.models_dir.mkdir(parents=True)
    if model:
        shutil.copy(model, settings.models_dir / model.name)
    else:
        (settings.models_dir / "aiguillage-0123456789abcdef.tar.gz").write_bytes(os.urandom(MODEL_MB << 20))
    settings.var_dir.mkdir(parents=True, exist_ok=True)
    store = BookingStore(settings.booking_database_url)
    store.migrate()
    store.load_knowledge(load_sites(settings.knowledge_dir / "sites.yml"))
    store.close()
    engine = create_engine(settings.booking_database_url, future=True, poolclass=NullPool)
    with engine.begin() as connection:
        sites = list(connection.execute(select(Site.id)).scalars())
        mediators = list(connection.execute(select(Mediator.id)).scalars())
        now = datetime.now(timezone.utc)
        connection.execute(insert(Booking), [
            {"code": f"B{index:07d}", "site_id": rng.choice(sites), "mediator_id": mediators[index % len(mediators)],
             "start": START + timedelta(minutes=30 * (index // len(mediators))),
             "end": START + timedelta(minutes=30 * (index // len(mediators)) + 30),
             "topic": rng.choice(("caf", "ants", "emploi", "impots", "sante")), "urgent": rng.random() < 0.05,
             "first_name": f"Patron {index}", "contact": f"+336{index:08d}", "contact_kind": "mobile",
             "accessibility": "Fauteuil roulant." if index % 40 == 0 else None, "channel": "rest",
             "sender_id": f"patron-{index}", "status": "done", "created_at": now} for index in range(YEAR["bookings"])])
        connection.execute(insert(WorkshopSession), [
            {"id": f"atelier-{index}", "workshop_id": f"atelier-{index % 20}", "title": f"Atelier {index % 20}",
             "theme": "numerique", "level": "debutant", "site_id": sites[index % len(sites)],
             "mediator_id": mediators[index % len(mediators)], "start": START + timedelta(hours=17 * index),
             "end": START + timedelta(hours=17 * index + 2), "capacity": 10, "active": True}
            for index in range(YEAR["sessions"])])
        per_session = YEAR["registrations"] // YEAR["sessions"]
        connection.execute(insert(Registration), [
            {"code": f"W{index:07d}", "session_id": f"atelier-{index // per_session}", "status": "registered",
             "seat": index % per_session + 1, "first_name": f"Inscrit {index}", "contact": f"inscrit{index}@example.fr",
             "contact_kind": "email", "channel": "telegram", "sender_id": f"inscrit-{index}", "created_at": now,
             "skipped": False} for index in range(YEAR["registrations"])])
        connection.execute(insert(StaffAccount), [
            {"email": f"agent{index}@mediatheque.fr", "name": f"Agent {index}", "role": "mediator",
             "password_hash": "$argon2id$v=19$m=65536,t=3,p=4$" + "x" * 60, "active": True, "created_at": now}
            for index in range(YEAR["staff"])])
    engine.dispose()
    tracker = create_engine(settings.tracker_store_url, future=True, poolclass=NullPool)
    EVENTS.metadata.create_all(tracker)
    words = ("bonjour", "rendez-vous", "impôts", "caf", "ordinateur", "imprimer", "mot de passe", "ameli", "merci",
             "atelier", "tablette", "samedi", "mardi", "ants", "permis", "carte grise", "emploi", "cv", "oui", "non")
    with tracker.begin() as connection:
        connection.execute(insert(EVENTS), [
            {"id": index, "sender_id": f"{rng.getrandbits(64):016x}", "type_name": "user",
             "timestamp": 1.7e9 + index * 600 + rng.random(),
             "data": json.dumps({"event": "user", "timestamp": 1.7e9 + index * 600,
                                 "text": " ".join(rng.choices(words, k=rng.randint(2, 12))),
                                 "parse_data": {"intent": {"name": "demande", "confidence": rng.random()},
                                                "entities": [],
                                                "intent_ranking": [{"name": f"intent_{rank}",
                                                                    "confidence": rng.random()} for rank in range(10)]},
                                 "input_channel": rng.choice(("rest", "telegram")),
                                 "message_id": f"{rng.getrandbits(128):032x}"}, ensure_ascii=False)}
            for index in range(1, YEAR["events"] + 1)])
    tracker.dispose()
    return YEAR


def measure(label: str, root: Path, booking_url: Optional[str], fresh_url: Optional[str],
            model: Optional[Path]) -> dict[str, object]:
    settings = instance(root / "library", booking_url)
    started = time.monotonic()
    generate(settings, model)
    generated = time.monotonic() - started
    backups, restores = [], []
    fresh = instance(root / "fresh", fresh_url)
    for attempt in range(REPEAT):
        started = time.monotonic()
        archive = backup(settings, say=lambda line: None)
        backups.append(time.monotonic() - started)
        started = time.monotonic()
        restore(fresh, archive, force=attempt > 0, say=lambda line: None)  # a fresh instance, then over it
        restores.append(time.monotonic() - started)
    backed_up, restored = statistics.median(backups), statistics.median(restores)
    model_mb = sum(path.stat().st_size for path in settings.models_dir.iterdir()) / 2**20
    sizes = {"application": _size(settings.booking_database_url), "tracker": _size(settings.tracker_store_url)}
    return {"label": label, "generated_s": generated, "backup_s": backed_up, "restore_s": restored,
            "archive_mb": archive.stat().st_size / 2**20, "model_mb": model_mb,
            **{f"{name}_mb": size for name, size in sizes.items()}}


def _size(url: str) -> float:
    """Megabytes of the database at `url`."""
    if not url.startswith("sqlite:///"):
        engine = create_engine(url, future=True, poolclass=NullPool)
        with engine.connect() as connection:
            size = connection.execute(text("SELECT pg_database_size(current_database())")).scalar_one()
        engine.dispose()
        return size / 2**20
    path = Path(url.removeprefix("sqlite:///"))
    return sum(Path(f"{path}{suffix}").stat().st_size for suffix in ("", "-wal") if Path(f"{path}{suffix}").exists()) \
        / 2**20


def write(results: list[dict[str, object]], model: Optional[Path]) -> str:
    commit = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True,
                            text=True).stdout.strip()
    lines = [f"# Backup and restore of a year of a busy library ({datetime.now():%Y-%m-%d %H:%M}, {commit})", "",
             f"`python -m bench.backup` on {os.cpu_count()} cores: {_n(YEAR['bookings'])} appointments, "
             f"{YEAR['sessions']} workshop sessions with {_n(YEAR['registrations'])} registrations, {YEAR['staff']} "
             f"staff accounts, {_n(YEAR['events'])} conversation events (about 1 KB each), the sample knowledge base "
             f"and training data, "
             + (f"the trained model {model.name} ({model.stat().st_size / 2**20:.1f} MB)." if model else
                f"a {MODEL_MB} MB model file (random bytes: no model trained here)."),
             f"Median of {REPEAT} backups and restores (the first into a fresh instance, the others over it, "
             f"`--force`).", "",
             "| Databases | application DB | conversations DB | backup | archive | restore |",
             "|---|---|---|---|---|---|"]
    for one in results:
        lines.append(f"| {one['label']} | {one['application_mb']:.1f} MB | {one['tracker_mb']:.1f} MB | "
                     f"{one['backup_s']:.1f} s | {one['archive_mb']:.1f} MB | {one['restore_s']:.1f} s |")
    first = results[0]
    lines += ["", "The backup runs while the services do (SQLite's online backup, `pg_dump`); a restore wants them "
              "stopped. Conversation events carry random ids, scores and words; appointments and registrations are "
              f"more alike than real ones. Beside the model, the archive holds the databases "
              f"({first['application_mb'] + first['tracker_mb']:.1f} MB as SQLite files) and the library's files in "
              f"{first['archive_mb'] - first['model_mb']:.1f} MB."]
    return "\n".join(lines) + "\n"


def _n(number: int) -> str:
    return f"{number:,}".replace(",", " ")


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.backup", description=__doc__)
    parser.add_argument("--no-postgresql", action="store_true", help="SQLite only")
    parser.add_argument("--model", type=Path, help="the model file to put in the instance (default: the newest in "
                        "MODELS_DIR, else random bytes)")
    args = parser.parse_args()
    models = sorted(settings.models_dir.glob("aiguillage-*.tar.gz"), key=lambda path: path.stat().st_mtime)
    model = args.model or (models[-1] if models else None)
    results = []
    with tempfile.TemporaryDirectory(prefix="aiguillage-bench-backup-") as folder:
        results.append(measure("SQLite", Path(folder) / "sqlite", None, None, model))
        print(results[-1], flush=True)
        if not args.no_postgresql and list(Path("/usr/lib/postgresql").glob("*/bin/initdb")):
            from tests.support.postgres import postgres_server

            with ExitStack() as stack:
                databases = stack.enter_context(postgres_server())
                source, fresh = stack.enter_context(databases.new()), stack.enter_context(databases.new())
                results.append(measure("PostgreSQL (application), SQLite (conversations)",
                                       Path(folder) / "postgresql", source, fresh, model))
                print(results[-1], flush=True)
    text = write(results, model)
    RESULTS.write_text(text, encoding="utf-8")
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
