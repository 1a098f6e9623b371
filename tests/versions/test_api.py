"""The public API: ecosystem names, errors, caching, keys, speed, and order properties."""

from __future__ import annotations

import itertools
import random
import time
from collections import defaultdict

import pytest

from regsentry.errors import RegsentryError
from regsentry.versions import (
    InvalidVersionError,
    UnsupportedEcosystemError,
    VersionError,
    compare,
    scheme_of,
    supported_ecosystems,
    version_key,
)
from tests.versions import read_osv_fixture, sign
from tests.versions.test_osv_fixtures import FIXTURES, INVALID

SCHEMES = {
    "Debian": "dpkg",
    "Ubuntu": "dpkg",
    "Alpine": "apk",
    "Wolfi": "apk",
    "Chainguard": "apk",
    "Red Hat": "rpm",
    "Rocky Linux": "rpm",
    "AlmaLinux": "rpm",
    "SUSE": "rpm",
    "openSUSE": "rpm",
    "Photon OS": "rpm",
    "Azure Linux": "rpm",
    "Mariner": "rpm",
    "openEuler": "rpm",
    "Oracle": "rpm",
    "PyPI": "pep440",
    "npm": "semver",
    "crates.io": "semver",
    "Go": "go",
    "Maven": "maven",
    "RubyGems": "rubygems",
    "NuGet": "nuget",
    "Packagist": "packagist",
}


def test_supported_ecosystems() -> None:
    assert supported_ecosystems() == frozenset(SCHEMES)
    for ecosystem, scheme in SCHEMES.items():
        assert scheme_of(ecosystem) == scheme


@pytest.mark.parametrize(
    ("ecosystem", "scheme"),
    [
        ("Debian:12", "dpkg"),
        ("Alpine:v3.20", "apk"),
        ("Ubuntu:22.04:LTS", "dpkg"),
        ("Ubuntu:Pro:18.04:LTS", "dpkg"),
        ("Red Hat:enterprise_linux:9::appstream", "rpm"),
        ("SUSE:Linux Enterprise Server 15 SP5", "rpm"),
        ("debian", "dpkg"),
        ("pypi", "pep440"),
    ],
)
def test_release_suffix_and_case_are_ignored(ecosystem: str, scheme: str) -> None:
    assert scheme_of(ecosystem) == scheme


@pytest.mark.parametrize("ecosystem", ["", "Hackage", "CRAN", "Pub", "Debian12", ":Debian"])
def test_unknown_ecosystems_raise(ecosystem: str) -> None:
    with pytest.raises(UnsupportedEcosystemError) as raised:
        compare(ecosystem, "1", "2")
    assert isinstance(raised.value, VersionError)
    assert isinstance(raised.value, RegsentryError)
    assert repr(ecosystem) in str(raised.value)
    with pytest.raises(UnsupportedEcosystemError):
        version_key(ecosystem, "1")


@pytest.mark.parametrize(("ecosystem", "version"), [("Debian:12", "1.0 2"), ("PyPI", "trunk")])
def test_invalid_version_names_ecosystem_and_version(ecosystem: str, version: str) -> None:
    with pytest.raises(InvalidVersionError) as raised:
        compare(ecosystem, "1.0", version)
    error = raised.value
    assert isinstance(error, VersionError)
    assert (error.ecosystem, error.version) == (ecosystem, version)
    assert ecosystem in str(error)
    assert repr(version) in str(error)


@pytest.mark.parametrize("ecosystem", sorted(SCHEMES))
def test_the_empty_string_is_never_a_version(ecosystem: str) -> None:
    with pytest.raises(InvalidVersionError):
        version_key(ecosystem, "")


def test_keys_are_hashable_and_equal_keys_mean_equal_versions() -> None:
    assert version_key("Debian", "1.0") == version_key("Debian:12", "1.0-0")
    assert hash(version_key("PyPI", "1.0")) == hash(version_key("PyPI", "1.0.0"))
    assert len({version_key("Maven", v) for v in ["1", "1.0", "1-ga", "1.final"]}) == 1
    assert version_key("npm", "1.2.3") is version_key("npm", "1.2.3")  # cached


# --- properties on the real version lists ----------------------------------------------------


def _versions_by_ecosystem() -> dict[str, list[str]]:
    versions: dict[str, set[str]] = defaultdict(set)
    for ecosystem, name, _ in FIXTURES:
        for relation in read_osv_fixture(name):
            for version in (relation.a, relation.b):
                if (ecosystem, version) not in INVALID:
                    versions[ecosystem].add(version)
    return {ecosystem: sorted(found) for ecosystem, found in versions.items()}


VERSIONS = _versions_by_ecosystem()


@pytest.mark.parametrize("ecosystem", sorted(VERSIONS))
def test_sorting_by_key_agrees_with_pairwise_compare(ecosystem: str) -> None:
    versions = VERSIONS[ecosystem]
    ordered = sorted(versions, key=lambda v: version_key(ecosystem, v))  # type: ignore[arg-type, return-value]
    for older, newer in itertools.pairwise(ordered):
        assert compare(ecosystem, older, newer) <= 0, (older, newer)
    rng = random.Random(len(versions))
    for _ in range(3000):
        i, j = sorted(rng.sample(range(len(ordered)), 2))
        assert compare(ecosystem, ordered[i], ordered[j]) <= 0


@pytest.mark.parametrize("ecosystem", sorted(VERSIONS))
def test_antisymmetry_reflexivity_and_transitivity(ecosystem: str) -> None:
    versions = VERSIONS[ecosystem]
    rng = random.Random(7)
    for _ in range(2000):
        a, b, c = (rng.choice(versions) for _ in range(3))
        ab, bc, ac = compare(ecosystem, a, b), compare(ecosystem, b, c), compare(ecosystem, a, c)
        assert compare(ecosystem, a, a) == 0
        assert compare(ecosystem, b, a) == -ab
        assert (version_key(ecosystem, a) == version_key(ecosystem, b)) is (ab == 0)
        if ab <= 0 and bc <= 0:
            assert ac <= 0, (a, b, c)
        if ab == 0:
            assert ac == bc, (a, b, c)
        assert ab in (-1, 0, 1)
        assert sign(ab) == ab


def test_comparing_every_fixture_line_takes_seconds_at_most() -> None:
    lines = [(e, r.a, r.b) for e, name, _ in FIXTURES for r in read_osv_fixture(name)]
    lines = [(e, a, b) for e, a, b in lines if (e, a) not in INVALID and (e, b) not in INVALID]
    assert len(lines) > 70_000
    start = time.perf_counter()
    for ecosystem, a, b in lines:
        compare(ecosystem, a, b)
    assert time.perf_counter() - start < 5.0
