"""Where analysed layers are remembered, keyed by :func:`regsentry.indexer.layer.cache_key`."""

from __future__ import annotations

from typing import Protocol

from regsentry.indexer.layer import LayerAnalysis


class LayerCache(Protocol):
    """Analysed layers by cache key (layer digest + analyzer versions)."""

    def get(self, key: str) -> LayerAnalysis | None:
        """The analysis stored under ``key``, if any."""

    def put(self, key: str, analysis: LayerAnalysis) -> None:
        """Store an analysis (only complete, verified ones are ever stored)."""


class MemoryLayerCache:
    """A process-local cache: images sharing a base layer in one run read it once."""

    def __init__(self) -> None:
        self._entries: dict[str, LayerAnalysis] = {}

    def get(self, key: str) -> LayerAnalysis | None:
        """The analysis stored under ``key``, if any."""
        return self._entries.get(key)

    def put(self, key: str, analysis: LayerAnalysis) -> None:
        """Store an analysis."""
        self._entries[key] = analysis
