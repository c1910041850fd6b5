"""The systemd units of docs/deploy: what they run, as whom, with which environment file, and what they may write;
and `systemd-analyze verify` of them where systemd is installed."""
from __future__ import annotations

import configparser
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bot.settings import ROOT

DEPLOY = ROOT / "docs" / "deploy"
CODE, INSTANCE = "/opt/aiguillage", "/srv/aiguillage"
UNITS = ("aiguillage.service", "aiguillage-backup.service", "aiguillage-backup.timer")


class UnitFile(configparser.ConfigParser):
    def optionxform(self, optionstr: str) -> str:
        return optionstr  # systemd's keys are case-sensitive


def unit(name: str) -> configparser.ConfigParser:
    parser = UnitFile(interpolation=None, strict=False)
    parser.read_string((DEPLOY / name).read_text())
    return parser


@pytest.mark.parametrize("name, command", [("aiguillage.service", "-m bot run"),
                                           ("aiguillage-backup.service", "-m bot backup")])
def test_each_service_runs_the_bot_as_its_user_on_the_instance_and_writes_only_there(name: str, command: str) -> None:
    service = unit(name)["Service"]
    assert service["ExecStart"] == f"{CODE}/.venv/bin/python {command}"
    assert (service["User"], service["WorkingDirectory"]) == ("aiguillage", CODE)
    assert service["EnvironmentFile"] == f"{INSTANCE}/aiguillage.env"
    assert (service["NoNewPrivileges"], service["ProtectSystem"], service["ReadWritePaths"]) == (
        "yes", "strict", INSTANCE)  # the code read-only: nothing of a running instance writes into the repository


def test_the_stack_restarts_on_failure_and_the_timer_starts_the_backup() -> None:
    assert unit("aiguillage.service")["Service"]["Restart"] == "on-failure"
    timer = unit("aiguillage-backup.timer")["Timer"]
    assert timer["Unit"] == "aiguillage-backup.service" and timer["Persistent"] == "true"
    assert unit("aiguillage-backup.service")["Service"]["Type"] == "oneshot"


def test_systemd_finds_no_mistake_in_the_units(tmp_path: Path) -> None:
    if not shutil.which("systemd-analyze"):
        pytest.skip("systemd-analyze is not installed")
    for name in UNITS:  # the code's paths made this checkout's, so that systemd finds the commands
        text = (DEPLOY / name).read_text().replace(f"{CODE}/.venv/bin/python", sys.executable)
        (tmp_path / name).write_text(text.replace(CODE, str(ROOT)))
    verified = subprocess.run(["systemd-analyze", "verify", "--man=no", *UNITS], cwd=tmp_path, capture_output=True,
                              text=True, timeout=60)
    assert (verified.returncode, verified.stderr) == (0, "")
