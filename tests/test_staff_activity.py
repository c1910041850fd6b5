"""The console's activity figures and conversations, counted from a real tracker store (conversations saved by our
store, masked) and a real booking database, each on SQLite and PostgreSQL: weeks in Paris, needs per route, referrals
per partner, messages not understood, appointments by status."""
from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import event, update

from bot import evaluation, labels
from bot.booking import exports, statuses
from bot.booking.models import Booking
from bot.booking.statuses import CANCELLED, CONFIRMED, DONE, NO_SHOW
from bot.contract import PARTNER_KINDS, ROUTES
from bot.db.engines import engine_for
from bot.knowledge import topics
from bot.privacy.events_table import EVENTS
from bot.staff import activity as staff_activity
from bot.staff.activity import (
    UNMARKED,
    WORKSHOP_FIGURES,
    activity,
    appointments,
    conversation,
    conversations,
    count,
    last_weeks,
    period,
    read_events,
    report_rows,
)
from tests.support.activity import answered, card, save, triaged, visit, wrote
from tests.support.booking import book, make_store, paris, sqlite_url

NOW = paris(2026, 11, 25, 12, 0)  # a Wednesday; the weeks of Mondays 16/11 and 23/11
LAST_WEEK, THIS_WEEK = NOW.date() - timedelta(days=9), NOW.date() - timedelta(days=2)
SUNDAY_NIGHT, MONDAY_MORNING = paris(2026, 11, 22, 23, 30), paris(2026, 11, 23, 0, 30)

TELEGRAM = [visit(MONDAY_MORNING),  # the conversation of a Telegram chat id
            wrote("bla bla truc", MONDAY_MORNING, intent="nlu_fallback", channel="telegram"),
            triaged("clarify", MONDAY_MORNING, candidates=[{"route": "tutorial", "theme": "email"},
                                                           {"route": "booking"}]),
            wrote("/learn_email", MONDAY_MORNING + timedelta(minutes=1), channel="telegram"),  # a button
            triaged("tutorial", MONDAY_MORNING + timedelta(minutes=1), theme="email"),
            wrote("les impôts", MONDAY_MORNING + timedelta(minutes=2), channel="telegram"),
            triaged("referral", MONDAY_MORNING + timedelta(minutes=2), partner="impots"),
            card("impots", "Centre des impôts", MONDAY_MORNING + timedelta(minutes=2)),
            wrote("ma voisine", MONDAY_MORNING + timedelta(minutes=3), channel="telegram"),
            triaged("referral", MONDAY_MORNING + timedelta(minutes=3), partner="impots"),
            card("impots", "Centre des impôts", MONDAY_MORNING + timedelta(minutes=3))]


@pytest.fixture
def tracker_store_url(database_url: str) -> str:
    """A tracker store (SQLite and PostgreSQL) with conversations of the last two weeks and one of before."""
    url = database_url
    save(url, "web-1", visit(SUNDAY_NIGHT),
         wrote("je veux apprendre les mails", SUNDAY_NIGHT), triaged("tutorial", SUNDAY_NIGHT, theme="email",
                                                                    scope="accompagner"),
         wrote("un papier de la caf", SUNDAY_NIGHT), triaged("referral", SUNDAY_NIGHT, partner="caf"),
         card("caf", "CAF de Tours", SUNDAY_NIGHT))
    save(url, "123456789", *TELEGRAM)
    for index, route in enumerate(("booking", "charter", "info", "out_of_scope")):
        save(url, f"web-{index + 2}", wrote(f"besoin {route} <b>gras</b>", NOW - timedelta(hours=index)),
             triaged(route, NOW - timedelta(hours=index)))
    save(url, "long-ago", wrote("bonjour", NOW - timedelta(weeks=3)), triaged("info", NOW - timedelta(weeks=3)))
    return url


def test_needs_referrals_and_messages_are_counted_per_week_in_paris(tracker_store_url: str) -> None:
    weeks = last_weeks(2, NOW)
    figures = count(weeks, read_events(engine_for(tracker_store_url), weeks.start, weeks.end), [])
    last, this = figures.weeks
    assert (last.monday, this.monday) == (LAST_WEEK, THIS_WEEK)
    assert (last.conversations, this.conversations, figures.total.conversations) == (1, 5, 6)
    assert last.routes == {"tutorial": 1, "referral": 1} and last.partners == {"caf": 1}  # Sunday 23:30 in Paris
    assert this.routes == {"tutorial": 1, "referral": 2, "booking": 1, "charter": 1, "info": 1,
                           "out_of_scope": 1}  # the clarification is no need: the button answering it is one
    assert this.partners == {"impots": 2}
    assert (this.messages, this.fallback, this.clarify) == (7, 1, 1)  # the button is no written message
    assert (round(this.fallback_share, 3), figures.total.messages) == (0.143, 9)
    assert figures.places == {("caf", "CAF de Tours"): 1, ("impots", "Centre des impôts"): 2}
    assert sum(figures.total.routes.values()) == 9


