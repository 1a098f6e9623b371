"""Combining copies of one advisory id held by several records or sources.

The same id legitimately reaches the database more than once: a GHSA record sits in the
osv.dev zip of every ecosystem it affects; Alpine's secdb publishes one file per release,
so ``ALPINE-CVE-2022-37434`` is assembled from several; a directory may hold a record
twice. A lookup must still return one advisory per id.

Rule: the copies are ranked (newest ``modified`` first; the caller breaks ties, e.g. by
the source updated last). The best copy gives every scalar field. Its ``affected``
entries are taken whole for each package it names, keyed by (ecosystem, release,
normalised package): within a key the entries are a union of ranges (GHSA lists
log4j-core three times) and must stay together, while a stale copy must not widen what
the newer one says. Packages that only lower-ranked copies name are added from them, so
per-release files combine into one advisory. Aliases, upstream ids and CVSS vectors are
united; a missing rating or summary is filled in from the next copy that has one.
"""

from __future__ import annotations

from collections.abc import Sequence

from regsentry.model.advisory import Advisory, Affected
from regsentry.vulndb.names import normalize_name

AffectedKey = tuple[str, str, str]


def affected_key(affected: Affected) -> AffectedKey:
    """(ecosystem, release, normalised package): what one group of entries is about."""
    return (
        affected.ecosystem,
        affected.release,
        normalize_name(affected.ecosystem, affected.package),
    )


def merge_copies(ranked: Sequence[Advisory]) -> Advisory:
    """One advisory from copies of the same id, best first (see the module docstring)."""
    if not ranked:
        raise ValueError("merge_copies needs at least one advisory")
    best = ranked[0]
    if len(ranked) == 1:
        return best

    affected: list[Affected] = []
    claimed: set[AffectedKey] = set()
    for copy in ranked:
        keys = {affected_key(entry) for entry in copy.affected}
        affected.extend(e for e in copy.affected if affected_key(e) not in claimed)
        claimed |= keys

    aliases = dict.fromkeys(a for copy in ranked for a in copy.aliases if a != best.id)
    upstream = dict.fromkeys(u for copy in ranked for u in copy.upstream)
    cvss = dict.fromkeys(v for copy in ranked for v in copy.cvss)
    return Advisory(
        id=best.id,
        source=best.source,
        aliases=tuple(aliases),
        upstream=tuple(upstream),
        summary=next((c.summary for c in ranked if c.summary), ""),
        modified=best.modified,
        published=next((c.published for c in ranked if c.published), None),
        withdrawn=best.withdrawn,
        cvss=tuple(cvss),
        severity=next((c.severity for c in ranked if c.severity), None),
        affected=tuple(affected),
    )
