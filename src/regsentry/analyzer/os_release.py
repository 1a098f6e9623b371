"""Which operating system an image is: os-release first, the distribution's own files second.

Advisories are published per distribution release (``Debian:12``, ``Alpine:v3.18``,
``Red Hat``…), so a package list is only useful next to the OS it came from.

Sources, in the order ``combine`` trusts them:

1. ``etc/os-release``, then ``usr/lib/os-release`` (the systemd format every current
   distribution ships). ``ID`` is mapped to a regsentry family through ``_FAMILIES``;
   ``ID_LIKE`` is deliberately *not* used as a fallback: derivatives (Kali, Mint, Pop!_OS
   …) have their own version numbers and packages, and matching them against their
   parent's advisories would report the wrong vulnerabilities. An unknown ``ID``, or a
   file without ``VERSION_ID``, says nothing usable (as in Trivy).
2. ``etc/alpine-release`` and ``etc/debian_version``, for images without os-release.
3. The Red Hat-style release files (``Rocky Linux release 9.3 (Blue Onyx)``). The
   vendor's own file (``centos-release``, ``rocky-release``…) is read too and comes
   before ``system-release`` and ``redhat-release``: on most of these distributions the
   generic names are symlinks to it (CentOS 6 has nothing else to identify it by, and a
   link is only followed to a file an analyzer read), and Oracle Linux 7's regular
   ``redhat-release`` file claims to be RHEL.

Debian's ``version`` is os-release's ``VERSION_ID`` (``12``), not the point release in
``debian_version`` (``12.5``): advisories are keyed by major release, and point releases
only refresh packages whose versions the inventory already carries. ``debian_version`` is
used verbatim only when there is no usable os-release (Debian 6 and older, or testing
and unstable, whose os-release has no ``VERSION_ID``: ``trixie/sid`` gives version ``""``
and name ``trixie``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from regsentry.analyzer.base import Analyzer, FileAnalysis
from regsentry.model.package import Distro

KiB = 1024

_OS_RELEASE_PATHS = ("etc/os-release", "usr/lib/os-release")

#: Red Hat-style "<product> release <version> (<codename>)" files, most specific first.
_RELEASE_FILE_PATHS = (
    "etc/centos-release",
    "etc/rocky-release",
    "etc/almalinux-release",
    "etc/oracle-release",
    "etc/fedora-release",
    "etc/amazon-linux-release",
    "etc/system-release",
    "etc/redhat-release",
)

#: Every path ``required`` accepts, in the order ``combine`` trusts them.
PRECEDENCE = (
    *_OS_RELEASE_PATHS,
    "etc/alpine-release",
    "etc/debian_version",
    *_RELEASE_FILE_PATHS,
)

#: os-release ``ID`` → regsentry family.
_FAMILIES: Mapping[str, str] = {
    "activestate": "activestate",
    "almalinux": "almalinux",
    "alpine": "alpine",
    "amzn": "amazon",
    # Azure Linux 3.0 onwards; its predecessor CBL-Mariner (1.0, 2.0) says "mariner" and
    # keeps its own family, since its advisories are published under that name.
    "azurelinux": "azurelinux",
    "bottlerocket": "bottlerocket",
    "centos": "centos",  # "centos-stream" when NAME says Stream, see _family()
    "chainguard": "chainguard",
    "coreos": "coreos",
    "debian": "debian",
    "echo": "echo",
    "fedora": "fedora",
    "mariner": "mariner",
    "minimos": "minimos",
    "ol": "oracle",
    "opensuse": "opensuse-leap",  # Leap 42.x
    "opensuse-leap": "opensuse-leap",
    "opensuse-tumbleweed": "opensuse-tumbleweed",
    "photon": "photon",
    "rhel": "rhel",
    "rocky": "rocky",
    "sle-micro": "sle-micro",
    "sle-micro-rancher": "sle-micro",
    "sl-micro": "sle-micro",  # SUSE Linux Micro 6.0
    "sles": "sles",
    "ubuntu": "ubuntu",
    "wolfi": "wolfi",
}

#: Product names of Red Hat-style release files → family; longest prefixes first.
_RELEASE_PRODUCTS = (
    ("Red Hat Enterprise Linux", "rhel"),
    ("CentOS Stream", "centos-stream"),
    ("CentOS", "centos"),
    ("Rocky Linux", "rocky"),
    ("AlmaLinux", "almalinux"),
    ("Fedora", "fedora"),
    ("Amazon Linux", "amazon"),
    ("Oracle Linux", "oracle"),
)


def parse_os_release(text: str) -> dict[str, str]:
    """The variables of an os-release file (shell-style ``KEY=value`` lines).

    Follows systemd's reading of the format: ``#`` comments and blank lines are skipped,
    single quotes are literal, double quotes honour ``\\"``, ``\\\\``, ``\\$`` and
    ``\\```, an unquoted backslash escapes the next character, and adjacent quoted and
    unquoted parts are joined. Lines that are not assignments are ignored, as is a
    trailing CR.
    """
    variables: dict[str, str] = {}
    for raw_line in text.split("\n"):
        line = raw_line.strip()
        if not line or line.startswith("#"):
            continue
        key, sep, value = line.partition("=")
        key = key.strip()
        if not sep or not key.isidentifier():
            continue
        variables[key] = _unquote(value.strip())
    return variables


def _unquote(value: str) -> str:
    """Resolve shell quoting in one os-release value; an unclosed quote runs to the end."""
    if not any(c in value for c in "'\"\\"):
        return value
    out: list[str] = []
    quote = ""
    i = 0
    while i < len(value):
        char = value[i]
        if quote == "'":
            if char == "'":
                quote = ""
            else:
                out.append(char)
        elif quote == '"':
            if char == '"':
                quote = ""
            elif char == "\\" and i + 1 < len(value) and value[i + 1] in '"\\$`':
                i += 1
                out.append(value[i])
            else:
                out.append(char)
        elif char in "'\"":
            quote = char
        elif char == "\\" and i + 1 < len(value):
            i += 1
            out.append(value[i])
        else:
            out.append(char)
        i += 1
    return "".join(out)


