"""One planned image of a scan job, end to end: the unit of work.

The same function runs whether the console or the command line works through a job
itself or a scanner of the pool does (one code path, two ways to dispatch it, see
:mod:`regsentry.service.scan` and :mod:`regsentry.service.pool`). An inventory already
stored for the image's digest and these analyzer versions is reused without a registry
request; an image the interrupted run of a resumed job already finished as failed is not
fetched again; anything else is analysed. The result is stored and the image marked
finished in its job in one transaction: a kill leaves both or neither.
"""

from __future__ import annotations

from enum import StrEnum

from regsentry.db.store import ResultStore
from regsentry.indexer.image import ImageIndexer
from regsentry.indexer.verdict import judge
from regsentry.model.image import ImageResult, ImageStatus
from regsentry.registry.client import RegistryClient
from regsentry.service.inspect import index_planned


class Outcome(StrEnum):
    """How an image of a job was finished."""

    ANALYSED = "analysed"
    REUSED = "reused"
    RESUMED = "resumed"


async def scan_planned_image(
    job_id: int,
    planned: ImageResult,
    client: RegistryClient,
    indexer: ImageIndexer,
    store: ResultStore,
    analyzer_key: str,
    previous: tuple[str, str | None] = ("pending", None),
) -> tuple[ImageResult, Outcome]:
    """Finish one planned image of a job; ``previous`` is its (status, error) in the job."""
    target = planned.target
    assert target.digest is not None
    assert planned.status is ImageStatus.PLANNED
    inventory = store.stored_inventory(target.digest, analyzer_key)
    if inventory is not None:
        status, reason = judge(inventory)
        result = ImageResult(target, status, reason, inventory)
        store.save_sighting(result, job=(job_id, Outcome.REUSED))
        return result, Outcome.REUSED
    state, error = previous
    if state == ImageStatus.FAILED.value:
        result, outcome = ImageResult(target, ImageStatus.FAILED, error), Outcome.RESUMED
    else:
        result, outcome = await index_planned(client, indexer, planned), Outcome.ANALYSED
    record_image(store, job_id, result, analyzer_key, outcome)
    return result, outcome


def record_image(
    store: ResultStore,
    job_id: int,
    result: ImageResult,
    analyzer_key: str,
    outcome: Outcome | None = None,
) -> None:
    """Store an image's result and mark it finished in its job (one transaction)."""
    store.save_image(result, analyzer_key, job=(job_id, outcome))
