"""bot/rasa_tuning.py and bot/rasa_reading.py change how fast Rasa does five things, never what it does; and how
long Rasa waits for a hung action server."""
from __future__ import annotations

import asyncio
import copy
import socket
import time
from pathlib import Path
from typing import Any, Dict, List

import pytest
import rasa.core.actions.action
import rasa.core.processor
import rasa.shared.utils.validation
from jsonschema import ValidationError
from rasa.core.actions.action import RemoteAction
from rasa.core.channels.channel import CollectingOutputChannel
from rasa.engine.exceptions import GraphComponentException
from rasa.engine.graph import ExecutionContext, GraphComponent, GraphSchema, SchemaNode
from rasa.engine.runner.dask import DaskGraphRunner
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, Event, SlotSet, UserUttered
from rasa.shared.core.slots import Slot
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.exceptions import SchemaValidationError
from rasa.shared.nlu.training_data.formats.rasa_yaml import RasaYAMLReader
from rasa.shared.utils.common import all_subclasses
from rasa.utils.endpoints import EndpointConfig

from bot import rasa_reading, rasa_tuning
from bot.settings import ROOT

ACTION = RemoteAction("action_triage", None)
CALLS: List[str] = []


class Step(GraphComponent):
    """A node that records its call and appends its name to what it received."""

    @classmethod
    def create(cls, config: Dict[str, Any], **context: Any) -> "Step":
        return cls(config["name"])

    def __init__(self, name: str) -> None:
        self.name = name

    def join(self, first: str, second: str = "") -> str:
        CALLS.append(self.name)
        if first == "boom":
            raise ValueError("the component failed")
        return f"{first}{second}>{self.name}"


def step(name: str, **needs: str) -> SchemaNode:
    return SchemaNode(needs=needs, uses=Step, constructor_name="create", fn="join", config={"name": name})


# a diamond (split feeds left and right, both feed merge) and a node that no target needs
SCHEMA = GraphSchema({
    "split": step("split", first="__text__"),
    "left": step("left", first="split"),
    "right": step("right", first="split"),
    "merge": step("merge", first="left", second="right"),
    "unused": step("unused", first="__text__"),
})


def test_a_valid_action_answer_passes() -> None:
    answer = {"events": [{"event": "slot", "name": "level", "value": "debutant"}],
              "responses": [{"text": "Bonjour", "buttons": [{"title": "Oui", "payload": "/affirm"}]}]}
    assert rasa_tuning.validate_action_result(ACTION, answer) is True


def test_every_event_type_rasa_accepts_passes() -> None:
    for example in [{"event": "slot", "name": "level", "value": None}, {"event": "active_loop", "name": None},
                    {"event": "followup", "name": "action_tutorial"}, {"event": "reset_slots"},
                    {"event": "bot", "text": "Bonjour", "data": {"buttons": []}}, {"event": "restart"},
                    {"event": "user", "text": "bonjour", "parse_data": {"intent": {"name": "greet"}}},
                    {"event": "reminder", "intent": "remind", "date_time": "2026-11-28T10:00:00", "name": "r"}]:
        assert ACTION._validate_action_result({"events": [example]}) is True  # Rasa's own check
        assert rasa_tuning.validate_action_result(ACTION, {"events": [example]}) is True


@pytest.mark.parametrize("answer", [
    {"events": [{"event": "slot", "name": "level", "value": "debutant", "timestamp": "hier"}]},
    {"events": [{"event": "slot", "value": "debutant"}]},  # a slot without its name
    {"events": [{"event": "no_such_event"}]},
    {"events": [{"event": 3}]},
    {"events": [{"name": "level"}]},
    {"events": ["slot"]},
    {"events": "slot"},
    {"responses": {"text": "Bonjour"}},
    [],
])
def test_an_invalid_action_answer_is_refused_as_by_rasa(answer: Any) -> None:
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


