"""Use case: ``regsentry image REFERENCE`` on the scanner pool.

In-process, an image is inventoried directly (:mod:`regsentry.service.inspect`). With a
broker configured the reference becomes a one-image job, resolved here exactly as
in-process (an index yields the children of the wanted platforms) and finished by the
pool's scanners like any scan; the results are read back from the store.
"""

from __future__ import annotations

from regsentry.config import Settings
from regsentry.db.store import ResultStore
from regsentry.model.image import ImageResult
from regsentry.model.progress import ProgressSink
from regsentry.planner.enumerate import Planner
from regsentry.registry.client import ClientOptions, RegistryClient
from regsentry.registry.reference import ImageReference
from regsentry.service.inspect import image_rule
from regsentry.service.scan import Dispatcher, run_job


async def run_image_job(
    reference: ImageReference,
    options: ClientOptions,
    settings: Settings,
    store: ResultStore,
    *,
    os_name: str = "linux",
    platforms: str = "",
    progress: ProgressSink | None = None,
    dispatcher: Dispatcher | None = None,
) -> list[ImageResult]:
    """Inventory the image(s) ``reference`` names through ``dispatcher`` (the pool)."""
    rule = image_rule(reference, os_name=os_name, platforms=platforms)

    async def plan(client: RegistryClient) -> list[ImageResult]:
        planner = Planner(client, rule, concurrency=options.concurrency)
        manifest = await client.manifest(reference.repository, reference.reference)
        tags = (reference.tag,) if reference.tag else ()
        group = await planner.expand(reference.repository, tags, manifest)
        return [*group.planned, *group.others]

    job_id, _, results = await run_job(
        rule, plan, options, settings, store, progress=progress, dispatcher=dispatcher
    )
    store.finish_job(job_id, "completed")
    return results
