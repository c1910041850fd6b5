"""`make bench`'s parts that need no Rasa: latency percentiles, ratios, the issue's targets, the tables, the
README's section, the history, the stock project, where held-out messages went, and the open loop's timing against
a stand-in server."""
from __future__ import annotations

import asyncio
import copy
import gc
import json
import threading
import time
from collections import defaultdict
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Iterator

import pytest
import yaml

from bench.__main__ import heldout_figures
from bench.assistants import STOCK_CONFIG, stock_project
from bench.communes import communes_figures, communes_table
from bench.load import level_figures, open_level
from bench.report import (
    README_END,
    README_START,
    append_history,
    confusion_table,
    history_entry,
    history_table,
    latest_table,
    lookup,
    markdown,
    ratio,
    summarised,
    with_readme_table,
)
from bot.channels.rest import unavailable
from bot.evaluation import RouteScores
from bot.settings import ROOT
from bot.training import fingerprint
from tests.scale.patrons import Traffic, percentiles
from tests.support.heldout import HeldoutScore


def assistant(messages_per_second: dict[str, float], p95: int, accuracy: float, rasa_mb: int,
              training: float, cold_start: float) -> dict[str, Any]:
    return {"training": {"seconds": training, "reused": False, "model": "m.tar.gz"},
            "cold_start_seconds": cold_start,
            "heldout": {"messages": 415, "route_accuracy_percent": accuracy, "accuracy_percent": accuracy - 3},
            "memory_mb": {"after_start": {"rasa": rasa_mb - 50, "actions": 100},
                          "peak": {"rasa": rasa_mb, "actions": 110}},
            "levels": {level: {"messages_per_second": rate, "latency_ms": {"p50": p95 // 2, "p95": p95, "max": p95 * 2},
                               "errors": 0, "unexpected_turns": 1} for level, rate in messages_per_second.items()},
            "open_loop": {"rate": 30.0, "messages_per_second": 29.9, "errors": 0, "unexpected_turns": 0,
                          "latency_ms": {"p50": p95 // 4, "p95": p95 // 2, "max": p95}}}


@pytest.fixture
def results() -> dict[str, Any]:
    """A run where ours meets every target but memory."""
    return {"date": "2026-11-26 10:00", "commit": "abc1234", "label": "smaller DIET",
            "machine": {"cores": 2, "cpu": "AMD EPYC", "load_average_before": 0.5},
            "options": {"seconds": 30, "levels": [1, 10, 50], "rate": 30.0},
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
    assert found["ratios"]["p95"]["10"] == 0.087  # two significant digits below 0.1
    assert found["ratios"]["training"] == 0.11 and found["ratios"]["cold_start"] == 0.42
    assert found["accuracy_difference_points"] == 12.5


def test_targets_are_met_or_not_at_their_limits(results: dict[str, Any]) -> None:
    verdicts = {verdict["key"]: verdict["met"] for verdict in summarised(results)["targets"]}
    assert verdicts == {"throughput_10": True, "throughput_50": True, "p95_10": True, "p95_open_loop": True,
                        "rasa_memory": False, "training": True, "cold_start": True, "accuracy": True,
                        "import_lieux": None}
    results["assistants"]["ours"]["heldout"]["route_accuracy_percent"] = 84.9
    results["assistants"]["ours"]["levels"]["10"]["latency_ms"]["p95"] = 151
    results["assistants"]["ours"]["open_loop"]["latency_ms"]["p95"] = 151
    verdicts = {verdict["key"]: verdict["met"] for verdict in summarised(results)["targets"]}
    assert not verdicts["accuracy"] and not verdicts["p95_10"] and not verdicts["p95_open_loop"]


def test_the_import_of_20000_places_is_a_target_and_a_row_of_the_table(results: dict[str, Any]) -> None:
    results["import_lieux"] = {"rows": 20000, "seconds": 61.0}
    assert {verdict["key"]: verdict["met"] for verdict in summarised(results)["targets"]}["import_lieux"] is False
    results["import_lieux"]["seconds"] = 34.5
    summary = summarised(results)
    assert "| import-lieux of 20,000 places (s) |  | 34.5 |  | ≤ 60 s | yes |" in latest_table(summary)


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
    assert "| open loop at 30/s: messages/s | 29.9 | 29.9 |  |  |  |" in lines
    assert "| open loop at 30/s: p95 latency (ms) | 800 | 70 | 0.087× | ≤ 150 ms | yes |" in lines
    assert "| open loop at 30/s: max latency (ms) | 1,600 | 140 |  |  |  |" in lines


def test_an_open_loop_skipped_has_no_rows_and_no_verdict(results: dict[str, Any]) -> None:
    results["options"]["rate"] = 0
    for found in results["assistants"].values():
        found["open_loop"] = None
    summary = summarised(results)
    assert "open loop" not in latest_table(summary)
    assert [verdict["met"] for verdict in summary["targets"] if verdict["key"] == "p95_open_loop"] == [None]
    assert summary["ratios"]["open_loop_p95"] is None


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
    assert first["ours"]["open_loop_p95_ms"] == {"30": 70}
    assert first["stock"]["open_loop_messages_per_second"] == {"30": 29.9}
    rows = history_table(entries).splitlines()
    assert len(rows) == 4
    assert rows[2].startswith("| 2026-11-26 10:00 | `abc1234` | smaller DIET | 900 / 100 | 60 / 25 | 80 / 92.5 | "
                              "1: 5 / 9, 10: 6 / 13, 50: 6 / 12 | 1: 1,600 / 140,")
    assert rows[2].endswith(" | 30: 800 / 70 | 1,900 / 1,500 |")


def test_history_of_runs_before_the_open_loop_shows_it_unknown(results: dict[str, Any]) -> None:
    entry = history_entry(summarised(results))
    for name in ("stock", "ours"):
        del entry[name]["open_loop_p95_ms"], entry[name]["open_loop_messages_per_second"]
    assert history_table([entry]).splitlines()[2].endswith(" |  | 1,900 / 1,500 |")


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


def test_route_scores_count_where_each_expected_route_went() -> None:
    scores = RouteScores.counted([("tutorial", "tutorial"), ("tutorial", "clarify"), ("tutorial", "tutorial"),
                                  ("booking", "none"), ("referral", "referral")])
    assert scores.right == {"tutorial": 2, "booking": 0, "referral": 1}
    assert scores.total == {"tutorial": 3, "booking": 1, "referral": 1}
    assert scores.confusion == {"tutorial": {"tutorial": 2, "clarify": 1}, "booking": {"none": 1},
                                "referral": {"referral": 1}}
    assert scores.accuracy == 0.6 and scores.of("booking") == 0.0
    assert RouteScores.from_json(json.loads(json.dumps(scores.to_json()))) == scores
    recorded_before = {"right": scores.right, "total": scores.total}  # the console's older trainings
    assert RouteScores.from_json(recorded_before) == RouteScores(scores.right, scores.total)


def held_out(expected: str, got: str) -> dict[str, Any]:
    return {"text": "…", "expected": (expected, None), "got": (got, None), "expected_scope": "none", "scope": "none",
            "candidates": None}


def test_heldout_figures_count_routes_taken_as_the_route_accuracy_does() -> None:
    results = ([held_out("tutorial", "tutorial")] * 6 + [held_out("tutorial", "referral")]
               + [held_out("charter", "charter")] * 2 + [held_out("out_of_scope", "none")])
    score = HeldoutScore(results, [r for r in results if r["got"][0] == r["expected"][0]], results[:6])
    found = heldout_figures(score)
    assert found == {"messages": 10, "route_accuracy_percent": 80.0, "accuracy_percent": 60.0,
                     "confusion": {"tutorial": {"tutorial": 6, "referral": 1}, "charter": {"charter": 2},
                                   "out_of_scope": {"none": 1}}}
    assert found["route_accuracy_percent"] == 100 * score.route_accuracy


def test_confusion_table_shows_stock_and_ours_per_expected_route(results: dict[str, Any]) -> None:
    results["assistants"]["stock"]["heldout"]["confusion"] = {
        "tutorial": {"tutorial": 150, "clarify": 10, "none": 6}, "info": {"info": 20, "out_of_scope": 4}}
    results["assistants"]["ours"]["heldout"]["confusion"] = {
        "tutorial": {"tutorial": 163, "referral": 3}, "info": {"info": 24}}
    lines = confusion_table(results).splitlines()
    assert lines[0] == ("| expected route | tutorial | booking | workshop | referral | charter | info | out_of_scope | "
                        "clarify | none | messages |")
    assert lines[2] == "| tutorial | 150 / 163 |  |  | 0 / 3 |  |  |  | 10 / 0 | 6 / 0 | 166 / 166 |"
    assert lines[3] == "| booking |  |  |  |  |  |  |  |  |  |  |"
    assert lines[7] == "| info |  |  |  |  |  | 20 / 24 | 4 / 0 |  |  | 24 / 24 |"
    assert len(lines) == 9
    del results["assistants"]["stock"]
    assert confusion_table(results).splitlines()[2] == \
        "| tutorial | — / 163 |  |  | — / 3 |  |  |  |  |  | — / 166 |"
    assert "## Held-out routes" in markdown(summarised(results), [])


class SlowAssistant(BaseHTTPRequestHandler):
    """Rasa's REST channel answering « ok » after `server.delay` seconds, each request recorded: when it came, and
    from whom."""

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        self.server.requests.append((time.monotonic(), body["sender"]))
        time.sleep(self.server.delay)
        answer = json.dumps([{"recipient_id": body["sender"], "text": "ok"}]).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def slow_assistant() -> Iterator[ThreadingHTTPServer]:
    """A stand-in for the assistant on a free port: set its `delay` before the load."""
    unavailable()  # the apology patrons look for in answers, read once here: not while the loop runs
    gc.collect()  # nor a full collection of this process's objects (Rasa's, TensorFlow's): a pause of 0.2 s
    server = ThreadingHTTPServer(("127.0.0.1", 0), SlowAssistant)
    server.requests, server.delay = [], 0.0
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server
    server.shutdown()
    server.server_close()


def url(server: ThreadingHTTPServer) -> str:
    return f"http://127.0.0.1:{server.server_address[1]}"


@pytest.mark.slow
def test_the_open_loop_sends_at_its_rate_however_slow_the_answers(slow_assistant: ThreadingHTTPServer) -> None:
    slow_assistant.delay = 0.32  # each answer takes more than six turns of 50 ms
    found = asyncio.run(open_level(url(slow_assistant), rate=20, seconds=1, warm_up=0.5))
    arrivals = sorted(at for at, _ in slow_assistant.requests)
    gaps = sorted(later - earlier for earlier, later in zip(arrivals, arrivals[1:]))
    assert len(arrivals) == 30 and found["messages_started"] == 20  # 10 turns in the warm-up, 20 measured
    assert 0.045 < gaps[len(gaps) // 2] < 0.055 and 1.3 < arrivals[-1] - arrivals[0] < 1.8
    assert found["most_in_flight"] >= 6  # never waiting for answers to send the next messages
    assert 320 <= found["latency_ms"]["p50"] <= found["latency_ms"]["max"] < 600 and found["errors"] == 0
    # Answers after the warm-up count, also those of its last turns: 20 and the 6 or 7 under way when it ended.
    assert 26 <= found["messages"] <= 27 and found["seconds"] >= 1.3
    assert found["conversations"] == 20 and found["patrons"] == 200  # 20 × 10 s: a new conversation each turn


@pytest.mark.slow
def test_the_open_loop_gives_turns_to_the_patrons_waiting_longest(slow_assistant: ThreadingHTTPServer) -> None:
    slow_assistant.delay = 0.01  # the stand-in's « ok » ends every script at its second message, as unexpected
    found = asyncio.run(open_level(url(slow_assistant), rate=5, seconds=2, warm_up=0, patrons=2))
    by_sender: dict[str, list[float]] = defaultdict(list)
    for at, sender in slow_assistant.requests:
        by_sender[sender].append(at)
    # Turns 0 and 1 start two conversations; then each even turn is the second message of the one waiting
    # longest, each odd turn starts a conversation in the place of the one just ended.
    assert len(slow_assistant.requests) == found["messages"] == found["messages_started"] == 10
    assert sorted(len(times) for times in by_sender.values()) == [1, 1, 2, 2, 2, 2]
    assert found["conversations"] == 6 and found["unexpected_turns"] == 4 and found["patrons"] == 2
    waits = sorted(second - first for first, second in (times for times in by_sender.values() if len(times) == 2))
    assert 0.35 < waits[0] < 0.45 and all(0.55 < wait < 0.65 for wait in waits[1:])
    assert found["most_in_flight"] == 1 and found["latency_ms"]["max"] < 150


def test_the_communes_figures_are_measured_and_shown() -> None:
    figures = communes_figures()
    assert figures["national_list"]["communes"] == 34969 and figures["national_list"]["load_ms"] > 0
    assert figures["national_list"]["memory_mb"] > 1 and figures["find_communes_ms"]["messages"] > 1000
    assert 0 < figures["find_communes_ms"]["p50"] <= figures["find_communes_ms"]["p95"]
    assert "| national list: memory kept (MB) |" in communes_table(figures)
