"""The working half of a scanner process: finishes the job images its queue names.

Celery runs tasks on threads; the registry client is asynchronous, so a scanner keeps one
event loop on its own thread and every task runs its image there
(:meth:`ScannerRuntime.scan_image` blocks the Celery thread until it is done). One
registry client and one image indexer per job live on that loop, so a job's images share
a connection, a token, and any layer another of them is already fetching; they are
closed once their job has been idle for a minute.

An image is worked on only after the database says it is still this scanner's
(:meth:`regsentry.db.pool_store.PoolStore.claim`); the work itself is
:func:`regsentry.service.image_work.scan_planned_image`, exactly as in-process.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from enum import StrEnum

from regsentry.analyzer.builtin import builtin_analyzers
from regsentry.config import Settings
from regsentry.db.pool_store import ClaimedImage, PoolStore
from regsentry.db.store import ResultStore, target_from_json
from regsentry.errors import RegsentryError
from regsentry.indexer.image import ImageIndexer
from regsentry.indexer.layer import analyzers_key
from regsentry.model.image import ImageResult, ImageStatus
from regsentry.model.rule import ScanRule
from regsentry.registry.client import RegistryClient
from regsentry.registry.errors import (
    RateLimitedError,
    RegistryServerError,
    RegistryUnreachableError,
)
from regsentry.service.crypto import SecretBox
from regsentry.service.image_work import Outcome, record_image, scan_planned_image
from regsentry.service.inspect import worker_count
from regsentry.service.plan import client_options
from regsentry.service.pool.access import open_access

log = logging.getLogger(__name__)

#: Seconds a job's registry client is kept after its last image.
IDLE_CLIENT_SECONDS = 60.0
#: Times an image is tried when its registry cannot be reached before it is failed.
REACH_ATTEMPTS = 3
#: Errors reaching a registry that are worth trying again later.
TRANSIENT = (RegistryUnreachableError, RegistryServerError, RateLimitedError)


class TaskResult(StrEnum):
    """What a task did with its message."""

    DROPPED = "dropped"  # not this scanner's (finished, reassigned, job ended)
    RETRY = "retry"  # the registry could not be reached; try again later
    DONE = "done"


@dataclass
class _JobSession:
    """A job's registry client and indexer on the scanner's loop."""

    client: RegistryClient
    indexer: ImageIndexer
    stack: AsyncExitStack
    last_used: float = field(default_factory=time.monotonic)


class ScannerRuntime:
    """Runs job images for one scanner; thread-safe entry point :meth:`scan_image`."""

    def __init__(self, settings: Settings, name: str) -> None:
        self.name = name
        self._settings = settings
        self._analyzers = tuple(builtin_analyzers())
        self.analyzer_key = analyzers_key(self._analyzers)
        self._store = ResultStore.open(settings.store_url)
        self.pool = PoolStore(self._store.engine)
        self._box = SecretBox(settings)
        self._executor = ThreadPoolExecutor(worker_count(), thread_name_prefix="layers")
        self._sessions: dict[int, _JobSession] = {}
        self._connecting: dict[int, asyncio.Lock] = {}
        self._active = 0
        self._active_lock = threading.Lock()
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="scanner-loop")
        self._thread.start()

    def load(self) -> int:
        """Images being worked on now."""
        with self._active_lock:
            return self._active

    def scan_image(self, image_id: int) -> TaskResult:
        """Finish job image ``image_id`` if it is this scanner's (blocks until done)."""
        with self._active_lock:
            self._active += 1
        try:
            future = asyncio.run_coroutine_threadsafe(self._scan(image_id), self._loop)
            return future.result()
        finally:
            with self._active_lock:
                self._active -= 1

    async def _scan(self, image_id: int) -> TaskResult:
        claimed = self.pool.claim(image_id, self.name)
        if claimed is None:
            return TaskResult.DROPPED
        target = target_from_json(claimed.target)
        try:
            session = await self._session(claimed)
            planned = ImageResult(target, ImageStatus.PLANNED)
            await scan_planned_image(
                claimed.job_id, planned, session.client, session.indexer, self._store,
                self.analyzer_key, (claimed.status, claimed.error),
            )  # fmt: skip
            session.last_used = time.monotonic()
        except TRANSIENT as exc:
            if claimed.attempts < REACH_ATTEMPTS:
                return TaskResult.RETRY
            self._fail(claimed, f"registry unreachable after {claimed.attempts} attempts: {exc}")
        except RegsentryError as exc:  # credentials refused, access unreadable here …
            self._fail(claimed, str(exc))
        except Exception as exc:  # a bug: the image must still end, and say so
            log.exception("scanner %s: image %s crashed", self.name, image_id)
            self._fail(claimed, f"internal error: {exc!r}")
        await self._close_idle()
        return TaskResult.DONE

    def _fail(self, claimed: ClaimedImage, reason: str) -> None:
        """End an image as failed, with a reason naming this scanner (never clean)."""
        failed = ImageResult(
            target_from_json(claimed.target), ImageStatus.FAILED, f"scanner {self.name}: {reason}"
        )
        record_image(self._store, claimed.job_id, failed, self.analyzer_key, Outcome.ANALYSED)

    async def _session(self, claimed: ClaimedImage) -> _JobSession:
        lock = self._connecting.setdefault(claimed.job_id, asyncio.Lock())
        async with lock:
            session = self._sessions.get(claimed.job_id)
            if session is not None:
                return session
            rule = ScanRule.model_validate_json(claimed.rule)
            sealed = self.pool.access(claimed.job_id)
            if sealed is None:
                raise RegsentryError("the job's registry access is gone (the job ended)")
            base = client_options(self._settings, credentials=None, ca_file=None, insecure=False)
            options = open_access(self._box, sealed, base)
            stack = AsyncExitStack()
            client = await stack.enter_async_context(
                await RegistryClient.connect(rule.address, options)
            )
            indexer = ImageIndexer(client, self._analyzers, self._executor, cache=self._store)
            session = _JobSession(client, indexer, stack)
            self._sessions[claimed.job_id] = session
            return session

    async def _close_idle(self) -> None:
        now = time.monotonic()
        for job_id, session in list(self._sessions.items()):
            if now - session.last_used > IDLE_CLIENT_SECONDS:
                del self._sessions[job_id]
                self._connecting.pop(job_id, None)
                with contextlib.suppress(Exception):
                    await session.stack.aclose()

    def close(self) -> None:
        """Close every client, stop the loop, release the store."""

        async def close_all() -> None:
            for session in self._sessions.values():
                with contextlib.suppress(Exception):
                    await session.stack.aclose()
            self._sessions.clear()

        asyncio.run_coroutine_threadsafe(close_all(), self._loop).result(timeout=30)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=30)
        self._loop.close()
        self._executor.shutdown(wait=False, cancel_futures=True)
        self._store.close()