def test_a_slot_is_copied_as_copy_copy_does() -> None:
    domain = Domain.load("domain.yml")
    types = {type(slot) for slot in domain.slots}
    assert len(types) >= 4  # text, categorical, bool, any… of our domain
    for slot in domain.slots:
        slot.value = ["a", "list"]
        expected, twin = copy.copy(slot), rasa_tuning.copy_slot(slot)
        assert type(twin) is type(slot) and twin is not slot
        assert vars(twin) == vars(expected)
        assert twin.value is slot.value  # shallow, as copy.copy
        twin.value = "changed"
        assert slot.value == ["a", "list"]


def runners(tmp_path: Path) -> List[DaskGraphRunner]:
    """Rasa's dask runner and ours, on the same schema."""
    storage = LocalModelStorage(tmp_path)
    return [runner.create(SCHEMA, storage, ExecutionContext(SCHEMA, "model"))
            for runner in (DaskGraphRunner, rasa_tuning.SequentialGraphRunner)]


@pytest.mark.parametrize("targets", [["merge"], ["left", "merge"], ["right"], ["unused", "split"]])
def test_the_graph_runs_as_with_dask(tmp_path: Path, targets: List[str]) -> None:
    results, calls = [], []
    for runner in runners(tmp_path):
        CALLS.clear()
        results.append(runner.run({"__text__": "hi"}, targets))
        calls.append(sorted(CALLS))
    assert results[0] == results[1]
    assert calls[0] == calls[1]
    assert len(calls[1]) == len(set(calls[1]))  # every node once, even both branches of the diamond


def test_a_node_needed_first_runs_first(tmp_path: Path) -> None:
    CALLS.clear()
    assert runners(tmp_path)[1].run({"__text__": "a"}, ["merge"]) == {"merge": "a>split>lefta>split>right>merge"}
    assert CALLS.index("split") < CALLS.index("left") < CALLS.index("merge")
    assert CALLS.index("right") < CALLS.index("merge")


def test_a_failing_node_fails_the_run_as_with_dask(tmp_path: Path) -> None:
    for runner in runners(tmp_path):
        with pytest.raises(GraphComponentException):
            runner.run({"__text__": "boom"}, ["merge"])


