"""What a patron says that answers no question: inside a form (« merci », « je ne comprends pas », « c'est
gratuit ? », « un humain svp », their data), answered before the form asks its question again, or a new need
that ends the form; outside a form, « je ne comprends pas » explains the last question and asks it again."""
from __future__ import annotations

from typing import Any, Dict, List, Optional

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActionExecutionRejected, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot.actions import library, privacy
from bot.knowledge import charter
from bot.triage import triage
from bot.triage.understanding import understanding_of

Events = List[Dict[str, Any]]
CONFIDENT = 0.6  # NLU confidence from which a message that answers nothing is taken for what NLU says
NEW_NEED_CONFIDENCE, NEW_NEED_WORDS = 0.7, 4  # a new need ends a form: « une maladie grave » is no new need
SMALL_TALK = {"thanks": "utter_form_thanks", "goodbye": "utter_form_goodbye", "greet": "utter_form_greet"}
EXPLAINED = {"help", "not_understood"}  # « je suis perdu », « je ne comprends pas »: the question said simply
ABOUT_THE_LIBRARY = {"library_info", library.PERSON_INTENT}
ASIDES = {*SMALL_TALK, *EXPLAINED, "ask_privacy", *ABOUT_THE_LIBRARY}
NEW_NEED = "new_need"
NEED_ROUTES = {"tutorial", "booking", "workshop", "referral", "charter"}  # a need that ends a form; info is an aside
# docs/contract.md §4's name of what a form slot asks
ASK_OF_SLOT = {"booking_site": "site", "booking_slot": "slot", "workshop_session": "workshop"}


def intent_of(tracker: Tracker) -> tuple[str, float]:
    intent = tracker.latest_message.get("intent") or {}
    return intent.get("name") or "", float(intent.get("confidence") or 0.0)


def aside_of(tracker: Tracker, form_need: str, confidence: float = CONFIDENT) -> Optional[str]:
    """The aside the patron's message is (an intent of ASIDES), NEW_NEED for a need of the charter other than the
    form's own (`form_need`), or None when NLU is not sure enough (`confidence`) that it is either. Words NLU
    finds out of scope (a first name, a street) are no new need: they may answer the question."""
    intent, score = intent_of(tracker)
    if intent in ASIDES:
        return intent if score >= confidence else None
    need = charter().need_of(intent) if intent != form_need else None
    if not need or need[0].route not in NEED_ROUTES:
        return None
    said_enough = len((tracker.latest_message.get("text") or "").split()) >= NEW_NEED_WORDS
    return NEW_NEED if said_enough and route_confidence(tracker, need[0].route) >= NEW_NEED_CONFIDENCE else None


def route_confidence(tracker: Tracker, route: str) -> float:
    """How sure NLU is of a route: « un mail avec une photo » may hesitate between two themes, not between routes."""
    ranking = tracker.latest_message.get("intent_ranking") or [tracker.latest_message.get("intent") or {}]
    needs = [(charter().need_of(item.get("name") or ""), float(item.get("confidence") or 0.0)) for item in ranking]
    return sum(score for need, score in needs if need and need[0].route == route)


def answer_aside(dispatcher: CollectingDispatcher, tracker: Tracker, aside: str, asked: str) -> None:
    """Answer the aside; the form asks its question (`asked`, a slot) again afterwards."""
    if aside in SMALL_TALK:
        dispatcher.utter_message(response=SMALL_TALK[aside])
    elif aside in EXPLAINED:
        dispatcher.utter_message(response=f"utter_explain_{ASK_OF_SLOT.get(asked, asked)}")
    elif aside == "ask_privacy":
        privacy.tell(dispatcher)
    else:
        decision = triage(understanding_of(tracker.latest_message), charter())
        library.answer(dispatcher, tracker, decision, tracker.latest_message.get("text") or "",
                       {"triage": decision.to_contract()}, in_form=True)


def leave_for_triage(form: str, form_slots: tuple[str, ...]) -> Events:
    """Forget the form's answers and reject its turn: the rules take the patron's message as the new need it is,
    and the triage action ends the form."""
    return [*(SlotSet(slot, None) for slot in form_slots), ActionExecutionRejected(form)]


def last_question(tracker: Tracker) -> Optional[Dict[str, Any]]:
    """The message of the bot's previous turn that asked the patron something (docs/contract.md §4 `custom.ask`)."""
    patron_turns = 0
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            patron_turns += 1
            if patron_turns > 1:
                return None
        elif event.get("event") == "bot" and patron_turns == 1:
            custom = (event.get("data") or {}).get("custom")
            if isinstance(custom, dict) and custom.get("ask"):
                return event
    return None


class ActionExplain(Action):
    """« Je ne comprends pas » outside a form: the last question said more simply and asked again, or, when the
    bot asked nothing, how to say a need."""

    def name(self) -> str:
        return "action_explain"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]) -> Events:
        question = last_question(tracker)
        if question is None:
            dispatcher.utter_message(response="utter_explain")
            return []
        data = question.get("data") or {}
        dispatcher.utter_message(response=f"utter_explain_{data['custom']['ask']}")
        dispatcher.utter_message(text=question.get("text"), buttons=data.get("buttons") or [],
                                 json_message=data["custom"])
        return []
