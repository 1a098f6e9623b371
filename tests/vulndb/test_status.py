"""``db status``: sources, counts, ages, and the empty / stale verdicts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from regsentry.vulndb.importer import import_path
from regsentry.vulndb.sources import Source
from regsentry.vulndb.status import database_status
from regsentry.vulndb.update import update
from tests.vulndb.data import GHSA_SAMPLE, KEV_SAMPLE

T0 = datetime(2026, 3, 1, tzinfo=UTC)
DAY = timedelta(days=1)


def test_a_missing_database(tmp_path: Path) -> None:
    status = database_status(tmp_path / "vulndb.sqlite")
    assert not status.exists
    assert status.is_empty
    assert status.is_stale(DAY)
    assert status.freshness(DAY) == "missing"


def test_an_unreadable_database(tmp_path: Path) -> None:
    path = tmp_path / "vulndb.sqlite"
    path.write_bytes(b"garbage" * 1000)
    status = database_status(path)
    assert status.exists
    assert status.error
    assert status.freshness(DAY) == "unreadable"


def test_counts_ages_and_staleness(tmp_path: Path) -> None:
    path = tmp_path / "vulndb.sqlite"
    import_path(path, GHSA_SAMPLE, name="ghsa", now=T0)
    kev_only = database_status(tmp_path / "other.sqlite")
    assert kev_only.is_empty
    import_path(path, KEV_SAMPLE, name="kev", now=T0 + DAY)

    status = database_status(path, now=T0 + 3 * DAY)
    assert (status.advisories, status.kev_entries, status.epss_entries) == (2, 3, 0)
    assert status.built_at == T0 + DAY
    assert status.file_age is not None
    ages = {s.name: s.age for s in status.sources}
    assert ages == {"ghsa": 3 * DAY, "kev": 2 * DAY}
    assert {s.name: (s.state.kind, s.state.record_count) for s in status.sources} == {
        "ghsa": ("osv", 2),
        "kev": ("kev", 3),
    }
    assert not status.is_empty
    assert status.freshness(7 * DAY) == "fresh"
    assert [s.name for s in status.stale_sources(timedelta(days=2, hours=12))] == ["ghsa"]
    assert status.freshness(DAY) == "stale"


def test_a_source_that_never_succeeded_is_stale(tmp_path: Path) -> None:
    path = tmp_path / "vulndb.sqlite"
    import_path(path, GHSA_SAMPLE, name="ghsa", now=T0)
    report = update(
        path,
        [Source("kev", "kev", "https://127.0.0.1:9/kev.json")],  # nothing listens on port 9
        now=T0,
        sleep=lambda _: None,
    )
    assert report.failed
    status = database_status(path, now=T0)
    kev = next(s for s in status.sources if s.name == "kev")
    assert kev.age is None
    assert kev.state.last_error
    assert status.freshness(7 * DAY) == "stale"
