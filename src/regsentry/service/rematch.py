"""Use case: re-match every stored inventory after new advisories arrived.

Index once, match many times: nothing is pulled from any registry. New findings and
findings that disappeared (fixed upstream, or withdrawn) are recorded per image.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from regsentry.config import Settings
from regsentry.db.store import ResultStore
from regsentry.matcher.match import MatchCache, match_inventory
from regsentry.model.advisory import Finding
from regsentry.model.digest import Digest
from regsentry.model.progress import NoProgress, ProgressSink
from regsentry.service import advisories
from regsentry.vulndb.store import AdvisoryDB

#: Images read, matched and written per transaction.
_BATCH = 100


@dataclass(frozen=True)
class RematchReport:
    """What a re-match changed."""

    images: int
    new_findings: int
    resolved_findings: int
    seconds: float


def rematch_stored(
    settings: Settings, store: ResultStore, *, progress: ProgressSink | None = None
) -> RematchReport:
    """Match every stored inventory against the current advisory database."""
    progress = progress or NoProgress()
    started_clock = time.perf_counter()
    started = store.clock()
    database = advisories.summary(settings)
    if database is None:
        return RematchReport(0, 0, 0, 0.0)
    warning = advisories.database_warning(database)
    images = new = resolved = 0
    progress.add_total(store.image_count())
    cache: MatchCache = {}
    pending: list[tuple[Digest, tuple[Finding, ...], tuple[str, ...]]] = []

    def save() -> None:
        nonlocal new, resolved
        for changes in store.save_many_findings(pending):
            new += len(changes.new)
            resolved += len(changes.resolved)
        progress.advance(len(pending))
        pending.clear()

    with AdvisoryDB(settings.vulndb_path) as lookup:
        for stored in store.stored_images(batch=_BATCH):
            outcome = match_inventory(stored.inventory, lookup, cache)
            notes = (*outcome.notes, *((warning,) if warning else ()))
            pending.append((stored.digest, outcome.findings, notes))
            images += 1
            if len(pending) >= _BATCH:
                save()
        if pending:
            save()
    store.record_match_run(started, "rematch", images, new, resolved)
    return RematchReport(images, new, resolved, time.perf_counter() - started_clock)
