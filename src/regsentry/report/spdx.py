"""The SPDX 2.3 JSON report: a software bill of materials of every image.

Written as a plain dict (SPDX 2.3 JSON is small and stable; a library would add a heavy
dependency for little). Elements:

* one package per image (``primaryPackagePurpose`` ``CONTAINER``, an ``oci`` purl, its
  scan status as a comment and an annotation), the document ``DESCRIBES`` each image;
* per analysed image an ``OPERATING-SYSTEM`` package and one package per installed
  package (purl as a ``PACKAGE-MANAGER`` reference, the source package as ``sourceInfo``),
  each ``CONTAINED`` by its image. An image whose contents are unknown or incomplete
  (failed, skipped, planned) also ``CONTAINS`` ``NOASSERTION``, SPDX's "not known", so
  an empty image never reads as an image with nothing in it.

Vulnerabilities: SPDX 2.3 has no vulnerability element. Following its Annex K.1.1
("Linking to an advisory"), each vulnerable package carries one ``SECURITY`` /
``advisory`` external reference per finding, pointing at the advisory, with severity,
CVSS, KEV and the fixed version (or "no fix yet") in the reference's comment. The full
findings (why each matched, EPSS, aliases) are in the json, sarif and cyclonedx reports;
the document comment says so, and says which advisory data was used, or that none was.

Identifiers are derived from the inputs (no random UUIDs): ``documentNamespace`` is a
UUID5 of the JSON report, SPDXIDs are built from names and a hash of image and purl.
"""

from __future__ import annotations

import hashlib
import json
import re
import uuid
from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Any

from regsentry import __version__
from regsentry.model.advisory import DatabaseSummary, Finding
from regsentry.model.image import ImageResult, ImageStatus
from regsentry.model.package import Distro, Package
from regsentry.model.purl import purl
from regsentry.report.json_report import advisories_document, iso8601, report_fingerprint
from regsentry.report.sarif import (
    INFORMATION_URI,
    TOOL_NAME,
    advisory_url,
    finding_packages,
    fix_text,
    image_reference,
    oci_purl,
    rating,
)

NOASSERTION = "NOASSERTION"
CREATOR = f"Tool: {TOOL_NAME}-{__version__}"
#: Where the document namespaces live; SPDX's own examples use this base.
NAMESPACE_BASE = "https://spdx.org/spdxdocs/"
_NAMESPACE_UUID = uuid.uuid5(uuid.NAMESPACE_URL, INFORMATION_URI + "spdx")
_UNSAFE = re.compile(r"[^A-Za-z0-9.-]+")


class _Ids:
    """Hands out valid, unique SPDXIDs (``SPDXRef-`` + letters, digits, ``.`` and ``-``)."""

    def __init__(self) -> None:
        self.taken: set[str] = set()

    def new(self, kind: str, name: str, key: str) -> str:
        digest = hashlib.sha256(key.encode()).hexdigest()[:12]
        readable = _UNSAFE.sub("-", name).strip("-")[:60] or "x"
        wanted = f"SPDXRef-{kind}-{readable}-{digest}"
        candidate, number = wanted, 1
        while candidate in self.taken:
            number += 1
            candidate = f"{wanted}-{number}"
        self.taken.add(candidate)
        return candidate


