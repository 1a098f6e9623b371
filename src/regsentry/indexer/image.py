"""Index one image: analyse its layers (each once, concurrently) and stack them.

A layer already analysed with the same analyzer versions (:mod:`regsentry.indexer.cache`)
is never downloaded again, whichever image shares it; two images analysed at the same
time that share a layer wait for one download.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass, field

from regsentry.analyzer.base import Analyzer
from regsentry.concurrency import Memo
from regsentry.indexer.cache import LayerCache, MemoryLayerCache
from regsentry.indexer.decompress import DecompressionLimits
from regsentry.indexer.errors import LayerError
from regsentry.indexer.layer import LayerAnalysis, LayerWalker, cache_key, walk_layer
from regsentry.indexer.overlay import stack
from regsentry.model.inventory import Inventory
from regsentry.model.progress import NoProgress, ProgressSink
from regsentry.registry.client import RegistryClient
from regsentry.registry.manifest import Descriptor, ImageManifest

#: Layer media types of Docker and OCI whose content is a (possibly compressed) tar.
LAYER_MEDIA_TYPES = frozenset(
    {
        "application/vnd.docker.image.rootfs.diff.tar.gzip",
        "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip",
        "application/vnd.oci.image.layer.v1.tar",
        "application/vnd.oci.image.layer.v1.tar+gzip",
        "application/vnd.oci.image.layer.v1.tar+zstd",
        "application/vnd.oci.image.layer.nondistributable.v1.tar",
        "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip",
        "application/vnd.oci.image.layer.nondistributable.v1.tar+zstd",
    }
)


@dataclass(frozen=True)
class IndexerOptions:
    """How hard to work: layers analysed at once, and decompression caps."""

    layer_concurrency: int = 2
    limits: DecompressionLimits = field(default_factory=DecompressionLimits)


class ImageIndexer:
    """Turns image manifests into inventories, sharing layer work across images."""

    def __init__(
        self,
        client: RegistryClient,
        analyzers: Sequence[Analyzer],
        executor: Executor,
        *,
        cache: LayerCache | None = None,
        options: IndexerOptions | None = None,
        progress: ProgressSink | None = None,
    ) -> None:
        self._client = client
        self._analyzers = analyzers
        self._executor = executor
        self._cache = cache or MemoryLayerCache()
        self._options = options or IndexerOptions()
        self._progress = progress or NoProgress()
        self._slots = asyncio.Semaphore(self._options.layer_concurrency)
        self._in_flight: Memo[str, LayerAnalysis] = Memo()

    async def inventory(self, repository: str, manifest: ImageManifest) -> Inventory:
        """The image's inventory; raises LayerError or RegistryError if a layer fails."""
        for layer in manifest.layers:
            if layer.media_type not in LAYER_MEDIA_TYPES:
                raise LayerError(
                    f"layer {layer.digest.short} has unsupported media type {layer.media_type!r}"
                )
        self._progress.add_total(sum(layer.size for layer in manifest.layers))
        analyses = await asyncio.gather(
            *(self._layer(repository, layer) for layer in manifest.layers)
        )
        return stack(analyses, self._analyzers)

    async def _layer(self, repository: str, layer: Descriptor) -> LayerAnalysis:
        # Every layer goes through the memo, so images sharing a base look it up (and
        # decode it from the cache) once per indexer, not once per image.
        key = cache_key(layer.digest, self._analyzers)
        return await self._in_flight.get(key, lambda: self._load(repository, layer, key))

    async def _load(self, repository: str, layer: Descriptor, key: str) -> LayerAnalysis:
        cached = self._cache.get(key)
        if cached is not None:
            self._progress.advance(layer.size)
            return cached
        return await self._download(repository, layer, key)

    async def _download(self, repository: str, layer: Descriptor, key: str) -> LayerAnalysis:
        async with self._slots:
            walker = LayerWalker(layer.digest, self._analyzers, limits=self._options.limits)
            analysis = await walk_layer(
                self._counted(self._client.blob(repository, layer)), walker, self._executor
            )
        self._cache.put(key, analysis)
        return analysis

    async def _counted(self, chunks: AsyncIterator[bytes]) -> AsyncIterator[bytes]:
        async for chunk in chunks:
            self._progress.advance(len(chunk))
            yield chunk
