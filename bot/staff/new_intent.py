"""A new intent created from the console: its name derived from the label staff give it, then one line added to
domain.yml's intents, to the triage rule (data/rules/triage.yml) and to its need in the charter, and its examples
in data/nlu/staff.yml; all four checked with Rasa's readers and the charter loader before any is written."""
from __future__ import annotations

import json
import re
import tempfile
from pathlib import Path
from typing import Any, Iterable, Optional, Sequence

from rasa.shared.core.domain import Domain
from rasa.shared.core.events import UserUttered
from rasa.shared.core.training_data.story_reader.yaml_story_reader import YAMLStoryReader
from rasa.shared.exceptions import RasaException
from ruamel.yaml import YAML

from bot.knowledge import Charter, KnowledgeError
from bot.matching import normalise
from bot.staff.intents import STAFF_FILE, charter_of
from bot.staff.files import current
from bot.staff.teaching import Refused, TeachingError, check, unreadable

DOMAIN, TRIAGE_RULES, CHARTER = "domain.yml", "data/rules/triage.yml", "charter.yml"
TRIAGE_ACTION = "action_triage"
NAME_LENGTH = 40  # characters of the name after its prefix
SPELLED_OUT = str.maketrans({"œ": "oe", "æ": "ae", "ß": "ss"})
STAFF_HEADER = ("# Intents that staff created from the console's inbox (bot/staff/new_intent.py), each with the label\n"
                "# they gave it; the console adds examples at the end of each examples block.\n"
                'version: "3.1"\n\nnlu:\n')


def intent_name(label: str, siblings: Sequence[str], taken: Iterable[str]) -> str:
    """A snake_case ASCII name from the label, prefixed like its siblings ("learn_"), not one of `taken`."""
    stem = "_".join(re.findall(r"[a-z0-9]+", normalise(label.translate(SPELLED_OUT))))[:NAME_LENGTH].strip("_")
    if not stem:
        raise Refused({"label": "Le nom doit contenir des lettres ou des chiffres."})
    first_words = {sibling.split("_")[0] for sibling in siblings}
    prefix = f"{first_words.pop()}_" if len(first_words) == 1 else ""
    name, number, taken = prefix + stem, 2, set(taken)
    while name in taken:
        name, number = f"{prefix}{stem}_{number}", number + 1
    return name


def _line_added(text: str, line: int, new: str) -> str:
    """`text` with `new` (one line, no indentation) added after the 0-based `line`, indented like it."""
    lines = text.splitlines(keepends=True)
    indent = re.match(r"\s*", lines[line]).group(0)
    newline = "\r\n" if lines[line].endswith("\r\n") else "\n"
    if not lines[line].endswith("\n"):
        lines[line] += newline
    return "".join(lines[:line + 1] + [f"{indent}{new}{newline}"] + lines[line + 1:])


def _last(positions: dict[str, int], siblings: Sequence[str], where: str) -> int:
    """The last line where a sibling is, in the file `where`."""
    lines = [positions[sibling] for sibling in siblings if sibling in positions]
    if not lines:
        raise TeachingError(f"Les demandes de ce besoin sont introuvables dans {where}.")
    return max(lines)


def _round_trip(text: str) -> Any:
    return YAML(typ="rt").load(text)


def _name(item: Any) -> str:
    """The name of an item of a domain's intents: a name, or a mapping from it to its properties."""
    return item if isinstance(item, str) else next(iter(item))


def _domain_with(text: str, name: str, siblings: Sequence[str]) -> str:
    intents = _round_trip(text)["intents"]
    positions = {_name(item): intents.lc.item(index)[0] for index, item in enumerate(intents)}
    return _line_added(text, _last(positions, siblings, DOMAIN), f"- {name}")


def _rules_with(text: str, name: str, siblings: Sequence[str]) -> str:
    """The triage rule: the one whose steps end in action_triage after an `or:` of intents."""
    positions = {}
    for rule in _round_trip(text).get("rules") or []:
        steps = rule.get("steps") or []
        if any(step.get("action") == TRIAGE_ACTION for step in steps):
            for step in steps:
                for index, item in enumerate(step.get("or") or []):
                    positions[item.get("intent")] = step["or"].lc.item(index)[0]
    return _line_added(text, _last(positions, siblings, TRIAGE_RULES), f"- intent: {name}")


