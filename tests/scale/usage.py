"""What the stack's processes use while the load runs: peak resident memory and CPU, from /proc (Linux)."""
from __future__ import annotations

import os
import threading
import time
from pathlib import Path
from typing import Optional

from bot.services import Service

SAMPLE_SECONDS = 2


def resident_mb(pid: int) -> float:
    """Resident memory of a process, in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def cpu_seconds(pid: int) -> float:
    """CPU time a process has used, user and system."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class Usage:
    """Peak resident memory (sampled every few seconds) and mean CPU (cores) of each service over a `with`
    block."""

    def __init__(self, services: dict[str, Service]):
        self.pids = {name: service.process.pid for name, service in services.items()}
        self.peak_mb = dict.fromkeys(self.pids, 0.0)
        self.cores: dict[str, float] = {}
        self._stop = threading.Event()
        self._sampler: Optional[threading.Thread] = None

    def __enter__(self) -> "Usage":
        self._started, self._cpu = time.monotonic(), {name: cpu_seconds(pid) for name, pid in self.pids.items()}
        self._sample()
        self._sampler = threading.Thread(target=self._sample_until_stopped, daemon=True)
        self._sampler.start()
        return self

    def _sample_until_stopped(self) -> None:
        while not self._stop.wait(SAMPLE_SECONDS):
            self._sample()

    def _sample(self) -> None:
        for name, pid in self.pids.items():
            self.peak_mb[name] = max(self.peak_mb[name], resident_mb(pid))

    def __exit__(self, *exc_info: object) -> None:
        self._stop.set()
        self._sampler.join()
        elapsed = time.monotonic() - self._started
        self.cores = {name: (cpu_seconds(pid) - self._cpu[name]) / elapsed for name, pid in self.pids.items()}
