"""Distro and vendor ratings → the normalised :data:`~regsentry.model.advisory.Severity`.

Each source rates in its own words; the mapping is kept here, in one place, so a finding's
severity means the same whichever feed it came from. ``None`` means "no usable rating"
(the matcher then falls back to the record's rating or its CVSS vectors); it is never
guessed as ``unknown`` here.
"""

from __future__ import annotations

from collections.abc import Iterable

from regsentry.model.advisory import SEVERITIES, Severity

_UBUNTU: dict[str, Severity | None] = {
    "critical": "critical",
    "high": "high",
    "medium": "medium",
    "low": "low",
    "negligible": "negligible",
    # Not yet triaged by Ubuntu: no rating (rather than a guess).
    "untriaged": None,
}

# Debian urgencies. A trailing ``*``/``**`` marks an urgency the tracker took from
# elsewhere without review; the rating itself is the same. "end-of-life" is not a rating
# but a state (the release no longer gets fixes for the package); "not yet assigned" means
# none was given.
_DEBIAN: dict[str, Severity | None] = {
    "unimportant": "negligible",
    "low": "low",
    "medium": "medium",
    "high": "high",
    "not yet assigned": None,
    "end-of-life": None,
}

# GitHub (CRITICAL/HIGH/MODERATE/LOW) and the Red Hat family (Critical/Important/Moderate/
# Low) as they appear in ``database_specific.severity`` of OSV records.
_VENDOR: dict[str, Severity | None] = {
    "critical": "critical",
    "important": "high",
    "high": "high",
    "moderate": "medium",
    "medium": "medium",
    "low": "low",
    "negligible": "negligible",
    "none": None,
    "unknown": None,
}


def from_ubuntu(priority: str) -> Severity | None:
    """An Ubuntu priority (``negligible`` … ``critical``, ``untriaged``)."""
    return _UBUNTU.get(priority.strip().lower())


def from_debian_urgency(urgency: str) -> Severity | None:
    """A Debian tracker urgency (``unimportant``, ``low**``, ``not yet assigned`` …)."""
    return _DEBIAN.get(urgency.strip().rstrip("*").strip().lower())


def from_vendor(rating: str) -> Severity | None:
    """A GHSA or Red Hat-style rating (``CRITICAL``, ``Important``, ``MODERATE`` …)."""
    return _VENDOR.get(rating.strip().lower())


def worst(ratings: Iterable[Severity | None]) -> Severity | None:
    """The most severe of these ratings (``unknown`` counts below every real one)."""
    present = [rating for rating in ratings if rating is not None]
    if not present:
        return None
    return min(present, key=SEVERITIES.index)
