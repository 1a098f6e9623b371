"""The JSON report (SPEC §3, ``regsentry.report/v1``): stable keys, ISO 8601 dates."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from regsentry.model.image import ImageResult, ImageStatus

SCHEMA = "regsentry.report/v1"


def iso8601(moment: datetime | None) -> str | None:
    """``2024-05-01T12:00:00Z`` (UTC, whole seconds), or None."""
    if moment is None:
        return None
    return moment.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def image_document(result: ImageResult) -> dict[str, Any]:
    """One image of the report."""
    target = result.target
    return {
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


def report_document(results: Sequence[ImageResult], *, generated_at: datetime) -> dict[str, Any]:
    """The whole report as a JSON-ready dict.

    A dry run has nothing to say about vulnerabilities, so its summary says ``null``
    there rather than zeros that would read as "clean".
    """
    statuses = Counter(result.status for result in results)
    summary: dict[str, Any] = {
        "images": len(results),
        "scanned": statuses[ImageStatus.SCANNED],
        "failed": statuses[ImageStatus.FAILED],
        "skipped": statuses[ImageStatus.SKIPPED],
        "planned": statuses[ImageStatus.PLANNED],
        "vulnerabilities": None,
    }
    return {
        "schema": SCHEMA,
        "generated_at": iso8601(generated_at),
        "images": [image_document(result) for result in results],
        "summary": summary,
    }


def render_json(results: Sequence[ImageResult], *, generated_at: datetime) -> str:
    """The report as indented JSON text."""
    return json.dumps(report_document(results, generated_at=generated_at), indent=2) + "\n"
