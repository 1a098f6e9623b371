"""The CISA Known Exploited Vulnerabilities catalogue (JSON).

``{title, catalogVersion, dateReleased, count, vulnerabilities: [{cveID, dateAdded,
dueDate, knownRansomwareCampaignUse ("Known"/"Unknown"), …}]}`` →
:class:`~regsentry.model.advisory.KnownExploited` entries. The catalogue version is kept
as the source's version so ``db status`` can show which catalogue is loaded.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date

from regsentry.model.advisory import KnownExploited
from regsentry.vulndb.errors import InvalidFeedError
from regsentry.vulndb.feeds import SkipFn

_CVE_ID = re.compile(r"^CVE-\d{4}-\d{4,}$")


@dataclass(frozen=True)
class KevCatalog:
    """The catalogue's own version and its entries (read lazily)."""

    version: str
    declared_count: int | None
    vulnerabilities: list[object]


def looks_like_kev(document: object) -> bool:
    """Whether a decoded document is a KEV catalogue."""
    return (
        isinstance(document, Mapping)
        and isinstance(document.get("vulnerabilities"), list)
        and ("catalogVersion" in document or "Known Exploited" in str(document.get("title")))
    )


def read_catalog(document: object, *, origin: str) -> KevCatalog:
    """The catalogue header; InvalidFeedError when the document is not a catalogue."""
    if not looks_like_kev(document):
        raise InvalidFeedError(f"{origin}: not a CISA KEV catalogue")
    assert isinstance(document, Mapping)
    count = document.get("count")
    return KevCatalog(
        version=str(document.get("catalogVersion") or ""),
        declared_count=count if isinstance(count, int) else None,
        vulnerabilities=list(document["vulnerabilities"]),
    )


def entries(catalog: KevCatalog, *, skip: SkipFn) -> Iterator[KnownExploited]:
    """The valid entries; malformed ones are reported through ``skip``."""
    for raw in catalog.vulnerabilities:
        cve = raw.get("cveID") if isinstance(raw, Mapping) else None
        if not isinstance(raw, Mapping) or not isinstance(cve, str):
            skip("", "a KEV entry without 'cveID'")
            continue
        cve = cve.strip().upper()
        if not _CVE_ID.match(cve):
            skip(cve, "not a CVE id")
            continue
        yield KnownExploited(
            cve=cve,
            date_added=_date(raw.get("dateAdded")),
            due_date=_date(raw.get("dueDate")),
            ransomware=str(raw.get("knownRansomwareCampaignUse", "")).strip().lower() == "known",
        )


def _date(value: object) -> date | None:
    if not isinstance(value, str):
        return None
    try:
        return date.fromisoformat(value.strip()[:10])
    except ValueError:
        return None
