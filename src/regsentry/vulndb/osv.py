"""One OSV record (a decoded JSON or YAML object) → :class:`~regsentry.model.advisory.Advisory`.

Follows the OSV schema (https://ossf.github.io/osv-schema/). What is kept is what matching
and reporting need: ids and aliases (plus ``upstream``, where Ubuntu USNs and Debian
DSAs name their CVEs), summary, dates, withdrawal, CVSS vectors, the normalised ratings,
and every ``affected`` entry with its ranges and explicit versions.

Ratings: GHSA and the Red Hat family put theirs in ``database_specific.severity``; Ubuntu
in ``severity[]`` entries of type ``Ubuntu`` (record level), in
``affected[].ecosystem_specific.ubuntu_priority`` (older records) or per CVE in a USN's
``affected[].database_specific.cves_map``; osv.dev's Debian records give the tracker
urgency in ``affected[].ecosystem_specific.urgency``. They are normalised by
:mod:`regsentry.vulndb.severity`, the original word kept in ``Affected.note``.

Anything structurally wrong (a missing id, a range that is not a list of events, a
version that is not a string, more versions than the cap) raises
:class:`~regsentry.vulndb.errors.InvalidRecordError`: the record is skipped and counted,
never half-imported. ``affected`` entries without a ``package`` (pure GIT-commit entries)
are dropped: they cannot be matched against installed packages.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import TypeVar

from regsentry.model.advisory import (
    Advisory,
    Affected,
    AffectedRange,
    CvssVector,
    EventKind,
    RangeEvent,
    Severity,
)
from regsentry.vulndb import severity as ratings
from regsentry.vulndb.errors import InvalidRecordError
from regsentry.vulndb.limits import ImportLimits
from regsentry.vulndb.names import split_ecosystem

_EVENT_KINDS: tuple[EventKind, ...] = ("introduced", "fixed", "last_affected", "limit")
_CVSS_TYPES = frozenset({"CVSS_V2", "CVSS_V3", "CVSS_V4"})
_SUMMARY_CHARS = 300
_DEFAULT_LIMITS = ImportLimits()
_T = TypeVar("_T")


class _Reader:
    """Typed access to one record's fields; every failure names the record."""

    def __init__(self, record_id: str, origin: str) -> None:
        self.record_id = record_id
        self.origin = origin

    def error(self, message: str) -> InvalidRecordError:
        return InvalidRecordError(message, record_id=self.record_id, origin=self.origin)

    def mapping(self, parent: Mapping[str, object], key: str) -> Mapping[str, object]:
        value = parent.get(key)
        if value is None:
            return {}
        if not isinstance(value, Mapping):
            raise self.error(f"'{key}' is not an object")
        return value

    def mappings(self, parent: Mapping[str, object], key: str) -> list[Mapping[str, object]]:
        value = parent.get(key)
        if value is None:
            return []
        if not isinstance(value, list) or not all(isinstance(v, Mapping) for v in value):
            raise self.error(f"'{key}' is not a list of objects")
        return list(value)

    def text(self, parent: Mapping[str, object], key: str, *, required: bool = False) -> str:
        value = parent.get(key)
        if value is None or value == "":
            if required:
                raise self.error(f"'{key}' is missing")
            return ""
        if not isinstance(value, str):
            raise self.error(f"'{key}' is not a string")
        return value

    def texts(self, parent: Mapping[str, object], key: str) -> tuple[str, ...]:
        value = parent.get(key)
        if value is None:
            return ()
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise self.error(f"'{key}' is not a list of strings")
        return tuple(value)


