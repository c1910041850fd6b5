"""Logs without personal data: every log record's message is masked when it is created, whatever logger
(ours, Rasa's, Sanic's, python-telegram-bot's) writes it."""
from __future__ import annotations

import logging
from typing import Any

from bot.privacy.redaction import redact


def install_log_redaction() -> None:
    """Mask personal data in every log record of this process (once, however often it is called)."""
    factory = logging.getLogRecordFactory()
    if getattr(factory, "redacts", False):
        return

    def redacting_factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = factory(*args, **kwargs)
        record.msg, record.args = redact(record.getMessage()), ()
        return record

    redacting_factory.redacts = True  # type: ignore[attr-defined]
    logging.setLogRecordFactory(redacting_factory)
