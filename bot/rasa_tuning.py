"""Rasa 3.6 made cheaper where profiling under load (`make bench`) found it wasting time, without changing what
it does:
- each custom action's answer is checked against Rasa's JSON schema with `jsonschema.validate`, which first checks
  the schema itself, on every call: a fifth of the Rasa server's CPU; then each event against 23 alternatives, one
  per event type: a tenth. The answer is still checked, by validators built once, each event against its type's;
- every event read from the tracker store finds its class by walking all subclasses of Event: a tenth of the CPU.
  The class found for a type name is remembered;
- each message and each prediction runs the model's graph through dask's scheduler, which costs more than most of
  the graph's nodes, to run them one after the other anyway. They are called in the same order without dask;
- every tracker made (read from the store, copied by forms and policies) copies each of the domain's slots with
  copy.copy's generic protocol (reduce, then rebuild): a tenth of the CPU. Slots get the same shallow copy
  directly.
Reading training data is made cheaper too (bot/rasa_reading.py).

One limit changes what a patron sees: Rasa 3.6 waits up to 5 minutes for a custom action (its
DEFAULT_REQUEST_TIMEOUT, which endpoints.yml cannot change), holding the conversation's lock all along, when the
action server hangs; here ACTION_TIMEOUT_SECONDS, and no later than TURN_SECONDS after the patron's message arrived
(`turn_started`, which the channels set: a turn that waited for the conversation's lock behind a hung one has what
is left), so that the patron has the apology within 10 s, and the next turns of the conversation are not stuck
behind the hung one."""
from __future__ import annotations

import time
from contextvars import ContextVar
from functools import lru_cache
from graphlib import TopologicalSorter
from typing import Any, Dict, List, Optional, Tuple, Type

import rasa.core.actions.action
import rasa.core.processor
from jsonschema import ValidationError
from rasa.core.actions.action import RemoteAction
from rasa.engine.exceptions import GraphRunError
from rasa.engine.runner.dask import DaskGraphRunner
from rasa.shared.core.events import Event
from rasa.shared.core.slots import Slot

from bot import rasa_reading
from bot.rasa_reading import checked_validator

ACTION_TIMEOUT_SECONDS = 7  # a custom action's longest wait: then the apology (bot/channels/rest.py), within 10 s
TURN_SECONDS = 8  # a turn's custom actions end this long after the patron's message at the latest (lock wait included)
MIN_ACTION_SECONDS = 1  # what a custom action has however late in its turn: enough for a server that answers
turn_started: ContextVar[Optional[float]] = ContextVar("turn_started", default=None)  # time.monotonic()
EVENT_CLASS_BY_TYPE: Dict[str, Type[Event]] = {}
find_event_class = Event.resolve_by_type  # Rasa's own, which walks the subclasses


RESPONSE_SCHEMA = RemoteAction.action_response_format_spec()
EVENT_SCHEMA = RESPONSE_SCHEMA["properties"]["events"]["items"]  # an event: one of 23 alternatives, one per type


@lru_cache(maxsize=None)
def response_validator() -> Any:
    """Rasa's response schema, except inside the events (each is checked with `event_validator`)."""
    events = {**RESPONSE_SCHEMA["properties"]["events"], "items": {}}
    return checked_validator({**RESPONSE_SCHEMA, "properties": {**RESPONSE_SCHEMA["properties"], "events": events}})


@lru_cache(maxsize=64)
def event_validator(type_name: Optional[str]) -> Any:
    """Rasa's event schema, its alternatives narrowed to those of `type_name`: the others require another type, so
    they never match (an unknown or missing type keeps them all, and fails as it would)."""
    alternatives = [one for one in EVENT_SCHEMA["oneOf"] if one["properties"]["event"]["const"] == type_name]
    return checked_validator({**EVENT_SCHEMA, "oneOf": alternatives} if alternatives else EVENT_SCHEMA)


