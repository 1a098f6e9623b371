"""apk installed databases against Trivy's and osv-scalibr's fixtures, plus broken records."""

from __future__ import annotations

import json
from typing import Any

import pytest

from regsentry.analyzer.apk import ApkAnalyzer
from regsentry.analyzer.base import AnalyzerError, FileAnalysis
from regsentry.model.package import Package, PackageType
from tests.analyzer.data import shared_data

TRIVY = shared_data("trivy-fanal-pkgdb", "apk-alpine")
SCALIBR = shared_data("osv-scalibr-pkgdb", "apk")
DB = "lib/apk/db/installed"
USR_DB = "usr/lib/apk/db/installed"

Row = tuple[str, str, str, str, str]


def rows(packages: tuple[Package, ...]) -> list[Row]:
    """Name, version, source name, source version, architecture: sorted."""
    return sorted((p.name, p.version, p.source_name, p.source_version, p.arch) for p in packages)


def analyze(content: bytes | str, path: str = DB) -> tuple[list[Row], tuple[str, ...]]:
    if isinstance(content, str):
        content = content.encode()
    result = ApkAnalyzer().analyze(path, content)
    return rows(result.packages), result.problems


def test_trivy_alpine_matches_and_reports_the_record_without_version() -> None:
    expected_json: list[dict[str, Any]] = json.loads((TRIVY / "expected-trivy.json").read_text())
    expected = sorted(
        (p["Name"], p["Version"], p["SrcName"], p["SrcVersion"], p["Arch"]) for p in expected_json
    )
    result = ApkAnalyzer().analyze(DB, (TRIVY / "installed").read_bytes())
    assert len(expected) == 15
    assert rows(result.packages) == expected
    assert result.problems == (
        "lib/apk/db/installed: record 2 at line 23 (package 'invalidPackageWithoutAVersion') "
        "has no version",
    )
    assert {(p.type, p.path) for p in result.packages} == {(PackageType.APK, DB)}


def test_scalibr_alpine_318_matches() -> None:
    expected_json: dict[str, Any] = json.loads((SCALIBR / "installed.expected.json").read_text())
    expected = sorted(
        (p["name"], p["version"], p["source_name"], p["version"], p["arch"])
        for p in expected_json["packages"]
    )
    got, problems = analyze((SCALIBR / "installed").read_bytes())
    assert len(got) == 15
    assert got == expected
    assert problems == ()


@pytest.mark.parametrize(
    ("file", "expected"),
    [
        (
            "single",
            [("alpine-baselayout-data", "3.4.3-r1", "alpine-baselayout", "3.4.3-r1", "x86_64")],
        ),
        (
            "different-arch",
            [("alpine-baselayout-data", "3.4.3-r1", "alpine-baselayout", "3.4.3-r1", "noarch")],
        ),
        ("no-origin", [("pkgname", "1.2.3", "pkgname", "1.2.3", "x86_64")]),  # origin = name
    ],
)
def test_scalibr_edge_files(file: str, expected: list[Row]) -> None:
    assert analyze((SCALIBR / file).read_bytes()) == (expected, ())


def test_scalibr_invalid_is_an_error() -> None:
    with pytest.raises(AnalyzerError, match="not an apk database"):
        ApkAnalyzer().analyze(DB, (SCALIBR / "invalid").read_bytes())


@pytest.mark.parametrize(
    "content",
    [
        b"\x7fELF\x02\x01\x01\x00\x00\x00",
        b"<html>\n</html>\n",
        b"C:Q1abc=\nT:a description\n",  # apk-like, but no record names a package
    ],
)
def test_garbage_is_an_error_not_an_empty_result(content: bytes) -> None:
    with pytest.raises(AnalyzerError, match="not an apk database"):
        ApkAnalyzer().analyze(DB, content)


def test_empty_database() -> None:
    assert analyze(b"") == ([], ())
    assert analyze(b"\n\n") == ([], ())


def test_record_with_version_but_no_name() -> None:
    got, problems = analyze("P:a\nV:1-r0\n\nV:2-r0\nA:x86_64\n\nP:b\nV:3-r0\n")
    assert [row[0] for row in got] == ["a", "b"]
    assert problems == (
        "lib/apk/db/installed: record 2 at line 4 (version '2-r0') has no package name",
    )


def test_record_with_neither_name_nor_version() -> None:
    got, problems = analyze("P:a\nV:1-r0\n\nC:Q1abc=\nT:orphan\n")
    assert [row[0] for row in got] == ["a"]
    assert problems == ("lib/apk/db/installed: record 2 at line 4 has no package name or version",)


def test_malformed_line_is_a_problem_but_the_record_is_kept() -> None:
    got, problems = analyze("P:a\nV:1-r0\nnonsense\n")
    assert got == [("a", "1-r0", "a", "1-r0", "")]
    assert problems == (
        "lib/apk/db/installed: record 1 at line 1 (package 'a') has a line that is not 'X:value' "
        "(line 3)",
    )


def test_crlf_whitespace_separators_and_missing_trailing_newline() -> None:
    got, problems = analyze("P:a\r\nV:1-r0\r\no:asrc\r\n \r\nP:b\r\nV:2-r1\r\nA:aarch64")
    assert got == [("a", "1-r0", "asrc", "1-r0", ""), ("b", "2-r1", "b", "2-r1", "aarch64")]
    assert problems == ()


def test_non_utf8_in_free_text_is_tolerated_but_not_in_names() -> None:
    assert analyze(b"P:a\nV:1-r0\nm:Timo Ter\xe4s\n") == ([("a", "1-r0", "a", "1-r0", "")], ())
    got, problems = analyze(b"P:caf\xe9\nV:1-r0\n")
    assert got == []
    assert len(problems) == 1
    assert "not UTF-8" in problems[0]


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        (DB, True),
        (USR_DB, True),
        ("lib/apk/db/installed.new", False),
        ("lib/apk/db/scripts.tar", False),
        ("/lib/apk/db/installed", False),
        ("etc/apk/world", False),
    ],
)
def test_required(path: str, expected: bool) -> None:
    assert ApkAnalyzer().required(path) is expected


def test_combine_prefers_lib_apk_db() -> None:
    analyzer = ApkAnalyzer()
    lib = analyzer.analyze(DB, b"P:a\nV:1-r0\n")
    usr = analyzer.analyze(USR_DB, b"P:a\nV:0.9-r0\n\nP:b\nV:1-r0\n")
    assert analyzer.combine({DB: lib, USR_DB: usr}) == lib
    assert analyzer.combine({USR_DB: usr}) == usr
    assert analyzer.combine({}) == FileAnalysis()


def test_identity() -> None:
    assert ApkAnalyzer.id == "apk"
    assert ApkAnalyzer.version == 1
