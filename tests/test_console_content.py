"""The console's answers and knowledge pages on the real web server, over copies of the project: check, changes,
save; patrons get a partner's new hours from an action server that was already running."""
from __future__ import annotations

import html
import re
import shutil
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterator

import httpx
import pytest

from bot.booking.store import BookingStore
from bot.knowledge import sites
from bot.services import Stack
from bot.settings import ROOT, Settings
from bot.staff.accounts import StaffAccounts
from tests.support.console import PASSWORD, browser, signed_in
from tests.support.html_check import problems
from tests.support.ports import free_port
from tests.support.web import web_server

pytestmark = pytest.mark.stack  # the web server runs, on a free port

PARTNER_PAGE = "/console/contenus/partenaire/caf-tours"
NEW_HOURS = "Mo-Fr 09:00-12:00; PH off"
INPUT = re.compile(r'<input [^>]*\bname="([\w-]+)"[^>]*\bvalue="([^"]*)"')
TEXTAREA = re.compile(r'<textarea [^>]*\bname="([\w-]+)"[^>]*>\n?(.*?)</textarea>', re.DOTALL)


@dataclass(frozen=True)
class Servers:
    base: str  # the web server
    actions: str  # the action server's webhook
    settings: Settings


@pytest.fixture(scope="module")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Servers]:
    """The web server and an action server, both on the same copies of domain.yml and the knowledge base."""
    copies = tmp_path_factory.mktemp("copies")
    (copies / "project").mkdir()
    shutil.copy(ROOT / "domain.yml", copies / "project" / "domain.yml")
    shutil.copytree(ROOT / "knowledge_base", copies / "knowledge_base")
    with web_server(tmp_path_factory.mktemp("var"), BOOKING_DATABASE_URL="", PROJECT_DIR=str(copies / "project"),
                    KNOWLEDGE_DIR=str(copies / "knowledge_base")) as settings:
        accounts = StaffAccounts(settings.booking_database_url)
        accounts.add("lea@mediatheque.fr", "Léa", "admin", PASSWORD)
        accounts.add("sam@mediatheque.fr", "Sam", "mediator", PASSWORD)
        accounts.close()
        stack = Stack(replace(settings, actions_port=free_port()), Path("no-model-needed"))
        stack.services = {"actions": stack.services["actions"]}
        with stack:
            yield Servers(settings.url(settings.web_port, ""),
                          stack.settings.url(stack.settings.actions_port, "/webhook"), settings)


def partner_card(actions: str) -> dict[str, Any]:
    """The partner card the action server gives, called as Rasa calls it, for the CAF in Tours."""
    tracker = {"sender_id": "patron", "slots": {"referral_kind": "caf", "commune": "tours"},
               "latest_message": {"text": "/tell_commune", "intent": {"name": "tell_commune", "confidence": 1.0},
                                  "entities": []},
               "events": [], "paused": False, "followup_action": None, "active_loop": {},
               "latest_action_name": "action_listen"}
    answer = httpx.post(actions, json={"next_action": "action_referral", "sender_id": "patron", "tracker": tracker,
                                       "domain": {}, "version": "3.6.0"}, timeout=10)
    card, = [message["custom"]["partner"] for message in answer.json()["responses"]
             if "partner" in (message.get("custom") or {})]
    return card


def form_fields(page: str) -> dict[str, str]:
    """What a browser sends of the page's edit form, but the button: its inputs, hidden or not, and text areas."""
    return {name: html.unescape(value) for name, value in INPUT.findall(page) + TEXTAREA.findall(page)}


def file_of(servers: Servers, key: str) -> Path:
    return servers.settings.knowledge_dir / key


