"""The library's charter (charte de l'aidant): which needs it serves, how, and what it never does."""
from __future__ import annotations

import string
from typing import TYPE_CHECKING, Dict, List, Optional, Tuple, cast

from pydantic import BaseModel, ConstrainedFloat, ConstrainedStr, Field, root_validator, validator

from bot.contract import PARTNER_KINDS, THEMES, Route, Scope
from bot.knowledge.fields import Text
from bot.knowledge.tutorials import Level

if TYPE_CHECKING:
    from bot.knowledge.topics import Topics

TARGETS = {"tutorial": THEMES, "referral": PARTNER_KINDS}


class ResponseName(ConstrainedStr):
    """The name of a response of domain.yml."""

    regex = r"^utter_\w+$"


class Margin(ConstrainedFloat):
    """A difference of two confidences."""

    ge = 0
    le = 1


class Need(BaseModel, extra="forbid"):
    """A family of needs: the intents that express it, the route it takes and the charter's scope."""

    title: Text  # button title when the bot asks which need the patron means; may use {label}
    scope: Scope
    when_urgent: Optional[Scope] = None  # scope when the patron has a deadline within two days
    route: Route
    intents: Dict[Text, Optional[str]]  # intent -> theme (tutorial) or partner kind (referral)
    reply: Optional[ResponseName] = None  # a response of domain.yml said instead of the route's
    level: Optional[Level] = None  # tutorial route: the fiche of this level is offered at once, without questions

    def title_for(self, target: Optional[str], topics: "Topics") -> str:
        """The title with the label of `target` (a theme or partner kind), as the assistant's buttons show it."""
        return self.title.format(label=topics.named(target) if target else "")

    @root_validator(skip_on_failure=True)
    def _targets_fit_route(cls, values: dict) -> dict:
        allowed = TARGETS.get(values["route"], ())
        for intent, target in values["intents"].items():
            if allowed and target not in allowed:
                raise ValueError(f"intention {intent} : « {target} » n'est pas possible ici. "
                                 f"Possibles : {', '.join(allowed)}")
            if not allowed and target:
                raise ValueError(f"intention {intent} : la suite « {values['route']} » ne prend ni thème "
                                 "ni partenaire")
        return values

    @validator("title")
    def _label_only(cls, title: str) -> str:
        """The title is filled with str.format(label=...): any other brace would break it."""
        try:
            fields = {field for _, field, _, _ in string.Formatter().parse(title) if field is not None}
        except ValueError as error:
            raise ValueError("accolades mal fermées : écrivez {label}, ou aucune accolade") from error
        if fields - {"label"}:
            others = ", ".join(f"{{{field}}}" for field in sorted(fields - {"label"}))
            raise ValueError(f"seul {{label}} peut être entre accolades, pas {others}")
        return title

    @validator("route")
    def _not_clarify(cls, route: str) -> str:
        if route == "clarify":
            raise ValueError("« clarify » est la question de l'assistant, pas la suite d'un besoin")
        return route


class ForbiddenAct(BaseModel, extra="forbid"):
    """Something the charter forbids: words that reveal it, why the library refuses, where to go."""

    id: Text
    keywords: List[Text] = Field(min_items=1)  # without one of them in the message, nothing is refused
    says: Text
    instead: Text


class Charter(BaseModel, extra="forbid"):
    """The whole charter file."""

    clarify_margin: Margin
    urgency_markers: List[Text] = Field(min_items=1)
    group_markers: List[Text] = []  # a skill to learn asked with one of them is a workshop of that skill
    needs: Dict[Text, Need]
    forbidden: List[ForbiddenAct] = Field(min_items=1)
    never_ask: List[Text] = Field(min_items=1)

    @validator("needs")
    def _each_intent_once(cls, needs: Dict[str, Need]) -> Dict[str, Need]:
        seen: Dict[str, str] = {}
        for name, need in needs.items():
            for intent in need.intents:
                if intent in seen:
                    raise ValueError(f"l'intention {intent} est à la fois dans {seen[intent]} et dans {name}")
                seen[intent] = name
        return needs

    def need_of(self, intent: str) -> Optional[Tuple[Need, Optional[str]]]:
        """The need an intent expresses and its target, or None for a non-triage intent."""
        for need in self.needs.values():
            targets = cast(Dict[str, Optional[str]], need.intents)  # Text keys: plain strings once validated
            if intent in targets:
                return need, targets[intent]
        return None

    @property
    def workshop_intent(self) -> Optional[str]:
        """The first intent of a need routed to workshops, None when the charter has none."""
        return next((intent for need in self.needs.values() if need.route == "workshop" for intent in need.intents),
                    None)

    def triage_need(self, intent: str) -> Tuple[Need, Optional[str]]:
        """The need a triage intent expresses and its target; KeyError for any other intent."""
        found = self.need_of(intent)
        if found is None:
            raise KeyError(intent)
        return found

    @property
    def forbidden_words(self) -> Dict[str, ForbiddenAct]:
        """Each keyword of the forbidden acts and its act (the first one listed, for a keyword written twice)."""
        words: Dict[str, ForbiddenAct] = {}
        for act in self.forbidden:
            for keyword in act.keywords:
                words.setdefault(keyword, act)
        return words

    @property
    def triage_intents(self) -> List[str]:
        return [intent for need in self.needs.values() for intent in need.intents]
