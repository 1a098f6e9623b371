"""OSV affected-range evaluation (https://ossf.github.io/osv-schema/#evaluation).

A version is affected by an ``affected[]`` entry when it is in its explicit ``versions``
list or inside one of its ECOSYSTEM/SEMVER ranges. Within a range, events are sorted by
version (``introduced: "0"`` first) and walked. At equal versions a closing event comes
before an ``introduced``: ``fixed: 3.1.1`` followed by ``introduced: 3.1.1`` is two
adjacent intervals (real PyPA records use this), so 3.1.1 is inside the second one.
Walking: ``introduced <= v`` enters, ``fixed <= v`` leaves, ``last_affected < v``
leaves; ``limit`` events bound the whole range (``v`` must be below one of them). GIT
ranges say nothing about package versions and are only usable through ``versions``.
"""

from __future__ import annotations

from dataclasses import dataclass

from regsentry.model.advisory import Affected, AffectedRange
from regsentry.versions import version_key
from regsentry.versions.errors import VersionError

_ORDER = {"fixed": 0, "last_affected": 0, "introduced": 1, "limit": 2}


@dataclass(frozen=True)
class RangeMatch:
    """Why a version is affected: the constraint in words, and the fix if one exists."""

    constraint: str
    fixed: str | None


def evaluate(ecosystem: str, version: str, affected: Affected) -> RangeMatch | None:
    """The match of ``version`` against one affected entry, or None.

    Raises VersionError when ``version`` itself is not a valid version of the ecosystem.
    Ranges with unparsable events are skipped (they cannot prove anything either way).
    """
    installed = version_key(ecosystem, version)
    for listed in affected.versions:
        try:
            if version_key(ecosystem, listed) == installed:
                return RangeMatch("listed in versions", _next_fix(ecosystem, installed, affected))
        except VersionError:
            if listed == version:
                return RangeMatch("listed in versions", None)
    for candidate in affected.ranges:
        if candidate.type not in ("ECOSYSTEM", "SEMVER"):
            continue
        try:
            found = _in_range(ecosystem, installed, candidate)
        except VersionError:
            continue
        if found is not None:
            return found
    return None


def _sorted_events(ecosystem: str, candidate: AffectedRange) -> list[tuple[object, str, str]]:
    events: list[tuple[object, str, str]] = []
    for event in candidate.events:
        if event.kind == "limit" and event.version == "*":
            continue
        key: object = _ZERO if event.version == "0" else version_key(ecosystem, event.version)
        events.append((key, event.kind, event.version))
    events.sort(key=lambda item: (Sortable(item[0]), _ORDER[item[1]]))
    return events


def _in_range(ecosystem: str, installed: object, candidate: AffectedRange) -> RangeMatch | None:
    events = _sorted_events(ecosystem, candidate)
    limits = [key for key, kind, _ in events if kind == "limit"]
    if limits and not any(Sortable(installed) < Sortable(limit) for limit in limits):
        return None
    affected = False
    entered = ""
    for key, kind, text in events:
        at_or_above = not Sortable(installed) < Sortable(key)
        closes = (kind == "fixed" and at_or_above) or (
            kind == "last_affected" and Sortable(key) < Sortable(installed)
        )
        if kind == "introduced" and at_or_above:
            affected, entered = True, text
        elif closes:
            affected = False
    if not affected:
        return None
    upper: tuple[str, str] | None = None
    for key, kind, text in events:  # the first closing event at or above the version
        if (kind == "fixed" and Sortable(installed) < Sortable(key)) or (
            kind == "last_affected" and not Sortable(key) < Sortable(installed)
        ):
            upper = (kind, text)
            break
    fixed = upper[1] if upper and upper[0] == "fixed" else None
    bound = f", {upper[0]} {upper[1]}" if upper else ""
    return RangeMatch(f"{candidate.type.lower()} range: introduced {entered}{bound}", fixed)


def _next_fix(ecosystem: str, installed: object, affected: Affected) -> str | None:
    """For a version found in the ``versions`` list: the lowest fix above it, if any."""
    fixes = []
    for candidate in affected.ranges:
        for event in candidate.events:
            if event.kind != "fixed":
                continue
            try:
                key = version_key(ecosystem, event.version)
            except VersionError:
                continue
            if Sortable(installed) < Sortable(key):
                fixes.append((Sortable(key), event.version))
    return min(fixes)[1] if fixes else None


class _Zero:
    """``introduced: "0"``: below every version of every ecosystem."""

    def __repr__(self) -> str:
        return "0"


_ZERO = _Zero()


class Sortable:
    """Orders version keys (which only promise ``<`` and ``==`` among themselves) with the
    ``introduced: "0"`` sentinel below all of them, so they can sit in sorted tuples."""

    __slots__ = ("key",)

    def __init__(self, key: object) -> None:
        self.key = key

    def __lt__(self, other: Sortable) -> bool:
        if self.key is _ZERO:
            return other.key is not _ZERO
        if other.key is _ZERO:
            return False
        return bool(self.key < other.key)  # type: ignore[operator]

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Sortable) and self.key == other.key

    def __hash__(self) -> int:
        return hash(self.key)
