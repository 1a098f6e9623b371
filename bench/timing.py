"""Shared timing helper of the benchmarks."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from pathlib import Path


def median_seconds(function: Callable[[], object], rounds: int) -> float:
    """The median wall time of ``rounds`` calls."""
    durations = []
    for _ in range(rounds):
        started = time.perf_counter()
        function()
        durations.append(time.perf_counter() - started)
    return statistics.median(durations)


def compile_bytecode() -> None:
    """Byte-compile regsentry's modules, as ``pip install`` does for an installed package.

    An editable checkout run with PYTHONDONTWRITEBYTECODE=1 would otherwise compile ~110
    modules from source in every process the benchmarks start (about 0.1 s each time),
    which no installed regsentry pays.
    """
    import compileall

    import regsentry

    compileall.compile_dir(Path(regsentry.__file__).parent, quiet=1)
