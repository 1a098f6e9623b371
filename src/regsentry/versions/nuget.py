"""NuGet versions, ordered as NuGet.Versioning's ``VersionComparer.Default`` orders them.

``MAJOR[.MINOR[.PATCH[.REVISION]]][-PRERELEASE][+METADATA]``: up to four numbers (missing
ones are 0, so ``1.0 == 1.0.0.0``; leading zeros are allowed, ``1.0.01 == 1.0.1``), then
SemVer 2.0's pre-release rules with one difference: labels compare *case-insensitively*
(``1.0.0-BETA == 1.0.0-beta``, ordinal upper-case comparison). Metadata is ignored.

NuGet stores numbers in 32-bit integers; regsentry compares them exactly, however long.
"""

from __future__ import annotations

import re
from typing import Any

from regsentry.versions.errors import InvalidVersionError

NAME = "nuget"

_LABELS = r"[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*"
_PATTERN = re.compile(
    rf"(?P<numbers>[0-9]+(?:\.[0-9]+){{0,3}})(?:-(?P<pre>{_LABELS}))?(?:\+{_LABELS})?",
    re.ASCII,
)
_RELEASE = (1,)


def _label_key(label: str) -> tuple[Any, ...]:
    return (0, int(label)) if label.isdigit() else (1, label.upper())


def key(version: str) -> tuple[Any, ...]:
    """Sort key of a NuGet version."""
    match = _PATTERN.fullmatch(version)
    if match is None:
        raise InvalidVersionError(NAME, version, "not a NuGet version")
    numbers = [int(part) for part in match["numbers"].split(".")]
    numbers += [0] * (4 - len(numbers))
    pre = match["pre"]
    if pre is None:
        return (*numbers, _RELEASE)
    return (*numbers, (0, tuple(_label_key(label) for label in pre.split("."))))
