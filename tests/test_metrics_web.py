"""The web server's /metrics (`python -m bot web`, without Rasa): behind METRICS_TOKEN, off without it, adding up
what another process counted and reading the database at each scrape."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Iterator, Optional
from urllib.error import HTTPError
from urllib.request import Request, urlopen

import pytest
from prometheus_client.parser import text_string_to_metric_families

from bot.booking.store import BookingStore
from bot.settings import Settings
from tests.support.booking import book
from tests.support.web import web_server

pytestmark = pytest.mark.stack  # the web server runs, on a free port

TOKEN = "metrics-s3cret"


def scrape(url: str, token: Optional[str] = TOKEN) -> tuple[int, str]:
    request = Request(url, headers={"Authorization": f"Bearer {token}"} if token else {})
    try:
        with urlopen(request, timeout=15) as response:
            return response.status, response.read().decode()
    except HTTPError as error:
        return error.code, error.read().decode()


def samples(body: str) -> dict[tuple[str, frozenset], float]:
    return {(sample.name, frozenset(sample.labels.items())): sample.value
            for family in text_string_to_metric_families(body) for sample in family.samples}


@pytest.fixture(scope="module")
def web(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Settings]]:
    with web_server(tmp_path_factory.mktemp("var"), METRICS_TOKEN=TOKEN, BOOKING_DATABASE_URL="") as settings:
        yield settings.url(settings.web_port, "/metrics"), settings


def test_without_the_token_or_with_a_wrong_one_the_metrics_are_refused(web: tuple[str, Settings]) -> None:
    url, _ = web
    assert scrape(url, token=None)[0] == 401
    assert scrape(url, token="wrong")[0] == 401
    status, body = scrape(url)
    assert status == 200 and "aiguillage_database_up 1.0" in body


def test_another_process_s_figures_are_added_up(web: tuple[str, Settings]) -> None:
    url, settings = web
    before = samples(scrape(url)[1])
    key = ("aiguillage_messages_total", frozenset({"channel": "rest", "route": "booking"}.items()))
    count = ("aiguillage_turn_seconds_count", frozenset({"channel": "rest"}.items()))
    for _ in range(2):  # two processes, one after the other, as two Rasa replicas
        subprocess.run([sys.executable, "-c", "from bot.metrics import count_turn; count_turn('rest', "
                        "[{'custom': {'triage': {'route': 'booking', 'confidence': 0.9}}}], 0.3, False)"],
                       env={**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(settings.metrics_dir)}, check=True)
    after = samples(scrape(url)[1])
    assert after[key] - before.get(key, 0) == 2
    assert after[count] - before.get(count, 0) == 2


def test_bookings_are_read_from_the_database_and_absent_services_are_down(web: tuple[str, Settings]) -> None:
    url, settings = web
    key = ("aiguillage_bookings", frozenset({"status": "confirmed", "channel": "rest"}.items()))
    before = samples(scrape(url)[1]).get(key, 0)
    store = BookingStore(settings.booking_database_url)
    try:
        book(store, store.free_slots(store.clock())[0])
    finally:
        store.close()
    after = samples(scrape(url)[1])
    assert after[key] == before + 1
    assert after[("aiguillage_service_up", frozenset({"service": "rasa"}.items()))] == 0  # no Rasa in this test
    assert after[("aiguillage_service_up", frozenset({"service": "actions"}.items()))] == 0


def test_without_a_token_there_is_no_metrics_endpoint(tmp_path: Path) -> None:
    with web_server(tmp_path, METRICS_TOKEN="") as settings:
        assert scrape(settings.url(settings.web_port, "/metrics"))[0] == 404
