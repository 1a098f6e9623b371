"""A Rich progress bar (on stderr) behind the ProgressSink protocol."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from rich.console import Console
from rich.progress import (
    BarColumn,
    DownloadColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
)

from regsentry.config import Settings

if TYPE_CHECKING:
    from regsentry.service.scan import Dispatcher


class RichProgress:
    """Progress of one task on a Rich bar; the total grows as work is discovered."""

    def __init__(self, progress: Progress, description: str) -> None:
        self._progress = progress
        self._description = description
        self._task = progress.add_task(description, total=0)

    def add_total(self, amount: int) -> None:
        """More work became known."""
        task = self._progress.tasks[self._task]
        self._progress.update(self._task, total=(task.total or 0) + amount)

    def advance(self, amount: int = 1) -> None:
        """Some work finished."""
        self._progress.advance(self._task, amount)

    def waiting(self, reason: str | None) -> None:
        """Show why the work does not progress (a line on stderr, and on the bar), or
        that it does again (``None``)."""
        if reason:
            self._progress.console.print(f"waiting: {reason}", highlight=False, markup=False)
            self._progress.update(self._task, description=f"{self._description} (waiting)")
        else:
            self._progress.update(self._task, description=self._description)


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


def pool_dispatcher(settings: Settings, progress: RichProgress) -> Dispatcher | None:
    """With ``REGSENTRY_BROKER_URL`` set, the scanner pool (its waiting reasons shown on
    ``progress``); else None, the in-process default."""
    if not settings.broker_url:
        return None
    from regsentry.service.pool.dispatch import PoolDispatcher

    return PoolDispatcher.from_settings(settings, on_wait=progress.waiting)
