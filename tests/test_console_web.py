"""The staff console on the real web server (`python -m bot web`): sign-in, sessions, CSRF, nothing for anyone
not signed in, and the messages patrons wrote that were not understood."""
from __future__ import annotations

import asyncio
import functools
import re
from datetime import datetime, timezone
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Iterator

import pytest
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from sanic import Sanic

from bot.db.engines import SharedEngines, engine_for
from bot.privacy.tracker_store import RedactingSQLTrackerStore
from bot.settings import Settings
from bot.staff.accounts import MAX_FAILURES, StaffAccounts
from bot.web.console import console_pages
from tests.support.console import PASSWORD, browser, csrf_of, signed_in
from tests.support.postgres import Databases
from tests.support.web import web_server

pytestmark = pytest.mark.stack  # the web server runs, on a free port


def patrons_wrote(tracker_store_url: str) -> None:
    """Four conversations in the tracker store, as Rasa saves them: two alike not understood an hour ago, one
    understood, one not understood ten days ago with HTML and a phone number."""
    store = RedactingSQLTrackerStore(Domain.empty(), host=tracker_store_url)
    now = datetime.now(timezone.utc).timestamp()
    for sender, text, intent, confidence, hours_ago in [
            ("a", "comment on fait pour le pass navigo", "nlu_fallback", 0.1, 1),
            ("b", "Comment on fait pour le Pass Navigo ?", "learn_email", 0.3, 1),
            ("c", "je veux apprendre les mails", "learn_email", 0.95, 1),
            ("d", "<script>alert(1)</script> appelez le 06 12 34 56 78", "nlu_fallback", 0.05, 240)]:
        tracker = DialogueStateTracker.from_events(sender, [UserUttered(
            text, intent={"name": intent, "confidence": confidence}, timestamp=now - hours_ago * 3600)])
        asyncio.run(store.save(tracker))


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with web_server(tmp_path_factory.mktemp("var"), BOOKING_DATABASE_URL="") as settings:
        accounts = StaffAccounts(settings.booking_database_url)
        accounts.add("lea@mediatheque.fr", "<b>Léa</b>", "admin", PASSWORD)
        accounts.add("guess@mediatheque.fr", "Guess", "mediator", PASSWORD)
        accounts.close()
        patrons_wrote(settings.tracker_store_url)
        yield settings.url(settings.web_port, "")


@functools.cache  # a Sanic app's name is taken for the whole process
def console_routes() -> list[tuple[str, str]]:
    """(method, path) of every console route but the sign-in page, as the console's blueprint declares them,
    with 1 for each parameter (`<decision_id:int>`)."""
    probe = Sanic("console_routes")
    probe.blueprint(console_pages(Settings.from_env({}), SharedEngines()))
    routes = probe.router.routes
    return sorted({(method, "/" + re.sub(r"<[^>]+>", "1", route.path)) for route in routes
                   for method in route.methods
                   if route.path.split("/")[0] == "console" and route.path != "console/connexion"})


def test_every_console_page_and_action_is_refused_without_signing_in(base: str) -> None:
    routes = console_routes()
    assert {("GET", "/console"), ("GET", "/console/incompris"), ("POST", "/console/deconnexion")} <= set(routes)
    client = browser(base)
    for method, path in routes:
        response = client.request(method, path, data={"csrf": "guessed"})
        if method == "GET":
            assert response.status_code == 303 and response.headers["location"] == "/console/connexion", path
        else:
            assert response.status_code == 403, path
        assert "Léa" not in response.text
    forged = browser(base)
    forged.cookies.set("console_session", "forged-token")
    assert forged.get("/console/").status_code == 303


def test_a_staff_member_signs_in_sees_the_console_and_signs_out(base: str) -> None:
    client = browser(base)
    form = client.get("/console/connexion")
    assert form.status_code == 200 and form.headers["cache-control"] == "no-store"
    response = client.post("/console/connexion", data={"csrf": csrf_of(form.text), "email": " LEA@mediatheque.fr",
                                                        "password": PASSWORD})
    assert response.status_code == 303
    cookie = next(value for name, value in response.headers.multi_items()
                  if name == "set-cookie" and value.startswith("console_session="))
    assert all(flag in cookie for flag in ("HttpOnly", "SameSite=Strict", "Path=/console/"))
    home = client.get("/console/")
    assert home.status_code == 200
    assert "Bonjour &lt;b&gt;Léa&lt;/b&gt;" in home.text  # what staff typed is escaped
    assert client.post("/console/deconnexion", data={"csrf": "not-the-session-one"}).status_code == 403
    assert client.get("/console/").status_code == 200  # a forged form changed nothing
    out = client.post("/console/deconnexion", data={"csrf": csrf_of(home.text)})
    assert out.status_code == 303 and out.headers["location"] == "/console/connexion"
    cleared = SimpleCookie(out.headers["set-cookie"])["console_session"]  # the browser forgets it
    assert (cleared.value, cleared["path"], cleared["max-age"]) == ("", "/console/", "0")
    assert client.get("/console/").status_code == 303


