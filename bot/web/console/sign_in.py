"""Signing in and out of the console."""
from __future__ import annotations

import secrets

from sanic import Blueprint
from sanic.request import Request
from sanic.response import HTTPResponse, redirect

from bot.db.engines import EngineSource
from bot.settings import Settings
from bot.staff.accounts import SignInRefused
from bot.web.console.guard import SESSION_COOKIE, SIGN_IN_PAGE, Guard, SignedIn, private, same
from bot.web.pages import page

SIGN_IN_COOKIE = "console_sign_in"  # the CSRF token of the sign-in form


def routes(console: Blueprint, guard: Guard, settings: Settings, engines: EngineSource) -> None:
    def sign_in_form(request: Request, status: int = 200, error: str = "") -> HTTPResponse:
        token = request.cookies.get(SIGN_IN_COOKIE) or secrets.token_urlsafe(32)
        response = page("console/sign_in.html", status=status, csrf=token, error=error,
                        email=request.form.get("email", "") if request.method == "POST" else "")
        guard.set_cookie(response, SIGN_IN_COOKIE, token)
        return private(response)

    @console.get("/connexion")
    async def sign_in_page(request: Request) -> HTTPResponse:
        return sign_in_form(request)

    @console.post("/connexion")
    async def sign_in(request: Request) -> HTTPResponse:
        if not same(request.form.get("csrf"), request.cookies.get(SIGN_IN_COOKIE)):
            return sign_in_form(request, 403, "Le formulaire a expiré. Recommencez, s'il vous plaît.")
        try:
            token = guard.accounts.sign_in(request.form.get("email", ""), request.form.get("password", ""),
                                           request.remote_addr or request.ip)
        except SignInRefused as refused:
            return sign_in_form(request, 429 if refused.limited else 401,
                                "Trop d'essais. Réessayez dans 15 minutes." if refused.limited
                                else "Adresse e-mail ou mot de passe incorrect.")
        response = redirect("/console/", status=303)
        guard.set_cookie(response, SESSION_COOKIE, token)
        guard.clear_cookie(response, SIGN_IN_COOKIE)
        return private(response)

    @console.post("/deconnexion")
    @guard.staff_only
    async def sign_out(request: Request, staff: SignedIn) -> HTTPResponse:
        guard.accounts.sign_out(request.cookies[SESSION_COOKIE])
        response = redirect(SIGN_IN_PAGE, status=303)
        guard.clear_cookie(response, SESSION_COOKIE)
        return response
