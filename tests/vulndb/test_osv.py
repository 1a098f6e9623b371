"""OSV records → Advisory, on real GHSA, Ubuntu, PYSEC and Go records, and broken ones."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from regsentry.model.advisory import AffectedRange, CvssVector, RangeEvent
from regsentry.vulndb.errors import InvalidFeedError, InvalidRecordError
from regsentry.vulndb.limits import ImportLimits
from regsentry.vulndb.osv import parse_osv, parse_time
from regsentry.vulndb.textformats import load_yaml
from tests.vulndb.data import GHSA_SAMPLE, GOLANG, PYPA, UBUNTU_OSV, UBUNTU_SAMPLE


def _json(path: Path) -> Any:
    return json.loads(path.read_text())


def test_ghsa_log4shell_keeps_every_range_and_the_github_rating() -> None:
    advisory = parse_osv(_json(GHSA_SAMPLE / "GHSA-jfh8-c2jp-5v3q.json"), source="t")
    assert advisory.aliases == ("CVE-2021-44228",)
    assert advisory.severity == "critical"
    assert advisory.cvss == (CvssVector("CVSS_V3", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H"),)
    assert advisory.summary == "Remote code injection in Log4j"
    assert advisory.published == datetime(2021, 12, 10, 0, 40, 56, tzinfo=UTC)
    # The same package three times, each with its own range: the union is the truth.
    assert [(a.ecosystem, a.release, a.package) for a in advisory.affected] == [
        ("Maven", "", "org.apache.logging.log4j:log4j-core")
    ] * 3
    assert [a.ranges[0].events for a in advisory.affected] == [
        (RangeEvent("introduced", "2.13.0"), RangeEvent("fixed", "2.15.0")),
        (RangeEvent("introduced", "0"), RangeEvent("fixed", "2.3.1")),
        (RangeEvent("introduced", "2.4"), RangeEvent("fixed", "2.12.2")),
    ]


@pytest.mark.parametrize(
    ("word", "expected"),
    [("CRITICAL", "critical"), ("HIGH", "high"), ("MODERATE", "medium"), ("LOW", "low")],
)
def test_ghsa_database_specific_severity(word: str, expected: str) -> None:
    record = _json(GHSA_SAMPLE / "GHSA-7rjr-3q55-vv33.json")
    record["database_specific"]["severity"] = word
    assert parse_osv(record, source="t").severity == expected


def test_ubuntu_priority_per_package_is_normalised_with_the_original_word() -> None:
    advisory = parse_osv(_json(UBUNTU_SAMPLE / "UBUNTU-CVE-2017-11164.json"), source="t")
    assert advisory.aliases == ()  # the CVE is in `related` / `upstream`, not aliases
    first = advisory.affected[0]
    assert (first.ecosystem, first.release, first.package) == ("Ubuntu", "Pro:14.04:LTS", "pcre3")
    assert (first.severity, first.note) == ("negligible", "negligible")
    # No fix: only `introduced 0`, plus the explicit affected versions.
    assert first.ranges == (AffectedRange("ECOSYSTEM", (RangeEvent("introduced", "0"),)),)
    assert len(first.versions) == 6
    assert {a.severity for a in advisory.affected} == {"negligible"}
    assert advisory.summary.startswith("In PCRE 8.41")


def test_ubuntu_record_level_rating() -> None:
    path = UBUNTU_OSV / "osv" / "cve" / "2016" / "UBUNTU-CVE-2016-20013.json"
    advisory = parse_osv(_json(path), source="t")
    assert advisory.severity == "negligible"
    assert advisory.cvss == (CvssVector("CVSS_V3", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H"),)
    medium = parse_osv(_json(UBUNTU_OSV / "osv/cve/2021/UBUNTU-CVE-2021-3782.json"), source="t")
    assert medium.severity == "medium"
    assert len(medium.cvss) == 1  # the record lists the same vector twice


def test_usn_rating_comes_from_its_cves_map_and_names_the_cve() -> None:
    advisory = parse_osv(_json(UBUNTU_SAMPLE / "USN-7768-1.json"), source="t")
    assert advisory.upstream == ("UBUNTU-CVE-2025-6297", "CVE-2025-6297")
    jammy = advisory.affected[0]
    assert (jammy.ecosystem, jammy.release, jammy.package) == ("Ubuntu", "22.04:LTS", "dpkg")
    assert (jammy.severity, jammy.note) == ("low", "low")
    assert jammy.ranges[0].events[-1] == RangeEvent("fixed", "1.21.1ubuntu2.6")
    # The CVE's vector, from the cves_map, once although both releases list it.
    assert advisory.cvss == (CvssVector("CVSS_V3", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:L/A:N"),)


@pytest.mark.parametrize(
    "path",
    [
        UBUNTU_OSV / "osv/cve/2013/UBUNTU-CVE-2013-2208.json",
        UBUNTU_OSV / "osv/cve/2020/UBUNTU-CVE-2020-36325.json",
        GOLANG / "osv" / "GO-2022-0617.json",
    ],
)
def test_withdrawn_records_are_marked(path: Path) -> None:
    assert parse_osv(_json(path), source="t").withdrawn


def test_debian_osv_urgency_in_ecosystem_specific() -> None:
    record = {
        "id": "DEBIAN-CVE-2023-0001",
        "modified": "2024-01-01T00:00:00Z",
        "affected": [
            {
                "package": {"ecosystem": "Debian:12", "name": "curl"},
                "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}]}],
                "ecosystem_specific": {"urgency": "unimportant"},
            },
            {
                "package": {"ecosystem": "Debian:11", "name": "curl"},
                "ecosystem_specific": {"urgency": "not yet assigned"},
            },
        ],
    }
    advisory = parse_osv(record, source="t")
    bookworm, bullseye = advisory.affected
    assert (bookworm.release, bookworm.severity, bookworm.note) == (
        "12",
        "negligible",
        "unimportant",
    )
    assert (bullseye.severity, bullseye.note) == (None, "not yet assigned")


def test_go_record_semver_ranges_and_timestamps() -> None:
    advisory = parse_osv(_json(GOLANG / "osv" / "GO-2020-0001.json"), source="t")
    assert advisory.affected[0].ecosystem == "Go"
    assert advisory.affected[0].ranges[0].type == "SEMVER"
    assert advisory.modified is not None
    assert advisory.modified.tzinfo is UTC


def test_pypi_yaml_keeps_versions_and_dates_as_written() -> None:
    text = (PYPA / "vulns" / "apache-skywalking" / "PYSEC-2020-342.yaml").read_text()
    advisory = parse_osv(load_yaml(text, origin="x"), source="t")
    assert advisory.affected[0].versions[:2] == ("0.1.0", "0.2.0")
    assert advisory.modified == datetime(2023, 11, 7, 20, 24, 23, 946863, tzinfo=UTC)
    assert advisory.summary.startswith("**Resolved** Only when using H2/MySQL/TiDB")


def test_yaml_numbers_stay_strings() -> None:
    loaded = load_yaml("versions:\n- 1.10\n- 2\n- 1e3\nflag: true\nnothing: null\n", origin="x")
    assert loaded == {"versions": ["1.10", "2", "1e3"], "flag": True, "nothing": None}


def test_yaml_aliases_are_refused() -> None:
    bomb = "a: &a [x, x, x]\nb: &b [*a, *a, *a]\nc: [*b, *b, *b]\n"
    with pytest.raises(InvalidFeedError, match="aliases"):
        load_yaml(bomb, origin="bomb.yaml")


def _record(**changes: object) -> dict[str, object]:
    record: dict[str, object] = {
        "id": "TEST-1",
        "affected": [
            {
                "package": {"ecosystem": "PyPI", "name": "demo"},
                "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}]}],
            }
        ],
    }
    record.update(changes)
    return record


@pytest.mark.parametrize(
    ("record", "reason"),
    [
        ([1, 2], "must be an object"),
        ({"summary": "no id"}, "no 'id'"),
        (_record(aliases="CVE-1"), "'aliases' is not a list of strings"),
        (_record(affected={"package": {}}), "'affected' is not a list of objects"),
        (_record(affected=[{"package": {"name": "x"}}]), "'ecosystem' is missing"),
        (_record(affected=[{"package": {"ecosystem": "PyPI", "name": 3}}]), "'name' is not"),
        (
            _record(affected=[{"package": {"ecosystem": "PyPI", "name": "x"}, "versions": [1]}]),
            "'versions' is not a list of strings",
        ),
        (
            _record(
                affected=[
                    {"package": {"ecosystem": "PyPI", "name": "x"}, "ranges": [{"type": "X"}]}
                ]
            ),
            "has no events",
        ),
        (
            _record(
                affected=[
                    {
                        "package": {"ecosystem": "PyPI", "name": "x"},
                        "ranges": [{"type": "SEMVER", "events": [{"removed": "1"}]}],
                    }
                ]
            ),
            "is not one of",
        ),
        (_record(severity=[{"type": "CVSS_V3"}]), "'score' is missing"),
    ],
)
def test_malformed_records_raise_with_their_id(record: object, reason: str) -> None:
    with pytest.raises(InvalidRecordError, match=reason) as caught:
        parse_osv(record, source="t", origin="file.json")
    assert caught.value.origin == "file.json"
    if isinstance(record, dict) and "id" in record:
        assert caught.value.record_id == "TEST-1"


def test_too_many_versions_is_refused_with_the_record_id() -> None:
    record = _record(
        affected=[
            {
                "package": {"ecosystem": "npm", "name": "huge"},
                "versions": [f"1.0.{i}" for i in range(100_000)],
            }
        ]
    )
    with pytest.raises(InvalidRecordError, match=r"100,000 versions .* npm/huge") as caught:
        parse_osv(record, source="t", limits=ImportLimits())
    assert caught.value.record_id == "TEST-1"


def test_git_only_entries_are_dropped_and_unknown_ecosystems_kept() -> None:
    record = _record(
        affected=[
            {"ranges": [{"type": "GIT", "repo": "r", "events": [{"introduced": "abc"}]}]},
            {"package": {"ecosystem": "Foo:1", "name": "bar"}},
        ]
    )
    advisory = parse_osv(record, source="t")
    assert [(a.ecosystem, a.release, a.package) for a in advisory.affected] == [("Foo", "1", "bar")]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2021-12-10T00:40:56Z", datetime(2021, 12, 10, 0, 40, 56, tzinfo=UTC)),
        ("2023-11-07T20:24:23.946863123Z", datetime(2023, 11, 7, 20, 24, 23, 946863, tzinfo=UTC)),
        ("2020-01-01T01:00:00+01:00", datetime(2020, 1, 1, 0, 0, tzinfo=UTC)),
        ("2020-01-01T00:00:00", datetime(2020, 1, 1, tzinfo=UTC)),
        ("0001-01-01T00:00:00Z", datetime(1, 1, 1, tzinfo=UTC)),
        ("yesterday", None),
        ("", None),
    ],
)
def test_parse_time(text: str, expected: datetime | None) -> None:
    assert parse_time(text) == expected
