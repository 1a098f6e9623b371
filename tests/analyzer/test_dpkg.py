"""dpkg status databases against dpkg-query's own output, Trivy's and osv-scalibr's fixtures."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest

from regsentry.analyzer.base import AnalyzerError
from regsentry.analyzer.dpkg import DpkgAnalyzer
from regsentry.model.package import Package, PackageType
from tests.analyzer.data import shared_data

TRIVY = shared_data("trivy-fanal-pkgdb", "dpkg-ubuntu1804")
SCALIBR = shared_data("osv-scalibr-pkgdb", "dpkg")
STATUS = "var/lib/dpkg/status"

Row = tuple[str, str, str, str, str]


def rows(packages: tuple[Package, ...]) -> list[Row]:
    """Name, version, source name, source version, architecture: sorted."""
    return sorted((p.name, p.version, p.source_name, p.source_version, p.arch) for p in packages)


def dpkg_query_installed(tsv: Path) -> list[Row]:
    """The rows of ``dpkg-query -W -f '${Package}\\t${Version}\\t${source:Package}\\t
    ${source:Version}\\t${Architecture}\\t${db:Status-Abbrev}'`` whose current state (second
    letter of the abbreviation) is installed or a post-configuration trigger state."""
    result = []
    for line in tsv.read_text().splitlines():
        name, version, source_name, source_version, arch, abbrev = line.split("\t")
        if abbrev[1] in "iWt":
            result.append((name, version, source_name, source_version, arch))
    return sorted(result)


def analyze(content: bytes | str, path: str = STATUS) -> tuple[list[Row], tuple[str, ...]]:
    if isinstance(content, str):
        content = content.encode()
    result = DpkgAnalyzer().analyze(path, content)
    return rows(result.packages), result.problems


def test_ubuntu_1804_matches_dpkg_query() -> None:
    result = DpkgAnalyzer().analyze(STATUS, (TRIVY / "status").read_bytes())
    expected = dpkg_query_installed(TRIVY / "dpkg-query.tsv")
    assert len(expected) == 90  # the 91st row, git, is "rc": config files only
    assert rows(result.packages) == expected
    assert result.problems == ()
    assert {p.path for p in result.packages} == {STATUS}
    assert {p.type for p in result.packages} == {PackageType.DEB}


def _full(epoch: int | None, version: str, release: str | None) -> str:
    return (f"{epoch}:" if epoch else "") + version + (f"-{release}" if release else "")


def test_ubuntu_1804_matches_trivy() -> None:
    expected_json: list[dict[str, Any]] = json.loads((TRIVY / "expected-trivy.json").read_text())
    expected = sorted(
        (
            p["Name"],
            _full(p.get("Epoch"), p["Version"], p.get("Release")),
            p["SrcName"],
            _full(p.get("SrcEpoch"), p["SrcVersion"], p.get("SrcRelease")),
            p["Arch"],
        )
        for p in expected_json
    )
    got, problems = analyze((TRIVY / "status").read_bytes())
    assert got == expected
    assert problems == ()


def test_ubuntu_1804_source_with_version() -> None:
    got, _ = analyze((TRIVY / "status").read_bytes())
    by_name = {row[0]: row for row in got}
    # Source: util-linux (2.31.1-0.4ubuntu3.1): the source version carries no epoch.
    assert by_name["bsdutils"] == (
        "bsdutils",
        "1:2.31.1-0.4ubuntu3.1",
        "util-linux",
        "2.31.1-0.4ubuntu3.1",
        "amd64",
    )
    # Source: attr (no version): the binary's version, epoch included.
    assert by_name["libattr1"][2:4] == ("attr", "1:2.4.47-2build1")
    # binNMU: the source version lacks the +bN suffix.
    assert by_name["liblzma5"][1:4] == (
        "5.1.1alpha+20120614-2+b3",
        "xz-utils",
        "5.1.1alpha+20120614-2",
    )
    assert "git" not in by_name


def test_scalibr_valid_matches_dpkg_query() -> None:
    got, problems = analyze((SCALIBR / "valid").read_bytes())
    assert got == dpkg_query_installed(SCALIBR / "valid.dpkg-query.tsv")
    assert problems == ()  # a missing Description is only a warning for dpkg too


ACL = ("acl", "2.3.1-3", "acl", "2.3.1-3", "amd64")


@pytest.mark.parametrize(
    ("file", "expected"),
    [
        ("single", [ACL]),
        ("trailingnewlines", [ACL]),
        (
            "transitional",
            [("iceweasel", "78.13.0esr-1~deb10u1", "firefox-esr", "78.13.0esr-1~deb10u1", "all")],
        ),
        (
            "transitional_empty",
            [("runit-systemd", "2.1.2-54+usrmerge", "runit", "2.1.2-54+usrmerge", "all")],
        ),
        ("transitional_dummy", [("git-core", "1:2.14.2-1", "git", "1:2.14.2-1", "all")]),
        (
            # Current state "installed" whatever is wanted (as dpkg-query lists them: ii, ri, pi);
            # config-files, unpacked and half-installed are not installed; no Status in the
            # main status file means not-installed, as dpkg reads it.
            "statusfield",
            [
                ("wantdeinstall_installed", "1.0", "wantdeinstall_installed", "1.0", ""),
                ("wantinstall_installed", "1.0", "wantinstall_installed", "1.0", ""),
                ("wantpurge_installed", "1.0", "wantpurge_installed", "1.0", ""),
            ],
        ),
    ],
)
def test_scalibr_edge_files(file: str, expected: list[Row]) -> None:
    got, problems = analyze((SCALIBR / file).read_bytes())
    assert got == expected
    assert problems == ()


def test_scalibr_nopackage_reports_the_stanza_and_keeps_the_others() -> None:
    got, problems = analyze((SCALIBR / "nopackage").read_bytes())
    assert [row[:2] for row in got] == [("bar", "2.0"), ("foo", "1.0")]
    assert problems == ("var/lib/dpkg/status: stanza 2 at line 5 has no Package",)


def test_scalibr_noversion_reports_the_stanza_and_keeps_the_others() -> None:
    got, problems = analyze((SCALIBR / "noversion").read_bytes())
    assert [row[:2] for row in got] == [("bar", "2.0"), ("foo", "1.0")]
    assert problems == ("var/lib/dpkg/status: stanza 2 at line 5 (package 'acl') has no Version",)


def test_non_installed_stanza_without_version_is_not_a_problem() -> None:
    text = (
        "Package: gone\nStatus: deinstall ok config-files\n\n"
        "Package: a\nStatus: install ok installed\nVersion: 1\n"
    )
    assert analyze(text) == ([("a", "1", "a", "1", "")], ())


def test_trigger_states_are_installed() -> None:
    text = (
        "Package: a\nStatus: install ok triggers-pending\nVersion: 1\n\n"
        "Package: b\nStatus: install ok triggers-awaited\nVersion: 2\n\n"
        "Package: c\nStatus: install ok half-configured\nVersion: 3\n\n"
        "Package: d\nStatus: unknown ok not-installed\n"
    )
    got, problems = analyze(text)
    assert [row[0] for row in got] == ["a", "b"]
    assert problems == ()


def test_crlf_no_trailing_newline_case_insensitive_fields_and_continuations() -> None:
    text = (
        "package: a\r\nSTATUS: install ok installed\r\nArchitecture:arm64\r\n"
        "Description: one\r\n two\r\n\tthree\r\n .\r\nversion: 1:2.0-1\r\n"
        "Source: asrc (2.0-1)\r\n"
        " \t \r\n"  # a whitespace-only line separates stanzas too
        "Package: b\nStatus: install ok installed\nVersion: 3\nSource:  bsrc  \n\n"
        "Package: c\nStatus: install ok installed\nVersion: 4+b1\nSource: csrc\t( 4 )"
    )
    got, problems = analyze(text)
    assert got == [
        ("a", "1:2.0-1", "asrc", "2.0-1", "arm64"),
        ("b", "3", "bsrc", "3", ""),
        ("c", "4+b1", "csrc", "4", ""),
    ]
    assert problems == ()


def test_status_d_stanzas_have_no_status_and_are_installed() -> None:
    path = "var/lib/dpkg/status.d/libssl3"
    text = (
        "Package: libssl3\nVersion: 3.0.11-1~deb12u2\nArchitecture: amd64\nSource: openssl\n"
        "Maintainer: someone\n\n"
        "Package: openssl\nVersion: 3.0.11-1~deb12u2\nArchitecture: amd64\n"
    )
    result = DpkgAnalyzer().analyze(path, text.encode())
    assert rows(result.packages) == [
        ("libssl3", "3.0.11-1~deb12u2", "openssl", "3.0.11-1~deb12u2", "amd64"),
        ("openssl", "3.0.11-1~deb12u2", "openssl", "3.0.11-1~deb12u2", "amd64"),
    ]
    assert {p.path for p in result.packages} == {path}
    assert result.problems == ()


def test_status_d_stanza_with_a_status_honours_it() -> None:
    text = "Package: a\nStatus: deinstall ok config-files\nVersion: 1\n\nPackage: b\nVersion: 2\n"
    got, problems = analyze(text, "var/lib/dpkg/status.d/x")
    assert [row[0] for row in got] == ["b"]
    assert problems == ()


def test_status_d_stanza_without_version_is_a_problem() -> None:
    got, problems = analyze("Package: a\nArchitecture: amd64\n", "var/lib/dpkg/status.d/a")
    assert got == []
    assert problems == ("var/lib/dpkg/status.d/a: stanza 1 at line 1 (package 'a') has no Version",)


def test_malformed_lines_are_problems_but_the_package_is_kept() -> None:
    text = "Package: a\nStatus: install ok installed\nthis is not a field\nVersion: 1\n"
    got, problems = analyze(text)
    assert got == [("a", "1", "a", "1", "")]
    assert problems == (
        "var/lib/dpkg/status: stanza 1 at line 1 (package 'a') has a line that is not a field "
        "(line 3)",
    )


def test_invalid_status_is_a_problem() -> None:
    got, problems = analyze("Package: a\nStatus: install ok\nVersion: 1\n")
    assert got == []
    assert problems == (
        "var/lib/dpkg/status: stanza 1 at line 1 (package 'a') has an invalid Status 'install ok'",
    )


def test_latin1_free_text_is_tolerated_but_not_in_identity_fields() -> None:
    good = b"Package: a\nStatus: install ok installed\nMaintainer: Ren\xe9\nVersion: 1\n"
    assert analyze(good) == ([("a", "1", "a", "1", "")], ())
    bad = b"Package: caf\xe9\nStatus: install ok installed\nVersion: 1\n"
    got, problems = analyze(bad)
    assert got == []
    assert len(problems) == 1
    assert "not UTF-8" in problems[0]


def test_empty_status_file_is_an_empty_database() -> None:
    assert analyze(b"") == ([], ())
    assert analyze(b"\n\n  \n") == ([], ())


@pytest.mark.parametrize(
    "content",
    [
        b"\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x02\x00>\x00",
        bytes(range(256)) * 4,
        b'{"not": "a status file"}\n',
        b"<html><body>nope</body></html>\n",
        b"Key: value\nOther: thing\n",  # deb822, but no stanza names a package
    ],
)
def test_garbage_is_an_error_not_an_empty_result(content: bytes) -> None:
    with pytest.raises(AnalyzerError, match="not a dpkg status database"):
        DpkgAnalyzer().analyze(STATUS, content)


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("var/lib/dpkg/status", True),
        ("var/lib/dpkg/status.d/base-files", True),
        ("var/lib/dpkg/status.d/libc6", True),
        ("var/lib/dpkg/status.d/base-files.md5sums", False),
        ("var/lib/dpkg/status.d/", False),
        ("var/lib/dpkg/status.d/sub/file", False),
        ("var/lib/dpkg/status-old", False),
        ("var/lib/dpkg/available", False),
        ("/var/lib/dpkg/status", False),
        ("usr/var/lib/dpkg/status", False),
    ],
)
def test_required(path: str, expected: bool) -> None:
    assert DpkgAnalyzer().required(path) is expected


def test_combine_is_the_union_of_status_and_status_d() -> None:
    analyzer = DpkgAnalyzer()
    files = {
        "var/lib/dpkg/status.d/b": analyzer.analyze(
            "var/lib/dpkg/status.d/b", b"Package: b\nVersion: 2\n"
        ),
        STATUS: analyzer.analyze(STATUS, b"Package: a\nStatus: install ok installed\nVersion: 1\n"),
    }
    combined = analyzer.combine(files)
    assert [(p.name, p.path) for p in combined.packages] == [
        ("a", STATUS),
        ("b", "var/lib/dpkg/status.d/b"),
    ]


def test_two_megabytes_parse_well_under_100_ms() -> None:
    status = (TRIVY / "status").read_bytes().rstrip(b"\n") + b"\n\n"
    big = status * (2 * 1024 * 1024 // len(status) + 1)
    analyzer = DpkgAnalyzer()
    best = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        result = analyzer.analyze(STATUS, big)
        best = min(best, time.perf_counter() - start)
    assert len(result.packages) > 2000
    assert best < 0.1


def test_identity() -> None:
    assert DpkgAnalyzer.id == "dpkg"
    assert DpkgAnalyzer.version == 1
    assert DpkgAnalyzer.max_file_bytes == 32 * 1024 * 1024
