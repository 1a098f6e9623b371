"""Every ecosystem's own version order: ``compare``, ``version_key`` and friends.

One module per version scheme (dpkg, apk, rpm, pep440, semver, go, maven, rubygems,
nuget, packagist), each a pure function from a version string to a sort key: a plain,
hashable tuple whose ordinary order is the ecosystem's order. ``ecosystems.py`` maps OSV
ecosystem names to schemes. Each module's docstring names the native implementation it
follows and the version of it; the tests hold them to those implementations' own test
vectors, to OSV's comparison fixtures and, where the tool is installed, to the tool.

    compare("Debian:12", "1.0~rc1", "1.0")   -> -1
    sorted(versions, key=lambda v: version_key("PyPI", v))

Errors (see :mod:`regsentry.versions.errors`): :class:`UnsupportedEcosystemError` for an
ecosystem without a scheme, :class:`InvalidVersionError` for a string that is not a
version of that ecosystem.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from regsentry.versions.ecosystems import ECOSYSTEMS, SCHEMES, lookup
from regsentry.versions.errors import (
    InvalidVersionError,
    UnsupportedEcosystemError,
    VersionError,
)

__all__ = [
    "InvalidVersionError",
    "UnsupportedEcosystemError",
    "VersionError",
    "compare",
    "scheme_of",
    "supported_ecosystems",
    "version_key",
]

_SUPPORTED = frozenset(ECOSYSTEMS)
# Keys are cached per scheme, not per ecosystem string: "Debian:11" and "Debian:12" share.
_CACHE_SIZE = 1 << 18


@lru_cache(maxsize=1024)
def scheme_of(ecosystem: str) -> str:
    """The version scheme of an OSV ecosystem: ``"dpkg"``, ``"apk"``, ``"rpm"`` …

    A release suffix after the first ``:`` is ignored (``Alpine:v3.20`` -> ``"apk"``).
    """
    scheme = lookup(ecosystem)
    if scheme is None:
        raise UnsupportedEcosystemError(ecosystem)
    return scheme


def supported_ecosystems() -> frozenset[str]:
    """The OSV ecosystem names (without release suffix) whose versions can be ordered."""
    return _SUPPORTED


@lru_cache(maxsize=_CACHE_SIZE)
def _scheme_key(scheme: str, version: str) -> tuple[Any, ...]:
    return SCHEMES[scheme](version)


def version_key(ecosystem: str, version: str) -> object:
    """A hashable, totally ordered sort key: ``key(a) < key(b)`` iff ``compare(a, b) < 0``.

    Keys of one scheme compare with each other only. Cached: the matcher may call this
    thousands of times per image.
    """
    scheme = scheme_of(ecosystem)
    try:
        return _scheme_key(scheme, version)
    except InvalidVersionError as exc:
        raise InvalidVersionError(ecosystem, version, exc.reason) from None


def compare(ecosystem: str, a: str, b: str) -> int:
    """-1, 0 or 1 as version ``a`` is older than, the same as, or newer than ``b``."""
    scheme = scheme_of(ecosystem)
    try:
        key_a = _scheme_key(scheme, a)
        key_b = _scheme_key(scheme, b)
    except InvalidVersionError as exc:
        raise InvalidVersionError(ecosystem, exc.version, exc.reason) from None
    return (key_a > key_b) - (key_a < key_b)
