"""RpmAnalyzer: which files it wants, packages from headers, and which database wins."""

from __future__ import annotations

from typing import Any

import pytest

from regsentry.analyzer.base import AnalyzerError, FileAnalysis
from regsentry.analyzer.rpm import RpmAnalyzer
from regsentry.analyzer.rpm.analyzer import package_from_header, split_source_rpm
from regsentry.analyzer.rpm.header import Header
from regsentry.model.package import Package, PackageType
from tests.analyzer.rpm.data import package_header, sqlite_database

SQLITE = "var/lib/rpm/rpmdb.sqlite"

DATABASE_PATHS = [
    f"{directory}/{name}"
    for directory in ("var/lib/rpm", "usr/lib/sysimage/rpm")
    for name in ("Packages", "Packages.db", "rpmdb.sqlite")
]


def test_identity() -> None:
    assert (RpmAnalyzer.id, RpmAnalyzer.version) == ("rpm", 1)
    assert RpmAnalyzer.max_file_bytes == 512 * 1024 * 1024


@pytest.mark.parametrize("path", DATABASE_PATHS)
def test_requires_the_six_database_paths(path: str) -> None:
    assert RpmAnalyzer().required(path)


@pytest.mark.parametrize(
    "path",
    [
        "/var/lib/rpm/Packages",
        "./var/lib/rpm/Packages",
        "var/lib/rpm/Name",
        "var/lib/rpm/rpmdb.sqlite-wal",
        "var/lib/rpm/Packages.db-journal",
        "var/lib/rpm",
        "usr/lib/rpm/Packages",
        "usr/share/rpm/Packages",
        "opt/var/lib/rpm/Packages",
        "Packages",
        "var/lib/dpkg/status",
    ],
)
def test_requires_nothing_else(path: str) -> None:
    assert not RpmAnalyzer().required(path)


def package(**fields: Any) -> Package | None:
    return package_from_header(Header.parse(package_header(**fields)), SQLITE)


def test_package_fields() -> None:
    assert package(vendor="Red Hat, Inc.") == Package(
        type=PackageType.RPM,
        name="bash",
        version="5.1.8-6.el9",
        arch="x86_64",
        source_name="bash",
        source_version="5.1.8-6.el9",
        source_rpm="bash-5.1.8-6.el9.src.rpm",
        vendor="Red Hat, Inc.",
        path=SQLITE,
    )


def test_explicit_epoch_zero_is_written() -> None:
    found = package(epoch=0)

    assert found is not None
    assert (found.version, found.source_version) == ("0:5.1.8-6.el9", "0:5.1.8-6.el9")


def test_source_version_comes_from_the_source_rpm_with_the_binary_epoch() -> None:
    found = package(
        name="libreadline7",
        version="7.0",
        release="19.6.1",
        epoch=2,
        source_rpm="bash-4.4-19.6.1.src.rpm",
    )

    assert found is not None
    assert (found.version, found.source_name, found.source_version) == (
        "2:7.0-19.6.1",
        "bash",
        "2:4.4-19.6.1",
    )


@pytest.mark.parametrize("source_rpm", [None, "", "garbage", "no-version.src.rpm", "a-b-c.rpm"])
def test_without_a_usable_source_rpm_the_source_is_the_binary(source_rpm: str | None) -> None:
    found = package(source_rpm=source_rpm)

    assert found is not None
    assert (found.source_name, found.source_version) == ("bash", "5.1.8-6.el9")
    assert found.source_rpm == (source_rpm or "")


def test_gpg_pubkey_is_not_a_package() -> None:
    pubkey = package(
        name="gpg-pubkey", version="fd431d51", release="4ae0493b", arch=None, source_rpm=None
    )

    assert pubkey is None


def test_missing_arch_is_empty() -> None:
    found = package(arch=None)

    assert found is not None
    assert found.arch == ""


