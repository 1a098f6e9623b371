"""The advisory sources ``db update`` downloads, and their default configuration.

Defaults: osv.dev's per-ecosystem zips for the language ecosystems, Ubuntu and the Red
Hat / SUSE families; Debian from its security tracker and Alpine from its secdb (native
feeds that say more than their OSV conversions: ``unimportant``, ``no-dsa``,
``end-of-life``); CISA KEV and FIRST EPSS for enrichment. Every base URL is a keyword
argument of :func:`default_sources`, so mirrors (and tests) can point elsewhere; the
service builds the list from Settings and passes it down.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal
from urllib.parse import quote

from regsentry.vulndb.limits import GiB, MiB

SourceKind = Literal["osv", "debian-tracker", "alpine-secdb", "kev", "epss"]

OSV_BASE_URL = "https://osv-vulnerabilities.storage.googleapis.com"
DEBIAN_TRACKER_URL = "https://security-tracker.debian.org/tracker/data/json"
ALPINE_SECDB_BASE_URL = "https://secdb.alpinelinux.org"
KEV_URL = "https://www.cisa.gov/sites/default/files/feeds/known_exploited_vulnerabilities.json"
EPSS_URL = "https://epss.empiricalsecurity.com/epss_scores-current.csv.gz"

#: osv.dev ecosystems fetched by default (Debian and Alpine come from their native feeds).
DEFAULT_OSV_ECOSYSTEMS: tuple[str, ...] = (
    "PyPI",
    "npm",
    "Go",
    "Maven",
    "crates.io",
    "RubyGems",
    "NuGet",
    "Packagist",
    "Ubuntu",
    "Red Hat",
    "Rocky Linux",
    "AlmaLinux",
    "SUSE",
    "openSUSE",
)
#: Alpine branches whose secdb is fetched (older images are common in registries).
DEFAULT_ALPINE_RELEASES: tuple[str, ...] = (*(f"v3.{minor}" for minor in range(12, 24)), "edge")
DEFAULT_ALPINE_REPOSITORIES: tuple[str, ...] = ("main", "community")

#: Download caps per kind: generous multiples of today's sizes.
MAX_BYTES: dict[SourceKind, int] = {
    "osv": 4 * GiB,
    "debian-tracker": 512 * MiB,
    "alpine-secdb": 64 * MiB,
    "kev": 64 * MiB,
    "epss": 256 * MiB,
}


@dataclass(frozen=True)
class Source:
    """One feed ``db update`` fetches; ``name`` is its key in the database."""

    name: str
    kind: SourceKind
    url: str
    max_bytes: int = 0

    @property
    def byte_cap(self) -> int:
        """The download cap: ``max_bytes`` or the kind's default."""
        return self.max_bytes or MAX_BYTES[self.kind]


def osv_source(ecosystem: str, *, base_url: str = OSV_BASE_URL) -> Source:
    """osv.dev's zip of every record of one ecosystem (``<base>/<ecosystem>/all.zip``)."""
    return Source(
        name=f"osv:{ecosystem}",
        kind="osv",
        url=f"{base_url.rstrip('/')}/{quote(ecosystem, safe='')}/all.zip",
    )


def alpine_source(
    release: str, repository: str, *, base_url: str = ALPINE_SECDB_BASE_URL
) -> Source:
    """One Alpine secdb file (``<base>/v3.20/main.json``)."""
    return Source(
        name=f"alpine-secdb:{release}/{repository}",
        kind="alpine-secdb",
        url=f"{base_url.rstrip('/')}/{release}/{repository}.json",
    )


def default_sources(
    *,
    osv_base_url: str = OSV_BASE_URL,
    osv_ecosystems: Sequence[str] = DEFAULT_OSV_ECOSYSTEMS,
    debian_tracker_url: str | None = DEBIAN_TRACKER_URL,
    alpine_base_url: str = ALPINE_SECDB_BASE_URL,
    alpine_releases: Sequence[str] = DEFAULT_ALPINE_RELEASES,
    alpine_repositories: Sequence[str] = DEFAULT_ALPINE_REPOSITORIES,
    kev_url: str | None = KEV_URL,
    epss_url: str | None = EPSS_URL,
) -> list[Source]:
    """The configured sources; pass ``None`` (or an empty list) to leave a feed out."""
    sources = [osv_source(ecosystem, base_url=osv_base_url) for ecosystem in osv_ecosystems]
    if debian_tracker_url:
        sources.append(Source("debian-tracker", "debian-tracker", debian_tracker_url))
    sources += [
        alpine_source(release, repository, base_url=alpine_base_url)
        for release in alpine_releases
        for repository in alpine_repositories
    ]
    if kev_url:
        sources.append(Source("kev", "kev", kev_url))
    if epss_url:
        sources.append(Source("epss", "epss", epss_url))
    return sources
