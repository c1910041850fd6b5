"""Which workshop sessions are offered and how their buttons read (bot/workshops/offers.py), the theme triage
finds in a workshop message (bot/triage/decision.py), and a session's calendar file (bot/workshops/calendar.py)."""
from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Optional

from bot.booking.preferences import parse_preference
from bot.hours import PARIS
from bot.knowledge import Charter
from bot.triage import Understanding, triage
from bot.workshops import offers
from bot.workshops.models import WorkshopSession
from bot.workshops.store import Seats

MONDAY = datetime(2027, 3, 1, 9, tzinfo=PARIS)


def seats(workshop: str, theme: Optional[str], start: datetime, capacity: int = 8, registered: int = 0,
          waiting: int = 0, level: Optional[str] = None) -> Seats:
    session = WorkshopSession(id=f"{workshop}-{start.date()}", workshop_id=workshop, title=workshop.capitalize(),
                              theme=theme, level=level, site_id="centrale", mediator_id="camille", start=start,
                              end=start + timedelta(hours=2), capacity=capacity)
    return Seats(session, registered, waiting)


SESSIONS = [seats("tablette", "smartphone", MONDAY + timedelta(days=1, hours=5), level="debutant"),
            seats("arnaques", "arnaques", MONDAY + timedelta(days=2, hours=1), registered=12, capacity=12),
            seats("tablette", "smartphone", MONDAY + timedelta(days=8, hours=5), level="debutant"),
            seats("email", "email", MONDAY + timedelta(days=4, hours=5), registered=9, capacity=10),
            seats("arnaques", "arnaques", MONDAY + timedelta(days=16, hours=1))]


def coming(theme: Optional[str] = None, level: Optional[str] = None, first: Optional[date] = None,
           last: Optional[date] = None, site_id: Optional[str] = None) -> list[Seats]:
    """WorkshopStore.coming on SESSIONS."""
    found = [one for one in SESSIONS if theme in (None, one.session.theme)
             and (level is None or one.session.level in (None, level))
             and (first is None or one.session.start.date() >= first)
             and (last is None or one.session.start.date() <= last)]
    return sorted(found, key=lambda one: one.session.start)


def test_button_labels_say_day_time_title_and_seats() -> None:
    assert offers.button_label(SESSIONS[0]) == "Mar. 2 mars, 14 h · Tablette · 8 places"
    assert offers.button_label(SESSIONS[1]) == "Mer. 3 mars, 10 h · Arnaques · complet : liste d'attente"
    assert offers.button_label(SESSIONS[3]) == "Ven. 5 mars, 14 h · Email · 1 place"
    assert offers.short_day(datetime(2026, 12, 8, 14, tzinfo=PARIS)) == "Mar. 8 déc."
    assert offers.short_day(datetime(2027, 8, 1, 14, tzinfo=PARIS)) == "Dim. 1er août"
    assert offers.short_title("Faire ses démarches en ligne sans risque, pas à pas").endswith("…")


def test_a_theme_gives_its_sessions_soonest_first() -> None:
    offer = offers.offer(coming, theme="arnaques")
    assert offer.fit == offers.EXACT and [one.session.theme for one in offer.sessions] == ["arnaques", "arnaques"]
    assert offer.sessions[0].session.start < offer.sessions[1].session.start


def test_this_week_gives_only_this_weeks_sessions() -> None:
    preference = parse_preference("quels ateliers cette semaine ?", MONDAY)
    offer = offers.offer(coming, preference=preference)
    assert offer.fit == offers.EXACT and len(offer.sessions) == 3
    assert all(one.session.start.date() <= date(2027, 3, 7) for one in offer.sessions)


def test_a_weekday_and_the_next_week() -> None:
    tuesday = offers.offer(coming, preference=parse_preference("mardi", MONDAY))
    assert {one.session.start.weekday() for one in tuesday.sessions} == {1}
    next_week = offers.offer(coming, preference=parse_preference("la semaine prochaine", MONDAY))
    assert [one.session.start.date() for one in next_week.sessions] == [date(2027, 3, 9)]


def test_no_session_of_the_theme_offers_the_others() -> None:
    offer = offers.offer(coming, theme="wifi")
    assert offer.fit == offers.OTHER_THEME and len(offer.sessions) == offers.SHOWN and offer.more


def test_no_session_on_those_days_offers_the_theme_on_other_days() -> None:
    offer = offers.offer(coming, theme="email", preference=parse_preference("la semaine prochaine", MONDAY))
    assert offer.fit == offers.OTHER_DAYS and [one.session.theme for one in offer.sessions] == ["email"]


def test_beginners_see_sessions_for_beginners_and_for_all() -> None:
    offer = offers.offer(coming, level="debutant")
    assert {one.session.level for one in offer.sessions} == {"debutant", None}


def test_more_pages_through_the_sessions() -> None:
    first = offers.offer(coming)
    second = offers.offer(coming, skip=offers.SHOWN)
    assert first.more and not second.more and len(second.sessions) == len(SESSIONS) - offers.SHOWN


def test_nothing_at_all() -> None:
    assert offers.offer(lambda **_: []).sessions == []


def understood(text: str, *entities: tuple[str, str]) -> Understanding:
    return Understanding(text=text, ranking=[("join_workshop", 0.9), ("book_mediator", 0.05)],
                         entities=list(entities))


def test_a_workshop_takes_the_theme_or_the_device_named(default_charter: Charter) -> None:
    decision = triage(understood("je veux m'inscrire à un atelier sur les arnaques", ("theme", "arnaques")),
                      default_charter)
    assert decision.to_contract() == {"route": "workshop", "theme": "arnaques", "scope": "accompagner",
                                      "confidence": 0.9}
    tablet = triage(understood("cours de tablette c quand", ("device", "tablette")), default_charter)
    assert tablet.destination.target == "smartphone"
    both = understood("atelier photos sur smartphone", ("theme", "photos"), ("device", "smartphone"))
    assert triage(both, default_charter).destination.target == "photos"


def test_a_workshop_without_a_theme_has_none(default_charter: Charter) -> None:
    decision = triage(understood("vous faites des cours pour les débutants ?", ("level", "debutant")),
                      default_charter)
    assert decision.to_contract() == {"route": "workshop", "scope": "accompagner", "confidence": 0.9}
