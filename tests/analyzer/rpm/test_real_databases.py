"""Every package of real rpm databases, in all three formats, against ``rpm -qa`` lists."""

from __future__ import annotations

import time

import pytest

from regsentry.analyzer.base import FileAnalysis
from regsentry.analyzer.rpm import RpmAnalyzer
from regsentry.model.package import Package, PackageType
from tests.analyzer.rpm.data import (
    EPOCH_BDB,
    GO_RPMDB,
    LIBUUID_BDB,
    MARINER_SQLITE,
    SCALIBR_RPM,
    SLE15_NDB,
    RealDatabase,
    Row,
    evr,
    rpm_qa_tsv,
    sle15_expected,
)


def analyze(database: RealDatabase) -> FileAnalysis:
    result = RpmAnalyzer().analyze(database.image_path, database.file.read_bytes())
    assert result.problems == ()
    assert all(p.type is PackageType.RPM and p.path == database.image_path for p in result.packages)
    return result


def rows(packages: tuple[Package, ...]) -> list[Row]:
    return sorted((p.name, p.version, p.arch, p.source_rpm) for p in packages)


def by_name(packages: tuple[Package, ...]) -> dict[str, Package]:
    return {p.name: p for p in packages}


def test_sqlite_cbl_mariner_matches_rpm_qa() -> None:
    expected = rpm_qa_tsv(GO_RPMDB / "cbl-mariner-2.0" / "rpm-qa.tsv")
    assert len(expected) == 129

    packages = analyze(MARINER_SQLITE).packages

    assert rows(packages) == sorted(expected)
    assert {p.vendor for p in packages} == {"Microsoft Corporation"}
    # Upstream go-rpmdb's single assertion for this database.
    curl = by_name(packages)["curl"]
    assert (curl.version, curl.arch, curl.source_rpm) == (
        "7.76.0-6.cm2",
        "x86_64",
        "curl-7.76.0-6.cm2.src.rpm",
    )


def test_sqlite_sources_and_epochs() -> None:
    packages = by_name(analyze(MARINER_SQLITE).packages)

    openssl = packages["openssl-libs"]
    assert (openssl.source_name, openssl.source_version) == ("openssl", "1.1.1k-7.cm2")
    # An epoch is part of the binary's version and carried over to the source's.
    tools = packages["ca-certificates-tools"]
    assert tools.version == "1:2.0.0-1.cm2"
    assert (tools.source_name, tools.source_version) == ("ca-certificates", "1:2.0.0-1.cm2")


def test_berkeleydb_libuuid_matches_rpm_qa() -> None:
    expected = rpm_qa_tsv(GO_RPMDB / "libuuid" / "rpm-qa.tsv")

    (libuuid,) = analyze(LIBUUID_BDB).packages

    assert rows((libuuid,)) == expected
    assert (libuuid.source_name, libuuid.source_version) == ("util-linux", "2.32.1-42.el8_8")
    assert libuuid.vendor == "Red Hat, Inc."


def test_berkeleydb_with_epoch_matches_rpm_qa() -> None:
    expected = rpm_qa_tsv(SCALIBR_RPM / "Packages_epoch.rpm-qa.tsv")
    assert expected == [("hello", "1:0.0.1-rls", "x86_64", "hello-0.0.1-rls.src.rpm")]

    (hello,) = analyze(EPOCH_BDB).packages

    assert rows((hello,)) == expected
    assert (hello.source_name, hello.source_version) == ("hello", "1:0.0.1-rls")


def sle15_row(expected: dict[str, object]) -> tuple[str, ...]:
    epoch = expected["epoch"]
    version = evr(
        None if epoch is None else str(epoch), str(expected["version"]), str(expected["release"])
    )
    fields = ("arch", "sourceRpm", "vendor", "modularitylabel")
    return (str(expected["name"]), version, *(str(expected[f]) for f in fields))


def test_ndb_sle15_matches_expected_json() -> None:
    expected = sle15_expected()
    assert len(expected) == 35

    packages = analyze(SLE15_NDB).packages

    assert sorted(
        (p.name, p.version, p.arch, p.source_rpm, p.vendor, p.modularity_label) for p in packages
    ) == sorted(sle15_row(e) for e in expected)


def test_ndb_source_differs_from_binary() -> None:
    readline = by_name(analyze(SLE15_NDB).packages)["libreadline7"]

    assert readline.version == "7.0-19.6.1"
    assert (readline.source_name, readline.source_version) == ("bash", "4.4-19.6.1")


@pytest.mark.parametrize(
    ("database", "seconds"), [(MARINER_SQLITE, 1.0), (SLE15_NDB, 1.0)], ids=["sqlite", "ndb"]
)
def test_parses_well_under_a_second(database: RealDatabase, seconds: float) -> None:
    content = database.file.read_bytes()
    start = time.perf_counter()
    RpmAnalyzer().analyze(database.image_path, content)
    assert time.perf_counter() - start < seconds
