"""Progress reporting from deep inside long work, to whatever shows it (CLI bar, console)."""

from __future__ import annotations

from typing import Protocol


class ProgressSink(Protocol):
    """Receives progress of one piece of work; units are the caller's (tags, layers …)."""

    def add_total(self, amount: int) -> None:
        """More work became known."""

    def advance(self, amount: int = 1) -> None:
        """Some work finished."""


class NoProgress:
    """A sink that ignores everything, for callers that show no progress."""

    def add_total(self, amount: int) -> None:
        """Ignore."""

    def advance(self, amount: int = 1) -> None:
        """Ignore."""