def test_install_puts_the_tuned_functions_in_rasa(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(rasa.core.processor, "DaskGraphRunner", DaskGraphRunner)
    monkeypatch.setattr(Slot, "__copy__", None, raising=False)  # removed again after the test
    monkeypatch.setattr(RemoteAction, "_validate_action_result", RemoteAction._validate_action_result)
    monkeypatch.setattr(Event, "resolve_by_type", staticmethod(Event.resolve_by_type))
    monkeypatch.setattr(rasa.core.actions.action, "DEFAULT_REQUEST_TIMEOUT", 300)  # Rasa's own 5 minutes
    monkeypatch.setattr(RemoteAction, "run", RemoteAction.run)
    rasa_tuning.install()
    assert rasa.core.actions.action.DEFAULT_REQUEST_TIMEOUT == rasa_tuning.ACTION_TIMEOUT_SECONDS
    assert RemoteAction.run is rasa_tuning.run_within_the_turn
    assert RemoteAction._validate_action_result is rasa_tuning.validate_action_result
    assert rasa.core.processor.DaskGraphRunner is rasa_tuning.SequentialGraphRunner  # the runner of loaded models
    assert Slot.__copy__ is rasa_tuning.copy_slot
    assert Event.resolve_by_type("action") is ActionExecuted
    assert Event.from_parameters({"event": "slot", "name": "level", "value": "avance"}) == SlotSet("level", "avance")


def read_with(validate: Any, text: str, monkeypatch: pytest.MonkeyPatch) -> List[Any]:
    """The training examples and synonyms Rasa's YAML reader finds in `text`, annotations checked by `validate`."""
    monkeypatch.setattr(rasa.shared.utils.validation, "validate_training_data", validate)
    data = RasaYAMLReader().reads(text)
    return [message.as_dict() for message in data.training_examples] + [data.entity_synonyms]


@pytest.mark.parametrize("path", sorted((ROOT / "data" / "nlu").glob("*.yml")), ids=lambda path: path.name)
def test_the_nlu_files_read_as_with_rasa_s_own_checks(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    text = path.read_text()
    tuned = read_with(rasa_reading.validate_training_data, text, monkeypatch)
    assert tuned == read_with(rasa_reading.STOCK, text, monkeypatch) and (len(tuned) > 1 or tuned[0])


def test_a_wrong_entity_annotation_is_refused_as_by_rasa(monkeypatch: pytest.MonkeyPatch) -> None:
    text = 'version: "3.1"\nnlu:\n- intent: ask_caf\n  examples: |\n    - la [caf]{"entity": 3}\n'
    refusals = []
    for validate in (rasa_reading.STOCK, rasa_reading.validate_training_data):
        with pytest.raises(SchemaValidationError) as refused:
            read_with(validate, text, monkeypatch)
        refusals.append(str(refused.value))
    assert refusals[0] == refusals[1] and "entity" in refusals[0]


def test_installing_puts_the_faster_check_in_rasa(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(rasa.shared.utils.validation, "validate_training_data", rasa_reading.STOCK)
    rasa_reading.install()
    assert rasa.shared.utils.validation.validate_training_data is rasa_reading.validate_training_data


def test_a_hung_action_server_fails_the_action_after_the_timeout_install_sets(monkeypatch: pytest.MonkeyPatch) -> None:
    """RemoteAction.run reads DEFAULT_REQUEST_TIMEOUT at each call, the value install() sets (here shorter still): a
    server that accepts the call and never answers (stopped by SIGSTOP) fails the action, which gives the apology."""
    assert rasa_tuning.ACTION_TIMEOUT_SECONDS <= 7  # the apology within 10 s, even on a busy machine
    monkeypatch.setattr(rasa.core.actions.action, "DEFAULT_REQUEST_TIMEOUT", 0.5)
    with socket.socket() as hung:  # listens, never reads nor answers
        hung.bind(("127.0.0.1", 0))
        hung.listen()
        action = RemoteAction("action_hung", EndpointConfig(f"http://127.0.0.1:{hung.getsockname()[1]}/webhook"))
        started = time.monotonic()
        with pytest.raises(asyncio.TimeoutError):
            asyncio.run(action.run(CollectingOutputChannel(), None, DialogueStateTracker("patron", []),
                                   Domain.empty()))
        assert time.monotonic() - started < 3


def test_a_custom_action_has_what_is_left_of_its_turn() -> None:
    assert rasa_tuning.action_timeout() == rasa_tuning.ACTION_TIMEOUT_SECONDS  # outside a patron's turn
    for waited, timeout in ((0, 7), (0.5, 7), (3, 5), (7.5, 1), (20, 1)):  # waited for the lock, say
        token = rasa_tuning.turn_started.set(time.monotonic() - waited)
        try:
            assert rasa_tuning.action_timeout() == pytest.approx(timeout, abs=0.05)
        finally:
            rasa_tuning.turn_started.reset(token)


def test_the_timeout_is_set_for_each_call(monkeypatch: pytest.MonkeyPatch) -> None:
    seen = []

    async def rasas_run(action: RemoteAction, *args: Any) -> list:
        seen.append(rasa.core.actions.action.DEFAULT_REQUEST_TIMEOUT)
        return []

    monkeypatch.setattr(rasa_tuning, "run_remote_action", rasas_run)
    monkeypatch.setattr(rasa.core.actions.action, "DEFAULT_REQUEST_TIMEOUT", 300)
    token = rasa_tuning.turn_started.set(time.monotonic() - 5)
    try:
        asyncio.run(rasa_tuning.run_within_the_turn(ACTION))
    finally:
        rasa_tuning.turn_started.reset(token)
    assert seen == [pytest.approx(3, abs=0.05)]
