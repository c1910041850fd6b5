"""The console's inbox: what patrons wrote that the assistant did not understand well, read from Rasa's tracker
store (already masked, bot/privacy/tracker_store.py), similar messages grouped."""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from itertools import groupby
from typing import Iterable, Iterator, Optional

from rapidfuzz import fuzz, process
from sqlalchemy import select
from sqlalchemy.engine import Engine

from bot.matching import normalise
from bot.privacy.events_table import EVENTS

FALLBACK, UNSURE, CLARIFY, OUT_OF_SCOPE = "fallback", "unsure", "clarify", "out_of_scope"  # why it is in the inbox
NOT_ANSWERED = (CLARIFY, OUT_OF_SCOPE)  # triage routes of a turn that did not serve the patron's need
UNSURE_BELOW = 0.5  # intent confidence under which a message counts as not well understood
SIMILAR_FROM = 80  # rapidfuzz token_set_ratio from which two messages are grouped


@dataclass(frozen=True)
class Unclear:
    """One patron message the assistant did not understand well, and why."""

    text: str
    why: str  # FALLBACK, UNSURE or CLARIFY
    intent: Optional[str]  # what the NLU guessed
    confidence: float
    at: datetime


@dataclass
class Group:
    """Messages that say nearly the same thing, the first one written standing for them all."""

    messages: list[Unclear] = field(default_factory=list)

    @property
    def text(self) -> str:
        return self.messages[0].text

    @property
    def key(self) -> str:
        return key_of(self.text)

    @property
    def distinct(self) -> list[Unclear]:
        """The messages, once each however many patrons wrote the same words."""
        first: dict[str, Unclear] = {}
        for message in self.messages:
            first.setdefault(key_of(message.text), message)
        return list(first.values())


def key_of(text: str) -> str:
    """What identifies a message however it is written again: the SHA-256 of its normalised text."""
    return hashlib.sha256(normalise(text).encode()).hexdigest()


def undecided(messages: Iterable[Unclear], decided: set[str]) -> list[Unclear]:
    """The messages staff have not decided about yet."""
    return [message for message in messages if key_of(message.text) not in decided]


def unclear_messages(tracker_store: Engine, since: datetime) -> list[Unclear]:
    """Patron messages since `since`, oldest first, that fell to the fallback, were below UNSURE_BELOW, made the
    assistant ask which need was meant (clarify) or answer that it cannot help (out_of_scope). Buttons (payloads)
    are left out."""
    with tracker_store.connect() as connection:
        if not tracker_store.dialect.has_table(connection, "events"):  # Rasa has not started yet
            return []
        rows = connection.execute(
            select(EVENTS.c.sender_id, EVENTS.c.type_name, EVENTS.c.timestamp, EVENTS.c.data)
            .where(EVENTS.c.type_name.in_(("user", "bot")), EVENTS.c.timestamp >= since.timestamp())
            .order_by(EVENTS.c.sender_id, EVENTS.c.id)).all()
    return sorted(_unclear(rows), key=lambda message: message.at)


def _unclear(rows: Iterable[tuple[str, str, float, str]]) -> Iterator[Unclear]:
    """Each conversation's unclear messages: a user event judged on its NLU result, or on the triage that
    followed it (clarify, out_of_scope). `rows` come ordered by conversation, then as they happened."""
    for _, events in groupby(rows, key=lambda row: row[0]):
        judged: list[Optional[Unclear]] = []  # each user event in turn; None for a button
        for _, type_name, timestamp, data in events:
            event = json.loads(data)
            if type_name == "user":
                judged.append(_judged(event, timestamp))
            elif judged and judged[-1] and (route := _triage_route(event)) in NOT_ANSWERED:
                judged[-1] = replace(judged[-1], why=judged[-1].why or route)
        yield from (message for message in judged if message and message.why)


def _judged(event: dict, timestamp: float) -> Optional[Unclear]:
    """The user event as an Unclear (its `why` empty when it was understood); None for a button or no text."""
    text = (event.get("text") or "").strip()
    if not text or text.startswith("/"):
        return None
    intent = (event.get("parse_data") or {}).get("intent") or {}
    name, confidence = intent.get("name"), float(intent.get("confidence") or 0.0)
    why = FALLBACK if name == "nlu_fallback" else UNSURE if confidence < UNSURE_BELOW else ""
    return Unclear(text, why, name, confidence, datetime.fromtimestamp(timestamp, timezone.utc))


def _triage_route(event: dict) -> Optional[str]:
    custom = ((event.get("data") or {}).get("custom") or {})
    return (custom.get("triage") or {}).get("route") if isinstance(custom, dict) else None


def grouped(messages: Iterable[Unclear]) -> list[Group]:
    """Messages grouped with the first earlier one they resemble (accents, case and word order aside); the
    largest groups first."""
    groups: list[Group] = []
    keys: list[str] = []
    for message in messages:
        key = normalise(message.text)
        match = process.extractOne(key, keys, scorer=fuzz.token_set_ratio, score_cutoff=SIMILAR_FROM)
        if match:
            groups[match[2]].messages.append(message)
        else:
            groups.append(Group([message]))
            keys.append(key)
    return sorted(groups, key=lambda group: -len(group.messages))
