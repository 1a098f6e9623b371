"""Fixed, realistic report inputs shared by the golden-file and per-format tests.

Three scenarios, each a complete report input (results, generated_at, database):

* ``registry_scan``: a scanned Debian 12 image (packages over two layers; a critical
  finding with a fix on two binaries of one source package, a known-exploited one, a
  medium one rated without CVSS, a negligible one and one of unknown severity with no
  fix), a failed image (blob digest mismatch) and an image skipped for its OS; a fresh
  advisory database.
* ``single_unmatched``: one Alpine image analysed while no advisory database existed.
* ``dry_run``: images listed by ``scan --dry-run``, not analysed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from regsentry.model.advisory import DatabaseSummary, Finding, MatchDetail
from regsentry.model.digest import Digest
from regsentry.model.image import ImageResult, ImageStatus, ImageTarget
from regsentry.model.inventory import AnalysedFile, Inventory
from regsentry.model.package import Distro, Package, PackageType
from regsentry.model.platform import Platform

GENERATED_AT = datetime(2024, 5, 2, 8, 30, 15, tzinfo=UTC)
AMD64 = Platform.of("linux", "amd64")


def digest(fill: str) -> Digest:
    """A syntactically valid sha256 digest made of one repeated hex digit."""
    return Digest("sha256", fill * 64)


BASE_LAYER = digest("1")
APP_LAYER = digest("2")
DPKG_STATUS = "var/lib/dpkg/status"
DATABASE = DatabaseSummary(
    path="/var/lib/regsentry/advisories.db",
    advisories=48213,
    updated=datetime(2024, 5, 2, 3, 0, tzinfo=UTC),
    stale=False,
    empty=False,
    sources=("osv:Debian", "kev", "epss"),
)


@dataclass(frozen=True)
class Scenario:
    """One report input."""

    results: tuple[ImageResult, ...]
    generated_at: datetime
    database: DatabaseSummary | None


def _deb(name: str, version: str, source: str, layer: Digest, source_version: str = "") -> Package:
    return Package(
        type=PackageType.DEB,
        name=name,
        version=version,
        arch="amd64",
        source_name=source,
        source_version=source_version,
        path=DPKG_STATUS,
        layer=layer,
    )


DEBIAN_PACKAGES = (
    _deb("bash", "5.2.15-2+b2", "bash", BASE_LAYER, source_version="5.2.15-2"),
    _deb("libc6", "2.36-9+deb12u1", "glibc", BASE_LAYER),
    _deb("zlib1g", "1:1.2.13.dfsg-1", "zlib", BASE_LAYER),
    _deb("curl", "7.88.1-10+deb12u3", "curl", APP_LAYER),
    _deb("libcurl4", "7.88.1-10+deb12u3", "curl", APP_LAYER),
)


def _debian_match(source: str, constraint: str, advisory: str) -> MatchDetail:
    return MatchDetail(
        advisory_ids=(advisory,),
        ecosystem="Debian:12",
        matched_by="source-package",
        matched_name=source,
        constraint=constraint,
        sources=("osv:Debian",),
    )


def _curl_finding(package: str) -> Finding:
    return Finding(
        id="CVE-2023-38545",
        aliases=("DEBIAN-CVE-2023-38545",),
        package=package,
        package_version="7.88.1-10+deb12u3",
        package_type="deb",
        source_name="curl",
        installed_version="7.88.1-10+deb12u3",
        fixed_version="7.88.1-10+deb12u4",
        severity="critical",
        cvss_score=9.8,
        known_exploited=False,
        summary="SOCKS5 heap buffer overflow",
        match=_debian_match(
            "curl", "introduced 0, fixed 7.88.1-10+deb12u4", "DEBIAN-CVE-2023-38545"
        ),
        epss=0.2512,
    )


DEBIAN_FINDINGS = (
    _curl_finding("curl"),
    _curl_finding("libcurl4"),
    Finding(
        id="CVE-2023-4911",
        aliases=("DEBIAN-CVE-2023-4911",),
        package="libc6",
        package_version="2.36-9+deb12u1",
        package_type="deb",
        source_name="glibc",
        installed_version="2.36-9+deb12u1",
        fixed_version="2.36-9+deb12u3",
        severity="high",
        cvss_score=7.8,
        known_exploited=True,
        summary="Buffer overflow in the dynamic loader's GLIBC_TUNABLES processing",
        match=_debian_match("glibc", "introduced 0, fixed 2.36-9+deb12u3", "DEBIAN-CVE-2023-4911"),
        epss=0.8421,
    ),
    Finding(
        id="CVE-2022-3715",
        aliases=("DEBIAN-CVE-2022-3715",),
        package="bash",
        package_version="5.2.15-2+b2",
        package_type="deb",
        source_name="bash",
        installed_version="5.2.15-2+b2",
        fixed_version="5.2.15-2+b3",
        severity="medium",
        cvss_score=None,
        known_exploited=False,
        summary="Heap buffer overflow in valid_parameter_transform",
        match=_debian_match("bash", "introduced 0, fixed 5.2.15-2+b3", "DEBIAN-CVE-2022-3715"),
    ),
    Finding(
        id="CVE-2010-4756",
        aliases=("DEBIAN-CVE-2010-4756",),
        package="libc6",
        package_version="2.36-9+deb12u1",
        package_type="deb",
        source_name="glibc",
        installed_version="2.36-9+deb12u1",
        fixed_version=None,
        severity="negligible",
        cvss_score=4.0,
        known_exploited=False,
        summary="glob implementation allows denial of service via crafted glob expressions",
        match=_debian_match("glibc", "introduced 0", "DEBIAN-CVE-2010-4756"),
        notes=("DEBIAN-CVE-2010-4756: unimportant",),
    ),
    Finding(
        id="CVE-2023-45853",
        aliases=("DEBIAN-CVE-2023-45853",),
        package="zlib1g",
        package_version="1:1.2.13.dfsg-1",
        package_type="deb",
        source_name="zlib",
        installed_version="1:1.2.13.dfsg-1",
        fixed_version=None,
        severity="unknown",
        cvss_score=None,
        known_exploited=False,
        summary="MiniZip integer overflow in zipOpenNewFileInZip4_64",
        match=_debian_match("zlib", "introduced 0", "DEBIAN-CVE-2023-45853"),
    ),
)

DEBIAN_IMAGE = ImageResult(
    target=ImageTarget(
        registry="registry.example.com",
        repository="team/app",
        tags=("1.4.2", "latest"),
        digest=digest("a"),
        index_digest=digest("d"),
        platform=AMD64,
        created=datetime(2024, 4, 30, 17, 5, 0, tzinfo=UTC),
    ),
    status=ImageStatus.SCANNED,
    inventory=Inventory(
        distro=Distro("debian", "12", "bookworm"),
        packages=DEBIAN_PACKAGES,
        files=(
            AnalysedFile("etc/os-release", "os-release", BASE_LAYER),
            AnalysedFile(DPKG_STATUS, "dpkg", APP_LAYER),
        ),
        analyzers=(("dpkg", 1), ("os-release", 1)),
    ),
    vulnerabilities=DEBIAN_FINDINGS,
)

FAILED_IMAGE = ImageResult(
    target=ImageTarget(
        registry="registry.example.com",
        repository="team/worker",
        tags=("2.0",),
        digest=digest("b"),
        platform=AMD64,
        created=datetime(2024, 4, 28, 9, 0, 0, tzinfo=UTC),
    ),
    status=ImageStatus.FAILED,
    error=f"layer {digest('3')} does not match its digest (got {digest('4')})",
)

SKIPPED_IMAGE = ImageResult(
    target=ImageTarget(
        registry="registry.example.com",
        repository="team/win-agent",
        tags=("ltsc2022",),
        digest=digest("c"),
        platform=Platform.of("windows", "amd64"),
    ),
    status=ImageStatus.SKIPPED,
    error="the image's OS is windows; this rule scans linux images",
)

ALPINE_IMAGE = ImageResult(
    target=ImageTarget(
        registry="localhost:5000",
        repository="library/alpine",
        tags=("3.19",),
        digest=digest("e"),
        platform=AMD64,
        created=datetime(2024, 1, 27, 0, 0, 0, tzinfo=UTC),
    ),
    status=ImageStatus.SCANNED,
    inventory=Inventory(
        distro=Distro("alpine", "3.19.1", "Alpine Linux v3.19"),
        packages=tuple(
            Package(
                type=PackageType.APK,
                name=name,
                version=version,
                arch="x86_64",
                source_name=source,
                path="lib/apk/db/installed",
                layer=digest("5"),
            )
            for name, version, source in (
                ("busybox", "1.36.1-r15", "busybox"),
                ("musl", "1.2.4_git20230717-r4", "musl"),
                ("ssl_client", "1.36.1-r15", "busybox"),
            )
        ),
        files=(AnalysedFile("lib/apk/db/installed", "apk", digest("5")),),
        analyzers=(("apk", 1), ("os-release", 1)),
    ),
)


def registry_scan() -> Scenario:
    """A scan of three images: scanned with findings, failed, skipped."""
    return Scenario((DEBIAN_IMAGE, FAILED_IMAGE, SKIPPED_IMAGE), GENERATED_AT, DATABASE)


def single_unmatched() -> Scenario:
    """One analysed image, no advisory database at all."""
    return Scenario((ALPINE_IMAGE,), GENERATED_AT, None)


def dry_run() -> Scenario:
    """``scan --dry-run``: planned images only."""
    planned = tuple(
        ImageResult(
            target=ImageTarget(
                registry="registry.example.com",
                repository="team/app",
                tags=tags,
                digest=digest(fill),
                platform=AMD64,
                created=created,
            ),
            status=ImageStatus.PLANNED,
        )
        for tags, fill, created in (
            (("1.4.2", "latest"), "a", datetime(2024, 4, 30, 17, 5, 0, tzinfo=UTC)),
            (("1.4.1",), "f", datetime(2024, 4, 2, 11, 45, 0, tzinfo=UTC)),
        )
    )
    return Scenario(planned, GENERATED_AT, None)


SCENARIOS: dict[str, Callable[[], Scenario]] = {
    "registry-scan": registry_scan,
    "single-unmatched": single_unmatched,
    "dry-run": dry_run,
}
