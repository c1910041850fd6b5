"""bot/rasa_tuning.py changes how fast Rasa does two things, never what it does."""
from __future__ import annotations

import pytest
from jsonschema import ValidationError
from rasa.core.actions.action import RemoteAction
from rasa.shared.core.events import ActionExecuted, Event, SlotSet, UserUttered
from rasa.shared.utils.common import all_subclasses

from bot import rasa_tuning

ACTION = RemoteAction("action_triage", None)


def test_a_valid_action_answer_passes() -> None:
    answer = {"events": [{"event": "slot", "name": "level", "value": "debutant"}],
              "responses": [{"text": "Bonjour", "buttons": [{"title": "Oui", "payload": "/affirm"}]}]}
    assert rasa_tuning.validate_action_result(ACTION, answer) is True


@pytest.mark.parametrize("answer", [
    {"events": [{"event": "slot", "name": "level", "value": "debutant", "timestamp": "hier"}]},
    {"events": "slot"},
    {"responses": {"text": "Bonjour"}},
])
def test_an_invalid_action_answer_is_refused_as_by_rasa(answer: dict) -> None:
    with pytest.raises(ValidationError):
        ACTION._validate_action_result(answer)  # Rasa's own check
    with pytest.raises(ValidationError, match="Failed to validate Action server response"):
        rasa_tuning.validate_action_result(ACTION, answer)


def test_every_event_type_resolves_to_rasas_class() -> None:
    for event_class in all_subclasses(Event):
        assert rasa_tuning.event_class(event_class.type_name) is rasa_tuning.find_event_class(event_class.type_name)
    assert rasa_tuning.event_class("user") is UserUttered


def test_an_unknown_event_type_is_refused_or_given_the_default() -> None:
    with pytest.raises(ValueError):
        rasa_tuning.event_class("no_such_event")
    assert rasa_tuning.event_class("no_such_event", SlotSet) is SlotSet
    assert "no_such_event" not in rasa_tuning.EVENT_CLASS_BY_TYPE


def test_install_puts_the_tuned_functions_in_rasa(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(RemoteAction, "_validate_action_result", RemoteAction._validate_action_result)
    monkeypatch.setattr(Event, "resolve_by_type", staticmethod(Event.resolve_by_type))
    rasa_tuning.install()
    assert RemoteAction._validate_action_result is rasa_tuning.validate_action_result
    assert Event.resolve_by_type("action") is ActionExecuted
    assert Event.from_parameters({"event": "slot", "name": "level", "value": "avance"}) == SlotSet("level", "avance")
