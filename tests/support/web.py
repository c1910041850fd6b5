"""The web server alone on a free port, through the same supervisor as `make run`, and plain GETs to it."""
from __future__ import annotations

import os
from contextlib import contextmanager
from email.message import Message
from pathlib import Path
from typing import Iterator
from urllib.error import HTTPError
from urllib.request import urlopen

from bot.services import Stack
from bot.settings import Settings
from tests.support.ports import free_port


@contextmanager
def web_server(var_dir: Path, **environ: str) -> Iterator[Settings]:
    """The web server running with `environ` over this process's environment; its settings."""
    settings = Settings.from_env({**os.environ, "VAR_DIR": str(var_dir), "WEB_PORT": str(free_port()), **environ})
    stack = Stack(settings, Path("no-model-needed"))
    stack.services = {"web": stack.services["web"]}
    with stack:
        yield settings


def get(url: str) -> tuple[int, Message, bytes]:
    """Status, headers (any case) and body of a GET, whatever the status."""
    try:
        with urlopen(url, timeout=10) as response:
            return response.status, response.headers, response.read()
    except HTTPError as error:
        return error.code, error.headers, error.read()
