"""The console's scheduler with an injected clock, against a real registry: interval
rescans, new tags picked up at the sync interval, re-matching after an advisory update,
the retention purge, and a restart that neither loses a schedule nor duplicates a job."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from regsentry.config import Settings
from regsentry.db.tables import ScanJob
from regsentry.model.rule import ScanRule
from regsentry.service.advisories import import_into_database
from regsentry.service.console.services import ConsoleServices
from tests.conftest import SampleRegistry
from tests.service.scan_support import app_image, base_layer, osv_record, write_records
from tests.support.images import Pusher

pytestmark = pytest.mark.registry


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 5, 1, 8, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def repository(scratch_registry: SampleRegistry, request: pytest.FixtureRequest) -> str:
    """A repository of its own per test, with one image."""
    name = "sched/" + re.sub(r"[^a-z0-9]+", "-", request.node.name.lower())[:40].strip("-")
    pusher = Pusher(scratch_registry.url)
    pusher.push(name, app_image(base_layer("sched"), "first"), "1.0")
    pusher.close()
    return name


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def console(tmp_path: Path, clock: Clock) -> Iterator[ConsoleServices]:
    services = ConsoleServices.build(Settings(home=tmp_path / "home"), clock=clock)
    yield services
    services.close()


def add_rule(console: ConsoleServices, registry: SampleRegistry, repository: str) -> ScanRule:
    rule = ScanRule.build(registry=registry.url, repository=repository, cap=0)
    console.rules.put(rule)
    return rule


def job_count(console: ConsoleServices) -> int:
    with Session(console.results.engine) as session:
        return session.scalar(select(func.count(ScanJob.id))) or 0


async def test_due_rules_scan_then_wait_for_their_interval(
    console: ConsoleServices, scratch_registry: SampleRegistry, repository: str, clock: Clock
) -> None:
    rule = add_rule(console, scratch_registry, repository)
    assert await console.scheduler.tick() == [f"scan {rule.name}", "purge 0"]
    await console.jobs.wait(rule.name)
    [job] = console.store.jobs()
    assert (job.status, job.trigger, job.counts) == ("completed", "schedule", {"scanned": 1})
    assert await console.scheduler.tick() == []  # nothing due
    clock.now += timedelta(minutes=15)
    assert await console.scheduler.tick() == [f"sync {rule.name}"]
    await console.jobs.wait(rule.name)
    clock.now += timedelta(hours=24)
    actions = await console.scheduler.tick()
    assert f"scan {rule.name}" in actions
    assert "purge 0" in actions  # a day later: the daily purge
    await console.jobs.wait(rule.name)


async def test_a_new_tag_is_scanned_at_the_next_sync(
    console: ConsoleServices, scratch_registry: SampleRegistry, repository: str, clock: Clock
) -> None:
    rule = add_rule(console, scratch_registry, repository)
    await console.scheduler.tick()
    await console.jobs.wait(rule.name)
    assert console.results.image_count() == 1
    pusher = Pusher(scratch_registry.url)
    pusher.push(repository, app_image(base_layer("sched"), "second"), "2.0")
    pusher.close()
    clock.now += timedelta(minutes=16)
    assert await console.scheduler.tick() == [f"sync {rule.name}"]
    await console.jobs.wait(rule.name)
    assert console.results.image_count() == 2
    page = console.queries.images(repository=repository)
    assert sorted(tag for image in page.items for tag in image.tags) == ["1.0", "2.0"]


async def test_advisory_update_triggers_a_rematch(
    console: ConsoleServices, scratch_registry: SampleRegistry, repository: str, tmp_path: Path
) -> None:
    rule = add_rule(console, scratch_registry, repository)
    await console.scheduler.tick()
    await console.jobs.wait(rule.name)
    records = write_records(tmp_path / "records", osv_record("CVE-2099-7", "bash", None))
    import_into_database(console.settings, records)
    assert "rematch" in await console.scheduler.tick()
    findings = console.queries.findings(query="CVE-2099-7")
    assert findings.total == 1
    assert "rematch" not in await console.scheduler.tick()  # once per database build


async def test_retention_purge_follows_the_settings(
    console: ConsoleServices, scratch_registry: SampleRegistry, repository: str, clock: Clock
) -> None:
    rule = add_rule(console, scratch_registry, repository)
    await console.scheduler.tick()
    await console.jobs.wait(rule.name)
    [image] = console.queries.images(repository=repository).items
    Pusher(scratch_registry.url).delete_manifest(repository, image.digest)
    clock.now += timedelta(minutes=16)
    await console.scheduler.tick()  # the sync sees the image gone: stale from now
    await console.jobs.wait(rule.name)
    assert console.queries.images(repository=repository, stale=True).total == 1
    clock.now += timedelta(days=31)
    actions = await console.scheduler.tick()
    assert "purge 1" in actions
    await console.jobs.wait(rule.name)
    assert console.queries.images(repository=repository).total == 0


async def test_restart_resumes_without_duplicating(
    tmp_path: Path, scratch_registry: SampleRegistry, repository: str, clock: Clock
) -> None:
    settings = Settings(home=tmp_path / "home")
    first = ConsoleServices.build(settings, clock=clock)
    rule = add_rule(first, scratch_registry, repository)
    # A console that died mid-job left it "running" in the database.
    job_id, _ = first.results.start_job(rule)
    first.close()
    second = ConsoleServices.build(settings, clock=clock)
    try:
        actions = await second.scheduler.tick()
        assert actions[0] == f"resume {rule.name}"
        assert f"scan {rule.name}" not in actions  # due, but its job is the resumed one
        await second.jobs.wait(rule.name)
        assert job_count(second) == 1
        job = second.store.job(job_id)
        assert job is not None
        assert job.status == "completed"
        assert second.store.rules()[0].next_scan_at is not None
    finally:
        second.close()
