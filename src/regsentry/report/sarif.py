"""The SARIF 2.1.0 report (OASIS), for code-scanning dashboards and CI annotations.

One run; one rule per vulnerability id (its summary, advisory link and CVSS score as the
``security-severity`` that GitHub code scanning ranks by); one result per (image, finding),
located in the image (a logical location naming ``registry/repository@digest``) and, when
known, in the package database file that listed the package. Severity maps to the three
SARIF levels: critical and high are ``error``, medium ``warning``, the rest ``note``.

Partial results are values (ARCHITECTURE pattern 6): SARIF only has results for what was
found, so an image that was not analysed would look clean. Every image that was not fully
analysed and matched (failed, skipped, planned, or analysed without advisory data) is
therefore a tool-execution notification of the run's invocation, and ``run.properties``
lists every image with its status, so "no results" can be told apart from "not looked at".

``partialFingerprints`` hash the image's location and digest, the vulnerability id and
the package, so a dashboard keeps one alert per finding across repeated scans.

The public helpers (:func:`image_reference`, :func:`oci_purl`, :func:`advisory_url`,
:func:`rating`, :func:`fix_text`, :func:`finding_packages`) are shared with the CycloneDX
and SPDX reports, so that images, advisories and findings are named alike in every format.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Any
from urllib.parse import quote

from packageurl import PackageURL

from regsentry import __version__
from regsentry.model.advisory import SEVERITIES, DatabaseSummary, Finding
from regsentry.model.image import ImageResult, ImageStatus, ImageTarget
from regsentry.model.package import Package
from regsentry.model.purl import purl
from regsentry.report.json_report import (
    advisories_document,
    finding_document,
    image_document,
    iso8601,
    report_document,
)

SCHEMA_URI = (
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
)
TOOL_NAME = "regsentry"
#: Where a reader learns about the tool (the project has no web site of its own yet).
INFORMATION_URI = "https://pypi.org/project/regsentry/"
#: The key of :func:`fingerprint` in ``partialFingerprints``; bump the suffix if it changes.
FINGERPRINT_KEY = "regsentryFinding/v1"

LEVELS: dict[str, str] = {
    "critical": "error",
    "high": "error",
    "medium": "warning",
    "low": "note",
    "negligible": "note",
    "unknown": "note",
}

#: Notification descriptors (``tool.driver.notifications``), in a fixed order so that
#: their indexes are stable.
NOTIFICATIONS: tuple[tuple[str, str], ...] = (
    ("image-failed", "The image could not be fully analysed; its results are incomplete."),
    ("image-skipped", "The image was not analysed, for the reason given."),
    ("image-planned", "The image was only listed (dry run); it was not analysed."),
    ("image-not-matched", "The image was analysed but not matched against advisories."),
    ("image-note", "Something matching could not cover in this image."),
    ("advisories", "The advisory data this report rests on is missing, empty or stale."),
)
#: The JSON report's keys that say which image and what became of it.
_IMAGE_KEYS = (
    "registry",
    "repository",
    "tags",
    "digest",
    "index_digest",
    "platform",
    "created",
    "status",
    "error",
)
_NOTIFICATION_INDEX = {id_: index for index, (id_, _) in enumerate(NOTIFICATIONS)}


def image_reference(target: ImageTarget) -> str:
    """``registry/repository@digest``; the first tag stands in when there is no digest."""
    name = f"{target.registry}/{target.repository}"
    if target.digest:
        return f"{name}@{target.digest}"
    return f"{name}:{target.tags[0]}" if target.tags else name


def advisory_url(vulnerability_id: str) -> str:
    """A public page for a vulnerability id: NVD for CVEs, osv.dev for everything else."""
    if vulnerability_id.startswith("CVE-"):
        return f"https://nvd.nist.gov/vuln/detail/{quote(vulnerability_id)}"
    return f"https://osv.dev/vulnerability/{quote(vulnerability_id)}"


def oci_purl(target: ImageTarget) -> str | None:
    """``pkg:oci/NAME@sha256:…?arch=…&repository_url=REGISTRY/REPOSITORY&tag=…`` (purl spec)."""
    if target.digest is None:
        return None
    qualifiers = {"repository_url": f"{target.registry}/{target.repository}"}
    if target.platform:
        qualifiers["arch"] = target.platform.architecture
    if target.tags:
        qualifiers["tag"] = target.tags[0]
    return PackageURL(
        type="oci",
        name=target.repository.rsplit("/", 1)[-1].lower(),
        version=str(target.digest),
        qualifiers=qualifiers,
    ).to_string()


def rating(finding: Finding) -> str:
    """``critical, CVSS 9.8, known exploited``: what ranks a finding, in words."""
    parts: list[str] = [finding.severity]
    if finding.cvss_score is not None:
        parts.append(f"CVSS {finding.cvss_score:.1f}")
    if finding.known_exploited:
        parts.append("known exploited")
    return ", ".join(parts)


def fix_text(finding: Finding) -> str:
    """``fixed in 1.2-3`` or ``no fix yet`` (SPEC §3's words)."""
    return f"fixed in {finding.fixed_version}" if finding.fixed_version else "no fix yet"


def finding_packages(result: ImageResult, finding: Finding) -> list[Package]:
    """The installed packages a finding is about (several only for multi-arch installs)."""
    inventory = result.inventory
    if inventory is None:
        return []
    return [
        package
        for package in inventory.packages
        if package.name == finding.package
        and package.version == finding.package_version
        and package.type.value == finding.package_type
    ]


def fingerprint(target: ImageTarget, finding: Finding) -> str:
    """A stable hash of where (image) and what (vulnerability, package) a result is."""
    parts = (
        target.registry,
        target.repository,
        str(target.digest or ""),
        finding.id,
        finding.package_type,
        finding.package,
    )
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()


def sarif_document(
    results: Sequence[ImageResult],
    *,
    generated_at: datetime,
    database: DatabaseSummary | None = None,
) -> dict[str, Any]:
    """The SARIF log as a JSON-ready dict."""
    rules = _rules(results)
    rule_index = {rule["id"]: index for index, rule in enumerate(rules)}
    notifications = list(_notifications(results, database))
    summary = report_document(results, generated_at=generated_at, database=database)["summary"]
    run: dict[str, Any] = {
        "tool": {
            "driver": {
                "name": TOOL_NAME,
                "version": __version__,
                "semanticVersion": __version__,
                "informationUri": INFORMATION_URI,
                "rules": rules,
                "notifications": [
                    {"id": id_, "shortDescription": {"text": text}} for id_, text in NOTIFICATIONS
                ],
            }
        },
        "invocations": [
            {
                "executionSuccessful": not any(r.status is ImageStatus.FAILED for r in results),
                "endTimeUtc": iso8601(generated_at),
                "toolExecutionNotifications": notifications,
            }
        ],
        "results": [
            _result(result, finding, rule_index[finding.id])
            for result in results
            for finding in result.vulnerabilities or ()
        ],
        "properties": {
            "generated_at": iso8601(generated_at),
            "advisories": advisories_document(database),
            "images": [_image_status(result) for result in results],
            "summary": summary,
        },
    }
    return {"$schema": SCHEMA_URI, "version": "2.1.0", "runs": [run]}


def render_sarif(
    results: Sequence[ImageResult],
    *,
    generated_at: datetime,
    database: DatabaseSummary | None = None,
) -> str:
    """The SARIF log as indented JSON text."""
    document = sarif_document(results, generated_at=generated_at, database=database)
    return json.dumps(document, indent=2) + "\n"


def _rules(results: Sequence[ImageResult]) -> list[dict[str, Any]]:
    """One rule per vulnerability id, rated by its most severe finding."""
    by_id: dict[str, list[Finding]] = {}
    for result in results:
        for finding in result.vulnerabilities or ():
            by_id.setdefault(finding.id, []).append(finding)
    return [_rule(id_, by_id[id_]) for id_ in sorted(by_id)]


def _rule(vulnerability_id: str, findings: Sequence[Finding]) -> dict[str, Any]:
    severity = min((f.severity for f in findings), key=SEVERITIES.index)
    score = max((f.cvss_score for f in findings if f.cvss_score is not None), default=None)
    summary = next((f.summary for f in findings if f.summary), "")
    aliases = sorted({alias for f in findings for alias in f.aliases})
    known_exploited = any(f.known_exploited for f in findings)
    url = advisory_url(vulnerability_id)
    facts = [f"Severity: {severity}" + (f" (CVSS {score:.1f})" if score is not None else "")]
    if known_exploited:
        facts.append("Known exploited (CISA KEV)")
    if aliases:
        facts.append("Aliases: " + ", ".join(aliases))
    title = summary or vulnerability_id
    tags = ["security", "vulnerability", severity]
    if known_exploited:
        tags.append("known-exploited")
    properties: dict[str, Any] = {"tags": tags, "severity": severity, "aliases": aliases}
    if score is not None:
        properties["security-severity"] = f"{score:.1f}"
    return {
        "id": vulnerability_id,
        "shortDescription": {"text": title},
        "fullDescription": {"text": f"{vulnerability_id}: {title}"},
        "helpUri": url,
        "help": {
            "text": "\n".join([f"{vulnerability_id}: {title}", *facts, f"Advisory: {url}"]),
            "markdown": "\n\n".join(
                [f"**{vulnerability_id}**: {title}", *facts, f"Advisory: [{url}]({url})"]
            ),
        },
        "defaultConfiguration": {"level": LEVELS[severity]},
        "properties": properties,
    }


def _result(result: ImageResult, finding: Finding, rule_index: int) -> dict[str, Any]:
    target = result.target
    reference = image_reference(target)
    packages = finding_packages(result, finding)
    package = packages[0] if packages else None
    location: dict[str, Any] = {}
    if package is not None and package.path:
        location["physicalLocation"] = {"artifactLocation": {"uri": quote(package.path)}}
    location["logicalLocations"] = [_image_location(target)]
    distro = result.inventory.distro if result.inventory else None
    properties: dict[str, Any] = {
        "image": reference,
        "purl": purl(package, distro) if package else None,
        "layer": str(package.layer) if package and package.layer else None,
        **finding_document(finding),
    }
    return {
        "ruleId": finding.id,
        "ruleIndex": rule_index,
        "level": LEVELS[finding.severity],
        "message": {"text": _message(finding, reference)},
        "locations": [location],
        "partialFingerprints": {FINGERPRINT_KEY: fingerprint(target, finding)},
        "properties": properties,
    }


def _message(finding: Finding, reference: str) -> str:
    package = f"{finding.package} {finding.installed_version}"
    if finding.source_name and finding.source_name != finding.package:
        package += f" (source package {finding.source_name})"
    return (
        f"{package} in {reference} is affected by "
        f"{finding.id} ({rating(finding)}): {fix_text(finding)}."
    )


def _image_location(target: ImageTarget) -> dict[str, Any]:
    reference = image_reference(target)
    return {"name": reference, "fullyQualifiedName": reference, "kind": "container-image"}


def _image_status(result: ImageResult) -> dict[str, Any]:
    """What became of one image: the JSON report's image keys, without its contents."""
    document = image_document(result)
    inventory = result.inventory
    status: dict[str, Any] = {
        "reference": image_reference(result.target),
        "purl": oci_purl(result.target),
    }
    status.update((key, document[key]) for key in _IMAGE_KEYS)
    status["packages"] = len(inventory.packages) if inventory else None
    status["vulnerabilities_assessed"] = result.vulnerabilities is not None
    status["summary"] = document.get("summary")
    return status


def _notifications(
    results: Sequence[ImageResult], database: DatabaseSummary | None
) -> Iterator[dict[str, Any]]:
    note = advisories_document(database)["note"]
    if note:
        yield _notification("advisories", "warning", f"{note[0].upper()}{note[1:]}.")
    for result in results:
        reference = image_reference(result.target)
        reason = f": {result.error}" if result.error else ""
        if result.status is ImageStatus.FAILED:
            text = f"{reference} could not be fully analysed (failed){reason}."
            yield _notification("image-failed", "error", text, result)
        elif result.status is ImageStatus.SKIPPED:
            text = f"{reference} was not analysed (skipped){reason}."
            yield _notification("image-skipped", "warning", text, result)
        elif result.status is ImageStatus.PLANNED:
            text = f"{reference} was listed but not analysed (planned, dry run)."
            yield _notification("image-planned", "note", text, result)
        elif result.vulnerabilities is None:
            text = f"{reference} was analysed but its vulnerabilities were not assessed."
            yield _notification("image-not-matched", "warning", text, result)
        for extra in result.notes:
            yield _notification("image-note", "warning", f"{reference}: {extra}.", result)


def _notification(
    descriptor: str, level: str, text: str, result: ImageResult | None = None
) -> dict[str, Any]:
    notification: dict[str, Any] = {
        "descriptor": {"id": descriptor, "index": _NOTIFICATION_INDEX[descriptor]},
        "level": level,
        "message": {"text": text},
    }
    if result is not None:
        notification["locations"] = [{"logicalLocations": [_image_location(result.target)]}]
        notification["properties"] = {
            "status": result.status.value,
            "error": result.error,
        }
    return notification