def test_an_empty_period_counts_nothing(tmp_path: Path, tracker_store_url: str) -> None:
    empty = engine_for(f"sqlite:///{tmp_path / 'none.db'}")  # Rasa has not started yet: no table
    store = make_store(sqlite_url(tmp_path / "bookings"), tmp_path, NOW)
    figures = activity(empty, store.engine, last_weeks(1, NOW), NOW)
    assert [(week.conversations, week.messages, week.routes, week.bookings) for week in figures.weeks] == [
        (0, 0, {}, {})]
    assert figures.total.fallback_share == 0.0 and not figures.places
    before = period("4", NOW - timedelta(weeks=10))
    assert count(before, read_events(engine_for(tracker_store_url), before.start, before.end), []).total.messages == 0


def test_periods_are_whole_weeks_and_this_year_starts_on_january_first() -> None:
    four = period("4", NOW)
    assert (four.weeks[0], four.weeks[-1], four.start, four.end) == (
        paris(2026, 11, 2).date(), THIS_WEEK, paris(2026, 11, 2), paris(2026, 11, 30))
    year = period("annee", NOW)
    assert (year.weeks[0], year.start, len(year.weeks)) == (paris(2025, 12, 29).date(), paris(2026, 1, 1), 48)
    assert len(period("52", NOW).weeks) == 52 and period("oops", NOW) == four


def test_appointments_are_counted_by_status_in_the_week_they_were_for(database_url: str, tmp_path: Path) -> None:
    store = make_store(database_url, tmp_path, paris(2026, 3, 2, 9, 0))  # a Monday
    this_week, next_week = store.free_slots(store.clock.now, limit=4), store.free_slots(paris(2026, 3, 9), limit=1)
    booked = [book(store, slot, sender_id=f"patron-{index}") for index, slot in enumerate(this_week + next_week)]
    store.cancel(booked[2].code)
    with store.session.begin() as session:
        for booking, status in zip(booked, (DONE, NO_SHOW)):
            session.execute(update(Booking).where(Booking.id == booking.id).values(status=status))
    week = last_weeks(1, paris(2026, 3, 4))
    assert sorted(status for _, status in appointments(store.engine, week, store.clock.now)) == sorted(
        [DONE, NO_SHOW, CANCELLED, CONFIRMED])  # not next week's
    figures = count(week, [], appointments(store.engine, week, store.clock.now))
    assert figures.weeks[0].bookings == {DONE: 1, NO_SHOW: 1, CANCELLED: 1, CONFIRMED: 1}
    later = count(week, [], appointments(store.engine, week, booked[3].start))  # the confirmed one has started
    assert later.weeks[0].bookings == {DONE: 1, NO_SHOW: 1, CANCELLED: 1, UNMARKED: 1}
    store.close()


def test_the_report_has_a_row_per_week_and_the_total(tracker_store_url: str) -> None:
    weeks = last_weeks(2, NOW)
    rows = report_rows(count(weeks, read_events(engine_for(tracker_store_url), weeks.start, weeks.end),
                             [(NOW, DONE)]), topics())
    header, last, this, total = rows
    # clarify has its column, not as a need; the appointments' statuses, then the workshops' figures
    assert len(header) == 5 + len(ROUTES) - 1 + len(PARTNER_KINDS) + 5 + len(WORKSHOP_FIGURES)
    assert header[-1] == "ateliers : séances annulées" and total[-1] == 0
    assert "besoins : précision demandée" not in header and "rendez-vous non notés" in header
    assert header[:5] == ["semaine (lundi)", "conversations", "messages écrits", "non compris", "précision demandée"]
    figures = dict(zip(header, this))
    assert figures["semaine (lundi)"] == "2026-11-23" and figures["orientations : le service des impôts"] == 2
    assert (figures["besoins : orientation"], figures["rendez-vous venus"], figures["non compris"]) == (2, 1, 1)
    assert last[0] == "2026-11-16" and total[:3] == ["total", 6, 9]


