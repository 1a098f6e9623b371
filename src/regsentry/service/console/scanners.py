"""The scanners the console shows: itself in the embedded default, the pool's scanners
(from their heartbeats) in scale-out mode."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from regsentry import __version__
from regsentry.config import Settings
from regsentry.db.console_store import ConsoleStore
from regsentry.db.pool_store import PoolStore
from regsentry.service.pool.scanners import scanner_statuses


@dataclass(frozen=True)
class ScannerInfo:
    """One scanner and its health."""

    name: str
    os: str
    version: str
    alive: bool
    #: Jobs with images on this scanner now.
    running_jobs: int
    #: Images being analysed now, of ``concurrency`` at once.
    load: int
    concurrency: int
    last_seen: datetime | None
    host: str


class ScannerDirectory:
    """Lists scanners for the API and the UI."""

    def __init__(
        self,
        settings: Settings,
        store: ConsoleStore,
        pool: PoolStore,
        *,
        clock: Callable[[], datetime],
    ) -> None:
        self._settings = settings
        self._store = store
        self._pool = pool
        self._clock = clock

    def list(self) -> list[ScannerInfo]:
        """Online scanners first; offline ones stay listed so a dead scanner shows."""
        if not self._settings.broker_url:
            running = len(self._store.running_jobs())
            return [
                ScannerInfo(
                    name="console", os="linux", version=__version__, alive=True,
                    running_jobs=running, load=0,
                    concurrency=self._settings.scan_image_concurrency, last_seen=None,
                    host="(in-process)",
                )
            ]  # fmt: skip
        jobs = self._pool.jobs_per_scanner()
        return [
            ScannerInfo(
                name=status.scanner.name,
                os=status.scanner.os,
                version=status.scanner.version,
                alive=status.online,
                running_jobs=jobs.get(status.scanner.name, 0) if status.online else 0,
                load=status.scanner.load if status.online else 0,
                concurrency=status.scanner.concurrency,
                last_seen=status.scanner.last_seen,
                host=f"{status.scanner.hostname} (pid {status.scanner.pid})",
            )
            for status in scanner_statuses(
                self._pool, self._settings.scanner_heartbeat, self._clock()
            )
        ]
