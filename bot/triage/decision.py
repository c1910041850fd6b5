"""Turn what NLU understood into a triage decision, following the library's charter.

Pure functions: no Rasa import, so the rules are tested on their own.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable, Optional, Sequence

from bot.contract import THEMES
from bot.knowledge import Charter, ForbiddenAct
from bot.matching import best_mention, normalise

FALLBACK_INTENT = "nlu_fallback"
UNPLACED_INTENTS = {FALLBACK_INTENT, "out_of_scope"}  # NLU could not place the message among the needs
MAX_CANDIDATES = 3
CLARIFY_FLOOR = 0.1  # an unsure NLU whose likeliest need is below this has not understood: no choice is offered
# The tutorial theme of a device the patron names (the `device` entity), for a workshop: « cours de tablette ».
NEGATION = re.compile(r"\b(?:pas|sans|jamais|plutot|lieu)\b")  # before a group session's word: not asked for
DEVICE_THEMES = {"smartphone": "smartphone", "tablette": "smartphone", "ordinateur": "ordinateur_bases"}


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
        keys = {"tutorial": "theme", "workshop": "theme", "referral": "partner"}
        extra = {keys[self.route]: self.target} if self.route in keys and self.target else {}
        return {"route": self.route, **extra}


@dataclass(frozen=True)
class Decision:
    """The triage of one message, as docs/contract.md §3 describes it."""

    destination: Destination
    scope: str
    confidence: float
    candidates: tuple[Destination, ...] = ()
    urgent: bool = False
    forbidden: Optional[ForbiddenAct] = None
    then: Optional[Destination] = None  # a second need of the same message, served after the first

    @property
    def route(self) -> str:
        return self.destination.route

    @property
    def understood(self) -> bool:
        """False when nothing in the message could be placed among the charter's needs."""
        return self.destination.intent != FALLBACK_INTENT

    def to_contract(self) -> dict:
        payload = {**self.destination.to_contract(), "scope": self.scope,
                   "confidence": round(self.confidence, 4)}
        if self.candidates:
            payload["candidates"] = [candidate.to_contract() for candidate in self.candidates]
        return payload


def triage(understanding: Understanding, charter: Charter) -> Decision:
    """Route a message: clarify when NLU is unsure between needs, else the top need with its charter scope, and a
    second need when the message holds a skill to learn and a question for an organism."""
    top_intent, top_confidence = understanding.ranking[0] if understanding.ranking else (FALLBACK_INTENT, 0.0)
    rescue = _organism_intent(understanding, charter) if top_intent in UNPLACED_INTENTS else None
    if rescue:
        return _decide(understanding, (rescue, top_confidence), charter)
    ranked = [(intent, confidence) for intent, confidence in understanding.ranking if charter.need_of(intent)]
    if not ranked or top_intent == FALLBACK_INTENT and ranked[0][1] < CLARIFY_FLOOR:
        return NOT_UNDERSTOOD
    unsure = top_intent == FALLBACK_INTENT
    close = len(ranked) > 1 and ranked[0][1] - ranked[1][1] < charter.clarify_margin
    organism = _organism_intent(understanding, charter)
    skill = _skill_then_organism(ranked[:2], organism, charter)
    if close and skill:
        return _decide(understanding, skill, charter, then=organism)
    group = _group_session(understanding, ranked, charter)
    if group:
        return group
    if unsure or close:
        options = _clarify_options(ranked, charter, within=None if unsure else charter.clarify_margin)
        if len(options) > 1 and options[0].intent == ranked[0][0]:
            return Decision(Destination("", "clarify"), "none", ranked[0][1], candidates=options)
    learning = charter.triage_need(ranked[0][0])[0].route == "tutorial"
    return _decide(understanding, ranked[0], charter, then=organism if learning else None)


NOT_UNDERSTOOD = Decision(Destination(FALLBACK_INTENT, "out_of_scope"), "none", 0.0)


def _destination(intent: str, charter: Charter) -> Destination:
    need, target = charter.triage_need(intent)
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


