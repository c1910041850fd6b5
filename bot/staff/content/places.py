"""The partner places as the console lists them: tens of thousands once a territory is imported, so searched and
shown a page at a time, from what the knowledge loader keeps (a page view reads no partner file it already has)."""
from __future__ import annotations

import logging
import math
import os
import re
import threading
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Mapping, Optional, Sequence

from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError

from bot.knowledge import KnowledgeError, Partner, partners, topics
from bot.knowledge.reloading import Stamp, stamp
from bot.matching import name_words

log = logging.getLogger(__name__)
PER_PAGE = 50
FEW = 20  # files changed since the last page view that are read alone; more, and the knowledge loader gives them
FOLDER = "partners"
NAME = r"[A-Za-z0-9_-]+"  # a file name the console edits: no dot, no slash (nothing outside its folder)
PARTNER_KEY = re.compile(NAME)  # fullmatch
Entry = tuple[str, int, int, int]  # a file's part of a Stamp: path, inode, modification time, size


@dataclass(frozen=True)
class Place:
    """One partner file as listed: `form` when the console's partner form opens it (its YAML has a `nom`), else
    staff fix its whole text."""

    key: str  # the file name without .yml
    name: str  # its `nom`, or the file name
    commune: str
    postcode: str
    kind: str  # the partner kind's id, "" when unknown
    absent_since: Optional[date]
    form: bool
    words: str = field(init=False, repr=False, compare=False)  # what a search looks in: " word word…"
    order: tuple[list[str], str] = field(init=False, repr=False, compare=False)  # by name, then file name

    def __post_init__(self) -> None:
        object.__setattr__(self, "words", _words(self.name, self.commune, self.postcode, self.key))
        object.__setattr__(self, "order", (name_words(self.name), self.key))


@dataclass(frozen=True)
class Listing:
    """One page of the places a search found."""

    places: Sequence[Place]
    number: int  # this page's, from 1
    pages: int  # at least 1, even when nothing was found
    found: int  # places found, over every page
    total: int  # places in the knowledge base
    absent: int  # of them, absent from their latest import
    query: str
    only_absent: bool
    kind_labels: Mapping[str, str]

    @property
    def previous(self) -> Optional[int]:
        return self.number - 1 if self.number > 1 else None

    @property
    def next(self) -> Optional[int]:
        return self.number + 1 if self.number < self.pages else None

    @property
    def nearby(self) -> list[Optional[int]]:
        """The pages to link to: the first, the last, and two either side of this one; None where pages are
        left out."""
        shown = sorted({1, self.pages, *range(max(1, self.number - 2), min(self.pages, self.number + 2) + 1)})
        out: list[Optional[int]] = []
        for before, number in zip([0, *shown], shown):
            out += [None, number] if number > before + 1 else [number]
        return out


@dataclass
class _Folder:
    """The places of one folder, each kept with the stamp of its file until the file changes."""

    files: dict[str, tuple[Entry, Place]] = field(default_factory=dict)
    sorted: list[Place] = field(default_factory=list)


_FOLDERS: dict[Path, _Folder] = {}
_LOCK = threading.Lock()  # pages are made in threads (asyncio.to_thread)


def places(knowledge: Path) -> list[Place]:
    """Every partner file the console edits, sorted by name. Files new or changed since the last call are taken
    from the knowledge loader (which keeps them for every caller of the process), but a file the loader could not
    use (broken, or changed into a broken one) is read alone, as are the few files staff saved since the last call.
    Files that did not change are not read again."""
    folder = knowledge / FOLDER
    inside = str(folder)
    files = [entry for entry in stamp(folder) if _editable(inside, entry[0])]
    with _LOCK:
        kept = _FOLDERS.setdefault(folder, _Folder())
        changed = [entry for entry in files if kept.files.get(entry[0], (None,))[0] != entry]
        gone = set(kept.files) - {entry[0] for entry in files}
        if len(changed) > FEW or (changed and not kept.files):  # an import, or the first page view
            loaded, source = _loaded(folder)
        else:  # a few files saved: read alone, rather than every file again by the loader
            loaded, source = {}, ()
        good = set(source)
        for entry in changed:
            partner = loaded.get(Path(entry[0]).stem)
            place = _from_partner(partner) if partner is not None and entry in good else _read_place(entry[0])
            kept.files[entry[0]] = (entry, place)
        for file in gone:
            del kept.files[file]
        if changed or gone or len(kept.sorted) != len(kept.files):
            kept.sorted = sorted((place for _, place in kept.files.values()), key=lambda place: place.order)
        return kept.sorted


