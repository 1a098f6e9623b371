"""How an :class:`~regsentry.model.advisory.Advisory` is stored: compact JSON, compressed.

The database keeps each normalised advisory once, as one blob; matching decodes only the
advisories its index lookup returned. JSON keeps the blob readable by any tool (``zlib``
then ``json``), and the format carries a version so a future change can be detected
rather than misread. Compression matters: distro records list hundreds of versions and
the whole of osv.dev is several GB of JSON; zlib shrinks it 5-10x.
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Mapping
from datetime import datetime
from typing import Any, cast

from regsentry.model.advisory import (
    SEVERITIES,
    Advisory,
    Affected,
    AffectedRange,
    CvssVector,
    EventKind,
    RangeEvent,
    Severity,
)
from regsentry.vulndb.errors import DatabaseError

FORMAT = 1
_EVENT_KINDS = frozenset({"introduced", "fixed", "last_affected", "limit"})


def encode(advisory: Advisory) -> bytes:
    """The stored form of an advisory."""
    document = {"v": FORMAT, **to_dict(advisory)}
    text = json.dumps(document, ensure_ascii=False, separators=(",", ":"))
    return zlib.compress(text.encode("utf-8"), 6)


def decode(blob: bytes) -> Advisory:
    """An advisory from its stored form; DatabaseError when the blob is not one."""
    try:
        document = json.loads(zlib.decompress(blob))
        if document.get("v") != FORMAT:
            raise DatabaseError(f"advisory stored in unknown format {document.get('v')!r}")
        return from_dict(document)
    except (zlib.error, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise DatabaseError(f"a stored advisory is corrupt: {exc}") from exc


def to_dict(advisory: Advisory) -> dict[str, Any]:
    """A JSON-ready dict; empty fields are left out to keep blobs small."""
    out: dict[str, Any] = {"id": advisory.id, "source": advisory.source}
    _put(out, "aliases", list(advisory.aliases))
    _put(out, "upstream", list(advisory.upstream))
    _put(out, "summary", advisory.summary)
    _put(out, "modified", _time(advisory.modified))
    _put(out, "published", _time(advisory.published))
    _put(out, "withdrawn", advisory.withdrawn)
    _put(out, "cvss", [[v.type, v.vector] for v in advisory.cvss])
    _put(out, "severity", advisory.severity)
    _put(out, "affected", [_affected_dict(a) for a in advisory.affected])
    return out


def from_dict(data: Mapping[str, Any]) -> Advisory:
    """The inverse of :func:`to_dict`."""
    return Advisory(
        id=data["id"],
        source=data["source"],
        aliases=tuple(data.get("aliases", ())),
        upstream=tuple(data.get("upstream", ())),
        summary=data.get("summary", ""),
        modified=_parse_time(data.get("modified")),
        published=_parse_time(data.get("published")),
        withdrawn=bool(data.get("withdrawn", False)),
        cvss=tuple(CvssVector(type=t, vector=v) for t, v in data.get("cvss", ())),
        severity=_severity(data.get("severity")),
        affected=tuple(_affected_from(a) for a in data.get("affected", ())),
    )


def _affected_dict(affected: Affected) -> dict[str, Any]:
    out: dict[str, Any] = {"e": affected.ecosystem, "p": affected.package}
    _put(out, "r", affected.release)
    _put(
        out, "ranges", [[r.type, [[e.kind, e.version] for e in r.events]] for r in affected.ranges]
    )
    _put(out, "versions", list(affected.versions))
    _put(out, "severity", affected.severity)
    _put(out, "note", affected.note)
    return out


def _affected_from(data: Mapping[str, Any]) -> Affected:
    return Affected(
        ecosystem=data["e"],
        release=data.get("r", ""),
        package=data["p"],
        ranges=tuple(
            AffectedRange(type=kind, events=tuple(_event(k, v) for k, v in events))
            for kind, events in data.get("ranges", ())
        ),
        versions=tuple(data.get("versions", ())),
        severity=_severity(data.get("severity")),
        note=data.get("note", ""),
    )


def _event(kind: str, version: str) -> RangeEvent:
    if kind not in _EVENT_KINDS:
        raise ValueError(f"unknown range event {kind!r}")
    return RangeEvent(kind=cast(EventKind, kind), version=version)


def _severity(value: object) -> Severity | None:
    if value is None:
        return None
    if value not in SEVERITIES:
        raise ValueError(f"unknown severity {value!r}")
    return value


def _put(out: dict[str, Any], key: str, value: object) -> None:
    if value not in (None, "", [], False):
        out[key] = value


def _time(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _parse_time(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None
