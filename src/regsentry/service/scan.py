"""Use case: ``regsentry scan`` — a whole rule, end to end, stored.

rule → enumerate (the planner) → for each image: an inventory already stored for its
digest and these analyzer versions is reused without a single registry request;
otherwise its layers are analysed, each layer at most once ever (the store is the layer
cache) → store → match → store findings (new and resolved ones recorded).

Every image ends in the job's table as it finishes, so a scan killed at any point and
run again resumes: finished images are neither fetched nor stored twice. Results of
images the registry no longer lists, or of an unreachable registry, turn stale and are
purged after ``retention_days``.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Awaitable, Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Protocol

from regsentry.analyzer.base import Analyzer
from regsentry.analyzer.builtin import builtin_analyzers
from regsentry.concurrency import map_concurrently
from regsentry.config import Settings
from regsentry.db.store import ResultStore
from regsentry.indexer.image import ImageIndexer
from regsentry.indexer.layer import analyzers_key
from regsentry.matcher.match import MatchCache, match_inventory
from regsentry.model.advisory import DatabaseSummary, FindingChanges
from regsentry.model.digest import Digest
from regsentry.model.image import ImageResult, ImageStatus
from regsentry.model.progress import NoProgress, ProgressSink
from regsentry.model.rule import ScanRule
from regsentry.planner.enumerate import Planner, check_supported
from regsentry.registry.client import ClientOptions, RegistryClient
from regsentry.registry.errors import RegistryServerError, RegistryUnreachableError
from regsentry.service import advisories
from regsentry.service.image_work import Outcome, record_image, scan_planned_image
from regsentry.service.inspect import worker_count
from regsentry.vulndb.store import AdvisoryDB


@dataclass
class ScanStats:
    """What the scan did, for the summary line and the benchmarks."""

    planned: int = 0
    reused: int = 0
    analysed: int = 0
    resumed_finished: int = 0
    stale_tags: int = 0
    purged_images: int = 0


@dataclass(frozen=True)
class ScanOutcome:
    """Results of one scan, and what changed since each image's previous match."""

    results: list[ImageResult]
    database: DatabaseSummary | None
    job_id: int
    resumed: bool
    changes: dict[Digest, FindingChanges] = field(default_factory=dict)
    stats: ScanStats = field(default_factory=ScanStats)


@dataclass
class JobWork:
    """A planned job handed to a dispatcher: everything its images need."""

    job_id: int
    rule: ScanRule
    options: ClientOptions
    client: RegistryClient
    store: ResultStore
    analyzers: tuple[Analyzer, ...]
    analyzer_key: str
    settings: Settings
    progress: ProgressSink
    stats: ScanStats


class Dispatcher(Protocol):
    """Works through a job's planned images: here (:class:`LocalDispatcher`) or on the
    scanner pool (:class:`regsentry.service.pool.dispatch.PoolDispatcher`)."""

    async def run(self, work: JobWork, planned: Sequence[ImageResult]) -> list[ImageResult]:
        """Finish every planned image (each stored and marked in the job) and return
        them in order; advance ``work.progress`` by one per image."""


class LocalDispatcher:
    """The embedded default: the job's images are analysed in this process, a few at a
    time, CPU work (inflating, walking layers) on threads."""

    async def run(self, work: JobWork, planned: Sequence[ImageResult]) -> list[ImageResult]:
        """See :class:`Dispatcher`."""
        states = work.store.job_states(work.job_id)
        with ThreadPoolExecutor(worker_count(), thread_name_prefix="layers") as pool:
            indexer = ImageIndexer(work.client, work.analyzers, pool, cache=work.store)

            async def one(image: ImageResult) -> ImageResult:
                target = image.target
                previous = states.get((target.repository, str(target.digest)), ("pending", None))
                try:
                    result, outcome = await scan_planned_image(
                        work.job_id, image, work.client, indexer, work.store,
                        work.analyzer_key, previous,
                    )  # fmt: skip
                finally:
                    work.progress.advance()
                count_outcome(work.stats, outcome)
                return result

            return await map_concurrently(one, planned, limit=work.settings.scan_image_concurrency)


def count_outcome(stats: ScanStats, outcome: Outcome, amount: int = 1) -> None:
    """Add finished images to the scan's statistics."""
    if outcome is Outcome.REUSED:
        stats.reused += amount
    elif outcome is Outcome.RESUMED:
        stats.resumed_finished += amount
    else:
        stats.analysed += amount


def default_dispatcher(settings: Settings) -> Dispatcher:
    """The scanner pool when a broker is configured, else this process."""
    if settings.broker_url:
        from regsentry.service.pool.dispatch import PoolDispatcher

        return PoolDispatcher.from_settings(settings)
    return LocalDispatcher()


