"""Answers and knowledge (/console/contenus): staff edit the assistant's responses and the knowledge base.

Each edit goes: the form, « Vérifier » (the problems, or the change line by line), « Enregistrer » (checked again,
saved only if the file did not change since the form was opened)."""
from __future__ import annotations

import asyncio
import logging
from typing import Any, Mapping, Sequence

from sanic import Blueprint
from sanic.exceptions import NotFound
from sanic.request import Request
from sanic.response import HTTPResponse, redirect

from bot.booking.store import BookingStore
from bot.settings import Settings
from bot.staff.content import Conflict, Problem, Version, diff, read, save
from bot.staff.editors import Edit, catalogue, editor, publish
from bot.web.console.guard import Guard, SignedIn
from bot.web.pages import page

log = logging.getLogger(__name__)
SAVE, CHANGE = "enregistrer", "modifier"  # the steps after « Vérifier », as the form's buttons send them
SAVED = "enregistre"  # the page after a save says so


def routes(console: Blueprint, guard: Guard, settings: Settings) -> None:
    bookings = BookingStore(settings.booking_database_url)

    @console.get("/contenus")
    @guard.staff_only
    async def contents(request: Request, staff: SignedIn) -> HTTPResponse:
        return page("console/content.html", staff=staff, groups=catalogue(settings))

    @console.route("/contenus/<kind>/<key:path>", methods=["GET", "POST"])
    @guard.staff_only
    async def edit(request: Request, kind: str, key: str, staff: SignedIn) -> HTTPResponse:
        found = editor(kind, key, settings)
        if found is None:
            raise NotFound(f"nothing to edit at {kind}/{key}")
        current = read(found.path)
        if request.method == "GET":
            return form(staff, found, found.values(current.text), current.version, saved=bool(request.args.get(SAVED)))
        values = {field.name: request.form.get(field.name, "") for field in found.fields}
        if request.form.get("version") != current.version:
            return conflict(staff, found, current, values)
        after = found.apply(current.text, values)
        step = request.form.get("etape")
        if step == CHANGE:
            return form(staff, found, values, current.version)
        if after == current.text:
            return form(staff, found, values, current.version, unchanged=True)
        problems = await asyncio.to_thread(found.problems, current.text, after)  # a second or two: not on the loop
        if problems:
            return form(staff, found, values, current.version, problems=problems, status=422)
        if step != SAVE:
            return form(staff, found, values, current.version, changes=diff(current.text, after))
        try:
            save(found.path, after, current.version)
        except Conflict:
            return conflict(staff, found, read(found.path), values)
        # The e-mail would be masked as every log line's (bot/privacy/logs.py): the account's number and name instead.
        log.info("staff account %d (%s) saved %s", staff.account_id, staff.name, found.path)
        publish(found, bookings)
        return redirect(f"{request.path}?{SAVED}=1", status=303)

    @console.listener("after_server_stop")
    async def close(*_: Any) -> None:
        bookings.close()


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
