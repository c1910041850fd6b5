"""Staff accounts of the console on SQLite and PostgreSQL: hashed passwords, sign-in limits, sessions that end;
admins changing, deactivating and giving new passwords to accounts; the command that creates the first admin."""
from __future__ import annotations

import os
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Iterator

import pytest
from sqlalchemy import select

from bot.booking.models import Mediator
from bot.db.upgrade import upgrade
from bot.settings import ROOT
from bot.staff.accounts import (
    FAILURE_WINDOW,
    MAX_FAILURES,
    SESSION_IDLE,
    SESSION_LONGEST,
    AccountError,
    AccountNotFound,
    SignInRefused,
    StaffAccounts,
)
from bot.staff.models import StaffAccount, StaffSession

PASSWORD = "correct horse battery"


class Clock:
    """A clock the test moves."""

    def __init__(self) -> None:
        self.now = datetime(2026, 11, 26, 9, 0, tzinfo=timezone.utc)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def accounts(database_url: str, clock: Clock) -> Iterator[StaffAccounts]:
    upgrade(database_url)
    accounts = StaffAccounts(database_url, clock)
    accounts.add("Camille@Mediatheque.fr ", "Camille", "mediator", PASSWORD)
    yield accounts
    accounts.close()


def test_only_a_hash_of_the_password_is_kept(accounts: StaffAccounts) -> None:
    with accounts.session() as session:
        stored = session.scalar(select(StaffAccount).where(StaffAccount.email == "camille@mediatheque.fr"))
    assert stored.password_hash.startswith("$argon2id$") and PASSWORD not in stored.password_hash


@pytest.mark.parametrize("email, name, role, password, why", [
    ("camille@mediatheque.fr", "Autre", "admin", PASSWORD, "existe déjà"),
    ("pas-une-adresse", "Léa", "admin", PASSWORD, "^Cette adresse e-mail n'est pas valide.$"),
    ("x" * 250 + "@mediatheque.fr", "Léa", "admin", PASSWORD, "^Cette adresse e-mail n'est pas valide.$"),
    ("lea@mediatheque.fr", " ", "admin", PASSWORD, "nom"),
    ("lea@mediatheque.fr", "Léa", "root", PASSWORD, "rôle"),
    ("lea@mediatheque.fr", "Léa", "admin", "court", "au moins 12"),
    ("lea@mediatheque.fr", "Léa", "admin", "x" * 1001, "au plus 1000"),
])
def test_a_wrong_account_is_refused_with_the_reason(accounts: StaffAccounts, email: str, name: str, role: str,
                                                    password: str, why: str) -> None:
    with pytest.raises(AccountError, match=why):
        accounts.add(email, name, role, password)


def test_the_right_password_opens_a_session_for_the_right_person(accounts: StaffAccounts) -> None:
    token = accounts.sign_in(" CAMILLE@mediatheque.fr", PASSWORD, "192.0.2.1")
    who = accounts.signed_in(token)
    assert (who.email, who.name, who.role) == ("camille@mediatheque.fr", "Camille", "mediator")
    assert len(who.csrf_token) >= 40
    with accounts.session() as session:
        assert session.scalar(select(StaffSession.token_hash)) != token  # only its digest is stored
    assert accounts.signed_in("forged") is None and accounts.signed_in(None) is None


@pytest.mark.parametrize("email, password", [
    ("camille@mediatheque.fr", "wrong password!"), ("nobody@mediatheque.fr", PASSWORD),
    ("camille@mediatheque.fr", ""), ("camille@mediatheque.fr", "x" * 5000)])
def test_a_wrong_email_or_password_is_refused(accounts: StaffAccounts, email: str, password: str) -> None:
    with pytest.raises(SignInRefused) as refused:
        accounts.sign_in(email, password, "192.0.2.1")
    assert not refused.value.limited


