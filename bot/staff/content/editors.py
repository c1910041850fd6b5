"""What staff can edit in the console and the form of each: a partner's most changed fields, a response's texts,
or a whole knowledge file. YAML is written back round-trip: every other line and comment stays as it was."""
from __future__ import annotations

import io
import logging
import re
import string
from abc import ABC, abstractmethod
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Mapping, Optional, Sequence

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import YAMLError
from ruamel.yaml.scalarstring import ScalarString
from sqlalchemy.exc import SQLAlchemyError

from bot.booking.models import Booking
from bot.booking.slots import Slot
from bot.booking.store import BookingStore
from bot.hours import PARIS
from bot.knowledge import KnowledgeError, Sites, sites
from bot.knowledge.files import line_of, parse_yaml, validate
from bot.knowledge.tutorials import FRONT_MATTER
from bot.settings import Settings
from bot.staff.content.edits import Problem, domain_problems, knowledge_problems
from bot.staff.content.places import NAME, PARTNER_KEY, Place, places

log = logging.getLogger(__name__)
BRACES = ("Une accolade { ou } est seule : l'assistant ne pourrait pas envoyer ce texte. Retirez-la, ou gardez "
          "{nom} tel quel.")
EMPTY = "Écrivez un texte : l'assistant ne peut pas envoyer un message vide."
SHORT = 80  # characters of a response's first text that name it in the console
TEXT_KEY = re.compile(rf"tutorials/{NAME}\.md|partners/{NAME}\.yml|charter\.yml|sites\.yml|topics\.yml")  # fullmatch
PLACEHOLDER = re.compile(r"\{(\w+)\}")  # what actions fill in a response: {label}, {phone}
HOURS_HELP = ("Écrivez les horaires comme OpenStreetMap : jours en anglais (Mo Tu We Th Fr Sa Su), heures sur "
              "24 heures, « ; » entre deux règles, « PH off » : fermé les jours fériés. Exemples : "
              "« Mo-Fr 09:00-12:00,14:00-17:00; PH off » ou « Tu,Th 14:00-18:00; Sa 10:00-12:00 ».")
FILE_HELP = {
    "tutorials": "La fiche commence par ses informations entre deux lignes « --- » (titre, thème, niveau...). "
                 "Puis le texte, avec une partie « ## Étapes » de 3 à 15 étapes numérotées.",
    "partners": "Une information par ligne : son nom, deux-points, sa valeur. Les numéros de téléphone et les codes "
                "s'écrivent entre guillemets.",
    "charter.yml": "La charte : les besoins que l'assistant sert, ce qu'il refuse de faire et ce qu'il ne demande "
                   "jamais.",
    "sites.yml": "Les bibliothèques (sites), les médiateurs, leurs permanences de chaque semaine (availability) "
                 "et les fermetures (closures). Les dates s'écrivent 2026-12-24.",
    "topics.yml": "Les noms des thèmes, des sortes de partenaires et des niveaux, tels que les usagers les lisent.",
}
FILES = {"charter.yml": ("Charte", "La charte de l'aidant"),  # file: its group and its name in the console
         "sites.yml": ("Sites et rendez-vous", "Sites, médiateurs, permanences et fermetures"),
         "topics.yml": ("Thèmes", "Noms des thèmes, des sortes de partenaires et des niveaux")}


@dataclass(frozen=True)
class Field:
    """A field of an edit form; `rows` > 1 makes it a text area."""

    name: str
    label: str
    help: str = ""
    rows: int = 1
    required: bool = True
    listed: bool = False  # a YAML list, one item per line of the text area


class Edit(ABC):
    """One thing staff edit: the file it changes, its form, how the form changes the file's text, the checks."""

    kind = ""  # the console address part: /console/contenus/<kind>/<key>
    fields: tuple[Field, ...] = ()

    def __init__(self, folder: Path, file: str, key: str, name: str):
        self.path, self.file, self.key, self.name = folder / file, file, key, name  # file: relative to its folder

    @abstractmethod
    def values(self, text: str) -> dict[str, str]:
        """The form's values for the file's text."""

    @abstractmethod
    def apply(self, text: str, values: Mapping[str, str]) -> str:
        """The file's text changed by the form's values."""

    @abstractmethod
    def problems(self, before: str, after: str) -> list[Problem]:
        """What stops the change from `before` to `after`; empty when it can be saved."""


