"""Every setting, read once from the environment, with embedded defaults for a bare machine."""
from __future__ import annotations

import hashlib
import os
import secrets
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Mapping, Optional

from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"  # our processes' own log lines
REDIS_LOCK_STORE = "bot.lock_store.RedisURLLockStore"  # endpoints.yml's lock store when LOCK_STORE_URL is set
ENV_FILE_VARIABLE = "AIGUILLAGE_ENV"  # names an environment file (a library's instance: make init-library)


def local_url(bind_host: str, port: int, path: str = "") -> str:
    """Address of a server bound to `bind_host:port` as a client on this machine reaches it."""
    host = "127.0.0.1" if bind_host in ("0.0.0.0", "::") else bind_host
    return f"http://{host}:{port}{path}"


def own_action_endpoint(actions_port: int) -> str:
    """The address of the action server that `make run` starts on `actions_port`."""
    return f"http://127.0.0.1:{actions_port}/webhook"


def read_env_file(path: Path) -> dict[str, str]:
    """The NAME=value lines of an environment file, as systemd's EnvironmentFile= and a shell's `set -a; . FILE`
    read them: blank lines and lines starting with # skipped, one pair of surrounding quotes removed."""
    values = {}
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = line.strip()
        if not line or line.startswith(("#", ";")):
            continue
        name, equals, value = line.removeprefix("export ").partition("=")
        if not equals or not name.strip().isidentifier():
            raise ValueError(f"{path}:{number}: not a NAME=value line")
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
            value = value[1:-1]
        values[name.strip()] = value
    return values


def with_env_file(environ: Mapping[str, str]) -> Mapping[str, str]:
    """`environ`, over the values of the file that its AIGUILLAGE_ENV names, if any: a variable set (not empty) in
    the environment wins over the file's."""
    name = environ.get(ENV_FILE_VARIABLE)
    if not name:
        return environ
    return {**read_env_file(Path(name)), **{key: value for key, value in environ.items() if value}}


def derived_secret(token: str) -> str:
    """A webhook secret (Telegram allows A-Z, a-z, 0-9, _ and -) that only the token's holder can compute."""
    return hashlib.sha256(f"aiguillage-webhook:{token}".encode()).hexdigest() if token else ""


