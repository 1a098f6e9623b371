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
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import timedelta

from regsentry.analyzer.base import Analyzer
from regsentry.analyzer.builtin import builtin_analyzers
from regsentry.concurrency import map_concurrently
from regsentry.config import Settings
from regsentry.db.store import ResultStore
from regsentry.indexer.image import ImageIndexer
from regsentry.indexer.layer import analyzers_key
from regsentry.indexer.verdict import judge
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
from regsentry.service.inspect import index_planned, worker_count
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


async def run_scan(
    rule: ScanRule,
    options: ClientOptions,
    settings: Settings,
    store: ResultStore,
    *,
    progress: ProgressSink | None = None,
    analyzers: Sequence[Analyzer] | None = None,
) -> ScanOutcome:
    """Scan every image ``rule`` covers; see the module docstring."""
    check_supported(rule)
    analyzers = tuple(analyzers or builtin_analyzers())
    key = analyzers_key(analyzers)
    progress = progress or NoProgress()
    stats = ScanStats()
    stats.purged_images = store.purge_stale(store.clock() - timedelta(days=settings.retention_days))
    job_id, resumed = store.start_job(rule)
    host = rule.address.display
    try:
        async with await RegistryClient.connect(rule.address, options) as client:
            planner = Planner(client, rule, concurrency=options.concurrency * 2)
            planned = await planner.plan()
            stats.stale_tags = store.record_listing(host, planner.listed)
            store.add_job_images(job_id, planned)
            states = store.job_states(job_id)
            stats.planned = sum(r.status is ImageStatus.PLANNED for r in planned)
            progress.add_total(len(planned))
            with ThreadPoolExecutor(worker_count(), thread_name_prefix="layers") as pool:
                indexer = ImageIndexer(client, analyzers, pool, cache=store)

                async def one(result: ImageResult) -> ImageResult:
                    try:
                        return await _analyse(
                            job_id, result, client, indexer, store, key, states, stats
                        )
                    finally:
                        progress.advance()

                results = await map_concurrently(
                    one, planned, limit=settings.scan_image_concurrency
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
    matched, database, changes = match_and_store(results, settings, store, reason="scan")
    store.finish_job(job_id, "completed")
    return ScanOutcome(matched, database, job_id, resumed, changes, stats)


async def _analyse(
    job_id: int,
    planned: ImageResult,
    client: RegistryClient,
    indexer: ImageIndexer,
    store: ResultStore,
    key: str,
    states: dict[tuple[str, str], tuple[str, str | None]],
    stats: ScanStats,
) -> ImageResult:
    """One image: resumed, reused from the store, or analysed; stored either way."""
    if planned.status is not ImageStatus.PLANNED:
        _record(store, job_id, planned, key)
        return planned
    target = planned.target
    assert target.digest is not None
    state, error = states.get((target.repository, str(target.digest)), ("pending", None))
    inventory = store.stored_inventory(target.digest, key)
    if inventory is not None:
        status, reason = judge(inventory)
        result = ImageResult(target, status, reason, inventory)
        stats.reused += 1
        store.save_sighting(result)
        store.finish_job_image(job_id, result)
        return result
    if state == ImageStatus.FAILED.value:
        # Finished (as failed) by the interrupted run this job resumes: not fetched again.
        result = ImageResult(target, ImageStatus.FAILED, error)
        stats.resumed_finished += 1
    else:
        result = await index_planned(client, indexer, planned)
        stats.analysed += 1
    _record(store, job_id, result, key)
    return result


def _record(store: ResultStore, job_id: int, result: ImageResult, key: str) -> None:
    """Store an image's result, then mark it finished in its job (in that order, so a
    kill between the two only redoes the store, which is idempotent)."""
    store.save_image(result, key)
    store.finish_job_image(job_id, result)


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
