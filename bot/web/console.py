"""The staff console under /console/: sign-in and sign-out, then for signed-in staff only the messages patrons
wrote that the assistant did not understand well (/console/incompris).

A session is a random token in an HttpOnly, SameSite=Strict cookie limited to /console/ (Secure when the public
address is HTTPS). Every form carries a CSRF token: the session's, or before sign-in the one of a cookie
(double submit). Refused: a page without a session is sent to the sign-in page; an action gets 403."""
from __future__ import annotations

import hmac
import secrets
from datetime import datetime, timedelta, timezone
from functools import wraps
from typing import Any, Awaitable, Callable, Optional

from sanic import Blueprint
from sanic.exceptions import Forbidden
from sanic.request import Request
from sanic.response import HTTPResponse, redirect

from bot.booking.database import engine_for
from bot.settings import Settings
from bot.staff.accounts import SignedIn, SignInRefused, StaffAccounts
from bot.staff.inbox import grouped, unclear_messages
from bot.web.pages import page

SESSION_COOKIE = "console_session"
SIGN_IN_COOKIE = "console_sign_in"  # the CSRF token of the sign-in form
SIGN_IN_PAGE = "/console/connexion"
PRIVATE = {"Cache-Control": "no-store", "X-Robots-Tag": "noindex"}
INBOX_DAYS = {"1": 1, "7": 7, "30": 30, "90": 90}  # periods the inbox offers (`?jours=`), in days

Handler = Callable[..., Awaitable[HTTPResponse]]


def same(given: Optional[str], expected: Optional[str]) -> bool:
    """Both present and equal, compared in constant time."""
    return bool(given and expected) and hmac.compare_digest(given.encode(), expected.encode())


def console_pages(settings: Settings) -> Blueprint:
    console = Blueprint("console", url_prefix="/console")
    accounts = StaffAccounts(settings.booking_database_url)
    tracker_store = engine_for(settings.tracker_store_url)
    secure = settings.public_web_url.startswith("https://")

    def set_cookie(response: HTTPResponse, name: str, value: str) -> None:
        response.cookies[name] = value
        for key, setting in (("httponly", True), ("samesite", "Strict"), ("secure", secure), ("path", "/console/")):
            response.cookies[name][key] = setting

    def clear_cookie(response: HTTPResponse, name: str) -> None:
        set_cookie(response, name, "")
        response.cookies[name]["max-age"] = 0

    def private(response: HTTPResponse) -> HTTPResponse:
        response.headers.update(PRIVATE)
        return response

    def staff_only(handler: Handler) -> Handler:
        """The handler for signed-in staff (given as `staff`); forms must echo the session's CSRF token."""
        @wraps(handler)
        async def guarded(request: Request, *args: Any, **kwargs: Any) -> HTTPResponse:
            staff = accounts.signed_in(request.cookies.get(SESSION_COOKIE))
            if staff is None:
                if request.method != "GET":
                    raise Forbidden("Connectez-vous d'abord.")
                return private(redirect(SIGN_IN_PAGE, status=303))
            if request.method != "GET" and not same(request.form.get("csrf"), staff.csrf_token):
                raise Forbidden("Formulaire périmé : rechargez la page.")
            return private(await handler(request, *args, staff=staff, **kwargs))
        return guarded

    def sign_in_form(request: Request, status: int = 200, error: str = "") -> HTTPResponse:
        token = request.cookies.get(SIGN_IN_COOKIE) or secrets.token_urlsafe(32)
        response = page("console/sign_in.html", status=status, csrf=token, error=error,
                        email=request.form.get("email", "") if request.method == "POST" else "")
        set_cookie(response, SIGN_IN_COOKIE, token)
        return private(response)

    @console.get("/connexion")
    async def sign_in_page(request: Request) -> HTTPResponse:
        return sign_in_form(request)

    @console.post("/connexion")
    async def sign_in(request: Request) -> HTTPResponse:
        if not same(request.form.get("csrf"), request.cookies.get(SIGN_IN_COOKIE)):
            return sign_in_form(request, 403, "Le formulaire a expiré. Recommencez, s'il vous plaît.")
        try:
            token = accounts.sign_in(request.form.get("email", ""), request.form.get("password", ""),
                                     request.remote_addr or request.ip)
        except SignInRefused as refused:
            return sign_in_form(request, 429 if refused.limited else 401,
                                "Trop d'essais. Réessayez dans 15 minutes." if refused.limited
                                else "Adresse e-mail ou mot de passe incorrect.")
        response = redirect("/console/", status=303)
        set_cookie(response, SESSION_COOKIE, token)
        clear_cookie(response, SIGN_IN_COOKIE)
        return private(response)

    @console.post("/deconnexion")
    @staff_only
    async def sign_out(request: Request, staff: SignedIn) -> HTTPResponse:
        accounts.sign_out(request.cookies[SESSION_COOKIE])
        response = redirect(SIGN_IN_PAGE, status=303)
        clear_cookie(response, SESSION_COOKIE)
        return response

    @console.get("/")
    @staff_only
    async def home(request: Request, staff: SignedIn) -> HTTPResponse:
        return page("console/home.html", staff=staff)

    @console.get("/incompris")
    @staff_only
    async def inbox(request: Request, staff: SignedIn) -> HTTPResponse:
        days = INBOX_DAYS.get(request.args.get("jours", ""), INBOX_DAYS["30"])
        since = datetime.now(timezone.utc) - timedelta(days=days)
        return page("console/inbox.html", staff=staff, days=days, choices=INBOX_DAYS,
                    groups=grouped(unclear_messages(tracker_store, since)))

    @console.listener("after_server_stop")
    async def close(*_: Any) -> None:
        accounts.close()
        tracker_store.dispose()

    return console