def distro_from_os_release(text: str) -> Distro | None:
    """The distro an os-release file names, or None when its ID or VERSION_ID is unusable."""
    variables = parse_os_release(text)
    family = _family(variables.get("ID", "").lower(), variables.get("NAME", ""))
    version = variables.get("VERSION_ID", "")
    if not family or not version:
        return None
    name = variables.get("VERSION_CODENAME") or variables.get("NAME", "")
    return Distro(family=family, version=version, name=name)


def _family(os_id: str, name: str) -> str:
    family = _FAMILIES.get(os_id, "")
    # CentOS Stream keeps ID=centos; only NAME ("CentOS Stream") tells it from CentOS Linux.
    if family == "centos" and "stream" in name.lower():
        return "centos-stream"
    return family


def distro_from_alpine_release(text: str) -> Distro | None:
    """``3.18.4`` → alpine 3.18.4."""
    version = _first_line(text)
    if not version[:1].isdigit():
        return None
    return Distro(family="alpine", version=version, name="Alpine Linux")


def distro_from_debian_version(text: str) -> Distro | None:
    """``12.5`` → debian 12.5; ``trixie/sid`` → debian "" named trixie; anything else None.

    Derivatives write their own words here (``kali-rolling``); those are not Debian.
    """
    value = _first_line(text)
    if value.isascii() and value.replace(".", "").isdigit() and value[0].isdigit():
        return Distro(family="debian", version=value)
    codename, sep, suite = value.partition("/")
    if sep and suite == "sid" and codename.isalpha() and codename.islower():
        return Distro(family="debian", version="", name=codename)
    return None


def distro_from_release_file(text: str) -> Distro | None:
    """``Rocky Linux release 9.3 (Blue Onyx)`` → rocky 9.3 named Blue Onyx.

    The family comes from the product name, not the file name: ``system-release`` is
    Amazon's, Rocky's or Oracle's depending on the image.
    """
    line = _first_line(text)
    product, sep, rest = line.partition(" release ")
    if not sep:
        return None
    family = next((f for prefix, f in _RELEASE_PRODUCTS if product.startswith(prefix)), "")
    version = rest.split(maxsplit=1)[0] if rest.strip() else ""
    if not family or not version[:1].isdigit():
        return None
    codename = rest.partition("(")[2].partition(")")[0].strip()
    return Distro(family=family, version=version, name=codename or product.strip())


def _first_line(text: str) -> str:
    return next((line.strip() for line in text.splitlines() if line.strip()), "")


class OsReleaseAnalyzer(Analyzer):
    """Identifies the distribution from os-release and the distro-specific release files."""

    id: ClassVar[str] = "os-release"
    version: ClassVar[int] = 1
    max_file_bytes: ClassVar[int] = 64 * KiB

    def required(self, path: str) -> bool:
        """Whether ``path`` is one of the identification files."""
        return path in PRECEDENCE

    def analyze(self, path: str, content: bytes) -> FileAnalysis:
        """The distro one file names; no distro when it says nothing usable.

        These files are never fatal: an unreadable one simply does not identify the OS,
        and an image no file identifies is reported as of unknown OS by the indexer.
        """
        text = content.decode("utf-8", errors="replace")
        if path in _OS_RELEASE_PATHS:
            distro = distro_from_os_release(text)
        elif path == "etc/alpine-release":
            distro = distro_from_alpine_release(text)
        elif path == "etc/debian_version":
            distro = distro_from_debian_version(text)
        elif path in _RELEASE_FILE_PATHS:
            distro = distro_from_release_file(text)
        else:
            distro = None
        return FileAnalysis(distro=distro)

    def combine(self, files: Mapping[str, FileAnalysis]) -> FileAnalysis:
        """The distro of the most trusted file that names one (see ``PRECEDENCE``)."""
        for path in PRECEDENCE:
            analysis = files.get(path)
            if analysis is not None and analysis.distro is not None:
                return FileAnalysis(distro=analysis.distro)
        return FileAnalysis()
