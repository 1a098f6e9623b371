"""The console's composition root: every service built once from the settings."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from regsentry.config import Settings
from regsentry.db.console_store import ConsoleStore
from regsentry.db.pool_store import PoolStore
from regsentry.db.store import ResultStore, utc_now
from regsentry.service.console.auth import Accounts
from regsentry.service.console.credentials import CredentialService
from regsentry.service.console.jobs import JobRunner
from regsentry.service.console.results import ResultQueries
from regsentry.service.console.rules import RuleService, SettingsService, SystemSettings
from regsentry.service.console.scanners import ScannerDirectory
from regsentry.service.console.scheduler import Scheduler
from regsentry.service.crypto import SecretBox


@dataclass
class ConsoleServices:
    """Everything the API and the web UI call."""

    settings: Settings
    results: ResultStore
    store: ConsoleStore
    accounts: Accounts
    credentials: CredentialService
    rules: RuleService
    system: SettingsService
    jobs: JobRunner
    scheduler: Scheduler
    queries: ResultQueries
    scanners: ScannerDirectory

    @classmethod
    def build(
        cls, settings: Settings, *, clock: Callable[[], datetime] = utc_now
    ) -> ConsoleServices:
        """Open the store (migrating it) and wire the services."""
        settings.home.mkdir(parents=True, exist_ok=True)
        results = ResultStore.open(settings.store_url, clock=clock)
        store = ConsoleStore(results.engine)
        rules = RuleService(store, lambda name: store.credential(name) is not None, clock=clock)
        credentials = CredentialService(store, SecretBox(settings), rules.using_credential)
        system = SettingsService(
            store,
            SystemSettings(
                retention_days=settings.retention_days,
                registry_concurrency=settings.registry_concurrency,
            ),
        )
        jobs = JobRunner(settings, results, store, rules, credentials, system)
        scheduler = Scheduler(settings, jobs, store, results, rules, system, clock=clock)
        return cls(
            settings=settings,
            results=results,
            store=store,
            accounts=Accounts(store),
            credentials=credentials,
            rules=rules,
            system=system,
            jobs=jobs,
            scheduler=scheduler,
            queries=ResultQueries(results.engine),
            scanners=ScannerDirectory(settings, store, PoolStore(results.engine), clock=clock),
        )

    def close(self) -> None:
        """Release the database."""
        self.results.close()
