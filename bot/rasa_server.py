"""`python -m bot.rasa_server ARGS`: `rasa run ARGS` with Rasa's HTTP API on, behind RASA_API_TOKEN.

The token goes to Rasa inside this process, never on a command line, which any local user can read (`ps`)."""
from __future__ import annotations

import os
import sys
from typing import Sequence


def api_arguments(token: str) -> list[str]:
    """What `rasa run` needs to serve its HTTP API to holders of `token` only."""
    if not token:
        raise SystemExit("RASA_API_TOKEN is empty: Rasa's HTTP API would be open to anyone; `python -m bot run` "
                         "sets one")
    return ["--enable-api", f"--auth-token={token}"]  # one argument: a random token may start with "-"


def main(argv: Sequence[str]) -> None:
    api = api_arguments(os.environ.get("RASA_API_TOKEN", ""))
    from rasa.__main__ import main as rasa_main  # slow: after the token is checked

    from bot import rasa_tuning

    rasa_tuning.install()
    sys.argv = ["rasa", "run", *argv, *api]
    rasa_main()


if __name__ == "__main__":
    main(sys.argv[1:])
