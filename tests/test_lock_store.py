"""The lock store endpoints.yml selects: Rasa's in-memory one by default, ours on Redis with LOCK_STORE_URL."""
from __future__ import annotations

import pytest
from rasa.core.lock_store import InMemoryLockStore, LockStore
from rasa.utils.endpoints import read_endpoint_config

from bot.lock_store import RedisURLLockStore, redis_arguments
from bot.settings import ROOT, Settings


def lock_store(monkeypatch: pytest.MonkeyPatch, environ: dict[str, str]) -> LockStore:
    """The lock store Rasa creates from endpoints.yml in the environment `python -m bot run` gives it."""
    for name, value in Settings.from_env(environ).environment().items():
        monkeypatch.setenv(name, value)
    return LockStore.create(read_endpoint_config(str(ROOT / "endpoints.yml"), "lock_store"))


def test_without_a_url_rasa_keeps_its_locks_in_memory(monkeypatch: pytest.MonkeyPatch) -> None:
    assert isinstance(lock_store(monkeypatch, {}), InMemoryLockStore)


def test_a_redis_url_selects_the_redis_lock_store(monkeypatch: pytest.MonkeyPatch) -> None:
    store = lock_store(monkeypatch, {"LOCK_STORE_URL": "redis://:s%40cret@cache.local:6380/2"})
    assert isinstance(store, RedisURLLockStore)
    connection = store.red.connection_pool.connection_kwargs
    assert (connection["host"], connection["port"], connection["db"], connection["password"]) == (
        "cache.local", 6380, 2, "s@cret")


def test_redis_urls() -> None:
    assert redis_arguments("redis://cache") == {"host": "cache", "port": 6379, "db": 0, "username": None,
                                                "password": None, "use_ssl": False}
    assert redis_arguments("rediss://bot:pw@cache:6390/1")["use_ssl"]
    with pytest.raises(ValueError, match="must start with redis://"):
        redis_arguments("cache:6379")
