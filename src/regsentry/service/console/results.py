"""Browsing stored results: registries → repositories → images → packages and
vulnerabilities, search by CVE or package, filters, paging, and what changed.

Read-only queries over the result store's tables; views are pydantic models so that the
API documents them.
"""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, Field
from sqlalchemy import ColumnElement, Engine, and_, func, or_, select
from sqlalchemy.orm import Session

from regsentry.db import codec
from regsentry.db.tables import FindingRow, Image, MatchRun, PackageRow, Registry, Repository, Tag
from regsentry.model.advisory import SEVERITIES


class SeverityCounts(BaseModel):
    """Current findings per severity."""

    critical: int = 0
    high: int = 0
    medium: int = 0
    low: int = 0
    negligible: int = 0
    unknown: int = 0


class RegistryView(BaseModel):
    """A registry with totals."""

    host: str
    repositories: int
    images: int
    unreachable_since: datetime | None
    last_error: str | None
    vulnerabilities: SeverityCounts


class RepositoryView(BaseModel):
    """A repository with totals."""

    registry: str
    name: str
    images: int
    vulnerabilities: SeverityCounts


class ImageSummary(BaseModel):
    """An image in a list."""

    digest: str
    registry: str
    repository: str
    tags: list[str]
    platform: str | None
    os: str | None
    status: str
    error: str | None
    created: datetime | None
    matched_at: datetime | None
    stale_since: datetime | None
    vulnerabilities: SeverityCounts | None = Field(
        description="null when the image was never matched against advisories"
    )


class FindingView(BaseModel):
    """A vulnerability of an image's package."""

    id: str
    aliases: list[str]
    package: str
    installed_version: str
    fixed_version: str | None
    severity: str
    cvss_score: float | None
    known_exploited: bool
    summary: str
    first_seen: datetime
    resolved_at: datetime | None
    match: dict[str, Any]
    image: str | None = None


class PackageView(BaseModel):
    """An installed package."""

    type: str
    name: str
    version: str
    arch: str
    source_name: str
    source_version: str
    layer: str | None


class ImageDetail(ImageSummary):
    """One image: where it was seen, its layers' analysed files, packages and findings."""

    seen_in: list[dict[str, Any]]
    analysed_files: list[dict[str, str]]
    notes: list[str]
    packages: list[PackageView]
    findings: list[FindingView]


class Page(BaseModel):
    """One page of a list."""

    total: int
    offset: int
    limit: int


class ImagePage(Page):
    """A page of images."""

    items: list[ImageSummary]


class FindingPage(Page):
    """A page of findings."""

    items: list[FindingView]


def _aware(moment: datetime | None) -> datetime | None:
    if moment is None:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


