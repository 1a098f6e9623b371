"""Native feeds: Debian tracker and Alpine secdb against vunnel's snapshots; KEV; EPSS."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from regsentry.model.advisory import Advisory, Affected, RangeEvent
from regsentry.vulndb.errors import IncompleteFeedError, NothingToImportError
from regsentry.vulndb.feeds.alpine_secdb import parse_ids
from regsentry.vulndb.feeds.debian_tracker import DEBIAN_RELEASES, release_number
from regsentry.vulndb.importer import import_path
from regsentry.vulndb.store import AdvisoryDB
from tests.vulndb.data import (
    ALPINE_LEGACY,
    ALPINE_SECDB,
    ALPINE_SNAPSHOTS,
    CISA_KEV,
    DEBIAN_SNAPSHOTS,
    DEBIAN_TRACKER,
    EPSS_DIR,
    KEV_SAMPLE,
)

# vunnel's severities for the same urgencies ("Unknown" is our None).
_VUNNEL_SEVERITY = {"Negligible": "negligible", "Low": "low", "Medium": "medium", "High": "high"}


@pytest.fixture(scope="module")
def debian_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("debian") / "vulndb.sqlite"
    report = import_path(path, DEBIAN_TRACKER, name="debian-tracker")
    assert report.kind == "debian-tracker"
    assert report.seen == report.imported == 7
    assert report.skipped == 0
    return path


def _entries(advisory: Advisory, release: str, package: str) -> list[Affected]:
    return [a for a in advisory.affected if (a.release, a.package) == (release, package)]


def _fixed(entry: Affected) -> str | None:
    fixed = [e.version for r in entry.ranges for e in r.events if e.kind == "fixed"]
    return fixed[0] if fixed else None


def _debian_snapshots() -> list[Path]:
    tracker: dict[str, Any] = json.loads(DEBIAN_TRACKER.read_text())
    ids = {cve for issues in tracker.values() for cve in issues}
    return sorted(
        p
        for p in DEBIAN_SNAPSHOTS.glob("debian:*/*.json")
        if p.parent.name != "debian:7" and p.stem.upper() in ids
    )


@pytest.mark.parametrize("snapshot", _debian_snapshots(), ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_debian_tracker_matches_vunnel(debian_db: Path, snapshot: Path) -> None:
    expected = json.loads(snapshot.read_text())["item"]["Vulnerability"]
    namespace = expected["NamespaceName"].split(":", 1)[1]
    release = "sid" if namespace == "unstable" else namespace
    with AdvisoryDB(debian_db) as db:
        (advisory,) = db.find(expected["Name"])
    assert advisory.id == f"DEBIAN-{expected['Name']}"
    for fixed_in in expected["FixedIn"]:
        entries = _entries(advisory, release, fixed_in["Name"])
        if fixed_in["Version"] == "0":  # vunnel's "not vulnerable"
            assert entries == []
            continue
        (entry,) = entries
        assert entry.ranges[0].events[0] == RangeEvent("introduced", "0")
        want = None if fixed_in["Version"] == "None" else fixed_in["Version"]
        assert _fixed(entry) == want
        assert entry.severity == _VUNNEL_SEVERITY.get(expected["Severity"])


def test_debian_statuses_and_notes(debian_db: Path) -> None:
    with AdvisoryDB(debian_db) as db:
        chromium = {a.id: a for a in db.advisories_for("Debian", "chromium")}
        prototypejs = {a.id for a in db.advisories_for("Debian", "prototypejs")}
        sope = db.advisories_for("Debian", "sope")
    cve = chromium["DEBIAN-CVE-2022-0456"]
    (buster,) = _entries(cve, "10", "chromium")  # open, release end-of-life: no fix coming
    assert (_fixed(buster), buster.severity, buster.note) == (None, None, "end-of-life")
    (bookworm,) = _entries(cve, "12", "chromium")
    assert (_fixed(bookworm), bookworm.note) == ("98.0.4758.80-1", "not yet assigned")
    assert cve.aliases == ("CVE-2022-0456",)
    # CVE-2007-2383 is fixed_version 0 everywhere: never affected, so no entry at all.
    assert "DEBIAN-CVE-2007-2383" not in prototypejs
    with AdvisoryDB(debian_db) as db:
        assert db.advisories_for("Debian:12", "sope") == sope  # a release suffix is ignored
    (sope_cve,) = sope
    assert {a.release for a in sope_cve.affected} == {"11", "12", "13", "sid"}
    assert sope_cve.summary.startswith("In Alinto SOPE SOGo")


def test_debian_codenames() -> None:
    assert [release_number(c) for c in ("buster", "bullseye", "bookworm", "trixie", "forky")] == [
        "10",
        "11",
        "12",
        "13",
        "14",
    ]
    assert release_number("sid") == "sid"
    assert release_number("Unstable") == "sid"
    assert release_number("somefuture") == "somefuture"
    assert DEBIAN_RELEASES["jessie"] == "8"


def test_debian_tracker_oddities(tmp_path: Path) -> None:
    feed = {
        "pkg": {
            "CVE-2024-0001": {
                "releases": {
                    "bookworm": {"status": "undetermined", "urgency": "not yet assigned"},
                    "trixie": {
                        "status": "open",
                        "urgency": "low",
                        "nodsa": "Minor issue",
                        "nodsa_reason": "postponed",
                    },
                    "bullseye": {
                        "status": "resolved",
                        "fixed_version": "0",
                        "urgency": "unimportant",
                    },
                }
            },
            "TEMP-0000000-ABCDEF": {
                "releases": {"sid": {"status": "open", "urgency": "unimportant"}}
            },
            "CVE-2024-0002": "garbage",
        },
        "other": ["not", "an", "object"],
    }
    path = tmp_path / "tracker.json"
    path.write_text(json.dumps(feed))
    report = import_path(tmp_path / "db.sqlite", path)
    assert (report.imported, report.skipped) == (2, 2)
    assert {s.id for s in report.skipped_examples} == {"CVE-2024-0002", "other"}
    with AdvisoryDB(tmp_path / "db.sqlite") as db:
        (cve, temp) = db.advisories_for("Debian", "pkg")
    assert cve.id == "DEBIAN-CVE-2024-0001"
    assert temp.id == "DEBIAN-TEMP-0000000-ABCDEF"
    assert temp.aliases == ()
    bookworm, trixie = cve.affected
    assert (bookworm.release, _fixed(bookworm), bookworm.note) == (
        "12",
        None,
        "not yet assigned; undetermined",
    )
    assert (trixie.release, trixie.severity, trixie.note) == (
        "13",
        "low",
        "low; no-dsa: Minor issue (postponed)",
    )
    assert (temp.affected[0].release, temp.affected[0].severity) == ("sid", "negligible")


def test_a_truncated_tracker_is_refused_whole(tmp_path: Path) -> None:
    text = DEBIAN_TRACKER.read_text()
    path = tmp_path / "json"
    path.write_text(text[: len(text) // 2])
    with pytest.raises(IncompleteFeedError, match=r"tracker feed is incomplete: .*not valid JSON"):
        import_path(tmp_path / "db.sqlite", path)
    assert not (tmp_path / "db.sqlite").exists()


@pytest.fixture(scope="module")
def alpine_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("alpine") / "vulndb.sqlite"
    report = import_path(path, ALPINE_SECDB)
    assert (report.kind, report.imported, report.skipped) == ("alpine-secdb", 16, 0)
    return path


@pytest.mark.parametrize(
    "snapshot", sorted(ALPINE_SNAPSHOTS.glob("3.15/*.json")), ids=lambda p: p.stem
)
def test_alpine_secdb_matches_vunnel(alpine_db: Path, snapshot: Path) -> None:
    expected = json.loads(snapshot.read_text())["item"]["Vulnerability"]
    with AdvisoryDB(alpine_db) as db:
        (advisory,) = db.find(expected["Name"])
    assert advisory.id == f"ALPINE-{expected['Name']}"
    for fixed_in in expected["FixedIn"]:
        (entry,) = _entries(advisory, "v3.15", fixed_in["Name"])
        assert entry.ecosystem == "Alpine"
        assert _fixed(entry) == fixed_in["Version"]


def test_alpine_legacy_yaml(tmp_path: Path) -> None:
    database = tmp_path / "db.sqlite"
    report = import_path(database, ALPINE_LEGACY)
    assert report.seen == report.imported + report.skipped
    assert report.skipped == 0
    assert report.merged > 0
    with AdvisoryDB(database) as db:
        # "CVE 2018-16859" (a space) is read as CVE-2018-16859, fixed in ansible 2.7.3-r0.
        (ansible,) = db.find("CVE-2018-16859")
        (entry,) = _entries(ansible, "v3.9", "ansible")
        assert _fixed(entry) == "2.7.3-r0"
        # One advisory per CVE, with an entry per branch that lists it (six files merged).
        (openssl,) = db.find("CVE-2016-2105")
        assert openssl.id == "ALPINE-CVE-2016-2105"
        assert [(a.release, a.package, _fixed(a)) for a in openssl.affected] == [
            (f"v3.{minor}", "openssl", "1.0.2h-r0") for minor in (8, 7, 6, 5, 4, 3)
        ]
        # "CVE-2016-6258 XSA-182": the XSA is an alias.
        (xen,) = db.find("XSA-182")
        assert xen.id == "ALPINE-CVE-2016-6258"
        # db's "0" key means "never affected on this branch": no advisory at all.
        assert db.find("CVE-2016-0682") == []


@pytest.mark.parametrize(
    ("text", "ids"),
    [
        ("CVE-2019-10206", ["CVE-2019-10206"]),
        ("CVE 2018-16859", ["CVE-2018-16859"]),
        ("CVE-2016-6258 XSA-182", ["CVE-2016-6258", "XSA-182"]),
        ("XSA-182", ["XSA-182"]),
        ("cve-2020-1234, CVE-2020-5678", ["CVE-2020-1234", "CVE-2020-5678"]),
        ("fixed a crash", []),
    ],
)
def test_alpine_id_parsing(text: str, ids: list[str]) -> None:
    assert parse_ids(text) == ids


def test_kev_lookups(tmp_path: Path) -> None:
    database = tmp_path / "db.sqlite"
    full = import_path(database, CISA_KEV, name="kev")
    assert (full.imported, full.skipped, full.version) == (1404, 0, "2025.08.25")
    sample = import_path(database, KEV_SAMPLE, name="kev-sample")
    assert sample.imported == 3
    with AdvisoryDB(database) as db:
        log4shell = db.known_exploited(["GHSA-jfh8-c2jp-5v3q", "cve-2021-44228"])
        assert log4shell is not None
        assert (log4shell.cve, log4shell.date_added, log4shell.due_date, log4shell.ransomware) == (
            "CVE-2021-44228",
            date(2021, 12, 10),
            date(2021, 12, 24),
            True,
        )
        pan = db.known_exploited(["CVE-2025-0108"])
        assert pan is not None
        assert pan.date_added == date(2025, 2, 18)
        assert not pan.ransomware
        assert db.known_exploited(["CVE-1999-0001"]) is None
        assert db.known_exploited([]) is None
        assert {s.name: s.version for s in db.sources()} == {
            "kev": "2025.08.25",
            "kev-sample": "2025.02.19",
        }


def test_epss_lookups_match_vunnel(tmp_path: Path) -> None:
    database = tmp_path / "db.sqlite"
    report = import_path(database, EPSS_DIR / "example-1.csv", name="epss")
    assert (report.imported, report.version) == (5, "v2023.03.01 2025-02-20T00:00:00+0000")
    with AdvisoryDB(database) as db:
        for snapshot in sorted((EPSS_DIR / "snapshots" / "example-1").glob("*.json")):
            item = json.loads(snapshot.read_text())["item"]
            assert db.epss([item["cve"]]) == pytest.approx(item["epss"])
        assert db.epss(["CVE-1999-0001", "CVE-1999-0005", "GHSA-x"]) == pytest.approx(0.91963)
        assert db.epss(["CVE-2000-0001"]) is None


def test_epss_headers(tmp_path: Path) -> None:
    with pytest.raises(NothingToImportError, match="not an EPSS file"):
        import_path(tmp_path / "db.sqlite", EPSS_DIR / "invalid-header.csv")
    report = import_path(tmp_path / "db.sqlite", EPSS_DIR / "missing-date.csv")
    assert (report.imported, report.version) == (5, "v2023.03.01")


def test_epss_bad_rows_are_counted(tmp_path: Path) -> None:
    path = tmp_path / "scores.csv"
    path.write_text(
        "cve,epss,percentile\nCVE-2024-0001,0.5,0.9\nCVE-2024-0002,2.0,0.1\nnope,0.1,0.1\n"
    )
    report = import_path(tmp_path / "db.sqlite", path)
    assert (report.seen, report.imported, report.skipped) == (3, 1, 2)
