"""Start, watch and stop the assistant's processes: Rasa and the action server (RASA_REPLICAS of each), the web
server, the booking jobs, and Telegram's long polling. A service that exits is started again after a back-off
(RestartPolicy) while the others keep serving; one that keeps exiting stops the stack."""
from __future__ import annotations

import signal
import subprocess
import sys
import threading
import time
import urllib.request
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Optional

from bot.settings import ROOT, Settings
from bot.training import in_service, record_in_service

STARTUP_SECONDS = 300  # Rasa answers after about 15 s here; a small or busy server can take minutes
# Seconds the action server keeps a connection that has sent nothing yet (Sanic's default, 5, drops Rasa's calls
# when Rasa's event loop is busy longer than that between connecting and writing, as under full CPU load).
ACTIONS_IDLE_SECONDS = 60
# Native math libraries (OpenBLAS, OpenMP) run one thread in Rasa, unless the environment says otherwise: a message
# needs small products only, and their extra threads spun on the cores that other requests and processes need.
ONE_MATH_THREAD = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
SUPERVISION_TICK = 0.5  # seconds between two looks at the services while supervising
LOG_TAIL_LINES = 20  # lines of a service's log printed when it keeps exiting


def say_now(line: str) -> None:
    """Print a line at once, even to a pipe (a service manager's journal)."""
    print(line, flush=True)


@dataclass
class RestartPolicy:
    """When to start again a service that exited: after FIRST seconds, doubling at each exit in a row up to CAP;
    the count starts over once the service had run HEALTHY seconds; None (give up) when it has already been
    restarted MAX_RESTARTS times in the last WINDOW seconds."""

    first: float = 1
    cap: float = 30
    healthy: float = 60
    max_restarts: int = 5
    window: float = 120
    in_a_row: int = 0
    restarts: deque = field(default_factory=deque)  # monotonic times of the restarts within the window

    def delay(self, ran: float, now: float) -> Optional[float]:
        """Seconds to wait before restarting a service that exited at `now` after running `ran` seconds, or None
        when it keeps exiting."""
        if ran >= self.healthy:
            self.in_a_row = 0
        while self.restarts and now - self.restarts[0] > self.window:
            self.restarts.popleft()
        if len(self.restarts) >= self.max_restarts:
            return None
        wait = min(self.cap, self.first * 2 ** self.in_a_row)
        self.in_a_row += 1
        self.restarts.append(now + wait)
        return wait


@dataclass
class Service:
    """One process of the stack, and the URL that answers once it is ready (None: ready once running)."""

    name: str
    command: list[str]
    ready_url: Optional[str]
    env: dict[str, str]
    process: Optional[subprocess.Popen] = None
    started: float = 0  # time.monotonic() of the last start

    def start(self, log_dir: Path) -> None:
        with open(log_dir / f"{self.name}.log", "ab") as log:  # the process keeps its own copy of the file
            self.process = subprocess.Popen(self.command, cwd=ROOT, env=self.env, stdout=log,
                                            stderr=subprocess.STDOUT, start_new_session=True)
        self.started = time.monotonic()

    def is_ready(self) -> bool:
        if self.ready_url is None:
            return self.process is not None and self.process.poll() is None
        try:
            with urllib.request.urlopen(self.ready_url, timeout=2) as response:
                return response.status == 200
        except OSError:
            return False

    def terminate(self) -> None:
        """Ask the process to stop (it finishes the requests in flight)."""
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)

    def wait_stopped(self, timeout: float = 15) -> None:
        """Wait for the process to stop; kill it if it takes too long."""
        if self.process:
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def stop(self) -> None:
        self.terminate()
        self.wait_stopped()


@dataclass
class RasaService(Service):
    """A Rasa replica: started again with the model in service (deployed from the console since), not its first."""

    models_dir: Optional[Path] = None

    def start(self, log_dir: Path) -> None:
        current = in_service(self.models_dir) if self.models_dir else None
        if current:
            self.command[self.command.index("--model") + 1] = str(current)
        super().start(log_dir)


def replica_services(settings: Settings, model: Path, index: int) -> dict[str, Service]:
    """Rasa replica `index` and its own action server, on the ports of `settings` (the replica's): `rasa` and
    `actions` for the first, then `rasa-2` and `actions-2`..."""
    env = settings.environment()
    python = sys.executable
    suffix = f"-{index + 1}" if index else ""
    return {
        f"rasa{suffix}": RasaService(
            f"rasa{suffix}",
            [python, "-m", "bot.rasa_server", "--model", str(model), "--interface", settings.bind_host,
             "--port", str(settings.rasa_port), "--credentials", "credentials.yml",
             "--endpoints", "endpoints.yml", "--cors", settings.cors_origins],
            settings.url(settings.rasa_port, "/webhooks/rest/"), {**ONE_MATH_THREAD, **env},
            models_dir=settings.models_dir),
        f"actions{suffix}": Service(
            f"actions{suffix}",
            [python, "-m", "rasa_sdk", "--actions", "bot.actions", "--port", str(settings.actions_port)],
            settings.url(settings.actions_port, "/health"),
            {**env, "SANIC_HOST": settings.bind_host, "SANIC_KEEP_ALIVE_TIMEOUT": str(ACTIONS_IDLE_SECONDS)}),
    }


