"""Which scanners are alive, and which of them a job may use.

A scanner is alive while its heartbeats arrive: three missed beats (or a clean stop) and
it is offline. A job goes only to live scanners of its rule's OS whose analyzers match
the dispatcher's (their inventories must be readable by whoever matches them), at most
``scanners`` of them, or only to the one its rule names. When none qualifies the job
waits, and the reason says why in words a user can act on.
"""

from __future__ import annotations

import logging
import os
import secrets
import socket
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from regsentry import __version__
from regsentry.config import Settings
from regsentry.db.engine import open_engine
from regsentry.db.pool_store import PoolStore, ScannerRecord
from regsentry.errors import ConfigError
from regsentry.model.rule import ScanRule

log = logging.getLogger(__name__)

#: Heartbeats a scanner may miss before it is offline.
MISSED_BEATS = 3


def live_ttl(heartbeat_seconds: float) -> float:
    """Seconds since its last heartbeat after which a scanner is offline."""
    return heartbeat_seconds * MISSED_BEATS


@dataclass(frozen=True)
class Choice:
    """The scanners a job may use now, or why it must wait."""

    scanners: tuple[ScannerRecord, ...]
    waiting_reason: str | None = None


def choose_scanners(
    rule: ScanRule,
    live: Sequence[ScannerRecord],
    *,
    analyzers: str,
    holding: Iterable[str] = (),
    served: Iterable[str] = (),
) -> Choice:
    """The live scanners ``rule``'s job may use. ``holding`` (scanners with images of the
    job still to do) come first, then ``served`` (scanners that finished some of it), so
    a job does not hop between scanners, not even when one has emptied its window
    between two dispatch rounds (``scanners: 1`` keeps the job on one scanner)."""
    if rule.scanner != "auto":
        return _named(rule, live, analyzers)
    same_os = [s for s in live if s.os == rule.os]
    usable = [s for s in same_os if s.analyzers == analyzers]
    if not usable:
        if same_os:
            versions = ", ".join(sorted({f"{s.name} ({s.version})" for s in same_os}))
            return Choice(
                (),
                f"the live {rule.os} scanners run other analyzer versions than this "
                f"regsentry {__version__}: {versions}; the job waits for a matching scanner",
            )
        return Choice((), f"no live {rule.os} scanner; the job waits for one")
    held, before = set(holding), set(served)
    usable.sort(
        key=lambda s: (
            s.name not in held,
            s.name not in before,
            s.load / max(s.concurrency, 1),
            s.name,
        )
    )
    return Choice(tuple(usable[: rule.scanners]))


def _named(rule: ScanRule, live: Sequence[ScannerRecord], analyzers: str) -> Choice:
    scanner = next((s for s in live if s.name == rule.scanner), None)
    if scanner is None:
        return Choice(
            (),
            f"scanner {rule.scanner!r} is offline; the rule names it, so the job waits "
            f"for it (set the rule's scanner to auto to use any {rule.os} scanner)",
        )
    if scanner.os != rule.os:
        return Choice(
            (),
            f"scanner {rule.scanner!r} is a {scanner.os} scanner and this rule scans "
            f"{rule.os} images; the job waits",
        )
    if scanner.analyzers != analyzers:
        return Choice(
            (),
            f"scanner {rule.scanner!r} runs other analyzer versions (regsentry "
            f"{scanner.version}) than this regsentry {__version__}; the job waits",
        )
    return Choice((scanner,))


class Heartbeat:
    """A scanner's presence in the pool: registered at start, a beat every
    ``interval`` seconds with its load (from a background thread), stopped cleanly."""

    def __init__(
        self,
        pool: PoolStore,
        *,
        name: str,
        os_name: str,
        analyzers: str,
        concurrency: int,
        interval: float,
        load: Callable[[], int],
        clock: Callable[[], datetime],
    ) -> None:
        self._pool = pool
        self._interval = interval
        self._load = load
        self._clock = clock
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        now = clock()
        self.record = ScannerRecord(
            name=name,
            os=os_name,
            version=__version__,
            analyzers=analyzers,
            hostname=socket.gethostname(),
            pid=os.getpid(),
            instance=secrets.token_hex(16),
            concurrency=concurrency,
            load=0,
            started_at=now,
            last_seen=now,
            stopped_at=now,  # offline until the first beat
        )

    def register(self) -> None:
        """Join the pool; a live scanner of the same name elsewhere is a ConfigError."""
        existing = self._pool.scanner(self.record.name)
        if existing is not None and existing.alive(self._clock(), live_ttl(self._interval)):
            raise ConfigError(
                f"a scanner named {self.record.name!r} is already running (host "
                f"{existing.hostname}, pid {existing.pid}); give this one another --name"
            )
        self._pool.register_scanner(self.record)

    def start(self) -> None:
        """Beat now and then every ``interval`` seconds, from a daemon thread, until
        :meth:`stop` (called once the worker consumes its queues)."""
        self._thread = threading.Thread(target=self._run, name="heartbeat", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while True:
            self.beat()
            if self._stop.wait(self._interval):
                return

    def beat(self) -> None:
        """Tell the pool this scanner is alive, with its load."""
        try:
            mine = self._pool.heartbeat(
                self.record.name, self.record.instance, self._load(), self._clock()
            )
        except Exception as exc:  # a database hiccup must not stop the beat
            log.warning("heartbeat of scanner %s failed: %s", self.record.name, exc)
            return
        if not mine:
            log.error(
                "another process registered as scanner %s; this one gets no new work",
                self.record.name,
            )

    def stop(self) -> None:
        """Leave the pool: offline at once, not after missed beats."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=self._interval + 5)
        self._pool.stop_scanner(self.record.name, self.record.instance, self._clock())


@dataclass(frozen=True)
class ScannerStatus:
    """A scanner and whether it is online now."""

    scanner: ScannerRecord
    online: bool


def scanner_statuses(
    pool: PoolStore, heartbeat_seconds: float, now: datetime
) -> list[ScannerStatus]:
    """Every scanner the pool has seen, online ones first."""
    ttl = live_ttl(heartbeat_seconds)
    statuses = [ScannerStatus(s, s.alive(now, ttl)) for s in pool.scanners()]
    return sorted(statuses, key=lambda status: (not status.online, status.scanner.name))


def list_scanners(settings: Settings, now: datetime) -> list[ScannerStatus]:
    """The pool's scanners as the configured store knows them (``regsentry scanners``)."""
    engine = open_engine(settings.store_url)
    try:
        return scanner_statuses(PoolStore(engine), settings.scanner_heartbeat, now)
    finally:
        engine.dispose()
