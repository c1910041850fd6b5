"""What the stores hold after the load: each conversation exactly its own messages, in order and one turn after
the other; each booking a patron saw confirmed exactly once, as the patron left it; one winner of a race."""
from __future__ import annotations

import json
from collections import defaultdict
from typing import Any, Optional

from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from bot.booking.codes import display_code
from tests.e2e.chat import booked, texts
from tests.scale.patrons import TAKEN, Messages, Patron, Traffic

Event = tuple[str, Optional[str], str]  # type_name, action_name, data


def rows(url: str, query: str) -> list[Any]:
    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as connection:
            return list(connection.execute(text(query)))
    finally:
        engine.dispose()


def tracker_problems(url: str, patrons: list[Patron]) -> list[str]:
    """Conversations of the tracker store that are not exactly what their patron said, one turn at a time."""
    events: dict[str, list[Event]] = defaultdict(list)
    for sender, kind, action, data in rows(url, "SELECT sender_id, type_name, action_name, data FROM events "
                                               "ORDER BY id"):
        events[sender].append((kind, action, data))
    problems = [f"{sender}: a conversation no patron had" for sender in set(events) - {p.sender for p in patrons}]
    for patron in patrons:
        if not patron.broken:
            problems += conversation_problems(patron, events.get(patron.sender, []))
    return problems


def conversation_problems(patron: Patron, events: list[Event]) -> list[str]:
    """The user messages stored for `patron` against what it sent (messages sent at once in any order), and
    each message taken after the bot listened again (its turn over)."""
    said, listening, overlapping = [], False, 0
    for kind, action, data in events:
        if kind == "user":
            said.append(json.loads(data).get("text"))
            overlapping += not listening
            listening = False
        elif kind == "action" and action == "action_listen":
            listening = True
    problems = [] if same_turns(said, patron.sent) else [f"{patron.sender}: stored {said}, sent {patron.sent}"]
    return problems + ([f"{patron.sender}: {overlapping} turns overlapped"] if overlapping else [])


def same_turns(said: list[str], sent: list[tuple[str, ...]]) -> bool:
    position = 0
    for group in sent:
        if sorted(said[position:position + len(group)]) != sorted(group):
            return False
        position += len(group)
    return position == len(said)


def booking_problems(url: str, traffic: Traffic) -> list[str]:
    """Bookings patrons saw that are not stored exactly once with the status they left, and bookings of
    conversations that never saw them."""
    stored = defaultdict(list)
    for code, status, sender in rows(url, "SELECT code, status, sender_id FROM bookings"):
        stored[display_code(code)].append((status, sender))
    problems = [f"booking {code} {status}: stored as {stored.get(code)}" for code, status in traffic.bookings.items()
                if [found for found, _ in stored.get(code, [])] != [status]]
    intact = {patron.sender for patron in traffic.patrons if not patron.broken}
    return problems + [f"booking {code}: stored, never confirmed to its patron" for code, found in stored.items()
                       if code not in traffic.bookings and any(sender in intact for _, sender in found)]


def race_problems(answers: list[Messages], traffic: Traffic) -> list[str]:
    """Racers for one slot: exactly one confirmation (recorded with the patrons' bookings), the others told the
    slot was taken."""
    if not answers:
        return ["race: stopped before the patrons confirmed"]
    confirmations = [booked(turn) for turn in answers if booked(turn)]
    problems = [] if len(confirmations) == 1 else [f"race: {len(confirmations)} confirmations of one slot"]
    for confirmation in confirmations:
        traffic.bookings[confirmation["code"]] = "confirmed"
    return problems + [f"race: a patron who lost was told {texts(turn)}" for turn in answers
                       if not booked(turn) and TAKEN not in " ".join(texts(turn))]