async def run_scan(
    rule: ScanRule,
    options: ClientOptions,
    settings: Settings,
    store: ResultStore,
    *,
    progress: ProgressSink | None = None,
    analyzers: Sequence[Analyzer] | None = None,
    dispatcher: Dispatcher | None = None,
) -> ScanOutcome:
    """Scan every image ``rule`` covers; see the module docstring."""
    check_supported(rule)
    stats = ScanStats()
    stats.purged_images = store.purge_stale(store.clock() - timedelta(days=settings.retention_days))

    async def plan(client: RegistryClient) -> list[ImageResult]:
        planner = Planner(client, rule, concurrency=options.concurrency * 2)
        planned = await planner.plan()
        stats.stale_tags = store.record_listing(rule.address.display, planner.listed)
        return planned

    job_id, resumed, results = await run_job(
        rule, plan, options, settings, store,
        progress=progress, analyzers=analyzers, dispatcher=dispatcher, stats=stats,
    )  # fmt: skip
    matched, database, changes = match_and_store(results, settings, store, reason="scan")
    store.finish_job(job_id, "completed")
    return ScanOutcome(matched, database, job_id, resumed, changes, stats)


async def run_job(
    rule: ScanRule,
    plan: Callable[[RegistryClient], Awaitable[list[ImageResult]]],
    options: ClientOptions,
    settings: Settings,
    store: ResultStore,
    *,
    progress: ProgressSink | None = None,
    analyzers: Sequence[Analyzer] | None = None,
    dispatcher: Dispatcher | None = None,
    stats: ScanStats | None = None,
) -> tuple[int, bool, list[ImageResult]]:
    """Start (or resume) the job of ``rule``, plan its images with ``plan``, finish every
    one of them through ``dispatcher``; returns (job id, resumed, results), the job still
    open for the caller to close once the results are matched."""
    analyzers = tuple(analyzers or builtin_analyzers())
    progress = progress or NoProgress()
    stats = stats or ScanStats()
    dispatcher = dispatcher or default_dispatcher(settings)
    job_id, resumed = store.start_job(rule)
    host = rule.address.display
    key = analyzers_key(analyzers)
    try:
        async with await RegistryClient.connect(rule.address, options) as client:
            planned = await plan(client)
            store.add_job_images(job_id, planned)
            stats.planned = sum(r.status is ImageStatus.PLANNED for r in planned)
            progress.add_total(len(planned))
            for result in planned:
                if result.status is not ImageStatus.PLANNED:
                    record_image(store, job_id, result, key)
                    progress.advance()
            work = JobWork(
                job_id, rule, options, client, store, analyzers, key, settings, progress, stats
            )
            finished = await dispatcher.run(
                work, [r for r in planned if r.status is ImageStatus.PLANNED]
            )
    except (RegistryUnreachableError, RegistryServerError) as exc:
        store.mark_registry_unreachable(host, str(exc))
        store.finish_job(job_id, "failed", str(exc))
        raise
    except asyncio.CancelledError:
        raise  # stopped from outside (shutdown, or a user's cancel): the job stays resumable
    except BaseException as exc:
        store.finish_job(job_id, "failed", str(exc) or type(exc).__name__)
        raise
    by_key = {(r.target.repository, r.target.digest): r for r in finished}
    results = [
        by_key.get((r.target.repository, r.target.digest), r)
        if r.status is ImageStatus.PLANNED
        else r
        for r in planned
    ]
    return job_id, resumed, results


def match_and_store(
    results: Sequence[ImageResult], settings: Settings, store: ResultStore, *, reason: str
) -> tuple[list[ImageResult], DatabaseSummary | None, dict[Digest, FindingChanges]]:
    """Match analysed results, store their findings, and return them with the changes."""
    started = store.clock()
    database = advisories.summary(settings)
    changes: dict[Digest, FindingChanges] = {}
    if database is None:
        return list(results), None, changes
    matched: list[ImageResult] = []
    warning = advisories.database_warning(database)
    cache: MatchCache = {}
    with AdvisoryDB(settings.vulndb_path) as lookup:
        for result in results:
            if result.inventory is None or result.target.digest is None:
                matched.append(result)
                continue
            outcome = match_inventory(result.inventory, lookup, cache)
            notes = (*outcome.notes, *((warning,) if warning else ()))
            changes[result.target.digest] = store.save_findings(
                result.target.digest, outcome.findings, notes
            )
            matched.append(
                dataclasses.replace(result, vulnerabilities=outcome.findings, notes=notes)
            )
    store.record_match_run(
        started,
        reason,
        len(changes),
        sum(len(c.new) for c in changes.values()),
        sum(len(c.resolved) for c in changes.values()),
    )
    return matched, database, changes
