"""`python -m bot run | train | validate | web`: the assistant's commands."""
from __future__ import annotations

import argparse
import signal
import subprocess
import sys

from bot.settings import ROOT, settings


def run() -> int:
    """Train if needed, start every service, print their URLs, stop them all on Ctrl-C."""
    from bot.services import Stack
    from bot.training import ensure_model

    stack = Stack(settings, ensure_model())
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))  # a supervisor's stop also stops the services
    print("Starting Rasa, the action server and the web server...", flush=True)
    try:
        with stack:
            print(f"Ready.\n"
                  f"  Library page and widget : {settings.url(settings.web_port)}\n"
                  f"  Rasa REST channel       : {settings.url(settings.rasa_port, '/webhooks/rest/webhook')}\n"
                  f"  Action server           : {settings.url(settings.actions_port)}\n"
                  f"  Logs                    : {stack.log_dir}\n"
                  f"Press Ctrl-C to stop.", flush=True)
            stack.wait_while_running()
    except KeyboardInterrupt:
        print("\nStopped.")
    except RuntimeError as failure:  # a service could not start, or stopped by itself
        print(f"Stopped: {failure}", file=sys.stderr)
        return 1
    return 0


def train() -> int:
    from bot.training import ensure_model

    ensure_model()
    return 0


def validate() -> int:
    """Knowledge-base files, then Rasa's own check of the training data and domain."""
    from bot.knowledge import validate_all

    problems = validate_all()
    for problem in problems:
        print(problem, file=sys.stderr)
    if not problems:
        print("Knowledge base: OK")
    rasa_check = subprocess.run(
        [sys.executable, "-m", "rasa", "data", "validate", "--quiet", "--config", "config.yml",
         "--domain", "domain.yml", "--data", "data"], cwd=ROOT, env=settings.environment())
    return 1 if problems or rasa_check.returncode else 0


def web() -> int:
    from bot.web.app import serve

    serve(settings)
    return 0


COMMANDS = {"run": run, "train": train, "validate": validate, "web": web}


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bot", description=__doc__)
    parser.add_argument("command", choices=COMMANDS)
    return COMMANDS[parser.parse_args().command]()


if __name__ == "__main__":
    sys.exit(main())
