"""Ratings, names and the stored form: the small pure functions everything relies on."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from regsentry.model.advisory import Advisory, Affected, AffectedRange, RangeEvent, Severity
from regsentry.vulndb import codec, severity
from regsentry.vulndb.errors import DatabaseError
from regsentry.vulndb.merge import merge_copies
from regsentry.vulndb.names import normalize_name, split_ecosystem
from regsentry.vulndb.osv import parse_osv
from regsentry.vulndb.textformats import load_yaml
from tests.vulndb.data import GOLANG, PYPA, UBUNTU_OSV, UBUNTU_SAMPLE


@pytest.mark.parametrize(
    ("urgency", "expected"),
    [
        ("unimportant", "negligible"),
        ("low", "low"),
        ("low**", "low"),
        ("medium", "medium"),
        ("high*", "high"),
        ("not yet assigned", None),
        ("end-of-life", None),
        ("bogus", None),
    ],
)
def test_debian_urgency(urgency: str, expected: Severity | None) -> None:
    assert severity.from_debian_urgency(urgency) == expected


@pytest.mark.parametrize(
    ("priority", "expected"),
    [
        ("negligible", "negligible"),
        ("low", "low"),
        ("medium", "medium"),
        ("high", "high"),
        ("critical", "critical"),
        ("untriaged", None),
    ],
)
def test_ubuntu_priority(priority: str, expected: Severity | None) -> None:
    assert severity.from_ubuntu(priority) == expected


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        ("CRITICAL", "critical"),
        ("HIGH", "high"),
        ("MODERATE", "medium"),
        ("LOW", "low"),
        ("Important", "high"),
        ("Moderate", "medium"),
        ("whatever", None),
    ],
)
def test_vendor_ratings(word: str, expected: Severity | None) -> None:
    assert severity.from_vendor(word) == expected


def test_worst() -> None:
    assert severity.worst(["low", None, "high", "medium"]) == "high"
    assert severity.worst(["negligible", "unknown"]) == "negligible"
    assert severity.worst([None]) is None


@pytest.mark.parametrize(
    ("ecosystem", "name", "key"),
    [
        ("PyPI", "Django", "django"),
        ("PyPI", "zope.interface", "zope-interface"),
        ("PyPI", "Foo__Bar-.baz", "foo-bar-baz"),
        ("NuGet", "Newtonsoft.Json", "newtonsoft.json"),
        ("Packagist", "Symfony/HTTP-Kernel", "symfony/http-kernel"),
        ("Go", "github.com/BurntSushi/toml", "github.com/BurntSushi/toml"),
        ("npm", "@Babel/core", "@Babel/core"),
        ("Debian", "libxml2", "libxml2"),
        ("Maven", "org.apache.logging.log4j:log4j-core", "org.apache.logging.log4j:log4j-core"),
    ],
)
def test_normalize_name(ecosystem: str, name: str, key: str) -> None:
    assert normalize_name(ecosystem, name) == key


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("Debian:12", ("Debian", "12")),
        ("Ubuntu:Pro:16.04:LTS", ("Ubuntu", "Pro:16.04:LTS")),
        ("Alpine:v3.20", ("Alpine", "v3.20")),
        ("PyPI", ("PyPI", "")),
        (" Go ", ("Go", "")),
    ],
)
def test_split_ecosystem(value: str, expected: tuple[str, str]) -> None:
    assert split_ecosystem(value) == expected


def test_codec_round_trips_real_records() -> None:
    records = [json.loads(p.read_text()) for p in sorted((GOLANG / "osv").glob("GO-2023-*.json"))]
    records += [json.loads(p.read_text()) for p in UBUNTU_SAMPLE.glob("*.json")]
    records += [json.loads(p.read_text()) for p in UBUNTU_OSV.rglob("osv*/**/*.json")]
    records += [
        load_yaml(p.read_text(), origin=str(p)) for p in sorted(PYPA.rglob("PYSEC-2021-*.yaml"))
    ]
    assert len(records) > 500
    for record in records:
        advisory = parse_osv(record, source="s")
        assert codec.decode(codec.encode(advisory)) == advisory


def test_codec_refuses_garbage() -> None:
    with pytest.raises(DatabaseError):
        codec.decode(b"not zlib")


def _advisory(modified: int, *entries: Affected, **fields: object) -> Advisory:
    return Advisory(
        id="ALPINE-CVE-1",
        source="s",
        modified=datetime(2024, 1, modified, tzinfo=UTC) if modified else None,
        affected=entries,
        **fields,  # type: ignore[arg-type]
    )


def _entry(release: str, package: str, fixed: str) -> Affected:
    events = (RangeEvent("introduced", "0"), RangeEvent("fixed", fixed))
    return Affected("Alpine", release, package, (AffectedRange("ECOSYSTEM", events),))


def test_merge_unites_releases_and_lets_the_newest_copy_win_per_package() -> None:
    newer = _advisory(2, _entry("v3.20", "zlib", "1.3-r1"), aliases=("CVE-1",))
    older = _advisory(
        1,
        _entry("v3.20", "zlib", "1.2-r0"),
        _entry("v3.19", "zlib", "1.2-r9"),
        aliases=("XSA-1",),
        severity="high",
        summary="old",
    )
    merged = merge_copies([newer, older])
    assert merged.affected == (_entry("v3.20", "zlib", "1.3-r1"), _entry("v3.19", "zlib", "1.2-r9"))
    assert merged.aliases == ("CVE-1", "XSA-1")
    assert merged.severity == "high"
    assert merged.summary == "old"
    assert merged.modified == newer.modified


def test_merge_keeps_several_entries_of_one_package_together() -> None:
    best = _advisory(2, _entry("", "a", "1"), _entry("", "a", "2"))
    other = _advisory(1, _entry("", "a", "3"))
    assert merge_copies([best, other]).affected == best.affected
