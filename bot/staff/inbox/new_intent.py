"""A new intent created from the console: its name derived from the label staff give it, then one line added to
domain.yml's intents, to the triage rule (data/rules/triage.yml) and to its need in the charter, and its examples
in data/nlu/staff.yml; all four checked with Rasa's readers and the charter loader before any is written. Removing
it, when staff undo its last example, takes these lines away again, checked the same way."""
from __future__ import annotations

import json
import re
import tempfile
from pathlib import Path
from typing import Any, Iterable, Optional, Sequence

import yaml
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import UserUttered
from rasa.shared.core.training_data.story_reader.yaml_story_reader import YAMLStoryReader
from rasa.shared.exceptions import RasaException
from ruamel.yaml import YAML

from bot.knowledge import Charter, KnowledgeError
from bot.knowledge.fields import Text
from bot.matching import normalise
from bot.staff.files import current
from bot.staff.inbox.examples import Refused, TeachingError, block_examples, check, unreadable, without_intent
from bot.staff.inbox.intents import STAFF_FILE, charter_of

DOMAIN, TRIAGE_RULES, CHARTER = "domain.yml", "data/rules/triage.yml", "charter.yml"
TRIAGE_ACTION = "action_triage"
NAME_LENGTH = 40  # characters of the name after its prefix
SPELLED_OUT = str.maketrans({"œ": "oe", "æ": "ae", "ß": "ss"})
STAFF_HEADER = ("# Intents that staff created from the console's inbox (bot/staff/inbox/new_intent.py), each with the\n"
                "# label they gave it; the console adds examples at the end of each examples block.\n"
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
    indent = lines[line][:len(lines[line]) - len(lines[line].lstrip())]
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


def _domain_lines(text: str) -> dict[str, int]:
    """The line of each of domain.yml's intents."""
    intents = _round_trip(text)["intents"]
    return {_name(item): intents.lc.item(index)[0] for index, item in enumerate(intents)}


def _rule_lines(text: str) -> dict[str, int]:
    """The line of each intent of the triage rule: the one whose steps end in action_triage after an `or:` of
    intents."""
    positions = {}
    for rule in _round_trip(text).get("rules") or []:
        steps = rule.get("steps") or []
        if any(step.get("action") == TRIAGE_ACTION for step in steps):
            for step in steps:
                for index, item in enumerate(step.get("or") or []):
                    positions[item.get("intent")] = step["or"].lc.item(index)[0]
    return positions


def _charter_lines(text: str, need: str) -> dict[str, int]:
    """The line of each intent of the charter's `need`."""
    intents = _round_trip(text)["needs"][need]["intents"]
    return {intent: intents.lc.key(intent)[0] for intent in intents}


def _line_removed(text: str, positions: dict[str, int], name: str, where: str) -> str:
    """`text` without the line of `name` in `positions`, in the file `where`."""
    if name not in positions:
        raise TeachingError(f"La demande « {name} » est introuvable dans {where}.")
    lines = text.splitlines(keepends=True)
    return "".join(lines[:positions[name]] + lines[positions[name] + 1:])


def _staff_with(text: str, name: str, label: str, examples: Sequence[str]) -> str:
    newline = "\r\n" if "\r\n" in text else "\n"
    block = [f"- intent: {name}", "  metadata:", f"    label: {json.dumps(label, ensure_ascii=False)}",
             "  examples: |", *(f"    - {example}" for example in examples)]
    separator = newline if text and not text.endswith("\n") else ""
    return text + separator + newline + newline.join(block) + newline


def _files(project: Path, knowledge_dir: Path) -> tuple[dict[str, Path], dict[str, Optional[str]]]:
    """The four files a new intent is written to, and the text of each (None: no file)."""
    paths = {"domain": project / DOMAIN, "rules": project / TRIAGE_RULES, "charter": knowledge_dir / CHARTER,
             "staff": project / STAFF_FILE}
    return paths, {key: current(path) for key, path in paths.items()}


def new_intent_files(project: Path, knowledge_dir: Path, place: str, label: str, examples: Sequence[str],
                     taken: Iterable[str]) -> tuple[str, dict[Path, str], dict[Path, Optional[str]]]:
    """The new intent's name, the new text of each of the four files, checked, and the text each had (None: no
    file). `place` is "need:target"."""
    chosen, _, target = place.partition(":")
    need, charter = Text(chosen), charter_of(knowledge_dir)  # Text, as the charter's keys are typed
    if need not in charter.needs or (target or None) not in charter.needs[need].intents.values():
        raise TeachingError("Choisissez à quel besoin la demande appartient.")
    siblings = list(charter.needs[need].intents)
    name = intent_name(label, siblings, [*taken, *charter.triage_intents])
    paths, found = _files(project, knowledge_dir)
    before = {key: text or "" for key, text in found.items()}
    after = {"domain": _line_added(before["domain"], _last(_domain_lines(before["domain"]), siblings, DOMAIN),
                                   f"- {name}"),
             "rules": _line_added(before["rules"], _last(_rule_lines(before["rules"]), siblings, TRIAGE_RULES),
                                  f"- intent: {name}"),
             "charter": _line_added(before["charter"], _last(_charter_lines(before["charter"], need), siblings,
                                                             CHARTER), f"{name}: {target}".rstrip()),
             "staff": _staff_with(before["staff"] or STAFF_HEADER, name, label, examples)}
    _check(before, after, paths, name, need, target or None, examples)
    return name, {paths[key]: text for key, text in after.items()}, {paths[key]: text for key, text in found.items()}


def intent_removed_files(project: Path, knowledge_dir: Path, name: str) -> tuple[
        dict[Path, Optional[str]], dict[Path, Optional[str]]]:
    """The four files without the intent `name` that staff created, checked as a creation is (None: staff.yml
    removed, when nothing but its header is left), and the text each had."""
    paths, found = _files(project, knowledge_dir)
    before = {key: text or "" for key, text in found.items()}
    needs = _charter_read(before["charter"]).needs
    need = next((key for key, listed in needs.items() if name in listed.intents), None)
    if need is None:
        raise TeachingError(f"La demande « {name} » est introuvable dans {CHARTER}.")
    staff = without_intent(before["staff"], name)
    after = {"domain": _line_removed(before["domain"], _domain_lines(before["domain"]), name, DOMAIN),
             "rules": _line_removed(before["rules"], _rule_lines(before["rules"]), name, TRIAGE_RULES),
             "charter": _line_removed(before["charter"], _charter_lines(before["charter"], need), name, CHARTER),
             "staff": "" if staff == STAFF_HEADER else staff}
    _check(after, before, paths, name, need, needs[need].intents[Text(name)], _examples(before["staff"], name))
    return ({paths[key]: text if key != "staff" or text else None for key, text in after.items()},
            {paths[key]: text for key, text in found.items()})


def _examples(text: str, name: str) -> list[str]:
    """The examples of the intent `name` in the NLU file's `text`."""
    items = (yaml.load(text, Loader=yaml.CSafeLoader) or {}).get("nlu") or []
    return next(block_examples(item["examples"]) for item in items if item.get("intent") == name)


def _check(without: dict[str, str], with_: dict[str, str], paths: dict[str, Path], name: str, need: Text,
           target: Optional[str], examples: Sequence[str]) -> None:
    """Raise TeachingError unless Rasa and the charter loader read each file of `with_` as its text in `without`
    with the intent added, and its examples: (before, after) for a new intent, (after, before) for its removal."""
    try:
        domains = Domain.from_yaml(without["domain"]), Domain.from_yaml(with_["domain"])
        rules = [_rule_intents(text, domain) for text, domain in zip((without["rules"], with_["rules"]), domains)]
    except (RasaException, ValueError) as error:
        raise unreadable("Le domaine ou les règles ne se lisent plus", error) from error
    if _without(domains[1], name) != _without(domains[0], None) or rules[0] | {name} != rules[1] or name in rules[0]:
        raise TeachingError("Le changement du domaine ou des règles n'a pas donné ce qui était prévu : "
                            "rien n'est écrit.")
    check(without["staff"], with_["staff"], paths["staff"], name, added=examples)
    expected = _charter_read(without["charter"])
    expected.needs[need].intents[Text(name)] = target
    if _charter_read(with_["charter"]) != expected:
        raise TeachingError("Le changement de la charte n'a pas donné ce qui était prévu : rien n'est écrit.")


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
