"""The held-out patron messages (`heldout/*.yml` in the project): never trained on, they measure triage. A model
is scored on them by route, NLU and triage in this process, as the first message of a conversation."""
from __future__ import annotations

import asyncio
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Optional

import yaml

from bot.knowledge import Charter
from bot.labels import ROUTE_LABELS
from bot.settings import settings
from bot.triage import triage
from bot.triage.decision import FALLBACK_INTENT
from bot.triage.understanding import understanding_of

HELDOUT_FOLDER = "heldout"
MAX_ROUTE_LOSS = 1  # held-out messages a route may lose in a new model, when the total does not drop


def heldout_files(project: Optional[Path] = None) -> list[Path]:
    return sorted(((project or settings.project_dir) / HELDOUT_FOLDER).glob("*.yml"))


def load_heldout(project: Optional[Path] = None) -> list[dict]:
    """Every held-out item of `project` (default: PROJECT_DIR): text, expected route, and theme, partner or scope
    where relevant."""
    return [item for path in heldout_files(project)
            for item in yaml.load(path.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader)]


@dataclass(frozen=True)
class RouteScores:
    """How many held-out messages of each expected route a model sent to the right route, and where it sent them:
    expected route -> route taken ("clarify", "none" for no triage) -> messages."""

    right: dict[str, int]
    total: dict[str, int]
    confusion: dict[str, dict[str, int]] = field(default_factory=dict)

    @classmethod
    def counted(cls, routes: Iterable[tuple[str, str]]) -> "RouteScores":
        """The scores of (expected route, route taken) pairs, one a message."""
        confusion: dict[str, Counter[str]] = defaultdict(Counter)
        for expected, taken in routes:
            confusion[expected][taken] += 1
        return cls({route: taken[route] for route, taken in confusion.items()},
                   {route: sum(taken.values()) for route, taken in confusion.items()},
                   {route: dict(taken) for route, taken in confusion.items()})

    @property
    def accuracy(self) -> float:
        return sum(self.right.values()) / max(1, sum(self.total.values()))

    def of(self, route: str) -> float:
        return self.right.get(route, 0) / max(1, self.total.get(route, 0))

    def to_json(self) -> dict[str, dict[str, Any]]:
        return {"right": self.right, "total": self.total, "confusion": self.confusion}

    @classmethod
    def from_json(cls, data: dict[str, dict[str, Any]]) -> "RouteScores":
        """The scores `to_json` gave; those recorded before the confusion counts have none."""
        return cls(dict(data["right"]), dict(data["total"]),
                   {route: dict(taken) for route, taken in data.get("confusion", {}).items()})


def route_of(parse_data: dict, charter: Charter) -> str:
    """The route the assistant takes for a first message so understood: triage's, for the needs of the charter and
    a message NLU could not place (the rule of data/rules/triage.yml); "none" for small talk."""
    intent = (parse_data.get("intent") or {}).get("name")
    if intent != FALLBACK_INTENT and not charter.need_of(intent or ""):
        return "none"
    return triage(understanding_of(parse_data), charter).route


def score_model(model: Path, items: list[dict], charter: Charter) -> RouteScores:
    """Parse each held-out message with the model (NLU only, no conversation is stored) and count the routes taken."""
    from rasa.core.agent import Agent

    agent = Agent.load(str(model))
    return RouteScores.counted((item["route"], route_of(asyncio.run(agent.parse_message(item["text"])), charter))
                               for item in items)


def worse(old: RouteScores, new: RouteScores) -> list[str]:
    """Why `new` is worse than `old` (empty when it is not): more misses in all, or a route that loses more than
    MAX_ROUTE_LOSS messages (one borderline message may move when the others gain)."""
    reasons = []
    if sum(new.right.values()) < sum(old.right.values()):
        reasons.append(f"il se trompe plus souvent : {percent(new.accuracy)} de bonnes réponses au lieu de "
                       f"{percent(old.accuracy)}")
    for route in sorted(old.total):
        if old.right.get(route, 0) - new.right.get(route, 0) > MAX_ROUTE_LOSS:
            reasons.append(f"« {ROUTE_LABELS.get(route, route)} » : {percent(new.of(route))} au lieu de "
                           f"{percent(old.of(route))}")
    return reasons


def percent(share: float) -> str:
    return f"{100 * share:.1f} %".replace(".", ",")
