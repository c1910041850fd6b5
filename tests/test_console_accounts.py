"""Staff accounts in the console on the real web server: for admins only; creating, changing, deactivating an
account and giving it a new password, every error shown in the form and nothing saved half."""
from __future__ import annotations

import re
from datetime import datetime, timezone
from html import unescape
from typing import Iterator

import httpx
import pytest

from bot.booking.models import Mediator
from bot.booking.store import BookingStore
from bot.settings import Settings
from bot.staff.accounts import StaffAccounts
from bot.staff.models import StaffAccount
from tests.support.console import PASSWORD, browser, csrf_of, signed_in
from tests.support.html_check import problems
from tests.support.web import web_server

pytestmark = pytest.mark.stack  # the web server runs, on a free port

NEW_PASSWORD = "une autre phrase assez longue"
LATE_EVENING = datetime(2026, 3, 1, 23, 30, tzinfo=timezone.utc)  # already 2 March in Paris


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Settings]:
    with web_server(tmp_path_factory.mktemp("var"), BOOKING_DATABASE_URL="") as settings:
        store = BookingStore(settings.booking_database_url)
        with store.session.begin() as session:
            session.add(Mediator(id="bruno", first_name="Bruno", active=False))  # left the agenda
        store.close()
        accounts = StaffAccounts(settings.booking_database_url, clock=lambda: LATE_EVENING)
        accounts.add("lea@mediatheque.fr", "<b>Léa</b>", "admin", PASSWORD)
        accounts.add("camille@mediatheque.fr", "Camille", "mediator", PASSWORD, "camille")
        accounts.add("bruno@mediatheque.fr", "Bruno", "mediator", PASSWORD, "bruno")
        accounts.close()
        yield settings


@pytest.fixture(scope="module")
def base(server: Settings) -> str:
    return server.url(server.web_port, "")


def followed(client: httpx.Client, response: httpx.Response) -> httpx.Response:
    """The page a 303 after an action leads to."""
    assert response.status_code == 303, response.text
    return client.get(response.headers["location"])


def account_id(client: httpx.Client, name: str) -> int:
    """The id of the account named `name` in the list."""
    return int(re.search(rf'href="/console/comptes/(\d+)">{re.escape(name)}</a>', client.get("/console/comptes").text)
               .group(1))


def create(client: httpx.Client, **fields: str) -> httpx.Response:
    form = client.get("/console/comptes/nouveau")
    values = {"email": "sam@mediatheque.fr", "name": "Sam", "role": "mediator", "mediator": "",
              "password": NEW_PASSWORD, "password_again": NEW_PASSWORD, **fields}
    return client.post("/console/comptes/nouveau", data={"csrf": csrf_of(form.text), **values})


def test_mediators_cannot_manage_accounts(base: str) -> None:
    camille = signed_in(base, "camille@mediatheque.fr")
    home = camille.get("/console/")
    assert "/console/comptes" not in home.text
    assert camille.get("/console/comptes").status_code == 403
    assert camille.get("/console/comptes/1").status_code == 403
    refused = camille.post("/console/comptes/nouveau", data={
        "csrf": csrf_of(home.text), "email": "x@mediatheque.fr", "name": "X", "role": "admin",
        "password": NEW_PASSWORD, "password_again": NEW_PASSWORD})
    assert refused.status_code == 403
    assert "x@mediatheque.fr" not in signed_in(base).get("/console/comptes").text


def test_admins_see_every_account(base: str) -> None:
    page = signed_in(base).get("/console/comptes")
    assert page.status_code == 200 and page.headers["cache-control"] == "no-store" and problems(page.text) == []
    assert "<caption>" in page.text and '<th scope="col">Rôle</th>' in page.text
    assert "&lt;b&gt;Léa&lt;/b&gt;" in page.text and "<b>Léa" not in page.text
    row = page.text.split("camille@mediatheque.fr")[1].split("</tr>")[0]
    assert all(cell in row for cell in ("Médiateur", "Camille", "Actif"))