@pytest.mark.parametrize(
    ("source_rpm", "expected"),
    [
        ("bash-5.1.8-6.el9.src.rpm", ("bash", "5.1.8-6.el9")),
        ("util-linux-2.32.1-42.el8_8.src.rpm", ("util-linux", "2.32.1-42.el8_8")),
        ("gcc11-11.2.1+git610-1.3.9.src.rpm", ("gcc11", "11.2.1+git610-1.3.9")),
        ("kernel-5.14.0-70.nosrc.rpm", ("kernel", "5.14.0-70")),
        ("bash-5.1.8.src.rpm", None),
        ("-1-2.src.rpm", None),
        ("bash-5.1.8-6.el9.rpm", None),
        ("", None),
    ],
)
def test_split_source_rpm(source_rpm: str, expected: tuple[str, str] | None) -> None:
    assert split_source_rpm(source_rpm) == expected


def test_analyze_skips_pubkeys_and_keeps_database_order() -> None:
    content = sqlite_database(
        [
            package_header(name="zlib", source_rpm="zlib-1-1.src.rpm"),
            package_header(name="gpg-pubkey", arch=None, source_rpm=None),
            package_header(name="acl", source_rpm="acl-1-1.src.rpm"),
        ]
    )

    result = RpmAnalyzer().analyze(SQLITE, content)

    assert [p.name for p in result.packages] == ["zlib", "acl"]
    assert result.problems == ()


def test_a_bad_header_among_good_ones_is_a_problem_not_a_silent_drop() -> None:
    content = sqlite_database(
        [
            package_header(name="zlib"),
            b"\0\0\0\1garbage",
            package_header(name="acl", source_rpm=None),
        ]
    )

    result = RpmAnalyzer().analyze(SQLITE, content)

    assert [p.name for p in result.packages] == ["zlib", "acl"]
    (problem,) = result.problems
    assert problem.startswith(f"rpm SQLite {SQLITE}: hnum 2: ")


def test_a_header_without_a_name_is_a_problem() -> None:
    result = RpmAnalyzer().analyze(SQLITE, sqlite_database([package_header(name="")]))

    assert result.packages == ()
    assert result.problems == (f"rpm SQLite {SQLITE}: hnum 1: header has no NAME",)


def test_an_empty_database_has_no_packages() -> None:
    assert RpmAnalyzer().analyze(SQLITE, sqlite_database([])) == FileAnalysis()


def test_analyze_refuses_other_paths() -> None:
    with pytest.raises(AnalyzerError, match="not an rpm database path"):
        RpmAnalyzer().analyze("var/lib/dpkg/status", b"")


def analysis(label: str) -> FileAnalysis:
    found = Package(type=PackageType.RPM, name=label, version="1-1", path=label)
    return FileAnalysis(packages=(found,), problems=(f"problem of {label}",))


@pytest.mark.parametrize(
    ("present", "chosen"),
    [
        (["var/lib/rpm/Packages"], "var/lib/rpm/Packages"),
        (["var/lib/rpm/Packages", "var/lib/rpm/rpmdb.sqlite"], "var/lib/rpm/rpmdb.sqlite"),
        (["var/lib/rpm/Packages", "var/lib/rpm/Packages.db"], "var/lib/rpm/Packages.db"),
        (
            ["var/lib/rpm/Packages", "var/lib/rpm/Packages.db", "var/lib/rpm/rpmdb.sqlite"],
            "var/lib/rpm/rpmdb.sqlite",
        ),
        (
            ["var/lib/rpm/rpmdb.sqlite", "usr/lib/sysimage/rpm/Packages"],
            "usr/lib/sysimage/rpm/Packages",
        ),
        (
            ["usr/lib/sysimage/rpm/Packages.db", "usr/lib/sysimage/rpm/Packages"],
            "usr/lib/sysimage/rpm/Packages.db",
        ),
        (DATABASE_PATHS, "usr/lib/sysimage/rpm/rpmdb.sqlite"),
    ],
)
def test_combine_picks_one_database(present: list[str], chosen: str) -> None:
    files = {path: analysis(path) for path in present}

    assert RpmAnalyzer().combine(files) == analysis(chosen)


def test_combine_without_databases_is_empty() -> None:
    assert RpmAnalyzer().combine({}) == FileAnalysis()
