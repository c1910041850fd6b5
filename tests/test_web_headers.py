"""Security headers of each kind of response of the real web server (`python -m bot web`)."""
from __future__ import annotations

from email.message import Message
from typing import Iterator

import pytest

from tests.support.web import get, web_server

STAFF_TOKEN = "staff-test-token"
pytestmark = pytest.mark.stack  # the web server runs, on a free port
PAGES = ["/", "/integrer", "/confidentialite", "/tutoriels/", "/tutoriels/email-envoyer", "/tutoriels/inconnu",
         "/console/", "/console/connexion", "/console/conversations"]  # the staff console is never framed

OTHER = ["/health", "/static/site.css", "/static/tutorial.js", "/tutoriels/images/bouton-marche.svg",
         f"/agenda/export.csv?token={STAFF_TOKEN}", "/rendez-vous/inconnu.ics"]
WIDGET_FILES = ["/static/widget.js", "/static/widget.css"]


@pytest.fixture(scope="module")
def base_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with web_server(tmp_path_factory.mktemp("var"), STAFF_TOKEN=STAFF_TOKEN,
                    PUBLIC_CHAT_URL="https://aide.mediatheque.fr/webhooks/rest/webhook") as settings:
        yield settings.url(settings.web_port, "")


def policy(headers: Message) -> dict[str, str]:
    """The Content-Security-Policy's directives, by name."""
    directives = (directive.strip().split(" ", 1) for directive in headers["Content-Security-Policy"].split(";"))
    return dict(directives)


def assert_common_headers(headers: Message, path: str) -> None:
    assert headers["X-Content-Type-Options"] == "nosniff", path
    assert headers["Referrer-Policy"] == "same-origin", path
    assert headers["X-Frame-Options"] == "DENY", path
    assert "camera=()" in headers["Permissions-Policy"] and "microphone=()" in headers["Permissions-Policy"], path


@pytest.mark.parametrize("path", PAGES)
def test_pages_run_only_our_scripts_and_are_never_framed(base_url: str, path: str) -> None:
    status, headers, _ = get(base_url + path)
    assert status in (200, 404) and headers["Content-Type"].startswith("text/html")
    assert_common_headers(headers, path)
    assert policy(headers) == {
        "default-src": "'self'", "script-src": "'self'", "style-src": "'self'", "img-src": "'self'",
        "connect-src": "'self' https://aide.mediatheque.fr",  # the widget talks to Rasa's REST channel
        "object-src": "'none'", "base-uri": "'self'", "form-action": "'self'", "frame-ancestors": "'none'"}
    assert headers["Cross-Origin-Resource-Policy"] == "same-origin"
    assert headers["Cross-Origin-Opener-Policy"] == "same-origin"


@pytest.mark.parametrize("path", OTHER)
def test_files_feeds_and_exports_are_for_our_own_pages_only(base_url: str, path: str) -> None:
    status, headers, _ = get(base_url + path)
    assert status in (200, 404)
    assert_common_headers(headers, path)
    assert headers["Cross-Origin-Resource-Policy"] == "same-origin"
    assert "Access-Control-Allow-Origin" not in headers


def test_an_illustration_keeps_its_stricter_policy(base_url: str) -> None:
    _, headers, _ = get(base_url + "/tutoriels/images/bouton-marche.svg")
    assert headers.get_all("Content-Security-Policy") == ["default-src 'none'; style-src 'unsafe-inline'"]


@pytest.mark.parametrize("path", WIDGET_FILES)
def test_the_widget_files_can_be_loaded_by_any_site(base_url: str, path: str) -> None:
    status, headers, _ = get(base_url + path)
    assert status == 200 and headers["Content-Type"].startswith(("text/javascript", "text/css"))
    assert_common_headers(headers, path)
    assert headers["Cross-Origin-Resource-Policy"] == "cross-origin"
    assert headers["Access-Control-Allow-Origin"] == "*"  # also with crossorigin="anonymous" and integrity=
