"""The console's scheduler: interval rescans, frequent re-listing, re-matching after an
advisory update, and the daily retention purge.

All its state lives in the database (each rule's ``next_scan_at`` and ``next_sync_at``,
the advisory database build it last re-matched against, the last purge), so a restarted
console neither loses a schedule nor starts a job twice: jobs still marked running are
resumed, not duplicated. Time comes from an injectable clock; :meth:`Scheduler.tick` does
one round and says what it did, which is what tests drive.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from regsentry.config import Settings
from regsentry.db.console_store import ConsoleStore
from regsentry.db.store import ResultStore
from regsentry.model.rule import ScanRule
from regsentry.service.console.jobs import JobRunner
from regsentry.service.console.rules import RuleService, SettingsService
from regsentry.service.rematch import rematch_stored
from regsentry.vulndb.status import database_status

log = logging.getLogger(__name__)
Clock = Callable[[], datetime]
_REMATCHED = "scheduler.rematched_build"
_PURGED = "scheduler.last_purge"


def _utc_now() -> datetime:
    return datetime.now(UTC)


class Scheduler:
    """Decides, each tick, which jobs are due, and starts them."""

    def __init__(
        self,
        settings: Settings,
        runner: JobRunner,
        store: ConsoleStore,
        results: ResultStore,
        rules: RuleService,
        system: SettingsService,
        *,
        clock: Clock = _utc_now,
    ) -> None:
        self._settings = settings
        self._runner = runner
        self._store = store
        self._results = results
        self._rules = rules
        self._system = system
        self._clock = clock
        self._resumed = False

    async def tick(self) -> list[str]:
        """One round; returns what was started or done, in words."""
        actions: list[str] = []
        if not self._resumed:
            actions += self._resume_interrupted()
            self._resumed = True
        now = self._clock()
        system = self._system.get()
        for record in self._store.rules():
            rule = ScanRule.model_validate(record.fields)
            if self._runner.busy(rule.name):
                continue
            if record.next_scan_at is None or record.next_scan_at <= now:
                self._runner.start_rule(rule, "schedule")
                self._store.schedule_rule(
                    record.id,
                    next_scan_at=now + timedelta(hours=system.scan_interval),
                    next_sync_at=now + timedelta(minutes=system.sync_interval_minutes),
                )
                actions.append(f"scan {rule.name}")
            elif record.next_sync_at is None or record.next_sync_at <= now:
                self._runner.start_rule(rule, "sync")
                self._store.schedule_rule(
                    record.id, next_sync_at=now + timedelta(minutes=system.sync_interval_minutes)
                )
                actions.append(f"sync {rule.name}")
        actions += await self._rematch_if_updated()
        actions += self._purge_if_due(now, system.retention_days)
        return actions

    def _resume_interrupted(self) -> list[str]:
        """Jobs a previous console left running are resumed (never duplicated)."""
        resumed = []
        known = {r.name: ScanRule.model_validate(r.fields) for r in self._store.rules()}
        for job in self._store.running_jobs():
            rule = known.get(job.rule_name)
            if rule is None:
                self._results.finish_job(job.id, "failed", "its rule was deleted")
                continue
            self._runner.start_rule(rule, job.trigger)
            resumed.append(f"resume {rule.name}")
        return resumed

    async def _rematch_if_updated(self) -> list[str]:
        status = database_status(self._settings.vulndb_path)
        if not status.exists or status.built_at is None:
            return []
        build = status.built_at.isoformat()
        if self._store.settings().get(_REMATCHED) == build:
            return []
        if self._results.image_count():
            report = await asyncio.to_thread(rematch_stored, self._settings, self._results)
            log.info("re-matched %d images after an advisory update", report.images)
        self._store.put_settings({_REMATCHED: build})
        return ["rematch"]

    def _purge_if_due(self, now: datetime, retention_days: float) -> list[str]:
        last = self._store.settings().get(_PURGED)
        if last and datetime.fromisoformat(last) > now - timedelta(days=1):
            return []
        purged = self._results.purge_stale(now - timedelta(days=retention_days))
        self._store.put_settings({_PURGED: now.isoformat()})
        return [f"purge {purged}"]

    async def run_forever(self, period: float = 10.0) -> None:
        """Tick every ``period`` seconds until cancelled."""
        while True:
            with contextlib.suppress(Exception):
                try:
                    await self.tick()
                except Exception:
                    log.exception("scheduler tick failed")
                    raise
            await asyncio.sleep(period)
