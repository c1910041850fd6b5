"""The tutorial pages, on the real web server (`python -m bot web`) started on a free port."""
from __future__ import annotations

from email.message import Message
from pathlib import Path
from typing import Iterator
from urllib.parse import urlencode

import pytest

from bot.knowledge import Tutorial, tutorials
from bot.web.tutorials import render_body
from tests.support.html_check import markdown_text, parse, problems, step_texts
from tests.support.web import get as get_bytes
from tests.support.web import web_server

pytestmark = pytest.mark.stack  # the web server runs, on a free port

CATALOGUE = tutorials()


@pytest.fixture(scope="module")
def base_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The web server alone, through the same supervisor as `make run`."""
    with web_server(tmp_path_factory.mktemp("var")) as settings:
        yield settings.url(settings.web_port, "")


def get(url: str) -> tuple[int, Message, str]:
    """Status, headers and text of a GET, whatever the status."""
    status, headers, body = get_bytes(url)
    return status, headers, body.decode()


def listed(page: str) -> list[str]:
    """Ids of the fiches in the result list of an index page, in order."""
    results = next((element for element in parse(page).iter() if element.attrs.get("class") == "results"), None)
    return [] if results is None else [link.attrs["href"].removeprefix("/tutoriels/")
                                       for link in results.iter() if link.tag == "a"]


def index(base_url: str, **params: str) -> str:
    status, _, page = get(f"{base_url}/tutoriels/?{urlencode(params)}")
    assert status == 200
    return page


def test_the_index_lists_every_fiche(base_url: str) -> None:
    page = index(base_url)
    assert sorted(listed(page)) == sorted(tutorial.id for tutorial in CATALOGUE)
    assert f"{len(CATALOGUE)} fiches" in page
    assert listed(get(f"{base_url}/tutoriels")[2]) == listed(page)  # redirected to /tutoriels/


def test_search_puts_the_right_fiche_first_despite_typos(base_url: str) -> None:
    page = index(base_url, q="piece joite")
    assert listed(page)[0] == "email-piece-jointe"
    assert 'value="piece joite"' in page


def test_theme_and_level_filters(base_url: str) -> None:
    assert sorted(listed(index(base_url, theme="email"))) == ["email-creer-adresse", "email-envoyer",
                                                               "email-piece-jointe"]
    levels = {tutorial.id: tutorial.level for tutorial in CATALOGUE}
    found = listed(index(base_url, niveau="avance"))
    assert found and all(levels[id] == "avance" for id in found)
    assert listed(index(base_url, q="wifi", theme="wifi", niveau="debutant")) == ["wifi-telephone"]


def test_no_result_says_what_to_do(base_url: str) -> None:
    page = index(base_url, q="zzzz qqq")
    assert listed(page) == []
    assert "Aucune fiche trouvée" in page and "Voir toutes les fiches" in page and "conseiller numérique" in page


@pytest.mark.parametrize("tutorial", CATALOGUE, ids=lambda tutorial: tutorial.id)
def test_every_fiche_page_shows_its_title_and_steps_in_order(base_url: str, tutorial: Tutorial) -> None:
    status, _, page = get(f"{base_url}/tutoriels/{tutorial.id}")
    assert status == 200
    elements = list(parse(page).iter())
    assert [element.text() for element in elements if element.tag == "h1"] == [tutorial.title]
    assert step_texts(page) == [markdown_text(step) for step in tutorial.steps]


def test_unknown_fiche_is_a_kind_french_404(base_url: str) -> None:
    status, _, page = get(f"{base_url}/tutoriels/fiche-qui-n-existe-pas")
    assert status == 404
    assert "Cette page n'existe pas" in page and 'href="/tutoriels/"' in page


def test_illustrations_are_served_as_svg_and_nothing_else(base_url: str) -> None:
    status, headers, svg = get(f"{base_url}/tutoriels/images/trombone.svg")
    assert (status, headers["Content-Type"]) == (200, "image/svg+xml") and svg.startswith("<svg")
    for path in ("..%2Femail-envoyer.md", "..%2F..%2F..%2Fbot%2Fsettings.py", "inconnu.svg", "trombone.SVG"):
        assert get(f"{base_url}/tutoriels/images/{path}")[0] == 404, path


def test_illustrations_in_pages_have_alt_size_and_lazy_loading(base_url: str) -> None:
    page = get(f"{base_url}/tutoriels/email-piece-jointe")[2]
    image = next(element for element in parse(page).iter() if element.tag == "img")
    assert image.parent.attrs["id"] == "etape-3"
    assert image.attrs["src"] == "/tutoriels/images/trombone.svg"
    assert image.attrs["alt"].startswith("Le trombone")
    assert (image.attrs["width"], image.attrs["height"], image.attrs["loading"]) == ("120", "120", "lazy")


def test_static_files_are_served(base_url: str) -> None:
    for name, kind in (("site.css", "text/css"), ("tutorial.js", "text/javascript"), ("widget.js", "text/javascript"),
                       ("widget.css", "text/css")):
        status, headers, _ = get(f"{base_url}/static/{name}")
        assert status == 200 and headers["Content-Type"].startswith(kind), name


def test_home_page_links_to_the_fiches(base_url: str) -> None:
    main = next(element for element in parse(get(base_url + "/")[2]).iter() if element.tag == "main")
    assert [link.text() for link in main.iter() if link.attrs.get("href") == "/tutoriels/"] == ["Fiches pas à pas"]


def test_every_page_passes_the_accessibility_checks(base_url: str) -> None:
    paths = ["/", "/integrer", "/confidentialite", "/tutoriels/", "/tutoriels/?q=zzzz", "/tutoriels/inconnu",
             *(f"/tutoriels/{tutorial.id}" for tutorial in CATALOGUE)]
    failures = {path: problems(get(base_url + path)[2]) for path in paths}
    assert {path: found for path, found in failures.items() if found} == {}


def test_every_page_embeds_the_widget_and_the_page_for_libraries_gives_its_snippet(base_url: str) -> None:
    for path in ("/", "/tutoriels/", "/tutoriels/email-envoyer", "/confidentialite"):
        widget, = [element.attrs for element in parse(get(base_url + path)[2]).iter()
                   if element.attrs.get("src") == "/static/widget.js"]
        assert widget["data-bot-url"].endswith("/webhooks/rest/webhook") and "defer" in widget, path
        assert (widget["data-title"], widget["data-phone"]) == ("Aide numérique", "02 61 91 02 00"), path
    snippet = next(element for element in parse(get(base_url + "/integrer")[2]).iter() if element.tag == "pre")
    assert snippet.text().startswith(f'<script src="{base_url}/static/widget.js" data-bot-url="http')


def test_the_privacy_notice_says_what_is_kept_and_for_how_long(base_url: str) -> None:
    status, _, page = get(base_url + "/confidentialite")
    assert status == 200
    assert "effacés 30 jours après le rendez-vous" in page and "mots de passe" in page and "cnil.fr" in page
    assert "effacés 90 jours après votre dernier message" in page and "Supprimer mes données" in page
    assert "Médiathèque centrale" in page and "6.1.e" in page
    assert 'href="tel:+33' in page


def test_html_written_in_a_fiche_is_shown_as_text(tmp_path: Path) -> None:
    tutorial = CATALOGUE[0].copy(update={"body": "Intro <b>gras</b>.\n\n## Étapes\n\n"
                                                 "1. Tapez <script>alert(1)</script>.\n2. Deux.\n3. Trois.\n"})
    intro, sections = render_body(tutorial, tmp_path)
    assert "&lt;b&gt;" in intro and "<b>" not in intro
    assert '<li id="etape-1">Tapez &lt;script&gt;' in sections and "<script>" not in sections


def test_the_checker_finds_each_problem() -> None:
    good = ('<html lang="fr"><body><a href="#contenu">Aller au contenu</a><main id="contenu"><h1>Titre</h1>'
            '<h2>Partie</h2><img src="a.svg" alt="Un dessin"><label for="q">Mots</label><input id="q" name="q">'
            '<button>Chercher</button><script src="/static/a.js"></script></main></body></html>')
    assert problems(good) == []
    bad = ('<html lang="en"><body><a href="/">Accueil</a><h2>Avant</h2><h1>Un</h1><h1>Deux</h1><h3>Saut</h3>'
           '<img src="a.svg" alt=" "><input name="q"><select id="s"></select><button> </button>'
           '<a id="x" onclick="go()">x</a><p id="x" style="color: red"></p><script>alert(1)</script></body></html>')
    found = "\n".join(problems(bad))
    for expected in ('no <html lang="fr">', "the one <h1>", "<h3> after <h1> skips", "without alt text",
                     "<input name='q'> without a label", "<select name=None> without a label",
                     "<button> without text", "onclick", "inline <script>", "<p>: inline style", "id 'x' used twice",
                     "first link must skip"):
        assert expected in found, expected
