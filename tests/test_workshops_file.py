"""knowledge_base/workshops.yml: the shipped file, mistakes named with file and line, series unrolled without the
closed days (closures, public holidays)."""
from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest

from bot import knowledge
from bot.knowledge import KnowledgeError
from bot.knowledge.sites import load_sites
from bot.knowledge.workshops import load_workshops
from bot.workshops.sessions import sessions_between
from tests.support.booking import SITES
from tests.test_workshops_store import WORKSHOPS

ROOT = Path(__file__).resolve().parents[1]


def loaded(tmp_path: Path, text: str, sites: str = SITES):
    (tmp_path / "sites.yml").write_text(sites, encoding="utf-8")
    (tmp_path / "workshops.yml").write_text(text, encoding="utf-8")
    found_sites = load_sites(tmp_path / "sites.yml")
    return load_workshops(tmp_path / "workshops.yml", found_sites), found_sites


def test_the_shipped_file_is_valid_and_every_workshop_has_sessions_to_come() -> None:
    workshops = knowledge.workshops(ROOT / "knowledge_base" / "workshops.yml")
    sites = knowledge.sites(ROOT / "knowledge_base" / "sites.yml")
    coming = sessions_between(workshops, sites, date.today(), date.today() + timedelta(days=365))
    assert {session.workshop.id for session in coming} == {workshop.id for workshop in workshops.workshops}


def test_no_file_no_workshops(tmp_path: Path) -> None:
    (tmp_path / "sites.yml").write_text(SITES, encoding="utf-8")
    assert load_workshops(tmp_path / "workshops.yml", load_sites(tmp_path / "sites.yml")).workshops == []


@pytest.mark.parametrize("change, line, words", [
    (("site: annexe", "site: grenier"), 6, "site « grenier » n'est pas dans sites.yml"),
    (("mediator: yanis", "mediator: paul"), 12, "mediator « paul » n'est pas dans sites.yml"),
    (("theme: smartphone", "theme: tricot"), 4, "« tricot » n'est pas un thème"),
    (("level: debutant", "level: expert"), 5, "« expert » n'est pas un niveau"),
    (("capacity: 5", "capacity: 0"), 11, "capacity"),
    (("start: 2027-03-04 14:00", "start: 2027-03-04 14:00+01:00"), 7, "sans décalage"),
    (("    every_weeks: 1\n    sessions: 10\n", "    sessions: 10\n"), 2, "until et sessions vont avec every_weeks"),
])
def test_a_mistake_is_named_with_its_file_and_line(tmp_path: Path, change: tuple[str, str], line: int,
                                                  words: str) -> None:
    with pytest.raises(KnowledgeError) as error:
        loaded(tmp_path, WORKSHOPS.replace(*change, 1))
    assert f"workshops.yml:{line}:" in str(error.value) and words in str(error.value)


def test_a_session_during_a_permanence_of_its_mediator(tmp_path: Path) -> None:
    """Camille receives appointments at the centrale on Tuesdays 14:00-17:00: no workshop of hers then."""
    text = WORKSHOPS.replace("start: 2027-03-03 10:00", "start: 2027-03-02 16:30")
    with pytest.raises(KnowledgeError, match=r"workshops.yml:18: camille reçoit en rendez-vous le mardi "
                                             r"14:00-17:00 à centrale"):
        loaded(tmp_path, text)
    assert loaded(tmp_path, text.replace("mediator: camille", "mediator: yanis"))[0].workshops


def test_an_id_written_twice(tmp_path: Path) -> None:
    with pytest.raises(KnowledgeError, match=r"workshops.yml:14: id « tablette » est écrit deux fois"):
        loaded(tmp_path, WORKSHOPS.replace("id: arnaques", "id: tablette"))


def test_a_series_every_other_week_until_a_day_skips_public_holidays(tmp_path: Path) -> None:
    text = WORKSHOPS.replace("    every_weeks: 1\n    sessions: 10\n", "    every_weeks: 2\n    until: 2027-05-31\n")
    text = text.replace("start: 2027-03-04 14:00", "start: 2027-04-08 14:00")
    workshops, sites = loaded(tmp_path, text)
    days = [s.start.date() for s in sessions_between(workshops, sites, date(2027, 4, 1), date(2027, 12, 31),
                                                    theme="smartphone")]
    assert days == [date(2027, 4, 8), date(2027, 4, 22), date(2027, 5, 20)]  # 6 May: Ascension
    assert [s.cancelled for s in sessions_between(workshops, sites, date(2027, 4, 8), date(2027, 4, 8))] == [False]
