"""The store's tables (SQLAlchemy 2 declarative, typed).

Images are identified by their manifest digest wherever they appear; ``tags`` say where
(registry, repository, tag) an image was seen, and since when it is gone (``stale_since``).
Findings keep their history: ``first_seen``, ``last_seen`` and ``resolved_at`` (set when a
re-match no longer finds them), so "new since the last match" and "fixed since" are
queries, not guesses.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

#: Digests are at most "sha512:" + 128 hex characters.
DIGEST = String(140)


class Base(DeclarativeBase):
    """Declarative base of every table."""


class Registry(Base):
    """A registry a rule pointed at."""

    __tablename__ = "registries"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    host: Mapped[str] = mapped_column(String(300), unique=True)
    last_listed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    unreachable_since: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_error: Mapped[str | None] = mapped_column(Text)


class Repository(Base):
    """A repository of a registry."""

    __tablename__ = "repositories"
    __table_args__ = (UniqueConstraint("registry_id", "name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    registry_id: Mapped[int] = mapped_column(ForeignKey("registries.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(500))

    registry_row: Mapped[Registry] = relationship()


class Image(Base):
    """One image (platform manifest), its analysis and its current verdict."""

    __tablename__ = "images"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    digest: Mapped[str] = mapped_column(DIGEST, unique=True)
    platform: Mapped[str | None] = mapped_column(String(100))
    created: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    status: Mapped[str] = mapped_column(String(20))
    error: Mapped[str | None] = mapped_column(Text)
    #: Which analyzer versions produced the stored inventory (the cache key's second half).
    analyzer_key: Mapped[str | None] = mapped_column(String(200))
    os_family: Mapped[str | None] = mapped_column(String(100))
    os_version: Mapped[str | None] = mapped_column(String(100))
    os_name: Mapped[str | None] = mapped_column(String(200))
    #: JSON: analysed files, analyzer versions, problems.
    analysis: Mapped[str | None] = mapped_column(Text)
    analysed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    matched_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    #: JSON list of notes from the last match (ecosystem not covered, stale database …).
    match_notes: Mapped[str | None] = mapped_column(Text)
    first_seen: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Tag(Base):
    """Where an image was seen: a tag of a repository (or its digest, tag ``""``)."""

    __tablename__ = "tags"
    __table_args__ = (
        UniqueConstraint("repository_id", "name", "image_id"),
        Index("ix_tags_image", "image_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    repository_id: Mapped[int] = mapped_column(ForeignKey("repositories.id", ondelete="CASCADE"))
    image_id: Mapped[int] = mapped_column(ForeignKey("images.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(200))
    index_digest: Mapped[str | None] = mapped_column(DIGEST)
    first_seen: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_seen: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    #: Set when the registry stopped listing it (or could not be reached); purged later.
    stale_since: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    repository: Mapped[Repository] = relationship()
    image: Mapped[Image] = relationship()


class PackageRow(Base):
    """One installed package of an image."""

    __tablename__ = "packages"
    __table_args__ = (Index("ix_packages_image", "image_id"), Index("ix_packages_name", "name"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    image_id: Mapped[int] = mapped_column(ForeignKey("images.id", ondelete="CASCADE"))
    type: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(300))
    version: Mapped[str] = mapped_column(String(200))
    arch: Mapped[str] = mapped_column(String(50))
    source_name: Mapped[str] = mapped_column(String(300))
    source_version: Mapped[str] = mapped_column(String(200))
    source_rpm: Mapped[str] = mapped_column(String(400))
    vendor: Mapped[str] = mapped_column(String(300))
    modularity_label: Mapped[str] = mapped_column(String(300))
    path: Mapped[str] = mapped_column(String(500))
    layer: Mapped[str | None] = mapped_column(DIGEST)


class FindingRow(Base):
    """One vulnerability of one package of an image, with its history."""

    __tablename__ = "findings"
    __table_args__ = (
        UniqueConstraint("image_id", "vulnerability", "package", "package_version"),
        Index("ix_findings_vulnerability", "vulnerability"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    image_id: Mapped[int] = mapped_column(ForeignKey("images.id", ondelete="CASCADE"))
    vulnerability: Mapped[str] = mapped_column(String(200))
    package: Mapped[str] = mapped_column(String(300))
    package_version: Mapped[str] = mapped_column(String(200))
    severity: Mapped[str] = mapped_column(String(20))
    fixed_version: Mapped[str | None] = mapped_column(String(200))
    cvss_score: Mapped[float | None] = mapped_column(Float)
    known_exploited: Mapped[bool] = mapped_column(Boolean)
    #: JSON of the whole finding (aliases, match details …) as last matched.
    detail: Mapped[str] = mapped_column(Text)
    first_seen: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_seen: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    #: When a re-match stopped finding it (fixed upstream, or the record withdrawn).
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class LayerAnalysisRow(Base):
    """A layer's analysis, keyed by layer digest and analyzer versions."""

    __tablename__ = "layer_analyses"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    digest: Mapped[str] = mapped_column(DIGEST, index=True)
    #: zlib-compressed JSON of the LayerAnalysis.
    analysis: Mapped[bytes] = mapped_column(LargeBinary)
    created: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class ScanJob(Base):
    """One run of a scan rule; its images say how far it got."""

    __tablename__ = "scan_jobs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    #: Who asked: ``cli``, ``user``, ``schedule`` or ``sync``.
    trigger: Mapped[str] = mapped_column(String(20), default="cli", server_default="cli")
    cancel_requested: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    rule_name: Mapped[str] = mapped_column(String(300), index=True)
    #: JSON of the scan rule, to resume exactly the same scan.
    rule: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20))
    error: Mapped[str | None] = mapped_column(Text)
    #: Why a running job makes no progress (no live scanner of its OS, its scanner is
    #: offline); None while it does.
    waiting_reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class JobImage(Base):
    """One image of a scan job and how it ended (pending until it does)."""

    __tablename__ = "job_images"
    __table_args__ = (UniqueConstraint("job_id", "repository", "digest"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    job_id: Mapped[int] = mapped_column(ForeignKey("scan_jobs.id", ondelete="CASCADE"))
    registry_host: Mapped[str] = mapped_column(String(300))
    repository: Mapped[str] = mapped_column(String(500))
    #: The platform manifest digest, or "" for an image whose manifest could not be read.
    digest: Mapped[str] = mapped_column(DIGEST)
    #: JSON of the planned ImageTarget (tags, index digest, platform, created).
    target: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20))
    error: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    #: How it ended: ``analysed``, ``reused`` (stored inventory) or ``resumed``.
    outcome: Mapped[str | None] = mapped_column(String(20))
    #: Scale-out: the scanner it is assigned to, when it was sent there, and how many
    #: times a scanner started on it (more than once = redone after a scanner was lost).
    scanner: Mapped[str | None] = mapped_column(String(200))
    dispatched_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class JobAccess(Base):
    """How scanners reach a pooled job's registry: credentials, CA and TLS choice, as one
    encrypted JSON document (REGSENTRY_SECRET_KEY); deleted when the job ends."""

    __tablename__ = "job_access"

    job_id: Mapped[int] = mapped_column(
        ForeignKey("scan_jobs.id", ondelete="CASCADE"), primary_key=True
    )
    secret: Mapped[bytes] = mapped_column(LargeBinary)