def test_staff_see_what_patrons_wrote_that_was_not_understood(base: str) -> None:
    inbox = signed_in(base).get("/console/incompris")
    assert inbox.status_code == 200 and inbox.headers["cache-control"] == "no-store"
    assert "2 groupes de messages" in inbox.text
    assert "« comment on fait pour le pass navigo »</h2>\n        <p>2 messages" in inbox.text  # the largest first
    assert "« Comment on fait pour le Pass Navigo ? » (pas sûr)" in inbox.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt; appelez le [téléphone]" in inbox.text  # escaped and masked
    assert "<script>" not in inbox.text and "06 12" not in inbox.text
    assert "apprendre les mails" not in inbox.text  # understood
    week = signed_in(base).get("/console/incompris?jours=7").text
    assert "1 groupe de messages" in week and "script" not in week  # ten days ago
    assert "2 groupes" in signed_in(base).get("/console/incompris?jours=oops").text  # 30 days unless told


def test_a_sign_in_form_from_elsewhere_is_refused(base: str) -> None:
    client = browser(base)
    response = client.post("/console/connexion", data={"csrf": "x", "email": "lea@mediatheque.fr",
                                                        "password": PASSWORD})
    assert response.status_code == 403 and "a expiré" in response.text
    assert "console_session=" not in response.headers.get("set-cookie", "")


def test_a_wrong_password_is_refused_then_guessing_is_stopped(base: str) -> None:
    client = browser(base)
    token = csrf_of(client.get("/console/connexion").text)
    for _ in range(MAX_FAILURES["email"]):
        wrong = client.post("/console/connexion", data={"csrf": token, "email": "guess@mediatheque.fr",
                                                        "password": "pas le bon mot de passe"})
        assert wrong.status_code == 401 and "incorrect" in wrong.text
        assert 'value="guess@mediatheque.fr"' in wrong.text  # the e-mail stays typed
    limited = client.post("/console/connexion", data={"csrf": token, "email": "guess@mediatheque.fr",
                                                      "password": PASSWORD})
    assert limited.status_code == 429 and "Réessayez dans 15 minutes" in limited.text
    assert signed_in(base).get("/console/").status_code == 200  # another account is not locked out


def test_behind_a_proxy_each_browser_address_is_limited_on_its_own(tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """With SANIC_PROXIES_COUNT=1 (README, "The staff console") the limit per address reads X-Forwarded-For."""
    monkeypatch.setenv("SANIC_PROXIES_COUNT", "1")  # the web server's environment
    with web_server(tmp_path, BOOKING_DATABASE_URL="") as settings:
        accounts = StaffAccounts(settings.booking_database_url)
        accounts.add("lea@mediatheque.fr", "Léa", "admin", PASSWORD)
        accounts.close()
        client = browser(settings.url(settings.web_port, ""))
        token = csrf_of(client.get("/console/connexion").text)

        def sign_in(email: str, password: str, address: str) -> int:
            return client.post("/console/connexion", data={"csrf": token, "email": email, "password": password},
                               headers={"X-Forwarded-For": address}).status_code

        assert all(sign_in(f"guess{index}@mediatheque.fr", "pas le bon mot de passe", "203.0.113.1") == 401
                   for index in range(MAX_FAILURES["ip"]))
        assert sign_in("lea@mediatheque.fr", PASSWORD, "203.0.113.1") == 429
        assert sign_in("lea@mediatheque.fr", PASSWORD, "203.0.113.2") == 303


def test_every_page_shares_one_connection_pool_per_database(tmp_path: Path, postgres: Databases) -> None:
    """Each console section used to open its own pool on the same databases (up to 15 connections each)."""
    with postgres.new() as url, web_server(tmp_path, BOOKING_DATABASE_URL=url, TRACKER_STORE_URL=url) as settings:
        accounts = StaffAccounts(url)
        accounts.add("lea@mediatheque.fr", "Léa", "admin", PASSWORD)
        accounts.close()
        client = signed_in(settings.url(settings.web_port, ""))
        for method, path in console_routes():
            if method == "GET":
                assert client.get(path).status_code in (200, 303, 404), path
        counting = engine_for(url)
        with counting.connect() as connection:
            web_server_connections = connection.exec_driver_sql(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
            ).scalar()
        counting.dispose()
    assert 1 <= web_server_connections <= 2  # one page at a time: one pooled connection (two while a page waits)
