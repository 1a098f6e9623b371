"""OSV's version-comparison fixtures (osv-scalibr ``semantic/testdata``), every line.

Each ``*-versions-generated.txt`` holds adjacent pairs of real advisory versions ordered
by the ecosystem's native tool (apk, dpkg, packaging, Maven, Gem::Version, PHP); the
hand-written files hold edge cases. Every line must agree, in both directions, except the
lines documented below, each with the reason. The exceptions are data, and a test checks
that each one is still needed (a stale entry fails), so the lists stay exact.
"""

from __future__ import annotations

import pytest

from regsentry.versions import InvalidVersionError, compare
from tests.versions import Relation, read_osv_fixture

# (ecosystem, fixture file, number of comparison lines in it)
FIXTURES = [
    ("Alpine", "alpine-versions.txt", 778),
    ("Alpine", "alpine-versions-generated.txt", 13979),
    ("Debian", "debian-versions.txt", 30),
    ("Debian", "debian-versions-generated.txt", 14442),
    ("Ubuntu", "debian-versions.txt", 30),
    ("Red Hat", "redhat-versions.txt", 165),
    ("Rocky Linux", "redhat-versions.txt", 165),
    ("PyPI", "pypi-versions.txt", 37),
    ("PyPI", "pypi-versions-generated.txt", 12375),
    ("Maven", "maven-versions.txt", 102),
    ("Maven", "maven-versions-generated.txt", 14752),
    ("NuGet", "nuget-versions.txt", 35),
    ("Packagist", "packagist-versions.txt", 95),
    ("Packagist", "packagist-versions-generated.txt", 10630),
    ("RubyGems", "rubygems-versions.txt", 25),
    ("RubyGems", "rubygems-versions-generated.txt", 4098),
    ("npm", "semver-versions.txt", 86),
    ("crates.io", "semver-versions.txt", 86),
    ("Go", "semver-versions.txt", 86),
]

# Lines where regsentry gives another answer than the fixture: line -> (our answer, why).
_APK2 = (
    "apk-tools 2 behaviour on a version apk-tools 3 rejects as invalid "
    "(apk.is_valid is False); regsentry follows apk-tools 3's comparison"
)
_MAVEN39 = (
    "the fixture follows Maven 3.9's ComparableVersion; regsentry follows Maven 3.8.7 "
    "(Debian 12's maven-artifact), which test_maven runs and agrees with"
)
DISAGREEMENTS: dict[str, dict[str, tuple[int, str]]] = {
    "alpine-versions.txt": {
        "1-r = 1-r0": (-1, _APK2),
        "0..1..0 < 0..1..1": (0, _APK2),
        "0...1...0 < 0...1...1": (0, _APK2),
        "0...1...0.r1 < 0...1...0.r2": (0, _APK2),
        "0...1...0r1 < 0...1...0r2": (0, _APK2),
        "0..8 > 0...8": (0, _APK2),
        "0.8.21.r2 > 0.8.21.r1": (0, _APK2),
        "1-r0-1 = 1-r-2": (1, _APK2),
        ".2 > .1": (0, _APK2),
        "a < b": (0, _APK2),
        "c > b": (0, _APK2),
    },
    "maven-versions.txt": {
        "1-1 = 1-ga-1": (1, _MAVEN39),
    },
    "maven-versions-generated.txt": {
        "1.0.0-RC16 < 1.0.0.RC8-beta": (1, _MAVEN39),
        "1.0.0-gradle-rework-beta3 < 1.0.0.RC7-3": (1, _MAVEN39),
        "2.9.0-1 < 2.9.0.RC1": (1, _MAVEN39),
        "6.1.12.rc5 < 6.1.12rc1": (1, _MAVEN39),
        "1.1.31.sec10 < 1.1.31_noneautotype": (1, _MAVEN39),
        "1.1.34.sec10 < 1.1.34_noneautotype": (1, _MAVEN39),
        "1.1.46.sec10 < 1.1.46_noneautotype": (1, _MAVEN39),
        "1.2.8.sec10_noneautotype < 1.2.8_noneautotype": (1, _MAVEN39),
        "1.2.31.sec10 < 1.2.31_noneautotype": (1, _MAVEN39),
        "1.2.48.sec10 < 1.2.48_noneautotype": (1, _MAVEN39),
        "1.2.50.sec10 < 1.2.50_noneautotype": (1, _MAVEN39),
        "1.2.54.sec10 < 1.2.54_noneautotype": (1, _MAVEN39),
        "1.2.57.sec10 < 1.2.57_noneautotype": (1, _MAVEN39),
        "1.2.60.sec10 < 1.2.60_noneautotype": (1, _MAVEN39),
        "1.2.67.sec10 < 1.2.67_noneautotype": (1, _MAVEN39),
        "1.0.0rc0 < 1.0.beta8": (1, _MAVEN39),
        "1.5.9.RC1 < 1.5.9-RC0": (1, _MAVEN39),
        "1.1.0-01-glassfish < 1.1.0.Beta1": (1, _MAVEN39),
    },
}

