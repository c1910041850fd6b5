"""Rasa 3.6 made cheaper where profiling under load (`make bench`) found it wasting time, without changing what
it does:
- each custom action's answer is checked against Rasa's JSON schema with `jsonschema.validate`, which first checks
  the schema itself, on every call: a fifth of the Rasa server's CPU. The answer is still checked, by one validator
  built once;
- every event read from the tracker store finds its class by walking all subclasses of Event: a tenth of the CPU.
  The class found for a type name is remembered."""
from __future__ import annotations

from functools import lru_cache
from typing import Any, Dict, Optional, Type

from jsonschema import ValidationError
from jsonschema.validators import validator_for
from rasa.core.actions.action import RemoteAction
from rasa.shared.core.events import Event

EVENT_CLASS_BY_TYPE: Dict[str, Type[Event]] = {}
find_event_class = Event.resolve_by_type  # Rasa's own, which walks the subclasses


@lru_cache(maxsize=None)
def action_response_validator() -> Any:
    """The validator of Rasa's action response format, its schema checked once."""
    schema = RemoteAction.action_response_format_spec()
    validator = validator_for(schema)
    validator.check_schema(schema)
    return validator(schema)


def validate_action_result(action: RemoteAction, result: Dict[str, Any]) -> bool:
    """RemoteAction._validate_action_result with the validator built once."""
    try:
        action_response_validator().validate(result)
    except ValidationError as error:
        error.message += ". Failed to validate Action server response from API: see the custom actions docs."
        raise
    return True


def event_class(type_name: str, default: Optional[Type[Event]] = None) -> Optional[Type[Event]]:
    """Event.resolve_by_type, remembering each class found (not the default given for an unknown type)."""
    if type_name not in EVENT_CLASS_BY_TYPE:
        found = find_event_class(type_name, default)
        if found is None or found is default:
            return found
        EVENT_CLASS_BY_TYPE[type_name] = found
    return EVENT_CLASS_BY_TYPE[type_name]


def install() -> None:
    """Apply the tuning to this process's Rasa."""
    RemoteAction._validate_action_result = validate_action_result
    Event.resolve_by_type = staticmethod(event_class)
