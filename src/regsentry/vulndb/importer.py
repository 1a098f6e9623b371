"""``regsentry db import PATH``: load advisories from local files into the database.

PATH is an OSV record (``.json``/``.yaml``/``.yml``), a directory of them (recursive), an
osv.dev ecosystem zip (``<ecosystem>/all.zip``), or a native feed file: the Debian
security tracker JSON, an Alpine secdb (JSON or legacy YAML), the CISA KEV catalogue, an
EPSS CSV (optionally ``.gz``). The format is detected from the content (see ``ingest``).

An import is one *source*, by default named ``import:<absolute path>``: importing the same
path again replaces what it brought before, other sources are copied unchanged. Pass
``name="osv:PyPI"`` (the name ``db update`` uses) to load a file downloaded elsewhere in
place of a configured feed — the offline / air-gapped way to update.

The database file is rebuilt and swapped in atomically (``builder``); if the input is
refused (a cap, a corrupt archive) or holds no valid record, nothing changes.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from regsentry.vulndb.builder import DatabaseBuilder
from regsentry.vulndb.documents import iter_documents
from regsentry.vulndb.errors import NothingToImportError
from regsentry.vulndb.ingest import ingest
from regsentry.vulndb.limits import ImportLimits
from regsentry.vulndb.lock import writer_lock
from regsentry.vulndb.report import ImportReport
from regsentry.vulndb.store import SourceState

_DEFAULT_LIMITS = ImportLimits()


def default_source_name(path: Path) -> str:
    """The source name an import of ``path`` gets unless one is given."""
    return f"import:{path.resolve()}"


def import_path(
    database: Path,
    path: Path,
    *,
    name: str | None = None,
    limits: ImportLimits = _DEFAULT_LIMITS,
    now: datetime | None = None,
) -> ImportReport:
    """Import ``path`` into the database at ``database`` as one source; see the module doc.

    Raises NothingToImportError when no record was valid, LimitExceededError or
    InvalidFeedError when the input is refused, DatabaseError when the database cannot
    be written; in every case the database is left unchanged.
    """
    now = now or datetime.now(UTC)
    source = name or default_source_name(path)
    with writer_lock(database), DatabaseBuilder(database, now=now) as builder:
        builder.copy_all_except({source})
        report = ingest(builder, source, iter_documents(path, limits), limits)
        report.previous_database_error = builder.previous_error
        if report.imported == 0:
            raise NothingToImportError(_nothing_message(path, report))
        state = builder.set_source(
            SourceState(
                name=source,
                kind=report.kind,
                url=str(path.resolve()),
                updated_at=now,
                checked_at=now,
                version=report.version,
            )
        )
        report.record_count = state.record_count
        builder.commit()
    return report


def forget_source(database: Path, name: str, *, now: datetime | None = None) -> bool:
    """Remove one source and its records; False when the database has no such source."""
    with writer_lock(database), DatabaseBuilder(database, now=now) as builder:
        if name not in builder.previous:
            return False
        builder.copy_all_except({name})
        builder.commit()
    return True


def _nothing_message(path: Path, report: ImportReport) -> str:
    if report.seen == 0:
        return f"{path}: no advisory records found (nothing was changed)"
    reasons = "; ".join(f"{s.id or s.origin}: {s.reason}" for s in report.skipped_examples[:3])
    return (
        f"{path}: none of the {report.seen:,} records could be imported (nothing was "
        f"changed): {reasons}"
    )
