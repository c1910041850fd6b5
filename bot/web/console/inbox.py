"""The inbox pages: messages patrons wrote that the assistant did not understand well (/console/incompris), each
group taught as an intent's examples, a new intent, or left out; and the decisions already taken, which can be
undone (/console/incompris/traites)."""
from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any, Callable, Optional
from urllib.parse import urlencode

from sanic import Blueprint
from sanic.request import Request
from sanic.response import HTTPResponse, redirect
from sqlalchemy.exc import SQLAlchemyError

from bot.db.engines import EngineSource
from bot.settings import Settings
from bot.staff.inbox.examples import TeachingError
from bot.staff.inbox.messages import grouped, unclear_messages, undecided
from bot.staff.inbox.teacher import Message, Refused, Teacher, Undone
from bot.web.console.guard import Guard, SignedIn, one_row
from bot.web.pages import page

INBOX = "/console/incompris"
DECIDED = "/console/incompris/traites"
INBOX_DAYS = {"1": 1, "7": 7, "30": 30, "90": 90}  # periods the inbox offers (`?jours=`), in days
DEFAULT_DAYS = "30"
SERVER_FAILED = ("Le serveur n'a pas pu enregistrer. Réessayez dans un moment ; si cela recommence, prévenez la "
                 "personne qui s'occupe de l'assistant.")
log = logging.getLogger(__name__)


@dataclass
class Sent:
    """A group's form as staff sent it, to show it again with what was wrong."""

    group: str = ""  # the group's key
    chosen: list[str] = field(default_factory=list)  # the positions of the messages checked, in order
    texts: dict[str, str] = field(default_factory=dict)  # position -> text to teach
    intent: str = ""
    label: str = ""
    place: str = ""
    errors: dict[str, str] = field(default_factory=dict)  # field name -> problem


def sent(request: Request) -> Sent:
    form = request.form
    positions = sorted((key.removeprefix("message-") for key in form
                        if key.startswith("message-") and key.removeprefix("message-").isdigit()), key=int)
    checked = form.getlist("choisi", [])
    return Sent(form.get("groupe", ""), [position for position in positions if position in checked],
                {position: form.get(f"texte-{position}", "") for position in positions},
                form.get("intent", ""), form.get("nom", ""), form.get("besoin", ""))


def messages(request: Request, form: Sent) -> list[Message]:
    return [Message(request.form.get(f"message-{position}", ""), form.texts[position]) for position in form.chosen]


def server_failed(error: Exception) -> str:
    """What staff read when the files or the database failed; the details go to the log."""
    log.error("inbox: %s", error, exc_info=error)
    return SERVER_FAILED


def period(request: Request) -> str:
    days = request.form.get("jours") if request.method == "POST" else request.args.get("jours")
    return days if days in INBOX_DAYS else DEFAULT_DAYS


def routes(console: Blueprint, guard: Guard, settings: Settings, engines: EngineSource) -> None:
    tracker_store = engines(settings.tracker_store_url)
    teacher = Teacher(settings, engines)

    def inbox_page(staff: SignedIn, days: str, status: int = 200, form: Optional[Sent] = None,
                   **done: Any) -> HTTPResponse:
        since = datetime.now(timezone.utc) - timedelta(days=INBOX_DAYS[days])
        groups = grouped(undecided(unclear_messages(tracker_store, since), teacher.decisions.keys()))
        return page("console/inbox.html", status=status, staff=staff, days=INBOX_DAYS[days], choices=INBOX_DAYS,
                    groups=groups, catalogue=teacher.catalogue(), form=form or Sent(), done=done)

    def decided_page(staff: SignedIn, status: int = 200, **context: Any) -> HTTPResponse:
        return page("console/inbox_decided.html", status=status, staff=staff, decisions=teacher.decisions.recent(),
                    catalogue=teacher.catalogue(), **context)

    async def decide(request: Request, staff: SignedIn, apply: Callable[[Sent, list[Message]], Any],
                     done: Callable[[Any], dict[str, Any]]) -> HTTPResponse:
        """Apply a group's form in a thread (files and Rasa's reader take a second); the inbox again with the
        problems, or the inbox saying what was done."""
        form, days = sent(request), period(request)
        try:
            result = await asyncio.to_thread(apply, form, messages(request, form))
        except Refused as refused:
            form.errors = {f"texte-{form.chosen[key]}" if isinstance(key, int) else key: problem
                           for key, problem in refused.fields.items()}
            return inbox_page(staff, days, 422, form)
        except TeachingError as error:
            form.errors = {"form": str(error)}
            return inbox_page(staff, days, 422, form)
        except (OSError, SQLAlchemyError) as error:
            form.errors = {"form": server_failed(error)}
            return inbox_page(staff, days, 500, form)
        return redirect(f"{INBOX}?{urlencode({'jours': days, **done(result)})}", status=303)

    @console.get("/incompris")
    @guard.staff_only
    async def inbox(request: Request, staff: SignedIn) -> HTTPResponse:
        done = {key: request.args.get(key) for key in ("appris", "ignores", "demande")
                if request.args.get(key, "").replace("_", "").isalnum()}
        return inbox_page(staff, period(request), **done)

    @console.post("/incompris/apprendre")
    @guard.staff_only
    async def assign(request: Request, staff: SignedIn) -> HTTPResponse:
        return await decide(request, staff, lambda form, chosen: teacher.assign(staff.account_id, form.intent, chosen),
                            lambda added: {"appris": added})

    @console.post("/incompris/nouvelle-demande")
    @guard.staff_only
    async def create(request: Request, staff: SignedIn) -> HTTPResponse:
        return await decide(request, staff,
                            lambda form, chosen: teacher.create(staff.account_id, form.place, form.label, chosen),
                            lambda name: {"demande": name})

    @console.post("/incompris/ignorer")
    @guard.staff_only
    async def dismiss(request: Request, staff: SignedIn) -> HTTPResponse:
        return await decide(request, staff, lambda form, chosen: teacher.dismiss(staff.account_id, chosen),
                            lambda left_out: {"ignores": left_out})

    def undone(decision_id: int) -> Optional[dict[str, str]]:
        """Undo the decision; what the page then says: what was done, and the intent as staff read it when it is
        removed. None if there is no such decision."""
        decided = teacher.decisions.get(decision_id)
        label = teacher.catalogue().label(decided.intent) if decided and decided.intent else ""
        done = teacher.undo(decision_id)
        return None if done is None else {"annule": done.value, **({"demande": label} if done is Undone.INTENT else {})}

    @console.get("/incompris/traites")
    @guard.staff_only
    async def decided(request: Request, staff: SignedIn) -> HTTPResponse:
        return decided_page(staff, undone=request.args.get("annule"), removed=request.args.get("demande"))

    @console.post("/incompris/traites/<decision_id>/annuler")
    @guard.staff_only
    @one_row(LookupError)
    async def undo(request: Request, staff: SignedIn, decision_id: int) -> HTTPResponse:
        try:
            done = await asyncio.to_thread(undone, decision_id)
        except TeachingError as error:
            return decided_page(staff, 422, problem=str(error))
        except (OSError, SQLAlchemyError) as error:
            return decided_page(staff, 500, problem=server_failed(error))
        if done is None:
            raise LookupError(decision_id)
        return redirect(f"{DECIDED}?{urlencode(done)}", status=303)
