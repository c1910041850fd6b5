"""Security headers of every response of the web server.

Nothing of ours is ever shown in a frame: the chat widget is a script that other sites' pages include, and it builds
its panel in their page. So every response forbids framing (the staff console under /console/ too), and only the
widget's two files may be loaded by other sites."""
from __future__ import annotations

from typing import Any, Callable, Coroutine
from urllib.parse import urlsplit

from sanic.request import Request
from sanic.response import BaseHTTPResponse

WIDGET_FILES = frozenset({"/static/widget.js", "/static/widget.css"})  # included by other sites' pages
PERMISSIONS = "camera=(), microphone=(), geolocation=(), payment=(), usb=(), display-capture=()"
COMMON = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "Permissions-Policy": PERMISSIONS,
    "Cross-Origin-Opener-Policy": "same-origin",
}
WIDGET = {"Cross-Origin-Resource-Policy": "cross-origin", "Access-Control-Allow-Origin": "*"}
OWN = {"Cross-Origin-Resource-Policy": "same-origin"}


def content_security_policy(chat_url: str) -> str:
    """Our pages run our own scripts and styles only, talk to us and to Rasa's REST channel only, and are never
    framed."""
    chat = urlsplit(chat_url)
    chat_origin = f" {chat.scheme}://{chat.netloc}" if chat.netloc else ""
    return ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; "
            f"connect-src 'self'{chat_origin}; object-src 'none'; base-uri 'self'; form-action 'self'; "
            "frame-ancestors 'none'")


def security_headers(chat_url: str) -> Callable[[Request, BaseHTTPResponse], Coroutine[Any, Any, None]]:
    """A response middleware adding the headers; those a route set itself (an illustration's CSP) stay."""
    headers = {**COMMON, "Content-Security-Policy": content_security_policy(chat_url)}

    async def add_headers(request: Request, response: BaseHTTPResponse) -> None:
        for name, value in {**headers, **(WIDGET if request.path in WIDGET_FILES else OWN)}.items():
            response.headers.setdefault(name, value)

    return add_headers
