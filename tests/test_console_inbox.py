"""Teaching from the inbox over HTTP, on the real web server with a copy of the project and messages in our
tracker store: assign a group, dismiss, undo, create an intent; CSRF, wrong values and HTML handled. The server is
shared by the module's tests: each works on messages of its own and undoes only its own decisions, in any order."""
from __future__ import annotations

import asyncio
import re
import shutil
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path
from typing import Iterator
from zoneinfo import ZoneInfo

import httpx
import pytest
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from sqlalchemy import create_engine, text, update

from bot.privacy.tracker_store import RedactingSQLTrackerStore
from bot.settings import ROOT
from bot.staff.accounts import StaffAccounts
from bot.staff.inbox.messages import key_of
from bot.staff.models import InboxDecision
from bot.web.console.inbox import SERVER_FAILED
from tests.support.console import PASSWORD, browser, csrf_of, signed_in
from tests.support.html_check import problems
from tests.support.web import web_server

pytestmark = pytest.mark.stack  # the web server runs, on a free port

NAVIGO = ("comment on recharge le pass navigo", "Comment on recharge le Pass Navigo ?")
NOISE = "<script>alert(1)</script> mon voisin fait trop de bruit"
CANTEEN = "je dois payer la cantine de ma fille sur internet"
GARDEN = "ou est le jardin partagé de la ville"
LEISURE = "inscrire mon fils au centre de loisirs sur internet"
LATE = "la ludotheque ouvre a quelle heure le dimanche"  # written at 23:30 UTC yesterday: today in Paris
TUTORIALS = "data/nlu/tutorials.yml"


@dataclass(frozen=True)
class Console:
    """The web server's address, its copy of the project and its application database."""

    base: str
    project: Path
    database_url: str


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Console]:
    project = tmp_path_factory.mktemp("project")
    for name in ("config.yml", "domain.yml", "data", "heldout", "knowledge_base"):
        (shutil.copytree if (ROOT / name).is_dir() else shutil.copy)(ROOT / name, project / name)
    with web_server(tmp_path_factory.mktemp("var"), BOOKING_DATABASE_URL="", PROJECT_DIR=str(project),
                    KNOWLEDGE_DIR=str(project / "knowledge_base")) as settings:
        accounts = StaffAccounts(settings.booking_database_url)
        accounts.add("lea@mediatheque.fr", "Léa", "admin", PASSWORD)
        accounts.add("sam@mediatheque.fr", "Sam", "mediator", PASSWORD)
        accounts.close()
        store = RedactingSQLTrackerStore(Domain.empty(), host=settings.tracker_store_url)
        now = datetime.now(timezone.utc).timestamp()
        for sender, (text, at) in enumerate([*((text, now - 60) for text in (*NAVIGO, NOISE, CANTEEN, GARDEN)),
                                              (LATE, late_yesterday().timestamp())]):
            asyncio.run(store.save(DialogueStateTracker.from_events(str(sender), [UserUttered(
                text, intent={"name": "nlu_fallback", "confidence": 0.1}, timestamp=at)])))
        yield Console(settings.url(settings.web_port, ""), project, settings.booking_database_url)


def late_yesterday() -> datetime:
    """23:30 UTC yesterday: 00:30 or 01:30 today in Paris."""
    return datetime.combine(date.today() - timedelta(days=1), time(23, 30), timezone.utc)


def send(client: httpx.Client, action: str, texts: dict[str, str], **fields: str) -> httpx.Response:
    """A group's form as the inbox shows it, each message checked with its text to teach."""
    csrf = csrf_of(client.get("/console/incompris").text)
    data = {"csrf": csrf, "groupe": key_of(next(iter(texts))), "jours": "30",
            "choisi": [str(i) for i in range(len(texts))],
            **{f"message-{i}": written for i, written in enumerate(texts)},
            **{f"texte-{i}": taught for i, taught in enumerate(texts.values())}, **fields}
    return client.post(f"/console/incompris/{action}", data=data)


def test_a_group_of_two_is_taught_leaves_the_inbox_and_can_be_undone(server: Console) -> None:
    base, project = server.base, server.project
    client = signed_in(base)
    inbox = client.get("/console/incompris").text
    assert '<option value="learn_formulaire_en_ligne">Apprendre : remplir un formulaire en ligne</option>' in inbox
    assert '<option value="greet">Dire bonjour</option>' in inbox
    assert f'name="message-1" value="{NAVIGO[1]}"' in inbox and 'name="choisi" value="1" checked' in inbox
    assert problems(inbox) == [] and "Enlevez aussi les noms des personnes et les adresses." in inbox
    original = (project / TUTORIALS).read_bytes()
    taught = send(client, "apprendre", {NAVIGO[0]: "comment on recharge le pass navigo en ligne",
                                        NAVIGO[1]: NAVIGO[1]}, intent="learn_formulaire_en_ligne")
    assert taught.status_code == 303
    page = client.get(taught.headers["location"]).text
    assert "2 exemples ajoutés" in page and 'href="/console/entrainement"' in page
    assert "Pass Navigo ?" not in page
    lines = (project / TUTORIALS).read_text().splitlines()
    assert {"    - comment on recharge le pass navigo en ligne", f"    - {NAVIGO[1]}"} <= set(lines)
    decided = client.get("/console/incompris/traites").text
    assert "« comment on recharge le pass navigo en ligne »" in decided and "Léa" in decided
    assert "Appris : Apprendre : remplir un formulaire en ligne" in decided and problems(decided) == []
    ours = "|".join(re.escape(text) for text in ("comment on recharge le pass navigo en ligne", NAVIGO[1]))
    for decision in re.findall(rf'/console/incompris/traites/(\d+)/annuler"[^«]*« (?:{ours}) »', decided):
        undone = client.post(f"/console/incompris/traites/{decision}/annuler", data={"csrf": csrf_of(decided)})
        assert undone.status_code == 303
    assert "l'exemple est retiré" in client.get(undone.headers["location"]).text
    assert (project / TUTORIALS).read_bytes() == original
    assert "Pass Navigo ?" in client.get("/console/incompris").text  # back in the inbox