@dataclass(frozen=True)
class Settings:
    """Ports, paths, store URLs and secrets; each has an environment variable of the same name. Secrets have no
    default but empty, and stay out of `repr` (test reports, logs)."""

    bind_host: str
    rasa_port: int
    actions_port: int
    web_port: int
    var_dir: Path
    models_dir: Path
    project_dir: Path  # what the model is trained from and the console edits: config.yml, domain.yml, data/
    knowledge_dir: Path
    instance_dir: Optional[Path]  # the library's instance (make init-library); None: the repository's sample files
    tracker_store_url: str
    action_endpoint_url: str
    cors_origins: str
    public_web_url: str  # where patrons reach the web server (tutorial links), without a trailing /
    public_chat_url: str  # where patrons' browsers reach Rasa's REST channel (the chat widget's data-bot-url)
    booking_database_url: str  # sites, availability and appointments: any SQLAlchemy URL
    booking_retention_days: int  # personal fields of a booking are erased this many days after it
    conversation_retention_days: int  # conversations are deleted this many days after their last message
    waitlist_skip_hours: int  # a patron given a workshop seat who could not be told in that time is skipped
    backup_dir: Path  # where `make backup` writes its archives (mode 0700)
    backup_keep: int  # the newest archives kept there; older ones are deleted after each backup
    smtp_url: str = field(repr=False)  # smtp://host:25, smtp+starttls://user:password@host:587, smtps://...
    smtp_from: str  # sender address of reminder emails
    staff_token: str = field(repr=False)  # secret of the staff exports (agenda feeds, CSV); empty: exports off
    metrics_token: str = field(repr=False)  # Bearer token of the web server's /metrics; empty: no /metrics (404)
    telegram_token: str = field(repr=False)  # the bot's token from @BotFather; empty: no Telegram channel
    telegram_secret: str = field(repr=False)  # header Telegram sends to the webhook (default: from the token)
    telegram_api_base: str  # Bot API server, without /bot<token>
    telegram_webhook_url: str  # public HTTPS address of /webhooks/telegram/webhook; empty: long polling
    rasa_api_token: str = field(repr=False)  # token of Rasa's HTTP API (?token=); empty: one per start
    rasa_replicas: int  # Rasa processes, each with its own action server, on RASA_PORT, RASA_PORT + 1...
    lock_store_url: str  # redis://host:6379/0 that the replicas share; empty: Rasa's in-memory lock store
    rasa_replica_urls: tuple[str, ...]  # Rasa replicas on other hosts (http://host:5005), pulling the model
    model_server_url: str  # where a replica on another host pulls the model in service: the web server's /model
    model_pull_seconds: int  # how often such a replica asks the model server for a new model

    @classmethod
    def from_env(cls, environ: Mapping[str, str] = os.environ) -> "Settings":
        """Settings from `environ` (and the file its AIGUILLAGE_ENV names), each missing or empty variable taking
        its default."""
        environ = with_env_file(environ)

        def _env(name: str, default: str) -> str:
            return environ.get(name) or default

        var_dir = Path(_env("VAR_DIR", str(ROOT / "var"))).resolve()
        actions_port = int(_env("ACTIONS_PORT", "5055"))
        web_port = int(_env("WEB_PORT", "8000"))
        bind_host = _env("BIND_HOST", "127.0.0.1")
        rasa_port = int(_env("RASA_PORT", "5005"))
        telegram_token = _env("TELEGRAM_TOKEN", "")
        return cls(
            bind_host=bind_host,
            rasa_port=rasa_port,
            actions_port=actions_port,
            web_port=web_port,
            var_dir=var_dir,
            models_dir=Path(_env("MODELS_DIR", str(ROOT / "models"))).resolve(),
            project_dir=Path(_env("PROJECT_DIR", str(ROOT))).resolve(),
            knowledge_dir=Path(_env("KNOWLEDGE_DIR", str(ROOT / "knowledge_base"))).resolve(),
            instance_dir=Path(environ["INSTANCE_DIR"]).resolve() if environ.get("INSTANCE_DIR") else None,
            tracker_store_url=_env("TRACKER_STORE_URL", f"sqlite:///{var_dir / 'tracker.db'}"),
            action_endpoint_url=_env("ACTION_ENDPOINT_URL", own_action_endpoint(actions_port)),
            cors_origins=_env("CORS_ORIGINS", "*"),
            public_web_url=_env("PUBLIC_WEB_URL", local_url(bind_host, web_port)).rstrip("/"),
            public_chat_url=_env("PUBLIC_CHAT_URL", local_url(bind_host, rasa_port, "/webhooks/rest/webhook")),
            booking_database_url=_env("BOOKING_DATABASE_URL", f"sqlite:///{var_dir / 'bookings.db'}"),
            booking_retention_days=int(_env("BOOKING_RETENTION_DAYS", "30")),
            conversation_retention_days=int(_env("CONVERSATION_RETENTION_DAYS", "90")),
            waitlist_skip_hours=int(_env("WAITLIST_SKIP_HOURS", "24")),
            backup_dir=Path(_env("BACKUP_DIR", str(var_dir / "backups"))).resolve(),
            backup_keep=int(_env("BACKUP_KEEP", "14")),
            smtp_url=_env("SMTP_URL", ""),
            smtp_from=_env("SMTP_FROM", "mediatheque@localhost"),
            staff_token=_env("STAFF_TOKEN", ""),
            metrics_token=_env("METRICS_TOKEN", ""),
            telegram_token=telegram_token,
            telegram_secret=_env("TELEGRAM_SECRET", derived_secret(telegram_token)),
            telegram_api_base=_env("TELEGRAM_API_BASE", "https://api.telegram.org").rstrip("/"),
            telegram_webhook_url=_env("TELEGRAM_WEBHOOK_URL", ""),
            rasa_api_token=_env("RASA_API_TOKEN", ""),
            rasa_replicas=int(_env("RASA_REPLICAS", "1")),
            lock_store_url=_env("LOCK_STORE_URL", ""),
            rasa_replica_urls=tuple(url.strip().rstrip("/") for url in _env("RASA_REPLICA_URLS", "").split(",")
                                    if url.strip()),
            model_server_url=_env("MODEL_SERVER_URL", ""),
            model_pull_seconds=int(_env("MODEL_PULL_SECONDS", "10")),
        )

    def with_api_token(self) -> "Settings":
        """These settings, with a random token for Rasa's HTTP API when RASA_API_TOKEN is not set."""
        return self if self.rasa_api_token else replace(self, rasa_api_token=secrets.token_urlsafe(32))

    def __post_init__(self) -> None:
        if self.rasa_replicas < 1:
            raise ValueError(f"RASA_REPLICAS must be 1 or more, not {self.rasa_replicas}")
        if self.backup_keep < 1:
            raise ValueError(f"BACKUP_KEEP must be 1 or more, not {self.backup_keep}")

    def replica(self, index: int) -> "Settings":
        """The settings of Rasa replica `index` (0 is the first): ports RASA_PORT + index and ACTIONS_PORT + index,
        and the action server on that port unless ACTION_ENDPOINT_URL names another one."""
        own = self.action_endpoint_url == own_action_endpoint(self.actions_port)
        actions_port = self.actions_port + index
        return replace(self, rasa_port=self.rasa_port + index, actions_port=actions_port,
                       action_endpoint_url=own_action_endpoint(actions_port) if own else self.action_endpoint_url)

    @property
    def metrics_dir(self) -> Path:
        """Where every process of this instance keeps its figures for /metrics (bot/metrics.py)."""
        return self.var_dir / "metrics"

    def url(self, port: int, path: str = "/") -> str:
        """Address of one of our servers as a local client reaches it."""
        return local_url(self.bind_host, port, path)

    def environment(self) -> dict[str, str]:
        """The environment of our child processes: this configuration, what endpoints.yml expands, the folder
        of their metrics, and quiet Rasa and TensorFlow (no telemetry, caches under var/)."""
        return {
            **os.environ,
            "BIND_HOST": self.bind_host,
            "RASA_PORT": str(self.rasa_port),
            "ACTIONS_PORT": str(self.actions_port),
            "WEB_PORT": str(self.web_port),
            "VAR_DIR": str(self.var_dir),
            "MODELS_DIR": str(self.models_dir),
            "PROJECT_DIR": str(self.project_dir),
            "KNOWLEDGE_DIR": str(self.knowledge_dir),
            "INSTANCE_DIR": str(self.instance_dir or ""),
            "TRACKER_STORE_URL": self.tracker_store_url,
            "TRACKER_STORE_DIALECT": make_url(self.tracker_store_url).get_backend_name(),
            "ACTION_ENDPOINT_URL": self.action_endpoint_url,
            "CORS_ORIGINS": self.cors_origins,
            "PUBLIC_WEB_URL": self.public_web_url,
            "PUBLIC_CHAT_URL": self.public_chat_url,
            "BOOKING_DATABASE_URL": self.booking_database_url,
            "BOOKING_RETENTION_DAYS": str(self.booking_retention_days),
            "CONVERSATION_RETENTION_DAYS": str(self.conversation_retention_days),
            "WAITLIST_SKIP_HOURS": str(self.waitlist_skip_hours),
            "BACKUP_DIR": str(self.backup_dir),
            "BACKUP_KEEP": str(self.backup_keep),
            "SMTP_URL": self.smtp_url,
            "SMTP_FROM": self.smtp_from,
            "STAFF_TOKEN": self.staff_token,
            "METRICS_TOKEN": self.metrics_token,
            "TELEGRAM_TOKEN": self.telegram_token,
            "TELEGRAM_SECRET": self.telegram_secret,
            "TELEGRAM_API_BASE": self.telegram_api_base,
            "TELEGRAM_WEBHOOK_URL": self.telegram_webhook_url,
            "RASA_API_TOKEN": self.rasa_api_token,
            "RASA_REPLICAS": str(self.rasa_replicas),
            "LOCK_STORE_URL": self.lock_store_url,
            "RASA_REPLICA_URLS": ",".join(self.rasa_replica_urls),
            "MODEL_SERVER_URL": self.model_server_url,
            "MODEL_PULL_SECONDS": str(self.model_pull_seconds),
            "LOCK_STORE_TYPE": REDIS_LOCK_STORE if self.lock_store_url else "in_memory",
            "PROMETHEUS_MULTIPROC_DIR": str(self.metrics_dir),  # each process's figures, for /metrics (bot/metrics.py)
            "RASA_TELEMETRY_ENABLED": "false",
            "RASA_CACHE_DIRECTORY": str(self.var_dir / "rasa-cache"),
            "TF_CPP_MIN_LOG_LEVEL": "2",
            "SQLALCHEMY_SILENCE_UBER_WARNING": "1",
            "PYTHONWARNINGS": "ignore",
        }


settings = Settings.from_env()
