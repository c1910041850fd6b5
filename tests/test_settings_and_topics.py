"""Settings from the environment, and the topic labels file."""
from __future__ import annotations

from pathlib import Path

import pytest

from bot.knowledge import KnowledgeError, Topics
from bot.knowledge.files import load_model
from bot.settings import ROOT, Settings


def test_defaults_work_on_a_bare_machine() -> None:
    settings = Settings.from_env({})
    assert (settings.rasa_port, settings.actions_port, settings.web_port) == (5005, 5055, 8000)
    assert settings.tracker_store_url == f"sqlite:///{ROOT / 'var' / 'tracker.db'}"
    assert settings.action_endpoint_url == "http://127.0.0.1:5055/webhook"
    assert settings.environment()["TRACKER_STORE_DIALECT"] == "sqlite"


def test_production_stores_are_configuration() -> None:
    settings = Settings.from_env({"ACTIONS_PORT": "6000", "VAR_DIR": "/srv/aiguillage",
                                  "TRACKER_STORE_URL": "postgresql://bot:secret@db/aiguillage"})
    assert settings.action_endpoint_url == "http://127.0.0.1:6000/webhook"
    assert settings.environment()["TRACKER_STORE_DIALECT"] == "postgresql"
    assert settings.environment()["RASA_CACHE_DIRECTORY"] == "/srv/aiguillage/rasa-cache"


def test_tutorial_links_use_the_public_address_of_the_web_server() -> None:
    assert Settings.from_env({"WEB_PORT": "8100"}).public_web_url == "http://127.0.0.1:8100"
    assert Settings.from_env({"BIND_HOST": "0.0.0.0"}).public_web_url == "http://127.0.0.1:8000"
    public = Settings.from_env({"PUBLIC_WEB_URL": "https://aide.mediatheque.fr/"})
    assert public.public_web_url == "https://aide.mediatheque.fr"
    assert public.environment()["PUBLIC_WEB_URL"] == "https://aide.mediatheque.fr"


def test_the_chat_widget_uses_the_public_address_of_the_rest_channel() -> None:
    assert Settings.from_env({"RASA_PORT": "5100"}).public_chat_url == "http://127.0.0.1:5100/webhooks/rest/webhook"
    public = Settings.from_env({"PUBLIC_CHAT_URL": "https://aide.mediatheque.fr/webhooks/rest/webhook"})
    assert public.environment()["PUBLIC_CHAT_URL"] == "https://aide.mediatheque.fr/webhooks/rest/webhook"


def test_booking_settings() -> None:
    bare = Settings.from_env({})
    assert bare.booking_database_url == f"sqlite:///{ROOT / 'var' / 'bookings.db'}"
    assert (bare.booking_retention_days, bare.smtp_url, bare.staff_token) == (30, "", "")
    configured = Settings.from_env({"VAR_DIR": "/srv/aiguillage", "BOOKING_RETENTION_DAYS": "15",
                                    "SMTP_URL": "smtp://mail:25", "STAFF_TOKEN": "t"})
    assert configured.booking_database_url == "sqlite:////srv/aiguillage/bookings.db"
    environment = configured.environment()
    assert (environment["BOOKING_RETENTION_DAYS"], environment["SMTP_URL"], environment["STAFF_TOKEN"]) == (
        "15", "smtp://mail:25", "t")
    assert environment["BOOKING_DATABASE_URL"] == "sqlite:////srv/aiguillage/bookings.db"


def test_every_theme_partner_kind_and_level_has_a_label(default_topics: Topics) -> None:
    assert default_topics.label("email") == "les e-mails"
    assert default_topics.label("intermediaire") == "intermédiaire"
    assert default_topics.label("caf") == "la CAF"


def test_a_missing_label_names_file_and_line(tmp_path: Path) -> None:
    text = (ROOT / "knowledge_base" / "topics.yml").read_text(encoding="utf-8")
    path = tmp_path / "topics.yml"
    path.write_text(text.replace("  wifi: le wifi\n", ""), encoding="utf-8")
    line = text[: text.index("themes:")].count("\n") + 1
    with pytest.raises(KnowledgeError, match=rf"topics.yml:{line}: themes: il manque le nom de wifi"):
        load_model(path, Topics)


def test_replicas_share_an_action_server_that_the_settings_name() -> None:
    own = Settings.from_env({"RASA_REPLICAS": "3", "RASA_PORT": "7000", "ACTIONS_PORT": "7100"}).replica(2)
    assert (own.rasa_port, own.actions_port, own.action_endpoint_url) == (7002, 7102, "http://127.0.0.1:7102/webhook")
    shared = Settings.from_env({"RASA_REPLICAS": "2", "ACTION_ENDPOINT_URL": "http://actions:5055/webhook"})
    assert shared.replica(1).action_endpoint_url == "http://actions:5055/webhook"
    with pytest.raises(ValueError, match="RASA_REPLICAS must be 1 or more"):
        Settings.from_env({"RASA_REPLICAS": "0"})
