"""bench/results.png: p50 and p95 latency and throughput per concurrency level, stock against ours."""
from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402  (after the backend is chosen)
from matplotlib.ticker import NullLocator, ScalarFormatter  # noqa: E402

STYLES = {"stock": "tab:gray", "ours": "tab:blue"}


def plot(results: dict[str, Any], path: Path) -> None:
    """Latency (log scale) and messages/s against concurrent conversations, one colour per assistant."""
    with warnings.catch_warnings():  # matplotlib's text layout on this pyparsing: deprecation notices
        warnings.simplefilter("ignore", DeprecationWarning)
        draw(results, path)


def draw(results: dict[str, Any], path: Path) -> None:
    figure, (latency, throughput) = plt.subplots(1, 2, figsize=(11, 4.5))
    for name, found in results["assistants"].items():
        levels = sorted(found["levels"], key=int)
        seats = [int(level) for level in levels]
        for percentile, line in (("p50", "-"), ("p95", "--")):
            latency.plot(seats, [found["levels"][level]["latency_ms"][percentile] for level in levels], line,
                         marker="o", color=STYLES[name], label=f"{name} {percentile}")
        throughput.plot(seats, [found["levels"][level]["messages_per_second"] for level in levels], marker="o",
                        color=STYLES[name], label=name)
    latency.set(xlabel="concurrent conversations", ylabel="latency (ms)", yscale="log", title="Latency")
    latency.yaxis.set_major_formatter(ScalarFormatter())
    latency.yaxis.set_minor_formatter(ScalarFormatter())
    throughput.set(xlabel="concurrent conversations", ylabel="messages/s", title="Throughput", ylim=(0, None))
    seats = sorted({int(level) for found in results["assistants"].values() for level in found["levels"]})
    for axes in (latency, throughput):
        axes.set_xscale("log")
        axes.set_xticks(seats, [str(level) for level in seats])
        axes.xaxis.set_minor_locator(NullLocator())
        axes.legend()
        axes.grid(True, alpha=0.3)
    figure.suptitle(f"make bench, {results['date']}, commit {results['commit']}")
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)
