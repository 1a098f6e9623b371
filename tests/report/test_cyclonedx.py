"""The CycloneDX report: valid CycloneDX 1.6, images and packages as components, and every
finding as a vulnerability that points at the affected package component."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import pytest

from regsentry.report.cyclonedx_report import render_cyclonedx
from tests.report.sample import (
    DEBIAN_IMAGE,
    GENERATED_AT,
    Scenario,
    dry_run,
    registry_scan,
    single_unmatched,
)
from tests.report.validation import cyclonedx_errors


def text_of(scenario: Scenario) -> str:
    return render_cyclonedx(
        scenario.results, generated_at=scenario.generated_at, database=scenario.database
    )


def bom_of(scenario: Scenario) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(text_of(scenario))
    return document


def properties(element: dict[str, Any]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for item in element.get("properties", ()):
        found.setdefault(item["name"], []).append(item["value"])
    return found


def by_name(bom: dict[str, Any], name: str) -> dict[str, Any]:
    found: list[dict[str, Any]] = [c for c in bom["components"] if c["name"] == name]
    assert len(found) == 1, name
    return found[0]


@pytest.mark.parametrize("make", [registry_scan, single_unmatched, dry_run])
def test_is_valid_cyclonedx_1_6(make: Any) -> None:
    assert cyclonedx_errors(text_of(make())) == []
    assert bom_of(make())["specVersion"] == "1.6"


def test_serial_number_is_derived_from_the_inputs() -> None:
    first = bom_of(registry_scan())["serialNumber"]
    assert bom_of(registry_scan())["serialNumber"] == first
    later = dataclasses.replace(registry_scan(), generated_at=GENERATED_AT.replace(year=2025))
    assert bom_of(later)["serialNumber"] != first
    assert first.startswith("urn:uuid:")


def test_metadata_names_the_tool_and_the_time() -> None:
    metadata = bom_of(registry_scan())["metadata"]
    assert metadata["timestamp"].startswith("2024-05-02T08:30:15")
    (tool,) = metadata["tools"]["components"]
    assert tool["name"] == "regsentry"


def test_one_image_is_the_metadata_component() -> None:
    bom = bom_of(single_unmatched())
    subject = bom["metadata"]["component"]
    assert subject["type"] == "container"
    assert subject["name"] == "localhost:5000/library/alpine"
    assert subject["purl"].startswith("pkg:oci/alpine@sha256")
    assert all(c["type"] != "container" for c in bom["components"])


def test_several_images_hang_under_a_scan_component() -> None:
    bom = bom_of(registry_scan())
    subject = bom["metadata"]["component"]
    images = [c for c in bom["components"] if c["type"] == "container"]
    assert len(images) == 3
    dependencies = {d["ref"]: set(d.get("dependsOn", ())) for d in bom["dependencies"]}
    assert dependencies[subject["bom-ref"]] == {image["bom-ref"] for image in images}


def test_packages_are_library_components_with_purl_and_provenance() -> None:
    bom = bom_of(registry_scan())
    libc = by_name(bom, "libc6")
    assert libc["type"] == "library"
    assert libc["version"] == "2.36-9+deb12u1"
    assert libc["purl"] == "pkg:deb/debian/libc6@2.36-9%2Bdeb12u1?arch=amd64&distro=debian-12"
    found = properties(libc)
    assert found["regsentry:source_name"] == ["glibc"]
    assert found["regsentry:arch"] == ["amd64"]
    assert found["regsentry:layer"] == [f"sha256:{'1' * 64}"]
    assert found["regsentry:package_type"] == ["deb"]
    os_component = by_name(bom, "debian")
    assert os_component["type"] == "operating-system"
    assert os_component["version"] == "12"
    image = by_name(bom, "registry.example.com/team/app")
    dependencies = {d["ref"]: set(d.get("dependsOn", ())) for d in bom["dependencies"]}
    assert {libc["bom-ref"], os_component["bom-ref"]} <= dependencies[image["bom-ref"]]
    assert len(dependencies[image["bom-ref"]]) == 1 + len(DEBIAN_IMAGE.inventory.packages)  # type: ignore[union-attr]


def test_bom_refs_are_unique_and_vulnerabilities_point_at_components() -> None:
    bom = bom_of(registry_scan())
    refs = [c["bom-ref"] for c in bom["components"]] + [bom["metadata"]["component"]["bom-ref"]]
    assert len(refs) == len(set(refs))
    for vulnerability in bom["vulnerabilities"]:
        for affect in vulnerability["affects"]:
            assert affect["ref"] in refs
            assert affect["versions"][0]["status"] == "affected"


def test_vulnerability_carries_rating_fix_kev_and_why() -> None:
    bom = bom_of(registry_scan())
    by_key = {
        (v["id"], by_ref(bom, v["affects"][0]["ref"])["name"]): v for v in bom["vulnerabilities"]
    }
    assert len(by_key) == len(DEBIAN_IMAGE.vulnerabilities or ())
    glibc = by_key["CVE-2023-4911", "libc6"]
    (rating,) = glibc["ratings"]
    assert rating["severity"] == "high"
    assert rating["score"] == 7.8
    assert glibc["recommendation"] == "Upgrade libc6 to 2.36-9+deb12u3."
    assert glibc["source"]["url"] == "https://nvd.nist.gov/vuln/detail/CVE-2023-4911"
    assert properties(glibc)["regsentry:known_exploited"] == ["true"]
    assert properties(glibc)["regsentry:epss"] == ["0.8421"]
    assert "source package glibc" in glibc["analysis"]["detail"]
    assert glibc["affects"][0]["versions"][0]["version"] == "2.36-9+deb12u1"
    zlib = by_key["CVE-2023-45853", "zlib1g"]
    assert zlib["ratings"][0]["severity"] == "unknown"
    assert "score" not in zlib["ratings"][0]
    assert zlib["recommendation"] == "No fixed version is available yet."
    assert by_key["CVE-2010-4756", "libc6"]["ratings"][0]["severity"] == "info"


def by_ref(bom: dict[str, Any], ref: str) -> dict[str, Any]:
    found: list[dict[str, Any]] = [c for c in bom["components"] if c["bom-ref"] == ref]
    assert len(found) == 1, ref
    return found[0]


def test_identical_findings_in_two_images_share_one_vulnerability() -> None:
    mirror = dataclasses.replace(
        DEBIAN_IMAGE, target=dataclasses.replace(DEBIAN_IMAGE.target, registry="mirror.example")
    )
    bom = bom_of(Scenario((DEBIAN_IMAGE, mirror), GENERATED_AT, None))
    curl = [v for v in bom["vulnerabilities"] if v["bom-ref"].endswith("|curl@7.88.1-10+deb12u3")]
    (entry,) = curl
    assert len(entry["affects"]) == 2


def test_failed_image_is_a_component_with_its_status_and_reason() -> None:
    bom = bom_of(registry_scan())
    worker = properties(by_name(bom, "registry.example.com/team/worker"))
    assert worker["regsentry:status"] == ["failed"]
    assert "does not match its digest" in worker["regsentry:error"][0]
    assert worker["regsentry:vulnerabilities_assessed"] == ["false"]
    app = properties(by_name(bom, "registry.example.com/team/app"))
    assert app["regsentry:status"] == ["scanned"]
    assert app["regsentry:vulnerabilities_assessed"] == ["true"]


def test_without_advisory_database_a_property_says_so() -> None:
    metadata = bom_of(single_unmatched())["metadata"]
    found = properties(metadata)
    assert found["regsentry:advisories:used"] == ["false"]
    assert "not assessed" in found["regsentry:advisories:note"][0]
    assert properties(bom_of(registry_scan())["metadata"])["regsentry:advisories:used"] == ["true"]
