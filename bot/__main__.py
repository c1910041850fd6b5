"""`python -m bot run | train | validate | web | jobs | telegram-polling | telegram-webhook | replica | backup |
restore FILE | import-lieux FILE | staff-add EMAIL NAME | retrain ID | init-library DIR`: the assistant's commands.
With AIGUILLAGE_ENV naming an instance's environment file (init-library), each works on that instance."""
from __future__ import annotations

import argparse
import signal
import subprocess
import sys
from pathlib import Path
from typing import NoReturn, Optional, Sequence

from bot.contract import PARTNER_KINDS
from bot.settings import ENV_FILE_VARIABLE, LOG_FORMAT, Settings, settings
from bot.staff.models import ADMIN, ROLES


def run() -> int:
    """Train if needed, prepare the booking database, start every service, stop them all on Ctrl-C."""
    from sqlalchemy.engine import make_url

    from bot.booking.store import ensure_database
    from bot.instance import check
    from bot.knowledge import KnowledgeError
    from bot.metrics import reset
    from bot.services import Stack
    from bot.training import ensure_model

    instance_problems = check(settings).problems  # an instance this release cannot read as it is
    if instance_problems:
        print("\n".join([*instance_problems, "Nothing started: make validate says more."]), file=sys.stderr)
        return 1
    stack = Stack(settings, ensure_model())
    try:
        ensure_database(settings).close()  # once here, before the services that use it start together
    except KnowledgeError as error:
        print(error, file=sys.stderr)
        return 1
    reset(settings.metrics_dir)  # the figures of a former run are not this one's
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))  # a supervisor's stop also stops the services
    print("Starting Rasa, the action server, the web server and the booking jobs...", flush=True)
    try:
        with stack:
            print(f"Ready.\n"
                  f"  Library page and widget : {settings.url(settings.web_port)}\n"
                  f"  Staff console           : {settings.url(settings.web_port, '/console/')}\n"
                  f"  Rasa REST channel       : {rest_channels(settings)}\n"
                  f"  Rasa HTTP API           : {settings.url(settings.rasa_port)} ({api_token_source(settings)})\n"
                  f"  Action server           : {settings.url(settings.actions_port)}\n"
                  f"  Bookings database       : {make_url(settings.booking_database_url).render_as_string()}\n"
                  f"  Logs                    : {stack.log_dir}\n"
                  f"  Telegram                : {telegram_mode(settings)}\n"
                  f"Press Ctrl-C to stop.", flush=True)
            if settings.telegram_token and settings.telegram_webhook_url:
                telegram_webhook()
            stack.wait_while_running()
    except KeyboardInterrupt:
        print("\nStopped.")
    except RuntimeError as failure:  # a service could not start, or stopped by itself
        print(f"Stopped: {failure}", file=sys.stderr)
        return 1
    return 0


def api_token_source(settings: Settings) -> str:
    """Where the HTTP API's token comes from; never the token itself."""
    return "token: RASA_API_TOKEN" if settings.rasa_api_token else "token: random for this run, see RASA_API_TOKEN"


def rest_channels(settings: Settings) -> str:
    """The REST channel of each Rasa replica; several want a reverse proxy in front (docs/deploy/nginx.conf)."""
    urls = [settings.url(settings.replica(index).rasa_port, "/webhooks/rest/webhook")
            for index in range(settings.rasa_replicas)]
    return " ".join(urls) + (" (balance them: docs/deploy/nginx.conf)" if len(urls) > 1 else "")


def telegram_mode(settings: Settings) -> str:
    if not settings.telegram_token:
        return "off (set TELEGRAM_TOKEN)"
    return f"webhook at {settings.telegram_webhook_url}" if settings.telegram_webhook_url else "long polling"


def telegram_polling() -> int:
    """Relay Telegram's updates to Rasa by long polling (when the library has no public HTTPS address)."""
    from bot.telegram.polling import run_polling

    return run_polling(settings)


def telegram_webhook() -> int:
    """Register TELEGRAM_WEBHOOK_URL (and the secret) with Telegram, and the bot's command menu."""
    import asyncio

    from telegram.error import TelegramError

    from bot.telegram.client import set_webhook

    if not (settings.telegram_token and settings.telegram_webhook_url):
        print("Set TELEGRAM_TOKEN and TELEGRAM_WEBHOOK_URL (the public https address of /webhooks/telegram/webhook).",
              file=sys.stderr)
        return 1
    try:
        asyncio.run(set_webhook(settings))
    except TelegramError as error:
        print(f"Telegram refused the webhook: {error}", file=sys.stderr)
        return 1
    print(f"Telegram now posts updates to {settings.telegram_webhook_url}")
    return 0


def train() -> int:
    """Train a model, only if its inputs changed since the last one."""
    from bot.training import ensure_model

    ensure_model()
    return 0


