"""The tutorial pages: `/tutoriels/` searches the catalogue, `/tutoriels/<id>` shows one fiche,
`/tutoriels/images/<name>.svg` serves its illustrations."""
from __future__ import annotations

from pathlib import Path

from markdown_it import MarkdownIt
from markdown_it.token import Token
from markupsafe import Markup
from sanic import Blueprint
from sanic.exceptions import NotFound
from sanic.request import Request
from sanic.response import HTTPResponse, file, redirect

from bot.channels.cleaning import clean
from bot.contract import THEMES
from bot.knowledge import Tutorial, topics, tutorials
from bot.knowledge.tutorials import IMAGE_NAME, IMAGES_FOLDER, LEVELS, STEPS_HEADING, illustration_size
from bot.tutorials.search import search
from bot.web.pages import page

MARKDOWN = MarkdownIt("commonmark", {"html": False})  # HTML written in a fiche is shown as text, never run
IMAGES_URL = "/tutoriels/images/"
SVG_HEADERS = {"Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'"}
DEVICES = {"smartphone": "téléphone", "ordinateur": "ordinateur", "tablette": "tablette"}


def render_body(tutorial: Tutorial, images: Path) -> tuple[Markup, Markup]:
    """The fiche's body as HTML: its introduction, then its sections.

    Steps become `<li id="etape-N">` of `<ol class="steps">`; illustrations get their address,
    size and lazy loading.
    """
    tokens = MARKDOWN.parse(tutorial.body)
    _mark_steps(tokens)
    for image in (child for token in tokens for child in token.children or () if child.type == "image"):
        name = Path(str(image.attrGet("src"))).name
        width, height = illustration_size(images / name)
        image.attrs.update(src=IMAGES_URL + name, width=str(width), height=str(height), loading="lazy")
    first_heading = next(index for index, token in enumerate(tokens) if token.type == "heading_open")

    def html(part: list[Token]) -> Markup:
        return Markup(MARKDOWN.renderer.render(part, MARKDOWN.options, {}))

    return html(tokens[:first_heading]), html(tokens[first_heading:])


def _mark_steps(tokens: list[Token]) -> None:
    """Give the class `steps` to the first numbered list after the steps heading, `etape-N` ids to its items."""
    heading = next(index for index, token in enumerate(tokens)
                   if token.type == "heading_open" and f"{token.markup} {tokens[index + 1].content}" == STEPS_HEADING)
    start = next(index for index in range(heading, len(tokens)) if tokens[index].type == "ordered_list_open")
    steps = tokens[start]
    steps.attrSet("class", "steps")
    number = 0
    for token in tokens[start + 1:]:
        if token.type == "ordered_list_close" and token.level == steps.level:
            break
        if token.type == "list_item_open" and token.level == steps.level + 1:
            number += 1
            token.attrSet("id", f"etape-{number}")


def tutorial_pages(knowledge_dir: Path) -> Blueprint:
    """The tutorial pages over the catalogue and the topic labels of `knowledge_dir`, as they are now: a fiche
    saved in the console shows at once."""
    folder = knowledge_dir / "tutorials"
    rendered: dict[str, tuple[Tutorial, tuple[Markup, Markup]]] = {}  # id: the fiche and its body, rendered once

    def catalogue() -> dict[str, Tutorial]:
        return {tutorial.id: tutorial for tutorial in tutorials(folder)}

    def body(tutorial: Tutorial) -> tuple[Markup, Markup]:
        if tutorial.id not in rendered or rendered[tutorial.id][0] is not tutorial:
            rendered[tutorial.id] = tutorial, render_body(tutorial, folder / IMAGES_FOLDER)
        return rendered[tutorial.id][1]

    def label(target: str) -> str:
        return topics(knowledge_dir / "topics.yml").label(target)

    for tutorial in catalogue().values():  # a fiche that cannot be shown stops the start, not a patron's visit
        body(tutorial)
    blueprint = Blueprint("tutorials", url_prefix="/tutoriels", strict_slashes=True)

    @blueprint.get("")
    async def index_without_slash(request: Request) -> HTTPResponse:
        return redirect("/tutoriels/", status=301)

    @blueprint.get("/")
    async def index(request: Request) -> HTTPResponse:
        query = clean(request.args.get("q", ""))
        theme = request.args.get("theme") if request.args.get("theme") in THEMES else None
        level = request.args.get("niveau") if request.args.get("niveau") in LEVELS else None
        return page("tutorials.html", found=search(catalogue().values(), query, theme, level), query=query,
                    theme=theme, level=level, themes=THEMES, levels=LEVELS, label=label,
                    searching=bool(query or theme or level))

    @blueprint.get("/<tutorial_id>")
    async def show(request: Request, tutorial_id: str) -> HTTPResponse:
        fiches = catalogue()
        tutorial = fiches.get(tutorial_id)
        if tutorial is None:
            raise NotFound(f"no tutorial {tutorial_id!r}")
        intro, sections = body(tutorial)
        others = [other for other in search(fiches.values(), theme=tutorial.theme) if other.id != tutorial.id]
        return page("tutorial.html", tutorial=tutorial, intro=intro, sections=sections, others=others, label=label,
                    devices=", ".join(DEVICES[device] for device in tutorial.devices))

    @blueprint.get("/images/<name>")
    async def image(request: Request, name: str) -> HTTPResponse:
        path = folder / IMAGES_FOLDER / name
        if not IMAGE_NAME.fullmatch(name) or not path.is_file():
            raise NotFound(f"no image {name!r}")
        return await file(path, mime_type="image/svg+xml", headers=SVG_HEADERS)

    return blueprint
