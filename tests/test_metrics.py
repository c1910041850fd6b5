"""The figures of patron turns and failed actions move as a scripted conversation goes through the channel's turn
(`take_turn`), with a stand-in for Rasa that answers as the contract says; the sample dashboard and alert rules use
the names exported."""
from __future__ import annotations

import asyncio
import json
import logging
import re
from typing import Any

import pytest
import yaml
from prometheus_client import REGISTRY
from rasa.core.channels.channel import CollectingOutputChannel, UserMessage

from bot.channels.rest import take_turn
from bot.metrics import reset
from bot.settings import ROOT
from bot.web import metrics as web_metrics

# What the stand-in answers to each message: the triage a real turn carries, or a failure.
SCRIPT: dict[str, Any] = {
    "je veux apprendre les mails": {"route": "tutorial", "scope": "accompagner", "theme": "email", "confidence": 0.9},
    "aide": {"route": "clarify", "scope": "none", "confidence": 0.4,
             "candidates": [{"route": "tutorial", "theme": "email"}, {"route": "booking"}]},
    "blorp zzz": {"route": "out_of_scope", "scope": "none", "confidence": 0.0},
    "je ne veux pas vous parler de météo": {"route": "out_of_scope", "scope": "none", "confidence": 0.7},
    "Marie": None,  # an answer to the bot's question: no triage
    "un rendez-vous": "action fails",
    "plante": "turn raises",
}


def value(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


async def rasa_stand_in(message: UserMessage) -> None:
    answer = SCRIPT[message.text]
    if answer == "turn raises":
        raise RuntimeError("Rasa failed")
    if answer == "action fails":
        try:
            raise ConnectionError("action server unreachable")
        except ConnectionError:
            logging.getLogger("rasa.core.processor").exception(
                "Encountered an exception while running action 'action_booking_start'.Bot will continue")
        return
    await message.output_channel.send_text_message(message.sender_id, "Bien sûr.")
    if answer is not None:
        await message.output_channel.send_custom_json(message.sender_id, {"triage": answer})


def say(text: str, channel: str = "rest") -> list[dict[str, Any]]:
    output = CollectingOutputChannel()
    asyncio.run(take_turn(rasa_stand_in, UserMessage(text, output, "patron-1", input_channel=channel)))
    return output.messages


def snapshot(channel: str) -> dict[str, float]:
    figures = {f"route {route}": value("aiguillage_messages_total", channel=channel, route=route)
               for route in ("tutorial", "clarify", "out_of_scope", "none")}
    return {**figures,
            "fallback": value("aiguillage_fallback_messages_total", channel=channel),
            "clarify": value("aiguillage_clarify_messages_total", channel=channel),
            "failed": value("aiguillage_failed_turns_total", channel=channel),
            "latency count": value("aiguillage_turn_seconds_count", channel=channel),
            "latency sum": value("aiguillage_turn_seconds_sum", channel=channel),
            "action errors": value("aiguillage_action_errors_total", action="action_booking_start")}


def moved(before: dict[str, float], after: dict[str, float]) -> dict[str, float]:
    return {name: after[name] - before[name] for name in before if after[name] != before[name]}


@pytest.mark.parametrize("channel", ["rest", "telegram"])
def test_each_turn_counts_its_channel_route_and_latency(channel: str) -> None:
    before = snapshot(channel)
    say("je veux apprendre les mails", channel)
    say("je veux apprendre les mails", channel)
    say("Marie", channel)
    after = snapshot(channel)
    assert moved(before, after) == {"route tutorial": 2, "route none": 1, "latency count": 3,
                                    "latency sum": pytest.approx(after["latency sum"] - before["latency sum"])}
    assert 0 < after["latency sum"] - before["latency sum"] < 5


def test_clarify_and_not_understood_are_counted_apart() -> None:
    before = snapshot("rest")
    say("aide")
    say("blorp zzz")
    say("je ne veux pas vous parler de météo")  # out of scope, but understood as such
    changes = moved(before, snapshot("rest"))
    changes.pop("latency sum")
    assert changes == {"route clarify": 1, "clarify": 1, "route out_of_scope": 2, "fallback": 1, "latency count": 3}


def test_a_failed_action_and_a_failed_turn_are_counted_and_the_patron_still_answered() -> None:
    before = snapshot("rest")
    for text in ("un rendez-vous", "plante"):
        assert "Désolé" in say(text)[-1]["text"]
    changes = moved(before, snapshot("rest"))
    changes.pop("latency sum")
    assert changes == {"route none": 2, "failed": 2, "action errors": 1, "latency count": 2}


def test_a_route_outside_the_contract_is_counted_as_none() -> None:
    SCRIPT["bizarre"] = {"route": "<script>", "confidence": 1}
    try:
        before = snapshot("rest")
        say("bizarre")
        assert moved(before, snapshot("rest"))["route none"] == 1
        assert value("aiguillage_messages_total", channel="rest", route="<script>") == 0
    finally:
        del SCRIPT["bizarre"]


def test_reset_empties_the_folder_of_a_former_run(tmp_path: Any) -> None:
    folder = tmp_path / "metrics"
    folder.mkdir()
    (folder / "counter_123.db").write_bytes(b"old")
    reset(folder)
    assert folder.is_dir() and not any(folder.iterdir())


def exported_names() -> set[str]:
    suffixes = {"counter": ("_total",), "histogram": ("_bucket", "_sum", "_count"), "gauge": ("",)}
    families = [family for family in REGISTRY.collect() if family.name.startswith("aiguillage_")]
    families += list(web_metrics.families(web_metrics.Figures()))
    return {family.name + suffix for family in families for suffix in suffixes[family.type]}


@pytest.mark.parametrize("path", ["docs/deploy/alerts.yml", "docs/deploy/grafana-dashboard.json"])
def test_the_dashboard_and_the_alerts_use_exported_names(path: str) -> None:
    text = (ROOT / path).read_text(encoding="utf-8")
    used = set(re.findall(r"\baiguillage_[a-z_]+", text))
    assert used and used <= exported_names(), used - exported_names()


def test_the_alerts_and_the_dashboard_read() -> None:
    rules = yaml.safe_load((ROOT / "docs/deploy/alerts.yml").read_text(encoding="utf-8"))["groups"][0]["rules"]
    assert {"AiguillageDown", "AiguillageServiceDown", "AiguillageFallbackShareDoubled", "AiguillageSlowTurns"} \
        <= {rule["alert"] for rule in rules}
    assert all(rule["expr"] and rule["annotations"]["summary"] for rule in rules)
    dashboard = json.loads((ROOT / "docs/deploy/grafana-dashboard.json").read_text(encoding="utf-8"))
    assert all(target["expr"] for panel in dashboard["panels"] for target in panel["targets"])