def _charter_with(text: str, name: str, need: str, target: Optional[str]) -> str:
    intents = _round_trip(text)["needs"][need]["intents"]
    positions = {intent: intents.lc.key(intent)[0] for intent in intents}
    return _line_added(text, _last(positions, list(intents), CHARTER), f"{name}: {target or ''}".rstrip())


def _staff_with(text: str, name: str, label: str, examples: Sequence[str]) -> str:
    newline = "\r\n" if "\r\n" in text else "\n"
    block = [f"- intent: {name}", "  metadata:", f"    label: {json.dumps(label, ensure_ascii=False)}",
             "  examples: |", *(f"    - {example}" for example in examples)]
    separator = newline if text and not text.endswith("\n") else ""
    return text + separator + newline + newline.join(block) + newline


def new_intent_files(project: Path, knowledge_dir: Path, place: str, label: str, examples: Sequence[str],
                     taken: Iterable[str]) -> tuple[str, dict[Path, str], dict[Path, Optional[str]]]:
    """The new intent's name, the new text of each of the four files, checked, and the text each had (None: no
    file). `place` is "need:target"."""
    need, _, target = place.partition(":")
    charter = charter_of(knowledge_dir)
    if need not in charter.needs or (target or None) not in charter.needs[need].intents.values():
        raise TeachingError("Choisissez à quel besoin la demande appartient.")
    siblings = list(charter.needs[need].intents)
    name = intent_name(label, siblings, [*taken, *charter.triage_intents])
    paths = {"domain": project / DOMAIN, "rules": project / TRIAGE_RULES, "charter": knowledge_dir / CHARTER,
             "staff": project / STAFF_FILE}
    found = {key: current(path) for key, path in paths.items()}
    before = {key: text or "" for key, text in found.items()}
    after = {"domain": _domain_with(before["domain"], name, siblings),
             "rules": _rules_with(before["rules"], name, siblings),
             "charter": _charter_with(before["charter"], name, need, target or None),
             "staff": _staff_with(before["staff"] or STAFF_HEADER, name, label, examples)}
    _check(before, after, paths, name, need, target or None, examples)
    return name, {paths[key]: text for key, text in after.items()}, {paths[key]: text for key, text in found.items()}


def _check(before: dict[str, str], after: dict[str, str], paths: dict[str, Path], name: str, need: str,
           target: Optional[str], examples: Sequence[str]) -> None:
    """Raise TeachingError unless Rasa and the charter loader read each new file as the old one with the intent
    added, and its examples."""
    try:
        domains = Domain.from_yaml(before["domain"]), Domain.from_yaml(after["domain"])
        rules = [_rule_intents(text, domain) for text, domain in zip((before["rules"], after["rules"]), domains)]
    except (RasaException, ValueError) as error:
        raise unreadable("Le domaine ou les règles ne se lisent plus", error) from error
    if _without(domains[1], name) != _without(domains[0], None) or rules[1] - rules[0] != {name}:
        raise TeachingError("L'ajout au domaine ou aux règles n'a pas donné ce qui était prévu : "
                            "rien n'est écrit.")
    check(before["staff"], after["staff"], paths["staff"], name, added=examples)
    expected = charter_of(paths["charter"].parent).copy(deep=True)
    expected.needs[need].intents[name] = target
    if _charter_read(after["charter"]) != expected:
        raise TeachingError("L'ajout à la charte n'a pas donné ce qui était prévu : rien n'est écrit.")


def _without(domain: Domain, intent: Optional[str]) -> str:
    """The domain as JSON, without `intent`."""
    content = domain.as_dict()
    content["intents"] = [item for item in content["intents"] if _name(item) != intent]
    return json.dumps(content, sort_keys=True)


def _charter_read(text: str) -> Charter:
    """The charter `text` as the loader reads it (from a temporary copy)."""
    with tempfile.TemporaryDirectory() as folder:
        (Path(folder) / CHARTER).write_text(text, encoding="utf-8")
        try:
            return charter_of(Path(folder))
        except KnowledgeError as error:
            raise unreadable("La charte ne se lit plus", error) from error


def _rule_intents(text: str, domain: Domain) -> set[str]:
    return {event.intent_name for step in YAMLStoryReader(domain).read_from_string(text)
            for event in step.events if isinstance(event, UserUttered) and event.intent_name}