class ResultQueries:
    """The console's read side over the result store."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def registries(self) -> list[RegistryView]:
        """Every registry with totals."""
        with Session(self._engine) as session:
            views = []
            for registry in session.scalars(select(Registry).order_by(Registry.host)):
                repos = session.scalar(
                    select(func.count(Repository.id)).where(Repository.registry_id == registry.id)
                )
                image_ids = self._image_ids(session, registry_id=registry.id)
                views.append(
                    RegistryView(
                        host=registry.host,
                        repositories=repos or 0,
                        images=len(image_ids),
                        unreachable_since=_aware(registry.unreachable_since),
                        last_error=registry.last_error,
                        vulnerabilities=self._counts(session, image_ids),
                    )
                )
            return views

    def repositories(self, host: str) -> list[RepositoryView]:
        """The repositories of one registry, with totals counted by the database (three
        queries however many repositories there are)."""
        with Session(self._engine) as session:
            rows = session.execute(
                select(Repository.id, Repository.name)
                .join(Registry, Registry.id == Repository.registry_id)
                .where(Registry.host == host)
                .order_by(Repository.name)
            ).all()
            # Each image once per repository, however many of its tags are there.
            pairs = (
                select(Tag.repository_id, Tag.image_id)
                .join(Repository, Repository.id == Tag.repository_id)
                .join(Registry, Registry.id == Repository.registry_id)
                .where(Registry.host == host)
                .distinct()
                .subquery()
            )
            per_repository = select(pairs.c.repository_id, func.count()).group_by(
                pairs.c.repository_id
            )
            images = {
                int(repo_id): int(amount) for repo_id, amount in session.execute(per_repository)
            }
            severities: dict[int, dict[str, int]] = {repo_id: {} for repo_id, _ in rows}
            for repo_id, severity, amount in session.execute(
                select(pairs.c.repository_id, FindingRow.severity, func.count())
                .join(FindingRow, FindingRow.image_id == pairs.c.image_id)
                .where(FindingRow.resolved_at.is_(None))
                .group_by(pairs.c.repository_id, FindingRow.severity)
            ):
                severities[repo_id][str(severity)] = int(amount)
            return [
                RepositoryView(
                    registry=host, name=name, images=images.get(repo_id, 0),
                    vulnerabilities=SeverityCounts(**severities[repo_id]),
                )
                for repo_id, name in rows
            ]  # fmt: skip

    def images(
        self,
        *,
        registry: str | None = None,
        repository: str | None = None,
        status: str | None = None,
        stale: bool | None = None,
        offset: int = 0,
        limit: int = 50,
    ) -> ImagePage:
        """Images, newest first, filtered; only the page asked for is read in full.

        ``stale``: an image is stale when every place it was seen is (as in its summary).
        """
        with Session(self._engine) as session:
            places = (
                select(Tag.image_id)
                .join(Repository, Repository.id == Tag.repository_id)
                .join(Registry, Registry.id == Repository.registry_id)
            )
            if registry:
                places = places.where(Registry.host == registry)
            if repository:
                places = places.where(Repository.name == repository)
            query = select(Image.id).where(Image.id.in_(places))
            if status:
                query = query.where(Image.status == status)
            if stale is not None:
                seen_fresh = (
                    select(Tag.id).where(Tag.image_id == Image.id, Tag.stale_since.is_(None))
                ).exists()
                query = query.where(~seen_fresh if stale else seen_fresh)
            total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
            ids = list(
                session.scalars(
                    query.order_by(Image.created.desc().nulls_last(), Image.id.desc())
                    .offset(offset)
                    .limit(limit)
                )
            )
            return ImagePage(
                total=total, offset=offset, limit=limit, items=self._summaries(session, ids)
            )

    def image(self, digest: str) -> ImageDetail | None:
        """One image in full."""
        with Session(self._engine) as session:
            image = session.scalar(select(Image).where(Image.digest == digest))
            if image is None:
                return None
            summary = self._summary(session, image.id)
            seen = [
                {
                    "registry": host, "repository": repo, "tag": tag.name or None,
                    "index_digest": tag.index_digest, "last_seen": _aware(tag.last_seen),
                    "stale_since": _aware(tag.stale_since),
                }
                for tag, repo, host in session.execute(
                    select(Tag, Repository.name, Registry.host)
                    .join(Repository, Repository.id == Tag.repository_id)
                    .join(Registry, Registry.id == Repository.registry_id)
                    .where(Tag.image_id == image.id)
                )
            ]  # fmt: skip
            files: list[dict[str, str]] = []
            if image.analysis:
                analysed, _, _ = codec.analysis_from_json(image.analysis)
                files = [{"path": f.path, "analyzer": f.analyzer, "layer": str(f.layer)}
                         for f in analysed]  # fmt: skip
            packages = [
                PackageView(
                    type=p.type, name=p.name, version=p.version, arch=p.arch,
                    source_name=p.source_name, source_version=p.source_version, layer=p.layer,
                )
                for p in session.scalars(
                    select(PackageRow)
                    .where(PackageRow.image_id == image.id)
                    .order_by(PackageRow.name)
                )
            ]  # fmt: skip
            findings = [
                _finding(row)
                for row in session.scalars(
                    select(FindingRow).where(
                        FindingRow.image_id == image.id, FindingRow.resolved_at.is_(None)
                    )
                )
            ]
            findings.sort(key=lambda f: (SEVERITIES.index(f.severity), f.id))
            return ImageDetail(
                **summary.model_dump(),
                seen_in=seen,
                analysed_files=files,
                notes=json.loads(image.match_notes) if image.match_notes else [],
                packages=packages,
                findings=findings,
            )

    def findings(
        self,
        *,
        query: str | None = None,
        severity: str | None = None,
        fixable: bool | None = None,
        known_exploited: bool | None = None,
        image: str | None = None,
        include_resolved: bool = False,
        offset: int = 0,
        limit: int = 50,
    ) -> FindingPage:
        """Findings across images: search by CVE/advisory id or package name, filtered."""
        with Session(self._engine) as session:
            conditions: list[ColumnElement[bool]] = []
            if not include_resolved:
                conditions.append(FindingRow.resolved_at.is_(None))
            if query:
                like = f"%{query}%"
                conditions.append(
                    or_(FindingRow.vulnerability == query, FindingRow.package == query,
                        FindingRow.detail.like(f'%"{query}"%'), FindingRow.package.like(like))
                )  # fmt: skip
            if severity:
                conditions.append(FindingRow.severity == severity)
            if fixable is not None:
                conditions.append(
                    FindingRow.fixed_version.is_not(None) if fixable
                    else FindingRow.fixed_version.is_(None)
                )  # fmt: skip
            if known_exploited is not None:
                conditions.append(FindingRow.known_exploited == known_exploited)
            if image:
                conditions.append(Image.digest == image)
            base = select(FindingRow, Image.digest).join(Image, Image.id == FindingRow.image_id)
            if conditions:
                base = base.where(and_(*conditions))
            total = session.scalar(select(func.count()).select_from(base.subquery())) or 0
            rows = session.execute(base.order_by(FindingRow.id).offset(offset).limit(limit)).all()
            items = [_finding(row, digest) for row, digest in rows]
            return FindingPage(total=total, offset=offset, limit=limit, items=items)

    def changes(self) -> dict[str, Any]:
        """Findings new or resolved since the start of the last matching pass."""
        with Session(self._engine) as session:
            last = session.scalars(select(MatchRun).order_by(MatchRun.id.desc()).limit(1)).first()
            if last is None:
                return {"since": None, "new": [], "resolved": []}
            since = _aware(last.started_at)
            assert since is not None
            rows = session.execute(
                select(FindingRow, Image.digest)
                .join(Image, Image.id == FindingRow.image_id)
                .where(or_(FindingRow.first_seen >= since, FindingRow.resolved_at >= since))
            ).all()
            new = [
                _finding(r, d)
                for r, d in rows
                if r.resolved_at is None and (_aware(r.first_seen) or since) >= since
            ]
            gone = [_finding(r, d) for r, d in rows if r.resolved_at is not None]
            return {"since": since, "new": new, "resolved": gone}

    # -- helpers ------------------------------------------------------------------------

    def _image_ids(
        self, session: Session, *, registry_id: int | None = None, repository_id: int | None = None
    ) -> list[int]:
        query = select(Tag.image_id).join(Repository, Repository.id == Tag.repository_id).distinct()
        if registry_id is not None:
            query = query.where(Repository.registry_id == registry_id)
        if repository_id is not None:
            query = query.where(Repository.id == repository_id)
        return list(session.scalars(query))

    def _counts(self, session: Session, image_ids: list[int]) -> SeverityCounts:
        if not image_ids:
            return SeverityCounts()
        rows = session.execute(
            select(FindingRow.severity, func.count())
            .where(FindingRow.image_id.in_(image_ids), FindingRow.resolved_at.is_(None))
            .group_by(FindingRow.severity)
        )
        return SeverityCounts(**{str(severity): int(count) for severity, count in rows})

    def _summary(self, session: Session, image_id: int) -> ImageSummary:
        return self._summaries(session, [image_id])[0]

    def _summaries(self, session: Session, image_ids: list[int]) -> list[ImageSummary]:
        """Summaries of these images, in this order, in three queries whatever their number."""
        if not image_ids:
            return []
        images = {
            image.id: image
            for image in session.scalars(select(Image).where(Image.id.in_(image_ids)))
        }
        places: dict[int, list[tuple[str, datetime | None, str, str]]] = {
            image_id: [] for image_id in image_ids
        }
        for image_id, tag, stale_since, repository, host in session.execute(
            select(Tag.image_id, Tag.name, Tag.stale_since, Repository.name, Registry.host)
            .join(Repository, Repository.id == Tag.repository_id)
            .join(Registry, Registry.id == Repository.registry_id)
            .where(Tag.image_id.in_(image_ids))
            .order_by(Tag.id)
        ):
            places[image_id].append((tag, stale_since, repository, host))
        counts: dict[int, Counter[str]] = {image_id: Counter() for image_id in image_ids}
        for image_id, severity, amount in session.execute(
            select(FindingRow.image_id, FindingRow.severity, func.count())
            .where(FindingRow.image_id.in_(image_ids), FindingRow.resolved_at.is_(None))
            .group_by(FindingRow.image_id, FindingRow.severity)
        ):
            counts[image_id][severity] = amount
        return [
            _image_summary(images[image_id], places[image_id], counts[image_id])
            for image_id in image_ids
        ]


def _image_summary(
    image: Image, places: list[tuple[str, datetime | None, str, str]], counts: Counter[str]
) -> ImageSummary:
    first = places[0] if places else ("", None, "", "")
    return ImageSummary(
        digest=image.digest,
        registry=first[3],
        repository=first[2],
        tags=sorted({name for name, _, _, _ in places if name}),
        platform=image.platform,
        os=f"{image.os_family} {image.os_version}" if image.os_family else None,
        status=image.status,
        error=image.error,
        created=_aware(image.created),
        matched_at=_aware(image.matched_at),
        stale_since=_latest([stale_since for _, stale_since, _, _ in places]),
        vulnerabilities=SeverityCounts(**counts) if image.matched_at else None,
    )


def _latest(stamps: list[datetime | None]) -> datetime | None:
    """When every place an image was seen is stale: since the latest of them."""
    known = [stamp for stamp in stamps if stamp is not None]
    if not stamps or len(known) < len(stamps):
        return None
    return _aware(max(known))


def _finding(row: FindingRow, digest: str | None = None) -> FindingView:
    detail = json.loads(row.detail)
    return FindingView(
        id=row.vulnerability,
        aliases=detail.get("aliases", []),
        package=row.package,
        installed_version=row.package_version,
        fixed_version=row.fixed_version,
        severity=row.severity,
        cvss_score=row.cvss_score,
        known_exploited=row.known_exploited,
        summary=detail.get("summary", ""),
        first_seen=_aware(row.first_seen) or row.first_seen,
        resolved_at=_aware(row.resolved_at),
        match=detail.get("match", {}),
        image=digest,
    )
