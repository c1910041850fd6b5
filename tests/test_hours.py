"""Opening hours in OpenStreetMap syntax: open or closed at a Paris time, next opening, plain-French phrases."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

from bot.hours import PARIS, describe, opening, problem

OFFICE = "Mo-Fr 08:30-12:00,13:30-16:30; PH off"
BY_APPOINTMENT = 'Tu,Th 14:00-17:00 "sur rendez-vous"; PH off'


def paris(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=PARIS)


def said(horaires: str, when: str) -> str:
    now = paris(when)
    return describe(opening(horaires, now), now)


@pytest.mark.parametrize("when, is_open", [
    ("2026-03-30 08:29", False),  # Monday, before opening
    ("2026-03-30 08:30", True),
    ("2026-03-30 12:15", False),  # lunch break
    ("2026-03-30 13:30", True),
    ("2026-03-30 16:30", False),
    ("2026-03-28 10:00", False),  # Saturday
])
def test_open_or_closed_at_paris_times(when: str, is_open: bool) -> None:
    assert opening(OFFICE, paris(when)).open is is_open


def test_open_until_closing() -> None:
    now = paris("2026-03-30 10:00")
    assert opening(OFFICE, now).next_change == paris("2026-03-30 12:00")
    assert describe(opening(OFFICE, now), now) == "Ouvert maintenant, jusqu'à 12 h."


def test_closed_at_lunch_opens_this_afternoon() -> None:
    assert said(OFFICE, "2026-03-30 12:15") == "Fermé maintenant. Ouvre aujourd'hui à 13 h 30."


def test_closed_in_the_evening_opens_tomorrow() -> None:
    assert said(OFFICE, "2026-03-31 18:00") == "Fermé maintenant. Ouvre demain à 8 h 30."


def test_closed_on_friday_evening_opens_on_monday() -> None:
    assert said(OFFICE, "2026-04-10 17:00") == "Fermé maintenant. Ouvre lundi à 8 h 30."


@pytest.mark.parametrize("holiday", ["2026-05-01 10:00", "2026-07-14 10:00", "2026-12-25 10:00"])
def test_bank_holidays_are_closed(holiday: str) -> None:
    assert not opening(OFFICE, paris(holiday)).open
    assert opening("Mo-Fr 08:30-12:00", paris(holiday)).open  # without "PH off", the same weekday is open


def test_after_a_bank_holiday_friday_it_opens_on_monday() -> None:
    assert said(OFFICE, "2026-05-01 10:00") == "Fermé maintenant. Ouvre lundi à 8 h 30."
    assert opening(OFFICE, paris("2026-05-01 10:00")).next_change == paris("2026-05-04 08:30")


def test_easter_monday_closed_so_opens_on_tuesday() -> None:
    assert said(OFFICE, "2026-04-03 17:00") == "Fermé maintenant. Ouvre mardi à 8 h 30."


def test_next_opening_across_the_change_to_summer_time() -> None:
    opens = opening("Mo-Fr 08:30-12:00; PH off", paris("2026-03-28 13:00")).next_change
    assert opens == datetime.fromisoformat("2026-03-30T08:30:00+02:00")
    assert opens.utcoffset().total_seconds() == 2 * 3600
    assert paris("2026-03-28 13:00").utcoffset().total_seconds() == 3600


def test_a_time_in_another_zone_is_read_as_paris_time() -> None:
    monday_morning_utc = datetime(2026, 3, 30, 6, 45, tzinfo=timezone.utc)  # 8:45 in Paris (summer time)
    assert opening(OFFICE, monday_morning_utc).open
    winter_utc = datetime(2026, 3, 27, 7, 15, tzinfo=timezone.utc)  # Friday 8:15 in Paris (winter time)
    assert not opening(OFFICE, winter_utc).open


def test_a_naive_time_is_refused() -> None:
    with pytest.raises(ValueError, match="aware"):
        opening(OFFICE, datetime(2026, 3, 30, 10, 0))


def test_comment_means_by_appointment() -> None:
    now = paris("2026-03-31 15:00")  # Tuesday
    state = opening(BY_APPOINTMENT, now)
    assert (state.open, state.by_appointment, state.comment) == (True, True, "sur rendez-vous")
    assert describe(state, now) == "Ouvert maintenant, sur rendez-vous, jusqu'à 17 h."
    assert said(BY_APPOINTMENT, "2026-03-31 17:30") == "Fermé maintenant. Ouvre jeudi à 14 h, sur rendez-vous."


def test_walk_in_mornings_and_afternoons_by_appointment() -> None:
    hours = 'Mo-Fr 08:30-12:30, Mo-We 13:30-16:30 "sur rendez-vous"; PH off'
    assert said(hours, "2026-03-30 09:00") == "Ouvert maintenant, jusqu'à 12 h 30."
    assert said(hours, "2026-03-30 14:00") == "Ouvert maintenant, sur rendez-vous, jusqu'à 16 h 30."
    assert not opening(hours, paris("2026-04-02 14:00")).open  # Thursday afternoon


def test_beyond_six_days_the_date_is_given() -> None:
    summer = "We 09:00-12:00; Sa 10:00-12:00; Aug off; PH off"
    assert said(summer, "2026-07-29 13:00") == "Fermé maintenant. Ouvre le 2 septembre à 9 h."
    assert said("Jan 01-31 Mo 09:00-12:00", "2025-12-20 10:00") == "Fermé maintenant. Ouvre le 5 janvier à 9 h."


def test_first_of_the_month_is_written_1er() -> None:
    assert said("Oct 01 10:00-12:00", "2026-09-20 10:00") == "Fermé maintenant. Ouvre le 1er octobre à 10 h."


@pytest.mark.parametrize("hours", ["off", "Mo-Fr unknown", "2020 Mo 09:00-12:00"])
def test_never_open_or_unknown_asks_to_call(hours: str) -> None:
    assert said(hours, "2026-03-30 10:00") == "Horaires non connus : appelez avant de venir."


def test_open_all_the_time_has_no_closing() -> None:
    assert said("24/7", "2026-03-30 10:00") == "Ouvert maintenant."


def test_valid_hours_have_no_problem() -> None:
    assert problem(OFFICE) is None
    assert problem(BY_APPOINTMENT) is None


@pytest.mark.parametrize("hours, found", [
    ("lundi 9h-12h", "écrivez les horaires comme OpenStreetMap"),
    ("Mo-Fr 09:00-12:00 || Sa off", "« || » ne peut pas être utilisé"),
    ("", "écrivez les horaires comme OpenStreetMap"),
])
def test_problems_are_explained(hours: str, found: str) -> None:
    assert found in problem(hours)
