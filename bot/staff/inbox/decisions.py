"""What staff decided about inbox messages (table inbox_decisions): taught as an intent's example, or not."""
from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Iterable, Iterator, Optional

from sqlalchemy import delete, select, update
from sqlalchemy.orm import sessionmaker
from sqlalchemy.sql import Select

from bot.db.engines import EngineSource, engine_for
from bot.staff.models import DISMISSED, InboxDecision, StaffAccount

RECENT = 100  # decisions the "Déjà traités" page lists


@dataclass(frozen=True)
class Decided:
    """A decision as the console shows it."""

    id: int
    text: str
    decision: str  # ASSIGNED or DISMISSED
    intent: Optional[str]
    by: Optional[str]  # the staff member's name; None once their account is deleted
    at: datetime


class Decisions:
    """Inbox decisions in the application database at `url`; `engines` as for BookingStore."""

    def __init__(self, url: str, engines: EngineSource = engine_for) -> None:
        self.engine = engines(url)
        self.session = sessionmaker(self.engine, future=True)

    def close(self) -> None:
        self.engine.dispose()

    def keys(self) -> set[str]:
        with self.session() as session:
            return set(session.scalars(select(InboxDecision.key)))

    @contextmanager
    def recorded(self, staff_id: int, decision: str, intent: Optional[str],
                 texts: Iterable[tuple[str, str]]) -> Iterator[None]:
        """One decision per (key, text): the key of the message as the patron wrote it, the text as taught. Sent
        to the database first (a refusal comes before the block runs), committed only once the block has run."""
        now = datetime.now(timezone.utc)
        with self.session.begin() as session:
            session.add_all(InboxDecision(key=key, text=text, decision=decision, intent=intent,
                                          decided_by=staff_id, decided_at=now) for key, text in texts)
            session.flush()
            yield

    def recent(self, limit: int = RECENT) -> list[Decided]:
        with self.session() as session:
            rows = session.execute(self._query().order_by(InboxDecision.decided_at.desc(),
                                                          InboxDecision.id.desc()).limit(limit))
            return [Decided(*row) for row in rows]

    def get(self, decision_id: int) -> Optional[Decided]:
        with self.session() as session:
            row = session.execute(self._query().where(InboxDecision.id == decision_id)).first()
            return Decided(*row) if row else None

    @contextmanager
    def forgotten(self, decision_id: int) -> Iterator[None]:
        """The decision deleted, committed only once the block has run."""
        with self.session.begin() as session:
            session.execute(delete(InboxDecision).where(InboxDecision.id == decision_id))
            yield

    def blank_dismissed(self, before: datetime) -> int:
        """Blank the patron's text of the messages left out before `before`, keeping their key so that the same
        words stay decided; how many."""
        with self.session.begin() as session:
            return session.execute(update(InboxDecision).where(
                InboxDecision.decision == DISMISSED, InboxDecision.decided_at < before, InboxDecision.text != "")
                .values(text="")).rowcount

    @staticmethod
    def _query() -> Select:
        return select(InboxDecision.id, InboxDecision.text, InboxDecision.decision, InboxDecision.intent,
                      StaffAccount.name, InboxDecision.decided_at).outerjoin(
            StaffAccount, StaffAccount.id == InboxDecision.decided_by)


def forget_old_dismissed_texts(database_url: str, now: datetime, days: int) -> int:
    """Blank the text of the inbox messages staff left out more than `days` days ago; return how many."""
    decisions = Decisions(database_url)
    try:
        return decisions.blank_dismissed(now - timedelta(days=days))
    finally:
        decisions.close()
