"""Installed packages and the operating system they were found on.

A package's ``version`` is the package manager's own full version string (SPEC §3):
dpkg's ``[epoch:]upstream[-revision]``, apk's ``1.2.3-r4``, rpm's
``[epoch:]version-release`` (epoch omitted when absent). ``source_name`` and
``source_version`` are what distro advisories name (Debian source packages, Alpine
origins, the source rpm); they default to the binary's own.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from regsentry.model.digest import Digest


class PackageType(StrEnum):
    """Package kinds, as the JSON report's ``type`` names them."""

    DEB = "deb"
    APK = "apk"
    RPM = "rpm"
    PYTHON = "python"
    NPM = "npm"
    GO = "go"
    JAVA = "java"
    GEM = "gem"
    CARGO = "cargo"
    NUGET = "nuget"
    COMPOSER = "composer"

    @property
    def is_os_package(self) -> bool:
        """Whether the OS's package manager installed it (versus a language package)."""
        return self in (PackageType.DEB, PackageType.APK, PackageType.RPM)


@dataclass(frozen=True)
class Package:
    """One installed package as its package manager lists it."""

    type: PackageType
    name: str
    version: str
    arch: str = ""
    source_name: str = ""
    source_version: str = ""
    #: rpm only: the source rpm file name (``bash-5.1.8-6.el9.src.rpm``).
    source_rpm: str = ""
    vendor: str = ""
    #: rpm only: the module stream it came from (``nodejs:18:9020020230123:...``).
    modularity_label: str = ""
    #: The database file it was read from, relative to the image root.
    path: str = ""
    #: The layer that introduced it (set by the indexer, not by analyzers).
    layer: Digest | None = None

    @property
    def key(self) -> tuple[str, str, str, str]:
        """Identity within one image: type, name, version and architecture."""
        return (self.type.value, self.name, self.version, self.arch)


@dataclass(frozen=True)
class Distro:
    """The image's operating system.

    ``family`` is regsentry's normalised name (``debian``, ``ubuntu``, ``alpine``,
    ``rhel``, ``centos``, ``rocky``, ``almalinux``, ``fedora``, ``amazon``, ``oracle``,
    ``sles``, ``opensuse-leap``, ``opensuse-tumbleweed``, ``photon``, ``azurelinux``,
    ``wolfi``, ``chainguard``, …); ``version`` is the release (os-release
    ``VERSION_ID`` or the distro's own release file); ``name`` the codename or the
    distribution's name.
    """

    family: str
    version: str
    name: str = ""
