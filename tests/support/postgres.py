"""A throwaway PostgreSQL cluster for the tests, from the server binaries of the machine (Debian's `postgresql`
package): started once per session in a temporary folder, on 127.0.0.1 only, with a fresh database per test."""
from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator, Optional
from uuid import uuid4

import pytest
from sqlalchemy import create_engine
from sqlalchemy.engine import Engine
from sqlalchemy.pool import NullPool

from tests.support.ports import free_port

BINARIES = ("initdb", "pg_ctl", "postgres")
MISSING = ("The booking tests run on PostgreSQL too and its server binaries (initdb, pg_ctl, postgres) were not "
           "found: run 'make postgres' (or 'sudo apt-get install postgresql'), then test again.")
UNPRIVILEGED = "nobody"  # PostgreSQL refuses to run as root
# Speed over durability: a test cluster has nothing to keep after a crash.
SETTINGS = {"fsync": "off", "synchronous_commit": "off", "full_page_writes": "off", "max_connections": "200"}


def server_bindir() -> Path:
    """The folder of initdb, pg_ctl and postgres: pg_config's, else Debian's newest, else the PATH's."""
    debian = sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True,
                    key=lambda folder: int(folder.parent.name) if folder.parent.name.isdigit() else 0)
    on_path = shutil.which("initdb")
    for folder in (_pg_config_bindir(), *debian, Path(on_path).resolve().parent if on_path else None):
        if folder and all((folder / name).is_file() for name in BINARIES):
            return folder
    pytest.fail(MISSING, pytrace=False)


def _pg_config_bindir() -> Optional[Path]:
    try:
        return Path(subprocess.run(["pg_config", "--bindir"], capture_output=True, text=True).stdout.strip())
    except FileNotFoundError:
        return None


class Cluster:
    """A cluster in `folder` (its data, socket and log), run by an unprivileged user when the tests run as root."""

    def __init__(self, bindir: Path, folder: Path):
        self.bindir, self.folder, self.port = bindir, folder, free_port()
        self.url = f"postgresql+psycopg2://postgres@127.0.0.1:{self.port}"  # the server's, without a database
        self.user = pwd.getpwnam(UNPRIVILEGED) if os.geteuid() == 0 else None
        if self.user:
            os.chown(folder, self.user.pw_uid, self.user.pw_gid)

    def start(self) -> None:
        data = self.folder / "data"
        self._run("initdb", "-D", data, "-U", "postgres", "--auth=trust", "--encoding=UTF8", "--no-locale",
                  "--no-sync")
        settings = {**SETTINGS, "listen_addresses": "'127.0.0.1'", "port": str(self.port),
                    "unix_socket_directories": f"'{self.folder}'"}
        with open(data / "postgresql.conf", "a", encoding="utf-8") as conf:
            conf.writelines(f"{name} = {value}\n" for name, value in settings.items())
        self._run("pg_ctl", "-D", data, "-l", self.folder / "server.log", "-w", "start")

    def stop(self) -> None:
        self._run("pg_ctl", "-D", self.folder / "data", "-m", "fast", "-w", "stop")

    def _run(self, binary: str, *arguments: object) -> None:
        """Run a server binary as the cluster's user; fail the tests with its output and log when it fails."""
        ids = {"user": self.user.pw_uid, "group": self.user.pw_gid, "extra_groups": []} if self.user else {}
        done = subprocess.run([str(self.bindir / binary), *map(str, arguments)], capture_output=True, text=True,
                              cwd=self.folder, **ids)
        if done.returncode:
            log = self.folder / "server.log"
            pytest.fail(f"{binary} failed: {done.stdout}{done.stderr}{log.read_text() if log.exists() else ''}",
                        pytrace=False)


class Databases:
    """Creates and drops databases on the server at `url`."""

    def __init__(self, url: str):
        self.url = url
        self.admin: Engine = create_engine(f"{url}/postgres", future=True, isolation_level="AUTOCOMMIT",
                                           poolclass=NullPool)

    @contextmanager
    def new(self) -> Iterator[str]:
        """A new empty database, dropped at the end with whatever is still connected to it: its URL."""
        name = f"test_{uuid4().hex}"
        with self.admin.connect() as connection:
            connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
        try:
            yield f"{self.url}/{name}"
        finally:
            with self.admin.connect() as connection:
                connection.exec_driver_sql(f'DROP DATABASE "{name}" WITH (FORCE)')


@contextmanager
def postgres_server() -> Iterator[Databases]:
    """A cluster started in a new temporary folder, stopped (fast) and removed at the end."""
    cluster = Cluster(server_bindir(), Path(tempfile.mkdtemp(prefix="aiguillage-postgres-")))
    try:
        cluster.start()
        yield Databases(cluster.url)
    finally:
        if (cluster.folder / "data" / "postmaster.pid").exists():
            cluster.stop()
        shutil.rmtree(cluster.folder, ignore_errors=True)
