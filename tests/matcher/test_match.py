"""Matching inventories against advisories shaped exactly like osv.dev's records."""

from __future__ import annotations

import pytest

from regsentry.matcher.match import MatchResult, match_inventory
from regsentry.model.advisory import (
    Advisory,
    Affected,
    AffectedRange,
    CvssVector,
    KnownExploited,
    RangeEvent,
    Severity,
)
from regsentry.model.inventory import Inventory
from regsentry.model.package import Distro, Package, PackageType
from tests.matcher.lookup import MemoryLookup

BOOKWORM = Distro("debian", "12", "bookworm")
CRITICAL_VECTOR = CvssVector("CVSS_V3", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H")


def deb(name: str, version: str, source: str = "", source_version: str = "") -> Package:
    return Package(
        PackageType.DEB, name, version, "amd64", source or name, source_version or version
    )


def events(*pairs: tuple[str, str]) -> tuple[AffectedRange, ...]:
    return (AffectedRange("ECOSYSTEM", tuple(RangeEvent(k, v) for k, v in pairs)),)  # type: ignore[arg-type]


def advisory(
    id_: str,
    package: str,
    *ranges: tuple[str, str],
    ecosystem: str = "Debian",
    release: str = "12",
    aliases: tuple[str, ...] = (),
    severity: Severity | None = None,
    note: str = "",
    versions: tuple[str, ...] = (),
    cvss: tuple[CvssVector, ...] = (),
    withdrawn: bool = False,
) -> Advisory:
    return Advisory(
        id=id_,
        source="osv",
        aliases=aliases,
        summary=f"summary of {id_}",
        withdrawn=withdrawn,
        cvss=cvss,
        affected=(
            Affected(
                ecosystem, release, package, events(*ranges) if ranges else (), versions,
                severity, note,
            ),
        ),
    )  # fmt: skip


def match(
    packages: list[Package],
    *advisories: Advisory,
    distro: Distro = BOOKWORM,
    lookup: MemoryLookup | None = None,
) -> MatchResult:
    lookup = lookup or MemoryLookup(list(advisories))
    return match_inventory(Inventory(distro=distro, packages=tuple(packages)), lookup)


def test_binary_reported_through_its_source_package() -> None:
    result = match(
        [deb("libcurl4", "7.88.1-10+deb12u4", "curl"), deb("curl", "7.88.1-10+deb12u4")],
        advisory("DEBIAN-CVE-2024-2398", "curl", ("introduced", "0"),
                 ("fixed", "7.88.1-10+deb12u5"), aliases=("CVE-2024-2398",)),
    )  # fmt: skip
    assert result.ecosystem == "Debian:12"
    assert [(f.id, f.package, f.source_name, f.fixed_version) for f in result.findings] == [
        ("CVE-2024-2398", "curl", "curl", "7.88.1-10+deb12u5"),
        ("CVE-2024-2398", "libcurl4", "curl", "7.88.1-10+deb12u5"),
    ]
    libcurl = result.findings[1]
    assert libcurl.match.matched_by == "source-package"
    assert libcurl.match.constraint == "ecosystem range: introduced 0, fixed 7.88.1-10+deb12u5"
    assert libcurl.installed_version == "7.88.1-10+deb12u4"
    assert libcurl.aliases == ("DEBIAN-CVE-2024-2398",)


def test_fixed_versions_and_other_releases_do_not_match() -> None:
    fixed = advisory("CVE-1", "curl", ("introduced", "0"), ("fixed", "7.88.1-10+deb12u5"))
    other_release = advisory("CVE-2", "curl", ("introduced", "0"), release="11")
    result = match([deb("curl", "7.88.1-10+deb12u5")], fixed, other_release)
    assert result.findings == ()


def test_source_version_is_compared_not_the_binary_epoch() -> None:
    # bsdutils is 1:2.38.1-5 but its source util-linux is 2.38.1-5: the fix 2.38.1-6 applies.
    result = match(
        [deb("bsdutils", "1:2.38.1-5", "util-linux", "2.38.1-5")],
        advisory("CVE-2024-28085", "util-linux", ("introduced", "0"), ("fixed", "2.38.1-6")),
    )
    [finding] = result.findings
    assert finding.installed_version == "1:2.38.1-5"
    assert finding.fixed_version == "2.38.1-6"


def test_no_fix_yet_and_unimportant() -> None:
    result = match(
        [deb("bash", "5.2.15-2")],
        advisory("CVE-2022-3715", "bash", ("introduced", "0"), severity="negligible",
                 note="unimportant"),
    )  # fmt: skip
    [finding] = result.findings
    assert finding.fixed_version is None
    assert finding.severity == "negligible"
    assert finding.notes == ("CVE-2022-3715: unimportant",)


def test_one_vulnerability_from_several_sources_is_reported_once() -> None:
    dsa = advisory("DSA-5678-1", "glibc", ("introduced", "0"), ("fixed", "2.36-9+deb12u7"),
                   aliases=("CVE-2024-2961",))  # fmt: skip
    tracker = advisory(
        "DEBIAN-CVE-2024-2961", "glibc", ("introduced", "0"), ("fixed", "2.36-9+deb12u7"),
        aliases=("CVE-2024-2961",), severity="high", cvss=(CRITICAL_VECTOR,),
    )  # fmt: skip
    cve = "CVE-2024-2961"
    lookup = MemoryLookup([dsa, tracker], kev={cve: KnownExploited(cve)}, scores={cve: 0.93})
    result = match([deb("libc6", "2.36-9+deb12u4", "glibc")], lookup=lookup)
    [finding] = result.findings
    assert finding.id == "CVE-2024-2961"
    assert finding.aliases == ("DEBIAN-CVE-2024-2961", "DSA-5678-1")
    assert finding.severity == "high"  # the distro's rating wins over CVSS
    assert finding.cvss_score == 9.8
    assert finding.known_exploited
    assert finding.epss == 0.93
    assert finding.match.advisory_ids == ("DEBIAN-CVE-2024-2961", "DSA-5678-1")


def test_severity_from_cvss_when_the_distro_says_nothing() -> None:
    result = match(
        [deb("zlib1g", "1:1.2.13.dfsg-1", "zlib", "1.2.13.dfsg-1")],
        advisory("CVE-2023-45853", "zlib", ("introduced", "0"), cvss=(CRITICAL_VECTOR,)),
    )
    [finding] = result.findings
    assert (finding.severity, finding.cvss_score) == ("critical", 9.8)


def test_unknown_severity() -> None:
    result = match([deb("tar", "1.34+dfsg-1.2")], advisory("CVE-X", "tar", ("introduced", "0")))
    assert result.findings[0].severity == "unknown"


@pytest.mark.parametrize(
    ("version", "affected"),
    [("1.0-1", False), ("1.2-1", True), ("1.5-1", True), ("1.5-2", False), ("2.0-1", False)],
)
def test_last_affected(version: str, affected: bool) -> None:
    result = match(
        [deb("pkg", version)],
        advisory("CVE-L", "pkg", ("introduced", "1.2-1"), ("last_affected", "1.5-1")),
    )
    assert bool(result.findings) is affected
    if affected:
        assert result.findings[0].fixed_version is None


@pytest.mark.parametrize(
    ("version", "affected"), [("1.0", True), ("2.5", True), ("3.0", False), ("3.5", False)]
)
def test_limit_bounds_the_range(version: str, affected: bool) -> None:
    result = match(
        [deb("pkg", version)],
        advisory("CVE-M", "pkg", ("introduced", "0"), ("limit", "3.0")),
    )
    assert bool(result.findings) is affected


def test_union_of_ranges_and_versions_list() -> None:
    record = Advisory(
        id="CVE-U",
        source="osv",
        affected=(
            Affected("Debian", "12", "pkg", events(("introduced", "1.0"), ("fixed", "1.2"))),
            Affected("Debian", "12", "pkg", events(("introduced", "2.0"), ("fixed", "2.3"))),
            Affected("Debian", "12", "pkg", versions=("3.1",)),
        ),
    )
    hits = {v: bool(match([deb("pkg", v)], record).findings) for v in
            ("0.9", "1.1", "1.2", "2.2", "2.3", "3.1", "3.2")}  # fmt: skip
    assert hits == {"0.9": False, "1.1": True, "1.2": False, "2.2": True, "2.3": False,
                    "3.1": True, "3.2": False}  # fmt: skip
    assert match([deb("pkg", "2.2")], record).findings[0].fixed_version == "2.3"


def test_withdrawn_advisories_are_ignored() -> None:
    result = match(
        [deb("pkg", "1.0")], advisory("CVE-W", "pkg", ("introduced", "0"), withdrawn=True)
    )
    assert result.findings == ()


def test_alpine_origin_and_release() -> None:
    alpine = Distro("alpine", "3.18.4", "Alpine Linux")
    libcrypto = Package(PackageType.APK, "libcrypto3", "3.1.2-r0", "x86_64", "openssl", "3.1.2-r0")
    wanted = advisory("CVE-2023-5363", "openssl", ("introduced", "0"), ("fixed", "3.1.4-r0"),
                      ecosystem="Alpine", release="v3.18")  # fmt: skip
    other = advisory("CVE-2023-0001", "openssl", ("introduced", "0"), ecosystem="Alpine",
                     release="v3.17")  # fmt: skip
    result = match([libcrypto], wanted, other, distro=alpine)
    assert result.ecosystem == "Alpine:v3.18"
    assert [(f.id, f.package, f.fixed_version) for f in result.findings] == [
        ("CVE-2023-5363", "libcrypto3", "3.1.4-r0")
    ]


def test_an_unparsable_installed_version_is_noted_not_ignored() -> None:
    result = match([deb("weird", "not a version!")],
                   advisory("CVE-V", "weird", ("introduced", "0")))  # fmt: skip
    assert result.findings == ()
    assert "not valid in their ecosystem" in result.notes[0]
    assert "weird" in result.notes[0]


def test_an_os_without_advisories_says_so() -> None:
    result = match([Package(PackageType.RPM, "bash", "5.2-1.fc39", "x86_64")],
                   distro=Distro("fedora", "39", "Fedora Linux"))  # fmt: skip
    assert result.findings == ()
    assert result.notes == (
        "no advisory source covers fedora 39: its OS packages were not matched",
    )


@pytest.mark.parametrize(
    ("version", "affected"),
    [("3.1.0", True), ("3.1.1", True), ("3.1.2", True), ("3.1.3", False), ("3.2.1", True)],
)
def test_adjacent_intervals_in_one_range(version: str, affected: bool) -> None:
    # PYSEC-2022-236 (pyspark): fixed 3.1.1 and introduced 3.1.1 at the same version.
    record = advisory(
        "PYSEC-ADJ", "pkg", ("introduced", "0"), ("fixed", "3.1.1"), ("introduced", "3.2.0"),
        ("fixed", "3.2.2"), ("introduced", "3.1.1"), ("fixed", "3.1.3"),
    )  # fmt: skip
    assert bool(match([deb("pkg", version)], record).findings) is affected


def test_a_range_with_invalid_versions_is_skipped_not_fatal() -> None:
    record = Advisory(
        id="CVE-BAD",
        source="osv",
        affected=(
            Affected("Debian", "12", "pkg", events(("introduced", "0"), ("fixed", ":bad:"))),
            Affected("Debian", "12", "pkg", events(("introduced", "0"), ("fixed", "2.0"))),
        ),
    )
    [finding] = match([deb("pkg", "1.0")], record).findings
    assert finding.fixed_version == "2.0"
