"""Staff accounts: creation and management by admins, sign-in that slows down password guessing, sessions that
expire."""
from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Callable, Optional

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session, sessionmaker

from bot.booking.models import Mediator
from bot.db.engines import EngineSource, engine_for
from bot.staff.models import ADMIN, ROLES, LoginFailure, StaffAccount, StaffSession

PASSWORD_LENGTHS = range(12, 1001)  # long enough to resist guessing; bounded so hashing stays cheap
SESSION_IDLE = timedelta(hours=2)  # signed out after this long without a request
SESSION_LONGEST = timedelta(hours=12)  # and after a working day in any case
FAILURE_WINDOW = timedelta(minutes=15)
MAX_FAILURES = {"email": 5, "ip": 20}  # refused sign-ins in the window before the next ones are refused outright

Clock = Callable[[], datetime]


class AccountError(ValueError):
    """Why an account cannot be created or changed, in words for the admin: a message per value at fault
    (email, name, role, mediator, password, active)."""

    def __init__(self, problems: dict[str, str]) -> None:
        super().__init__(" ".join(problems.values()))
        self.problems = problems


class AccountNotFound(LookupError):
    """No account has this id."""


class SignInRefused(Exception):
    """A refused sign-in: `limited` when too many failed lately, whatever the password."""

    def __init__(self, limited: bool) -> None:
        super().__init__("too many failures, try later" if limited else "wrong e-mail or password")
        self.limited = limited


@dataclass(frozen=True)
class SignedIn:
    """The staff member behind a session, and the token their forms must echo (CSRF)."""

    account_id: int
    email: str
    name: str
    role: str
    csrf_token: str
    mediator_id: Optional[str] = None  # the mediator this account is, if any


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def normal_email(email: str) -> str:
    return email.strip().lower()


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


class StaffAccounts:
    """Accounts and sessions in the application database at `url` (SQLite or PostgreSQL); `engines` as for
    BookingStore."""

    def __init__(self, url: str, clock: Clock = utc_now, engines: EngineSource = engine_for) -> None:
        self.engine = engines(url)
        self.session = sessionmaker(self.engine, future=True, expire_on_commit=False)
        self.clock = clock
        self.hasher = PasswordHasher()  # Argon2id, RFC 9106's recommended parameters
        self._unknown_hash = self.hasher.hash(secrets.token_urlsafe(16))  # checked for unknown e-mails: same time

    def close(self) -> None:
        self.engine.dispose()

    def add(self, email: str, name: str, role: str, password: str, mediator_id: Optional[str] = None
            ) -> StaffAccount:
        """A new active account; AccountError says what is wrong with the values."""
        email, name = normal_email(email), name.strip()
        with self.session.begin() as session:
            _refuse_if(email=_email_problem(session, email), name=_name_problem(name), role=_role_problem(role),
                       mediator=_mediator_problem(session, mediator_id), password=_password_problem(password))
            account = StaffAccount(email=email, name=name, role=role, password_hash=self.hasher.hash(password),
                                   active=True, created_at=self.clock(), mediator_id=mediator_id or None)
            session.add(account)
        return account

    def all(self) -> list[StaffAccount]:
        """Every account, active or not, by name."""
        with self.session() as session:
            return list(session.scalars(select(StaffAccount).order_by(StaffAccount.name, StaffAccount.id)))

    def get(self, account_id: int) -> StaffAccount:
        """The account of this id; AccountNotFound otherwise."""
        with self.session() as session:
            return _found(session, account_id)

    def change(self, actor_id: int, account_id: int, name: str, role: str, mediator_id: Optional[str]
               ) -> StaffAccount:
        """Change an account's name, role and mediator, as admin `actor_id`; AccountError for a wrong value, or
        when it would take away the actor's own admin role or the last active admin's."""
        name = name.strip()
        with self.session.begin() as session:
            account = _found(session, account_id)
            _refuse_if(name=_name_problem(name), role=_role_problem(role),
                       mediator=_mediator_problem(session, mediator_id))
            if account.role == ADMIN and role != ADMIN:
                _keep_an_admin(session, actor_id, account, "role")
            account.name, account.role, account.mediator_id = name, role, mediator_id or None
        return account

    def set_active(self, actor_id: int, account_id: int, active: bool) -> StaffAccount:
        """Reactivate an account, or deactivate it and end its sessions at once, as admin `actor_id`;
        AccountError for the actor's own account or the last active admin."""
        with self.session.begin() as session:
            account = _found(session, account_id)
            if not active:
                _keep_an_admin(session, actor_id, account, "active")
                session.execute(delete(StaffSession).where(StaffSession.account_id == account_id))
            account.active = active
        return account

    def set_password(self, account_id: int, password: str) -> StaffAccount:
        """Give an account a new password and end its sessions (signed in again with the new one);
        AccountError when the password is too short."""
        _refuse_if(password=_password_problem(password))
        with self.session.begin() as session:
            account = _found(session, account_id)
            account.password_hash = self.hasher.hash(password)
            session.execute(delete(StaffSession).where(StaffSession.account_id == account_id))
        return account

    def sign_in(self, email: str, password: str, address: str) -> str:
        """A new session's token for the right password; SignInRefused otherwise, or after too many failures
        for this e-mail or from this address, whatever the password."""
        email, now = normal_email(email), self.clock()
        keys = {"email": f"email:{email}", "ip": f"ip:{address}"}
        token = secrets.token_urlsafe(32)
        with self.session.begin() as session:
            limited = any(self._failures(session, key, now) >= MAX_FAILURES[kind] for kind, key in keys.items())
            account = None if limited else session.scalar(
                select(StaffAccount).where(StaffAccount.email == email, StaffAccount.active.is_(True)))
            accepted = not limited and self._password_matches(account, password)
            if accepted and account is not None:  # a password matches an account only
                session.execute(delete(LoginFailure).where(LoginFailure.key == keys["email"]))
                session.add(StaffSession(token_hash=digest(token), account_id=account.id, created_at=now,
                                         last_seen_at=now, csrf_token=secrets.token_urlsafe(32)))
            elif not limited:
                session.add_all(LoginFailure(key=key, at=now) for key in keys.values())
        if not accepted:
            raise SignInRefused(limited)
        return token

    def signed_in(self, token: Optional[str]) -> Optional[SignedIn]:
        """Who holds this session token, if it is still valid (and it is kept alive)."""
        if not token:
            return None
        now = self.clock()
        with self.session.begin() as session:
            found = session.get(StaffSession, digest(token))
            account = found and session.get(StaffAccount, found.account_id)
            if not found or not account.active or now - found.last_seen_at > SESSION_IDLE \
                    or now - found.created_at > SESSION_LONGEST:
                if found:
                    session.delete(found)
                return None
            found.last_seen_at = now
            return SignedIn(account.id, account.email, account.name, account.role, found.csrf_token,
                            account.mediator_id)

    def sign_out(self, token: str) -> None:
        with self.session.begin() as session:
            session.execute(delete(StaffSession).where(StaffSession.token_hash == digest(token)))

    def _failures(self, session: Session, key: str, now: datetime) -> int:
        return session.scalar(select(func.count()).select_from(LoginFailure)
                              .where(LoginFailure.key == key, LoginFailure.at > now - FAILURE_WINDOW))

    def _password_matches(self, account: Optional[StaffAccount], password: str) -> bool:
        """Argon2 check, also for an unknown e-mail (against a throwaway hash), so both take as long; the hash is
        upgraded when the hasher's parameters have grown since."""
        if len(password) >= PASSWORD_LENGTHS.stop:  # never a password: not hashed
            return False
        try:
            self.hasher.verify(account.password_hash if account else self._unknown_hash, password)
        except (VerificationError, InvalidHashError):
            return False
        if account and self.hasher.check_needs_rehash(account.password_hash):
            account.password_hash = self.hasher.hash(password)
        return account is not None


