"""Retraining from the console on the real stack (copies of the project, its own models folder): a model made worse
by wrong teaching is trained and scored, but not put in service, and the console says why."""
from __future__ import annotations

import time

import httpx

from bot.labels import ROUTE_LABELS
from bot.services import Stack
from bot.staff.accounts import StaffAccounts
from bot.training import REJECTED_FOLDER
from tests.support.console import PASSWORD, csrf_of, signed_in

TRAINING_SECONDS = 900  # training, then scoring two models on the held-out messages, on a busy 2-core machine


def served_model(stack: Stack) -> str:
    settings = stack.settings
    return httpx.get(settings.url(settings.rasa_port, "/status"), params={"token": settings.rasa_api_token},
                     timeout=30).json()["model_file"]


def retrained(console: httpx.Client) -> str:
    """Start a training from the console, wait for its end, return the training page."""
    page = console.get("/console/entrainement")
    assert console.post("/console/entrainement", data={"csrf": csrf_of(page.text)}).status_code == 303
    deadline = time.monotonic() + TRAINING_SECONDS
    while console.get("/console/entrainement/etat").json()["running"]:
        assert time.monotonic() < deadline, "the training did not finish"
        time.sleep(2)
    return console.get("/console/entrainement").text


def test_a_model_taught_wrong_is_not_deployed_and_the_console_says_why(curated_stack: Stack) -> None:
    settings = curated_stack.settings
    accounts = StaffAccounts(settings.booking_database_url)
    accounts.add("formation@mediatheque.fr", "Sam", "mediator", PASSWORD)
    accounts.close()
    in_service = served_model(curated_stack)
    tutorials = settings.project_dir / "data" / "nlu" / "tutorials.yml"
    taught = tutorials.read_text(encoding="utf-8")
    # Someone taught that every question about e-mail is a question for the tax office.
    tutorials.write_text(taught.replace("- intent: learn_email\n", "- intent: refer_impots\n"), encoding="utf-8")
    try:
        page = retrained(signed_in(settings.url(settings.web_port, ""), "formation@mediatheque.fr"))
    finally:
        tutorials.write_text(taught, encoding="utf-8")

    assert "refusé (moins bon)" in page
    assert "Le nouveau modèle est moins bon que celui en service" in page
    assert f"« {ROUTE_LABELS['tutorial']} »" in page  # the route that lost, with old and new figures
    assert "L'assistant garde l'ancien modèle" in page
    assert served_model(curated_stack) == in_service
    assert [path.name for path in (settings.models_dir / REJECTED_FOLDER).iterdir()] != []
