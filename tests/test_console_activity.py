"""The console's conversations, activity dashboard, CSV report and home page on the real web server
(`python -m bot web`), over conversations saved by our tracker store and appointments of the booking database."""
from __future__ import annotations

import csv
import io
import re
import shutil
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Iterator
from urllib.request import urlopen

import pytest
from sqlalchemy import select, update

from bot.booking.models import Booking
from bot.booking.statuses import CANCELLED, DONE, NO_SHOW
from bot.booking.store import BookingStore
from bot.db.engines import engine_for
from bot.knowledge import topics
from bot.knowledge.sites import load_sites
from bot.settings import ROOT, Settings
from bot.staff.accounts import StaffAccounts
from bot.staff.activity import activity, monday_of, period, report_rows
from bot.staff.inbox.decisions import Decisions
from bot.staff.inbox.messages import key_of, unclear_messages
from bot.staff.models import DISMISSED
from tests.support.activity import card, save, triaged, wrote
from tests.support.booking import SITES, Clock, book
from tests.support.console import PASSWORD, signed_in
from tests.support.postgres import Databases
from tests.support.templates import write_changed
from tests.support.web import web_server

pytestmark = pytest.mark.stack  # the web server runs, on a free port

NOW = datetime.now(timezone.utc)
MANY = 52  # conversations about e-mails: two pages of 50


def patrons_talked(settings: Settings) -> None:
    """MANY conversations an hour ago, one by Telegram with a referral and HTML, one ten days ago."""
    url = settings.tracker_store_url
    for index in range(MANY):
        at = NOW - timedelta(hours=1, minutes=index)
        save(url, f"web-{index}", wrote(f"apprendre les mails {index}", at), triaged("tutorial", at, theme="email"))
    at = NOW - timedelta(minutes=30)
    save(url, "987654321", wrote("<script>alert(1)</script> mon 06 12 34 56 78", at, "nlu_fallback", "telegram"),
         triaged("referral", at, partner="caf", scope="orienter"), card("caf", "CAF de Tours", at))
    at = NOW - timedelta(days=10)
    save(url, "old", wrote("un rendez-vous", at), triaged("booking", at, scope="accompagner"))


def appointments_kept(settings: Settings, folder) -> None:
    """Three appointments of the last days: one done, one missed, one still confirmed."""
    store = BookingStore(settings.booking_database_url, clock=Clock(NOW - timedelta(days=9)))
    store.load_knowledge(load_sites(write_changed(folder / "sites.yml", SITES)))
    booked = [book(store, slot, sender_id=f"patron-{index}")
              for index, slot in enumerate(store.free_slots(store.clock.now, limit=3))]
    with store.session.begin() as session:
        for booking, status in zip(booked, (DONE, NO_SHOW)):
            session.execute(update(Booking).where(Booking.id == booking.id).values(status=status))
    store.close()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Settings]:
    with web_server(tmp_path_factory.mktemp("var"), BOOKING_DATABASE_URL="") as settings:
        accounts = StaffAccounts(settings.booking_database_url)
        accounts.add("lea@mediatheque.fr", "Léa", "mediator", PASSWORD)
        accounts.close()
        patrons_talked(settings)
        appointments_kept(settings, tmp_path_factory.mktemp("sites"))
        yield settings


@pytest.fixture(scope="module")
def base(server: Settings) -> str:
    return server.url(server.web_port, "")


def rows_of(html: str) -> list[str]:
    return re.findall(r'<a href="/console/conversations/(\d+)">', html)


def test_conversations_are_listed_by_page_and_filtered(base: str) -> None:
    client = signed_in(base)
    first = client.get("/console/conversations")
    assert first.status_code == 200 and first.headers["cache-control"] == "no-store"
    assert f"{MANY + 1} conversations." in first.text and "page 1 sur 2" in first.text
    assert len(rows_of(first.text)) == 50
    assert '<a href="/console/conversations" aria-current="page">Conversations</a>' in first.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt; mon [téléphone]" in first.text  # the newest first, masked
    assert first.text.index("Telegram") < first.text.index("apprendre les mails 0")
    assert "987654321" not in first.text and "web-0" not in first.text  # never a sender id
    second = client.get("/console/conversations?jours=7&page=2")
    assert len(rows_of(second.text)) == 3 and 'aria-current="page">Page 2' in second.text
    assert "apprendre les mails 51" in second.text  # the oldest of the week, last
    assert not set(rows_of(first.text)) & set(rows_of(second.text))
    referrals = client.get("/console/conversations?besoin=referral").text
    assert "1 conversation avec le besoin « orientation »" in referrals and len(rows_of(referrals)) == 1
    month = client.get("/console/conversations?jours=30&besoin=booking").text
    assert "« un rendez-vous »" in month and "1 conversation " in month
    assert "un rendez-vous" not in client.get("/console/conversations?besoin=booking").text  # 7 days unless told
    assert len(rows_of(client.get("/console/conversations?page=99&besoin=oops").text)) == 3  # the last page


