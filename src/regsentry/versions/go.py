"""Go module versions: Semantic Versioning with Go's spelling.

Go writes versions as ``v1.2.3``; OSV's Go advisories drop the ``v`` (``1.2.3``); both are
accepted and mean the same. The precedence is SemVer's (see :mod:`.semver`), which already
orders Go's special forms correctly:

* pseudo-versions (``v0.0.0-20210101000000-abcdef123456``, ``v1.2.4-0.2021...-hash``) are
  SemVer pre-releases, so a pseudo-version sorts below the release it precedes;
* ``+incompatible`` (a v2+ module without a go.mod) is build metadata and is ignored;
* ``v1`` and ``v1.2`` are Go's shorthands for ``v1.0.0`` and ``v1.2.0``.
"""

from __future__ import annotations

from typing import Any

from regsentry.versions.semver import parse_key

NAME = "go"


def key(version: str) -> tuple[Any, ...]:
    """Sort key of a Go module version, with or without its ``v``."""
    return parse_key(version, NAME)
