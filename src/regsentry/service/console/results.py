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
        """The repositories of one registry."""
        with Session(self._engine) as session:
            rows = session.execute(
                select(Repository.id, Repository.name)
                .join(Registry, Registry.id == Repository.registry_id)
                .where(Registry.host == host)
                .order_by(Repository.name)
            ).all()
            views = []
            for repo_id, name in rows:
                image_ids = self._image_ids(session, repository_id=repo_id)
                views.append(
                    RepositoryView(
                        registry=host, name=name, images=len(image_ids),
                        vulnerabilities=self._counts(session, image_ids),
                    )
                )  # fmt: skip
            return views

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
        """Images, newest first, filtered."""
        with Session(self._engine) as session:
            query = (
                select(Image.id)
                .join(Tag, Tag.image_id == Image.id)
                .join(Repository, Repository.id == Tag.repository_id)
                .join(Registry, Registry.id == Repository.registry_id)
                .distinct()
            )
            if registry:
                query = query.where(Registry.host == registry)
            if repository:
                query = query.where(Repository.name == repository)
            if status:
                query = query.where(Image.status == status)
            ids = list(session.scalars(query))
            summaries = [self._summary(session, image_id) for image_id in ids]
            if stale is not None:
                summaries = [s for s in summaries if (s.stale_since is not None) == stale]
            summaries.sort(
                key=lambda s: s.created or datetime.min.replace(tzinfo=UTC), reverse=True
            )
            return ImagePage(
                total=len(summaries), offset=offset, limit=limit,
                items=summaries[offset : offset + limit],
            )  # fmt: skip

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
        image = session.get(Image, image_id)
        assert image is not None
        places = session.execute(
            select(Tag.name, Tag.stale_since, Repository.name, Registry.host)
            .join(Repository, Repository.id == Tag.repository_id)
            .join(Registry, Registry.id == Repository.registry_id)
            .where(Tag.image_id == image_id)
        ).all()
        stale = [s for _, s, _, _ in places]
        first = places[0] if places else ("", None, "", "")
        counts = Counter(
            severity
            for (severity,) in session.execute(
                select(FindingRow.severity).where(
                    FindingRow.image_id == image_id, FindingRow.resolved_at.is_(None)
                )
            )
        )
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
            stale_since=_latest(stale),
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