def spdx_document(
    results: Sequence[ImageResult],
    *,
    generated_at: datetime,
    database: DatabaseSummary | None = None,
) -> dict[str, Any]:
    """The SPDX 2.3 document as a JSON-ready dict."""
    ids = _Ids()
    packages: list[dict[str, Any]] = []
    relationships: list[dict[str, str]] = []
    for result in results:
        image = _image_package(result, ids, generated_at)
        packages.append(image)
        relationships.append(_relationship("SPDXRef-DOCUMENT", "DESCRIBES", image["SPDXID"]))
        for contained in _contents(result, ids):
            packages.append(contained)
            relationships.append(_relationship(image["SPDXID"], "CONTAINS", contained["SPDXID"]))
        if result.status is not ImageStatus.SCANNED:
            relationships.append(_relationship(image["SPDXID"], "CONTAINS", NOASSERTION))
    report = report_fingerprint(results, generated_at=generated_at, database=database)
    name = (
        image_reference(results[0].target)
        if len(results) == 1
        else f"{TOOL_NAME} scan of {len(results)} images"
    )
    slug = _UNSAFE.sub("-", name).strip("-")[:80]
    return {
        "spdxVersion": "SPDX-2.3",
        "dataLicense": "CC0-1.0",
        "SPDXID": "SPDXRef-DOCUMENT",
        "name": name,
        "documentNamespace": f"{NAMESPACE_BASE}{slug}-{uuid.uuid5(_NAMESPACE_UUID, report)}",
        "creationInfo": {"created": _date(generated_at), "creators": [CREATOR]},
        "comment": _document_comment(results, database),
        "packages": packages,
        "relationships": relationships,
    }


def render_spdx(
    results: Sequence[ImageResult],
    *,
    generated_at: datetime,
    database: DatabaseSummary | None = None,
) -> str:
    """The SPDX document as indented JSON text."""
    document = spdx_document(results, generated_at=generated_at, database=database)
    return json.dumps(document, indent=2) + "\n"


def _date(moment: datetime) -> str:
    """SPDX dates: UTC, whole seconds, ``Z``."""
    return iso8601(moment) or ""


def _relationship(element: str, kind: str, related: str) -> dict[str, str]:
    return {"spdxElementId": element, "relationshipType": kind, "relatedSpdxElement": related}


def _document_comment(results: Sequence[ImageResult], database: DatabaseSummary | None) -> str:
    advisories = advisories_document(database)
    if not advisories["used"]:
        note = advisories["note"]
        data = f"{note[0].upper()}{note[1:]}."
    else:
        sources = ", ".join(advisories["sources"]) or "no sources"
        data = (
            f"Advisory data: {advisories['records']} records from {sources}, "
            f"updated {advisories['updated'] or 'never'}."
        )
        if advisories["note"]:
            data += f" Warning: {advisories['note']}."
    lines = [
        f"Software bill of materials of {len(results)} container image(s), made by "
        f"{TOOL_NAME} {__version__}.",
        "SPDX 2.3 has no vulnerability elements: each vulnerable package lists its "
        "vulnerabilities as SECURITY/advisory external references (SPDX 2.3 Annex K.1.1) "
        "with severity and fixed version in their comments; the full findings (why each "
        "matched, EPSS, aliases) are in the json, sarif and cyclonedx reports.",
        data,
    ]
    unanalysed = [r for r in results if r.status is not ImageStatus.SCANNED]
    if unanalysed:
        lines.append(
            "Not fully analysed: "
            + "; ".join(f"{image_reference(r.target)} ({_status(r)})" for r in unanalysed)
            + "."
        )
    return "\n".join(lines)


def _status(result: ImageResult) -> str:
    text = result.status.value
    if result.error:
        text += f": {result.error}"
    elif result.status is ImageStatus.PLANNED:
        text += ": listed only (dry run)"
    return text


def _image_package(result: ImageResult, ids: _Ids, generated_at: datetime) -> dict[str, Any]:
    target = result.target
    reference = image_reference(target)
    facts = [f"scan status: {_status(result)}"]
    if result.status is ImageStatus.SCANNED:
        facts.append(
            "vulnerabilities: "
            + (
                "not assessed (no advisory data)"
                if result.vulnerabilities is None
                else f"{len(result.vulnerabilities)} found"
            )
        )
    facts += [f"tags: {', '.join(target.tags) or 'none'}"]
    if target.platform:
        facts.append(f"platform: {target.platform}")
    if target.index_digest:
        facts.append(f"index digest: {target.index_digest}")
    facts += [f"note: {note}" for note in result.notes]
    package: dict[str, Any] = {
        "SPDXID": ids.new("Image", target.repository, reference),
        "name": f"{target.registry}/{target.repository}",
        "versionInfo": str(target.digest) if target.digest else (target.tags or ("",))[0],
        "supplier": NOASSERTION,
        "downloadLocation": NOASSERTION,
        "filesAnalyzed": False,
        "licenseConcluded": NOASSERTION,
        "licenseDeclared": NOASSERTION,
        "copyrightText": NOASSERTION,
        "primaryPackagePurpose": "CONTAINER",
        "comment": "; ".join(facts),
        "annotations": [
            {
                "annotationDate": _date(generated_at),
                "annotationType": "OTHER",
                "annotator": CREATOR,
                "comment": f"scan status: {_status(result)}",
            }
        ],
    }
    if not package["versionInfo"]:
        del package["versionInfo"]
    if target.created:
        package["builtDate"] = _date(target.created)
    oci = oci_purl(target)
    if oci:
        package["externalRefs"] = [_purl_ref(oci)]
    return package


