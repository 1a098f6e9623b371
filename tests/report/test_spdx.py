"""The SPDX report: valid SPDX 2.3 JSON, one package per image and per installed package,
DESCRIBES/CONTAINS relationships, vulnerabilities as Annex K advisory references."""

from __future__ import annotations

import dataclasses
import json
import re
from typing import Any

import pytest

from regsentry import __version__
from regsentry.report.spdx import render_spdx
from tests.report.sample import (
    DEBIAN_IMAGE,
    GENERATED_AT,
    Scenario,
    dry_run,
    registry_scan,
    single_unmatched,
)
from tests.report.validation import spdx_errors

SPDX_ID = re.compile(r"^SPDXRef-[A-Za-z0-9.-]+$")


def spdx(scenario: Scenario) -> dict[str, Any]:
    text = render_spdx(
        scenario.results, generated_at=scenario.generated_at, database=scenario.database
    )
    document: dict[str, Any] = json.loads(text)
    return document


def package(document: dict[str, Any], name: str) -> dict[str, Any]:
    found: list[dict[str, Any]] = [p for p in document["packages"] if p["name"] == name]
    assert len(found) == 1, name
    return found[0]


def related(document: dict[str, Any], element: str, kind: str) -> list[str]:
    return [
        r["relatedSpdxElement"]
        for r in document["relationships"]
        if r["spdxElementId"] == element and r["relationshipType"] == kind
    ]


@pytest.mark.parametrize("make", [registry_scan, single_unmatched, dry_run])
def test_is_valid_spdx_2_3(make: Any) -> None:
    assert spdx_errors(spdx(make())) == []


def test_document_creation_info() -> None:
    document = spdx(registry_scan())
    assert document["spdxVersion"] == "SPDX-2.3"
    assert document["dataLicense"] == "CC0-1.0"
    assert document["SPDXID"] == "SPDXRef-DOCUMENT"
    assert document["creationInfo"] == {
        "created": "2024-05-02T08:30:15Z",
        "creators": [f"Tool: regsentry-{__version__}"],
    }


def test_namespace_is_a_stable_unique_uri() -> None:
    namespace = spdx(registry_scan())["documentNamespace"]
    assert namespace.startswith("https://")
    assert "#" not in namespace
    assert spdx(registry_scan())["documentNamespace"] == namespace
    later = dataclasses.replace(registry_scan(), generated_at=GENERATED_AT.replace(year=2025))
    assert spdx(later)["documentNamespace"] != namespace


def test_spdx_ids_are_valid_unique_and_every_relationship_resolves() -> None:
    document = spdx(registry_scan())
    ids = [p["SPDXID"] for p in document["packages"]]
    assert all(SPDX_ID.match(i) for i in ids)
    assert len(ids) == len(set(ids))
    known = {*ids, "SPDXRef-DOCUMENT", "NOASSERTION"}
    for relationship in document["relationships"]:
        assert relationship["spdxElementId"] in known
        assert relationship["relatedSpdxElement"] in known


def test_document_describes_each_image_which_contains_its_packages() -> None:
    document = spdx(registry_scan())
    images = [p for p in document["packages"] if p.get("primaryPackagePurpose") == "CONTAINER"]
    assert related(document, "SPDXRef-DOCUMENT", "DESCRIBES") == [i["SPDXID"] for i in images]
    app = package(document, "registry.example.com/team/app")
    contained = related(document, app["SPDXID"], "CONTAINS")
    inventory = DEBIAN_IMAGE.inventory
    assert inventory is not None
    assert len(contained) == 1 + len(inventory.packages)  # the OS, then each package
    assert package(document, "debian")["primaryPackagePurpose"] == "OPERATING-SYSTEM"
    assert app["versionInfo"] == str(DEBIAN_IMAGE.target.digest)
    assert app["builtDate"] == "2024-04-30T17:05:00Z"


def test_installed_package_fields() -> None:
    bash = package(spdx(registry_scan()), "bash")
    assert bash["versionInfo"] == "5.2.15-2+b2"
    assert bash["downloadLocation"] == "NOASSERTION"
    assert bash["supplier"] == "NOASSERTION"
    assert bash["licenseConcluded"] == bash["licenseDeclared"] == "NOASSERTION"
    assert bash["filesAnalyzed"] is False
    assert bash["sourceInfo"] == "built from source package bash 5.2.15-2"
    purl_ref = bash["externalRefs"][0]
    assert purl_ref == {
        "referenceCategory": "PACKAGE-MANAGER",
        "referenceType": "purl",
        "referenceLocator": "pkg:deb/debian/bash@5.2.15-2%2Bb2?arch=amd64&distro=debian-12",
    }


def test_vulnerabilities_are_security_advisory_references() -> None:
    document = spdx(registry_scan())
    libc = package(document, "libc6")
    advisories = [r for r in libc["externalRefs"] if r["referenceCategory"] == "SECURITY"]
    assert [r["referenceLocator"] for r in advisories] == [
        "https://nvd.nist.gov/vuln/detail/CVE-2023-4911",
        "https://nvd.nist.gov/vuln/detail/CVE-2010-4756",
    ]
    assert {r["referenceType"] for r in advisories} == {"advisory"}
    assert advisories[0]["comment"] == (
        "CVE-2023-4911 (high, CVSS 7.8, known exploited): fixed in 2.36-9+deb12u3"
    )
    assert advisories[1]["comment"].endswith("no fix yet")
    assert all(" " not in r["referenceLocator"] for r in libc["externalRefs"])
    assert "json, sarif and cyclonedx" in document["comment"]


def test_failed_image_is_visible_and_its_contents_unknown() -> None:
    document = spdx(registry_scan())
    worker = package(document, "registry.example.com/team/worker")
    assert "scan status: failed: layer" in worker["comment"]
    assert worker["annotations"][0]["comment"].startswith("scan status: failed")
    assert related(document, worker["SPDXID"], "CONTAINS") == ["NOASSERTION"]
    assert "registry.example.com/team/worker@" in document["comment"]
    assert "Not fully analysed" in document["comment"]


def test_without_advisory_database_the_comment_says_so() -> None:
    document = spdx(single_unmatched())
    assert "No advisory data was used" in document["comment"]
    alpine = package(document, "localhost:5000/library/alpine")
    assert "vulnerabilities: not assessed" in alpine["comment"]
    assert "Advisory data: 48213 records" in spdx(registry_scan())["comment"]
