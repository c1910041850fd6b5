"""The simulated patrons of `make test-scale` and `make bench` count the apology as a lost request."""
from __future__ import annotations

import asyncio
import random

import httpx
import pytest

from bot.channels.rest import unavailable
from tests.scale.patrons import Lost, Patron, Traffic


def answered(text: str) -> tuple[Traffic, Patron]:
    """A patron whose every message gets `text` back from a REST channel on httpx's mock transport."""
    transport = httpx.MockTransport(lambda request: httpx.Response(200, json=[{"recipient_id": "x", "text": text}]))
    traffic = Traffic({}, deadline=float("inf"))
    return traffic, Patron(httpx.AsyncClient(transport=transport), "http://rasa", traffic, random.Random(0), (0, 0))


def test_an_answer_is_timed_and_returned() -> None:
    traffic, patron = answered("Bonjour !")
    assert asyncio.run(patron.say("bonjour")) == [{"recipient_id": "x", "text": "Bonjour !"}]
    assert len(traffic.latencies["rasa:None"]) == 1 and not traffic.errors


def test_the_apology_is_a_lost_request() -> None:
    traffic, patron = answered(unavailable())
    with pytest.raises(Lost):
        asyncio.run(patron.say("bonjour"))
    assert patron.broken and len(traffic.errors) == 1
