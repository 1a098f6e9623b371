"""Shared timing helper of the benchmarks."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable


def median_seconds(function: Callable[[], object], rounds: int) -> float:
    """The median wall time of ``rounds`` calls."""
    durations = []
    for _ in range(rounds):
        started = time.perf_counter()
        function()
        durations.append(time.perf_counter() - started)
    return statistics.median(durations)
