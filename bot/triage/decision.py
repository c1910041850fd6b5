"""Turn what NLU understood into a triage decision, following the library's charter.

Pure functions: no Rasa import, so the rules are tested on their own.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Sequence

from bot.knowledge import Charter, ForbiddenAct
from bot.matching import best_mention

FALLBACK_INTENT = "nlu_fallback"
UNPLACED_INTENTS = {FALLBACK_INTENT, "out_of_scope"}  # NLU could not place the message among the needs
MAX_CANDIDATES = 3


@dataclass(frozen=True)
class Understanding:
    """What NLU made of one message: intents ranked by confidence, entities, the text itself."""

    text: str
    ranking: Sequence[tuple[str, float]]
    entities: Sequence[tuple[str, str]] = ()  # (entity, normalised value)


@dataclass(frozen=True)
class Destination:
    """Where one need leads: route, and the theme or partner kind when the route has one."""

    intent: str
    route: str
    target: Optional[str] = None

    def to_contract(self) -> dict:
        keys = {"tutorial": "theme", "referral": "partner"}
        extra = {keys[self.route]: self.target} if self.route in keys else {}
        return {"route": self.route, **extra}


@dataclass(frozen=True)
class Decision:
    """The triage of one message, as CONTRACT §3 describes it."""

    destination: Destination
    scope: str
    confidence: float
    candidates: tuple[Destination, ...] = ()
    urgent: bool = False
    forbidden: Optional[ForbiddenAct] = None

    @property
    def route(self) -> str:
        return self.destination.route

    def to_contract(self) -> dict:
        payload = {**self.destination.to_contract(), "scope": self.scope,
                   "confidence": round(self.confidence, 4)}
        if self.candidates:
            payload["candidates"] = [candidate.to_contract() for candidate in self.candidates]
        return payload


def triage(understanding: Understanding, charter: Charter) -> Decision:
    """Route a message: clarify when NLU is unsure between needs, else the top need with its charter scope."""
    top_intent, top_confidence = understanding.ranking[0] if understanding.ranking else (FALLBACK_INTENT, 0.0)
    rescue = _organism_intent(understanding, charter) if top_intent in UNPLACED_INTENTS else None
    if rescue:
        return _decide(understanding, (rescue, top_confidence), charter)
    ranked = [(intent, confidence) for intent, confidence in understanding.ranking
              if charter.need_of(intent)]
    if not ranked:
        return Decision(Destination(FALLBACK_INTENT, "out_of_scope"), "none", 0.0)
    unsure = top_intent == FALLBACK_INTENT
    close = len(ranked) > 1 and ranked[0][1] - ranked[1][1] < charter.clarify_margin
    if unsure or close:
        options = _clarify_options(ranked, charter, within=None if unsure else charter.clarify_margin)
        if len(options) > 1 and options[0].intent == ranked[0][0]:
            return Decision(Destination("", "clarify"), "none", ranked[0][1], candidates=options)
    return _decide(understanding, ranked[0], charter)


def _destination(intent: str, charter: Charter) -> Destination:
    need, target = charter.need_of(intent)
    return Destination(intent, need.route, target)


def _clarify_options(ranked: list[tuple[str, float]], charter: Charter,
                     within: Optional[float]) -> tuple[Destination, ...]:
    """The two or three likeliest needs (within the margin of the first one, when one is given).

    "Something else" is never offered as a need: the bot's "Autre chose" button stands for it, and when it
    is the likeliest need the bot says what it can do instead of asking.
    """
    top = ranked[0][1]
    options = [_destination(intent, charter) for intent, confidence in ranked
               if within is None or top - confidence < within]
    return tuple(option for option in options if option.route != "out_of_scope")[:MAX_CANDIDATES]


def _decide(understanding: Understanding, best: tuple[str, float], charter: Charter) -> Decision:
    intent, confidence = best
    need, target = charter.need_of(intent)
    target = _named_organism(understanding, need.intents.values()) or target
    urgent = bool(need.when_urgent and best_mention(understanding.text, charter.urgency_markers))
    forbidden = _forbidden_act(understanding.text, charter) if need.route == "charter" else None
    return Decision(
        Destination(intent, need.route, target),
        need.when_urgent if urgent else need.scope,
        confidence,
        urgent=urgent,
        forbidden=forbidden,
    )


def _organism_intent(understanding: Understanding, charter: Charter) -> Optional[str]:
    """The referral intent of the one organism the patron named ("la maison du droit", an alias of a
    partner place), which places a message NLU could not place."""
    named = {value for entity, value in understanding.entities if entity == "organism"}
    if len(named) != 1:
        return None
    for intent in charter.triage_intents:
        need, target = charter.need_of(intent)
        if need.route == "referral" and target in named:
            return intent
    return None


def _named_organism(understanding: Understanding, targets: Sequence[Optional[str]]) -> Optional[str]:
    """The one organism the patron named, when it is a target of the same need."""
    named = {value for entity, value in understanding.entities if entity == "organism"}
    return named.pop() if len(named) == 1 and named <= set(targets) else None


def _forbidden_act(text: str, charter: Charter) -> ForbiddenAct:
    by_keyword = {keyword: act for act in charter.forbidden for keyword in act.keywords}
    found = best_mention(text, by_keyword)
    return by_keyword[found] if found else charter.default_forbidden
