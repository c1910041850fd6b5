"""Shared fixtures: the knowledge base, and a report printed at the end of the run."""
from __future__ import annotations

import pytest

from bot.knowledge import Charter, Topics, charter, topics

REPORT: list[str] = []  # figures that tests measure, printed in pytest's summary


@pytest.fixture(scope="session")
def default_charter() -> Charter:
    return charter()


@pytest.fixture(scope="session")
def default_topics() -> Topics:
    return topics()


@pytest.fixture(scope="session")
def report() -> list[str]:
    return REPORT


def pytest_terminal_summary(terminalreporter) -> None:
    if REPORT:
        terminalreporter.section("Aiguillage figures")
        for line in REPORT:
            terminalreporter.write_line(line)
