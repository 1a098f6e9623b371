"""JSON forms of what the store keeps as documents: layer analyses, image analysis
details and findings. Plain dicts with short, stable keys; every ``from_*`` is the exact
inverse of its ``to_*`` (tests round-trip them).
"""

from __future__ import annotations

import json
import zlib
from functools import lru_cache
from typing import Any

from regsentry.analyzer.base import FileAnalysis
from regsentry.indexer.layer import LayerAnalysis, LayerFile, LayerLink
from regsentry.model.advisory import Finding, MatchDetail
from regsentry.model.digest import Digest
from regsentry.model.inventory import AnalysedFile
from regsentry.model.package import Distro, Package, PackageType


def package_to_dict(package: Package) -> dict[str, Any]:
    """A package (its layer as a digest string)."""
    return {
        "type": package.type.value,
        "name": package.name,
        "version": package.version,
        "arch": package.arch,
        "source_name": package.source_name,
        "source_version": package.source_version,
        "source_rpm": package.source_rpm,
        "vendor": package.vendor,
        "modularity_label": package.modularity_label,
        "path": package.path,
        "layer": str(package.layer) if package.layer else None,
    }


def package_from_dict(data: dict[str, Any]) -> Package:
    """The inverse of :func:`package_to_dict`."""
    layer = data.get("layer")
    return Package(
        type=PackageType(data["type"]),
        name=data["name"],
        version=data["version"],
        arch=data.get("arch", ""),
        source_name=data.get("source_name", ""),
        source_version=data.get("source_version", ""),
        source_rpm=data.get("source_rpm", ""),
        vendor=data.get("vendor", ""),
        modularity_label=data.get("modularity_label", ""),
        path=data.get("path", ""),
        layer=Digest.parse(layer) if layer else None,
    )


def _file_analysis_to_dict(analysis: FileAnalysis) -> dict[str, Any]:
    distro = analysis.distro
    return {
        "packages": [package_to_dict(p) for p in analysis.packages],
        "distro": [distro.family, distro.version, distro.name] if distro else None,
        "problems": list(analysis.problems),
    }


def _file_analysis_from_dict(data: dict[str, Any]) -> FileAnalysis:
    distro = data.get("distro")
    return FileAnalysis(
        packages=tuple(package_from_dict(p) for p in data.get("packages", ())),
        distro=Distro(*distro) if distro else None,
        problems=tuple(data.get("problems", ())),
    )


def encode_layer(analysis: LayerAnalysis) -> bytes:
    """A layer analysis as compressed JSON."""
    document = {
        "digest": str(analysis.digest),
        "files": [
            {
                "analyzer": f.analyzer,
                "path": f.path,
                "analysis": _file_analysis_to_dict(f.analysis),
                "error": f.error,
            }
            for f in analysis.files
        ],
        "links": [[k.path, k.target, list(k.analyzers), k.hard] for k in analysis.links],
        "whiteouts": list(analysis.whiteouts),
        "opaque_dirs": list(analysis.opaque_dirs),
        "entries": analysis.entries,
    }
    return zlib.compress(json.dumps(document, separators=(",", ":")).encode(), 6)


def decode_layer(blob: bytes) -> LayerAnalysis:
    """The inverse of :func:`encode_layer`."""
    document = json.loads(zlib.decompress(blob))
    return LayerAnalysis(
        digest=Digest.parse(document["digest"]),
        files=tuple(
            LayerFile(f["analyzer"], f["path"], _file_analysis_from_dict(f["analysis"]), f["error"])
            for f in document["files"]
        ),
        links=tuple(
            LayerLink(path, target, tuple(analyzers), hard)
            for path, target, analyzers, hard in document["links"]
        ),
        whiteouts=tuple(document["whiteouts"]),
        opaque_dirs=tuple(document["opaque_dirs"]),
        entries=document["entries"],
    )


def analysis_to_json(
    files: tuple[AnalysedFile, ...],
    analyzers: tuple[tuple[str, int], ...],
    problems: tuple[str, ...],
) -> str:
    """The parts of an inventory that are not packages or the OS."""
    return json.dumps(
        {
            "files": [[f.path, f.analyzer, str(f.layer)] for f in files],
            "analyzers": [list(a) for a in analyzers],
            "problems": list(problems),
        }
    )


def analysis_from_json(
    text: str,
) -> tuple[tuple[AnalysedFile, ...], tuple[tuple[str, int], ...], tuple[str, ...]]:
    """The inverse of :func:`analysis_to_json`."""
    document = json.loads(text)
    return (
        tuple(AnalysedFile(p, a, Digest.parse(layer)) for p, a, layer in document["files"]),
        tuple((str(a), int(v)) for a, v in document["analyzers"]),
        tuple(document["problems"]),
    )


@lru_cache(maxsize=65536)
def finding_to_json(finding: Finding) -> str:
    """A finding, whole (cached: a pass stores the same findings for many images)."""
    match = finding.match
    return json.dumps(
        {
            "id": finding.id,
            "aliases": list(finding.aliases),
            "package": finding.package,
            "package_version": finding.package_version,
            "package_type": finding.package_type,
            "source_name": finding.source_name,
            "installed_version": finding.installed_version,
            "fixed_version": finding.fixed_version,
            "severity": finding.severity,
            "cvss_score": finding.cvss_score,
            "known_exploited": finding.known_exploited,
            "summary": finding.summary,
            "epss": finding.epss,
            "notes": list(finding.notes),
            "match": {
                "advisory_ids": list(match.advisory_ids),
                "ecosystem": match.ecosystem,
                "matched_by": match.matched_by,
                "matched_name": match.matched_name,
                "constraint": match.constraint,
                "sources": list(match.sources),
            },
        }
    )


def finding_from_json(text: str) -> Finding:
    """The inverse of :func:`finding_to_json`."""
    data = json.loads(text)
    match = data["match"]
    return Finding(
        id=data["id"],
        aliases=tuple(data["aliases"]),
        package=data["package"],
        package_version=data["package_version"],
        package_type=data["package_type"],
        source_name=data["source_name"],
        installed_version=data["installed_version"],
        fixed_version=data["fixed_version"],
        severity=data["severity"],
        cvss_score=data["cvss_score"],
        known_exploited=data["known_exploited"],
        summary=data["summary"],
        epss=data.get("epss"),
        notes=tuple(data.get("notes", ())),
        match=MatchDetail(
            advisory_ids=tuple(match["advisory_ids"]),
            ecosystem=match["ecosystem"],
            matched_by=match["matched_by"],
            matched_name=match["matched_name"],
            constraint=match["constraint"],
            sources=tuple(match["sources"]),
        ),
    )
