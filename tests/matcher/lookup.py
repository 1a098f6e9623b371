"""An in-memory AdvisoryLookup for matcher tests."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from regsentry.model.advisory import Advisory, KnownExploited


@dataclass
class MemoryLookup:
    """Advisories indexed by (ecosystem, package name), as the real database does."""

    advisories: list[Advisory] = field(default_factory=list)
    kev: dict[str, KnownExploited] = field(default_factory=dict)
    scores: dict[str, float] = field(default_factory=dict)
    asked: list[tuple[str, str]] = field(default_factory=list)

    def advisories_for(self, ecosystem: str, name: str) -> Sequence[Advisory]:
        self.asked.append((ecosystem, name))
        return [
            advisory
            for advisory in self.advisories
            if not advisory.withdrawn
            and any(a.ecosystem == ecosystem and a.package == name for a in advisory.affected)
        ]

    def known_exploited(self, ids: Iterable[str]) -> KnownExploited | None:
        return next((self.kev[i] for i in ids if i in self.kev), None)

    def epss(self, ids: Iterable[str]) -> float | None:
        found = [self.scores[i] for i in ids if i in self.scores]
        return max(found) if found else None
