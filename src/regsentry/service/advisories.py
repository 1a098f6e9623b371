"""Use cases around the advisory database: update, import, status, and matching results.

Matching needs only stored inventories and this database, never a registry, so the same
function serves a fresh scan and a re-match after new advisories arrive.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from regsentry.config import Settings
from regsentry.model.advisory import DatabaseSummary
from regsentry.model.image import ImageResult
from regsentry.vulndb.report import ImportReport
from regsentry.vulndb.sources import (
    DEFAULT_ALPINE_RELEASES,
    DEFAULT_OSV_ECOSYSTEMS,
    Source,
    default_sources,
)
from regsentry.vulndb.status import DatabaseStatus, database_status
from regsentry.vulndb.store import AdvisoryDB

if TYPE_CHECKING:
    from regsentry.vulndb.update import UpdateReport


def configured_sources(settings: Settings) -> list[Source]:
    """The feeds ``db update`` fetches, from settings (blank URLs leave a feed out)."""
    ecosystems = [e.strip() for e in settings.osv_ecosystems.split(",") if e.strip()]
    return default_sources(
        osv_base_url=settings.osv_base_url,
        osv_ecosystems=ecosystems or DEFAULT_OSV_ECOSYSTEMS,
        debian_tracker_url=settings.debian_tracker_url or None,
        alpine_base_url=settings.alpine_secdb_url,
        alpine_releases=DEFAULT_ALPINE_RELEASES if settings.alpine_secdb_url else (),
        kev_url=settings.kev_url or None,
        epss_url=settings.epss_url or None,
    )


def update_database(settings: Settings) -> UpdateReport:
    """``db update``: fetch every configured feed and swap in the rebuilt database."""
    from regsentry.vulndb.update import update  # heavy; only `db update` needs it

    settings.home.mkdir(parents=True, exist_ok=True)
    return update(settings.vulndb_path, configured_sources(settings))


def import_into_database(settings: Settings, path: Path) -> ImportReport:
    """``db import PATH``: OSV files, directories, ecosystem zips, KEV or EPSS files."""
    from regsentry.vulndb.importer import import_path  # heavy; only `db import` needs it

    settings.home.mkdir(parents=True, exist_ok=True)
    return import_path(settings.vulndb_path, path)


def status(settings: Settings) -> DatabaseStatus:
    """``db status``."""
    return database_status(settings.vulndb_path)


def summary(settings: Settings, *, now: datetime | None = None) -> DatabaseSummary | None:
    """What a report says about the database; None when there is no database at all."""
    current = database_status(settings.vulndb_path, now=now or datetime.now(UTC))
    if not current.exists:
        return None
    newest = max((s.state.updated_at for s in current.sources if s.state.updated_at), default=None)
    return DatabaseSummary(
        path=str(settings.vulndb_path),
        advisories=current.advisories,
        updated=newest or current.built_at,
        stale=current.is_stale(timedelta(days=settings.advisory_max_age_days)),
        empty=current.is_empty or bool(current.error),
        sources=tuple(s.name for s in current.sources),
    )


def database_warning(database: DatabaseSummary) -> str | None:
    """The note every matched image carries when the database is thin."""
    if database.empty:
        return "the advisory database is empty"
    if database.stale:
        return "the advisory database is stale"
    return None


def match_results(
    results: Sequence[ImageResult], settings: Settings
) -> tuple[list[ImageResult], DatabaseSummary | None]:
    """Match every analysed image against the database (unchanged when there is none)."""
    database = summary(settings)
    if database is None:
        return list(results), None
    # The matcher (and the CVSS and version libraries under it) is imported only when
    # there is something to match: `regsentry image` without a database starts faster.
    from regsentry.matcher.match import match_inventory

    warning = database_warning(database)
    matched = []
    with AdvisoryDB(settings.vulndb_path) as lookup:
        for result in results:
            if result.inventory is None:
                matched.append(result)
                continue
            outcome = match_inventory(result.inventory, lookup)
            notes = (*result.notes, *outcome.notes, *((warning,) if warning else ()))
            matched.append(
                dataclasses.replace(result, vulnerabilities=outcome.findings, notes=notes)
            )
    return matched, database
