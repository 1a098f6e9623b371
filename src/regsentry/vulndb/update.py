"""``regsentry db update``: fetch every configured source, then one atomic rebuild.

1. Under the writer lock, read each source's stored validators (ETag, Last-Modified,
   content hash) from the current database.
2. Fetch every source (:mod:`download`): ``304`` or an identical body means unchanged; a
   failure is recorded and the source keeps its previous records.
3. If any source brought new content: build a new database (:mod:`builder`) with the
   unchanged and failed sources copied over and the new ones parsed in. A source whose new
   content turns out unusable (garbage, a zip bomb, no valid record, another feed kind)
   is rolled back to its previous records and reported failed. The file is replaced only
   when the whole rebuild succeeds.
4. Otherwise only check times and errors are recorded, in place (see
   :func:`~regsentry.vulndb.builder.write_source_states`).

Sources already in the database but not configured (``db import`` sources, feeds since
removed from the configuration) are kept untouched; :func:`~regsentry.vulndb.importer.
forget_source` removes one.
"""

from __future__ import annotations

import contextlib
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

import httpx

from regsentry.errors import ConfigError
from regsentry.vulndb.builder import DatabaseBuilder, write_source_states
from regsentry.vulndb.documents import file_documents
from regsentry.vulndb.download import FetchResult, fetch
from regsentry.vulndb.errors import (
    DatabaseError,
    InvalidFeedError,
    NothingToImportError,
    VulnDBError,
)
from regsentry.vulndb.ingest import ingest
from regsentry.vulndb.limits import DownloadLimits, ImportLimits
from regsentry.vulndb.lock import writer_lock
from regsentry.vulndb.report import ImportReport
from regsentry.vulndb.sources import Source
from regsentry.vulndb.store import AdvisoryDB, SourceState

OutcomeStatus = Literal["updated", "unchanged", "failed"]


@dataclass(frozen=True)
class SourceOutcome:
    """What happened to one configured source."""

    name: str
    kind: str
    status: OutcomeStatus
    record_count: int = 0
    error: str = ""
    report: ImportReport | None = None


@dataclass(frozen=True)
class UpdateReport:
    """The outcome of one ``db update``."""

    outcomes: tuple[SourceOutcome, ...]
    #: True when a new database file was built and swapped in.
    rebuilt: bool
    #: Set when the previous database could not be read (it was rebuilt without it).
    previous_database_error: str = ""

    @property
    def failed(self) -> tuple[SourceOutcome, ...]:
        """The sources that could not be updated (their previous records are kept)."""
        return tuple(o for o in self.outcomes if o.status == "failed")