def test_a_new_account_needs_right_values_and_the_same_password_twice(base: str) -> None:
    lea = signed_in(base)
    assert lea.post("/console/comptes/nouveau", data={"email": "sam@mediatheque.fr"}).status_code == 403  # CSRF
    different = create(lea, password_again="pas la même phrase du tout")
    assert different.status_code == 400 and "pas pareils" in unescape(different.text)
    assert 'value="sam@mediatheque.fr"' in different.text and NEW_PASSWORD not in different.text
    wrong = create(lea, email="lea@mediatheque.fr", name="", password="court", password_again="court")
    text = unescape(wrong.text)
    assert wrong.status_code == 400 and "Rien n'est enregistré" in text and problems(wrong.text) == []
    for field, why in (("email", "existe déjà"), ("name", "entre 1 et 100"), ("password", "au moins 12")):
        assert f'<li><a href="#{field}">' in wrong.text and why in text, field  # summarised at the top
        assert re.search(rf'<span class="error" id="{field}-erreur">[^<]*{why}', text), field  # and at the field
        assert re.search(rf'id="{field}" [^>]*aria-describedby="[^"]*{field}-erreur" aria-invalid="true"',
                         wrong.text), field
    assert "Sam" not in lea.get("/console/comptes").text
    posted = create(lea, mediator="yanis")
    assert re.fullmatch(r"/console/comptes\?cree=\d+", posted.headers["location"])
    created = followed(lea, posted)
    assert "Le compte de Sam est créé" in created.text and "<title>Compte créé – Comptes" in created.text
    client = browser(base)
    form = client.get("/console/connexion")
    assert client.post("/console/connexion", data={"csrf": csrf_of(form.text), "email": "sam@mediatheque.fr",
                                                   "password": NEW_PASSWORD}).status_code == 303
    assert '<option value="yanis" selected>' in client.get("/console/agenda").text


def stored(server: Settings, account: int) -> StaffAccount:
    accounts = StaffAccounts(server.booking_database_url)
    found = accounts.get(account)
    accounts.close()
    return found


def test_an_admin_changes_an_account_but_never_takes_away_their_own_rights(base: str, server: Settings) -> None:
    lea = signed_in(base)
    camille = account_id(lea, "Camille")
    page = lea.get(f"/console/comptes/{camille}")
    assert page.status_code == 200 and '<option value="camille" selected>' in page.text and problems(page.text) == []
    changed = followed(lea, lea.post(f"/console/comptes/{camille}", data={
        "csrf": csrf_of(page.text), "name": "Camille M.", "role": "admin", "mediator": ""}))
    assert "Les changements sont enregistrés." in changed.text and "<title>Enregistré – Compte de" in changed.text
    assert '<option value="admin" selected>' in changed.text and stored(server, camille).mediator_id is None
    assert "Camille M." in lea.get("/console/comptes").text
    wrong = lea.post(f"/console/comptes/{camille}", data={"csrf": csrf_of(page.text), "name": " ",
                                                          "role": "mediator", "mediator": "personne"})
    assert wrong.status_code == 400 and "Ce médiateur n&#39;existe pas." in wrong.text and problems(wrong.text) == []
    assert "Camille M." in lea.get("/console/comptes").text  # nothing saved
    own = account_id(lea, "&lt;b&gt;Léa&lt;/b&gt;")
    demote = lea.post(f"/console/comptes/{own}", data={"csrf": csrf_of(page.text), "name": "Léa",
                                                       "role": "mediator", "mediator": ""})
    assert demote.status_code == 400 and "votre propre compte" in demote.text
    assert "<title>Erreur : rien n'est enregistré – Compte de" in demote.text
    leave = lea.post(f"/console/comptes/{own}/activation", data={"csrf": csrf_of(page.text), "active": "non"})
    assert leave.status_code == 400 and "votre propre compte" in leave.text
    assert 'id="active" aria-describedby="active-aide active-erreur"' in leave.text
    assert lea.get("/console/comptes/999999").status_code == 404
    assert lea.post(f"/console/comptes/{camille}", data={"name": "X", "role": "admin"}).status_code == 403  # CSRF


def test_a_deactivated_account_is_signed_out_at_once_and_can_come_back(base: str) -> None:
    lea = signed_in(base)
    dana = create(lea, email="dana@mediatheque.fr", name="Dana", password=PASSWORD, password_again=PASSWORD)
    assert dana.status_code == 303
    session = signed_in(base, "dana@mediatheque.fr")
    assert session.get("/console/agenda").status_code == 200
    page = lea.get(f"/console/comptes/{account_id(lea, 'Dana')}")
    action = f"/console/comptes/{account_id(lea, 'Dana')}/activation"
    assert 'id="active" aria-describedby="active-aide"' in page.text
    off = followed(lea, lea.post(action, data={"csrf": csrf_of(page.text), "active": "non"}))
    assert "Le compte est désactivé." in off.text and problems(off.text) == []
    assert session.get("/console/agenda").status_code == 303  # at once, to the sign-in page
    client = browser(base)
    form = client.get("/console/connexion")
    refused = client.post("/console/connexion", data={"csrf": csrf_of(form.text), "email": "dana@mediatheque.fr",
                                                      "password": PASSWORD})
    assert refused.status_code == 401
    on = followed(lea, lea.post(action, data={"csrf": csrf_of(page.text), "active": "oui"}))
    assert "de nouveau actif" in on.text
    assert signed_in(base, "dana@mediatheque.fr").get("/console/agenda").status_code == 200