def services(settings: Settings, model: Path) -> dict[str, Service]:
    """The processes, on the settings' host and ports: the RASA_REPLICAS Rasa replicas with their action servers,
    web, jobs, and Telegram's long polling when a bot token is set without a public webhook address."""
    env = settings.environment()
    python = sys.executable
    stack: dict[str, Service] = {}
    for index in range(settings.rasa_replicas):
        stack.update(replica_services(settings.replica(index), model, index))
    stack["web"] = Service("web", [python, "-m", "bot", "web"], settings.url(settings.web_port, "/health"), env)
    stack["jobs"] = Service("jobs", [python, "-m", "bot", "jobs"], None, env)
    if settings.telegram_token and not settings.telegram_webhook_url:  # behind a NAT: poll Telegram
        stack["telegram"] = Service("telegram", [python, "-m", "bot", "telegram-polling"], None, env)
    return stack


class Stack:
    """All services together: started in order of need, ready together, stopped together."""

    def __init__(self, settings: Settings, model: Path):
        self.settings = settings.with_api_token()
        if model.parent == self.settings.models_dir:
            record_in_service(model.parent, model)
        self.services = services(self.settings, model)
        self.log_dir = settings.var_dir / "logs"

    def start(self, *names: str) -> None:
        """Start the named services (default: all), and wait until every started one answers."""
        self.log_dir.mkdir(parents=True, exist_ok=True)
        for name in names or self.services:
            self.services[name].start(self.log_dir)
        self.wait_until_ready()

    def wait_until_ready(self, timeout: float = STARTUP_SECONDS) -> None:
        """Block until every started service answers; raise naming the first one that died or hung."""
        deadline = time.monotonic() + timeout
        waiting = [service for service in self.services.values() if service.process]
        while waiting:
            self.raise_if_stopped()
            waiting = [service for service in waiting if not service.is_ready()]
            if waiting and time.monotonic() > deadline:
                raise RuntimeError(f"{waiting[0].name} not ready after {timeout:.0f} s")
            time.sleep(0.5)

    def wait_while_running(self) -> None:
        """Block while the services run, each restarted when it exits; raise naming one that keeps exiting."""
        self.supervise(threading.Event())

    def supervise(self, done: threading.Event, say: Callable[[str], None] = say_now,
                  policy: Callable[[], RestartPolicy] = RestartPolicy) -> None:
        """Until `done` is set, start again each service that exits, after its policy's back-off, telling `say` in
        one line; the others keep serving. Raise RuntimeError, with the end of its log, for one that keeps exiting."""
        policies = {name: policy() for name in self.services}
        due: dict[str, float] = {}  # the services waiting for their restart, and when
        while not done.wait(SUPERVISION_TICK):
            now = time.monotonic()
            for name, service in self.services.items():
                if name in due:
                    if now >= due[name]:
                        del due[name]
                        service.start(self.log_dir)
                    continue
                code = service.process.poll() if service.process else None
                if code is None:
                    continue
                ran = now - service.started
                wait = policies[name].delay(ran, now)
                if wait is None:
                    raise RuntimeError(f"{name} keeps stopping ({policies[name].max_restarts} restarts within "
                                       f"{policies[name].window:.0f} s); the end of {self.log_dir / name}.log:\n"
                                       f"{self.log_tail(name)}")
                say(f"{time.strftime('%H:%M:%S')} {name} exited (code {code}) after {ran:.0f} s: "
                    f"restarting in {wait:.0f} s")
                due[name] = now + wait

    def log_tail(self, name: str, lines: int = LOG_TAIL_LINES) -> str:
        """The last lines of a service's log."""
        try:
            text = (self.log_dir / f"{name}.log").read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])

    def raise_if_stopped(self) -> None:
        for service in self.services.values():
            if service.process and service.process.poll() is not None:
                raise RuntimeError(f"{service.name} stopped: see {self.log_dir / service.name}.log")

    def stop(self) -> None:
        """Stop every service; all are asked first, so a second Ctrl-C leaves none running."""
        for service in self.services.values():
            service.terminate()
        for service in self.services.values():
            service.wait_stopped()

    def __enter__(self) -> "Stack":
        try:
            self.start()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()
