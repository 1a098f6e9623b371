"""The result store: what services read and write, over the tables in :mod:`tables`.

One :class:`ResultStore` per process; every method runs in its own short transaction,
so an interrupted scan leaves only whole images behind, and unique constraints make
sure an image, a tag or a finding is never stored twice. Time comes from an injectable
clock so that retention can be tested by moving it.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TypeVar, cast

from sqlalchemy import Engine, Table, delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from regsentry.db import codec
from regsentry.db.engine import open_engine
from regsentry.db.tables import (
    FindingRow,
    Image,
    JobAccess,
    JobImage,
    LayerAnalysisRow,
    MatchRun,
    PackageRow,
    Registry,
    Repository,
    ScanJob,
    Tag,
)
from regsentry.indexer.layer import LayerAnalysis
from regsentry.indexer.verdict import judge
from regsentry.model.advisory import Finding, FindingChanges
from regsentry.model.digest import Digest
from regsentry.model.image import ImageResult, ImageStatus, ImageTarget
from regsentry.model.inventory import Inventory
from regsentry.model.package import Distro, Package
from regsentry.model.platform import Platform
from regsentry.model.rule import ScanRule

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    """The real clock."""
    return datetime.now(UTC)


@dataclass(frozen=True)
class StoredImage:
    """An image with a stored inventory, for re-matching."""

    digest: Digest
    inventory: Inventory


class ResultStore:
    """Results, inventories, layer analyses and scan jobs in one database."""

    def __init__(self, engine: Engine, *, clock: Clock = utc_now) -> None:
        self.engine = engine
        self.clock = clock
        self._repository_ids: dict[tuple[str, str], int] = {}

    @classmethod
    def open(cls, url: str, *, clock: Clock = utc_now) -> ResultStore:
        """Open (creating or migrating) the store at ``url``."""
        return cls(open_engine(url), clock=clock)

    def close(self) -> None:
        """Release connections."""
        self.engine.dispose()

    # -- layer cache (regsentry.indexer.cache.LayerCache) ----------------------------

    def get(self, key: str) -> LayerAnalysis | None:
        """A stored layer analysis, or None."""
        with Session(self.engine) as session:
            row = session.get(LayerAnalysisRow, key)
            return codec.decode_layer(row.analysis) if row else None

    def put(self, key: str, analysis: LayerAnalysis) -> None:
        """Remember a layer analysis (first writer wins; analyses of a key are equal, so
        losing the race to another scanner is fine)."""
        with contextlib.suppress(IntegrityError), Session(self.engine) as session, session.begin():
            if session.get(LayerAnalysisRow, key) is None:
                session.add(
                    LayerAnalysisRow(
                        key=key,
                        digest=str(analysis.digest),
                        analysis=codec.encode_layer(analysis),
                        created=self.clock(),
                    )
                )

    # -- images -------------------------------------------------------------------------

    def stored_inventory(self, digest: Digest, analyzer_key: str) -> Inventory | None:
        """The inventory stored for this image by these analyzer versions, if any.

        Images that failed before an inventory existed (a layer could not be read) have
        none, so they are analysed again next time; an inventory that was complete but
        judged failed (unknown OS …) is as good as a fresh one.
        """
        with Session(self.engine) as session:
            image = session.scalar(select(Image).where(Image.digest == str(digest)))
            if image is None or image.analyzer_key != analyzer_key or image.analysis is None:
                return None
            return self._inventory(session, image)

    def save_image(
        self,
        result: ImageResult,
        analyzer_key: str,
        *,
        keep_inventory: bool = False,
        job: tuple[int, str | None] | None = None,
    ) -> None:
        """Store an analysed (scanned or failed) image, where it was seen, and its packages.

        With ``keep_inventory`` (a stored image listed again) only its verdict and where
        it was seen are refreshed: nothing about its content changed. With ``job`` (job
        id, outcome) the image is marked finished in that job in the same transaction, so
        a scan killed at any moment has either both or neither.
        """
        target = result.target
        if target.digest is None:
            if job is not None:
                self.finish_job_image(job[0], result, job[1])
            return
        now = self.clock()
        for attempt in range(1, _CONFLICT_ATTEMPTS + 1):
            try:
                with Session(self.engine) as session, session.begin():
                    image = self._image(session, target, result.status, now)
                    image.error = result.error
                    if result.inventory is not None and not keep_inventory:
                        self._store_inventory(session, image, result.inventory, analyzer_key, now)
                    self._see(session, image, target, now)
                    if job is not None:
                        self._finish_job_image(session, job[0], result, job[1], now)
                return
            except IntegrityError:
                # Another scanner created the same repository, image or tag row at the
                # same moment; the transaction rolled back whole, and is run again.
                if attempt == _CONFLICT_ATTEMPTS:
                    raise

    def save_sighting(
        self, result: ImageResult, *, job: tuple[int, str | None] | None = None
    ) -> None:
        """A stored image was listed again (see :meth:`save_image`)."""
        self.save_image(result, "", keep_inventory=True, job=job)

    def _store_inventory(
        self, session: Session, image: Image, inventory: Inventory, key: str, now: datetime
    ) -> None:
        distro = inventory.distro
        image.analyzer_key = key
        image.os_family = distro.family if distro else None
        image.os_version = distro.version if distro else None
        image.os_name = distro.name if distro else None
        image.analysis = codec.analysis_to_json(
            inventory.files, inventory.analyzers, inventory.problems
        )
        image.analysed_at = now
        # Core statements on the table: the ORM's bulk paths cost more than the rows.
        connection = session.connection()
        connection.execute(delete(_PACKAGES).where(_PACKAGES.c.image_id == image.id))
        if inventory.packages:  # one bulk statement: images carry hundreds of packages
            connection.execute(
                insert(_PACKAGES),
                [{"image_id": image.id, **codec.package_to_dict(p)} for p in inventory.packages],
            )

    def _image(
        self, session: Session, target: ImageTarget, status: ImageStatus, now: datetime
    ) -> Image:
        assert target.digest is not None
        image = session.scalar(select(Image).where(Image.digest == str(target.digest)))
        if image is None:
            image = Image(digest=str(target.digest), first_seen=now, status=status.value)
            session.add(image)
            session.flush()
        image.status = status.value
        image.platform = str(target.platform) if target.platform else image.platform
        image.created = target.created or image.created
        return image

    def _see(self, session: Session, image: Image, target: ImageTarget, now: datetime) -> None:
        repository_id = self._repository_id(session, target.registry, target.repository)
        for name in target.tags or ("",):
            tag = session.scalar(
                select(Tag).where(
                    Tag.repository_id == repository_id,
                    Tag.name == name,
                    Tag.image_id == image.id,
                )
            )
            if tag is None:
                tag = Tag(
                    repository_id=repository_id,
                    image_id=image.id,
                    name=name,
                    first_seen=now,
                    last_seen=now,
                )
                session.add(tag)
            tag.last_seen = now
            tag.stale_since = None
            tag.index_digest = str(target.index_digest) if target.index_digest else None

    def _repository_id(self, session: Session, host: str, name: str) -> int:
        # Repositories are never deleted: an id read from a committed row stays valid.
        # Ids of rows created in this transaction are not remembered (it may roll back).
        known = self._repository_ids.get((host, name))
        if known is not None:
            return known
        repository, created = self._find_repository(session, host, name)
        if not created:
            self._repository_ids[(host, name)] = repository.id
        return repository.id

    def _find_repository(self, session: Session, host: str, name: str) -> tuple[Repository, bool]:
        """The repository row, and whether this transaction created it."""
        created = False
        registry = session.scalar(select(Registry).where(Registry.host == host))
        if registry is None:
            registry = Registry(host=host)
            session.add(registry)
            session.flush()
            created = True
        repository = session.scalar(
            select(Repository).where(Repository.registry_id == registry.id, Repository.name == name)
        )
        if repository is None:
            repository = Repository(registry_id=registry.id, name=name)
            session.add(repository)
            session.flush()
            created = True
        return repository, created

    def stored_inventories(
        self, digests: Sequence[Digest], analyzer_key: str
    ) -> dict[Digest, Inventory]:
        """:meth:`stored_inventory` of many images at once, in two queries per few hundred
        images instead of two per image (reading a whole job back)."""
        found: dict[Digest, Inventory] = {}
        with Session(self.engine) as session:
            for part in chunked(sorted({str(digest) for digest in digests})):
                images = session.scalars(select(Image).where(Image.digest.in_(part))).all()
                usable = [
                    image
                    for image in images
                    if image.analyzer_key == analyzer_key and image.analysis is not None
                ]
                for image, inventory in _load_inventories(session, usable):
                    found[Digest.parse(image.digest)] = inventory
        return found

    def _inventory(self, session: Session, image: Image) -> Inventory:
        return _load_inventories(session, [image])[0][1]

    def stored_images(self, *, batch: int = 100) -> Iterator[StoredImage]:
        """Every image with a stored inventory (for re-matching), oldest first; read
        ``batch`` images at a time (two queries each), so memory stays bounded."""
        with Session(self.engine) as session:
            ids = session.scalars(
                select(Image.id).where(Image.analysis.is_not(None)).order_by(Image.id)
            ).all()
        for part in chunked(ids, batch):
            with Session(self.engine) as session:
                images = session.scalars(
                    select(Image).where(Image.id.in_(part), Image.analysis.is_not(None))
                    .order_by(Image.id)
                ).all()  # fmt: skip
                loaded = _load_inventories(session, images)
            for image, inventory in loaded:
                yield StoredImage(Digest.parse(image.digest), inventory)

    def image_count(self) -> int:
        """How many images are stored."""
        with Session(self.engine) as session:
            return session.scalar(select(func.count(Image.id))) or 0

    # -- findings -----------------------------------------------------------------------

    def save_findings(
        self, digest: Digest, findings: Sequence[Finding], notes: Sequence[str]
    ) -> FindingChanges:
        """Record a match of one image: new findings appear, vanished ones are resolved."""
        return self.save_many_findings([(digest, findings, notes)])[0]

    def save_many_findings(
        self, matches: Sequence[tuple[Digest, Sequence[Finding], Sequence[str]]]
    ) -> list[FindingChanges]:
        """:meth:`save_findings` of several images (digest, findings, notes) in one
        transaction: a re-match goes through every stored image, and a commit per image
        was a tenth of its time. Written with bulk statements: an image can carry
        hundreds of findings."""
        now = self.clock()
        with Session(self.engine) as session, session.begin():
            image_ids: dict[str, int] = {}
            for part in chunked(sorted({str(digest) for digest, _, _ in matches})):
                rows = session.execute(select(Image.digest, Image.id).where(Image.digest.in_(part)))
                image_ids.update((str(digest), int(image_id)) for digest, image_id in rows)
            changes = []
            for digest, findings, notes in matches:
                image_id = image_ids.get(str(digest))
                if image_id is None:
                    raise KeyError(f"image {digest} is not stored")
                changes.append(_record_findings(session, image_id, findings, notes, now))
        return changes

    def current_findings(self, digest: Digest) -> tuple[Finding, ...] | None:
        """The image's unresolved findings; None when it was never matched."""
        with Session(self.engine) as session:
            image = session.scalar(select(Image).where(Image.digest == str(digest)))
            if image is None or image.matched_at is None:
                return None
            rows = session.scalars(
                select(FindingRow)
                .where(FindingRow.image_id == image.id, FindingRow.resolved_at.is_(None))
                .order_by(FindingRow.id)
            )
            return tuple(codec.finding_from_json(row.detail) for row in rows)

    def changes_since(self, digest: Digest, since: datetime) -> FindingChanges:
        """Findings that appeared, and that were resolved, at or after ``since``."""
        with Session(self.engine) as session:
            image = session.scalar(select(Image).where(Image.digest == str(digest)))
            if image is None:
                return FindingChanges((), ())
            rows = list(session.scalars(select(FindingRow).where(FindingRow.image_id == image.id)))
        new = [r for r in rows if r.resolved_at is None and aware(r.first_seen) >= since]
        gone = [r for r in rows if r.resolved_at is not None and aware(r.resolved_at) >= since]
        return FindingChanges(
            tuple(codec.finding_from_json(r.detail) for r in new),
            tuple(codec.finding_from_json(r.detail) for r in gone),
        )

    def record_match_run(
        self, started: datetime, reason: str, images: int, new: int, resolved: int
    ) -> None:
        """Log one matching pass."""
        with Session(self.engine) as session, session.begin():
            session.add(
                MatchRun(
                    started_at=started,
                    finished_at=self.clock(),
                    reason=reason,
                    images=images,
                    new_findings=new,
                    resolved_findings=resolved,
                )
            )

    def previous_match_start(self) -> datetime | None:
        """When the last-but-current matching pass began (for ``--since-last``)."""
        with Session(self.engine) as session:
            started = session.scalars(
                select(MatchRun.started_at).order_by(MatchRun.id.desc()).limit(1)
            ).first()
            return aware(started) if started else None

    # -- listing and retention --------------------------------------------------------

    def record_listing(self, host: str, listed: dict[str, set[str]]) -> int:
        """The registry listed these tags per repository now: others of those
        repositories turn stale (from now), listed ones fresh. Returns tags turned stale.
        """
        now = self.clock()
        turned = 0
        with Session(self.engine) as session, session.begin():
            registry = session.scalar(select(Registry).where(Registry.host == host))
            if registry is None:
                return 0
            registry.last_listed_at = now
            registry.unreachable_since = None
            registry.last_error = None
            for repository in session.scalars(
                select(Repository).where(Repository.registry_id == registry.id)
            ):
                if repository.name not in listed:
                    continue
                tags = listed[repository.name]
                for tag in session.scalars(select(Tag).where(Tag.repository_id == repository.id)):
                    if tag.name in tags or (not tag.name and tags):
                        continue
                    if tag.stale_since is None:
                        tag.stale_since = now
                        turned += 1
        return turned

    def mark_registry_unreachable(self, host: str, error: str) -> int:
        """Every image seen in an unreachable registry turns stale (keeping its results)."""
        now = self.clock()
        with Session(self.engine) as session, session.begin():
            registry = session.scalar(select(Registry).where(Registry.host == host))
            if registry is None:
                return 0
            if registry.unreachable_since is None:
                registry.unreachable_since = now
            registry.last_error = error[:2000]
            tags = session.scalars(
                select(Tag)
                .join(Repository, Tag.repository_id == Repository.id)
                .where(Repository.registry_id == registry.id, Tag.stale_since.is_(None))
            ).all()
            for tag in tags:
                tag.stale_since = now
            return len(tags)

    def purge_stale(self, older_than: datetime) -> int:
        """Forget tags stale since before ``older_than``, and images left without any tag."""
        with Session(self.engine) as session, session.begin():
            session.execute(delete(Tag).where(Tag.stale_since < older_than))
            orphans = session.scalars(
                select(Image.id).where(~select(Tag.id).where(Tag.image_id == Image.id).exists())
            ).all()
            if orphans:
                session.execute(delete(PackageRow).where(PackageRow.image_id.in_(orphans)))
                session.execute(delete(FindingRow).where(FindingRow.image_id.in_(orphans)))
                session.execute(delete(Image).where(Image.id.in_(orphans)))
            return len(orphans)

    def image_staleness(self, digest: Digest) -> datetime | None:
        """Since when every place the image was seen is stale (None while it is listed)."""
        with Session(self.engine) as session:
            image = session.scalar(select(Image).where(Image.digest == str(digest)))
            if image is None:
                return None
            stamps = session.scalars(select(Tag.stale_since).where(Tag.image_id == image.id))
            values = list(stamps)
            if not values or any(value is None for value in values):
                return None
            return max(aware(value) for value in values if value is not None)

    # -- scan jobs ---------------------------------------------------------------------

    def start_job(self, rule: ScanRule) -> tuple[int, bool]:
        """A job for ``rule``: the unfinished one of the same rule (resumed) or a new one."""
        text = rule.model_dump_json()
        with Session(self.engine) as session, session.begin():
            running = session.scalars(
                select(ScanJob)
                .where(ScanJob.rule_name == rule.name, ScanJob.status == "running")
                .order_by(ScanJob.id.desc())
            ).first()
            if running is not None and running.rule == text:
                return running.id, True
            job = ScanJob(rule_name=rule.name, rule=text, status="running", created_at=self.clock())
            session.add(job)
            session.flush()
            return job.id, False

    def job_states(self, job_id: int) -> dict[tuple[str, str], tuple[str, str | None]]:
        """(repository, digest) → (status, error) of every image of a job."""
        with Session(self.engine) as session:
            rows = session.execute(
                select(JobImage.repository, JobImage.digest, JobImage.status, JobImage.error).where(
                    JobImage.job_id == job_id
                )
            )
            return {(repo, digest): (status, error) for repo, digest, status, error in rows}

    def add_job_images(self, job_id: int, results: Sequence[ImageResult]) -> None:
        """Register a job's images (planned ones pending); existing rows are kept."""
        now = self.clock()
        with Session(self.engine) as session, session.begin():
            known = {
                (r, d)
                for r, d in session.execute(
                    select(JobImage.repository, JobImage.digest).where(JobImage.job_id == job_id)
                )
            }
            for result in results:
                target = result.target
                key = (target.repository, str(target.digest or ""))
                if key in known:
                    continue
                known.add(key)
                status = "pending" if result.status is ImageStatus.PLANNED else result.status.value
                session.add(
                    JobImage(
                        job_id=job_id,
                        registry_host=target.registry,
                        repository=target.repository,
                        digest=key[1],
                        target=_target_json(target),
                        status=status,
                        error=result.error,
                        updated_at=now,
                    )
                )

    def finish_job_image(
        self, job_id: int, result: ImageResult, outcome: str | None = None
    ) -> None:
        """Record how one image of a job ended (``outcome``: analysed, reused …)."""
        with Session(self.engine) as session, session.begin():
            self._finish_job_image(session, job_id, result, outcome, self.clock())

    def _finish_job_image(
        self,
        session: Session,
        job_id: int,
        result: ImageResult,
        outcome: str | None,
        now: datetime,
    ) -> None:
        target = result.target
        session.connection().execute(
            update(_JOB_IMAGES)
            .where(
                _JOB_IMAGES.c.job_id == job_id,
                _JOB_IMAGES.c.repository == target.repository,
                _JOB_IMAGES.c.digest == str(target.digest or ""),
            )
            .values(status=result.status.value, error=result.error, outcome=outcome, updated_at=now)
        )

    def finish_job(self, job_id: int, status: str, error: str | None = None) -> None:
        """Close a job."""
        with Session(self.engine) as session, session.begin():
            job = session.get(ScanJob, job_id)
            if job is not None:
                job.status = status
                job.error = error
                job.waiting_reason = None
                job.finished_at = self.clock()
            # Scanners' registry access lives exactly as long as the job runs.
            session.execute(delete(JobAccess).where(JobAccess.job_id == job_id))

    def job_results(self, job_id: int, analyzer_key: str) -> list[ImageResult]:
        """Every image of a job as it ended, in planning order, with the inventory stored
        for it (how a job whose images were finished elsewhere, by scanners, is read)."""
        with Session(self.engine) as session:
            rows = session.execute(
                select(JobImage.target, JobImage.status, JobImage.error)
                .where(JobImage.job_id == job_id)
                .order_by(JobImage.id)
            ).all()
        targets = [target_from_json(text) for text, _, _ in rows]
        inventories = self.stored_inventories(
            [t.digest for t, (_, status, _) in zip(targets, rows, strict=True)
             if status in _ANALYSED and t.digest is not None],
            analyzer_key,
        )  # fmt: skip
        results: list[ImageResult] = []
        for target, (_, status, error) in zip(targets, rows, strict=True):
            inventory = None
            if status in _ANALYSED and target.digest is not None:
                inventory = inventories.get(target.digest)
            if inventory is not None:
                verdict, reason = judge(inventory)
                results.append(ImageResult(target, verdict, reason, inventory))
            elif status == ImageStatus.SCANNED.value:
                # Never report an image clean without the inventory that says so.
                error = "its inventory is not in the store (analysed by other analyzer versions)"
                results.append(ImageResult(target, ImageStatus.FAILED, error))
            else:
                results.append(ImageResult(target, ImageStatus(status), error))
        return results