def parse_osv(
    record: object,
    *,
    source: str,
    origin: str = "",
    limits: ImportLimits = _DEFAULT_LIMITS,
) -> Advisory:
    """Convert one decoded OSV record; raises InvalidRecordError when it is malformed."""
    if not isinstance(record, Mapping):
        raise InvalidRecordError("an OSV record must be an object", origin=origin)
    raw_id = record.get("id")
    if not isinstance(raw_id, str) or not raw_id.strip():
        raise InvalidRecordError("the record has no 'id'", origin=origin)
    reader = _Reader(raw_id.strip(), origin)

    cvss: list[CvssVector] = []
    ubuntu: list[Severity | None] = []
    for entry in reader.mappings(record, "severity"):
        _read_severity(reader, entry, cvss, ubuntu)
    vendor_word = _optional_text(reader.mapping(record, "database_specific"), "severity")
    record_rating = (ratings.from_vendor(vendor_word) if vendor_word else None) or (
        ratings.worst(ubuntu)
    )

    raw_affected = reader.mappings(record, "affected")
    if len(raw_affected) > limits.max_affected_per_record:
        raise reader.error(
            f"{len(raw_affected):,} affected entries, over the cap of "
            f"{limits.max_affected_per_record:,}"
        )
    affected: list[Affected] = []
    for entry in raw_affected:
        parsed = _affected(reader, entry, limits, cvss)
        if parsed is not None:
            affected.append(parsed)

    upstream = [*reader.texts(record, "upstream"), *_usn_cves(raw_affected)]
    summary = reader.text(record, "summary") or _first_paragraph(reader.text(record, "details"))
    return Advisory(
        id=reader.record_id,
        source=source,
        aliases=_unique(a for a in reader.texts(record, "aliases") if a != reader.record_id),
        upstream=_unique(upstream),
        summary=summary.strip(),
        modified=parse_time(_optional_text(record, "modified")),
        published=parse_time(_optional_text(record, "published")),
        withdrawn=bool(record.get("withdrawn")),
        cvss=_unique(cvss),
        severity=record_rating,
        affected=tuple(affected),
    )


def _read_severity(
    reader: _Reader,
    entry: Mapping[str, object],
    cvss: list[CvssVector],
    ubuntu: list[Severity | None],
) -> None:
    kind = reader.text(entry, "type", required=True)
    score = reader.text(entry, "score", required=True).strip()
    if kind in _CVSS_TYPES:
        cvss.append(CvssVector(type=kind, vector=score))
    elif kind == "Ubuntu":
        ubuntu.append(ratings.from_ubuntu(score))


def _affected(
    reader: _Reader,
    entry: Mapping[str, object],
    limits: ImportLimits,
    cvss: list[CvssVector],
) -> Affected | None:
    package = reader.mapping(entry, "package")
    if not package:
        return None
    ecosystem, release = split_ecosystem(reader.text(package, "ecosystem", required=True))
    name = reader.text(package, "name", required=True).strip()
    if not ecosystem or not name:
        raise reader.error("an affected package has an empty ecosystem or name")

    raw_ranges = reader.mappings(entry, "ranges")
    if len(raw_ranges) > limits.max_ranges_per_affected:
        raise reader.error(f"{len(raw_ranges):,} ranges for {name}, over the cap")
    ranges = tuple(_range(reader, raw, limits) for raw in raw_ranges)
    versions = reader.texts(entry, "versions")
    if len(versions) > limits.max_versions_per_affected:
        raise reader.error(
            f"{len(versions):,} versions listed for {ecosystem}/{name}, over the cap of "
            f"{limits.max_versions_per_affected:,}"
        )

    package_rating, note = _package_rating(reader, entry, cvss)
    return Affected(
        ecosystem=ecosystem,
        release=release,
        package=name,
        ranges=ranges,
        versions=versions,
        severity=package_rating,
        note=note,
    )


def _range(reader: _Reader, raw: Mapping[str, object], limits: ImportLimits) -> AffectedRange:
    kind = reader.text(raw, "type", required=True).strip().upper()
    raw_events = reader.mappings(raw, "events")
    if not raw_events:
        raise reader.error(f"a {kind} range has no events")
    if len(raw_events) > limits.max_events_per_range:
        raise reader.error(f"a {kind} range has {len(raw_events):,} events, over the cap")
    events: list[RangeEvent] = []
    for event in raw_events:
        known = [k for k in _EVENT_KINDS if k in event]
        if len(known) != 1 or len(event) != 1:
            raise reader.error(f"range event {dict(event)!r} is not one of {_EVENT_KINDS}")
        value = event[known[0]]
        if not isinstance(value, str) or not value.strip():
            raise reader.error(f"range event '{known[0]}' has no version")
        events.append(RangeEvent(kind=known[0], version=value.strip()))
    return AffectedRange(type=kind, events=tuple(events))


