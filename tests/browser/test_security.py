"""The Content-Security-Policy in Chromium: our pages run no injected script, and the widget still works on
another site that has a strict policy of its own and isolates itself (COEP)."""
from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Iterator
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Page, expect

from bot.services import Stack
from tests.browser.widget import LAUNCHER, log, open_widget, say


def origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def library_page(stack: Stack) -> tuple[dict[str, str], bytes]:
    """Headers and HTML of a page of a library's own site that pastes the widget's snippet."""
    settings = stack.settings
    web, chat = settings.url(settings.web_port, ""), settings.url(settings.rasa_port, "/webhooks/rest/webhook")
    headers = {"Content-Type": "text/html; charset=utf-8", "Cross-Origin-Embedder-Policy": "require-corp",
               "Content-Security-Policy": f"default-src 'self'; script-src {web}; style-src {web}; "
                                          f"connect-src {origin(chat)}"}
    html = (f'<!doctype html><html lang="fr"><head><meta charset="utf-8"><title>Médiathèque de Chinon</title>'
            f'<script src="{web}/static/widget.js" data-bot-url="{chat}" defer></script></head>'
            f'<body><main><h1>Médiathèque de Chinon</h1></main></body></html>')
    return headers, html.encode()


@pytest.fixture
def library_site(stack: Stack) -> Iterator[str]:
    """The library's site, served on this machine as `localhost`: another origin and another site than our
    servers' 127.0.0.1."""
    headers, html = library_page(stack)

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            for name, value in headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(html)

        def log_message(self, *args: object) -> None:
            pass

    with ThreadingHTTPServer(("127.0.0.1", 0), Handler) as server:
        threading.Thread(target=server.serve_forever, daemon=True).start()
        yield f"http://localhost:{server.server_address[1]}/"
        server.shutdown()


def test_an_injected_inline_script_does_not_run(page: Page, base_url: str, blocked: list[str]) -> None:
    page.goto(base_url + "/")
    page.evaluate("""() => document.body.append(Object.assign(document.createElement("script"),
                                                               {textContent: "window.injected = true"}))""")
    assert page.evaluate("() => window.injected") is None
    expect(page.get_by_role("button", name=LAUNCHER)).to_be_visible()
    assert [report.split(" ")[0] for report in blocked] == ["script-src-elem"]
    blocked.clear()  # seen, as expected


def test_the_widget_works_on_a_library_site_with_a_strict_policy(page: Page, library_site: str) -> None:
    page.goto(library_site)
    expect(page.get_by_role("button", name=LAUNCHER)).to_have_css("position", "fixed")  # widget.css was loaded
    open_widget(page, library_site)
    say(page, "je voudrais apprendre à envoyer un mail")
    expect(log(page)).to_contain_text("Vous voulez apprendre : les e-mails.")