def test_conversations_are_listed_latest_first_and_filtered_by_route(tracker_store_url: str) -> None:
    engine = engine_for(tracker_store_url)
    listed = conversations(engine, NOW - timedelta(days=7))
    assert [(c.channel, c.first_message) for c in listed] == [
        ("site web", "besoin booking <b>gras</b>"), ("site web", "besoin charter <b>gras</b>"),
        ("site web", "besoin info <b>gras</b>"), ("site web", "besoin out_of_scope <b>gras</b>"),
        ("Telegram", "bla bla truc"), ("site web", "je veux apprendre les mails")]
    assert listed[4].routes == ("clarify", "tutorial", "referral")
    assert [c.first_message for c in conversations(engine, NOW - timedelta(days=7), "referral")] == [
        "bla bla truc", "je veux apprendre les mails"]
    assert conversations(engine, NOW - timedelta(days=1), "tutorial") == []
    assert all("123456789" not in str(c) and "web-" not in str(c) for c in listed)  # no sender id


def test_a_conversation_reads_in_order_with_its_triage_in_plain_words(tracker_store_url: str) -> None:
    engine = engine_for(tracker_store_url)
    telegram = next(c for c in conversations(engine, NOW - timedelta(days=7)) if c.channel == "Telegram")
    save(tracker_store_url, "123456789", *TELEGRAM, visit(NOW),
         answered("Que voulez-vous ?", NOW, buttons=[{"title": "Prendre rendez-vous", "payload": "/book"}]),
         wrote("/book", NOW + timedelta(seconds=5), channel="telegram"))
    lines = conversation(engine, telegram.number, topics())
    assert [(line.speaker, line.text, line.button) for line in lines[:2]] == [
        ("patron", "bla bla truc", False), ("assistant", "Voici ce que je vous propose.", False)]
    assert lines[0].notes == ("l'assistant n'a pas compris ce message",)
    assert lines[1].notes == ("Besoin pas clair, l'assistant a proposé : apprendre (fiche), les e-mails ; "
                              "rendez-vous",)
    assert lines[2].button and lines[2].text == "/learn_email"  # no button shown before: its payload
    assert lines[5].notes == ("Besoin : orientation, le service des impôts – sûr à 87 %",)
    assert lines[6].notes == ("Lieu indiqué : Centre des impôts",)
    assert [(line.speaker, line.text) for line in lines[-3:]] == [
        ("session", "Nouvelle visite"), ("assistant", "Que voulez-vous ?"), ("patron", "Prendre rendez-vous")]
    assert conversation(engine, telegram.number + 1, topics()) is None  # not a conversation's first event
    assert conversation(engine, 10_000, topics()) is None


def test_conversations_are_numbered_whatever_their_count(tmp_path: Path) -> None:
    """No statement takes a parameter per conversation: SQLite refuses more than 32 766 (250 000 as Debian builds
    it), so 1 000 conversations read with a handful of parameters."""
    url = sqlite_url(tmp_path)
    save(url, "first", wrote("bonjour", NOW - timedelta(hours=1)))  # creates Rasa's table
    data = json.dumps({"event": "user", "text": "bonjour", "parse_data": {"intent": {"name": "greet"}}})
    engine = engine_for(url)
    with engine.begin() as connection:
        connection.execute(EVENTS.insert(), [{"sender_id": f"web-{index}", "type_name": "user", "data": data,
                                              "timestamp": (NOW - timedelta(minutes=index)).timestamp()}
                                             for index in range(1_000)])
    parameters: list[int] = []
    event.listen(engine, "before_cursor_execute",
                 lambda _connection, _cursor, _statement, bound, *_: parameters.append(len(bound)))
    listed = conversations(engine, NOW - timedelta(days=1))
    assert len(listed) == 1_001 and len({c.number for c in listed}) == 1_001
    assert parameters and max(parameters) < 10


def test_routes_and_statuses_are_named_alike_everywhere() -> None:
    """The console's pages, the activity report, the bookings export and the model's evaluation share their words."""
    assert evaluation.ROUTE_LABELS is staff_activity.ROUTE_LABELS is labels.ROUTE_LABELS
    assert exports.STATUS_LABELS is staff_activity.STATUS_LABELS is statuses.STATUS_LABELS
    assert set(labels.ROUTE_LABELS) == set(ROUTES)
    assert statuses.statuses_label(DONE) == "venus" and statuses.STATUS_LABELS[NO_SHOW] == "pas venu"
