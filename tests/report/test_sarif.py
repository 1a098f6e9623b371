"""The SARIF report: valid SARIF 2.1.0, one rule per vulnerability, one result per image
and finding, and nothing about an unanalysed image silently dropped."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import pytest

from regsentry import __version__
from regsentry.model.image import ImageStatus
from regsentry.report.sarif import (
    FINGERPRINT_KEY,
    LEVELS,
    advisory_url,
    image_reference,
    render_sarif,
)
from tests.report.sample import (
    DEBIAN_IMAGE,
    GENERATED_AT,
    Scenario,
    digest,
    dry_run,
    registry_scan,
    single_unmatched,
)
from tests.report.validation import sarif_errors


def sarif(scenario: Scenario) -> dict[str, Any]:
    text = render_sarif(
        scenario.results, generated_at=scenario.generated_at, database=scenario.database
    )
    document: dict[str, Any] = json.loads(text)
    return document


def run_of(scenario: Scenario) -> dict[str, Any]:
    run: dict[str, Any] = sarif(scenario)["runs"][0]
    return run


def notifications(run: dict[str, Any]) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = run["invocations"][0]["toolExecutionNotifications"]
    return found


@pytest.mark.parametrize("make", [registry_scan, single_unmatched, dry_run])
def test_is_valid_sarif(make: Any) -> None:
    assert sarif_errors(sarif(make())) == []


def test_tool_driver_names_regsentry_with_its_version() -> None:
    driver = run_of(registry_scan())["tool"]["driver"]
    assert driver["name"] == "regsentry"
    assert driver["version"] == __version__
    assert driver["informationUri"].startswith("https://")


def test_one_rule_per_vulnerability_rated_by_cvss() -> None:
    rules = {rule["id"]: rule for rule in run_of(registry_scan())["tool"]["driver"]["rules"]}
    assert sorted(rules) == [
        "CVE-2010-4756",
        "CVE-2022-3715",
        "CVE-2023-38545",
        "CVE-2023-45853",
        "CVE-2023-4911",
    ]
    curl = rules["CVE-2023-38545"]
    assert curl["shortDescription"]["text"] == "SOCKS5 heap buffer overflow"
    assert curl["helpUri"] == "https://nvd.nist.gov/vuln/detail/CVE-2023-38545"
    assert curl["properties"]["security-severity"] == "9.8"
    assert "known-exploited" in rules["CVE-2023-4911"]["properties"]["tags"]
    # A rating without a CVSS score has no security-severity rather than a made-up one.
    assert "security-severity" not in rules["CVE-2022-3715"]["properties"]


@pytest.mark.parametrize(
    ("severity", "level"),
    [
        ("critical", "error"),
        ("high", "error"),
        ("medium", "warning"),
        ("low", "note"),
        ("negligible", "note"),
        ("unknown", "note"),
    ],
)
def test_severity_maps_to_level(severity: str, level: str) -> None:
    assert LEVELS[severity] == level


def test_one_result_per_image_and_finding() -> None:
    run = run_of(registry_scan())
    results = run["results"]
    assert len(results) == len(DEBIAN_IMAGE.vulnerabilities or ())
    rules = run["tool"]["driver"]["rules"]
    for result in results:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
    levels = {(r["ruleId"], r["properties"]["package"]): r["level"] for r in results}
    assert levels == {
        ("CVE-2023-38545", "curl"): "error",
        ("CVE-2023-38545", "libcurl4"): "error",
        ("CVE-2023-4911", "libc6"): "error",
        ("CVE-2022-3715", "bash"): "warning",
        ("CVE-2010-4756", "libc6"): "note",
        ("CVE-2023-45853", "zlib1g"): "note",
    }


def test_result_message_and_locations() -> None:
    results = run_of(registry_scan())["results"]
    reference = image_reference(DEBIAN_IMAGE.target)
    by_key = {(r["ruleId"], r["properties"]["package"]): r for r in results}
    libcurl = by_key["CVE-2023-38545", "libcurl4"]
    text = libcurl["message"]["text"]
    assert "libcurl4 7.88.1-10+deb12u3 (source package curl)" in text
    assert reference in text
    assert "fixed in 7.88.1-10+deb12u4" in text
    assert "no fix yet" in by_key["CVE-2023-45853", "zlib1g"]["message"]["text"]
    assert "known exploited" in by_key["CVE-2023-4911", "libc6"]["message"]["text"]
    (location,) = libcurl["locations"]
    assert location["physicalLocation"]["artifactLocation"]["uri"] == "var/lib/dpkg/status"
    assert location["logicalLocations"][0]["fullyQualifiedName"] == reference
    assert libcurl["properties"]["purl"].startswith("pkg:deb/debian/libcurl4@")


def test_fingerprints_are_stable_and_distinct() -> None:
    first = [r["partialFingerprints"][FINGERPRINT_KEY] for r in run_of(registry_scan())["results"]]
    later = dataclasses.replace(registry_scan(), generated_at=GENERATED_AT.replace(year=2025))
    again = [r["partialFingerprints"][FINGERPRINT_KEY] for r in run_of(later)["results"]]
    assert first == again
    assert len(set(first)) == len(first)


def test_fingerprint_changes_with_the_image_digest() -> None:
    rebuilt = dataclasses.replace(
        DEBIAN_IMAGE, target=dataclasses.replace(DEBIAN_IMAGE.target, digest=digest("9"))
    )
    scenario = Scenario((DEBIAN_IMAGE, rebuilt), GENERATED_AT, None)
    results = run_of(scenario)["results"]
    half = len(results) // 2
    old = {r["partialFingerprints"][FINGERPRINT_KEY] for r in results[:half]}
    new = {r["partialFingerprints"][FINGERPRINT_KEY] for r in results[half:]}
    assert old.isdisjoint(new)


def test_failed_and_skipped_images_are_notifications() -> None:
    run = run_of(registry_scan())
    found = {n["descriptor"]["id"]: n for n in notifications(run)}
    failed = found["image-failed"]
    assert failed["level"] == "error"
    assert "does not match its digest" in failed["message"]["text"]
    assert "registry.example.com/team/worker@" in failed["message"]["text"]
    assert found["image-skipped"]["level"] == "warning"
    assert "windows" in found["image-skipped"]["message"]["text"]
    assert run["invocations"][0]["executionSuccessful"] is False
    descriptors = run["tool"]["driver"]["notifications"]
    for notification in notifications(run):
        descriptor = notification["descriptor"]
        assert descriptors[descriptor["index"]]["id"] == descriptor["id"]


def test_every_image_has_a_status_so_clean_differs_from_not_analysed() -> None:
    images = run_of(registry_scan())["properties"]["images"]
    assert [(i["status"], i["vulnerabilities_assessed"]) for i in images] == [
        (ImageStatus.SCANNED.value, True),
        (ImageStatus.FAILED.value, False),
        (ImageStatus.SKIPPED.value, False),
    ]
    assert images[1]["error"]


def test_a_clean_scanned_image_has_no_results_and_no_notification() -> None:
    clean = dataclasses.replace(DEBIAN_IMAGE, vulnerabilities=())
    run = run_of(Scenario((clean,), GENERATED_AT, registry_scan().database))
    assert run["results"] == []
    assert notifications(run) == []
    assert run["invocations"][0]["executionSuccessful"] is True
    assert run["properties"]["images"][0]["vulnerabilities_assessed"] is True


def test_without_advisory_database_a_notification_says_so() -> None:
    run = run_of(single_unmatched())
    ids = [n["descriptor"]["id"] for n in notifications(run)]
    assert ids == ["advisories", "image-not-matched"]
    assert "no advisory data" in notifications(run)[0]["message"]["text"].lower()
    assert run["properties"]["advisories"]["used"] is False


def test_planned_images_are_notes() -> None:
    run = run_of(dry_run())
    planned = [n for n in notifications(run) if n["descriptor"]["id"] == "image-planned"]
    assert len(planned) == 2
    assert {n["level"] for n in planned} == {"note"}


@pytest.mark.parametrize(
    ("vulnerability", "url"),
    [
        ("CVE-2024-1234", "https://nvd.nist.gov/vuln/detail/CVE-2024-1234"),
        ("GHSA-9wx4-h78v-vm56", "https://osv.dev/vulnerability/GHSA-9wx4-h78v-vm56"),
        ("DEBIAN-CVE-2024-1", "https://osv.dev/vulnerability/DEBIAN-CVE-2024-1"),
    ],
)
def test_advisory_url(vulnerability: str, url: str) -> None:
    assert advisory_url(vulnerability) == url
