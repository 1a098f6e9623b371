"""The scanner pool's shared state: scanners' heartbeats, which scanner holds which image
of a job, and each pooled job's (encrypted) registry access.

The database, not the broker, is the pool's source of truth: a task message only names a
job image, and a scanner works on it only while the image is still pending *and*
assigned to that scanner (:meth:`PoolStore.claim`). So a message redelivered after its
scanner died, or sent twice, does no harm, and "which images are unfinished" is a query.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine, delete, func, select, update
from sqlalchemy.orm import Session

from regsentry.db.store import aware, chunked
from regsentry.db.tables import JobAccess, JobImage, ScanJob, Scanner
from regsentry.model.digest import Digest


@dataclass(frozen=True)
class ScannerRecord:
    """A scanner as last reported by its heartbeat."""

    name: str
    os: str
    version: str
    analyzers: str
    hostname: str
    pid: int
    instance: str
    concurrency: int
    load: int
    started_at: datetime
    last_seen: datetime
    stopped_at: datetime | None

    def alive(self, now: datetime, ttl_seconds: float) -> bool:
        """Seen within ``ttl_seconds`` and not stopped."""
        return self.stopped_at is None and (now - self.last_seen).total_seconds() <= ttl_seconds


@dataclass(frozen=True)
class OpenImage:
    """A job image not finished yet, and where it was sent."""

    id: int
    scanner: str | None
    dispatched_at: datetime | None
    attempts: int


@dataclass(frozen=True)
class ClaimedImage:
    """What a scanner needs to work on one image: its job, rule and planned target."""

    id: int
    job_id: int
    rule: str
    target: str
    status: str
    error: str | None
    #: Times a scanner started on it, this time included.
    attempts: int


class PoolStore:
    """Scanner heartbeats, image assignment and job access; one transaction per call."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    # -- scanners ----------------------------------------------------------------------

    def scanner(self, name: str) -> ScannerRecord | None:
        """One scanner by name."""
        with Session(self.engine) as session:
            row = session.get(Scanner, name)
            return _scanner(row) if row is not None else None

    def scanners(self) -> list[ScannerRecord]:
        """Every scanner ever seen, by name."""
        with Session(self.engine) as session:
            return [
                _scanner(row) for row in session.scalars(select(Scanner).order_by(Scanner.name))
            ]

    def register_scanner(self, record: ScannerRecord) -> None:
        """Insert or replace a scanner's row (at start-up; it is offline, ``stopped_at``
        set, until its first heartbeat says it consumes its queues)."""
        with Session(self.engine) as session, session.begin():
            row = session.get(Scanner, record.name)
            if row is None:
                row = Scanner(name=record.name)
                session.add(row)
            row.os = record.os
            row.version = record.version
            row.analyzers = record.analyzers
            row.hostname = record.hostname
            row.pid = record.pid
            row.instance = record.instance
            row.concurrency = record.concurrency
            row.load = record.load
            row.started_at = record.started_at
            row.last_seen = record.last_seen
            row.stopped_at = record.stopped_at

    def heartbeat(self, name: str, instance: str, load: int, now: datetime) -> bool:
        """Record that a scanner is alive; False if its row now belongs to another process."""
        with Session(self.engine) as session, session.begin():
            changed = session.execute(
                update(Scanner)
                .where(Scanner.name == name, Scanner.instance == instance)
                .values(last_seen=now, load=load, stopped_at=None)
            )
            return bool(changed.rowcount)  # type: ignore[attr-defined]

    def stop_scanner(self, name: str, instance: str, now: datetime) -> None:
        """A clean shutdown: the scanner is offline from now on."""
        with Session(self.engine) as session, session.begin():
            session.execute(
                update(Scanner)
                .where(Scanner.name == name, Scanner.instance == instance)
                .values(stopped_at=now, load=0)
            )

    # -- job images --------------------------------------------------------------------

    def open_images(self, job_id: int) -> list[OpenImage]:
        """The job's images still pending, with their assignment."""
        with Session(self.engine) as session:
            rows = session.execute(
                select(JobImage.id, JobImage.scanner, JobImage.dispatched_at, JobImage.attempts)
                .where(JobImage.job_id == job_id, JobImage.status == "pending")
                .order_by(JobImage.id)
            )
            return [
                OpenImage(id, scanner, aware(sent) if sent else None, attempts)
                for id, scanner, sent, attempts in rows
            ]

    def job_scanners(self, job_id: int) -> set[str]:
        """Every scanner that has been handed images of the job (finished ones included)."""
        with Session(self.engine) as session:
            return set(
                session.scalars(
                    select(JobImage.scanner)
                    .where(JobImage.job_id == job_id, JobImage.scanner.is_not(None))
                    .distinct()
                )
            )

    def finished_count(self, job_id: int) -> tuple[int, int]:
        """(finished, total) images of a job."""
        with Session(self.engine) as session:
            rows = session.execute(
                select(JobImage.status == "pending", func.count())
                .where(JobImage.job_id == job_id)
                .group_by(JobImage.status == "pending")
            )
            counts = {bool(pending): int(count) for pending, count in rows}
        return counts.get(False, 0), sum(counts.values())

    def assign(self, image_ids: Sequence[int], scanner: str | None, now: datetime) -> None:
        """Hand pending images to ``scanner`` (None: release them for another)."""
        if not image_ids:
            return
        with Session(self.engine) as session, session.begin():
            session.execute(
                update(JobImage)
                .where(JobImage.id.in_(list(image_ids)), JobImage.status == "pending")
                .values(scanner=scanner, dispatched_at=now if scanner else None)
            )

    def claim(self, image_id: int, scanner: str) -> ClaimedImage | None:
        """Start work on an image if it is still pending, assigned to ``scanner`` and its
        job still runs; None tells the scanner to drop the message (finished, handed to
        another scanner, or the job was cancelled)."""
        with Session(self.engine) as session, session.begin():
            changed = session.execute(
                update(JobImage)
                .where(
                    JobImage.id == image_id,
                    JobImage.status == "pending",
                    JobImage.scanner == scanner,
                    JobImage.job_id.in_(select(ScanJob.id).where(ScanJob.status == "running")),
                )
                .values(attempts=JobImage.attempts + 1)
            )
            if not changed.rowcount:  # type: ignore[attr-defined]
                return None
            row = session.execute(
                select(
                    JobImage.job_id,
                    ScanJob.rule,
                    JobImage.target,
                    JobImage.status,
                    JobImage.error,
                    JobImage.attempts,
                )
                .join(ScanJob, ScanJob.id == JobImage.job_id)
                .where(JobImage.id == image_id)
            ).one()
            return ClaimedImage(image_id, *row)

    def image_ids(
        self, job_id: int, keys: Sequence[tuple[str, Digest | None]]
    ) -> dict[tuple[str, Digest | None], int]:
        """The job image ids of (repository, digest) pairs of a job."""
        wanted = set(keys)
        with Session(self.engine) as session:
            rows = session.execute(
                select(JobImage.repository, JobImage.digest, JobImage.id).where(
                    JobImage.job_id == job_id
                )
            )
            found = {}
            for repository, digest, image_id in rows:
                key = (repository, Digest.parse(digest) if digest else None)
                if key in wanted:
                    found[key] = image_id
            return found

    def jobs_per_scanner(self) -> dict[str, int]:
        """Running jobs with pending images assigned to each scanner."""
        with Session(self.engine) as session:
            rows = session.execute(
                select(JobImage.scanner, func.count(func.distinct(JobImage.job_id)))
                .join(ScanJob, ScanJob.id == JobImage.job_id)
                .where(
                    JobImage.status == "pending",
                    JobImage.scanner.is_not(None),
                    ScanJob.status == "running",
                )
                .group_by(JobImage.scanner)
            )
            return {str(scanner): int(count) for scanner, count in rows}

    def outcomes(self, job_id: int, image_ids: Sequence[int]) -> dict[str, int]:
        """How many of these images of a job were analysed, reused or resumed."""
        counts: dict[str, int] = {}
        with Session(self.engine) as session:
            for chunk in chunked(image_ids):
                rows = session.execute(
                    select(JobImage.outcome, func.count())
                    .where(
                        JobImage.job_id == job_id,
                        JobImage.id.in_(chunk),
                        JobImage.outcome.is_not(None),
                    )
                    .group_by(JobImage.outcome)
                )
                for outcome, count in rows:
                    counts[str(outcome)] = counts.get(str(outcome), 0) + int(count)
        return counts

    def set_waiting(self, job_id: int, reason: str | None) -> None:
        """Say why a job makes no progress (None: it does again)."""
        with Session(self.engine) as session, session.begin():
            session.execute(
                update(ScanJob)
                .where(ScanJob.id == job_id, ScanJob.waiting_reason.is_distinct_from(reason))
                .values(waiting_reason=reason)
            )

    def waiting_reason(self, job_id: int) -> str | None:
        """The job's current waiting reason."""
        with Session(self.engine) as session:
            return session.scalar(select(ScanJob.waiting_reason).where(ScanJob.id == job_id))

    # -- job access --------------------------------------------------------------------

    def save_access(self, job_id: int, secret: bytes) -> None:
        """Store (replace) a job's encrypted registry access."""
        with Session(self.engine) as session, session.begin():
            row = session.get(JobAccess, job_id)
            if row is None:
                session.add(JobAccess(job_id=job_id, secret=secret))
            else:
                row.secret = secret

    def access(self, job_id: int) -> bytes | None:
        """A job's encrypted registry access."""
        with Session(self.engine) as session:
            return session.scalar(select(JobAccess.secret).where(JobAccess.job_id == job_id))

    def drop_access(self, job_id: int) -> None:
        """Forget a job's registry access (the job ended)."""
        with Session(self.engine) as session, session.begin():
            session.execute(delete(JobAccess).where(JobAccess.job_id == job_id))


def _scanner(row: Scanner) -> ScannerRecord:
    return ScannerRecord(
        name=row.name,
        os=row.os,
        version=row.version,
        analyzers=row.analyzers,
        hostname=row.hostname,
        pid=row.pid,
        instance=row.instance,
        concurrency=row.concurrency,
        load=row.load,
        started_at=aware(row.started_at),
        last_seen=aware(row.last_seen),
        stopped_at=aware(row.stopped_at) if row.stopped_at else None,
    )
