"""Who may use the console: the session cookie, the CSRF token of every form, roles, and private responses.

A session is a random token in an HttpOnly, SameSite=Strict cookie limited to /console/ (Secure when the public
address is HTTPS). Every form carries a CSRF token: the session's, or before sign-in the one of a cookie
(double submit). Refused: a page without a session is sent to the sign-in page; an action gets 403; a page or
action of another role gets 403. Ids in addresses are read after the guard (`one_row`)."""
from __future__ import annotations

import hmac
import re
from functools import wraps
from typing import Any, Awaitable, Callable, Optional

from sanic.exceptions import Forbidden, NotFound
from sanic.request import Request
from sanic.response import HTTPResponse, redirect

from bot.db.engines import EngineSource
from bot.settings import Settings
from bot.staff.accounts import SignedIn, StaffAccounts
from bot.staff.models import ROLES

SESSION_COOKIE = "console_session"
SIGN_IN_PAGE = "/console/connexion"
PRIVATE = {"Cache-Control": "no-store", "X-Robots-Tag": "noindex"}
ROW_ID = re.compile(r"[0-9]{1,9}")  # an id in an address: digits, few enough for any database's integer
LARGEST = 2**31 - 1  # of the numbers in a query (a conversation's is an INTEGER of the events table)

Handler = Callable[..., Awaitable[HTTPResponse]]


def same(given: Optional[str], expected: Optional[str]) -> bool:
    """Both present and equal, compared in constant time."""
    if not given or not expected:
        return False
    return hmac.compare_digest(given.encode(), expected.encode())


def one_row(missing: type[LookupError]) -> Callable[[Handler], Handler]:
    """For a handler of one row named in the address ("/console/comptes/<account_id>"): the id given as a number.
    A wrong id, or `missing` raised by the handler, is the "not found" page. Routes take the id as text so that
    the guard answers first, whatever the address."""
    def decorate(handler: Handler) -> Handler:
        @wraps(handler)
        async def of_row(request: Request, staff: SignedIn, **ids: str) -> HTTPResponse:
            if not all(ROW_ID.fullmatch(value) for value in ids.values()):
                raise NotFound("no such row")
            try:
                return await handler(request, staff, **{name: int(value) for name, value in ids.items()})
            except missing as error:
                raise NotFound("no such row") from error
        return of_row
    return decorate


def whole_number(text: str) -> Optional[int]:
    """The number written in `text` (ASCII digits), None when it is not one or is too large."""
    return int(text) if text.isascii() and text.isdigit() and len(text) < 12 and int(text) <= LARGEST else None


def private(response: HTTPResponse) -> HTTPResponse:
    """The response, kept out of caches and search engines."""
    response.headers.update(PRIVATE)
    return response


class Guard:
    """The console's accounts and cookies, and the decorator that lets signed-in staff only through."""

    def __init__(self, settings: Settings, engines: EngineSource):
        self.accounts = StaffAccounts(settings.booking_database_url, engines=engines)
        self.secure = settings.public_web_url.startswith("https://")

    def set_cookie(self, response: HTTPResponse, name: str, value: str) -> None:
        response.cookies[name] = value
        for key, setting in (("httponly", True), ("samesite", "Strict"), ("secure", self.secure),
                             ("path", "/console/")):
            response.cookies[name][key] = setting

    def clear_cookie(self, response: HTTPResponse, name: str) -> None:
        self.set_cookie(response, name, "")
        response.cookies[name]["max-age"] = 0

    def staff_only(self, handler: Optional[Handler] = None, *, roles: tuple[str, ...] = ROLES) -> Any:
        """The handler for signed-in staff of `roles` (given as `staff`); forms must echo the session's CSRF
        token. Use as `@guard.staff_only` or `@guard.staff_only(roles=(ADMIN,))`."""
        if handler is None:
            return lambda wrapped: self.staff_only(wrapped, roles=roles)

        @wraps(handler)
        async def guarded(request: Request, *args: Any, **kwargs: Any) -> HTTPResponse:
            staff = self.accounts.signed_in(request.cookies.get(SESSION_COOKIE))
            if staff is None:
                if request.method != "GET":
                    raise Forbidden("Connectez-vous d'abord.")
                return private(redirect(SIGN_IN_PAGE, status=303))
            if request.method != "GET" and not same(request.form.get("csrf"), staff.csrf_token):
                raise Forbidden("Formulaire périmé : rechargez la page.")
            if staff.role not in roles:
                raise Forbidden("Cette page est réservée aux administrateurs.")
            return private(await handler(request, *args, staff=staff, **kwargs))
        return guarded


__all__ = ["Guard", "SESSION_COOKIE", "SIGN_IN_PAGE", "SignedIn", "one_row", "private", "same", "whole_number"]
