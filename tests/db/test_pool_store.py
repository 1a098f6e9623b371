"""The pool's state on SQLite and PostgreSQL: heartbeats, assignment, claims that make
redelivered messages harmless, job access, and reading a pooled job's results back."""

from __future__ import annotations

from regsentry.db.pool_store import PoolStore, ScannerRecord
from regsentry.db.store import ResultStore
from regsentry.model.digest import Digest
from regsentry.model.image import ImageResult, ImageStatus
from regsentry.model.rule import ScanRule
from tests.db.conftest import Clock
from tests.db.test_store import INVENTORY, target

RULE = ScanRule.build(registry="registry.test", repository="team/*")
KEY = "key-1"


def planned(number: int) -> ImageResult:
    return ImageResult(target(digest=Digest.of(f"image{number}".encode())), ImageStatus.PLANNED)


def job_with_images(store: ResultStore, count: int) -> tuple[int, list[int]]:
    job_id, _ = store.start_job(RULE)
    images = [planned(n) for n in range(count)]
    store.add_job_images(job_id, images)
    pool = PoolStore(store.engine)
    ids = pool.image_ids(job_id, [(i.target.repository, i.target.digest) for i in images])
    return job_id, [ids[(i.target.repository, i.target.digest)] for i in images]


def record(name: str, clock: Clock) -> ScannerRecord:
    now = clock()
    return ScannerRecord(
        name=name, os="linux", version="0", analyzers=KEY, hostname="h", pid=1,
        instance=f"{name}-instance", concurrency=2, load=0, started_at=now, last_seen=now,
        stopped_at=now,
    )  # fmt: skip


def test_a_scanner_is_offline_until_its_first_beat_and_after_it_stops(
    store: ResultStore, clock: Clock
) -> None:
    pool = PoolStore(store.engine)
    pool.register_scanner(record("a", clock))
    assert not pool.scanners()[0].alive(clock(), 15)
    clock.advance(seconds=1)
    assert pool.heartbeat("a", "a-instance", 1, clock())
    (alive,) = pool.scanners()
    assert alive.alive(clock(), 15)
    assert alive.load == 1
    # Another process under the same name took the row over: this one's beats say so.
    assert not pool.heartbeat("a", "someone-else", 0, clock())
    clock.advance(seconds=16)
    assert not pool.scanners()[0].alive(clock(), 15)
    pool.heartbeat("a", "a-instance", 0, clock())
    pool.stop_scanner("a", "a-instance", clock())
    assert not pool.scanners()[0].alive(clock(), 15)


def test_only_the_assigned_scanner_claims_a_pending_image_of_a_running_job(
    store: ResultStore, clock: Clock
) -> None:
    pool = PoolStore(store.engine)
    job_id, (first, second) = job_with_images(store, 2)
    assert pool.claim(first, "a") is None  # not assigned yet
    pool.assign([first, second], "a", clock())
    assert pool.claim(first, "b") is None  # another scanner's
    claimed = pool.claim(first, "a")
    assert claimed is not None
    assert (claimed.job_id, claimed.attempts, claimed.status) == (job_id, 1, "pending")
    # Handed to b (a went offline): a redelivered message to a is dropped.
    pool.assign([first], "b", clock())
    assert pool.claim(first, "a") is None
    assert pool.claim(first, "b") is not None
    assert [o.attempts for o in pool.open_images(job_id)] == [2, 0]
    assert pool.jobs_per_scanner() == {"a": 1, "b": 1}
    # Finished: nobody claims it again.
    store.finish_job_image(job_id, ImageResult(planned(0).target, ImageStatus.SCANNED), "analysed")
    assert pool.claim(first, "b") is None
    assert [o.id for o in pool.open_images(job_id)] == [second]
    assert pool.outcomes(job_id, [first, second]) == {"analysed": 1}
    # Every scanner handed images of the job, the finished image's included.
    assert pool.job_scanners(job_id) == {"a", "b"}
    # The job ended (cancelled): its last pending image is claimed by no one.
    store.finish_job(job_id, "cancelled")
    assert pool.claim(second, "a") is None


def test_job_access_and_waiting_reason_end_with_the_job(store: ResultStore) -> None:
    pool = PoolStore(store.engine)
    job_id, _ = job_with_images(store, 1)
    pool.save_access(job_id, b"sealed")
    pool.save_access(job_id, b"sealed-again")
    assert pool.access(job_id) == b"sealed-again"
    pool.set_waiting(job_id, "no live linux scanner")
    assert pool.waiting_reason(job_id) == "no live linux scanner"
    store.finish_job(job_id, "completed")
    assert pool.access(job_id) is None
    assert pool.waiting_reason(job_id) is None


def test_results_of_a_pooled_job_are_read_back_never_clean_without_an_inventory(
    store: ResultStore, clock: Clock
) -> None:
    job_id, _ = job_with_images(store, 3)
    analysed = ImageResult(planned(0).target, ImageStatus.SCANNED, inventory=INVENTORY)
    store.save_image(analysed, KEY)
    store.finish_job_image(job_id, analysed, "analysed")
    failed = ImageResult(planned(1).target, ImageStatus.FAILED, "layer truncated")
    store.save_image(failed, KEY)
    store.finish_job_image(job_id, failed, "analysed")
    # Marked scanned, but its inventory is under other analyzer versions.
    lost = ImageResult(planned(2).target, ImageStatus.SCANNED, inventory=INVENTORY)
    store.save_image(lost, "other-key")
    store.finish_job_image(job_id, lost, "analysed")
    clock.advance(minutes=1)
    results = store.job_results(job_id, KEY)
    assert [r.status for r in results] == [
        ImageStatus.SCANNED, ImageStatus.FAILED, ImageStatus.FAILED,
    ]  # fmt: skip
    assert results[0].inventory == INVENTORY
    assert results[1].error == "layer truncated"
    assert results[2].error is not None
    assert "not in the store" in results[2].error
    assert results[2].inventory is None