def validate() -> int:
    """The instance against this release, its knowledge-base files, then Rasa's own check of the training data and
    domain (its readers tuned)."""
    from bot.instance import check
    from bot.knowledge import validate_all
    from bot.training import with_our_code

    instance = check(settings)
    for line in instance.notes:
        print(line)
    problems = instance.problems + validate_all()
    for problem in problems:
        print(problem, file=sys.stderr)
    if not problems:
        print(f"Knowledge base ({settings.knowledge_dir}): OK")
    print(f"Training data ({settings.project_dir}):", flush=True)
    rasa_check = subprocess.run(
        [sys.executable, "-m", "bot.rasa_reading", "data", "validate", "--quiet", "--config", "config.yml",
         "--domain", "domain.yml", "--data", "data"], cwd=settings.project_dir,
        env=with_our_code(settings.environment()))
    return 1 if problems or rasa_check.returncode else 0


def web() -> int:
    """Start the web server alone."""
    from bot.booking.store import ensure_database
    from bot.web.app import serve

    ensure_database(settings).close()
    serve(settings)
    return 0


def jobs() -> int:
    """Run the booking jobs alone: reminders and erasure of personal data, every 10 minutes."""
    from bot.jobs import run_jobs

    return run_jobs(settings)


def import_lieux(source: Path, out: Path, kind: Optional[str], force: bool, remove_gone: bool) -> int:
    """Partner files from a national file of places (CSV or JSON), or their refresh; report what changed, the
    rows that cannot be used and why, and the places the file no longer has."""
    from bot.knowledge import KnowledgeError
    from bot.lieux.importing import import_lieux as import_rows

    try:
        report = import_rows(source, out, kind=kind, force=force, remove_gone=remove_gone)
    except (KnowledgeError, OSError) as error:
        print(error, file=sys.stderr)
        return 1
    for message in report.messages:
        print(message, file=sys.stderr)
    print(report.summary(out))
    return 0 if report.written or report.unchanged else 1


def staff_add(email: str, name: str, role: str) -> int:
    """Create a console account (the first admin, say); the password is asked twice, or read from standard input."""
    import getpass

    from bot.db.upgrade import upgrade
    from bot.staff.accounts import AccountError, StaffAccounts

    if sys.stdin.isatty():
        password = getpass.getpass("Mot de passe : ")
        if getpass.getpass("Le même mot de passe : ") != password:
            print("Les deux mots de passe diffèrent.", file=sys.stderr)
            return 1
    else:
        password = sys.stdin.readline().rstrip("\n")
    upgrade(settings.booking_database_url)
    accounts = StaffAccounts(settings.booking_database_url)
    try:
        account = accounts.add(email, name, role, password)
    except AccountError as error:
        print(error, file=sys.stderr)
        return 1
    finally:
        accounts.close()
    print(f"Compte {account.role} créé pour {account.email} : connexion sur {settings.public_web_url}/console/")
    return 0


def replica() -> NoReturn:
    """A Rasa replica on another host: it pulls the model in service from MODEL_SERVER_URL every MODEL_PULL_SECONDS
    (README, Deploy); its action server, tracker store and lock store are those of the settings."""
    import os

    import yaml

    from bot.services import ONE_MATH_THREAD

    if not settings.model_server_url or not settings.rasa_api_token:
        raise SystemExit("Set MODEL_SERVER_URL (the main host's web server: https://…/model) and RASA_API_TOKEN (the "
                         "main host's): the replica pulls the model in service from there.")
    endpoints = yaml.safe_load((Path(__file__).parents[1] / "endpoints.yml").read_text(encoding="utf-8"))
    endpoints["models"] = {"url": settings.model_server_url, "token": settings.rasa_api_token,
                           "wait_time_between_pulls": settings.model_pull_seconds}
    path = settings.var_dir / "endpoints-replica.yml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(endpoints), encoding="utf-8")
    path.chmod(0o600)  # it holds the token
    command = [sys.executable, "-m", "bot.rasa_server", "--interface", settings.bind_host, "--port",
               str(settings.rasa_port), "--credentials", "credentials.yml", "--endpoints", str(path), "--cors",
               settings.cors_origins, "--model", str(settings.var_dir / "pulled-models")]
    os.execve(sys.executable, command, {**os.environ, **settings.environment(), **ONE_MATH_THREAD})


