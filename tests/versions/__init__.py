"""Tests of regsentry.versions, and the readers of the upstream vector files they share."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from tests.analyzer.data import shared_data

OSV_FIXTURES = shared_data("osv-scalibr-semantic")
_OPERATORS = {"<": -1, "=": 0, ">": 1}


@dataclass(frozen=True)
class Relation:
    """One fixture line ``a OP b``: ``expected`` is the sign of compare(a, b)."""

    a: str
    b: str
    expected: int
    line: str
    source: str

    def __str__(self) -> str:
        return f"{self.source}: {self.line}"


def read_osv_fixture(name: str) -> list[Relation]:
    """The comparisons of an osv-scalibr ``*-versions*.txt`` file, comments skipped."""
    relations = []
    for line in (OSV_FIXTURES / name).read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith(("#", "//")):
            continue
        a, operator, b = line.split(" ")
        relations.append(Relation(a, b, _OPERATORS[operator], line, name))
    return relations


def read_triples(path: Path) -> list[Relation]:
    """Lines ``a b expected`` (rpm and dpkg vectors), ``#`` comments skipped."""
    relations = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        a, b, expected = line.split()
        relations.append(Relation(a, b, int(expected), line, path.name))
    return relations


def sign(value: int) -> int:
    """-1, 0 or 1."""
    return (value > 0) - (value < 0)
