"""A conversation with the real stack (the `stack` fixture of tests/conftest.py)."""
from __future__ import annotations

import pytest

from bot.services import Stack
from tests.e2e.chat import Chat


@pytest.fixture
def chat(stack: Stack) -> Chat:
    """A new conversation with the running assistant."""
    return Chat(stack.settings.url(stack.settings.rasa_port, "/webhooks/rest/webhook"))
