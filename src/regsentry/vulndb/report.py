"""What an import did: counted, never silent (ARCHITECTURE pattern 6).

Every record read is either imported or skipped with a reason, so
``seen == imported + skipped`` always holds and a user can tell a small feed from a
broken one. Skips are all counted; the first ``max_skipped_listed`` are listed with
their ids and origins.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Skipped:
    """One record left out: its id (when it had a readable one), its file, and why."""

    id: str
    origin: str
    reason: str


@dataclass
class ImportReport:
    """The outcome of importing one source (``db import PATH`` or one ``db update`` feed)."""

    source: str
    #: Formats found, e.g. ``osv``, ``debian-tracker``, ``alpine-secdb``, ``kev``, ``epss``.
    kinds: set[str] = field(default_factory=set)
    seen: int = 0
    imported: int = 0
    skipped: int = 0
    #: Imported records that were withdrawn (stored, never returned by lookups).
    withdrawn: int = 0
    #: Imported records whose id this source already held: merged into one advisory.
    merged: int = 0
    #: Imported advisories per base ecosystem (an advisory counts once per ecosystem).
    by_ecosystem: Counter[str] = field(default_factory=Counter)
    #: Ecosystems outside the OSV list; their records are stored all the same.
    unrecognised_ecosystems: set[str] = field(default_factory=set)
    skipped_examples: list[Skipped] = field(default_factory=list)
    #: Rows the source holds once the import is committed.
    record_count: int = 0
    #: The feed's own version (KEV catalogue version, EPSS model and date).
    version: str = ""
    #: Set when the previous database could not be read and was rebuilt without it.
    previous_database_error: str = ""
    max_listed: int = 200

    @property
    def kind(self) -> str:
        """The formats found, joined with ``+`` (``osv``, ``osv+kev`` …)."""
        return "+".join(sorted(self.kinds)) or "unknown"

    def add_imported(self) -> None:
        """Count one imported record."""
        self.seen += 1
        self.imported += 1

    def add_skipped(self, record_id: str, origin: str, reason: str) -> None:
        """Count one skipped record, listing it while under the cap."""
        self.seen += 1
        self.skipped += 1
        if len(self.skipped_examples) < self.max_listed:
            self.skipped_examples.append(Skipped(record_id, origin, reason))