def test_staff_change_a_partners_hours_and_patrons_get_them_without_a_restart(servers: Servers) -> None:
    assert partner_card(servers.actions)["opening_hours"] == "Mo-Fr 08:30-12:00,13:30-16:30; PH off"
    client = signed_in(servers.base)
    listing = client.get("/console/contenus")
    assert listing.status_code == 200 and f'href="{PARTNER_PAGE}">CAF de Touraine – accueil de Tours' in listing.text
    form = client.get(PARTNER_PAGE)
    assert 'value="Mo-Fr 08:30-12:00,13:30-16:30; PH off"' in form.text and "OpenStreetMap" in form.text
    assert problems(listing.text) == problems(form.text) == []
    fields = {**form_fields(form.text), "horaires": NEW_HOURS, "etape": "verifier"}
    check = client.post(PARTNER_PAGE, data=fields)
    assert check.status_code == 200 and "aucun problème" in check.text
    assert "<td>retiré</td><td><code>horaires: Mo-Fr 08:30-12:00,13:30-16:30; PH off</code>" in check.text
    assert f"<td>ajouté</td><td><code>horaires: {NEW_HOURS}</code>" in check.text
    assert problems(check.text) == []
    assert "Mo-Fr 08:30" in file_of(servers, "partners/caf-tours.yml").read_text()  # checked, not saved yet
    saved = client.post(PARTNER_PAGE, data={**form_fields(check.text), "etape": "enregistrer"})
    assert saved.status_code == 303 and saved.headers["location"] == f"{PARTNER_PAGE}?enregistre=1"
    assert "C'est enregistré" in client.get(saved.headers["location"]).text
    assert f"horaires: {NEW_HOURS}\n" in file_of(servers, "partners/caf-tours.yml").read_text()
    assert partner_card(servers.actions)["opening_hours"] == NEW_HOURS
    log = (servers.settings.var_dir / "logs" / "web.log").read_text()
    assert re.search(r"staff account \d+ saved partners/caf-tours.yml\n", log)
    assert "Léa" not in log and str(servers.settings.knowledge_dir) not in log


def test_broken_yaml_is_shown_with_its_line_and_nothing_is_written(servers: Servers) -> None:
    client = signed_in(servers.base)
    page = "/console/contenus/fichier/charter.yml"
    before = file_of(servers, "charter.yml").read_text()
    form = client.get(page)
    assert 'class="code"' in form.text and "<label for=\"champ-texte\">" in form.text
    broken = before.replace("clarify_margin:", "clarify_margin: [", 1)
    for step in ("verifier", "enregistrer"):
        refused = client.post(page, data={**form_fields(form.text), "texte": broken, "etape": step})
        assert refused.status_code == 422 and "1 problème à corriger" in refused.text
        assert re.search(r'<a href="#champ-texte">charter.yml, ligne \d+ : YAML incorrect', refused.text)
        assert 'aria-invalid="true"' in refused.text and 'aria-describedby="aide-texte erreur-texte"' in refused.text
        assert problems(refused.text) == []
    assert file_of(servers, "charter.yml").read_text() == before


def test_a_pasted_control_character_is_a_problem_shown_and_the_text_stays(servers: Servers) -> None:
    client = signed_in(servers.base)
    page = "/console/contenus/fichier/charter.yml"
    before = file_of(servers, "charter.yml").read_text()
    pasted = before.replace("clarify_margin:", "clarify_margin:\x0b", 1)
    refused = client.post(page, data={**form_fields(client.get(page).text), "texte": pasted, "etape": "verifier"})
    assert refused.status_code == 422 and "1 problème à corriger" in refused.text
    assert re.search(r'<a href="#champ-texte">charter.yml, ligne \d+ : .*U\+000B', refused.text)
    assert form_fields(refused.text)["texte"] == pasted
    assert file_of(servers, "charter.yml").read_text() == before


def test_checking_the_sites_lists_the_appointments_a_new_closure_strands(servers: Servers) -> None:
    store = BookingStore(servers.settings.booking_database_url)
    store.load_knowledge(sites(file_of(servers, "sites.yml")))
    slot = store.free_slots(datetime.now(timezone.utc), limit=1)[0]
    booking = store.book(slot, topic=None, first_name="Ana", contact=None, contact_kind=None, accessibility=None,
                         channel="rest", sender_id="patron")
    client = signed_in(servers.base)
    page = "/console/contenus/fichier/sites.yml"
    form = client.get(page)
    closed = form_fields(form.text)["texte"].replace(
        "closures:", f"closures:\n  - start: {slot.start.date()}\n    reason: Inventaire", 1)
    check = client.post(page, data={**form_fields(form.text), "texte": closed, "etape": "verifier"})
    store.cancel(booking.code)
    store.close()
    assert check.status_code == 200 and "1 rendez-vous ne sera plus possible" in check.text
    assert f"<li>{html.escape(slot.label)} à " in check.text and 'href="/console/agenda"' in check.text
    assert problems(check.text) == []
    unchanged = client.post(page, data={**form_fields(form.text), "texte": closed.replace("Inventaire", "Fermé"),
                                        "etape": "verifier"})
    assert "ne sera plus possible" not in unchanged.text  # cancelled: nothing to do any more


def test_a_stale_form_is_told_that_someone_else_changed_the_file(servers: Servers) -> None:
    client = signed_in(servers.base)
    page = "/console/contenus/fichier/topics.yml"
    form = client.get(page)
    path = file_of(servers, "topics.yml")
    meanwhile = path.read_text() + "# changed by a colleague\n"
    path.write_text(meanwhile)
    stale = client.post(page, data={**form_fields(form.text), "texte": path.read_text().replace(
        "# changed by a colleague\n", "") + "# mine\n", "etape": "enregistrer"})
    assert stale.status_code == 409 and "quelqu'un d'autre a changé ce fichier" in stale.text
    assert "<td>ajouté</td><td><code># mine</code>" in stale.text  # what they typed is not lost
    assert "# changed by a colleague" in stale.text  # the form now holds the current version
    assert problems(stale.text) == []
    assert path.read_text() == meanwhile


