"""Secrets come from the environment only: none has a default, and no tracked file holds one."""
from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from bot.settings import ROOT, Settings

SECRET_SETTINGS = ("telegram_token", "telegram_secret", "staff_token", "smtp_url", "rasa_api_token",
                   "metrics_token")
PATTERNS = {
    "Telegram bot token": r"\b\d{6,12}:[A-Za-z0-9_-]{20,}",
    "password in a URL": r"\b[a-z][a-z0-9+.-]*://[^\s/:@'\"`]+:([^\s/@'\"`]+)@",
    "secret assigned": r"(?i)\b\w*(?:token|secret|password|passwd|api_key)\b['\"]?\s*[:=]\s*['\"]([^'\"\s]{6,})['\"]",
    "private key": r"-----BEGIN [A-Z ]*PRIVATE KEY-----",
    "AWS access key": r"\bAKIA[0-9A-Z]{16}\b",
    "GitHub token": r"\bgh[pousr]_[A-Za-z0-9]{36}\b",
    "Slack token": r"\bxox[abprs]-[A-Za-z0-9-]{10,}",
    "Google API key": r"\bAIza[0-9A-Za-z_-]{35}\b",
}
PLACEHOLDERS = {"pass", "password"}  # the docs' smtp+starttls://user:password@host, postgresql://user:pass@db
ALLOWED = {  # fakes that tests need, each checked to be no real secret
    "tests/support/telegram_standin.py": {"123456:TEST-token_for-the-stand-in"},  # the Bot API stand-in's token
    "tests/test_booking_web.py": {"s3cret-token"},  # STAFF_TOKEN of a test server
    "tests/test_web_headers.py": {"staff-test-token"},  # STAFF_TOKEN of a test server
    "tests/test_services.py": {"chosen-token"},  # RASA_API_TOKEN of a test stack
    "tests/test_staff_retraining.py": {"the-secret-token"},  # RASA_API_TOKEN that Rasa's errors must not carry
    "tests/test_booking_reminders.py": {"p%3Ass", "p"},  # SMTP_URL parsing
    "tests/test_settings_and_topics.py": {"secret"},  # TRACKER_STORE_URL of a PostgreSQL example
    "tests/conftest.py": {"staff-token", "metrics-token"},  # STAFF_TOKEN and METRICS_TOKEN of the test stack
    "tests/test_metrics_web.py": {"metrics-s3cret"},  # METRICS_TOKEN of a test server
    "tests/e2e/test_metrics.py": {"not-the-token"},  # a wrong METRICS_TOKEN
    "tests/test_lock_store.py": {"pw"},  # LOCK_STORE_URL parsing
    "tests/e2e/test_replicas.py": {"replicas-test-token"},  # RASA_API_TOKEN of a test stack and its replicas
    "README.md": {"${DB_PASSWORD}"},  # a shell variable in the production example, not a password
}


def findings(text: str) -> set[tuple[str, str]]:
    """(kind, secret) of everything in `text` that looks like a secret and is no documented placeholder."""
    found = set()
    for kind, pattern in PATTERNS.items():
        for match in re.finditer(pattern, text):
            secret = match.group(match.re.groups and 1)
            if secret not in PLACEHOLDERS:
                found.add((kind, secret))
    return found


def tracked_files() -> list[Path]:
    """The files git tracks, but this one (its allowlist and examples look like secrets, by design)."""
    if not shutil.which("git") or not (ROOT / ".git").exists():
        pytest.skip("not a git checkout")
    names = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True).stdout
    paths = (ROOT / name for name in names.decode().split("\0") if name)
    return [path for path in paths if path.is_file() and path != Path(__file__)]


def text_of(path: Path) -> str:
    """The file as text; empty for binary files."""
    data = path.read_bytes()
    try:
        return "" if b"\0" in data else data.decode()
    except UnicodeDecodeError:
        return ""


def test_no_secret_has_a_default() -> None:
    settings = Settings.from_env({})
    assert {name: getattr(settings, name) for name in SECRET_SETTINGS} == dict.fromkeys(SECRET_SETTINGS, "")


def test_settings_never_show_their_secrets() -> None:
    values = {"TELEGRAM_TOKEN": "42:telegram-value", "TELEGRAM_SECRET": "secret-value", "STAFF_TOKEN": "staff-value",
              "SMTP_URL": "smtps://u:smtp-value@host", "RASA_API_TOKEN": "api-value"}
    shown = repr(Settings.from_env(values))
    assert [value for value in values.values() if value in shown] == []


def test_no_tracked_file_holds_a_secret() -> None:
    unexpected = {}
    for path in tracked_files():
        name = path.relative_to(ROOT).as_posix()
        found = {(kind, secret) for kind, secret in findings(text_of(path)) if secret not in ALLOWED.get(name, ())}
        if found:
            unexpected[name] = sorted(found)
    assert unexpected == {}


@pytest.mark.parametrize("text, kind", [
    ("TELEGRAM_TOKEN=" + "7123456789:" + "AAHx" * 9, "Telegram bot token"),
    ("SMTP_URL=smtps://mediatheque:" + "Vr4i-mot" + "@smtp.ville.fr", "password in a URL"),
    ("staff_token = '" + "k9d8s7" + "f6g5'", "secret assigned"),
    ('"RASA_API_TOKEN": "' + "q" * 12 + '"', "secret assigned"),
    ("-----BEGIN " + "OPENSSH PRIVATE KEY-----", "private key"),
    ("ghp_" + "a1" * 18, "GitHub token"),
])
def test_the_scan_finds_each_kind_of_secret(text: str, kind: str) -> None:
    assert kind in {found_kind for found_kind, _ in findings(text)}


def test_the_scan_lets_documented_placeholders_pass() -> None:
    assert findings("`smtp+starttls://user:password@host:587`, `postgresql://user:pass@db/aiguillage`, "
                    'SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token", token=os.environ["RASA_API_TOKEN"]') == set()