# Versions regsentry refuses (InvalidVersionError): (ecosystem, version) -> why. A fixture
# line holding one of them must raise instead of comparing.
_LEGACY_PYPI = (
    "legacy (pre-PEP 440) version: packaging >= 22 rejects it and pip >= 24.1 will not install it"
)
_LEGACY_PYPI_VERSIONS = [
    "-class.-jw.util.version.Version-",
    "-class.-jw.util.version.version-dev",
    "-class.-jw.util.version.version-pre",
    "-class.-jw.util.version.version-preview",
    "0.0.1-test1",
    "0.1-bulbasaur",
    "0.1-charmander",
    "0.3.1-p1",
    "0.3m1",
    "0.3m2",
    "0.3m3",
    "0.3m4",
    "0.3m5",
    "0.4.0-p1",
    "0.4m1",
    "0.4m2",
    "0.4m3",
    "0.4m4",
    "0.4m5",
    "0.5m1",
    "0.5m2",
    "0.5m3",
    "0.5m4",
    "0.5m5",
    "0.6m1",
    "0.6m2",
    "0.6m3",
    "0.6m4",
    "0.6m5",
    "0.6m6",
    "0.7.1.fix1",
    "0.7.10p1",
    "0.7.11p1",
    "0.7.11p2",
    "0.7.11p3",
    "0.7.4.svn.r2010",
    "0.8.1p1",
    "0.8.3p1",
    "0.8.4p1",
    "0.8.4p2",
    "0.8.6p1",
    "0.8.7p1",
    "0.9-doduo",
    "0.9-eevee",
    "0.9-fearow",
    "0.9-gyarados",
    "0.9-horsea",
    "0.9-ivysaur",
    "1.0beta6.1",
    "1.3.1-STAGING",
    "2.0.0-final",
    "2.0.1rc2-git",
    "2013-01-21T20:33:09+0100",
    "2013-01-23T17:11:52+0100",
    "2013-02-01T20:50:46+0100",
    "2013-02-02T19:59:03+0100",
    "2013-02-02T20:23:17+0100",
    "2013-02-08T17:40:57+0000",
    "2013-03-27T16:32:26+0100",
    "2013-05-09T12:47:53+0200",
    "2013-05-10T17:55:56+0200",
    "2013-05-14T20:16:05+0200",
    "2013-06-01T10:32:51+0200",
    "2013-07-19T09:11:08+0000",
    "2013-08-12T21:48:56+0200",
    "2013-09-11T19-27-10",
    "2013-12-23T17-51-15",
    "2014-01-12T15-52-10",
    "4.11-final",
    "5.0-final",
    "a3",
    "trunk",
]
_NOT_SEMVER = (
    "five numbers are not a semantic version (osv-scalibr folds the extra numbers into "
    "build metadata; npm, cargo and Go reject the string)"
)
_PHP_HASH = (
    "'#' is not a Composer version character, and PHP 8.2 itself answers differently "
    "from the fixture (version_compare('1.2.3.#', '1.2.3') is -1)"
)
_NOT_GEM = "Gem::Version.correct? is false: Ruby raises 'Malformed version number string'"
INVALID: dict[tuple[str, str], str] = {
    **{("PyPI", version): _LEGACY_PYPI for version in _LEGACY_PYPI_VERSIONS},
    ("npm", "1.1.3.4.5"): _NOT_SEMVER,
    ("crates.io", "1.1.3.4.5"): _NOT_SEMVER,
    ("Go", "1.1.3.4.5"): _NOT_SEMVER,
    ("Packagist", "1.2.3.#"): _PHP_HASH,
    ("Packagist", "1.2.3.#.1"): _PHP_HASH,
    ("Packagist", "1.2.3.#.p3"): _PHP_HASH,
    ("Packagist", "1.2.3.#.beta"): _PHP_HASH,
    ("RubyGems", "1beta"): _NOT_GEM,
    ("RubyGems", "1gamma"): _NOT_GEM,
}