class TextEdit(Edit):
    """A whole knowledge file in a text area."""

    kind = "fichier"

    def __init__(self, knowledge_dir: Path, key: str, name: str):
        super().__init__(knowledge_dir, key, key, name)
        self.knowledge_dir = knowledge_dir
        self.fields = (Field("texte", f"Texte du fichier {key}", FILE_HELP[key.split("/")[0]], rows=30),)

    def values(self, text: str) -> dict[str, str]:
        return {"texte": text}

    def apply(self, text: str, values: Mapping[str, str]) -> str:
        typed = values.get("texte", "").replace("\r\n", "\n")
        return typed if typed.endswith("\n") else typed + "\n"

    def problems(self, before: str, after: str) -> list[Problem]:
        return [_in_field(problem, "texte") if problem.file == self.key else problem
                for problem in knowledge_problems(self.knowledge_dir, self.key, after)]


class PartnerEdit(Edit):
    """A partner's fields that change most; `date_maj` becomes today's date when one changes."""

    kind = "partenaire"
    fields = (
        Field("horaires", "Horaires d'ouverture", HOURS_HELP),
        Field("telephone", "Téléphone", "Par exemple : 02 47 12 34 56."),
        Field("adresse", "Adresse", "Le numéro et la rue. Par exemple : 12 rue des Tanneurs."),
        Field("code_postal", "Code postal", "5 chiffres. Par exemple : 37000."),
        Field("commune", "Commune", "Une commune de France ; avec son code INSEE, son nom peut s'écrire autrement."),
        Field("bring", "Ce qu'il faut apporter", "Une chose par ligne. Laissez vide s'il n'y a rien à apporter.",
              rows=4, required=False, listed=True),
        Field("accessibility", "Accessibilité", "Pour les personnes handicapées. Par exemple : Entrée de "
              "plain-pied. Laissez vide si vous ne savez pas.", rows=2, required=False),
    )

    def __init__(self, knowledge_dir: Path, key: str, name: str):
        super().__init__(knowledge_dir, f"partners/{key}.yml", key, name)
        self.knowledge_dir = knowledge_dir

    def values(self, text: str) -> dict[str, str]:
        document = load_yaml(text)
        return {field.name: "\n".join(map(str, document.get(field.name) or ())) if field.listed
                else str(document.get(field.name) or "") for field in self.fields}

    def apply(self, text: str, values: Mapping[str, str]) -> str:
        document = load_yaml(text)
        changed = False
        for field in self.fields:
            typed = values.get(field.name, "").replace("\r\n", "\n").strip()
            if field.listed:
                items = [line.strip() for line in typed.splitlines() if line.strip()]
                changed |= _set_list(document, field.name, items)
            else:
                changed |= _set_text(document, field.name, typed, remove_empty=not field.required)
        if changed and "date_maj" in document:
            document["date_maj"] = datetime.now(PARIS).date()
        return dump_yaml(document)

    def problems(self, before: str, after: str) -> list[Problem]:
        document = load_yaml(after)
        starts = sorted((line_of(document, [key]), key) for key in document)  # where each key's lines start
        forms = {field.name for field in self.fields}

        def field_of(line: Optional[int]) -> Optional[str]:
            key = next((key for start, key in reversed(starts) if line and start <= line), None)
            return key if key in forms else None

        return [_in_field(problem, field_of(problem.line)) if problem.file == self.file else problem
                for problem in knowledge_problems(self.knowledge_dir, self.file, after)]


class ResponseEdit(Edit):
    """The texts of one response of domain.yml; its buttons, channels and other keys stay as they are."""

    kind = "reponse"

    def __init__(self, domain: Path, key: str, variations: list[Any]):
        texts = [str(variation["text"]) for variation in variations if "text" in variation] or [key]
        first = " ".join(texts[0].split())
        super().__init__(domain.parent, domain.name, key,
                         first if len(first) <= SHORT else first[:SHORT - 1].rstrip() + "…")
        self.fields = tuple(
            Field(f"texte-{index}", f"Texte {index + 1}" + (f" (seulement sur {variation['channel']})"
                                                            if variation.get("channel") else ""),
                  _placeholders_help(variation["text"]), rows=3)
            for index, variation in _texts(variations))

    def values(self, text: str) -> dict[str, str]:
        return {f"texte-{index}": str(variation["text"]) for index, variation in _texts(self._variations(text))}

    def apply(self, text: str, values: Mapping[str, str]) -> str:
        document = load_yaml(text)
        for index, variation in _texts(document["responses"][self.key]):
            _set_text(variation, "text", values.get(f"texte-{index}", "").replace("\r\n", "\n").strip())
        return dump_yaml(document)

    def problems(self, before: str, after: str) -> list[Problem]:
        document = load_yaml(after)
        problems = []
        for (index, old), (_, new) in zip(_texts(self._variations(before)), _texts(self._variations(after))):
            line = line_of(document, ["responses", self.key, index, "text"])
            for message in _text_problems(str(old["text"]), str(new["text"])):
                problems.append(Problem(message, "domain.yml", line, f"texte-{index}"))
        return problems or domain_problems(after)

    def _variations(self, text: str) -> list[Any]:
        return list(load_yaml(text)["responses"][self.key])