def test_guessing_is_stopped_for_a_while_then_allowed_again(accounts: StaffAccounts, clock: Clock) -> None:
    for _ in range(MAX_FAILURES["email"]):
        with pytest.raises(SignInRefused):
            accounts.sign_in("camille@mediatheque.fr", "guess guess guess", "192.0.2.1")
    with pytest.raises(SignInRefused) as refused:  # even the right password, from another address
        accounts.sign_in("camille@mediatheque.fr", PASSWORD, "198.51.100.7")
    assert refused.value.limited
    clock.now += FAILURE_WINDOW + timedelta(seconds=1)
    assert accounts.signed_in(accounts.sign_in("camille@mediatheque.fr", PASSWORD, "198.51.100.7"))


@pytest.mark.slow
def test_one_address_guessing_many_accounts_is_stopped(accounts: StaffAccounts) -> None:
    for index in range(MAX_FAILURES["ip"]):
        with pytest.raises(SignInRefused):
            accounts.sign_in(f"someone{index}@mediatheque.fr", "guess guess guess", "203.0.113.9")
    with pytest.raises(SignInRefused) as refused:
        accounts.sign_in("camille@mediatheque.fr", PASSWORD, "203.0.113.9")
    assert refused.value.limited
    assert accounts.sign_in("camille@mediatheque.fr", PASSWORD, "192.0.2.1")  # another address may


def test_a_session_ends_when_idle_when_too_old_or_signed_out(accounts: StaffAccounts, clock: Clock) -> None:
    token = accounts.sign_in("camille@mediatheque.fr", PASSWORD, "192.0.2.1")
    start = clock.now
    while clock.now - start < SESSION_LONGEST - SESSION_IDLE:  # in use all day: kept alive
        clock.now += SESSION_IDLE - timedelta(minutes=1)
        assert accounts.signed_in(token)
    clock.now = start + SESSION_LONGEST + timedelta(seconds=1)
    assert accounts.signed_in(token) is None
    idle = accounts.sign_in("camille@mediatheque.fr", PASSWORD, "192.0.2.1")
    clock.now += SESSION_IDLE + timedelta(seconds=1)
    assert accounts.signed_in(idle) is None
    signed_out = accounts.sign_in("camille@mediatheque.fr", PASSWORD, "192.0.2.1")
    accounts.sign_out(signed_out)
    assert accounts.signed_in(signed_out) is None


def test_every_wrong_value_is_named_and_nothing_is_saved(accounts: StaffAccounts) -> None:
    with pytest.raises(AccountError) as refused:
        accounts.add("camille@mediatheque.fr", " ", "root", "court", "nobody")
    assert set(refused.value.problems) == {"email", "name", "role", "password", "mediator"}
    camille = accounts.all()[0]
    with pytest.raises(AccountError) as refused:
        accounts.change(camille.id, camille.id, "", "mediator", "nobody")
    assert set(refused.value.problems) == {"name", "mediator"}
    assert [(account.email, account.name) for account in accounts.all()] == [("camille@mediatheque.fr", "Camille")]


def test_an_account_is_linked_to_its_mediator(accounts: StaffAccounts) -> None:
    with accounts.session.begin() as session:
        session.add(Mediator(id="yanis", first_name="Yanis"))
    lea = accounts.add("lea@mediatheque.fr", "Léa", "admin", PASSWORD)
    yanis = accounts.add("yanis@mediatheque.fr", "Yanis", "mediator", PASSWORD, "yanis")
    assert accounts.signed_in(accounts.sign_in("yanis@mediatheque.fr", PASSWORD, "192.0.2.1")).mediator_id == "yanis"
    changed = accounts.change(lea.id, yanis.id, " Yanis B. ", "admin", "")
    assert (changed.name, changed.role, changed.mediator_id) == ("Yanis B.", "admin", None)
    with pytest.raises(AccountNotFound):
        accounts.change(lea.id, 999, "Personne", "admin", "")


