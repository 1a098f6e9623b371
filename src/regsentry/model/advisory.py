"""Vulnerability advisories, normalised from OSV and the distro feeds, and what matching
makes of them (findings).

The shape follows the OSV schema (https://ossf.github.io/osv-schema/): an advisory has
affected packages, each in an ecosystem (``Debian``, ``Alpine``, ``PyPI`` …) with an
optional release suffix (``Debian:12`` → ecosystem ``Debian``, release ``12``), and ranges
of events or explicit version lists. Severities are normalised to
:data:`SEVERITIES`; the original ratings and CVSS vectors are kept.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Literal, Protocol

Severity = Literal["critical", "high", "medium", "low", "negligible", "unknown"]
#: Normalised severities, most severe first.
SEVERITIES: tuple[Severity, ...] = ("critical", "high", "medium", "low", "negligible", "unknown")
EventKind = Literal["introduced", "fixed", "last_affected", "limit"]


@dataclass(frozen=True)
class RangeEvent:
    """One OSV range event; ``introduced`` ``"0"`` means "from the first version"."""

    kind: EventKind
    version: str


@dataclass(frozen=True)
class AffectedRange:
    """An OSV range: ``type`` is ``ECOSYSTEM``, ``SEMVER`` or ``GIT`` (GIT ranges are only
    usable through the affected entry's explicit ``versions``)."""

    type: str
    events: tuple[RangeEvent, ...]


@dataclass(frozen=True)
class Affected:
    """One ``affected[]`` entry of an advisory.

    ``ecosystem`` is the base OSV ecosystem (``Debian``), ``release`` the suffix after the
    first ``:`` (``12``, ``v3.20``, ``22.04:LTS``; empty when none). ``severity`` is the
    ecosystem's own rating for this package when it has one (Debian urgency, Ubuntu
    priority), already normalised; ``note`` keeps its original text (e.g. ``unimportant``).
    """

    ecosystem: str
    release: str
    package: str
    ranges: tuple[AffectedRange, ...] = ()
    versions: tuple[str, ...] = ()
    severity: Severity | None = None
    note: str = ""


@dataclass(frozen=True)
class CvssVector:
    """A CVSS vector as published (``type`` is the OSV severity type, e.g. ``CVSS_V3``)."""

    type: str
    vector: str


@dataclass(frozen=True)
class Advisory:
    """One advisory record (OSV id or a distro id such as ``DEBIAN-CVE-2024-1234``)."""

    id: str
    source: str
    aliases: tuple[str, ...] = ()
    summary: str = ""
    modified: datetime | None = None
    published: datetime | None = None
    withdrawn: bool = False
    cvss: tuple[CvssVector, ...] = ()
    #: A record-level rating already normalised (e.g. GHSA's ``database_specific.severity``).
    severity: Severity | None = None
    affected: tuple[Affected, ...] = ()
    #: Ids this advisory derives from (OSV ``upstream``): the CVEs a USN or DSA fixes.
    upstream: tuple[str, ...] = ()


@dataclass(frozen=True)
class KnownExploited:
    """A CISA KEV catalogue entry."""

    cve: str
    date_added: date | None = None
    due_date: date | None = None
    ransomware: bool = False


class AdvisoryLookup(Protocol):
    """What the matcher asks of the advisory database (the vulndb layer implements it).

    Lookups are by (ecosystem, package name) only, so matching never scans the whole
    database; ``ecosystem`` is the base OSV ecosystem name, ``name`` exactly as
    advisories write it (matching normalises names per ecosystem before asking).
    Withdrawn advisories are never returned.
    """

    def advisories_for(self, ecosystem: str, name: str) -> Sequence[Advisory]:
        """Every advisory with an ``affected`` entry for this package in this ecosystem."""

    def known_exploited(self, ids: Iterable[str]) -> KnownExploited | None:
        """The KEV entry of any of these ids (CVE ids), if one is known exploited."""

    def epss(self, ids: Iterable[str]) -> float | None:
        """The highest EPSS probability (0-1) among these ids, if known."""


@dataclass(frozen=True)
class MatchDetail:
    """Why a finding matched (ARCHITECTURE pattern 8)."""

    advisory_ids: tuple[str, ...]
    ecosystem: str
    #: ``source-package`` (distro advisories name source packages) or ``package``.
    matched_by: Literal["source-package", "package"]
    matched_name: str
    #: Human-readable: ``introduced 0, fixed 7.88.1-10+deb12u5`` or ``versions list``.
    constraint: str
    sources: tuple[str, ...] = ()


@dataclass(frozen=True)
class Finding:
    """One vulnerability of one installed package (SPEC §3 ``vulnerabilities[]``).

    ``id`` is the vulnerability's primary id (its CVE when it has one), ``aliases`` every
    other id any matching advisory used; one vulnerability is reported once per package
    whichever sources mention it.
    """

    id: str
    aliases: tuple[str, ...]
    package: str
    package_version: str
    package_type: str
    source_name: str
    installed_version: str
    fixed_version: str | None
    severity: Severity
    cvss_score: float | None
    known_exploited: bool
    summary: str
    match: MatchDetail
    epss: float | None = None
    notes: tuple[str, ...] = field(default=())


@dataclass(frozen=True)
class DatabaseSummary:
    """What a report says about the advisory data it used.

    ``stale`` when the newest update is older than the caller's threshold; ``empty`` when
    the database holds no advisory at all (then no image can be called clean).
    """

    path: str
    advisories: int
    updated: datetime | None
    stale: bool
    empty: bool
    sources: tuple[str, ...] = ()


@dataclass(frozen=True)
class FindingChanges:
    """What one match changed for one image: findings that appeared, and that went away
    (fixed upstream, the package upgraded, or the advisory withdrawn)."""

    new: tuple[Finding, ...]
    resolved: tuple[Finding, ...]
