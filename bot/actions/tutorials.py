"""Tutorials in the conversation: the best fiche for the patron's theme and level (docs/contract.md §5),
the level mini-diagnostic (docs/contract.md §4 `ask: level`), and « un autre », « plus simple », « plus avancé »."""
from __future__ import annotations

from dataclasses import replace
from typing import Any, Dict, List, Optional

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot.actions.workshops import next_session_button
from bot.knowledge import Tutorial, charter, topics, tutorials
from bot.knowledge.tutorials import LEVELS, Level
from bot.settings import settings
from bot.triage import Decision
from bot.tutorials.diagnostic import QUESTIONS, level_from, next_question
from bot.tutorials.selection import Wish, best, shifted

Events = List[Dict[str, Any]]
SHIFTS = {"tutorial_simpler": -1, "tutorial_harder": +1}
NO_SHIFT_REPLY = {-1: "utter_tutorial_simplest", +1: "utter_tutorial_hardest"}
BOOKING_BUTTON = {"title": "Prendre rendez-vous", "payload": "/book_mediator"}
HELP_PLACE_BUTTON = {"title": "Un lieu d'aide près de chez moi", "payload": "/find_help_place"}


def level_of(tracker: Tracker) -> Optional[Level]:
    """The patron's level, when known (NLU may extract a word that is not one of the levels)."""
    level = tracker.get_slot("level")
    return level if level in LEVELS else None


def page_url(path: str = "") -> str:
    """Address of a tutorial page (or of the index) on our web server, as patrons reach it."""
    return f"{settings.public_web_url}/tutoriels/{path}"


def contract_payload(tutorial: Tutorial) -> Dict[str, str]:
    """`custom.tutorial` of docs/contract.md §5."""
    return {"id": tutorial.id, "theme": tutorial.theme, "level": tutorial.level, "title": tutorial.title,
            "url": page_url(tutorial.id)}


def then_button(intent: Optional[str]) -> List[Dict[str, str]]:
    """The button of the message's second need (an organism to contact after learning), if it had one."""
    found = charter().need_of(intent) if intent else None
    if not found:
        return []
    need, target = found
    return [{"title": need.title_for(target, topics()), "payload": f"/{intent}"}]


def follow_up_buttons(wish: Wish, then: Optional[str] = None) -> List[Dict[str, str]]:
    """What the patron can ask next: another fiche, a simpler or harder one, the second need, a mediator, the next
    workshop of the theme (when one can join it), a place near them that helps with the theme."""
    catalogue = tutorials()
    options = [("Une autre fiche", "/tutorial_another", best(catalogue, wish)),
               ("Plus simple", "/tutorial_simpler", shifted(catalogue, wish, -1)),
               ("Plus avancé", "/tutorial_harder", shifted(catalogue, wish, +1))]
    return [{"title": title, "payload": payload} for title, payload, found in options if found] + \
        then_button(then) + [BOOKING_BUTTON, *next_session_button(wish.theme), HELP_PLACE_BUTTON]


def offer(dispatcher: CollectingDispatcher, tutorial: Tutorial, wish: Wish, then: Optional[str] = None) -> Events:
    """Show one tutorial, then what else the patron can ask for."""
    dispatcher.utter_message(response="utter_tutorial", title=tutorial.title, duration=tutorial.duration,
                             level=topics().label(tutorial.level), url=page_url(tutorial.id),
                             json_message={"tutorial": contract_payload(tutorial)})
    seen = replace(wish, level=tutorial.level, shown=(*wish.shown, tutorial.id))
    dispatcher.utter_message(response="utter_tutorial_follow_up", buttons=follow_up_buttons(seen, then))
    return [SlotSet("tutorials_shown", list(seen.shown))]


def proceed(dispatcher: CollectingDispatcher, wish: Wish, level: Optional[Level],
            answers: Dict[str, Any], then: Optional[str] = None) -> Events:
    """Offer the best fiche at the patron's level; while the level is unknown, ask the next
    diagnostic question, and once the diagnostic is complete, remember its level."""
    events: Events = []
    if level is None:
        question = next_question(answers)
        if question:
            dispatcher.utter_message(response=f"utter_ask_{question}", label=topics().label(wish.theme))
            return events
        level = level_from(answers)
        events.append(SlotSet("level", level))
    tutorial = best(tutorials(), replace(wish, level=level))
    if tutorial is None:
        dispatcher.utter_message(response="utter_tutorial_none", url=page_url(), buttons=[BOOKING_BUTTON])
        return events
    return events + offer(dispatcher, tutorial, replace(wish, level=level), then)


def start(dispatcher: CollectingDispatcher, tracker: Tracker, decision: Decision, request: str) -> Events:
    """A new tutorial need from triage: forget the previous theme's fiches, then offer or diagnose (unless the
    need has its own level, as a scam in progress). The answer on ease with devices is kept; practice is asked
    again since it depends on the theme. A second need of the message is remembered for the fiche's buttons."""
    theme = decision.destination.target
    assert theme is not None  # the charter gives every tutorial need a theme
    wish = Wish(theme=theme, request="" if request.startswith("/") else request, device=tracker.get_slot("device"))
    then = decision.then.intent if decision.then else None
    events = [SlotSet("tutorial_theme", theme), SlotSet("tutorial_request", wish.request),
              SlotSet("tutorials_shown", []), SlotSet("diagnostic_practice", None), SlotSet("then_intent", then)]
    answers = {"diagnostic_ease": tracker.get_slot("diagnostic_ease")}
    need, _ = charter().triage_need(decision.destination.intent)
    return events + proceed(dispatcher, wish, level_of(tracker) or need.level, answers, then)


def wish_of(tracker: Tracker) -> Wish:
    """The patron's current tutorial wish, from the conversation's slots."""
    return Wish(theme=tracker.get_slot("tutorial_theme"), level=level_of(tracker) or "debutant",
                request=tracker.get_slot("tutorial_request") or "", device=tracker.get_slot("device"),
                shown=tuple(tracker.get_slot("tutorials_shown") or ()))


def shift(dispatcher: CollectingDispatcher, wish: Wish, step: int, then: Optional[str]) -> Events:
    """A fiche simpler or harder than the last one shown; the patron's level moves with it."""
    last = next((tutorial for tutorial in tutorials() if wish.shown and tutorial.id == wish.shown[-1]), None)
    current = replace(wish, level=last.level) if last else wish
    tutorial = shifted(tutorials(), current, step)
    if tutorial is None:
        dispatcher.utter_message(response=NO_SHIFT_REPLY[step], buttons=[BOOKING_BUTTON])
        return []
    return [SlotSet("level", tutorial.level), *offer(dispatcher, tutorial, current, then)]


class ActionTutorial(Action):
    """Answers the diagnostic, a level the patron gives, and « un autre », « plus simple », « plus avancé »."""

    def name(self) -> str:
        return "action_tutorial"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[str, Any]) -> Events:
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        level = level_of(tracker)
        if not tracker.get_slot("tutorial_theme"):
            if intent == "tell_level" and level:
                dispatcher.utter_message(response="utter_level_noted", level=topics().label(level))
            else:
                dispatcher.utter_message(response="utter_tutorial_which")
            return []
        wish = wish_of(tracker)
        if intent in SHIFTS:
            return shift(dispatcher, wish, SHIFTS[intent], tracker.get_slot("then_intent"))
        return proceed(dispatcher, wish, level, {question: tracker.get_slot(question) for question in QUESTIONS},
                       tracker.get_slot("then_intent"))