def _decide(understanding: Understanding, best: tuple[str, float], charter: Charter,
            then: Optional[str] = None) -> Decision:
    intent, confidence = best
    need, target = charter.triage_need(intent)
    target = _named_organism(understanding, need.intents.values()) or target
    if need.route == "workshop":
        target = workshop_theme(understanding)
    urgent = bool(need.when_urgent and best_mention(understanding.text, charter.urgency_markers))
    forbidden = _forbidden_act(understanding.text, charter) if need.route == "charter" else None
    return Decision(
        Destination(intent, need.route, target),
        need.when_urgent if urgent and need.when_urgent else need.scope,
        confidence,
        urgent=urgent,
        forbidden=forbidden,
        then=_destination(then, charter) if then else None,
    )


def _skill_then_organism(pair: list[tuple[str, float]], organism: Optional[str],
                         charter: Charter) -> Optional[tuple[str, float]]:
    """The skill to learn of the two likeliest needs, when the other is a question for the organism the message
    names: the skill comes first."""
    routes = {charter.triage_need(intent)[0].route: (intent, confidence) for intent, confidence in pair}
    if set(routes) != {"tutorial", "referral"} or routes["referral"][0] != organism:
        return None
    return routes["tutorial"]


def _organism_intent(understanding: Understanding, charter: Charter) -> Optional[str]:
    """The referral intent of the one organism the patron named ("la maison du droit", an alias of a
    partner place), which places a message NLU could not place."""
    named = {value for entity, value in understanding.entities if entity == "organism"}
    if len(named) != 1:
        return None
    for intent in charter.triage_intents:
        need, target = charter.triage_need(intent)
        if need.route == "referral" and target in named:
            return intent
    return None


def _group_session(understanding: Understanding, ranked: list[tuple[str, float]],
                   charter: Charter) -> Optional[Decision]:
    """A skill to learn, or a workshop, asked with a group session's words (charter's group_markers: « atelier
    mots de passe », « initiation à la liseuse ») when the likeliest need is one of them: a workshop, of the theme
    the patron names, else of the likelier skill of the two first needs."""
    intent = charter.workshop_intent
    needs = [(*charter.triage_need(each), confidence) for each, confidence in ranked[:2]]
    if intent is None or needs[0][0].route not in ("tutorial", "workshop") \
            or not says_group(understanding.text, charter.group_markers):
        return None
    skills = [target for need, target, confidence in needs
              if need.route == "tutorial" and ranked[0][1] - confidence < charter.clarify_margin]
    theme = workshop_theme(understanding) or (skills[0] if skills else None)
    need = charter.triage_need(intent)[0]
    return Decision(Destination(intent, "workshop", theme), need.scope, ranked[0][1])


def says_group(text: str, markers: Sequence[str]) -> bool:
    """Whether `text` asks for a group session with one of its words, whole (a plural too, « l'atelier » written
    « latelier »: « courses » or « coursier » are no « cours »), and not turned down (« pas besoin d'atelier »,
    « un tuto sans cours à suivre »: a negation among the four words before it)."""
    words = "|".join(re.escape(normalise(marker)) for marker in markers)
    if not words:
        return False
    said = normalise(text)
    return any(not NEGATION.search(" ".join(said[:found.start()].split()[-4:]))
               for found in re.finditer(rf"\b(?:[ld])?(?:{words})[sx]?\b", said))


def workshop_theme(understanding: Understanding) -> Optional[str]:
    """The tutorial theme of a workshop the patron names: a `theme` entity (« sur les arnaques », « les mails »),
    the first one said, else the theme of the device they name (« cours de tablette »); None when they name
    neither (« vous faites des cours pour les débutants ? »)."""
    themes = [value for entity, value in understanding.entities if entity == "theme" and value in THEMES]
    if themes:
        return themes[0]
    devices = [DEVICE_THEMES[value] for entity, value in understanding.entities
               if entity == "device" and value in DEVICE_THEMES]
    return devices[0] if devices else None


def _named_organism(understanding: Understanding, targets: Iterable[Optional[str]]) -> Optional[str]:
    """The one organism the patron named, when it is a target of the same need."""
    named = {value for entity, value in understanding.entities if entity == "organism"}
    return named.pop() if len(named) == 1 and named <= set(targets) else None


def _forbidden_act(text: str, charter: Charter) -> ForbiddenAct:
    """The forbidden act whose words the message holds, the first of the charter on a tie. NLU only keeps a
    forbidden request that holds such words (bot/nlu/signs.py); the first act answers a charter edited since."""
    by_keyword = charter.forbidden_words
    found = best_mention(text, by_keyword)
    return by_keyword[found] if found else charter.forbidden[0]
