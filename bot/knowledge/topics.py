"""Plain-French labels of the contract's tutorial themes and partner kinds, and of tutorial levels."""
from __future__ import annotations

from typing import Dict

from pydantic import BaseModel, validator

from bot.contract import PARTNER_KINDS, THEMES, PartnerKind, Theme
from bot.knowledge.tutorials import LEVELS, Level


def _complete(labels: Dict[str, str], expected: tuple[str, ...]) -> Dict[str, str]:
    missing = [name for name in expected if not labels.get(name, "").strip()]
    if missing:
        raise ValueError(f"il manque le nom de {', '.join(missing)}")
    return labels


class Topics(BaseModel, extra="forbid"):
    """`knowledge_base/topics.yml`: one label per theme, partner kind and tutorial level."""

    themes: Dict[Theme, str]
    partner_kinds: Dict[PartnerKind, str]
    levels: Dict[Level, str]

    _themes_complete = validator("themes", allow_reuse=True)(lambda labels: _complete(labels, THEMES))
    _kinds_complete = validator("partner_kinds", allow_reuse=True)(
        lambda labels: _complete(labels, PARTNER_KINDS)
    )
    _levels_complete = validator("levels", allow_reuse=True)(lambda labels: _complete(labels, LEVELS))

    def label(self, target: str) -> str:
        """Label of a theme, a partner kind or a level."""
        labels: Dict[str, str] = {name: label for named in (self.themes, self.partner_kinds, self.levels)
                                  for name, label in named.items()}
        return labels[target]

    def named(self, target: str) -> str:
        """The label of a theme, a partner kind or a level; the id itself when the knowledge base has none (a
        figure or a booking recorded before the files changed)."""
        try:
            return self.label(target)
        except KeyError:
            return target
