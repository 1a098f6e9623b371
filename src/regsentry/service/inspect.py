"""Use case: what is installed in one image (``regsentry image REFERENCE``).

The reference is resolved like a one-image scan rule: an index yields the children of the
wanted platforms, an image of another OS is skipped, and every chosen image is indexed.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor

from regsentry.analyzer.builtin import builtin_analyzers
from regsentry.errors import RegsentryError
from regsentry.indexer.image import ImageIndexer
from regsentry.indexer.verdict import judge
from regsentry.model.image import ImageResult, ImageStatus
from regsentry.model.progress import ProgressSink
from regsentry.model.rule import ScanRule
from regsentry.planner.enumerate import Planner
from regsentry.registry.client import ClientOptions, RegistryClient
from regsentry.registry.manifest import ImageIndex, ImageManifest
from regsentry.registry.reference import ImageReference


async def inspect_image(
    reference: ImageReference,
    options: ClientOptions,
    *,
    os_name: str = "linux",
    platforms: str = "",
    progress: ProgressSink | None = None,
) -> list[ImageResult]:
    """Inventory the image(s) ``reference`` names: one per chosen platform."""
    rule = image_rule(reference, os_name=os_name, platforms=platforms)
    async with await RegistryClient.connect(reference.address, options) as client:
        planner = Planner(client, rule, concurrency=options.concurrency)
        manifest = await client.manifest(reference.repository, reference.reference)
        tags = (reference.tag,) if reference.tag else ()
        group = await planner.expand(reference.repository, tags, manifest)
        with ThreadPoolExecutor(max_workers=worker_count(), thread_name_prefix="layers") as pool:
            indexer = ImageIndexer(client, builtin_analyzers(), pool, progress=progress)
            indexed = [await index_planned(client, indexer, planned) for planned in group.planned]
    return indexed + list(group.others)


def image_rule(reference: ImageReference, *, os_name: str, platforms: str) -> ScanRule:
    """The one-image scan rule a reference stands for."""
    return ScanRule.build(
        registry=str(reference.address),
        repository=reference.repository,
        tag=reference.tag or "",
        os=os_name,
        platforms=platforms,
        cap=0,
    )


async def index_planned(
    client: RegistryClient, indexer: ImageIndexer, planned: ImageResult
) -> ImageResult:
    """Index one planned image into a scanned or failed result (never raises)."""
    target = planned.target
    assert target.digest is not None
    try:
        manifest = await client.manifest(target.repository, target.digest)
        if not isinstance(manifest, ImageManifest):
            kind = "nested index" if isinstance(manifest, ImageIndex) else "legacy schema 1"
            return ImageResult(target, ImageStatus.FAILED, f"{kind} images are not analysed")
        inventory = await indexer.inventory(target.repository, manifest)
    except RegsentryError as exc:
        return ImageResult(target, ImageStatus.FAILED, str(exc))
    status, reason = judge(inventory)
    return ImageResult(target, status, reason, inventory)


def worker_count() -> int:
    """Threads for inflating and walking layers (CPU work kept off the event loop)."""
    return max(2, min(8, os.cpu_count() or 2))