def test_an_admin_gives_someone_a_new_password(base: str) -> None:
    lea = signed_in(base)
    create(lea, email="noe@mediatheque.fr", name="Noé", password=PASSWORD, password_again=PASSWORD)
    noe = account_id(lea, "Noé")
    session = signed_in(base, "noe@mediatheque.fr")
    page = lea.get(f"/console/comptes/{noe}")
    action = f"/console/comptes/{noe}/mot-de-passe"
    short = lea.post(action, data={"csrf": csrf_of(page.text), "password": "court", "password_again": "court"})
    assert short.status_code == 400 and "au moins 12" in short.text
    long = lea.post(action, data={"csrf": csrf_of(page.text), "password": "x" * 1001, "password_again": "x" * 1001})
    assert long.status_code == 400 and "au plus 1000 caractères" in long.text and "au moins" not in long.text
    assert session.get("/console/").status_code == 200  # nothing changed
    done = followed(lea, lea.post(action, data={"csrf": csrf_of(page.text), "password": NEW_PASSWORD,
                                                "password_again": NEW_PASSWORD}))
    assert "Le mot de passe est changé." in done.text
    assert session.get("/console/").status_code == 303
    client = browser(base)
    form = client.get("/console/connexion")
    assert client.post("/console/connexion", data={"csrf": csrf_of(form.text), "email": "noe@mediatheque.fr",
                                                   "password": NEW_PASSWORD}).status_code == 303


def test_an_account_keeps_a_mediator_who_left_the_agenda(base: str, server: Settings) -> None:
    lea = signed_in(base)
    bruno = account_id(lea, "Bruno")
    page = lea.get(f"/console/comptes/{bruno}")
    assert '<option value="bruno" selected>Bruno (plus dans l&#39;agenda)</option>' in page.text
    assert "Bruno (plus dans l&#39;agenda)" in lea.get("/console/comptes").text.split("bruno@mediatheque.fr")[1]
    assert 'value="bruno"' not in lea.get("/console/comptes/nouveau").text  # never offered to a new account
    followed(lea, lea.post(f"/console/comptes/{bruno}", data={"csrf": csrf_of(page.text), "name": "Bruno B.",
                                                              "role": "mediator", "mediator": "bruno"}))
    assert stored(server, bruno).mediator_id == "bruno"


def test_dates_are_in_paris_and_every_change_is_logged_without_email_or_password(base: str,
                                                                                 server: Settings) -> None:
    lea = signed_in(base)
    listed = lea.get("/console/comptes").text
    assert "02/03/2026" in listed.split("camille@mediatheque.fr")[1].split("</tr>")[0]  # 23:30 UTC the day before
    followed(lea, create(lea, email="ines@mediatheque.fr", name="Inès"))
    ines = account_id(lea, "Inès")
    page = lea.get(f"/console/comptes/{ines}")
    for action, data in (("", {"name": "Inès", "role": "admin", "mediator": ""}),
                         ("/mot-de-passe", {"password": PASSWORD, "password_again": PASSWORD}),
                         ("/activation", {"active": "non"}), ("/activation", {"active": "oui"})):
        followed(lea, lea.post(f"/console/comptes/{ines}{action}", data={"csrf": csrf_of(page.text), **data}))
    log = (server.var_dir / "logs" / "web.log").read_text()
    own = account_id(lea, "&lt;b&gt;Léa&lt;/b&gt;")
    for done in (f"created account {ines} (mediator)", f"changed the name, role and mediator of account {ines}",
                 f"changed the password of account {ines}", f"changed the activation (deactivated) of account {ines}",
                 f"changed the activation of account {ines}"):
        assert f"staff account {own} {done}" in log, done
    assert "ines@" not in log and PASSWORD not in log and NEW_PASSWORD not in log