def test_an_admin_keeps_their_own_rights_and_the_last_admin_stays(accounts: StaffAccounts) -> None:
    lea = accounts.add("lea@mediatheque.fr", "Léa", "admin", PASSWORD)
    camille = accounts.all()[0]
    for attempt, field in [(lambda: accounts.change(lea.id, lea.id, "Léa", "mediator", ""), "role"),
                           (lambda: accounts.set_active(lea.id, lea.id, False), "active")]:
        with pytest.raises(AccountError, match="propre compte") as refused:
            attempt()
        assert set(refused.value.problems) == {field}
    with pytest.raises(AccountError, match="dernier administrateur actif"):  # an admin signed in another way
        accounts.set_active(camille.id, lea.id, False)
    other = accounts.add("sam@mediatheque.fr", "Sam", "admin", PASSWORD)
    accounts.set_active(lea.id, other.id, False)
    with pytest.raises(AccountError, match="dernier administrateur actif"):  # an inactive admin does not count
        accounts.change(camille.id, lea.id, "Léa", "mediator", "")
    assert accounts.get(lea.id).role == "admin"


def test_deactivating_ends_the_sessions_at_once_and_reactivating_lets_them_in(accounts: StaffAccounts) -> None:
    lea = accounts.add("lea@mediatheque.fr", "Léa", "admin", PASSWORD)
    camille = accounts.all()[0]
    token = accounts.sign_in("camille@mediatheque.fr", PASSWORD, "192.0.2.1")
    assert not accounts.set_active(lea.id, camille.id, False).active
    with accounts.session() as session:
        assert session.scalar(select(StaffSession.token_hash)) is None
    assert accounts.signed_in(token) is None
    with pytest.raises(SignInRefused):
        accounts.sign_in("camille@mediatheque.fr", PASSWORD, "192.0.2.1")
    accounts.set_active(lea.id, camille.id, True)
    assert accounts.signed_in(accounts.sign_in("camille@mediatheque.fr", PASSWORD, "192.0.2.1"))


def test_a_new_password_replaces_the_old_one_and_ends_the_sessions(accounts: StaffAccounts) -> None:
    camille = accounts.all()[0]
    token = accounts.sign_in("camille@mediatheque.fr", PASSWORD, "192.0.2.1")
    with pytest.raises(AccountError, match="au moins 12"):
        accounts.set_password(camille.id, "court")
    assert accounts.signed_in(token)
    accounts.set_password(camille.id, "un tout nouveau mot de passe")
    assert accounts.signed_in(token) is None
    with pytest.raises(SignInRefused):
        accounts.sign_in("camille@mediatheque.fr", PASSWORD, "192.0.2.1")
    assert accounts.sign_in("camille@mediatheque.fr", "un tout nouveau mot de passe", "192.0.2.1")


@pytest.mark.slow
def test_the_first_admin_is_created_from_the_command_line(tmp_path: Path) -> None:
    def staff_add(*args: str, password: str = PASSWORD) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "bot", "staff-add", *args], input=password + "\n",
                              capture_output=True, text=True, cwd=ROOT,
                              env={**os.environ, "VAR_DIR": str(tmp_path), "BOOKING_DATABASE_URL": ""})

    created = staff_add("Admin@Mediatheque.fr", "Camille Martin")
    assert created.returncode == 0, created.stderr
    assert "admin créé pour admin@mediatheque.fr" in created.stdout and PASSWORD not in created.stdout
    again = staff_add("admin@mediatheque.fr", "Quelqu'un")
    assert again.returncode == 1 and "existe déjà" in again.stderr
    short = staff_add("lea@mediatheque.fr", "Léa", "--role", "mediator", password="court")
    assert short.returncode == 1 and "au moins 12" in short.stderr
    accounts = StaffAccounts(f"sqlite:///{tmp_path / 'bookings.db'}")
    assert accounts.signed_in(accounts.sign_in("admin@mediatheque.fr", PASSWORD, "192.0.2.1")).role == "admin"
    accounts.close()
