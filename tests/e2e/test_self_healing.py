"""Self-healing (issue 23, part 5), on a stack supervised as `make run` does (`supervised_stack`): each service
killed in turn (kill -9) in the middle of a booking comes back within seconds, the booking goes on and what was
confirmed before is still there; an action server that hangs (SIGSTOP) gives the patron the apology within 10 s,
even for a turn that waited behind the hung one, and the same conversation is answered normally once it runs
again."""
from __future__ import annotations

import os
import signal
import sqlite3
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Callable

import pytest
from sqlalchemy.engine import make_url

from bot.services import Stack
from tests.e2e.chat import Chat, asked, booked, buttons, triage_of
from tests.e2e.test_booking import answer, book
from tests.e2e.test_faults import BOOKING_NEED, apologised

APOLOGY_SECONDS = 10
BACK_SECONDS = 120  # Rasa loads its model in about 15 s here, longer on a busy machine


def webhook(stack: Stack) -> str:
    return stack.settings.url(stack.settings.rasa_port, "/webhooks/rest/webhook")


def confirmed_codes(stack: Stack) -> set[str]:
    database = make_url(stack.settings.booking_database_url).database
    with sqlite3.connect(database) as connection:
        return {code for code, in connection.execute("SELECT code FROM bookings WHERE status = 'confirmed'")}


def plain(code: str) -> str:
    return code.replace("-", "")


def killed(stack: Stack, name: str, meanwhile: Callable[[], None] = lambda: None) -> float:
    """Kill the service `name` (kill -9), do `meanwhile`; return the seconds until the supervisor's new process
    answers."""
    service = stack.services[name]
    dead = service.process
    os.kill(dead.pid, signal.SIGKILL)
    started = time.monotonic()
    meanwhile()
    while service.process is dead or not service.is_ready():
        assert time.monotonic() - started < BACK_SECONDS, f"{name} not back after {BACK_SECONDS} s"
        time.sleep(0.2)
    return time.monotonic() - started


@pytest.mark.parametrize("name", ["actions", "rasa", "web", "jobs"])
def test_a_killed_service_comes_back_and_the_booking_goes_on(supervised_stack: Stack, name: str,
                                                              report: Callable[[str], None]) -> None:
    before, _ = book(Chat(webhook(supervised_stack)))
    patron = Chat(webhook(supervised_stack))
    messages = answer(patron, patron.say(BOOKING_NEED))  # the site chosen
    assert asked(messages) == "slot"
    others = {other: service.process.pid for other, service in supervised_stack.services.items() if other != name}
    def dead_actions() -> None:  # the apology until it is back; the conversation keeps its place
        time.sleep(0.2)
        assert apologised(patron.say(buttons(messages)[0]["payload"]))

    back = killed(supervised_stack, name, dead_actions if name == "actions" else lambda: None)
    report(f"self-healing: {name} killed (kill -9), answering again after {back:.1f} s")
    assert {other: service.process.pid for other, service in supervised_stack.services.items()
            if other != name} == others, "the other services kept running"
    while asked(messages):
        messages = answer(patron, messages)
    after = booked(patron.say("/affirm"))
    assert after and after["status"] == "confirmed", after
    assert {plain(before["code"]), plain(after["code"])} <= confirmed_codes(supervised_stack)
    assert any(f"{name} exited (code -9)" in line for line in supervised_stack.said)  # type: ignore[attr-defined]


def test_a_hung_action_server_gives_the_apology_within_10_s_and_the_conversation_goes_on(
        supervised_stack: Stack, report: Callable[[str], None]) -> None:
    patron = Chat(webhook(supervised_stack))
    assert triage_of(patron.say("je voudrais apprendre à envoyer un mail"))["route"] == "tutorial"
    actions = supervised_stack.services["actions"].process
    os.kill(actions.pid, signal.SIGSTOP)
    def turn(delay: float) -> float:
        time.sleep(delay)
        started = time.monotonic()
        assert apologised(patron.say("je voudrais apprendre à envoyer un mail"))
        return time.monotonic() - started

    try:  # the second turn, sent while the first hangs, waits for its lock, yet has the apology within 10 s
        with ThreadPoolExecutor(2) as pool:
            waits = list(pool.map(turn, [0, 1]))
    finally:
        os.kill(actions.pid, signal.SIGCONT)
    started = time.monotonic()
    assert triage_of(patron.say("je voudrais apprendre à envoyer un mail"))["route"] == "tutorial"
    after = time.monotonic() - started
    report(f"self-healing: action server stopped (SIGSTOP): apology after {waits[0]:.1f} s, and {waits[1]:.1f} s "
           f"for a turn sent 1 s later in the same conversation; "
           f"after SIGCONT, answered in {after:.1f} s")
    assert max(waits) <= APOLOGY_SECONDS and after < APOLOGY_SECONDS
    assert supervised_stack.services["actions"].process is actions, "a hung process is not restarted"