def test_a_conversation_shows_the_exchange_and_its_triage_in_plain_words(base: str) -> None:
    client = signed_in(base)
    listed = client.get("/console/conversations?besoin=referral").text
    number = rows_of(listed)[0]
    shown = client.get(f"/console/conversations/{number}")
    assert shown.status_code == 200 and f"Conversation n° {number}" in shown.text
    assert '<a href="/console/conversations" aria-current="true">Conversations</a>' in shown.text  # a sub-page
    text = shown.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt; mon [téléphone]" in text and "<script>" not in text
    assert "L&#39;assistant n&#39;a pas compris ce message" in text
    assert "Besoin : orientation, la CAF – orienter – sûr à 87 %" in text
    assert "Lieu indiqué : CAF de Tours" in text
    assert text.index("Usager") < text.index("Assistant")
    assert '{"' not in text and "triage" not in text  # no raw JSON
    for wrong in (str(int(number) + 1), "99999", "abc", "99999999999999999999", "-1"):
        missing = client.get(f"/console/conversations/{wrong}")
        assert missing.status_code == 404 and "Cette conversation n'existe pas" in missing.text, wrong


def test_the_dashboard_draws_each_chart_with_its_table(base: str) -> None:
    client = signed_in(base)
    page = client.get("/console/activite").text
    assert page.count('<svg class="chart"') == 4 and page.count('role="img"') == 4
    assert page.count("<details>") == 4 and page.count("<caption>") == 5  # and the places
    assert '<text x="0" y="22">apprendre (fiche)</text>' in page and f"{MANY}</text>" in page  # a row named
    assert re.search(r"<title>semaine du \d\d/\d\d/\d{4} : [1-9]\d*</title></rect>", page)  # a bar, named
    assert '<th scope="col">Apprendre (fiche)</th>' in page and '<th scope="row">Total</th>' in page
    assert "<script" not in page and "style=" not in page  # nothing the page's policy would refuse
    assert f"Conversations : {MANY + 2}</li>" in page
    assert '<th scope="row">CAF de Tours</th><td>La CAF</td><td>1</td>' in page
    assert ("Rendez-vous confirmés : 0 ; non notés : 1 ; venus : 1 ; pas venus : 1 ; annulés : 0"
            in " ".join(page.split()))
    assert client.get("/console/activite?periode=oops").text == page  # 4 weeks unless told
    assert "effacées" not in page and "effacées 90 jours" in client.get("/console/activite?periode=52").text


def test_the_csv_report_gives_the_period_figures_per_week(base: str, server: Settings) -> None:
    response = signed_in(base).get("/console/activite.csv?periode=12")
    assert response.status_code == 200 and response.headers["content-type"] == "text/csv; charset=utf-8"
    assert re.fullmatch(r'attachment; filename="activite-\d{4}-\d\d-\d\d-au-\d{4}-\d\d-\d\d\.csv"',
                        response.headers["content-disposition"])
    assert response.content.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    expected = report_rows(activity(engine_for(server.tracker_store_url), engine_for(server.booking_database_url),
                                    period("12", datetime.now(timezone.utc)), datetime.now(timezone.utc)), topics())
    assert rows == [[str(cell) for cell in row] for row in expected] and len(rows) == 12 + 2
    total = dict(zip(rows[0], rows[-1]))
    assert (total["conversations"], total["besoins : apprendre (fiche)"], total["orientations : la CAF"]) == (
        str(MANY + 2), str(MANY), "1")
    assert (total["non compris"], total["rendez-vous venus"], total["rendez-vous pas venus"]) == ("1", "1", "1")


