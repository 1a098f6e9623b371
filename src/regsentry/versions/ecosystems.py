"""Which version scheme each OSV ecosystem uses, and each scheme's key function.

One entry per ecosystem, an explicit table rather than registration by import: an
ecosystem missing here is unsupported, on purpose. Names are OSV's
(https://ossf.github.io/osv-schema/#affectedpackage-field); an ecosystem may carry a
release after its first ``:`` (``Debian:12``, ``Alpine:v3.20``,
``Red Hat:enterprise_linux:9::appstream``), which does not change the version order.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Any

from regsentry.versions import apk, dpkg, go, maven, nuget, packagist, pep440, rpm, rubygems, semver

KeyFunction = Callable[[str], tuple[Any, ...]]

SCHEMES: Mapping[str, KeyFunction] = MappingProxyType(
    {
        dpkg.NAME: dpkg.key,
        apk.NAME: apk.key,
        rpm.NAME: rpm.key,
        pep440.NAME: pep440.key,
        semver.NAME: semver.key,
        go.NAME: go.key,
        maven.NAME: maven.key,
        rubygems.NAME: rubygems.key,
        nuget.NAME: nuget.key,
        packagist.NAME: packagist.key,
    }
)

ECOSYSTEMS: Mapping[str, str] = MappingProxyType(
    {
        "Debian": dpkg.NAME,
        "Ubuntu": dpkg.NAME,
        "Alpine": apk.NAME,
        "Wolfi": apk.NAME,
        "Chainguard": apk.NAME,
        "Red Hat": rpm.NAME,
        "Rocky Linux": rpm.NAME,
        "AlmaLinux": rpm.NAME,
        "SUSE": rpm.NAME,
        "openSUSE": rpm.NAME,
        "Photon OS": rpm.NAME,
        "Azure Linux": rpm.NAME,
        "Mariner": rpm.NAME,
        "openEuler": rpm.NAME,
        "Oracle": rpm.NAME,
        "PyPI": pep440.NAME,
        "npm": semver.NAME,
        "crates.io": semver.NAME,
        "Go": go.NAME,
        "Maven": maven.NAME,
        "RubyGems": rubygems.NAME,
        "NuGet": nuget.NAME,
        "Packagist": packagist.NAME,
    }
)

_BY_FOLDED_NAME = {name.casefold(): scheme for name, scheme in ECOSYSTEMS.items()}


def base_name(ecosystem: str) -> str:
    """The ecosystem without its release suffix: ``Ubuntu:22.04:LTS`` -> ``Ubuntu``."""
    return ecosystem.partition(":")[0].strip()


def lookup(ecosystem: str) -> str | None:
    """The scheme of ``ecosystem`` (exact OSV name first, then case-insensitively)."""
    name = base_name(ecosystem)
    return ECOSYSTEMS.get(name) or _BY_FOLDED_NAME.get(name.casefold())