def test_a_dismissed_message_is_escaped_and_listed_as_not_taught(server: Console) -> None:
    base, project = server.base, server.project
    client = signed_in(base, "sam@mediatheque.fr")  # mediators teach too
    inbox = client.get("/console/incompris").text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in inbox and "<script>" not in inbox
    before = (project / TUTORIALS).read_bytes()
    dismissed = send(client, "ignorer", {NOISE: NOISE})
    assert dismissed.status_code == 303
    assert "1 message mis de côté" in client.get(dismissed.headers["location"]).text
    decided = client.get("/console/incompris/traites").text
    assert "« &lt;script&gt;alert(1)&lt;/script&gt; mon voisin fait trop de bruit »" in decided
    assert "Pas appris" in decided and "Sam" in decided and "<script>" not in decided
    assert "voisin" not in client.get("/console/incompris").text
    assert (project / TUTORIALS).read_bytes() == before
    decision = re.search(r"/console/incompris/traites/(\d+)/annuler\"[^«]*« &lt;script", decided).group(1)
    undone = client.post(f"/console/incompris/traites/{decision}/annuler", data={"csrf": csrf_of(decided)})
    assert "Le message revient dans la liste" in client.get(undone.headers["location"]).text
    assert "voisin" in client.get("/console/incompris").text and (project / TUTORIALS).read_bytes() == before


def test_wrong_values_and_forged_forms_change_nothing(server: Console) -> None:
    base, project = server.base, server.project
    client = signed_in(base)
    before = {path: path.read_bytes() for path in project.rglob("*.yml")}
    unknown = send(client, "apprendre", {GARDEN: GARDEN}, intent="learn_jardinage")
    assert unknown.status_code == 422
    assert "Rien n'a été enregistré" in unknown.text and "Choisissez une demande dans la liste." in unknown.text
    assert 'aria-invalid="true"' in unknown.text and problems(unknown.text) == []
    heldout = send(client, "apprendre", {GARDEN: "c koi un dossier sur l'ordi et comment jen cree un"},
                   intent="learn_ordinateur_bases")
    assert heldout.status_code == 422 and "sert à tester l&#39;assistant" in heldout.text
    assert 'value="c koi un dossier sur l&#39;ordi et comment jen cree un"' in heldout.text  # kept as typed
    forged = client.post("/console/incompris/apprendre", data={
        "csrf": "forged", "message-0": GARDEN, "texte-0": GARDEN, "choisi": "0", "intent": "library_info"})
    assert forged.status_code == 403
    csrf = csrf_of(client.get("/console/incompris").text)
    for decision in ("999", "99999999999999999999", "abc"):  # none, too large for any integer, not a number
        assert client.post(f"/console/incompris/traites/{decision}/annuler", data={"csrf": csrf}).status_code == 404
    assert browser(base).post("/console/incompris/traites/abc/annuler").status_code == 403  # the guard first
    assert {path: path.read_bytes() for path in project.rglob("*.yml")} == before
    assert "jardin partagé" in client.get("/console/incompris").text


def test_a_new_intent_is_created_from_a_message(server: Console) -> None:
    base, project = server.base, server.project
    client = signed_in(base)
    created = send(client, "nouvelle-demande", {CANTEEN: CANTEEN}, nom="La cantine en ligne",
                   besoin="learn:formulaire_en_ligne")
    assert created.status_code == 303
    page = client.get(created.headers["location"]).text
    assert "« Apprendre : remplir un formulaire en ligne — La cantine en ligne » est créée" in page
    assert '<option value="learn_la_cantine_en_ligne">' in page
    assert "learn_la_cantine_en_ligne: formulaire_en_ligne" in (project / "knowledge_base/charter.yml").read_text()
    assert f"    - {CANTEEN}" in (project / "data/nlu/staff.yml").read_text()