def test_the_home_page_sums_up_the_last_seven_days_and_this_week(base: str, server: Settings) -> None:
    client = signed_in(base)
    home = " ".join(client.get("/console/").text.split())
    assert f"<h2>Les 7 derniers jours</h2> <ul class=\"week\"> <li>{MANY + 1} conversations avec les usagers." in home
    assert '<a href="/console/conversations?jours=7">Voir les conversations des 7 derniers jours</a>' in home
    assert f"{MANY + 1} conversations." in client.get("/console/conversations?jours=7").text  # the same count
    assert "<li>1 message que l'assistant n'a pas bien compris et que personne n'a encore traité." in home
    assert '<a href="/console/incompris?jours=7">Voir les messages mal compris des 7 derniers jours</a>' in home
    with engine_for(server.booking_database_url).connect() as connection:
        starts = connection.execute(select(Booking.start).where(Booking.status != CANCELLED)).scalars().all()
    this_week = sum(monday_of(start) == monday_of(NOW) for start in starts)
    assert (f"<h2>Cette semaine, du lundi au dimanche</h2> <p>{this_week} rendez-vous (sans compter les annulés)"
            in home)
    unclear = unclear_messages(engine_for(server.tracker_store_url), NOW - timedelta(days=7))
    decisions = Decisions(server.booking_database_url)
    with decisions.recorded(1, DISMISSED, None, [(key_of(message.text), message.text) for message in unclear]):
        pass
    decisions.close()
    assert "<li>0 message que l'assistant n'a pas bien compris" in " ".join(client.get("/console/").text.split())


def test_the_home_page_says_when_conversations_cannot_be_read(tmp_path: Path) -> None:
    with web_server(tmp_path, TRACKER_STORE_URL="postgresql+psycopg2://postgres@127.0.0.1:1/nothing") as settings:
        accounts = StaffAccounts(settings.booking_database_url)
        accounts.add("lea@mediatheque.fr", "Léa", "mediator", PASSWORD)
        accounts.close()
        home = signed_in(settings.url(settings.web_port, "")).get("/console/")
    assert home.status_code == 200 and "la base des conversations ne répond pas" in " ".join(home.text.split())
    assert "rendez-vous (sans compter les annulés)" in home.text


def test_pages_waiting_for_the_tracker_store_leave_the_server_answering(tmp_path: Path, postgres: Databases) -> None:
    """Database reads run in threads: while a lock holds the tracker store, the public pages still answer."""
    with postgres.new() as url, web_server(tmp_path, TRACKER_STORE_URL=url) as settings:
        save(url, "web-1", wrote("apprendre les mails", NOW), triaged("tutorial", NOW, theme="email"))
        accounts = StaffAccounts(settings.booking_database_url)
        accounts.add("lea@mediatheque.fr", "Léa", "mediator", PASSWORD)
        accounts.close()
        base = settings.url(settings.web_port, "")
        number = rows_of(signed_in(base).get("/console/conversations").text)[0]
        paths = ["/console/", "/console/conversations", f"/console/conversations/{number}", "/console/activite",
                 "/console/activite.csv"]
        engine = engine_for(url)
        with ThreadPoolExecutor(len(paths)) as pool:
            with engine.begin() as locked:
                locked.exec_driver_sql("LOCK TABLE events IN ACCESS EXCLUSIVE MODE")
                waiting = [pool.submit(lambda path: signed_in(base).get(path).status_code, path) for path in paths]
                time.sleep(2)  # the console's requests are now waiting for the lock
                assert not any(future.done() for future in waiting)
                with urlopen(base, timeout=3) as public:  # would wait for the lock if the loop were held
                    assert public.status == 200
            assert [future.result(timeout=20) for future in waiting] == [200] * len(paths)
        engine.dispose()


def test_labels_follow_the_themes_file_as_staff_edit_it(tmp_path: Path) -> None:
    knowledge = tmp_path / "knowledge_base"
    shutil.copytree(ROOT / "knowledge_base", knowledge)
    with web_server(tmp_path / "var", KNOWLEDGE_DIR=str(knowledge)) as settings:
        accounts = StaffAccounts(settings.booking_database_url)
        accounts.add("lea@mediatheque.fr", "Léa", "mediator", PASSWORD)
        accounts.close()
        save(settings.tracker_store_url, "web-1", wrote("ma caf", NOW), triaged("referral", NOW, partner="caf"))
        client = signed_in(settings.url(settings.web_port, ""))
        assert '<text x="0" y="22">la CAF</text>' in client.get("/console/activite").text
        write_changed(knowledge / "topics.yml", (knowledge / "topics.yml").read_text(encoding="utf-8"),
                      **{"caf: la CAF": "caf: la caisse d'allocations familiales"})
        assert '<th scope="col">La caisse d&#39;allocations familiales</th>' in client.get("/console/activite").text
        assert "orientations : la caisse d'allocations familiales" in client.get("/console/activite.csv").text
