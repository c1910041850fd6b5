"""Closed-loop load over the REST channel: at each concurrency level, a short warm-up, then seats that send their
next message as soon as they have the answer, timed (tests/scale/patrons.py's scripted conversations)."""
from __future__ import annotations

import asyncio
import time
from typing import Any

from tests.scale.patrons import Traffic, closed_loop, percentiles

WARM_UP_SECONDS = 5


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