def _texts(variations: list[Any]) -> list[tuple[int, Any]]:
    """The variations that have a text (others are only an image, buttons or a custom payload), by position."""
    return [(index, variation) for index, variation in enumerate(variations) if "text" in variation]


def _text_problems(old: str, new: str) -> list[str]:
    """Why a response's new text cannot replace the old one: empty, a brace Rasa cannot read, placeholders."""
    if not new.strip():
        return [EMPTY]
    try:
        list(string.Formatter().parse(new))
    except ValueError:
        return [BRACES]
    return _placeholder_changes(old, new)


def editor(kind: str, key: str, settings: Settings) -> Optional[Edit]:
    """The edit of `key` of this kind, or None when there is no such thing to edit."""
    knowledge = settings.knowledge_dir
    if kind == ResponseEdit.kind:
        responses = _responses(settings.project_dir / "domain.yml")
        return ResponseEdit(settings.project_dir / "domain.yml", key, responses[key]) if key in responses else None
    if kind == PartnerEdit.kind and PARTNER_KEY.fullmatch(key) and (knowledge / "partners" / f"{key}.yml").is_file():
        found = _partner(knowledge, knowledge / "partners" / f"{key}.yml")
        return found if found.kind == kind else None
    if kind == TextEdit.kind and TEXT_KEY.fullmatch(key) and (knowledge / key).is_file():
        return _text(knowledge, knowledge / key)
    return None


def publish(edit: Edit, bookings: BookingStore) -> bool:
    """What a saved edit also changes at once: sites.yml goes into the booking database, so that new availability
    and closures are offered (the other files are read again by the loaders themselves). False when the database
    could not take it (logged): the jobs load it at their next start."""
    if not _is_sites(edit):
        return True
    try:
        bookings.load_knowledge(sites(edit.path))
    except (KnowledgeError, SQLAlchemyError):
        log.exception("%s saved but not loaded into the booking database", edit.key)
        return False
    return True


def stranded(edit: Edit, after: str, bookings: BookingStore) -> list[str]:
    """The confirmed appointments to come that the edit's new text of sites.yml would no longer offer, in plain
    French: "mardi 1 décembre à 14 h 00 à Médiathèque centrale, avec Camille"."""
    if not _is_sites(edit):
        return []
    return [_appointment(booking, bookings)
            for booking in bookings.stranded(validate(parse_yaml(after, edit.path), Sites, edit.path))]


def _appointment(booking: Booking, bookings: BookingStore) -> str:
    site, mediator = bookings.site(booking.site_id), bookings.mediator(booking.mediator_id)
    slot = Slot(booking.site_id, booking.mediator_id, booking.start, booking.end)
    return f"{slot.label} à {site.name if site else booking.site_id}, avec " \
           f"{mediator.first_name if mediator else booking.mediator_id}"


def _is_sites(edit: Edit) -> bool:
    return isinstance(edit, TextEdit) and edit.key == "sites.yml"


def catalogue(settings: Settings, partners: Optional[Sequence[Place]] = None) -> list[tuple[str, list[Edit]]]:
    """Everything staff can edit, in groups, with names they know (a partner's `nom`, a tutorial's title). The
    partners are `partners` (a page of them), else every one: their names come from the knowledge loader, not from
    reading each file."""
    knowledge, domain = settings.knowledge_dir, settings.project_dir / "domain.yml"
    return [
        ("Réponses de l'assistant",
         [ResponseEdit(domain, name, variations) for name, variations in _responses(domain).items()]),
        ("Fiches tutoriels", [_text(knowledge, path) for path in _editable(knowledge, "tutorials", ".md")]),
        ("Partenaires", [partner_edit(knowledge, place)
                         for place in (places(knowledge) if partners is None else partners)]),
        *((group, [_text(knowledge, knowledge / key)]) for key, (group, _) in FILES.items()),
    ]


def partner_edit(knowledge: Path, place: Place) -> Edit:
    """What editor() opens for a listed place, without reading its file: the form, or its whole text."""
    if place.form:
        return PartnerEdit(knowledge, place.key, place.name)
    return TextEdit(knowledge, f"partners/{place.key}.yml", place.name)


