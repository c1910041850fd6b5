"""A preferred day said in French, read at a fixed moment: Thursday 26 November 2026, 10:00 in Paris."""
from __future__ import annotations

from datetime import date, datetime, time, timezone

import pytest

from bot.booking.preferences import AFTERNOON, EVENING, MORNING, Preference, parse_preference
from tests.support.booking import paris

NOW = paris(2026, 11, 26, 10, 0)  # a Thursday
TUESDAY, THURSDAY, SATURDAY = 1, 3, 5


def day(*parts: int) -> Preference:
    return Preference(first_day=date(*parts), last_day=date(*parts))


@pytest.mark.parametrize("text, expected", [
    ("mardi", Preference(weekdays=frozenset({TUESDAY}))),
    ("le jeudi", Preference(weekdays=frozenset({THURSDAY}))),
    ("Mardi ou jeudi", Preference(weekdays=frozenset({TUESDAY, THURSDAY}))),
    ("plutôt les samedis", Preference(weekdays=frozenset({SATURDAY}))),
    ("jeudi matin", Preference(weekdays=frozenset({THURSDAY}), parts=frozenset({MORNING}))),
    ("l'après-midi", Preference(parts=frozenset({AFTERNOON}))),
    ("apres midi", Preference(parts=frozenset({AFTERNOON}))),
    ("mardi aprem", Preference(weekdays=frozenset({TUESDAY}), parts=frozenset({AFTERNOON}))),
    ("le soir", Preference(parts=frozenset({EVENING}))),
    ("le week-end", Preference(weekdays=frozenset({5, 6}))),
    ("demain", day(2026, 11, 27)),
    ("demain matin", Preference(parts=frozenset({MORNING}), first_day=date(2026, 11, 27),
                                last_day=date(2026, 11, 27))),
    ("après-demain", day(2026, 11, 28)),
    ("apres demain", day(2026, 11, 28)),
    ("aujourd'hui", day(2026, 11, 26)),
    ("cet après-midi", Preference(parts=frozenset({AFTERNOON}), first_day=date(2026, 11, 26),
                                  last_day=date(2026, 11, 26))),
    ("cette semaine", Preference(first_day=date(2026, 11, 26), last_day=date(2026, 11, 29))),
    ("la semaine prochaine", Preference(first_day=date(2026, 11, 30), last_day=date(2026, 12, 6))),
    ("mardi de la semaine prochaine", Preference(weekdays=frozenset({TUESDAY}), first_day=date(2026, 11, 30),
                                                 last_day=date(2026, 12, 6))),
    ("le mois prochain", Preference(first_day=date(2026, 12, 1), last_day=date(2026, 12, 31))),
    ("le 12 mars", day(2027, 3, 12)),  # already past this year: next year's
    ("le 1er décembre", day(2026, 12, 1)),
    ("le 3 dec", day(2026, 12, 3)),
    ("12/03", day(2027, 3, 12)),
    ("le 30/11", day(2026, 11, 30)),
    ("02/12/2026", day(2026, 12, 2)),
    ("mardi 3 mars", day(2027, 3, 3)),  # the date wins over the weekday
    ("le 12", day(2026, 12, 12)),  # the 12th of November is past: December's
    ("le 28", day(2026, 11, 28)),
    ("le 31", day(2026, 12, 31)),  # November has no 31st
    ("le 28 à 14h", Preference(first_day=date(2026, 11, 28), last_day=date(2026, 11, 28), earliest=time(13),
                               latest=time(15))),
    ("le 12 h", Preference(earliest=time(11), latest=time(13))),
    ("après 16h", Preference(earliest=time(16))),
    ("avant midi", Preference(latest=time(12))),
    ("vers 14h30", Preference(earliest=time(13, 30), latest=time(15, 30))),
    ("pas le lundi", Preference(weekdays=frozenset({1, 2, 3, 4, 5, 6}))),
    ("n'importe quand sauf le mercredi", Preference(weekdays=frozenset({0, 1, 3, 4, 5, 6}))),
    ("pas le matin", Preference(parts=frozenset({AFTERNOON, EVENING}))),
    ("peu importe", Preference()),
    ("le plus tôt possible", Preference()),
])
def test_preferences_are_read(text: str, expected: Preference) -> None:
    assert parse_preference(text, NOW) == expected


@pytest.mark.parametrize("typo, weekday", [("mecredi", 2), ("MARDIS", 1), ("vendredie", 4), ("samdi", 5),
                                           ("jeuddi", 3), ("dimanch", 6), ("lundii", 0)])
def test_typos_and_missing_accents_are_tolerated(typo: str, weekday: int) -> None:
    assert parse_preference(typo, NOW) == Preference(weekdays=frozenset({weekday}))


@pytest.mark.parametrize("text", ["bonjour", "mon mari", "oui", "je sais pas trop", "31/02", "merci", ""])
def test_words_that_say_no_day_give_none(text: str) -> None:
    assert parse_preference(text, NOW) is None


def test_accepts_compares_in_paris_time() -> None:
    thursday_morning = parse_preference("jeudi matin", NOW)
    assert thursday_morning.accepts(paris(2026, 12, 3, 9, 30))
    assert not thursday_morning.accepts(paris(2026, 12, 3, 14, 0))
    assert not thursday_morning.accepts(paris(2026, 12, 4, 9, 30))
    # 23:30 UTC on Wednesday is 0:30 on Thursday in Paris
    assert parse_preference("jeudi", NOW).accepts(datetime(2026, 12, 2, 23, 30, tzinfo=timezone.utc))
    next_week = parse_preference("la semaine prochaine", NOW)
    assert next_week.accepts(paris(2026, 11, 30, 0, 0)) and next_week.accepts(paris(2026, 12, 6, 23, 0))
    assert not next_week.accepts(paris(2026, 12, 7, 9, 0)) and not next_week.accepts(paris(2026, 11, 28, 10, 0))
    assert Preference().is_any and Preference().accepts(paris(2026, 12, 7, 9, 0))