def init_library(folder: Path, force: bool) -> int:
    """Make a library's instance in DIR, outside the repository: its own copy of the knowledge base and training
    data, var/, models/ and the environment file aiguillage.env."""
    from bot.instance import InstanceError, code_version
    from bot.instance import init_library as make_instance

    try:
        env_file = make_instance(folder, force=force)
    except (InstanceError, OSError) as error:
        print(error, file=sys.stderr)
        return 1
    home = env_file.parent
    print(f"Instance made in {home} from commit {code_version()[:12]}:\n"
          f"  {home}/knowledge_base  the library's knowledge base (the console edits it)\n"
          f"  {home}/project         the training data: domain.yml, config.yml, data/, heldout/\n"
          f"  {home}/var, models     conversations, bookings, accounts, logs; the trained models\n"
          f"  {env_file}  its settings (mode 0600): set the secrets there\n"
          f"  {home}/instance.json   the commit and content format it was made from\n"
          f"Next, from the repository:\n"
          f"  export {ENV_FILE_VARIABLE}={env_file}\n"
          f"  make validate     # the instance against this release\n"
          f"  make run          # trains from {home}/project if needed, starts everything\n"
          f"  .venv/bin/python -m bot staff-add you@mediatheque.fr \"Your name\"   # the first console account\n"
          f"As a service: docs/deploy/ and README's \"Operate\".")
    return 0


def retrain(training_id: int) -> int:
    """Train, evaluate and deploy for a training the console started (it starts this command)."""
    import logging
    import os

    from bot.staff.retraining import run_training

    os.nice(10)  # patrons' conversations first; training and evaluation inherit it
    logging.basicConfig(level=logging.INFO, format=LOG_FORMAT)
    for quiet in ("rasa", "httpx"):  # httpx would log Rasa's URLs with their token
        logging.getLogger(quiet).setLevel(logging.WARNING)
    return run_training(settings, training_id)


def backup() -> int:
    """Write a dated archive of the databases, the library's content and the model in service into BACKUP_DIR."""
    from bot.backup import BackupError
    from bot.backup import backup as write_backup

    try:
        write_backup(settings)
    except (BackupError, OSError) as error:
        print(f"Sauvegarde échouée / backup failed: {error}", file=sys.stderr)
        return 1
    return 0


def restore(archive: Path, force: bool) -> int:
    """Put an archive of `backup` back into this instance (the services stopped)."""
    from bot.backup import BackupError
    from bot.backup import restore as read_backup

    try:
        read_backup(settings, archive, force=force)
    except (BackupError, OSError) as error:
        print(error, file=sys.stderr)
        return 1
    return 0


COMMANDS = {"run": run, "backup": backup, "train": train, "validate": validate, "web": web, "jobs": jobs,
            "telegram-polling": telegram_polling, "telegram-webhook": telegram_webhook, "replica": replica}


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    for name, command in COMMANDS.items():
        commands.add_parser(name, help=(command.__doc__ or name).splitlines()[0])
    lieux = commands.add_parser("import-lieux", help=import_lieux.__doc__)
    lieux.add_argument("source", type=Path, metavar="FILE", help="CSV or JSON of the national schema")
    lieux.add_argument("--kind", choices=PARTNER_KINDS, help="partner kind of every row (else from "
                       "dispositif_programmes_nationaux or typologie, else mediation_numerique)")
    lieux.add_argument("--out", type=Path, default=settings.knowledge_dir / "partners",
                       help="folder of the partner files (default: %(default)s)")
    lieux.add_argument("--force", action="store_true", help="replace partner files written by hand (their "
                       "aliases, topics, bring, accessibility are kept)")
    lieux.add_argument("--remove-gone", action="store_true", help="delete the places imported before that the "
                       "file no longer has (else they are marked absent_since)")
    staff = commands.add_parser("staff-add", help=(staff_add.__doc__ or "staff-add").splitlines()[0])
    staff.add_argument("email")
    staff.add_argument("name", help="the name the console shows")
    staff.add_argument("--role", choices=ROLES, default=ADMIN, help="default: %(default)s")
    retraining = commands.add_parser("retrain", help=(retrain.__doc__ or "retrain").splitlines()[0])
    retraining.add_argument("training_id", type=int)
    instance = commands.add_parser("init-library", help=(init_library.__doc__ or "init-library").splitlines()[0])
    instance.add_argument("folder", type=Path, metavar="DIR", help="the instance's folder, outside the repository")
    instance.add_argument("--force", action="store_true", help="make it in a folder that is not empty (an "
                          "instance's own files are never overwritten)")
    restoring = commands.add_parser("restore", help=(restore.__doc__ or "restore").splitlines()[0])
    restoring.add_argument("archive", type=Path, metavar="FILE", help="an archive of python -m bot backup")
    restoring.add_argument("--force", action="store_true", help="replace this instance's data (databases with "
                           "rows, changed knowledge files)")
    args = parser.parse_args(argv)
    if args.command == "init-library":
        return init_library(args.folder, args.force)
    if args.command == "restore":
        return restore(args.archive, args.force)
    if args.command == "retrain":
        return retrain(args.training_id)
    if args.command == "staff-add":
        return staff_add(args.email, args.name, args.role)
    if args.command == "import-lieux":
        return import_lieux(args.source, args.out, args.kind, args.force, args.remove_gone)
    return COMMANDS[args.command]()


if __name__ == "__main__":
    sys.exit(main())
