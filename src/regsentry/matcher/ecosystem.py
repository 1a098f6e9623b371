"""Which advisories apply to an image's packages: OSV ecosystems and releases per OS.

Distro advisories are per release (``Debian:12``, ``Alpine:v3.20``,
``Ubuntu:22.04:LTS``): an advisory for another release says nothing about this image. The
rules below turn the image's OS (family and version from os-release) into a predicate on
an ``affected`` entry's ecosystem and release suffix.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from regsentry.model.package import Distro, Package, PackageType


@dataclass(frozen=True)
class DistroEcosystem:
    """The OSV ecosystem of an OS and the test for release suffixes of this release."""

    ecosystem: str
    label: str
    accepts: Callable[[str], bool]


@dataclass(frozen=True)
class Target:
    """One lookup for one package: ask for ``name`` in ``ecosystem``, compare ``version``."""

    ecosystem: str
    name: str
    version: str
    matched_by: Literal["source-package", "package"]


def _parts(version: str) -> list[str]:
    return re.split(r"[.\-]", version)


def _major(version: str) -> str:
    return _parts(version)[0]


def _major_minor(version: str) -> str:
    parts = _parts(version)
    return ".".join(parts[:2])


def distro_ecosystem(distro: Distro) -> DistroEcosystem | None:
    """The advisory ecosystem for an OS, or None when no OSV ecosystem covers it."""
    family, version = distro.family, distro.version
    if not version and family not in ("wolfi", "chainguard", "opensuse-tumbleweed"):
        return None
    rules: dict[str, tuple[str, str, Callable[[str], bool]]] = {
        "debian": ("Debian", f"Debian:{_major(version)}", lambda r: r in ("", _major(version))),
        "ubuntu": ("Ubuntu", f"Ubuntu:{version}", lambda r: r in (version, f"{version}:LTS")),
        "alpine": (
            "Alpine",
            f"Alpine:v{_major_minor(version)}",
            lambda r: r == f"v{_major_minor(version)}",
        ),
        "wolfi": ("Wolfi", "Wolfi", lambda r: True),
        "chainguard": ("Chainguard", "Chainguard", lambda r: True),
        "rocky": ("Rocky Linux", f"Rocky Linux:{_major(version)}", lambda r: r == _major(version)),
        "almalinux": ("AlmaLinux", f"AlmaLinux:{_major(version)}", lambda r: r == _major(version)),
        "rhel": (
            "Red Hat",
            f"Red Hat:enterprise_linux:{_major(version)}",
            lambda r: re.match(rf"enterprise_linux:{_major(version)}(:|$)", r) is not None,
        ),
        "opensuse-leap": ("openSUSE", f"openSUSE:Leap {version}", lambda r: r == f"Leap {version}"),
        "opensuse-tumbleweed": ("openSUSE", "openSUSE:Tumbleweed", lambda r: r == "Tumbleweed"),
        "sles": ("SUSE", f"SUSE {version}", _suse_release(version)),
        "photon": ("Photon OS", f"Photon OS:{version}", lambda r: r == version),
        "mariner": ("Mariner", f"Mariner:{version}", lambda r: r == version),
        "azurelinux": (
            "Azure Linux",
            f"Azure Linux:{_major_minor(version)}",
            lambda r: r in (_major(version), _major_minor(version)),
        ),
    }
    rule = rules.get(family)
    if rule is None:
        return None
    ecosystem, label, accepts = rule
    return DistroEcosystem(ecosystem, label, accepts)


def _suse_release(version: str) -> Callable[[str], bool]:
    """``15.5`` → any SUSE product release of ``15 SP5`` (Server, modules, Micro …)."""
    major, _, minor = version.partition(".")
    wanted = f"{major} SP{minor}" if minor and minor != "0" else major
    return lambda release: release.endswith(f" {wanted}") or f" {wanted} " in release


#: OSV ecosystems of language packages: they are matched whatever the OS.
LANGUAGE_ECOSYSTEMS = {
    PackageType.PYTHON: "PyPI",
    PackageType.NPM: "npm",
    PackageType.GO: "Go",
    PackageType.JAVA: "Maven",
    PackageType.GEM: "RubyGems",
    PackageType.CARGO: "crates.io",
    PackageType.NUGET: "NuGet",
    PackageType.COMPOSER: "Packagist",
}


def targets(package: Package, ecosystem: DistroEcosystem | None) -> list[Target]:
    """What to look up for one installed package.

    Distro advisories name source packages (Debian and Ubuntu source packages, Alpine
    origins, rpm source rpms), and their fixed versions are source versions, so the
    source version is compared: a binary's own version can carry an epoch or a binNMU
    suffix its source does not. For rpm the binary name is asked too, since some rpm
    distributions publish advisories per binary package. Language packages are looked up
    by their own name in their ecosystem.
    """
    language = LANGUAGE_ECOSYSTEMS.get(package.type)
    if language is not None:
        return [Target(language, package.name, package.version, "package")]
    if ecosystem is None:
        return []
    source = package.source_name or package.name
    source_version = package.source_version or package.version
    found = [
        Target(
            ecosystem.ecosystem,
            source,
            source_version,
            "source-package" if source != package.name else "package",
        )
    ]
    if package.type is PackageType.RPM and source != package.name:
        found.append(Target(ecosystem.ecosystem, package.name, package.version, "package"))
    return found
