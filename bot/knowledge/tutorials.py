"""The tutorial catalogue: `knowledge_base/tutorials/<id>.md`, front matter, numbered steps, illustrations."""
from __future__ import annotations

import re
from pathlib import Path
from typing import List, Literal, get_args
from xml.etree import ElementTree

from pydantic import BaseModel, ConstrainedInt, ConstrainedStr, Field

from bot.contract import THEMES, Theme
from bot.knowledge.fields import Text
from bot.knowledge.files import KnowledgeError, parse_yaml, read_text, validate

SLUG = r"[a-z0-9]+(-[a-z0-9]+)*"  # lower case, digits and hyphens: tutorial ids, illustration names
Level = Literal["debutant", "intermediaire", "avance"]
LEVELS: tuple[Level, ...] = get_args(Level)  # simplest first
Device = Literal["smartphone", "ordinateur", "tablette"]
FRONT_MATTER = re.compile(r"\A---\n(.*?)\n---\n", re.DOTALL)
STEP = re.compile(r"^\d+\.\s+(\S.*)$")
STEPS_HEADING = "## Étapes"
INTERNAL_LINK = re.compile(r"\]\(/tutoriels/([^)#?\s]+)\)")
IMAGE = re.compile(r"!\[([^\]]*)\]\(\s*([^)\s]*)")
IMAGES_FOLDER = "images"  # illustrations, beside the Markdown files
IMAGE_NAME = re.compile(rf"{SLUG}\.svg")
MIN_STEPS, MAX_STEPS = 3, 15


class Slug(ConstrainedStr):
    """Lower case words and digits joined by hyphens."""

    regex = rf"^{SLUG}$"


class Minutes(ConstrainedInt):
    """A tutorial's duration: three hours at most."""

    gt = 0
    le = 180


class FrontMatter(BaseModel, extra="forbid"):
    """What a tutorial's front matter may hold; steps and body come from the Markdown below it."""

    id: Slug
    theme: Theme
    level: Level
    title: Text
    duration: Minutes
    objectives: List[Text] = Field(min_items=1)
    prerequisites: List[Text] = []
    keywords: List[Text] = Field(min_items=1)
    devices: List[Device] = Field(min_items=1)


class Tutorial(FrontMatter):
    """One tutorial: its front matter, plus the steps and body read from the Markdown."""

    steps: List[str] = []
    body: str = ""


def load_tutorial(path: Path) -> Tutorial:
    """Read one tutorial file; errors name the file and the line."""
    return parse_tutorial(read_text(path), path)


def parse_tutorial(text: str, path: Path) -> Tutorial:
    """One tutorial from the text of its file at `path`."""
    match = FRONT_MATTER.match(text)
    if not match:
        raise KnowledgeError(f"{path}:1: une fiche commence par son en-tête, entre deux lignes '---'")
    front = validate(parse_yaml(match.group(1), path, first_line=2), FrontMatter, path, first_line=2)
    if front.id != path.stem:
        raise KnowledgeError(f"{path}:2: id « {front.id} » doit être le nom du fichier « {path.stem} »")
    problems = _image_problems(text, path)
    if problems:
        raise KnowledgeError("\n".join(problems))
    body = text[match.end():]
    steps = _steps(body, path, first_line=text[:match.end()].count("\n") + 1)
    return Tutorial(**front.dict(), steps=steps, body=body)


def illustration_size(path: Path) -> tuple[int, int]:
    """Width and height in pixels that an SVG illustration declares on its root element."""
    root = ElementTree.parse(path).getroot()
    if root.tag != "{http://www.w3.org/2000/svg}svg":
        raise ValueError(f"{path}: not an SVG")
    return int(root.get("width", "")), int(root.get("height", ""))


def _image_problems(text: str, path: Path) -> List[str]:
    """Every Markdown image needs an alt text and an SVG of the images folder that gives its size."""
    problems = []
    for line_number, line in enumerate(text.splitlines(), start=1):
        for alt, target in IMAGE.findall(line):
            folder, _, name = target.partition("/")
            if not alt.strip():
                problems.append(f"{path}:{line_number}: image « {target} » sans texte de remplacement (entre [ ])")
            if folder != IMAGES_FOLDER or not IMAGE_NAME.fullmatch(name):
                problems.append(f"{path}:{line_number}: image « {target} » : "
                                f"elle doit être {IMAGES_FOLDER}/<nom>.svg")
                continue
            try:
                illustration_size(path.parent / target)
            except FileNotFoundError:
                problems.append(f"{path}:{line_number}: image « {target} » introuvable")
            except (ElementTree.ParseError, ValueError):
                problems.append(f"{path}:{line_number}: image « {target} » : elle doit être un SVG avec une largeur "
                                f"et une hauteur en pixels")
    return problems


def _steps(body: str, path: Path, first_line: int) -> List[str]:
    lines = body.splitlines()
    if STEPS_HEADING not in lines:
        raise KnowledgeError(f"{path}:{first_line}: il manque la partie '{STEPS_HEADING}'")
    start = lines.index(STEPS_HEADING)
    steps = []
    for line in lines[start + 1:]:
        if line.startswith("## "):
            break
        found = STEP.match(line)
        if found:
            steps.append(found.group(1))
    if not MIN_STEPS <= len(steps) <= MAX_STEPS:
        raise KnowledgeError(f"{path}:{first_line + start}: {len(steps)} étapes numérotées ; il en faut "
                             f"{MIN_STEPS} à {MAX_STEPS}")
    return steps


def load_catalogue(folder: Path) -> List[Tutorial]:
    """Every tutorial of the folder, checked together: every theme covered, no broken link.

    Ids are unique because each must be its file's name.
    """
    texts = {path: read_text(path) for path in sorted(folder.glob("*.md"))}
    problems, tutorials = [], []
    for path, text in texts.items():
        try:
            tutorials.append(parse_tutorial(text, path))
        except KnowledgeError as error:
            problems.append(str(error))
    if problems:
        raise KnowledgeError("\n".join(problems))
    ids = {tutorial.id for tutorial in tutorials}
    for path, text in texts.items():
        for line_number, line in enumerate(text.splitlines(), start=1):
            problems += [f"{path}:{line_number}: link to unknown tutorial {target!r}"
                         for target in INTERNAL_LINK.findall(line) if target not in ids]
    missing = sorted(set(THEMES) - {tutorial.theme for tutorial in tutorials})
    if missing:
        problems.append(f"{folder}: aucune fiche pour les thèmes {', '.join(missing)}")
    if problems:
        raise KnowledgeError("\n".join(problems))
    return tutorials