def _refuse_if(**problems: Optional[str]) -> None:
    """AccountError with the problems found (None: that value is right), if any."""
    found = {field: message for field, message in problems.items() if message}
    if found:
        raise AccountError(found)


def _email_problem(session: Session, email: str) -> Optional[str]:
    if "@" not in email or len(email) > 254:
        return "Cette adresse e-mail n'est pas valide."
    if session.scalar(select(StaffAccount.id).where(StaffAccount.email == email)) is not None:
        return f"Un compte existe déjà pour {email}."
    return None


def _name_problem(name: str) -> Optional[str]:
    return None if 0 < len(name) <= 100 else "Le nom doit avoir entre 1 et 100 caractères."


def _role_problem(role: str) -> Optional[str]:
    return None if role in ROLES else f"Le rôle doit être {' ou '.join(ROLES)}."


def _password_problem(password: str) -> Optional[str]:
    if len(password) < PASSWORD_LENGTHS.start:
        return f"Le mot de passe doit avoir au moins {PASSWORD_LENGTHS.start} caractères."
    if len(password) >= PASSWORD_LENGTHS.stop:
        return f"Le mot de passe doit avoir au plus {PASSWORD_LENGTHS.stop - 1} caractères."
    return None


def _mediator_problem(session: Session, mediator_id: Optional[str]) -> Optional[str]:
    return "Ce médiateur n'existe pas." if mediator_id and session.get(Mediator, mediator_id) is None else None


def _found(session: Session, account_id: int) -> StaffAccount:
    account = session.get(StaffAccount, account_id)
    if account is None:
        raise AccountNotFound(account_id)
    return account


def _keep_an_admin(session: Session, actor_id: int, account: StaffAccount, field: str) -> None:
    """AccountError when the actor would demote or deactivate their own account, or `account` is the last active
    admin. The active admins' rows stay locked until the transaction ends (PostgreSQL), so that two admins
    demoting each other at once cannot both succeed."""
    if account.id == actor_id:
        raise AccountError({field: "Vous ne pouvez pas le faire pour votre propre compte : demandez à un autre "
                                   "administrateur."})
    if account.role != ADMIN or not account.active:
        return
    admins = set(session.scalars(select(StaffAccount.id).where(
        StaffAccount.role == ADMIN, StaffAccount.active.is_(True)).with_for_update()))
    if admins <= {account.id}:
        raise AccountError({field: "C'est le dernier administrateur actif : nommez d'abord un autre administrateur."})
