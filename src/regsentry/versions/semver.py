"""Semantic Versioning 2.0 precedence, for npm, crates.io and (with go.py) Go modules.

``MAJOR.MINOR.PATCH[-PRERELEASE][+BUILD]``: the three numbers compare numerically; a
version with a pre-release sorts below the same version without one
(``1.0.0-rc.1 < 1.0.0``); pre-release identifiers compare one by one, numbers
numerically, others in ASCII order, numbers before others, and a longer list wins when
one is a prefix of the other (``1.0.0-alpha < 1.0.0-alpha.1``). Build metadata is ignored
for precedence (``1.0.0+a == 1.0.0+b``).

Leniencies, each because real advisory or inventory data needs it: a leading ``v``
(``v1.2.3``: Go writes it, npm accepts it); missing minor or patch numbers count as 0
(OSV's ``"introduced": "0"``, Go's ``v1`` shorthand); leading zeros are read as
numbers. More than three numbers, empty identifiers or characters outside
``[0-9A-Za-z-]`` in a pre-release or build raise :class:`InvalidVersionError`.
"""

from __future__ import annotations

import re
from typing import Any

from regsentry.versions.errors import InvalidVersionError

NAME = "semver"

_IDENTIFIERS = r"[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*"
_PATTERN = re.compile(
    rf"v?(?P<major>[0-9]+)(?:\.(?P<minor>[0-9]+))?(?:\.(?P<patch>[0-9]+))?"
    rf"(?:-(?P<pre>{_IDENTIFIERS}))?(?:\+(?P<build>{_IDENTIFIERS}))?",
    re.ASCII,
)
_RELEASE = (1,)  # no pre-release: above every pre-release of the same version


def _identifier_key(identifier: str) -> tuple[Any, ...]:
    return (0, int(identifier)) if identifier.isdigit() else (1, identifier)


def parse_key(version: str, scheme: str) -> tuple[Any, ...]:
    """Sort key of a SemVer string, errors naming ``scheme``."""
    match = _PATTERN.fullmatch(version)
    if match is None:
        raise InvalidVersionError(scheme, version, "not a semantic version")
    numbers = tuple(int(match[part] or 0) for part in ("major", "minor", "patch"))
    pre = match["pre"]
    if pre is None:
        return (*numbers, _RELEASE)
    return (*numbers, (0, tuple(_identifier_key(part) for part in pre.split("."))))


def key(version: str) -> tuple[Any, ...]:
    """Sort key of a SemVer 2.0 version (npm, crates.io)."""
    return parse_key(version, NAME)
