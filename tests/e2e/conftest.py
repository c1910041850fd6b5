"""The real stack (Rasa with the trained model, action server, web server) on free local ports."""
from __future__ import annotations

import os
from typing import Iterator

import pytest

from bot.services import Stack
from bot.settings import Settings
from bot.training import ensure_model
from tests.e2e.chat import Chat
from tests.ports import free_port


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """Started once for all end-to-end tests, with its own empty tracker store."""
    environ = {**os.environ, "VAR_DIR": str(tmp_path_factory.mktemp("var")), "RASA_PORT": str(free_port()),
               "ACTIONS_PORT": str(free_port()), "WEB_PORT": str(free_port())}
    environ.pop("TRACKER_STORE_URL", None)
    environ.pop("ACTION_ENDPOINT_URL", None)
    with Stack(Settings.from_env(environ), ensure_model()) as running:
        yield running


@pytest.fixture
def chat(stack: Stack) -> Chat:
    """A new conversation with the running assistant."""
    return Chat(stack.settings.url(stack.settings.rasa_port, "/webhooks/rest/webhook"))
