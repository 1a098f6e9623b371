"""Package URLs (purl) for installed packages, as the purl spec and scanners write them.

``pkg:deb/debian/curl@7.88.1-10%2Bdeb12u5?arch=amd64&distro=debian-12``,
``pkg:apk/alpine/musl@1.2.4-r2?arch=x86_64&distro=3.18.4``,
``pkg:rpm/redhat/bash@5.1.8-6.el9?arch=x86_64&epoch=1&distro=rhel-9.2`` (rpm moves the
epoch into a qualifier; deb keeps it in the version, as the purl spec's examples do).
"""

from __future__ import annotations

from functools import lru_cache

from packageurl import PackageURL

from regsentry.model.package import Distro, Package, PackageType

#: purl namespaces where they differ from regsentry's family names.
_NAMESPACE = {
    "rhel": "redhat",
    "sles": "suse",
    "sle-micro": "suse",
    "opensuse-leap": "opensuse",
    "opensuse-tumbleweed": "opensuse",
    "mariner": "microsoft",
    "azurelinux": "microsoft",
}


#: purl types of language packages (no distro qualifiers: they are the same everywhere).
_LANGUAGE_TYPES = {
    PackageType.PYTHON: "pypi",
    PackageType.NPM: "npm",
    PackageType.GO: "golang",
    PackageType.JAVA: "maven",
    PackageType.GEM: "gem",
    PackageType.CARGO: "cargo",
    PackageType.NUGET: "nuget",
    PackageType.COMPOSER: "composer",
}


def _split_name(kind: PackageType, name: str) -> tuple[str | None, str]:
    """Maven ``group:artifact``, npm ``@scope/name``, Go module paths and Composer
    ``vendor/name`` carry a namespace; the others are plain names."""
    if kind is PackageType.JAVA and ":" in name:
        group, _, artifact = name.partition(":")
        return group, artifact
    if kind in (PackageType.NPM, PackageType.GO, PackageType.COMPOSER) and "/" in name:
        namespace, _, last = name.rpartition("/")
        return namespace, last
    return None, name


@lru_cache(maxsize=65536)
def purl(package: Package, distro: Distro | None) -> str:
    """The package URL of an installed package (cached: images share their bases)."""
    language = _LANGUAGE_TYPES.get(package.type)
    if language is not None:
        namespace, name = _split_name(package.type, package.name)
        return PackageURL(
            type=language, namespace=namespace, name=name, version=package.version
        ).to_string()
    family = distro.family if distro else ""
    qualifiers: dict[str, str] = {}
    if package.arch:
        qualifiers["arch"] = package.arch
    version = package.version
    if package.type is PackageType.RPM:
        epoch, colon, rest = version.partition(":")
        if colon and epoch.isdigit():
            qualifiers["epoch"] = epoch
            version = rest
    if distro:
        if package.type is PackageType.APK:
            qualifiers["distro"] = distro.version
        else:
            qualifiers["distro"] = f"{distro.family}-{distro.version}"
    return PackageURL(
        type=package.type.value,
        namespace=_NAMESPACE.get(family, family) or None,
        name=package.name,
        version=version,
        qualifiers=qualifiers or None,
    ).to_string()