def _package_rating(
    reader: _Reader, entry: Mapping[str, object], cvss: list[CvssVector]
) -> tuple[Severity | None, str]:
    """The distro's own rating of this package, normalised, and its original word."""
    eco_specific = reader.mapping(entry, "ecosystem_specific")
    db_specific = reader.mapping(entry, "database_specific")

    # OSV >= 1.5 allows per-package severity[]: its CVSS vectors join the record's.
    ubuntu_words: list[str] = []
    for entry_severity in reader.mappings(entry, "severity"):
        _read_severity(reader, entry_severity, cvss, [])
        if entry_severity.get("type") == "Ubuntu" and isinstance(entry_severity["score"], str):
            ubuntu_words.append(entry_severity["score"])

    priority = _optional_text(eco_specific, "ubuntu_priority")
    if priority:
        return ratings.from_ubuntu(priority), priority
    urgency = _optional_text(eco_specific, "urgency")
    if urgency:
        return ratings.from_debian_urgency(urgency), urgency

    cves_map = db_specific.get("cves_map")
    if isinstance(cves_map, Mapping) and isinstance(cves_map.get("cves"), list):
        for cve in cves_map["cves"]:
            if isinstance(cve, Mapping) and isinstance(cve.get("severity"), list):
                for item in cve["severity"]:
                    if not isinstance(item, Mapping) or not isinstance(item.get("score"), str):
                        continue
                    if item.get("type") == "Ubuntu":
                        ubuntu_words.append(item["score"])
                    elif item.get("type") in _CVSS_TYPES:
                        cvss.append(CvssVector(type=str(item["type"]), vector=item["score"]))
    if ubuntu_words:
        rated = [(ratings.from_ubuntu(word), word) for word in ubuntu_words]
        best = ratings.worst(rating for rating, _ in rated)
        word = next((w for rating, w in rated if rating == best), ubuntu_words[0])
        return best, word

    for holder in (eco_specific, db_specific):
        vendor = _optional_text(holder, "severity")
        if vendor:
            return ratings.from_vendor(vendor), vendor
    return None, ""


def _usn_cves(raw_affected: list[Mapping[str, object]]) -> list[str]:
    """The CVE ids a USN lists in ``database_specific.cves_map`` (its ``upstream`` names
    only ``UBUNTU-CVE-…`` ids, but findings, KEV and EPSS are keyed by CVE)."""
    found: list[str] = []
    for entry in raw_affected:
        db_specific = entry.get("database_specific")
        cves_map = db_specific.get("cves_map") if isinstance(db_specific, Mapping) else None
        cves = cves_map.get("cves") if isinstance(cves_map, Mapping) else None
        if isinstance(cves, list):
            found += [
                cve["id"]
                for cve in cves
                if isinstance(cve, Mapping) and isinstance(cve.get("id"), str)
            ]
    return found


def _optional_text(parent: Mapping[str, object], key: str) -> str:
    """A string field, or "" when absent or of another type (used for informative fields)."""
    value = parent.get(key)
    return value.strip() if isinstance(value, str) else ""


_FRACTION = re.compile(r"(\.\d{6})\d+")


def parse_time(value: str) -> datetime | None:
    """An RFC 3339 timestamp as an aware UTC datetime; None when absent or unreadable.

    Tolerates ``Z``, more than 6 fractional digits and a missing offset (taken as UTC).
    An unreadable date is informative only, so it does not make the record invalid.
    """
    if not value:
        return None
    text = _FRACTION.sub(r"\1", value.strip())
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def _first_paragraph(details: str) -> str:
    """A summary from ``details`` when a record has none: its first paragraph, shortened."""
    paragraph = details.strip().split("\n\n", 1)[0]
    flat = " ".join(paragraph.split())
    if len(flat) <= _SUMMARY_CHARS:
        return flat
    return flat[: _SUMMARY_CHARS - 1].rstrip() + "…"


def _unique(items: Iterable[_T]) -> tuple[_T, ...]:
    """The items in their first order, without repeats."""
    return tuple(dict.fromkeys(items))