_T = TypeVar("_T")

#: The tables written with Core statements on hot paths (no ORM unit of work).
_PACKAGES = cast(Table, PackageRow.__table__)
_JOB_IMAGES = cast(Table, JobImage.__table__)

#: Times a write that lost a race on a unique row (see save_image) is tried.
_CONFLICT_ATTEMPTS = 3

#: Job image states that may have a stored inventory (failed: e.g. an unknown OS).
_ANALYSED = (ImageStatus.SCANNED.value, ImageStatus.FAILED.value)


def aware(moment: datetime) -> datetime:
    """SQLite hands back naive datetimes; everything stored is UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


_PACKAGE_COLUMNS = (
    PackageRow.type,
    PackageRow.name,
    PackageRow.version,
    PackageRow.arch,
    PackageRow.source_name,
    PackageRow.source_version,
    PackageRow.source_rpm,
    PackageRow.vendor,
    PackageRow.modularity_label,
    PackageRow.path,
    PackageRow.layer,
)


def _finding_columns(finding: Finding) -> dict[str, object]:
    return {
        "vulnerability": finding.id,
        "package": finding.package,
        "package_version": finding.package_version,
        "severity": finding.severity,
        "fixed_version": finding.fixed_version,
        "cvss_score": finding.cvss_score,
        "known_exploited": finding.known_exploited,
        "detail": codec.finding_to_json(finding),
    }


def _record_findings(
    session: Session,
    image_id: int,
    findings: Sequence[Finding],
    notes: Sequence[str],
    now: datetime,
) -> FindingChanges:
    """One image's part of :meth:`ResultStore.save_many_findings`."""
    existing = {
        (vulnerability, package, version): (row_id, resolved_at, detail)
        for row_id, vulnerability, package, version, resolved_at, detail in session.execute(
            select(
                FindingRow.id,
                FindingRow.vulnerability,
                FindingRow.package,
                FindingRow.package_version,
                FindingRow.resolved_at,
                FindingRow.detail,
            ).where(FindingRow.image_id == image_id)
        )
    }
    current = {(f.id, f.package, f.package_version): f for f in findings}
    new = [f for key, f in current.items() if key not in existing or existing[key][1]]
    inserts = []
    updates = []
    for key, finding in current.items():
        columns = _finding_columns(finding)
        if key not in existing:
            inserts.append({"image_id": image_id, **columns, "first_seen": now, "last_seen": now})
            continue
        row_id, resolved_at, detail = existing[key]
        if resolved_at is not None or detail != columns["detail"]:
            updates.append({"id": row_id, **columns, "resolved_at": None})
    if inserts:
        session.execute(insert(FindingRow), inserts)
    if updates:
        session.execute(update(FindingRow), updates)
    seen = [existing[key][0] for key in current if key in existing]
    for chunk in chunked(seen):
        session.execute(update(FindingRow).where(FindingRow.id.in_(chunk)).values(last_seen=now))
    gone = [
        (row_id, detail)
        for key, (row_id, resolved_at, detail) in existing.items()
        if key not in current and resolved_at is None
    ]
    for chunk in chunked([row_id for row_id, _ in gone]):
        session.execute(update(FindingRow).where(FindingRow.id.in_(chunk)).values(resolved_at=now))
    session.execute(
        update(Image)
        .where(Image.id == image_id)
        .values(matched_at=now, match_notes=json.dumps(list(notes)))
    )
    return FindingChanges(tuple(new), tuple(codec.finding_from_json(detail) for _, detail in gone))