def _editable(knowledge: Path, folder: str, suffix: str) -> list[Path]:
    """The files of a folder that editor() opens: those it would refuse are not listed either."""
    return [path for path in sorted((knowledge / folder).glob(f"*{suffix}"))
            if TEXT_KEY.fullmatch(path.relative_to(knowledge).as_posix())]


def _partner(knowledge: Path, path: Path) -> Edit:
    """The partner's form, or its whole text when it is not YAML any more (staff fix it there)."""
    name = _value(path.read_text(encoding="utf-8"), "nom")
    return PartnerEdit(knowledge, path.stem, name) if name else _text(knowledge, path)


def _text(knowledge: Path, path: Path) -> Edit:
    return TextEdit(knowledge, path.relative_to(knowledge).as_posix(), _name(knowledge, path))


def _name(knowledge: Path, path: Path) -> str:
    """What staff call a file: a tutorial's title, a partner's name, or what the file holds."""
    key = path.relative_to(knowledge).as_posix()
    if key in FILES:
        return FILES[key][1]
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".md":
        found = FRONT_MATTER.match(text)
        return (_value(found.group(1), "title") if found else None) or path.stem
    return _value(text, "nom") or path.stem


def load_yaml(text: str) -> Any:
    return _yaml().load(text)


def dump_yaml(document: Any) -> str:
    out = io.StringIO()
    _yaml().dump(document, out)
    return out.getvalue()


def _yaml() -> YAML:
    """Round-trip YAML as the project writes it: quotes kept, long lines not folded, lists indented by two."""
    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True  # type: ignore[assignment]  # ruamel types it as None, its default
    yaml.width = 4096  # type: ignore[assignment]  # ruamel types it as None, its default
    yaml.indent(mapping=2, sequence=4, offset=2)
    return yaml


def _set_text(mapping: CommentedMap, key: str, typed: str, remove_empty: bool = False) -> bool:
    """Set a text, quoted as it was; an empty one removes the key if `remove_empty`. Whether it changed."""
    old = mapping.get(key)
    if typed == str(old or ""):
        return False
    if not typed and remove_empty:
        del mapping[key]
    else:
        _put(mapping, key, type(old)(typed) if isinstance(old, ScalarString) else typed)
    return True


def _set_list(mapping: CommentedMap, key: str, items: list[str]) -> bool:
    """Set a list of texts, in its own style (a block or [a, b]); an empty one removes it. Whether it changed."""
    old = mapping.get(key)
    if items == [str(item) for item in old or ()]:
        return False
    if not items:
        del mapping[key]
    elif isinstance(old, CommentedSeq):
        old[:] = items
    else:
        _put(mapping, key, items)
    return True


def _put(mapping: CommentedMap, key: str, value: Any) -> None:
    """Set a key; a new one goes before `date_maj` when there is one, else last."""
    if key in mapping or "date_maj" not in mapping:
        mapping[key] = value
    else:
        mapping.insert(list(mapping).index("date_maj"), key, value)


def _responses(domain: Path) -> dict[str, list[Any]]:
    return dict(load_yaml(domain.read_text(encoding="utf-8")).get("responses") or {})


def _value(text: str, key: str) -> Optional[str]:
    """A top-level value of a YAML text, or None when the text is not YAML (it can be broken: staff fix it)."""
    try:
        document = load_yaml(text)
    except (YAMLError, ValueError):  # ValueError: a date that does not exist (2026-02-30)
        return None
    return str(document[key]) if isinstance(document, dict) and document.get(key) else None


def _placeholders_help(text: str) -> str:
    names = sorted(set(PLACEHOLDER.findall(text)))
    if not names:
        return ""
    return ("Gardez tels quels " + ", ".join(f"{{{name}}}" for name in names) +
            " : l'assistant les remplace par le bon texte.")


def _placeholder_changes(old: str, new: str) -> list[str]:
    """Placeholders that a response's new text lost or gained."""
    before, after = set(PLACEHOLDER.findall(old)), set(PLACEHOLDER.findall(new))
    return ([f"{{{name}}} a disparu : remettez-le, l'assistant le remplace par le bon texte."
             for name in sorted(before - after)] +
            [f"{{{name}}} est inconnu ici : retirez-le, l'assistant ne saurait pas quoi mettre."
             for name in sorted(after - before)])


def _in_field(problem: Problem, field: Optional[str]) -> Problem:
    return Problem(problem.message, problem.file, problem.line, field)
