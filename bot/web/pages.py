"""HTML pages from the Jinja2 templates of `bot/web/templates/`."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from sanic.response import HTTPResponse, html

from bot.hours import PARIS

TEMPLATES = Environment(loader=FileSystemLoader(Path(__file__).parent / "templates"),
                        autoescape=select_autoescape(), trim_blocks=True, lstrip_blocks=True)
TEMPLATES.filters["first_upper"] = lambda text: text[:1].upper() + text[1:]  # "les e-mails" → "Les e-mails"
TEMPLATES.filters["paris"] = lambda moment, form="%d/%m/%Y à %H:%M": moment.astimezone(PARIS).strftime(form)


def page(template: str, status: int = 200, **context: Any) -> HTTPResponse:
    """The template rendered with `context`, as an HTML response."""
    return html(TEMPLATES.get_template(template).render(**context), status=status)