def test_undoing_the_last_example_of_a_new_intent_removes_the_intent(server: Console) -> None:
    client = signed_in(server.base)
    before = {path: path.read_bytes() for path in server.project.rglob("*.yml")}
    created = send(client, "nouvelle-demande", {LEISURE: LEISURE}, nom="Le centre de loisirs",
                   besoin="learn:formulaire_en_ligne")
    assert created.status_code == 303
    decided = client.get("/console/incompris/traites").text
    decision = re.search(rf'/console/incompris/traites/(\d+)/annuler"[^«]*« {LEISURE} »', decided).group(1)
    undone = client.post(f"/console/incompris/traites/{decision}/annuler", data={"csrf": csrf_of(decided)})
    assert undone.status_code == 303
    page = client.get(undone.headers["location"]).text
    assert ("La demande « Apprendre : remplir un formulaire en ligne — Le centre de loisirs » est retirée"
            in page and problems(page) == [])
    assert {path: path.read_bytes() for path in server.project.rglob("*.yml")} == before


def test_a_database_that_fails_writes_no_file_and_says_so_in_french(server: Console) -> None:
    client = signed_in(server.base)
    before = {path: path.read_bytes() for path in server.project.rglob("*.yml")}
    engine = create_engine(server.database_url, future=True)
    with engine.begin() as connection:
        connection.execute(text("CREATE TRIGGER refused BEFORE INSERT ON inbox_decisions "
                                "BEGIN SELECT RAISE(ABORT, 'disk I/O error'); END"))
    try:
        failed = send(client, "apprendre", {GARDEN: GARDEN + " pres de la mairie"}, intent="library_info")
    finally:
        with engine.begin() as connection:
            connection.execute(text("DROP TRIGGER refused"))
        engine.dispose()
    assert failed.status_code == 500 and SERVER_FAILED.replace("'", "&#39;") in failed.text
    assert "disk I/O" not in failed.text and problems(failed.text) == []
    assert {path: path.read_bytes() for path in server.project.rglob("*.yml")} == before


def test_dates_are_those_of_paris(server: Console) -> None:
    client = signed_in(server.base)
    today = late_yesterday().astimezone(ZoneInfo("Europe/Paris")).strftime("%d/%m/%Y")
    inbox = client.get("/console/incompris").text
    assert f"le dernier le {today}." in inbox.split(f"« {LATE} »")[1].split("<form")[0]
    dismissed = send(client, "ignorer", {LATE: LATE})
    engine = create_engine(server.database_url, future=True)
    with engine.begin() as connection:
        connection.execute(update(InboxDecision).where(InboxDecision.key == key_of(LATE)).values(
            decided_at=late_yesterday()))
    engine.dispose()
    decided = client.get("/console/incompris/traites").text
    assert f"<td>{today}</td>" in decided.split(f"« {LATE} »")[1].split("</tr>")[0]
    decision = re.search(rf'traites/(\d+)/annuler"[^«]*« {LATE}', decided).group(1)
    assert dismissed.status_code == client.post(f"/console/incompris/traites/{decision}/annuler",
                                                data={"csrf": csrf_of(decided)}).status_code == 303


def test_a_file_rasa_refuses_is_named_in_french_without_rasas_words(server: Console) -> None:
    client = signed_in(server.base)
    path = server.project / TUTORIALS
    original = path.read_bytes()
    path.write_text(original.decode().replace("- intent: learn_email\n", "- intent: learn_email\n  colour: blue\n"))
    try:
        refused = send(client, "apprendre", {GARDEN: "mon mail marche plus depuis hier soir"}, intent="learn_email")
    finally:
        path.write_bytes(original)
    assert refused.status_code == 422
    assert "Le fichier tutorials.yml ne se lit plus : rien n&#39;est écrit." in refused.text
    assert "colour" not in refused.text and "validate" not in refused.text and str(server.project) not in refused.text


def test_each_field_has_its_own_name_and_each_error_points_to_its_field(server: Console) -> None:
    client = signed_in(server.base)
    inbox = client.get("/console/incompris").text
    group = key_of(NAVIGO[0])[:12]
    for position in ("0", "1"):
        assert (f'aria-labelledby="{group}-texte-{position}-nom {group}-choisi-{position}-nom"' in inbox
                and f'id="{group}-choisi-{position}-nom"' in inbox)
    unchecked = send(client, "apprendre", {NAVIGO[0]: NAVIGO[0]}, intent="learn_email", choisi=[])
    assert f'<fieldset id="{group}-messages" aria-describedby="{group}-messages-erreur">' in unchecked.text
    assert f'id="{group}-messages-erreur"' in unchecked.text and f'href="#{group}-messages"' in unchecked.text
    unnamed = send(client, "nouvelle-demande", {NAVIGO[0]: NAVIGO[0]}, nom="?!", besoin="learn:formulaire_en_ligne")
    assert unnamed.status_code == 422 and f'href="#{group}-label"' in unnamed.text
    assert f'id="{group}-label-erreur">Erreur : Le nom doit contenir des lettres ou des chiffres.' in unnamed.text
    gone = send(client, "apprendre", {"un message qui n'est plus dans la liste": "bonjour"}, intent="nowhere")
    assert gone.status_code == 422 and "Choisissez une demande dans la liste." in gone.text
    assert 'href="#' not in gone.text.split('class="error-summary"')[1].split("</div>")[0]
    assert [problems(page.text) for page in (unchecked, unnamed, gone)] == [[], [], []]
