"""Answers and knowledge (/console/contenus): staff edit the assistant's responses and the knowledge base.

Each edit goes: the form, « Vérifier » (the problems, or the change line by line), « Enregistrer » (checked again,
saved only if the file did not change since the form was opened)."""
from __future__ import annotations

import asyncio
import logging
from typing import Any, Mapping, Sequence
from urllib.parse import urlencode

from sanic import Blueprint
from sanic.exceptions import NotFound
from sanic.request import Request
from sanic.response import HTTPResponse, redirect

from bot.booking.store import BookingStore
from bot.db.engines import EngineSource
from bot.settings import Settings
from bot.staff.content.editors import Edit, catalogue, editor, publish, stranded
from bot.staff.content.edits import Conflict, Problem, Version, diff, read, save
from bot.staff.content.places import Listing, listing
from bot.web.console.guard import Guard, SignedIn
from bot.web.pages import page

log = logging.getLogger(__name__)
SAVE, CHANGE = "enregistrer", "modifier"  # the steps after « Vérifier », as the form's buttons send them
SAVED = "enregistre"  # the page after a save says so


def routes(console: Blueprint, guard: Guard, settings: Settings, engines: EngineSource) -> None:
    bookings = BookingStore(settings.booking_database_url, engines=engines)

    @console.get("/contenus")
    @guard.staff_only
    async def contents(request: Request, staff: SignedIn) -> HTTPResponse:
        """Every group, the partners a page at a time: `q` searches them, `absents` keeps those absent from their
        latest import, `page` is the page's number."""
        partners = await asyncio.to_thread(listing, settings.knowledge_dir, request.args.get("q", "")[:200],
                                           bool(request.args.get("absents")), page_number(request.args.get("page")))
        groups = await asyncio.to_thread(catalogue, settings, partners.places)
        return page("console/content.html", staff=staff, groups=groups, partners=partners,
                    address=lambda number: address(partners, number))

    @console.route("/contenus/<kind>/<key:path>", methods=["GET", "POST"])
    @guard.staff_only
    async def edit(request: Request, kind: str, key: str, staff: SignedIn) -> HTTPResponse:
        """Every file read, parsed, checked or written in a thread: YAML and the checks take from milliseconds to
        a second or two, not on the event loop."""
        found = await asyncio.to_thread(editor, kind, key, settings)
        if found is None:
            raise NotFound(f"nothing to edit at {kind}/{key}")
        current = await asyncio.to_thread(read, found.path)
        if request.method == "GET":
            values = await asyncio.to_thread(found.values, current.text)
            return form(staff, found, values, current.version, saved=bool(request.args.get(SAVED)))
        values = {field.name: request.form.get(field.name, "") for field in found.fields}
        if request.form.get("version") != current.version:
            return await asyncio.to_thread(conflict, staff, found, current, values)
        step = request.form.get("etape")
        if step == CHANGE:
            return form(staff, found, values, current.version)
        after = await asyncio.to_thread(found.apply, current.text, values)
        if after == current.text:
            return form(staff, found, values, current.version, unchanged=True)
        problems = await asyncio.to_thread(found.problems, current.text, after)
        if problems:
            return form(staff, found, values, current.version, problems=problems, status=422)
        if step != SAVE:
            return form(staff, found, values, current.version, changes=diff(current.text, after),
                        stranded=await asyncio.to_thread(stranded, found, after, bookings))
        return await saved(request, staff, found, values, current, after)

    async def saved(request: Request, staff: SignedIn, found: Edit, values: Mapping[str, str], current: Version,
                    after: str) -> HTTPResponse:
        """Save (unless someone else did meanwhile) and publish; the page says if the database could not follow."""
        try:
            await asyncio.to_thread(save, found.path, after, current.version)
        except Conflict:
            return await asyncio.to_thread(conflict, staff, found, await asyncio.to_thread(read, found.path), values)
        # The account's number only: names and e-mails stay out of the logs (bot/privacy/logs.py).
        log.info("staff account %d saved %s", staff.account_id, found.file)
        if not await asyncio.to_thread(publish, found, bookings):
            return form(staff, found, values, (await asyncio.to_thread(read, found.path)).version, saved=True,
                        unpublished=True)
        return redirect(f"{request.path}?{SAVED}=1", status=303)


def page_number(typed: Any) -> int:
    """The page asked for; the first when it is not a number (the listing brings it within its pages)."""
    return int(typed) if isinstance(typed, str) and typed.isascii() and typed.isdigit() and len(typed) < 9 else 1


def address(partners: Listing, number: int) -> str:
    """The address of a page of the partners the listing found, with its search."""
    query = {"q": partners.query, "absents": "1" if partners.only_absent else "", "page": str(number)}
    return "/console/contenus?" + urlencode({name: value for name, value in query.items() if value}) + "#partenaires"


def form(staff: SignedIn, edit: Edit, values: Mapping[str, str], version: str, status: int = 200,
         problems: Sequence[Problem] = (), **context: Any) -> HTTPResponse:
    """The edit page: the form, with its problems (each also next to its field), or the changes to confirm, or a
    message, as `context` says."""
    errors: dict[str, list[Problem]] = {}
    for problem in problems:
        if problem.field:
            errors.setdefault(problem.field, []).append(problem)
    return page("console/content_edit.html", status=status, staff=staff, edit=edit, values=values, version=version,
                problems=problems, errors=errors, **context)


def conflict(staff: SignedIn, edit: Edit, current: Version, values: Mapping[str, str]) -> HTTPResponse:
    """Someone else saved the file meanwhile: its current version in the form, and what this person's change would
    do to it, so that nothing they typed is lost."""
    mine = diff(current.text, edit.apply(current.text, values))
    return form(staff, edit, edit.values(current.text), current.version, status=409, conflict=mine)