def validate_action_result(action: RemoteAction, result: Dict[str, Any]) -> bool:
    """RemoteAction._validate_action_result with validators built once, and each event checked against the
    alternatives of its type only (jsonschema tried all 23, raising an error for each that did not match)."""
    try:
        response_validator().validate(result)
        for event in result.get("events", []):
            type_name = event.get("event") if isinstance(event, dict) else None
            event_validator(type_name if isinstance(type_name, str) else None).validate(event)
    except ValidationError as error:
        error.message += ". Failed to validate Action server response from API: see the custom actions docs."
        raise
    return True


def action_timeout() -> float:
    """Seconds the next custom action of this turn may take: ACTION_TIMEOUT_SECONDS, or what is left of the turn's
    TURN_SECONDS (MIN_ACTION_SECONDS at least)."""
    started = turn_started.get()
    if started is None:
        return ACTION_TIMEOUT_SECONDS
    return max(MIN_ACTION_SECONDS, min(ACTION_TIMEOUT_SECONDS, started + TURN_SECONDS - time.monotonic()))


run_remote_action = RemoteAction.run  # Rasa's own


async def run_within_the_turn(self: RemoteAction, *args: Any, **kwargs: Any) -> Any:
    """RemoteAction.run, which reads DEFAULT_REQUEST_TIMEOUT before its first await: set for this call."""
    rasa.core.actions.action.DEFAULT_REQUEST_TIMEOUT = action_timeout()
    return await run_remote_action(self, *args, **kwargs)


def event_class(type_name: str, default: Optional[Type[Event]] = None) -> Optional[Type[Event]]:
    """Event.resolve_by_type, remembering each class found (not the default given for an unknown type)."""
    if type_name not in EVENT_CLASS_BY_TYPE:
        found = find_event_class(type_name, default)
        if found is None or found is default:
            return found
        EVENT_CLASS_BY_TYPE[type_name] = found
    return EVENT_CLASS_BY_TYPE[type_name]


def copy_slot(slot: Slot) -> Slot:
    """copy.copy(slot): a new slot of the same class sharing the original's attribute values."""
    twin = object.__new__(type(slot))
    twin.__dict__.update(slot.__dict__)
    return twin


class SequentialGraphRunner(DaskGraphRunner):
    """Rasa's graph runner, the nodes a run needs called in dependency order in this thread instead of by dask."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._orders: Dict[Tuple[str, ...], Tuple[str, ...]] = {}

    def run(self, inputs: Optional[Dict[str, Any]] = None, targets: Optional[List[str]] = None) -> Dict[str, Any]:
        """The targets' results, as DaskGraphRunner.run gives them."""
        results = {name: (name, value) for name, value in (inputs or {}).items()}
        wanted = tuple(targets or self._graph_schema.target_names)
        try:
            for name in self._order(wanted):
                needs = self._graph_schema.nodes[name].needs.values()
                results[name] = self._instantiated_nodes[name](*(results[need] for need in needs))
        except RuntimeError as error:
            raise GraphRunError("Error running runner.") from error
        return dict(results[target] for target in wanted)

    def _order(self, targets: Tuple[str, ...]) -> Tuple[str, ...]:
        """The nodes that `targets` need, each after the nodes it needs (computed once per set of targets)."""
        if targets not in self._orders:
            nodes = self._graph_schema.minimal_graph_schema(list(targets)).nodes
            sorter = TopologicalSorter({name: [need for need in node.needs.values() if need in nodes]
                                        for name, node in nodes.items()})
            self._orders[targets] = tuple(sorter.static_order())
        return self._orders[targets]


def install() -> None:
    """Apply the tuning to this process's Rasa."""
    rasa_reading.install()
    rasa.core.processor.DaskGraphRunner = SequentialGraphRunner
    rasa.core.actions.action.DEFAULT_REQUEST_TIMEOUT = ACTION_TIMEOUT_SECONDS  # read by RemoteAction.run
    RemoteAction.run = run_within_the_turn
    RemoteAction._validate_action_result = validate_action_result
    Event.resolve_by_type = staticmethod(event_class)
    Slot.__copy__ = copy_slot
