"""`make bench`'s pure parts: latency percentiles, ratios, the issue's targets, the tables, the README's section,
the history, and the stock project."""
from __future__ import annotations

import copy
import json
import time
from pathlib import Path
from typing import Any

import pytest
import yaml

from bench.assistants import STOCK_CONFIG, stock_project
from bench.load import level_figures
from bench.report import (README_END, README_START, append_history, history_entry, history_table, latest_table,
                          lookup, ratio, summarised, with_readme_table)
from bot.settings import ROOT
from bot.training import fingerprint
from tests.scale.patrons import Traffic, percentiles


def assistant(messages_per_second: dict[str, float], p95: int, accuracy: float, rasa_mb: int,
              training: float, cold_start: float) -> dict[str, Any]:
    return {"training": {"seconds": training, "reused": False, "model": "m.tar.gz"},
            "cold_start_seconds": cold_start,
            "heldout": {"messages": 415, "route_accuracy_percent": accuracy, "accuracy_percent": accuracy - 3},
            "memory_mb": {"after_start": {"rasa": rasa_mb - 50, "actions": 100},
                          "peak": {"rasa": rasa_mb, "actions": 110}},
            "levels": {level: {"messages_per_second": rate, "latency_ms": {"p50": p95 // 2, "p95": p95, "max": p95 * 2},
                               "errors": 0, "unexpected_turns": 1} for level, rate in messages_per_second.items()}}


@pytest.fixture
def results() -> dict[str, Any]:
    """A run where ours meets every target but memory."""
    return {"date": "2026-11-26 10:00", "commit": "abc1234", "label": "smaller DIET",
            "machine": {"cores": 2, "cpu": "AMD EPYC", "load_average_before": 0.5},
            "options": {"seconds": 30, "levels": [1, 10, 50]},
            "assistants": {"stock": assistant({"1": 5.0, "10": 6.0, "50": 6.0}, 1600, 80.0, 1900, 900.0, 60.0),
                           "ours": assistant({"1": 9.0, "10": 13.0, "50": 12.0}, 140, 92.5, 1500, 100.0, 25.0)}}


def test_percentiles_take_the_nearest_lower_rank() -> None:
    found = percentiles([0.1 * n for n in range(10, 0, -1)])
    assert found == {"count": 10, "p50": 0.5, "p95": 0.9, "max": 1.0}
    assert percentiles([]) == {"count": 0, "p50": 0.0, "p95": 0.0, "max": 0.0}


def test_a_level_counts_messages_per_second_in_milliseconds() -> None:
    traffic = Traffic({}, time.monotonic())
    traffic.latencies["127.0.0.1:5005"] += [0.05, 0.1, 0.2, 0.4]
    traffic.errors.append("'bonjour': HTTP 500")
    found = level_figures(traffic, elapsed=2.0)
    assert found["messages"] == 4 and found["messages_per_second"] == 2.0
    assert found["latency_ms"] == {"p50": 100, "p95": 200, "max": 400}
    assert (found["errors"], found["unexpected_turns"]) == (1, 0)


def test_ratio_is_ours_over_stock_and_unknown_without_both() -> None:
    assert ratio(13.0, 6.0) == 2.17
    assert ratio(None, 6.0) is None and ratio(3.0, None) is None and ratio(3.0, 0) is None


def test_summary_has_ratios_and_accuracy_points(results: dict[str, Any]) -> None:
    found = summarised(results)
    assert found["ratios"]["throughput"] == {"1": 1.8, "10": 2.17, "50": 2.0}
    assert found["ratios"]["p95"]["10"] == 0.09
    assert found["ratios"]["training"] == 0.11 and found["ratios"]["cold_start"] == 0.42
    assert found["accuracy_difference_points"] == 12.5


def test_targets_are_met_or_not_at_their_limits(results: dict[str, Any]) -> None:
    verdicts = {verdict["key"]: verdict["met"] for verdict in summarised(results)["targets"]}
    assert verdicts == {"throughput_10": True, "throughput_50": True, "p95_10": True, "rasa_memory": False,
                        "training": True, "cold_start": True, "accuracy": True}
    results["assistants"]["ours"]["heldout"]["route_accuracy_percent"] = 84.9
    results["assistants"]["ours"]["levels"]["10"]["latency_ms"]["p95"] = 151
    verdicts = {verdict["key"]: verdict["met"] for verdict in summarised(results)["targets"]}
    assert not verdicts["accuracy"] and not verdicts["p95_10"]


def test_targets_of_an_assistant_not_measured_have_no_verdict(results: dict[str, Any]) -> None:
    del results["assistants"]["stock"]
    verdicts = {verdict["key"]: verdict["met"] for verdict in summarised(results)["targets"]}
    assert verdicts["throughput_10"] is None and verdicts["accuracy"] is None
    assert verdicts["cold_start"] is True


def test_lookup_follows_keys_and_misses_quietly() -> None:
    assert lookup({"a": {"b": 3}}, ("a", "b")) == 3
    assert lookup({"a": {"b": 3}}, ("a", "c")) is None and lookup({"a": 3}, ("a", "b")) is None


def test_latest_table_shows_figures_ratios_and_verdicts(results: dict[str, Any]) -> None:
    text = latest_table(summarised(results))
    lines = text.splitlines()
    assert "commit `abc1234` (smaller DIET): 2 cores, AMD EPYC, load average 0.5" in lines[0]
    assert "| 10 concurrent: messages/s | 6 | 13 | 2.17× | ≥ 2× stock | yes |" in lines
    assert "| held-out route accuracy | 80 % | 92.5 % | 12.5 points | ≥ stock + 5 points | yes |" in lines
    assert "| Rasa server peak memory under load (MB) | 1,900 | 1,500 | 0.79× | ≤ 1200 MB | **no** |" in lines
    assert "| 1 concurrent: messages/s | 5 | 9 | 1.8× |  |  |" in lines


def test_reused_training_is_flagged(results: dict[str, Any]) -> None:
    results["assistants"]["stock"]["training"]["reused"] = True
    assert "| full training (s), reused: stock | 900 | 100 | 0.11× | ≤ 120 s | yes |" in latest_table(
        summarised(results)).splitlines()


def test_readme_table_replaces_only_its_section(results: dict[str, Any]) -> None:
    readme = f"# Title\n\nBefore.\n\n{README_START}\nold table\n{README_END}\n\nAfter.\n"
    once = with_readme_table(readme, summarised(results))
    assert once.startswith("# Title\n\nBefore.\n\n") and once.endswith(f"{README_END}\n\nAfter.\n")
    assert "old table" not in once and "| 10 concurrent: messages/s |" in once
    assert with_readme_table(once, summarised(results)) == once
    with pytest.raises(ValueError):
        with_readme_table("# Title without markers\n", summarised(results))


def test_history_appends_one_line_per_run(tmp_path: Path, results: dict[str, Any]) -> None:
    path = tmp_path / "history.jsonl"
    first = history_entry(summarised(results))
    second = copy.deepcopy(first) | {"label": "", "commit": "def5678"}
    append_history(path, first)
    entries = append_history(path, second)
    assert entries == [first, second] and len(path.read_text().splitlines()) == 2
    assert json.loads(path.read_text().splitlines()[0])["ours"]["messages_per_second"] == {"1": 9.0, "10": 13.0,
                                                                                          "50": 12.0}
    rows = history_table(entries).splitlines()
    assert len(rows) == 4
    assert rows[2].startswith("| 2026-11-26 10:00 | `abc1234` | smaller DIET | 900 / 100 | 60 / 25 | 80 / 92.5 | "
                              "1: 5 / 9, 10: 6 / 13, 50: 6 / 12 | 1: 1,600 / 140,")


def test_stock_config_is_rasa_init_defaults_in_french() -> None:
    config = yaml.safe_load(STOCK_CONFIG)
    assert config == {"recipe": "default.v1", "language": "fr", "assistant_id": "stock", "pipeline": None,
                      "policies": None}


def test_stock_project_trains_on_our_domain_and_data(tmp_path: Path) -> None:
    folder = stock_project(tmp_path / "stock")
    assert (folder / "config.yml").read_text() == STOCK_CONFIG
    assert yaml.safe_load((folder / "credentials.yml").read_text()) == {"rest": None}
    assert (folder / "domain.yml").read_bytes() == (ROOT / "domain.yml").read_bytes()
    ours = sorted(path.relative_to(ROOT / "data") for path in (ROOT / "data").rglob("*.yml"))
    assert sorted(path.relative_to(folder / "data") for path in (folder / "data").rglob("*.yml")) == ours
    assert fingerprint(folder) != fingerprint(ROOT)  # the config differs
    (folder / "config.yml").write_text("# Rasa appends the filled-in defaults\n" + STOCK_CONFIG)
    assert stock_project(folder) == folder and (folder / "config.yml").read_text() == STOCK_CONFIG
