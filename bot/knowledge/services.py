"""`knowledge_base/services.yml`: which services of the national data's mediation places help with a need."""
from __future__ import annotations

from typing import Dict, List, Optional

from pydantic import BaseModel

from bot.contract import PartnerKind, Theme
from bot.knowledge.partners import Service


class ServiceNeeds(BaseModel, extra="forbid"):
    """The services needed for a charter intent, a tutorial theme or alongside an organism."""

    intents: Dict[str, List[Service]] = {}
    themes: Dict[Theme, List[Service]] = {}
    partner_kinds: Dict[PartnerKind, List[Service]] = {}

    def needed(self, intent: Optional[str] = None, theme: Optional[str] = None) -> List[str]:
        """The services a place must offer one of: the theme's when known (the patron's last fiche), else the
        intent's; empty when neither has any (any place will do)."""
        return list(self.themes.get(theme, []) if theme in self.themes else self.intents.get(intent or "", []))
