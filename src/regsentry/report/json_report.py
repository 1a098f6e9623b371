"""The JSON report (SPEC §3, ``regsentry.report/v1``): stable keys, ISO 8601 dates."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from regsentry.model.advisory import SEVERITIES, DatabaseSummary, Finding, FindingChanges
from regsentry.model.digest import Digest
from regsentry.model.image import ImageResult, ImageStatus
from regsentry.model.package import Distro, Package
from regsentry.model.purl import purl
from regsentry.report import json_text

SCHEMA = "regsentry.report/v1"


def iso8601(moment: datetime | None) -> str | None:
    """``2024-05-01T12:00:00Z`` (UTC, whole seconds), or None."""
    if moment is None:
        return None
    return moment.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def image_document(result: ImageResult) -> dict[str, Any]:
    """One image of the report; analysed images also carry os, packages and analysis."""
    target = result.target
    document: dict[str, Any] = {
        "registry": target.registry,
        "repository": target.repository,
        "tags": list(target.tags),
        "digest": str(target.digest) if target.digest else None,
        "index_digest": str(target.index_digest) if target.index_digest else None,
        "platform": str(target.platform) if target.platform else None,
        "created": iso8601(target.created),
        "status": result.status.value,
        "error": result.error,
    }
    inventory = result.inventory
    if inventory is None:
        return document
    distro = inventory.distro
    document["os"] = (
        {"family": distro.family, "version": distro.version, "name": distro.name}
        if distro
        else None
    )
    document["packages"] = [package_document(p, distro) for p in inventory.packages]
    findings = result.vulnerabilities
    document["vulnerabilities"] = [finding_document(f) for f in findings or ()]
    document["summary"] = severity_counts(findings) if findings is not None else None
    document["notes"] = list(result.notes)
    document["analysis"] = {
        "analyzers": [{"id": id_, "version": version} for id_, version in inventory.analyzers],
        "files": [
            {"path": f.path, "analyzer": f.analyzer, "layer": str(f.layer)} for f in inventory.files
        ],
    }
    return document


def finding_document(finding: Finding) -> dict[str, Any]:
    """One vulnerability (SPEC §3 keys, plus ``epss`` and why it matched)."""
    match = finding.match
    return {
        "id": finding.id,
        "aliases": list(finding.aliases),
        "package": finding.package,
        "source_name": finding.source_name,
        "installed_version": finding.installed_version,
        "fixed_version": finding.fixed_version,
        "severity": finding.severity,
        "cvss_score": finding.cvss_score,
        "known_exploited": finding.known_exploited,
        "epss": finding.epss,
        "summary": finding.summary,
        "match": {
            "advisories": list(match.advisory_ids),
            "ecosystem": match.ecosystem,
            "matched_by": match.matched_by,
            "name": match.matched_name,
            "constraint": match.constraint,
            "sources": list(match.sources),
        },
        "notes": list(finding.notes),
    }


def severity_counts(findings: Iterable[Finding] | None) -> dict[str, int]:
    """``{"critical": n, …, "unknown": n}`` in SEVERITIES order."""
    counts = Counter(f.severity for f in findings or ())
    return {severity: counts[severity] for severity in SEVERITIES}


def package_document(package: Package, distro: Distro | None) -> dict[str, Any]:
    """One package (SPEC §3 keys)."""
    return {
        "type": package.type.value,
        "name": package.name,
        "version": package.version,
        "arch": package.arch,
        "source_name": package.source_name or package.name,
        "source_version": package.source_version or package.version,
        "purl": purl(package, distro),
        "layer": str(package.layer) if package.layer else None,
    }


def report_document(
    results: Sequence[ImageResult],
    *,
    generated_at: datetime,
    database: DatabaseSummary | None = None,
    changes: Mapping[Digest, FindingChanges] | None = None,
) -> dict[str, Any]:
    """The whole report as a JSON-ready dict.

    Without advisory data (a dry run, or an image listed before any advisory database
    existed) nothing can be said about vulnerabilities, so the summaries say ``null``
    there rather than zeros that would read as "clean", and ``advisories.used`` is false.
    """
    statuses = Counter(result.status for result in results)
    matched = [r.vulnerabilities for r in results if r.vulnerabilities is not None]
    summary: dict[str, Any] = {
        "images": len(results),
        "scanned": statuses[ImageStatus.SCANNED],
        "failed": statuses[ImageStatus.FAILED],
        "skipped": statuses[ImageStatus.SKIPPED],
        "planned": statuses[ImageStatus.PLANNED],
        "vulnerabilities": (
            severity_counts(f for findings in matched for f in findings) if matched else None
        ),
    }
    return {
        "schema": SCHEMA,
        "generated_at": iso8601(generated_at),
        "advisories": advisories_document(database),
        "images": [_with_changes(image_document(result), result, changes) for result in results],
        "summary": summary,
    }


def _with_changes(
    document: dict[str, Any],
    result: ImageResult,
    changes: Mapping[Digest, FindingChanges] | None,
) -> dict[str, Any]:
    """Add what the last match changed (``changes.new`` / ``changes.resolved``)."""
    digest = result.target.digest
    if changes is not None and digest is not None and digest in changes:
        change = changes[digest]
        document["changes"] = {
            "new": [finding_document(f) for f in change.new],
            "resolved": [finding_document(f) for f in change.resolved],
        }
    return document


def advisories_document(database: DatabaseSummary | None) -> dict[str, Any]:
    """What advisory data the report rests on, with a warning when it is thin."""
    if database is None:
        return {
            "used": False,
            "note": "no advisory data was used: vulnerabilities were not assessed",
        }
    note = None
    if database.empty:
        note = "the advisory database is empty: run `regsentry db update` or `db import`"
    elif database.stale:
        note = "the advisory database is stale: run `regsentry db update`"
    return {
        "used": True,
        "database": database.path,
        "records": database.advisories,
        "updated": iso8601(database.updated),
        "sources": list(database.sources),
        "stale": database.stale,
        "empty": database.empty,
        "note": note,
    }


def render_json(
    results: Sequence[ImageResult],
    *,
    generated_at: datetime,
    database: DatabaseSummary | None = None,
    changes: Mapping[Digest, FindingChanges] | None = None,
) -> str:
    """The report as JSON text: indented, one package or finding per line."""
    document = report_document(
        results, generated_at=generated_at, database=database, changes=changes
    )
    return json_text.dumps(document) + "\n"


def report_fingerprint(
    results: Sequence[ImageResult],
    *,
    generated_at: datetime,
    database: DatabaseSummary | None = None,
) -> str:
    """The report's content in one canonical string (sorted keys, compact), from which
    SPDX and CycloneDX derive stable document ids: same content, same id."""
    document = report_document(results, generated_at=generated_at, database=database)
    return json.dumps(document, sort_keys=True, separators=(",", ":"))
