"""Severity and CVSS score of a finding.

The distro's own rating wins where it has one (Debian urgency, Ubuntu priority: they
know how the package is built and used); else a record-level rating (GitHub's); else the
CVSS vector's base score in the CVSS v3/v4 bands; else ``unknown``. A CVSS score is
reported whenever a vector is known, from the newest CVSS version present.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache

from cvss import CVSS2, CVSS3, CVSS4
from cvss.exceptions import CVSSError

from regsentry.model.advisory import SEVERITIES, CvssVector, Severity

_PREFERENCE = {"CVSS_V4": 0, "CVSS_V3": 1, "CVSS_V2": 2}


def cvss_score(vectors: Iterable[CvssVector]) -> float | None:
    """The base score of the newest-version valid vector (the highest if several)."""
    best: tuple[int, float] | None = None
    for vector in vectors:
        score = _score(vector)
        if score is None:
            continue
        rank = _PREFERENCE.get(vector.type, 3)
        if best is None or (rank, -score) < (best[0], -best[1]):
            best = (rank, score)
    return best[1] if best else None


def _score(vector: CvssVector) -> float | None:
    return _score_of(vector.type, vector.vector.strip())


@lru_cache(maxsize=65536)
def _score_of(kind: str, text: str) -> float | None:
    """Parsing a vector is slow and the same vectors recur across images: cached."""
    try:
        if text.startswith("CVSS:4"):
            return float(CVSS4(text).base_score)
        if text.startswith("CVSS:3"):
            return float(CVSS3(text).base_score)
        if kind == "CVSS_V2" or text.startswith("AV:"):
            return float(CVSS2(text.removeprefix("CVSS:2.0/")).base_score)
    except (CVSSError, ValueError, KeyError, TypeError):
        return None
    return None


def from_score(score: float | None) -> Severity | None:
    """CVSS v3/v4 qualitative bands (0.0 is "none", which regsentry calls negligible)."""
    if score is None:
        return None
    if score >= 9.0:
        return "critical"
    if score >= 7.0:
        return "high"
    if score >= 4.0:
        return "medium"
    if score >= 0.1:
        return "low"
    return "negligible"


def most_severe(candidates: Iterable[Severity | None]) -> Severity | None:
    """The most severe of several ratings (None when there are none)."""
    known = [c for c in candidates if c is not None]
    return min(known, key=SEVERITIES.index) if known else None
