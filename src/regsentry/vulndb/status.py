"""``regsentry db status``: what the advisory database holds and how fresh it is.

A source's age is the time since its data was last confirmed current: its last
successful check (a ``304`` counts) or, failing that, its last content update. The
database is *stale* when any source is older than the caller's limit or has never
succeeded, and *empty* when it holds no advisory at all (KEV and EPSS alone match
nothing). Matching against an empty or stale database is allowed, but a caller should
say so: "no findings" from an empty database means nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Literal

from regsentry.vulndb.errors import DatabaseError
from regsentry.vulndb.store import AdvisoryDB, SourceState

Freshness = Literal["missing", "unreadable", "empty", "stale", "fresh"]


@dataclass(frozen=True)
class SourceStatus:
    """One source and its age at the time of the status."""

    state: SourceState
    age: timedelta | None

    @property
    def name(self) -> str:
        """The source's name."""
        return self.state.name

    def is_stale(self, max_age: timedelta) -> bool:
        """Never confirmed, or confirmed longer ago than ``max_age``."""
        return self.age is None or self.age > max_age


@dataclass(frozen=True)
class DatabaseStatus:
    """The state of the database file at ``path``."""

    path: Path
    exists: bool
    error: str = ""
    built_at: datetime | None = None
    #: Time since the file was last written (built, or its source states recorded).
    file_age: timedelta | None = None
    sources: tuple[SourceStatus, ...] = ()
    #: Stored advisory records (one per source and id, withdrawn ones included).
    advisories: int = 0
    kev_entries: int = 0
    epss_entries: int = 0

    @property
    def is_empty(self) -> bool:
        """No advisory to match against (missing, unreadable or without advisories)."""
        return self.advisories == 0

    def stale_sources(self, max_age: timedelta) -> tuple[SourceStatus, ...]:
        """The sources older than ``max_age`` or never successfully fetched."""
        return tuple(s for s in self.sources if s.is_stale(max_age))

    def is_stale(self, max_age: timedelta) -> bool:
        """Empty, or any source older than ``max_age``."""
        return self.is_empty or bool(self.stale_sources(max_age))

    def freshness(self, max_age: timedelta) -> Freshness:
        """One word for the console and ``db status``."""
        if not self.exists:
            return "missing"
        if self.error:
            return "unreadable"
        if self.is_empty:
            return "empty"
        return "stale" if self.is_stale(max_age) else "fresh"


def database_status(path: Path, *, now: datetime | None = None) -> DatabaseStatus:
    """Read the status of the database at ``path`` (never raises for a bad database)."""
    now = now or datetime.now(UTC)
    if not path.is_file():
        return DatabaseStatus(path=path, exists=False)
    file_age = now - datetime.fromtimestamp(path.stat().st_mtime, UTC)
    try:
        with AdvisoryDB(path) as database:
            built = database.meta().get("built_at")
            return DatabaseStatus(
                path=path,
                exists=True,
                built_at=datetime.fromisoformat(built) if built else None,
                file_age=max(file_age, timedelta(0)),
                sources=tuple(
                    SourceStatus(state, _age(state, now)) for state in database.sources()
                ),
                advisories=database.count("advisories"),
                kev_entries=database.count("kev"),
                epss_entries=database.count("epss"),
            )
    except DatabaseError as exc:
        return DatabaseStatus(path=path, exists=True, error=str(exc), file_age=file_age)


def _age(state: SourceState, now: datetime) -> timedelta | None:
    confirmed = state.checked_at or state.updated_at
    if confirmed is None or state.record_count == 0:
        return None
    return max(now - confirmed, timedelta(0))
