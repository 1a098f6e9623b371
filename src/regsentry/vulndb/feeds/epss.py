"""FIRST EPSS scores (CSV, usually gzip-compressed: ``epss_scores-current.csv.gz``).

Format: an optional comment line ``#model_version:v2023.03.01,score_date:2025-02-20…``,
then the header ``cve,epss,percentile``, then one row per CVE. A file whose header is
anything else is refused whole (a changed format must not be half-read); a bad row is
skipped and counted. The model version and score date become the source's version.
"""

from __future__ import annotations

import csv
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass

from regsentry.vulndb.errors import InvalidFeedError
from regsentry.vulndb.feeds import SkipFn

_HEADER = ["cve", "epss", "percentile"]
_CVE_ID = re.compile(r"^CVE-\d{4}-\d{4,}$")


@dataclass(frozen=True)
class EpssScore:
    """One row: the probability of exploitation in the next 30 days, and its percentile."""

    cve: str
    score: float
    percentile: float | None


@dataclass(frozen=True)
class EpssFile:
    """The file's metadata and its rows (read lazily)."""

    model_version: str
    score_date: str
    lines: list[str]

    @property
    def version(self) -> str:
        """``v2023.03.01 2025-02-20T00:00:00+0000`` (what ``db status`` shows)."""
        return " ".join(part for part in (self.model_version, self.score_date) if part)


def looks_like_epss(text: str) -> bool:
    """Whether a text document starts like an EPSS file."""
    head = text.lstrip("\ufeff")[:200].lower()
    return head.startswith("#model_version") or head.startswith("cve,epss")


def read_file(text: str, *, origin: str) -> EpssFile:
    """Check the header; InvalidFeedError when this is not an EPSS file."""
    lines = text.lstrip("\ufeff").splitlines()
    meta: dict[str, str] = {}
    if lines and lines[0].startswith("#"):
        for part in lines.pop(0)[1:].split(","):
            key, _, value = part.partition(":")
            meta[key.strip()] = value.strip()
    header = [c.strip().lower() for c in lines[0].split(",")] if lines else []
    if header != _HEADER:
        raise InvalidFeedError(
            f"{origin}: not an EPSS file (expected header 'cve,epss,percentile', "
            f"found {','.join(header) or 'nothing'!r})"
        )
    return EpssFile(
        model_version=meta.get("model_version", ""),
        score_date=meta.get("score_date", ""),
        lines=lines[1:],
    )


def scores(epss_file: EpssFile, *, skip: SkipFn) -> Iterator[EpssScore]:
    """The valid rows; malformed ones are reported through ``skip``."""
    for row in csv.reader(epss_file.lines):
        if not row:
            continue
        cve = row[0].strip().upper()
        if len(row) != 3 or not _CVE_ID.match(cve):
            skip(cve, f"malformed EPSS row {','.join(row)[:80]!r}")
            continue
        score = _probability(row[1])
        percentile = _probability(row[2])
        if score is None:
            skip(cve, f"EPSS score {row[1]!r} is not a probability")
            continue
        yield EpssScore(cve=cve, score=score, percentile=percentile)


def _probability(text: str) -> float | None:
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) and 0.0 <= value <= 1.0 else None
