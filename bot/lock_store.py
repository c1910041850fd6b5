"""Rasa's Redis lock store configured by one URL (LOCK_STORE_URL), safe when several Rasa replicas receive
messages of the same conversation at once (endpoints.yml names it when LOCK_STORE_URL is set).

Rasa's RedisLockStore reads a conversation's ticket lock, changes it and writes it back; two replicas doing so
together can both hold the lock, or delete a ticket the other just issued (RasaHQ/rasa#11256). Here each of
those read-change-write steps holds a short Redis mutex of its conversation.
"""
from __future__ import annotations

from contextlib import contextmanager
from typing import Any, Iterator
from urllib.parse import unquote, urlsplit

from rasa.core.lock_store import LOCK_LIFETIME, RedisLockStore
from rasa.utils.endpoints import EndpointConfig

MUTEX_SECONDS = 5  # a mutex outlives a replica that dies holding it by this much at most
MUTEX_POLL_SECONDS = 0.002


def redis_arguments(url: str) -> dict[str, Any]:
    """RedisLockStore's arguments for `redis://[[user]:password@]host[:port][/db]` (`rediss://` for TLS)."""
    parts = urlsplit(url)
    if parts.scheme not in ("redis", "rediss"):
        raise ValueError(f"LOCK_STORE_URL must start with redis:// or rediss://, not {url!r}")
    return {"host": parts.hostname or "localhost", "port": parts.port or 6379,
            "db": int(parts.path.strip("/") or 0), "username": unquote(parts.username) if parts.username else None,
            "password": unquote(parts.password) if parts.password else None, "use_ssl": parts.scheme == "rediss"}


class RedisURLLockStore(RedisLockStore):
    """RedisLockStore from a URL (`url:` in endpoints.yml; other keys such as `key_prefix` pass through), whose
    ticket changes are atomic across replicas."""

    def __init__(self, endpoint_config: EndpointConfig) -> None:
        super().__init__(**redis_arguments(endpoint_config.url), **endpoint_config.kwargs)

    @contextmanager
    def _mutex(self, conversation_id: str) -> Iterator[None]:
        with self.red.lock(f"mutex:{self.key_prefix}{conversation_id}", timeout=MUTEX_SECONDS,
                           sleep=MUTEX_POLL_SECONDS, blocking_timeout=MUTEX_SECONDS):
            yield

    def issue_ticket(self, conversation_id: str, lock_lifetime: float = LOCK_LIFETIME) -> int:
        with self._mutex(conversation_id):
            return super().issue_ticket(conversation_id, lock_lifetime)

    def update_lock(self, conversation_id: str) -> None:
        with self._mutex(conversation_id):
            super().update_lock(conversation_id)

    def cleanup(self, conversation_id: str, ticket_number: int) -> None:
        with self._mutex(conversation_id):
            super().cleanup(conversation_id, ticket_number)