def _purl_ref(locator: str) -> dict[str, str]:
    return {
        "referenceCategory": "PACKAGE-MANAGER",
        "referenceType": "purl",
        "referenceLocator": locator,
    }


def _contents(result: ImageResult, ids: _Ids) -> Iterator[dict[str, Any]]:
    inventory = result.inventory
    if inventory is None:
        return
    reference = image_reference(result.target)
    distro = inventory.distro
    if distro is not None:
        yield _os_package(distro, ids, reference)
    findings: dict[int, list[Finding]] = {}
    for finding in result.vulnerabilities or ():
        for package in finding_packages(result, finding):
            findings.setdefault(id(package), []).append(finding)
    for package in inventory.packages:
        yield _package(package, distro, ids, reference, findings.get(id(package), []))


def _os_package(distro: Distro, ids: _Ids, reference: str) -> dict[str, Any]:
    package: dict[str, Any] = {
        "SPDXID": ids.new("OperatingSystem", distro.family, f"{reference}\0os"),
        "name": distro.family,
        "versionInfo": distro.version,
        "supplier": NOASSERTION,
        "downloadLocation": NOASSERTION,
        "filesAnalyzed": False,
        "licenseConcluded": NOASSERTION,
        "licenseDeclared": NOASSERTION,
        "copyrightText": NOASSERTION,
        "primaryPackagePurpose": "OPERATING-SYSTEM",
    }
    if distro.name:
        package["description"] = distro.name
    return package


def _package(
    package: Package,
    distro: Distro | None,
    ids: _Ids,
    reference: str,
    findings: Sequence[Finding],
) -> dict[str, Any]:
    locator = purl(package, distro)
    facts = [f"type: {package.type.value}"]
    if package.arch:
        facts.append(f"architecture: {package.arch}")
    if package.layer:
        facts.append(f"layer: {package.layer}")
    if package.path:
        facts.append(f"listed in: {package.path}")
    document: dict[str, Any] = {
        "SPDXID": ids.new(f"Package-{package.type.value}", package.name, f"{reference}\0{locator}"),
        "name": package.name,
        "versionInfo": package.version,
        "supplier": NOASSERTION,
        "downloadLocation": NOASSERTION,
        "filesAnalyzed": False,
        "licenseConcluded": NOASSERTION,
        "licenseDeclared": NOASSERTION,
        "copyrightText": NOASSERTION,
        "comment": "; ".join(facts),
        "externalRefs": [_purl_ref(locator), *(_advisory_ref(f) for f in findings)],
    }
    source_name = package.source_name or package.name
    source_version = package.source_version or package.version
    if (source_name, source_version) != (package.name, package.version):
        document["sourceInfo"] = f"built from source package {source_name} {source_version}"
    return document


def _advisory_ref(finding: Finding) -> dict[str, str]:
    """Annex K.1.1: a SECURITY/advisory reference, the finding in its comment."""
    return {
        "referenceCategory": "SECURITY",
        "referenceType": "advisory",
        "referenceLocator": advisory_url(finding.id),
        "comment": f"{finding.id} ({rating(finding)}): {fix_text(finding)}",
    }
