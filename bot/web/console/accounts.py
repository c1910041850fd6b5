"""Staff accounts, for admins only (/console/comptes): the list, creating an account, changing its name, role
and mediator, a new password, deactivating and reactivating it."""
from __future__ import annotations

from typing import Any, Callable

from sanic import Blueprint
from sanic.request import Request
from sanic.response import HTTPResponse, redirect

from bot.booking.store import BookingStore
from bot.settings import Settings
from bot.staff.accounts import AccountError, AccountNotFound
from bot.staff.models import ADMIN
from bot.web.console.guard import SIGN_IN_PAGE, Guard, SignedIn, one_row
from bot.web.pages import page

ADMINS = (ADMIN,)
DIFFERENT_PASSWORDS = {"password_again": "Les deux mots de passe ne sont pas pareils. Tapez-les à nouveau."}


def routes(console: Blueprint, guard: Guard, settings: Settings) -> None:
    accounts = guard.accounts
    store = BookingStore(settings.booking_database_url)  # the mediators an account may be

    def form(request: Request, name: str) -> str:
        return request.form.get(name, "") if request.method == "POST" else ""

    def list_page(staff: SignedIn, **context: Any) -> HTTPResponse:
        return page("console/accounts.html", staff=staff, accounts=accounts.all(),
                    mediators={each.id: each.first_name for each in store.mediators()}, **context)

    def new_page(request: Request, staff: SignedIn, errors: dict[str, str]) -> HTTPResponse:
        values = {name: form(request, name) for name in ("email", "name", "role", "mediator")}
        return page("console/account_new.html", status=400 if errors else 200, staff=staff, errors=errors,
                    values=values, mediators=store.mediators())

    def account_page(request: Request, staff: SignedIn, account_id: int, errors: dict[str, str],
                     **context: Any) -> HTTPResponse:
        account = accounts.get(account_id)
        values = {"name": account.name, "role": account.role, "mediator": account.mediator_id or ""}
        if errors and "name" in request.form:  # the details form again, as typed
            values = {name: form(request, name) for name in values}
        return page("console/account.html", status=400 if errors else 200, staff=staff, account=account,
                    errors=errors, values=values, mediators=store.mediators(), **context)

    def saved(request: Request, staff: SignedIn, account_id: int, change: Callable[[], object],
              what: str) -> HTTPResponse:
        """The account's page after `change`, saying `what` was saved, or with the errors it raised."""
        try:
            change()
        except AccountError as refused:
            return account_page(request, staff, account_id, refused.problems)
        return account_page(request, staff, account_id, {}, saved=what)

    @console.get("/comptes")
    @guard.staff_only(roles=ADMINS)
    async def everyone(request: Request, staff: SignedIn) -> HTTPResponse:
        return list_page(staff)

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
        return list_page(staff, created=account)

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
        if account_id == staff.account_id and response.status == 200:  # their own: signed in again with it
            return redirect(SIGN_IN_PAGE, status=303)
        return response

    @console.post("/comptes/<account_id>/activation")
    @guard.staff_only(roles=ADMINS)
    @one_row(AccountNotFound)
    async def activation(request: Request, staff: SignedIn, account_id: int) -> HTTPResponse:
        active = form(request, "active") == "oui"
        return saved(request, staff, account_id, lambda: accounts.set_active(staff.account_id, account_id, active),
                     "active" if active else "inactive")

    @console.listener("after_server_stop")
    async def close(*_: Any) -> None:
        store.close()


def _same_passwords(request: Request) -> bool:
    return request.form.get("password", "") == request.form.get("password_again", "")
