"""SemVer (npm, crates.io), Go module versions and NuGet: the rules the fixtures leave out."""

from __future__ import annotations

import itertools

import pytest

from regsentry.versions import InvalidVersionError, compare

SEMVER_SPEC_ORDER = [  # semver.org, item 11
    "1.0.0-alpha",
    "1.0.0-alpha.1",
    "1.0.0-alpha.beta",
    "1.0.0-beta",
    "1.0.0-beta.2",
    "1.0.0-beta.11",
    "1.0.0-rc.1",
    "1.0.0",
    "2.0.0",
    "2.1.0",
    "2.1.1",
]


@pytest.mark.parametrize("ecosystem", ["npm", "crates.io", "Go", "NuGet"])
def test_semver_spec_precedence(ecosystem: str) -> None:
    for older, newer in itertools.pairwise(SEMVER_SPEC_ORDER):
        assert compare(ecosystem, older, newer) == -1, (older, newer)


@pytest.mark.parametrize("ecosystem", ["npm", "crates.io", "Go"])
def test_build_metadata_is_ignored(ecosystem: str) -> None:
    assert compare(ecosystem, "1.0.0+build.1", "1.0.0+build.2") == 0
    assert compare(ecosystem, "1.0.0-rc.1+x", "1.0.0-rc.1") == 0
    assert compare(ecosystem, "0", "0.0.0") == 0  # OSV's "introduced": "0"


def test_go_pseudo_versions_and_incompatible() -> None:
    ordered = [
        "v0.0.0-20190101000000-abcdefabcdef",
        "v0.0.0-20200101000000-abcdefabcdef",
        "v0.1.0",
        "v0.1.1-0.20210101000000-abcdefabcdef",  # after v0.1.0, before v0.1.1
        "v0.1.1",
        "v2.0.0+incompatible",
        "2.0.1",
    ]
    for older, newer in itertools.pairwise(ordered):
        assert compare("Go", older, newer) == -1, (older, newer)
    assert compare("Go", "v1", "1.0.0") == 0


@pytest.mark.parametrize(
    "version", ["", "1.2.3.4", "1.2.3-", "1.2.3-a..b", "1.2.3+", "1.2.3-ä", " 1.2.3", "x1.2.3"]
)
@pytest.mark.parametrize("ecosystem", ["npm", "crates.io", "Go"])
def test_invalid_semver(ecosystem: str, version: str) -> None:
    with pytest.raises(InvalidVersionError, match=ecosystem):
        compare(ecosystem, version, "1.0.0")


def test_nuget_four_parts_case_insensitive_labels_and_metadata() -> None:
    assert compare("NuGet", "1.0", "1.0.0.0") == 0
    assert compare("NuGet", "1.0.0", "1.0.0.1") == -1
    assert compare("NuGet", "1.0.0-BETA.X", "1.0.0-beta.x") == 0
    assert compare("NuGet", "1.0.0-beta+AA", "1.0.0-beta+bb") == 0
    assert compare("NuGet", "1.0.0-alpha.9", "1.0.0-alpha.10") == -1
    assert compare("NuGet", "1.0.0-alpha.9", "1.0.0-alpha.a") == -1


@pytest.mark.parametrize("version", ["", "1.2.3.4.5", "v1.0", "1.0-", "1.0.0-beta..1"])
def test_invalid_nuget(version: str) -> None:
    with pytest.raises(InvalidVersionError, match="NuGet"):
        compare("NuGet", version, "1.0")
