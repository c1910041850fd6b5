"""Load over the REST channel with tests/scale/patrons.py's scripted conversations, after a short warm-up left out:
closed loop (at each concurrency level, seats that send their next message as soon as they have the answer) and
open loop (messages started at a fixed rate, whatever the answers' speed)."""
from __future__ import annotations

import asyncio
import itertools
import math
import random
import time
from collections import deque
from typing import Any, Callable, Coroutine, Optional

import httpx

from tests.scale.patrons import CONVERSATIONS, Messages, Patron, TimeUp, Traffic, attempt, closed_loop, percentiles

WARM_UP_SECONDS = 5
PATRON_SECONDS = 10  # open loop: each patron writes about this often (300 patrons at 30 messages/s)


async def level(url: str, concurrency: int, seconds: float) -> dict[str, Any]:
    """The figures of `concurrency` conversations at once for `seconds`, after a warm-up left out."""
    await closed_loop(url, Traffic({}, time.monotonic() + WARM_UP_SECONDS), concurrency)
    traffic = Traffic({}, time.monotonic() + seconds)
    started = time.monotonic()
    await closed_loop(url, traffic, concurrency)
    return level_figures(traffic, time.monotonic() - started)


def level_figures(traffic: Traffic, elapsed: float) -> dict[str, Any]:
    """Latency (ms), throughput, what went wrong, and the conversations of one level."""
    latencies = [seconds for replica in traffic.latencies.values() for seconds in replica]
    timed = percentiles(latencies)
    return {
        "messages": timed["count"], "seconds": round(elapsed, 1),
        "messages_per_second": round(timed["count"] / elapsed, 2),
        "latency_ms": {name: round(timed[name] * 1000) for name in ("p50", "p95", "max")},
        "errors": len(traffic.errors), "unexpected_turns": len(traffic.unexpected),
        "conversations": len(traffic.patrons), "finished_by_script": dict(traffic.finished),
        "bookings_confirmed": len(traffic.bookings),
        "examples": {"errors": traffic.errors[:3], "unexpected_turns": [turn[:500] for turn in traffic.unexpected[:3]]},
    }


def run_levels(url: str, levels: list[int], seconds: float) -> dict[str, dict[str, Any]]:
    """The figures of each concurrency level, one after the other, keyed by the level."""
    return {str(concurrency): asyncio.run(level(url, concurrency, seconds)) for concurrency in levels}


class Pace:
    """The open loop's clock: a turn every 1/rate s, whatever the answers. A turn starts a new conversation while
    fewer than `patrons` go on or none waits for its turn, else goes to the one waiting longest."""

    def __init__(self, rate: float, patrons: int):
        self.rate, self.patrons = rate, patrons
        self.start, self.ticks = time.monotonic(), 0
        self.waiting: deque[asyncio.Future[None]] = deque()
        self.conversations: set[asyncio.Task[None]] = set()
        self.lags: list[float] = []  # how late each turn was given out, in seconds
        self.in_flight = self.most_in_flight = 0
        self.over = False

    def due(self, tick: int) -> float:
        return self.start + tick / self.rate

    async def run(self, seconds: float, converse: Callable[[], Coroutine[Any, Any, None]]) -> None:
        """Give out the turns of the next `seconds`, then return at their end; `converse()` is a new patron's
        conversation, its first turn now."""
        end = self.ticks + round(seconds * self.rate)
        for tick in range(self.ticks, end):
            await asyncio.sleep(self.due(tick) - time.monotonic())
            self.lags.append(time.monotonic() - self.due(tick))
            if self.waiting and len(self.conversations) >= self.patrons:
                self.waiting.popleft().set_result(None)
            else:
                task = asyncio.create_task(converse())
                self.conversations.add(task)
                task.add_done_callback(self.conversations.discard)
        self.ticks = end
        await asyncio.sleep(self.due(end) - time.monotonic())

    async def turn(self) -> None:
        """Wait for the next turn given to this patron; TimeUp once the loop is over."""
        if self.over:
            raise TimeUp
        self.waiting.append(asyncio.get_running_loop().create_future())
        await self.waiting[-1]

    def forget(self) -> None:
        """Start the counts afresh (after the warm-up)."""
        self.lags.clear()
        self.most_in_flight = self.in_flight

    async def stop(self) -> None:
        """No more turns: patrons waiting for one leave; the answers under way are awaited."""
        self.over = True
        while self.waiting:
            self.waiting.popleft().set_exception(TimeUp())
        await asyncio.gather(*self.conversations)


class OpenPatron(Patron):
    """A patron of the open loop: its first message sent at once (its conversation starts on a turn), each next one
    on a turn the pace gives it."""

    def __init__(self, client: httpx.AsyncClient, url: str, traffic: Traffic, rng: random.Random, pace: Pace):
        super().__init__(client, url, traffic, rng, (0.0, 0.0))
        self.pace = pace

    async def say(self, message: str) -> Messages:
        if self.sent:
            await self.pace.turn()
        self.sent.append((message,))
        self.pace.in_flight += 1
        self.pace.most_in_flight = max(self.pace.most_in_flight, self.pace.in_flight)
        try:
            return await self.post(message, self.url)
        finally:
            self.pace.in_flight -= 1


def forget(traffic: Traffic) -> None:
    """Drop what `traffic` recorded so far (the warm-up): the conversations under way record on in it."""
    vars(traffic).update(vars(Traffic(traffic.replicas, traffic.deadline)))


async def open_level(url: str, rate: float, seconds: float, warm_up: float = WARM_UP_SECONDS,
                     patrons: Optional[int] = None, seed: int = 8) -> dict[str, Any]:
    """The figures of messages started at `rate` a second for `seconds` after a warm-up, each the next turn of a
    scripted conversation, `patrons` of them at once (rate × PATRON_SECONDS by default) or more when the answers
    lag. What is answered, fails or surprises after the warm-up counts, until every answer is in."""
    traffic = Traffic({}, math.inf)
    seeds = itertools.count(seed)
    async with httpx.AsyncClient(timeout=300, limits=httpx.Limits(max_connections=None)) as http:
        pace = Pace(rate, patrons or max(1, round(rate * PATRON_SECONDS)))

        def converse() -> Coroutine[Any, Any, None]:
            rng = random.Random(next(seeds))
            script = rng.choice(CONVERSATIONS)
            return attempt(traffic, script.__name__, script(OpenPatron(http, url, traffic, rng, pace)))

        await pace.run(warm_up, converse)
        forget(traffic)
        pace.forget()
        started = time.monotonic()
        await pace.run(seconds, converse)
        await pace.stop()
    figures = level_figures(traffic, time.monotonic() - started)
    return {**figures, "rate": rate, "patrons": pace.patrons, "messages_started": len(pace.lags),
            "most_in_flight": pace.most_in_flight, "start_lag_ms": round(max(pace.lags, default=0) * 1000)}


def run_open_loop(url: str, rate: float, seconds: float) -> dict[str, Any]:
    """The figures of the open loop at `rate` messages a second."""
    return asyncio.run(open_level(url, rate, seconds))
