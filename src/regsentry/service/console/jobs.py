"""Scan jobs in the console: "scan now", progress, cancel, and resumption.

In the embedded default the console runs scans itself, as tasks of its own event loop
(CPU work goes to threads, see the indexer). One job per rule at a time: asking again
while it runs returns the running job. A job that was running when the console stopped
is still ``running`` in the database and is resumed by the scheduler at start.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import UTC, datetime, timedelta

from regsentry.config import Settings
from regsentry.db.console_store import ConsoleStore, JobRecord
from regsentry.db.store import ResultStore
from regsentry.errors import ConfigError, RegsentryError
from regsentry.model.rule import ScanRule
from regsentry.service.console.credentials import CredentialService
from regsentry.service.console.rules import RuleService, SettingsService
from regsentry.service.plan import client_options
from regsentry.service.scan import run_scan

log = logging.getLogger(__name__)


class JobRunner:
    """Starts, tracks and cancels the console's scan jobs."""

    def __init__(
        self,
        settings: Settings,
        results: ResultStore,
        store: ConsoleStore,
        rules: RuleService,
        credentials: CredentialService,
        system: SettingsService,
    ) -> None:
        self._settings = settings
        self._results = results
        self._store = store
        self._rules = rules
        self._credentials = credentials
        self._system = system
        self._tasks: dict[str, tuple[int, asyncio.Task[None]]] = {}

    def busy(self, rule_name: str) -> bool:
        """Whether a job of this rule runs in this console."""
        running = self._tasks.get(rule_name)
        return running is not None and not running[1].done()

    async def start(self, rule_id: int, trigger: str) -> JobRecord:
        """Start (or, if one runs, return) the job of a rule."""
        rule = self._rules.scan_rule(rule_id)
        if rule is None:
            raise ConfigError(f"rule {rule_id} does not exist")
        return self.start_rule(rule, trigger)

    def start_rule(self, rule: ScanRule, trigger: str) -> JobRecord:
        """Start the job of a rule (must be called inside the console's event loop)."""
        running = self._tasks.get(rule.name)
        if running is not None and not running[1].done():
            job = self._store.job(running[0])
            assert job is not None
            return job
        job_id, _ = self._results.start_job(rule)
        self._store.set_job_trigger(job_id, trigger)
        task = asyncio.create_task(self._run(rule, job_id), name=f"scan {rule.name}")
        self._tasks[rule.name] = (job_id, task)
        job = self._store.job(job_id)
        assert job is not None
        return job

    async def _run(self, rule: ScanRule, job_id: int) -> None:
        system = self._system.get()
        settings = self._settings.model_copy(
            update={
                "retention_days": system.retention_days,
                "registry_concurrency": system.registry_concurrency,
            }
        )
        try:
            credentials = self._credentials.resolve(rule.credential) if rule.credential else None
            options = client_options(
                settings, credentials=credentials, ca_file=None, insecure=False
            )
            await run_scan(rule, options, settings, self._results)
        except asyncio.CancelledError:
            job = self._store.job(job_id)
            if job is not None and job.cancel_requested:
                self._results.finish_job(job_id, "cancelled", "cancelled by a user")
            raise
        except RegsentryError as exc:
            self._results.finish_job(job_id, "failed", str(exc))
            log.warning("scan of rule %s failed: %s", rule.name, exc)
        except Exception as exc:  # a bug must not kill the console; it is recorded
            self._results.finish_job(job_id, "failed", f"internal error: {exc!r}")
            log.exception("scan of rule %s crashed", rule.name)

    def cancel(self, job_id: int) -> bool:
        """Cancel a running job of this console."""
        if not self._store.request_cancel(job_id):
            return False
        for running_job, task in self._tasks.values():
            if running_job == job_id:
                task.cancel()
        return True

    async def wait(self, rule_name: str) -> None:
        """Wait for a rule's running job (tests, shutdown)."""
        running = self._tasks.get(rule_name)
        if running is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await running[1]

    async def stop(self) -> None:
        """Stop every job, leaving them resumable (console shutdown)."""
        tasks = [task for _, task in self._tasks.values() if not task.done()]
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task


def next_time(now: datetime, hours: float = 0, minutes: float = 0) -> datetime:
    """``now`` plus an interval (UTC)."""
    return now.astimezone(UTC) + timedelta(hours=hours, minutes=minutes)
