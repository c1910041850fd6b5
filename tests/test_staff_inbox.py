"""The console's inbox read from conversations saved by our tracker store: which messages, why, and grouped."""
from __future__ import annotations

import asyncio
from datetime import datetime, timedelta, timezone
from pathlib import Path

from rasa.shared.core.domain import Domain
from rasa.shared.core.events import BotUttered, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.db.engines import engine_for
from bot.privacy.tracker_store import RedactingSQLTrackerStore
from bot.staff.inbox.messages import (
    CLARIFY,
    FALLBACK,
    OUT_OF_SCOPE,
    UNSURE,
    Unclear,
    grouped,
    key_of,
    unclear_messages,
    undecided,
)

START = datetime(2026, 11, 26, 9, 0, tzinfo=timezone.utc)


def said(text: str, intent: str, confidence: float, minute: int) -> UserUttered:
    return UserUttered(text, intent={"name": intent, "confidence": confidence},
                       timestamp=(START + timedelta(minutes=minute)).timestamp())


def answered(route: str, minute: int) -> BotUttered:
    return BotUttered("…", {"custom": {"triage": {"route": route}}},
                      timestamp=(START + timedelta(minutes=minute, seconds=1)).timestamp())


def save(store: RedactingSQLTrackerStore, sender: str, *events) -> None:
    asyncio.run(store.save(DialogueStateTracker.from_events(sender, list(events))))


def test_messages_not_well_understood_are_listed_oldest_first_and_masked(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'tracker.db'}"
    tracker_store = engine_for(url)
    assert unclear_messages(tracker_store, START) == []  # Rasa not started yet: no table
    store = RedactingSQLTrackerStore(Domain.empty(), host=url)
    save(store, "old", said("truc bizarre", "nlu_fallback", 0.1, -60))  # before `since`
    save(store, "a",
         said("je veux apprendre les mails", "learn_email", 0.93, 1), answered("tutorial", 1),
         said("mon numéro 06 12 34 56 78 pour le machin", "nlu_fallback", 0.15, 2), answered("clarify", 2),
         said("/choose_level", "choose_level", 0.3, 3),  # a button: never listed
         said("euh le truc des papiers", "refer_caf", 0.42, 4), answered("referral", 4))
    save(store, "b",
         said("besoin d'aide compte", "learn_email", 0.61, 0), answered("clarify", 0),
         said("merci", "thank", 0.99, 5),
         said("un bon plombier pas cher ?", "out_of_scope", 0.9, 6), answered("out_of_scope", 6))
    found = unclear_messages(tracker_store, START)
    assert [(m.text, m.why, m.intent) for m in found] == [
        ("besoin d'aide compte", CLARIFY, "learn_email"),
        ("mon numéro [téléphone] pour le machin", FALLBACK, "nlu_fallback"),
        ("euh le truc des papiers", UNSURE, "refer_caf"),
        ("un bon plombier pas cher ?", OUT_OF_SCOPE, "out_of_scope")]
    assert found[0].at == START and found[0].confidence == 0.61
    tracker_store.dispose()


def unclear(text: str) -> Unclear:
    return Unclear(text, FALLBACK, "nlu_fallback", 0.1, START)


def test_similar_messages_are_grouped_largest_group_first() -> None:
    groups = grouped([unclear("comment on fait un pass navigo"), unclear("aide mot de passe"),
                      unclear("Comment on fait un Pass Navigo ?"), unclear("on fait comment un pass navigo"),
                      unclear("le mot de passe aide")])
    assert [(group.text, len(group.messages)) for group in groups] == [
        ("comment on fait un pass navigo", 3), ("aide mot de passe", 2)]
    assert grouped([]) == []


def test_decided_messages_leave_the_inbox_and_the_same_words_are_offered_once() -> None:
    at = START
    messages = [Unclear(text, FALLBACK, "nlu_fallback", 0.1, at) for text in
                ("Mon pass Navigo", "mon  pass navigo", "mon pass Navigo ?", "le wifi")]
    assert [m.text for m in undecided(messages, {key_of("MON PASS NAVIGO")})] == ["mon pass Navigo ?", "le wifi"]
    group = grouped(messages)[0]
    assert [m.text for m in group.distinct] == ["Mon pass Navigo", "mon pass Navigo ?"]
    assert group.key == key_of("mon pass navigo")
