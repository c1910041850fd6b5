"""What every HTML page of ours must have for accessibility, and a strict Content-Security-Policy later,
checked with the standard library's parser: `problems(page)` lists what a page misses."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Iterator, Optional, Union

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
HEADINGS = {f"h{level}" for level in range(1, 7)}
UNLABELLED_INPUTS = {"hidden", "submit", "button", "reset", "image"}  # inputs that need no label


@dataclass
class Element:
    """One element of the page, with its attributes and its children (elements and text)."""

    tag: str
    attrs: dict[str, str]
    parent: Optional[Element] = None
    children: list[Union[Element, str]] = field(default_factory=list)

    def iter(self) -> Iterator[Element]:
        """This element and every element inside it, in document order."""
        yield self
        for child in self.children:
            if isinstance(child, Element):
                yield from child.iter()

    def text(self) -> str:
        """The text inside the element, with runs of white space made single spaces."""
        parts = (child if isinstance(child, str) else child.text() for child in self.children)
        return " ".join("".join(parts).split())


class _TreeBuilder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = self.current = Element("#document", {})

    def handle_starttag(self, tag: str, attrs: list[tuple[str, Optional[str]]]) -> None:
        element = Element(tag, {name: value or "" for name, value in attrs}, self.current)
        self.current.children.append(element)
        if tag not in VOID:
            self.current = element

    def handle_endtag(self, tag: str) -> None:
        open_element = self.current
        while open_element.parent and open_element.tag != tag:
            open_element = open_element.parent
        if open_element.parent:  # ignore an end tag that closes nothing
            self.current = open_element.parent

    def handle_data(self, data: str) -> None:
        self.current.children.append(data)


def parse(page: str) -> Element:
    """The page as a tree of elements."""
    builder = _TreeBuilder()
    builder.feed(page)
    builder.close()
    return builder.root


def _needs_label(element: Element) -> bool:
    """A form control without aria-label or aria-labelledby, which then needs a <label for>."""
    control = element.tag in ("select", "textarea") or (
        element.tag == "input" and element.attrs.get("type", "text") not in UNLABELLED_INPUTS)
    return control and not (element.attrs.get("aria-label") or element.attrs.get("aria-labelledby"))


def problems(page: str) -> list[str]:
    """What the page misses, one sentence each; empty when it passes every check."""
    elements = list(parse(page).iter())
    found = []
    html = next((element for element in elements if element.tag == "html"), None)
    if html is None or html.attrs.get("lang") != "fr":
        found.append('no <html lang="fr">')
    headings = [int(element.tag[1]) for element in elements if element.tag in HEADINGS]
    if headings.count(1) != 1 or headings[:1] != [1]:
        found.append(f"the first heading must be the one <h1>; headings are {headings}")
    found += [f"<h{level}> after <h{before}> skips a level"
              for before, level in zip(headings, headings[1:]) if level > before + 1]
    ids = [element.attrs["id"] for element in elements if "id" in element.attrs]
    found += [f"id {name!r} used twice" for name in sorted({name for name in ids if ids.count(name) > 1})]
    labelled = {element.attrs.get("for") for element in elements if element.tag == "label"}
    for element in elements:
        if element.tag == "img" and not element.attrs.get("alt", "").strip():
            found.append(f"<img src={element.attrs.get('src')!r}> without alt text")
        if _needs_label(element) and element.attrs.get("id") not in labelled:
            found.append(f"<{element.tag} name={element.attrs.get('name')!r}> without a label")
        if element.tag == "button" and not (element.text() or element.attrs.get("aria-label")):
            found.append("<button> without text")
        if element.tag == "script" and element.text():
            found.append("inline <script> content")
        found += [f"<{element.tag} {name}=...>: inline event handler"
                  for name in element.attrs if name.startswith("on")]
        if element.tag == "style" or "style" in element.attrs:
            found.append(f"<{element.tag}>: inline style")
    first_link = next((element.attrs.get("href", "") for element in elements if element.tag == "a"), "")
    if not (first_link.startswith("#") and first_link[1:] in ids):
        found.append("the first link must skip to the content (href=\"#<id of the main content>\")")
    return found


def markdown_text(markdown: str) -> str:
    """What a reader sees of inline Markdown: no `**`, link texts without their address, single spaces."""
    return " ".join(re.sub(r"\[([^\]]+)\]\([^)]*\)", r"\1", markdown.replace("**", "")).split())


def step_texts(page: str) -> list[str]:
    """The text of a tutorial page's steps, the `<li id="etape-N">` items of an `<ol>`, in order."""
    steps = [element for element in parse(page).iter() if element.attrs.get("id", "").startswith("etape-")]
    assert [step.attrs["id"] for step in steps] == [f"etape-{number}" for number in range(1, len(steps) + 1)]
    assert all(step.tag == "li" and step.parent.tag == "ol" for step in steps)
    return [step.text() for step in steps]
