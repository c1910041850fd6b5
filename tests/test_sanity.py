"""The sanity suite (tests/sanity.yml, written from docs/intents.md without reading the training data): for every
intent patrons type, the three shortest ways they say it reach it, and its nearest wrong neighbour does not fall
into it. Parsed by the trained model, with the whole NLU pipeline (signs, fallback)."""
from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
import yaml

SUITE = yaml.safe_load((Path(__file__).parent / "sanity.yml").read_text(encoding="utf-8"))


def intent_of(agent, text: str) -> str:
    return asyncio.run(agent.parse_message(text))["intent"]["name"]


@pytest.mark.parametrize("case", SUITE, ids=[case["intent"] for case in SUITE])
def test_the_shortest_ways_reach_the_intent_and_its_neighbour_stays_out(trained_agent, case: dict) -> None:
    understood = {text: intent_of(trained_agent, text) for text in case["shortest"]}
    assert understood == dict.fromkeys(case["shortest"], case["intent"])
    neighbour = case["neighbour"]
    assert intent_of(trained_agent, neighbour["text"]) == neighbour["intent"] != case["intent"]


def test_the_suite_covers_every_typed_intent() -> None:
    from rasa.shared.core.constants import DEFAULT_INTENTS
    from rasa.shared.core.domain import Domain

    from bot.settings import ROOT
    from tests.test_training_data import PAYLOAD_INTENTS

    typed = set(Domain.load(ROOT / "domain.yml").intents) - set(DEFAULT_INTENTS) - PAYLOAD_INTENTS
    assert {case["intent"] for case in SUITE} == typed | {"out_of_scope"}
