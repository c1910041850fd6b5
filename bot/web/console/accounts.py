"""Staff accounts, for admins only (/console/comptes): the list, creating an account, changing its name, role
and mediator, a new password, deactivating and reactivating it."""
from __future__ import annotations

import logging
from typing import Callable, Optional

from sanic import Blueprint
from sanic.request import Request
from sanic.response import HTTPResponse, redirect

from bot.booking.store import BookingStore
from bot.db.engines import EngineSource
from bot.settings import Settings
from bot.staff.accounts import AccountError, AccountNotFound
from bot.staff.models import ADMIN
from bot.web.console.guard import SIGN_IN_PAGE, Guard, SignedIn, one_row, whole_number
from bot.web.pages import page

log = logging.getLogger(__name__)
ADMINS = (ADMIN,)
SAVED = {"details": "name, role and mediator", "password": "password", "active": "activation",
         "inactive": "activation (deactivated)"}  # what an action saved (`?enregistre=`), as logged
DIFFERENT_PASSWORDS = {"password_again": "Les deux mots de passe ne sont pas pareils. Tapez-les à nouveau."}


def routes(console: Blueprint, guard: Guard, settings: Settings, engines: EngineSource) -> None:
    accounts = guard.accounts
    store = BookingStore(settings.booking_database_url, engines=engines)  # the mediators an account may be

    def form(request: Request, name: str) -> str:
        return request.form.get(name, "") if request.method == "POST" else ""

    def mediator_names(every: bool = False, keep: Optional[str] = None) -> dict[str, str]:
        """Id → name of the active mediators; also those who left the agenda (said so) with `every`, or the one
        `keep` is (an account's own mediator, so that saving the account keeps it)."""
        return {each.id: each.first_name if each.active else f"{each.first_name} (plus dans l'agenda)"
                for each in store.mediators(every=True) if every or each.active or each.id == keep}

    def list_page(request: Request, staff: SignedIn) -> HTTPResponse:
        created = whole_number(request.args.get("cree", ""))
        return page("console/accounts.html", staff=staff, accounts=accounts.all(), mediators=mediator_names(every=True),
                    created=next((each for each in accounts.all() if each.id == created), None))

    def new_page(request: Request, staff: SignedIn, errors: dict[str, str]) -> HTTPResponse:
        values = {name: form(request, name) for name in ("email", "name", "role", "mediator")}
        return page("console/account_new.html", status=400 if errors else 200, staff=staff, errors=errors,
                    values=values, mediators=mediator_names())

    def account_page(request: Request, staff: SignedIn, account_id: int, errors: dict[str, str]) -> HTTPResponse:
        account = accounts.get(account_id)
        values = {"name": account.name, "role": account.role, "mediator": account.mediator_id or ""}
        if errors and "name" in request.form:  # the details form again, as typed
            values = {name: form(request, name) for name in values}
        saved = request.args.get("enregistre") if request.args.get("enregistre") in SAVED and not errors else ""
        return page("console/account.html", status=400 if errors else 200, staff=staff, account=account,
                    errors=errors, values=values, mediators=mediator_names(keep=account.mediator_id), saved=saved)

    def saved(request: Request, staff: SignedIn, account_id: int, change: Callable[[], object],
              what: str) -> HTTPResponse:
        """303 to the account's page saying `what` was saved after `change` (logged), or the page with the
        errors it raised."""
        try:
            change()
        except AccountError as refused:
            return account_page(request, staff, account_id, refused.problems)
        log.info("staff account %d changed the %s of account %d", staff.account_id, SAVED[what], account_id)
        return redirect(f"/console/comptes/{account_id}?enregistre={what}", status=303)

    @console.get("/comptes")
    @guard.staff_only(roles=ADMINS)
    async def everyone(request: Request, staff: SignedIn) -> HTTPResponse:
        return list_page(request, staff)

    @console.get("/comptes/nouveau")
    @guard.staff_only(roles=ADMINS)
    async def new(request: Request, staff: SignedIn) -> HTTPResponse:
        return new_page(request, staff, {})

    @console.post("/comptes/nouveau")
    @guard.staff_only(roles=ADMINS)
    async def create(request: Request, staff: SignedIn) -> HTTPResponse:
        if not _same_passwords(request):
            return new_page(request, staff, DIFFERENT_PASSWORDS)
        try:
            account = accounts.add(form(request, "email"), form(request, "name"), form(request, "role"),
                                   form(request, "password"), form(request, "mediator"))
        except AccountError as refused:
            return new_page(request, staff, refused.problems)
        log.info("staff account %d created account %d (%s)", staff.account_id, account.id, account.role)
        return redirect(f"/console/comptes?cree={account.id}", status=303)

    @console.get("/comptes/<account_id>")
    @guard.staff_only(roles=ADMINS)
    @one_row(AccountNotFound)
    async def one(request: Request, staff: SignedIn, account_id: int) -> HTTPResponse:
        return account_page(request, staff, account_id, {})

    @console.post("/comptes/<account_id>")
    @guard.staff_only(roles=ADMINS)
    @one_row(AccountNotFound)
    async def change(request: Request, staff: SignedIn, account_id: int) -> HTTPResponse:
        return saved(request, staff, account_id, lambda: accounts.change(
            staff.account_id, account_id, form(request, "name"), form(request, "role"), form(request, "mediator")),
            "details")

    @console.post("/comptes/<account_id>/mot-de-passe")
    @guard.staff_only(roles=ADMINS)
    @one_row(AccountNotFound)
    async def new_password(request: Request, staff: SignedIn, account_id: int) -> HTTPResponse:
        if not _same_passwords(request):
            return account_page(request, staff, account_id, DIFFERENT_PASSWORDS)
        response = saved(request, staff, account_id,
                         lambda: accounts.set_password(account_id, form(request, "password")), "password")
        if account_id == staff.account_id and response.status == 303:  # their own: signed in again with it
            return redirect(SIGN_IN_PAGE, status=303)
        return response

    @console.post("/comptes/<account_id>/activation")
    @guard.staff_only(roles=ADMINS)
    @one_row(AccountNotFound)
    async def activation(request: Request, staff: SignedIn, account_id: int) -> HTTPResponse:
        active = form(request, "active") == "oui"
        return saved(request, staff, account_id, lambda: accounts.set_active(staff.account_id, account_id, active),
                     "active" if active else "inactive")


def _same_passwords(request: Request) -> bool:
    return request.form.get("password", "") == request.form.get("password_again", "")
