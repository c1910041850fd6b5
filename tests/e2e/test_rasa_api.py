"""Rasa's HTTP API on the real stack: only with the token, which nothing shows; the webhooks without it."""
from __future__ import annotations

from pathlib import Path

import pytest
import requests

from bot.services import Stack
from tests.e2e.chat import Chat

WRONG_TOKENS = [{}, {"token": ""}, {"token": "wrong"}]


def api(stack: Stack, path: str) -> str:
    return stack.settings.url(stack.settings.rasa_port, path)


@pytest.mark.parametrize("params", WRONG_TOKENS, ids=["no token", "empty token", "wrong token"])
def test_the_api_refuses_requests_without_the_token(stack: Stack, params: dict[str, str]) -> None:
    assert requests.get(api(stack, "/status"), params=params, timeout=10).status_code == 401
    assert requests.get(api(stack, "/conversations/someone/tracker"), params=params, timeout=10).status_code == 401
    replace_model = requests.put(api(stack, "/model"), params=params, json={"model_file": "/tmp/x.tar.gz"},
                                 timeout=10)
    assert replace_model.status_code == 401


def test_with_the_token_the_api_reads_the_model_and_a_conversation(stack: Stack, chat: Chat) -> None:
    assert requests.get(api(stack, "/webhooks/rest/"), timeout=10).status_code == 200  # webhooks need no token
    assert chat.say("Bonjour")
    token = {"token": stack.settings.rasa_api_token}
    status = requests.get(api(stack, "/status"), params=token, timeout=10)
    assert status.status_code == 200 and status.json()["model_file"].endswith(".tar.gz")
    tracker = requests.get(api(stack, f"/conversations/{chat.sender}/tracker"), params=token, timeout=10)
    assert tracker.status_code == 200
    assert "Bonjour" in [event.get("text") for event in tracker.json()["events"] if event["event"] == "user"]


def test_the_token_is_in_no_log_and_on_no_command_line(stack: Stack, chat: Chat) -> None:
    token = stack.settings.rasa_api_token
    requests.get(api(stack, "/status"), params={"token": token}, timeout=10)
    for log in stack.log_dir.glob("*.log"):
        assert token not in log.read_text(errors="replace"), log.name
    for service in stack.services.values():
        assert token.encode() not in Path(f"/proc/{service.process.pid}/cmdline").read_bytes(), service.name