def _check(ecosystem: str, relation: Relation) -> str | None:
    """None when the line is honoured (or is a documented exception honoured as such)."""
    invalid = [v for v in (relation.a, relation.b) if (ecosystem, v) in INVALID]
    if invalid:
        with pytest.raises(InvalidVersionError) as raised:
            compare(ecosystem, relation.a, relation.b)
        assert raised.value.version in invalid
        return None
    forward = compare(ecosystem, relation.a, relation.b)
    backward = compare(ecosystem, relation.b, relation.a)
    expected = relation.expected
    documented = DISAGREEMENTS.get(relation.source, {}).get(relation.line)
    if documented is not None:
        expected = documented[0]
    if forward == expected and backward == -expected:
        return None
    return f"{relation}: compare gave {forward} (reversed {backward}), want {expected}"


@pytest.mark.parametrize(("ecosystem", "name", "count"), FIXTURES)
def test_fixture_agrees_with_every_line(ecosystem: str, name: str, count: int) -> None:
    relations = read_osv_fixture(name)
    assert len(relations) == count
    failures = [failure for r in relations if (failure := _check(ecosystem, r)) is not None]
    assert not failures, f"{len(failures)} of {count} lines disagree:\n" + "\n".join(failures[:30])


def test_every_documented_disagreement_is_still_needed() -> None:
    lines = {(r.source, r.line): r for name in DISAGREEMENTS for r in read_osv_fixture(name)}
    ecosystem_of = {"alpine-versions.txt": "Alpine"}
    for source, entries in DISAGREEMENTS.items():
        for line, (ours, reason) in entries.items():
            relation = lines[(source, line)]
            ecosystem = ecosystem_of.get(source, "Maven")
            assert ours != relation.expected, f"{relation} now agrees: drop it ({reason})"
            assert compare(ecosystem, relation.a, relation.b) == ours


@pytest.mark.parametrize(("ecosystem", "version"), sorted(INVALID))
def test_every_documented_invalid_version_is_refused(ecosystem: str, version: str) -> None:
    with pytest.raises(InvalidVersionError, match=ecosystem):
        compare(ecosystem, version, version)


def test_the_apk_disagreements_all_hold_a_version_apk3_rejects() -> None:
    from regsentry.versions import apk

    for line in DISAGREEMENTS["alpine-versions.txt"]:
        a, _, b = line.split(" ")
        assert not (apk.is_valid(a) and apk.is_valid(b)), line


def test_every_documented_invalid_version_occurs_in_a_fixture() -> None:
    seen = {
        (ecosystem, version)
        for ecosystem, name, _ in FIXTURES
        for r in read_osv_fixture(name)
        for version in (r.a, r.b)
    }
    assert set(INVALID) <= seen
