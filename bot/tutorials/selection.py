"""Choosing a tutorial for a patron: their theme, their level, their words, their device."""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Iterable, Optional, Sequence

from bot.knowledge.tutorials import LEVELS, Level, Tutorial
from bot.matching import best_mention


@dataclass(frozen=True)
class Wish:
    """What the patron asked for, and what they have seen already."""

    theme: str
    level: Level = "debutant"
    request: str = ""  # the patron's words, to prefer the fiche that names what they want
    device: Optional[str] = None
    shown: Sequence[str] = field(default_factory=tuple)


def mentioned_keywords(tutorial: Tutorial, request: str) -> int:
    """How many of the tutorial's keywords the patron's words contain (typos tolerated)."""
    return sum(best_mention(request, [keyword]) is not None for keyword in tutorial.keywords)


def ranked(catalogue: Iterable[Tutorial], wish: Wish) -> list[Tutorial]:
    """The theme's tutorials not yet shown, best first: on the patron's device, naming what they
    asked for, closest to their level (the simpler one first on a tie)."""
    wanted = LEVELS.index(wish.level)

    def key(tutorial: Tutorial) -> tuple:
        level = LEVELS.index(tutorial.level)
        off_device = wish.device is not None and wish.device not in tutorial.devices
        return (off_device, -mentioned_keywords(tutorial, wish.request), abs(level - wanted), level,
                tutorial.title)

    return sorted((tutorial for tutorial in catalogue
                   if tutorial.theme == wish.theme and tutorial.id not in wish.shown), key=key)


def best(catalogue: Iterable[Tutorial], wish: Wish) -> Optional[Tutorial]:
    """The tutorial to offer, if the theme has one not yet shown."""
    return next(iter(ranked(catalogue, wish)), None)


def shifted(catalogue: Iterable[Tutorial], wish: Wish, step: int) -> Optional[Tutorial]:
    """The nearest tutorial simpler (step -1) or harder (step +1) than `wish.level`, one not yet
    shown first; None when the theme has nothing simpler or harder."""
    current = LEVELS.index(wish.level)
    beyond = [tutorial for tutorial in ranked(catalogue, replace(wish, shown=()))
              if (LEVELS.index(tutorial.level) - current) * step > 0]
    return min(beyond, key=lambda tutorial: (abs(LEVELS.index(tutorial.level) - current),
                                             tutorial.id in wish.shown), default=None)
