"""The CycloneDX 1.6 JSON report: an SBOM of each image with its vulnerabilities (a VDR).

Built with cyclonedx-python-lib, so the document follows the schema the library
validates against. Shape:

* ``metadata.component`` is what the BOM describes: the image itself for a one-image
  report; for several images a component standing for the scan, on which each image
  component (type ``container``) depends.
* Each image has an ``operating-system`` component and one ``library`` component per
  installed package (purl, source package, layer, architecture as ``regsentry:*``
  properties); ``dependencies`` link image → OS and packages.
* ``vulnerabilities`` holds one entry per distinct finding; its ``affects`` names the
  package components (in every image where the identical finding occurs) with the
  installed version ``affected``; the fix is the ``recommendation``; KEV and EPSS are
  properties; ``analysis.detail`` says why it matched.

Status is never implied by absence: every image component carries
``regsentry:status`` (and ``regsentry:error``) and ``regsentry:vulnerabilities_assessed``,
and the metadata says whether advisory data was used at all.

Everything a CycloneDX producer usually randomises is derived from the inputs, so the
same results render byte for byte the same: the serial number is a UUID5 of the JSON
report, bom-refs are built from image references and purls.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from cyclonedx.model import ExternalReference, ExternalReferenceType, Property, XsUri
from cyclonedx.model.bom import Bom, BomMetaData
from cyclonedx.model.component import Component, ComponentType
from cyclonedx.model.impact_analysis import ImpactAnalysisAffectedStatus
from cyclonedx.model.tool import ToolRepository
from cyclonedx.model.vulnerability import (
    BomTarget,
    BomTargetVersionRange,
    Vulnerability,
    VulnerabilityAdvisory,
    VulnerabilityAnalysis,
    VulnerabilityRating,
    VulnerabilityReference,
    VulnerabilitySeverity,
    VulnerabilitySource,
)
from cyclonedx.output.json import JsonV1Dot6
from packageurl import PackageURL

from regsentry import __version__
from regsentry.model.advisory import DatabaseSummary, Finding
from regsentry.model.image import ImageResult, ImageTarget
from regsentry.model.package import Distro, Package
from regsentry.model.purl import purl
from regsentry.report.json_report import advisories_document, iso8601, report_fingerprint
from regsentry.report.sarif import (
    INFORMATION_URI,
    TOOL_NAME,
    advisory_url,
    finding_packages,
    image_reference,
    oci_purl,
)

#: Property names are namespaced, as the CycloneDX property taxonomy asks.
PREFIX = "regsentry:"
#: The namespace of the serial-number UUID5s.
_SERIAL_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, INFORMATION_URI + "cyclonedx")

_SEVERITY = {
    "critical": VulnerabilitySeverity.CRITICAL,
    "high": VulnerabilitySeverity.HIGH,
    "medium": VulnerabilitySeverity.MEDIUM,
    "low": VulnerabilitySeverity.LOW,
    # Debian's "unimportant" and the like: listed, but no security risk in practice.
    "negligible": VulnerabilitySeverity.INFO,
    "unknown": VulnerabilitySeverity.UNKNOWN,
}


@dataclass
class _Refs:
    """Hands out unique bom-refs, deterministic in the order they are asked for."""

    taken: set[str] = field(default_factory=set)

    def unique(self, wanted: str) -> str:
        candidate, number = wanted, 1
        while candidate in self.taken:
            number += 1
            candidate = f"{wanted}#{number}"
        self.taken.add(candidate)
        return candidate


def cyclonedx_bom(
    results: Sequence[ImageResult],
    *,
    generated_at: datetime,
    database: DatabaseSummary | None = None,
) -> Bom:
    """The report as a cyclonedx-python-lib Bom."""
    refs = _Refs()
    images: list[Component] = []
    libraries: list[Component] = []
    dependencies: list[tuple[Component, list[Component]]] = []
    affected: dict[Finding, list[str]] = {}
    for result in results:
        image, children = _image_components(result, refs, affected)
        images.append(image)
        libraries.extend(children)
        dependencies.append((image, children))
    single = len(images) == 1
    subject = images[0] if single else _scan_component(len(images), generated_at)
    bom = Bom(
        serial_number=uuid.uuid5(
            _SERIAL_NAMESPACE,
            report_fingerprint(results, generated_at=generated_at, database=database),
        ),
        metadata=BomMetaData(
            timestamp=generated_at,
            tools=ToolRepository(components=[_tool_component()]),
            component=subject,
            properties=_database_properties(database),
        ),
        components=[*(() if single else images), *libraries],
        vulnerabilities=[
            _vulnerability(finding, bom_ref, targets)
            for finding, bom_ref, targets in _with_refs(affected, refs)
        ],
    )
    if not single:
        bom.register_dependency(subject, images)
    for image, children in dependencies:
        bom.register_dependency(image, children)
    return bom


def _image_components(
    result: ImageResult, refs: _Refs, affected: dict[Finding, list[str]]
) -> tuple[Component, list[Component]]:
    """An image's component and its OS and package components; records in ``affected``
    the bom-refs of the packages each of its findings is about."""
    image = _image_component(result, refs.unique("image:" + image_reference(result.target)))
    inventory = result.inventory
    distro = inventory.distro if inventory else None
    children: list[Component] = []
    if distro is not None:
        children.append(_os_component(distro, refs.unique(f"{image.bom_ref.value}:os")))
    bom_refs: dict[int, str] = {}
    for package in inventory.packages if inventory else ():
        component = _package_component(package, distro, result.target, image, refs)
        bom_refs[id(package)] = str(component.bom_ref.value)
        children.append(component)
    for finding in result.vulnerabilities or ():
        targets = affected.setdefault(finding, [])
        targets.extend(bom_refs[id(p)] for p in finding_packages(result, finding))
    return image, children


def render_cyclonedx(
    results: Sequence[ImageResult],
    *,
    generated_at: datetime,
    database: DatabaseSummary | None = None,
) -> str:
    """The report as CycloneDX 1.6 JSON text."""
    bom = cyclonedx_bom(results, generated_at=generated_at, database=database)
    return JsonV1Dot6(bom).output_as_string(indent=2) + "\n"


def _tool_component() -> Component:
    return Component(
        type=ComponentType.APPLICATION,
        name=TOOL_NAME,
        version=__version__,
        external_references=[
            ExternalReference(type=ExternalReferenceType.WEBSITE, url=XsUri(INFORMATION_URI))
        ],
    )


def _scan_component(count: int, generated_at: datetime) -> Component:
    """The subject of a report on several images: the scan that produced it."""
    return Component(
        type=ComponentType.APPLICATION,
        name=f"{TOOL_NAME} scan of {count} images",
        version=iso8601(generated_at),
        bom_ref="scan",
        description="A scan of container images in registries; each image is a component.",
    )


def _properties(pairs: Iterable[tuple[str, object]]) -> list[Property]:
    """``regsentry:`` properties, leaving out unknown values (None)."""
    return [
        Property(name=PREFIX + name, value=_text(value))
        for name, value in pairs
        if value is not None
    ]


def _text(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _database_properties(database: DatabaseSummary | None) -> list[Property]:
    document = advisories_document(database)
    pairs: list[tuple[str, object]] = [
        ("advisories:used", document["used"]),
        ("advisories:note", document["note"]),
    ]
    if database is not None:
        pairs += [
            ("advisories:records", database.advisories),
            ("advisories:updated", iso8601(database.updated)),
            ("advisories:stale", database.stale),
            ("advisories:empty", database.empty),
            *(("advisories:source", source) for source in database.sources),
        ]
    return _properties(pairs)


def _image_component(result: ImageResult, bom_ref: str) -> Component:
    target = result.target
    inventory = result.inventory
    pairs: list[tuple[str, object]] = [
        ("status", result.status.value),
        ("error", result.error),
        ("vulnerabilities_assessed", result.vulnerabilities is not None),
        ("registry", target.registry),
        ("repository", target.repository),
        ("digest", target.digest),
        ("index_digest", target.index_digest),
        ("platform", target.platform),
        ("created", iso8601(target.created)),
        ("packages", len(inventory.packages) if inventory else None),
        *(("tag", tag) for tag in target.tags),
        *(("note", note) for note in result.notes),
        *(("problem", problem) for problem in (inventory.problems if inventory else ())),
    ]
    return Component(
        type=ComponentType.CONTAINER,
        name=f"{target.registry}/{target.repository}",
        version=str(target.digest) if target.digest else (target.tags or (None,))[0],
        purl=PackageURL.from_string(oci) if (oci := oci_purl(target)) else None,
        bom_ref=bom_ref,
        properties=_properties(pairs),
    )


def _os_component(distro: Distro, bom_ref: str) -> Component:
    return Component(
        type=ComponentType.OPERATING_SYSTEM,
        name=distro.family,
        version=distro.version,
        description=distro.name or None,
        bom_ref=bom_ref,
    )


def _package_component(
    package: Package,
    distro: Distro | None,
    target: ImageTarget,
    image: Component,
    refs: _Refs,
) -> Component:
    url = purl(package, distro)
    pairs: list[tuple[str, object]] = [
        ("package_type", package.type.value),
        ("arch", package.arch or None),
        ("source_name", package.source_name or package.name),
        ("source_version", package.source_version or package.version),
        ("source_rpm", package.source_rpm or None),
        ("modularity_label", package.modularity_label or None),
        ("layer", package.layer),
        ("path", package.path or None),
        ("image", image_reference(target)),
    ]
    return Component(
        type=ComponentType.LIBRARY,
        name=package.name,
        version=package.version,
        purl=PackageURL.from_string(url),
        bom_ref=refs.unique(f"{image.bom_ref.value}|{url}"),
        properties=_properties(pairs),
    )


def _with_refs(
    affected: dict[Finding, list[str]], refs: _Refs
) -> Iterable[tuple[Finding, str, list[str]]]:
    for finding, targets in affected.items():
        key = f"{finding.id}|{finding.package}@{finding.installed_version}"
        yield finding, refs.unique(f"vulnerability:{key}"), targets


def _vulnerability(finding: Finding, bom_ref: str, targets: Sequence[str]) -> Vulnerability:
    match = finding.match
    # Who publishes the id (NVD for CVEs, OSV otherwise) versus which feed regsentry
    # took the record and its rating from (``osv:Debian``, ``debian-tracker`` …).
    publisher = "NVD" if finding.id.startswith("CVE-") else "OSV"
    source = VulnerabilitySource(name=publisher, url=XsUri(advisory_url(finding.id)))
    feed = VulnerabilitySource(
        name=", ".join(match.sources) or None,
        url=XsUri(advisory_url(match.advisory_ids[0])) if match.advisory_ids else None,
    )
    score = Decimal(f"{finding.cvss_score:.1f}") if finding.cvss_score is not None else None
    pairs: list[tuple[str, object]] = [
        ("severity", finding.severity),
        ("known_exploited", finding.known_exploited),
        ("epss", finding.epss),
        ("fixed_version", finding.fixed_version),
        ("source_name", finding.source_name),
        *(("note", note) for note in finding.notes),
    ]
    return Vulnerability(
        bom_ref=bom_ref,
        id=finding.id,
        source=source,
        references=[
            VulnerabilityReference(
                id=alias, source=VulnerabilitySource(url=XsUri(advisory_url(alias)))
            )
            for alias in finding.aliases
        ],
        ratings=[
            VulnerabilityRating(source=feed, score=score, severity=_SEVERITY[finding.severity])
        ],
        description=finding.summary or None,
        recommendation=(
            f"Upgrade {finding.package} to {finding.fixed_version}."
            if finding.fixed_version
            else "No fixed version is available yet."
        ),
        advisories=[
            VulnerabilityAdvisory(title=id_, url=XsUri(advisory_url(id_)))
            for id_ in match.advisory_ids
        ],
        analysis=VulnerabilityAnalysis(detail=_match_detail(finding)),
        affects=[
            BomTarget(
                ref=ref,
                versions=[
                    BomTargetVersionRange(
                        version=finding.installed_version,
                        status=ImpactAnalysisAffectedStatus.AFFECTED,
                    )
                ],
            )
            for ref in targets
        ],
        properties=_properties(pairs),
    )


def _match_detail(finding: Finding) -> str:
    match = finding.match
    by = "source package" if match.matched_by == "source-package" else "package"
    detail = f"Matched {by} {match.matched_name} in {match.ecosystem}: {match.constraint}"
    if match.advisory_ids:
        detail += f"; advisories {', '.join(match.advisory_ids)}"
    if match.sources:
        detail += f"; from {', '.join(match.sources)}"
    return detail + "."