class Scanner(Base):
    """A scanner process of the pool, as its heartbeats describe it."""

    __tablename__ = "scanners"

    name: Mapped[str] = mapped_column(String(200), primary_key=True)
    os: Mapped[str] = mapped_column(String(20))
    version: Mapped[str] = mapped_column(String(50))
    #: Its analyzers' ids and versions (``analyzers_key``): only scanners whose
    #: inventories the console can read get work.
    analyzers: Mapped[str] = mapped_column(String(64))
    hostname: Mapped[str] = mapped_column(String(300))
    pid: Mapped[int] = mapped_column(Integer)
    #: A random id per process: a second process under a running scanner's name is refused.
    instance: Mapped[str] = mapped_column(String(64))
    concurrency: Mapped[int] = mapped_column(Integer)
    #: Images being analysed at the last heartbeat.
    load: Mapped[int] = mapped_column(Integer, default=0)
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_seen: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    #: Set by a clean shutdown; a killed scanner just stops being seen.
    stopped_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class MatchRun(Base):
    """One matching pass (a scan, or a re-match after an advisory update)."""

    __tablename__ = "match_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    reason: Mapped[str] = mapped_column(String(50))
    images: Mapped[int] = mapped_column(Integer)
    new_findings: Mapped[int] = mapped_column(Integer)
    resolved_findings: Mapped[int] = mapped_column(Integer)


class User(Base):
    """A console user (the ``admin`` account is created on first start)."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(100), unique=True)
    #: ``scrypt$<salt hex>$<hash hex>``: never the password itself.
    password_hash: Mapped[str] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class ApiToken(Base):
    """An API token of a user; only its SHA-256 is stored."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(100))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    #: The first characters, shown in the UI to tell tokens apart.
    prefix: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class BrowserSession(Base):
    """A logged-in browser: the cookie carries a random id, only its SHA-256 is stored,
    and logging out deletes the row, so a copied cookie dies with the session."""

    __tablename__ = "browser_sessions"

    id_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)


class CredentialRow(Base):
    """A registry credential; its secret parts are encrypted (Fernet) before storage."""

    __tablename__ = "credentials"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    type: Mapped[str] = mapped_column(String(20))
    #: Non-secret identity: username, token name, access key id, client id …
    username: Mapped[str] = mapped_column(String(300))
    #: JSON of non-secret extras (AWS region, Azure tenant …).
    extra: Mapped[str] = mapped_column(Text)
    secret: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class RuleRow(Base):
    """A scan rule (registry settings, SPEC §1) and its schedule."""

    __tablename__ = "rules"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    #: JSON of the ScanRule's fields, exactly as the API names them.
    fields: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    next_scan_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    next_sync_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class SettingRow(Base):
    """A system setting or a piece of scheduler state, as text."""

    __tablename__ = "settings"

    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