def _load_inventories(session: Session, images: Sequence[Image]) -> list[tuple[Image, Inventory]]:
    """Each image row (with an analysis) and its inventory; one package query for all."""
    packages: dict[int, list[Package]] = {image.id: [] for image in images}
    for chunk in chunked(list(packages)):
        rows = session.execute(
            select(PackageRow.image_id, *_PACKAGE_COLUMNS)
            .where(PackageRow.image_id.in_(chunk))
            .order_by(PackageRow.id)
        )
        for row in rows:
            fields = row._asdict()
            packages[fields.pop("image_id")].append(codec.package_from_dict(fields))
    return [(image, _inventory_of(image, packages[image.id])) for image in images]


def _inventory_of(image: Image, packages: Sequence[Package]) -> Inventory:
    """An image row and its package rows, as the inventory they were stored from."""
    assert image.analysis is not None
    files, analyzers, problems = codec.analysis_from_json(image.analysis)
    distro = (
        Distro(image.os_family, image.os_version or "", image.os_name or "")
        if image.os_family
        else None
    )
    return Inventory(
        distro=distro,
        packages=tuple(packages),
        files=files,
        analyzers=analyzers,
        problems=problems,
    )


def chunked(values: Sequence[_T], size: int = 500) -> Iterator[Sequence[_T]]:
    """Bound IN lists (SQLite allows a limited number of parameters per statement)."""
    for start in range(0, len(values), size):
        yield values[start : start + size]


def _target_json(target: ImageTarget) -> str:
    return json.dumps(
        {
            "registry": target.registry,
            "repository": target.repository,
            "tags": list(target.tags),
            "digest": str(target.digest) if target.digest else None,
            "index_digest": str(target.index_digest) if target.index_digest else None,
            "platform": str(target.platform) if target.platform else None,
            "created": target.created.isoformat() if target.created else None,
        }
    )


def target_from_json(text: str) -> ImageTarget:
    """The inverse of the job image's stored target."""
    data = json.loads(text)
    return ImageTarget(
        registry=data["registry"],
        repository=data["repository"],
        tags=tuple(data["tags"]),
        digest=Digest.parse(data["digest"]) if data["digest"] else None,
        index_digest=Digest.parse(data["index_digest"]) if data["index_digest"] else None,
        platform=Platform.parse(data["platform"]) if data["platform"] else None,
        created=datetime.fromisoformat(data["created"]) if data["created"] else None,
    )
