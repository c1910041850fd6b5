"""A real local SMTP server (aiosmtpd) that keeps what it receives, for the tests of emails to patrons."""
from __future__ import annotations

import email
from contextlib import contextmanager
from email.message import EmailMessage
from email.policy import default
from typing import Iterator

from aiosmtpd.controller import Controller

from tests.support.ports import free_port


class Inbox:
    """An aiosmtpd handler that keeps what it receives."""

    def __init__(self) -> None:
        self.messages: list[tuple[list[str], EmailMessage]] = []

    async def handle_DATA(self, server: object, session: object, envelope: object) -> str:
        self.messages.append((envelope.rcpt_tos, email.message_from_bytes(envelope.content, policy=default)))
        return "250 Message accepted"


class Refusing(Inbox):
    """A server that refuses every recipient, naming the address in its answer as real servers do."""

    async def handle_RCPT(self, server: object, session: object, envelope: object, address: str,
                          options: list[str]) -> str:
        return f"550 5.1.1 <{address}>: mailbox unavailable"


@contextmanager
def smtp_server(refusing: bool = False) -> Iterator[tuple[Inbox, str]]:
    """The server's inbox and its SMTP_URL, while it runs; `refusing`: it refuses every recipient."""
    handler = Refusing() if refusing else Inbox()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield handler, f"smtp://127.0.0.1:{controller.port}"
    finally:
        controller.stop()