def listing(knowledge: Path, query: str = "", only_absent: bool = False, number: int = 1,
            per_page: int = PER_PAGE) -> Listing:
    """The page `number` (brought within the pages there are) of the places whose name, commune, postcode, kind
    or file name has every word of `query` (a word finds the words it starts: « tour » finds Tours), tolerant of
    case, accents and « st »; only those absent from their latest import if `only_absent`."""
    everything = places(knowledge)
    labels = kind_labels(knowledge)
    kinds = {kind: _words(label) for kind, label in labels.items()}
    wanted = _query_words(query)
    found = [place for place in everything
             if (place.absent_since is not None or not only_absent)
             and all(f" {word}" in place.words + kinds.get(place.kind, "") for word in wanted)]
    pages = max(1, math.ceil(len(found) / per_page))
    number = min(max(number, 1), pages)
    return Listing(found[(number - 1) * per_page:number * per_page], number, pages, len(found), len(everything),
                   sum(place.absent_since is not None for place in everything), query.strip(), only_absent, labels)


def kind_labels(knowledge: Path) -> dict[str, str]:
    """The partner kinds' names in topics.yml; none when it cannot be read (the ids are shown)."""
    try:
        return {str(kind): label for kind, label in topics(knowledge / "topics.yml").partner_kinds.items()}
    except KnowledgeError:
        return {}


def _loaded(folder: Path) -> tuple[dict[str, Partner], Stamp]:
    """The loader's places by id, and the stamp of the files they come from; none when it never loaded."""
    try:
        loaded, source = partners.kept(folder)
    except KnowledgeError as error:
        log.warning("the partner places cannot be loaded, the console reads their files: %s", error)
        return {}, ()
    return {partner.id: partner for partner in loaded}, source


def _editable(folder: str, file: str) -> bool:
    """A file right in the folder whose name the console edits: `NAME.yml`."""
    directory, name = os.path.split(file)
    return directory == folder and name.endswith(".yml") and PARTNER_KEY.fullmatch(name[:-4]) is not None


def _words(*texts: str) -> str:
    """The texts' words as name_words writes them, each after a space, a search finding a word by its start; with
    apostrophes joining words and splitting them: « l'atelier » is found as « latelier » and « atelier »."""
    text = " ".join(texts)
    return "".join(f" {word}" for word in dict.fromkeys(name_words(text) + _query_words(text)))


def _query_words(text: str) -> list[str]:
    return name_words(text.replace("'", " ").replace("’", " "))


def _from_partner(partner: Partner) -> Place:
    return Place(partner.id, partner.nom, partner.commune, partner.code_postal, partner.kind, partner.absent_since,
                 True)


def _read_place(file: str) -> Place:
    """A place from its file alone, as far as it can be read: the console still lists a broken file."""
    path = Path(file)
    try:
        document: Any = YAML(typ="rt").load(path.read_text(encoding="utf-8"))
    except (YAMLError, ValueError, OSError):  # ValueError: not UTF-8, or a date that does not exist
        document = None
    if not isinstance(document, dict):
        return Place(path.stem, path.stem, "", "", "", None, False)

    def text(key: str) -> str:
        value = document.get(key)
        return str(value) if value not in (None, "") and not isinstance(value, (dict, list)) else ""

    absent = document.get("absent_since")
    return Place(path.stem, text("nom") or path.stem, text("commune"), text("code_postal"), text("kind"),
                 absent if isinstance(absent, date) else None, bool(document.get("nom")))
