"""Ecosystem names: the OSV list, and (from :mod:`regsentry.model.ecosystem`) the
splitting and name normalisation lookups are keyed by.
"""

from __future__ import annotations

from regsentry.model.ecosystem import normalize_name, split_ecosystem

__all__ = ["KNOWN_ECOSYSTEMS", "normalize_name", "split_ecosystem"]

#: Ecosystems the OSV schema defines (schema 1.7), used to flag records for anything else
#: in the import report. Records of other ecosystems are stored all the same.
KNOWN_ECOSYSTEMS = frozenset(
    {
        "AlmaLinux",
        "Alpaquita",
        "Alpine",
        "Android",
        "Azure Linux",
        "BellSoft Hardened Containers",
        "Bioconductor",
        "Bitnami",
        "Chainguard",
        "CleanStart",
        "ConanCenter",
        "CRAN",
        "crates.io",
        "Debian",
        "Docker Hardened Images",
        "Echo",
        "FreeBSD",
        "GHC",
        "GIT",
        "GitHub Actions",
        "Go",
        "Hackage",
        "Hex",
        "Julia",
        "Linux",
        "Mageia",
        "Maven",
        "MinimOS",
        "npm",
        "NuGet",
        "opam",
        "openEuler",
        "openSUSE",
        "OSS-Fuzz",
        "Packagist",
        "Photon OS",
        "Pub",
        "PyPI",
        "Red Hat",
        "Rocky Linux",
        "Root",
        "RubyGems",
        "SUSE",
        "SwiftURL",
        "Ubuntu",
        "VSCode",
        "Wolfi",
    }
)
