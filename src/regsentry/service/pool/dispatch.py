"""The dispatcher of the scanner pool: hands a planned job's images to live scanners and
follows them to the end.

It keeps each chosen scanner a few images ahead of its threads (a window, so a slow
scanner gets less and a scanner that joins late gets its share), and on every round:

- images held by a scanner that went offline are released and sent to another, so a
  scanner lost with its work costs only that work, never an image;
- an image sent to a live scanner and never started (a message the broker lost) is sent
  again after ``pool_resend_after`` seconds;
- with no usable scanner the job waits, its reason stored on the job (the console shows
  it) and passed to ``on_wait`` (the command line shows it).

Progress comes from the store, so a console restarted mid-job picks the job up where the
scanners have got to: images already sent to live scanners are not sent again.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Protocol

from regsentry.config import Settings
from regsentry.db.pool_store import OpenImage, PoolStore
from regsentry.model.image import ImageResult
from regsentry.service.crypto import SecretBox
from regsentry.service.pool.access import seal_access
from regsentry.service.pool.scanners import Choice, choose_scanners, live_ttl
from regsentry.service.scan import JobWork, ScanStats

log = logging.getLogger(__name__)

#: Images a scanner may hold per thread (queued at the broker or in progress).
WINDOW_PER_THREAD = 3


class TaskSender(Protocol):
    """Puts "work on job image N" messages on a scanner's queue."""

    def send(self, image_ids: Sequence[int], scanner: str) -> None:
        """Send one message per image to ``scanner``'s queue."""


class CelerySender:
    """:class:`TaskSender` over Celery (``REGSENTRY_BROKER_URL``)."""

    def __init__(self, broker_url: str) -> None:
        from regsentry.service.pool.celery_app import make_app

        self._app = make_app(broker_url)

    def send(self, image_ids: Sequence[int], scanner: str) -> None:
        """See :class:`TaskSender`."""
        from regsentry.service.pool.celery_app import SCAN_IMAGE_TASK, scanner_queue

        queue = scanner_queue(scanner)
        with self._app.producer_or_acquire() as producer:
            for image_id in image_ids:
                self._app.send_task(
                    SCAN_IMAGE_TASK, args=[image_id], queue=queue, producer=producer
                )


class PoolDispatcher:
    """:class:`regsentry.service.scan.Dispatcher` onto the scanner pool."""

    def __init__(
        self,
        sender: TaskSender,
        *,
        heartbeat: float,
        resend_after: float,
        poll_interval: float = 0.2,
        on_wait: Callable[[str | None], None] | None = None,
    ) -> None:
        self._sender = sender
        self._ttl = live_ttl(heartbeat)
        self._resend_after = resend_after
        self._poll = poll_interval
        self._on_wait = on_wait

    @classmethod
    def from_settings(
        cls, settings: Settings, on_wait: Callable[[str | None], None] | None = None
    ) -> PoolDispatcher:
        """The pool ``REGSENTRY_BROKER_URL`` names."""
        return cls(
            CelerySender(settings.broker_url),
            heartbeat=settings.scanner_heartbeat,
            resend_after=settings.pool_resend_after,
            on_wait=on_wait,
        )

    async def run(self, work: JobWork, planned: Sequence[ImageResult]) -> list[ImageResult]:
        """See :class:`regsentry.service.scan.Dispatcher`."""
        pool = PoolStore(work.store.engine)
        pool.save_access(work.job_id, seal_access(SecretBox(work.settings), work.options))
        ids = pool.image_ids(work.job_id, [(r.target.repository, r.target.digest) for r in planned])
        await self._drive(work, pool, set(ids.values()))
        _count_outcomes(work.stats, pool.outcomes(work.job_id, list(ids.values())))
        return [
            r
            for r in work.store.job_results(work.job_id, work.analyzer_key)
            if (r.target.repository, r.target.digest) in ids
        ]

    async def _drive(self, work: JobWork, pool: PoolStore, wanted: set[int]) -> None:
        """Dispatch until every image in ``wanted`` (job image ids) is finished."""
        job_id = work.job_id
        reported = 0
        waiting: str | None = None
        while True:
            opened = [o for o in pool.open_images(job_id) if o.id in wanted]
            finished = len(wanted) - len(opened)
            if finished > reported:
                work.progress.advance(finished - reported)
                reported = finished
            if not opened:
                break
            now = work.store.clock()
            live = [s for s in pool.scanners() if s.alive(now, self._ttl)]
            choice = choose_scanners(
                work.rule,
                live,
                analyzers=work.analyzer_key,
                holding={o.scanner for o in opened if o.scanner},
                served=pool.job_scanners(job_id),
            )
            if choice.waiting_reason != waiting:
                waiting = choice.waiting_reason
                pool.set_waiting(job_id, waiting)
                if waiting:
                    log.info("job %s waits: %s", job_id, waiting)
                if self._on_wait is not None:
                    self._on_wait(waiting)
            await self._dispatch_round(pool, opened, choice, {s.name for s in live}, now)
            await asyncio.sleep(self._poll)

    async def _dispatch_round(
        self,
        pool: PoolStore,
        opened: Sequence[OpenImage],
        choice: Choice,
        live: set[str],
        now: datetime,
    ) -> None:
        orphans = [o.id for o in opened if o.scanner is not None and o.scanner not in live]
        if orphans:
            log.warning("%d images of a scanner gone offline are handed to another", len(orphans))
            pool.assign(orphans, None, now)
        held: dict[str, int] = {}
        unassigned: list[int] = []
        for image in opened:
            if image.scanner is None or image.scanner not in live:
                unassigned.append(image.id)
                continue
            held[image.scanner] = held.get(image.scanner, 0) + 1
            if self._lost(image, now):
                pool.assign([image.id], image.scanner, now)
                await asyncio.to_thread(self._sender.send, [image.id], image.scanner)
        for scanner in choice.scanners:
            room = WINDOW_PER_THREAD * max(scanner.concurrency, 1) - held.get(scanner.name, 0)
            batch, unassigned = unassigned[: max(room, 0)], unassigned[max(room, 0) :]
            if batch:
                pool.assign(batch, scanner.name, now)
                await asyncio.to_thread(self._sender.send, batch, scanner.name)

    def _lost(self, image: OpenImage, now: datetime) -> bool:
        """Sent long ago to a live scanner that never started it."""
        return (
            image.attempts == 0
            and image.dispatched_at is not None
            and (now - image.dispatched_at).total_seconds() > self._resend_after
        )


def _count_outcomes(stats: ScanStats, outcomes: dict[str, int]) -> None:
    from regsentry.service.image_work import Outcome
    from regsentry.service.scan import count_outcome

    for name, amount in outcomes.items():
        count_outcome(stats, Outcome(name), amount)
