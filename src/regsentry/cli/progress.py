"""A Rich progress bar (on stderr) behind the ProgressSink protocol."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.progress import (
    BarColumn,
    DownloadColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
)


class RichProgress:
    """Progress of one task on a Rich bar; the total grows as work is discovered."""

    def __init__(self, progress: Progress, description: str) -> None:
        self._progress = progress
        self._task = progress.add_task(description, total=0)

    def add_total(self, amount: int) -> None:
        """More work became known."""
        task = self._progress.tasks[self._task]
        self._progress.update(self._task, total=(task.total or 0) + amount)

    def advance(self, amount: int = 1) -> None:
        """Some work finished."""
        self._progress.advance(self._task, amount)


@contextmanager
def progress_bar(
    console: Console, description: str, *, unit: str = "items"
) -> Iterator[RichProgress]:
    """A transient progress bar shown while the block runs (only on a terminal)."""
    amount = DownloadColumn(binary_units=True) if unit == "bytes" else MofNCompleteColumn()
    with Progress(
        TextColumn("{task.description}", markup=False),
        BarColumn(),
        amount,
        TimeElapsedColumn(),
        console=console,
        transient=True,
    ) as progress:
        yield RichProgress(progress, description)
