"""/metrics of the running stack moves as a scripted conversation runs over REST: messages counted for channel
`rest` with the routes the turns carried, latency observed, the model in service; the action server stopped is
seen down, its failed actions and the apologies counted; nothing without the token. The stack is shared with other
tests: figures are compared before and after."""
from __future__ import annotations

from collections import Counter
from pathlib import Path

import requests
from prometheus_client.parser import text_string_to_metric_families

from bot.services import Stack
from tests.conftest import METRICS_TOKEN
from tests.e2e.chat import Chat, triage_payloads
from tests.e2e.test_faults import apologised, stopped
from tests.e2e.test_telegram import TelegramChat
from tests.support.telegram_standin import BotAPIStandIn

SCRIPT = [
    "Bonjour, je voudrais apprendre à joindre un document à un courriel",
    "la caf a arrêté de me verser l'APL je comprends pas pourquoi",
    "quel temps il fera demain à Marseille",
    "xqzw vbnmk plorf",
]

Samples = dict[tuple[str, frozenset], float]


def scrape(stack: Stack, token: str = METRICS_TOKEN) -> requests.Response:
    url = stack.settings.url(stack.settings.web_port, "/metrics")
    return requests.get(url, headers={"Authorization": f"Bearer {token}"} if token else {}, timeout=30)


def samples(stack: Stack) -> Samples:
    response = scrape(stack)
    assert response.status_code == 200
    return {(sample.name, frozenset(sample.labels.items())): sample.value
            for family in text_string_to_metric_families(response.text) for sample in family.samples}


def delta(before: Samples, after: Samples, name: str, **labels: str) -> float:
    key = (name, frozenset(labels.items()))
    return after.get(key, 0) - before.get(key, 0)


def test_a_conversation_moves_the_figures(stack: Stack, chat: Chat) -> None:
    before = samples(stack)
    routes: Counter[str] = Counter()
    not_understood = 0
    for text in SCRIPT:
        [triage] = triage_payloads(chat.say(text))
        routes[triage["route"]] += 1
        not_understood += triage["route"] == "out_of_scope" and triage["confidence"] == 0
    after = samples(stack)
    assert {"tutorial", "referral", "out_of_scope"} <= set(routes)
    for route, count in routes.items():
        assert delta(before, after, "aiguillage_messages_total", channel="rest", route=route) == count, route
    assert delta(before, after, "aiguillage_fallback_messages_total", channel="rest") == not_understood >= 1
    assert delta(before, after, "aiguillage_turn_seconds_count", channel="rest") == len(SCRIPT)
    assert delta(before, after, "aiguillage_turn_seconds_sum", channel="rest") > 0
    assert delta(before, after, "aiguillage_failed_turns_total", channel="rest") == 0
    served = Path(stack.services["rasa"].command[stack.services["rasa"].command.index("--model") + 1]).name
    assert after[("aiguillage_model_info", frozenset({"service": "rasa", "model": served}.items()))] == 1
    assert after[("aiguillage_service_up", frozenset({"service": "actions"}.items()))] == 1
    assert after[("aiguillage_database_up", frozenset())] == 1


def test_a_telegram_turn_is_counted_for_its_channel(stack: Stack, telegram_api: BotAPIStandIn) -> None:
    before = samples(stack)
    assert TelegramChat(stack, telegram_api).say("je voudrais apprendre à envoyer un mail")
    after = samples(stack)
    assert delta(before, after, "aiguillage_messages_total", channel="telegram", route="tutorial") == 1
    assert delta(before, after, "aiguillage_turn_seconds_count", channel="telegram") == 1
    assert delta(before, after, "aiguillage_turn_seconds_count", channel="rest") == 0


def action_errors(figures: Samples) -> float:
    return sum(value for (name, _), value in figures.items() if name == "aiguillage_action_errors_total")


def test_a_stopped_action_server_is_seen_down_and_its_failures_counted(stack: Stack, chat: Chat) -> None:
    before = samples(stack)
    with stopped(stack, "actions"):
        assert apologised(chat.say("je voudrais apprendre à envoyer un mail"))
        down = samples(stack)
    assert down[("aiguillage_service_up", frozenset({"service": "actions"}.items()))] == 0
    assert action_errors(down) - action_errors(before) >= 1
    assert delta(before, down, "aiguillage_failed_turns_total", channel="rest") == 1
    assert samples(stack)[("aiguillage_service_up", frozenset({"service": "actions"}.items()))] == 1


def test_the_metrics_need_the_token(stack: Stack) -> None:
    assert scrape(stack, token="").status_code == 401
    assert scrape(stack, token="not-the-token").status_code == 401
