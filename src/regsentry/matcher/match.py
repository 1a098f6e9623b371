"""Matching one inventory against the advisory database.

For every installed package: look up the advisories of its source (and, for rpm, binary)
name in the image's OSV ecosystem, keep the ``affected`` entries of the image's release,
evaluate their ranges with the ecosystem's version order, and join what matched into one
finding per vulnerability. Packages whose version the ecosystem cannot parse are not
silently passed over: they are counted in the notes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from regsentry.matcher.ecosystem import DistroEcosystem, Target, distro_ecosystem, targets
from regsentry.matcher.grouping import group_ids, primary_id
from regsentry.matcher.ranges import RangeMatch, Sortable, evaluate
from regsentry.matcher.severity import cvss_score, from_score, most_severe
from regsentry.model.advisory import (
    SEVERITIES,
    Advisory,
    AdvisoryLookup,
    Affected,
    Finding,
    MatchDetail,
)
from regsentry.model.ecosystem import normalize_name
from regsentry.model.inventory import Inventory
from regsentry.model.package import Package
from regsentry.versions import version_key
from regsentry.versions.errors import VersionError


@dataclass(frozen=True)
class MatchResult:
    """Findings of one image and what could not be matched, in words."""

    findings: tuple[Finding, ...]
    ecosystem: str | None
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class _Hit:
    advisory: Advisory
    affected: Affected
    range: RangeMatch
    target: Target


#: What a package matched, remembered for a matching pass (see :func:`match_inventory`).
MatchCache = dict[tuple[object, ...], tuple[list[Finding], str | None]]


def match_inventory(
    inventory: Inventory, lookup: AdvisoryLookup, cache: MatchCache | None = None
) -> MatchResult:
    """Every vulnerability of every package of ``inventory``.

    ``cache``, shared across the images of one pass against one unchanged database,
    remembers each distinct package's findings: images of a registry share most of their
    packages (their bases), so most are matched once per pass instead of once per image.
    """
    distro = inventory.distro
    ecosystem = distro_ecosystem(distro) if distro else None
    notes: list[str] = []
    if distro is not None and ecosystem is None:
        notes.append(
            f"no advisory source covers {distro.family} {distro.version}: its OS packages "
            f"were not matched"
        )
    findings: list[Finding] = []
    unparsable: list[str] = []
    label = ecosystem.label if ecosystem else None
    for package in inventory.packages:
        key = (label, package.type, package.name, package.version, package.arch,
               package.source_name, package.source_version)  # fmt: skip
        remembered = cache.get(key) if cache is not None else None
        if remembered is None:
            remembered = _match_package(package, ecosystem, lookup)
            if cache is not None:
                cache[key] = remembered
        package_findings, bad_version = remembered
        findings.extend(package_findings)
        if bad_version:
            unparsable.append(bad_version)
    if unparsable:
        shown = ", ".join(unparsable[:10]) + (" …" if len(unparsable) > 10 else "")
        notes.append(
            f"{len(unparsable)} package versions are not valid in their ecosystem and were "
            f"not matched: {shown}"
        )
    findings.sort(key=lambda f: (SEVERITIES.index(f.severity), f.id, f.package))
    return MatchResult(tuple(findings), ecosystem.label if ecosystem else None, tuple(notes))


def _match_package(
    package: Package, ecosystem: DistroEcosystem | None, lookup: AdvisoryLookup
) -> tuple[list[Finding], str | None]:
    """One package's findings, and its name and version if the version is unusable."""
    hits: list[_Hit] = []
    bad_version = None
    for target in targets(package, ecosystem):
        try:
            hits.extend(_hits(target, ecosystem, lookup))
        except VersionError:
            bad_version = f"{package.name} {target.version}"
    return _findings(package, hits, lookup, ecosystem), bad_version


def _hits(target: Target, ecosystem: DistroEcosystem | None, lookup: AdvisoryLookup) -> list[_Hit]:
    version_key(target.ecosystem, target.version)  # raises VersionError for a bad version
    hits = []
    for advisory in lookup.advisories_for(target.ecosystem, target.name):
        if advisory.withdrawn:
            continue
        for affected in advisory.affected:
            if affected.ecosystem != target.ecosystem or normalize_name(
                affected.ecosystem, affected.package
            ) != normalize_name(target.ecosystem, target.name):
                continue
            if (
                ecosystem is not None
                and ecosystem.ecosystem == target.ecosystem
                and not ecosystem.accepts(affected.release)
            ):
                continue
            found = evaluate(target.ecosystem, target.version, affected)
            if found is not None:
                hits.append(_Hit(advisory, affected, found, target))
                break
    return hits


def _findings(
    package: Package,
    hits: Sequence[_Hit],
    lookup: AdvisoryLookup,
    ecosystem: DistroEcosystem | None,
) -> list[Finding]:
    id_sets = [{hit.advisory.id, *hit.advisory.aliases} for hit in hits]
    findings = []
    for group in group_ids(id_sets):
        members = [hits[index] for index in group]
        ids = set().union(*(id_sets[index] for index in group))
        vulnerability = primary_id(ids)
        score = max(
            (s for s in (cvss_score(hit.advisory.cvss) for hit in members) if s is not None),
            default=None,
        )
        severity = (
            most_severe(hit.affected.severity for hit in members)
            or most_severe(hit.advisory.severity for hit in members)
            or from_score(score)
            or "unknown"
        )
        first = members[0]
        # A USN names its CVEs only as "upstream": good for enrichment, not for identity
        # (one USN covers several CVEs, which stay separate findings).
        enrichment_ids = ids.union(*(hit.advisory.upstream for hit in members))
        kev = lookup.known_exploited(enrichment_ids)
        findings.append(
            Finding(
                id=vulnerability,
                aliases=tuple(sorted(ids - {vulnerability})),
                package=package.name,
                package_version=package.version,
                package_type=package.type.value,
                source_name=first.target.name,
                installed_version=package.version,
                fixed_version=_lowest_fix(first.target.ecosystem, members),
                severity=severity,
                cvss_score=score,
                known_exploited=kev is not None,
                summary=next((h.advisory.summary for h in members if h.advisory.summary), ""),
                match=MatchDetail(
                    advisory_ids=tuple(sorted({hit.advisory.id for hit in members})),
                    ecosystem=ecosystem.label if ecosystem else first.target.ecosystem,
                    matched_by=first.target.matched_by,
                    matched_name=first.target.name,
                    constraint=first.range.constraint,
                    sources=tuple(sorted({hit.advisory.source for hit in members})),
                ),
                epss=lookup.epss(enrichment_ids),
                notes=tuple(
                    sorted(
                        {f"{h.advisory.id}: {h.affected.note}" for h in members if h.affected.note}
                    )
                ),
            )
        )
    return findings


def _lowest_fix(ecosystem: str, hits: Sequence[_Hit]) -> str | None:
    fixes = [hit.range.fixed for hit in hits if hit.range.fixed]
    if not fixes:
        return None
    try:
        keyed = sorted((Sortable(version_key(ecosystem, fix)), fix) for fix in fixes)
    except VersionError:
        return fixes[0]
    return keyed[0][1]