def test_a_form_without_the_sessions_token_is_refused(servers: Servers) -> None:
    client = signed_in(servers.base)
    form = client.get(PARTNER_PAGE)
    before = file_of(servers, "partners/caf-tours.yml").read_text()
    fields = {**form_fields(form.text), "horaires": "24/7", "etape": "enregistrer"}
    assert client.post(PARTNER_PAGE, data={**fields, "csrf": "forged"}).status_code == 403
    assert browser(servers.base).post(PARTNER_PAGE, data=fields).status_code == 403  # not signed in
    assert file_of(servers, "partners/caf-tours.yml").read_text() == before


def test_html_typed_in_a_field_is_shown_as_text(servers: Servers) -> None:
    client = signed_in(servers.base, "sam@mediatheque.fr")  # mediators edit too
    form = client.get(PARTNER_PAGE)
    check = client.post(PARTNER_PAGE, data={**form_fields(form.text), "accessibility": "<script>alert(1)</script>",
                                            "etape": "verifier"})
    assert check.status_code == 200 and "<script>" not in check.text
    assert "accessibility: &lt;script&gt;alert(1)&lt;/script&gt;</code>" in check.text
    assert form_fields(check.text)["accessibility"] == "<script>alert(1)</script>"


def test_a_response_saved_waits_for_the_next_training(servers: Servers) -> None:
    client = signed_in(servers.base)
    page = "/console/contenus/reponse/utter_goodbye"
    form = client.get(page)
    assert problems(form.text) == [] and "Texte 1" in form.text
    check = client.post(page, data={**form_fields(form.text), "texte-0": "À bientôt !", "etape": "verifier"})
    saved = client.post(page, data={**form_fields(check.text), "etape": "enregistrer"})
    assert saved.status_code == 303
    done = client.get(saved.headers["location"]).text
    assert "après le prochain entraînement" in done and 'href="/console/entrainement"' in done
    assert '    - text: "À bientôt !"\n' in (servers.settings.project_dir / "domain.yml").read_text()


def test_unknown_things_are_not_found(servers: Servers) -> None:
    client = signed_in(servers.base)
    for path in ("/console/contenus/partenaire/nobody", "/console/contenus/fichier/communes.yml",
                 "/console/contenus/reponse/utter_nothing", "/console/contenus/autre/charter.yml"):
        assert client.get(path).status_code == 404, path


def test_a_path_out_of_the_knowledge_base_is_not_found_and_not_read(servers: Servers) -> None:
    """Sanic does not decode %2F in a path parameter, so these never reach editor(); its rule on such keys is
    tested in tests/test_staff_content.py."""
    client = signed_in(servers.base)
    outside = servers.settings.knowledge_dir.parent / "settings.py"
    outside.write_text("SECRET = 'not for the console'\n")
    for path in ("/console/contenus/fichier/..%2Fsettings.py",
                 "/console/contenus/fichier/tutorials%2F..%2F..%2Fsettings.py",
                 "/console/contenus/fichier/tutorials%2F..%2F..%2Fproject%2Fdomain.yml"):
        answer = client.get(path)
        assert b"..%2F" in answer.request.url.raw_path  # sent as written: httpx normalises a plain ../ away
        assert answer.status_code == 404 and "SECRET" not in answer.text and "responses" not in answer.text, path


def test_staff_search_the_partners_and_page_through_them(servers: Servers) -> None:
    client = signed_in(servers.base)
    found = client.get("/console/contenus", params={"q": "chinon", "page": "abc"})
    assert found.status_code == 200 and problems(found.text) == []
    assert 'href="/console/contenus/partenaire/caf-chinon">CAF de Touraine – permanence de Chinon' in found.text
    assert f'href="{PARTNER_PAGE}"' not in found.text and "3 partenaires trouvés sur" in found.text
    assert 'href="/console/contenus/fichier/charter.yml"' in found.text  # the other groups stay as they were
    absent = client.get("/console/contenus", params={"absents": "1", "page": "7"})
    assert absent.status_code == 200 and "Aucun partenaire ne correspond" in absent.text
    assert problems(absent.text) == [] and 'name="absents" type="checkbox" value="1" checked' in absent.text
    assert signed_in(servers.base).get("/console/contenus?q=%00%FF").status_code == 200