def update(
    database: Path,
    sources: Sequence[Source],
    *,
    client: httpx.Client | None = None,
    import_limits: ImportLimits | None = None,
    download_limits: DownloadLimits | None = None,
    allow_http: bool = False,
    now: datetime | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> UpdateReport:
    """Update the database at ``database`` from ``sources``; see the module docstring.

    Raises ConfigError for duplicate source names and DatabaseError when the database
    itself cannot be written; a source's failure is an outcome, not an exception.
    """
    names = [source.name for source in sources]
    if len(set(names)) != len(names):
        duplicates = sorted({name for name in names if names.count(name) > 1})
        raise ConfigError(f"advisory sources must have unique names: {', '.join(duplicates)}")
    now = now or datetime.now(UTC)
    download_limits = download_limits or DownloadLimits()
    run = _Run(database, import_limits or ImportLimits(), now)
    database.parent.mkdir(parents=True, exist_ok=True)
    with contextlib.ExitStack() as stack:
        stack.enter_context(writer_lock(database))
        if client is None:
            client = stack.enter_context(
                httpx.Client(
                    follow_redirects=True,
                    timeout=httpx.Timeout(
                        download_limits.read_timeout, connect=download_limits.connect_timeout
                    ),
                )
            )
        workdir = Path(
            stack.enter_context(
                tempfile.TemporaryDirectory(prefix=".vulndb-download-", dir=database.parent)
            )
        )
        run.load_previous()
        for source in sources:
            run.fetch(
                source,
                lambda s, state: fetch(
                    client,
                    s,
                    directory=workdir,
                    etag=state.etag if state else None,
                    last_modified=state.last_modified if state else None,
                    limits=download_limits,
                    allow_http=allow_http,
                    sleep=sleep,
                ),
            )
        rebuilt = run.finish()
    return UpdateReport(
        outcomes=tuple(run.outcomes[s.name] for s in sources),
        rebuilt=rebuilt,
        previous_database_error=run.previous_error,
    )


class _Run:
    """The state of one update between fetching and writing."""

    def __init__(self, database: Path, limits: ImportLimits, now: datetime) -> None:
        self.database = database
        self.limits = limits
        self.now = now
        self.previous: dict[str, SourceState] = {}
        self.previous_error = ""
        self.downloaded: list[tuple[Source, FetchResult]] = []
        #: States to record for sources whose content does not change.
        self.states: dict[str, SourceState] = {}
        self.outcomes: dict[str, SourceOutcome] = {}

    def load_previous(self) -> None:
        if not self.database.exists():
            return
        try:
            with AdvisoryDB(self.database) as current:
                self.previous = {s.name: s for s in current.sources()}
        except DatabaseError as exc:
            self.previous_error = str(exc)

    def fetch(
        self,
        source: Source,
        get: Callable[[Source, SourceState | None], FetchResult],
    ) -> None:
        state = self.previous.get(source.name)
        try:
            result = get(source, state)
        except VulnDBError as exc:
            self.fail(source, str(exc))
            return
        if result.status == "downloaded" and state and result.sha256 == state.content_sha256:
            if result.path:
                result.path.unlink(missing_ok=True)
            result = replace(result, status="unchanged", path=None)
        if result.status == "unchanged" and state is not None:
            self.states[source.name] = replace(
                state,
                checked_at=self.now,
                etag=result.etag or state.etag,
                last_modified=result.last_modified or state.last_modified,
                last_error="",
                last_error_at=None,
            )
            self.outcomes[source.name] = SourceOutcome(
                source.name, source.kind, "unchanged", state.record_count
            )
        elif result.status == "unchanged":
            self.fail(source, "the server answered 304 Not Modified to an unconditional request")
        else:
            self.downloaded.append((source, result))

    def fail(self, source: Source, error: str) -> None:
        state = self.previous.get(source.name) or SourceState(
            name=source.name, kind=source.kind, url=source.url
        )
        self.states[source.name] = replace(state, last_error=error, last_error_at=self.now)
        self.outcomes[source.name] = SourceOutcome(
            source.name, source.kind, "failed", state.record_count, error
        )

    def finish(self) -> bool:
        """Write what changed; True when a new file was built."""
        if not self.downloaded:
            if self.database.exists() and not self.previous_error:
                write_source_states(self.database, list(self.states.values()))
            return False
        with DatabaseBuilder(self.database, now=self.now) as builder:
            builder.copy_all_except({source.name for source, _ in self.downloaded})
            for source, result in self.downloaded:
                self.parse(builder, source, result)
            for state in self.states.values():
                builder.set_source(state)
            builder.commit()
        return True

    def parse(self, builder: DatabaseBuilder, source: Source, result: FetchResult) -> None:
        assert result.path is not None
        hint = urlsplit(source.url).path.rsplit("/", 1)[-1] or source.name
        try:
            report = ingest(
                builder, source.name, file_documents(result.path, hint, self.limits), self.limits
            )
            if report.imported == 0:
                reasons = "; ".join(s.reason for s in report.skipped_examples[:3])
                raise NothingToImportError(f"no valid record in the download: {reasons}")
            if report.kinds != {source.kind}:
                raise InvalidFeedError(f"expected a {source.kind} feed, found {report.kind}")
        except VulnDBError as exc:
            builder.discard_source(source.name)
            builder.copy_source(source.name)
            self.fail(source, str(exc))
            return
        finally:
            result.path.unlink(missing_ok=True)
        state = builder.set_source(
            SourceState(
                name=source.name,
                kind=source.kind,
                url=source.url,
                updated_at=self.now,
                checked_at=self.now,
                etag=result.etag,
                last_modified=result.last_modified,
                content_sha256=result.sha256,
                version=report.version,
            )
        )
        report.record_count = state.record_count
        self.outcomes[source.name] = SourceOutcome(
            source.name, source.kind, "updated", state.record_count, report=report
        )
