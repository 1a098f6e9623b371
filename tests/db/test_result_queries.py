"""The console's image list over the store: filters, staleness, order and paging done by
the database, and a page read in a fixed number of queries whatever the store holds."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import event, select, update

from regsentry.db.store import ResultStore
from regsentry.db.tables import Image, Tag
from regsentry.model.digest import Digest
from regsentry.model.image import ImageResult, ImageStatus, ImageTarget
from regsentry.model.platform import Platform
from regsentry.service.console.results import ImageSummary, ResultQueries
from tests.db.test_store import INVENTORY, finding


def _save(
    store: ResultStore, name: str, *, repository: str = "team/app", tags: tuple[str, ...] = ("1",),
    created: datetime | None = None, status: ImageStatus = ImageStatus.SCANNED,
) -> Digest:  # fmt: skip
    digest = Digest.of(name.encode())
    target = ImageTarget("registry.test", repository, tags, digest, None,
                         Platform.of("linux", "amd64"), created)  # fmt: skip
    inventory = INVENTORY if status is ImageStatus.SCANNED else None
    error = None if inventory else "layer truncated"
    store.save_image(ImageResult(target, status, error, inventory), "key")
    return digest


def _stale(store: ResultStore, digest: Digest, tag: str) -> None:
    with store.engine.begin() as connection:
        image_id = connection.scalar(select(Image.id).where(Image.digest == str(digest)))
        connection.execute(
            update(Tag).where(Tag.image_id == image_id, Tag.name == tag)
            .values(stale_since=datetime(2026, 2, 1, tzinfo=UTC))
        )  # fmt: skip


def _digests(page_items: list[ImageSummary]) -> list[str]:
    return [item.digest for item in page_items]


def test_newest_first_with_undated_images_last_and_paging(store: ResultStore) -> None:
    old = _save(store, "old", created=datetime(2025, 1, 1, tzinfo=UTC))
    new = _save(store, "new", created=datetime(2026, 1, 1, tzinfo=UTC))
    undated = _save(store, "undated")
    queries = ResultQueries(store.engine)
    page = queries.images()
    assert page.total == 3
    assert _digests(page.items) == [str(new), str(old), str(undated)]
    second = queries.images(offset=1, limit=1)
    assert second.total == 3
    assert _digests(second.items) == [str(old)]
    assert queries.images(offset=5).items == []


def test_filters_and_staleness_of_every_place(store: ResultStore) -> None:
    both = _save(store, "both", tags=("1", "latest"))
    gone = _save(store, "gone", tags=("0",))
    worker = _save(store, "worker", repository="team/worker")
    broken = _save(store, "broken", repository="team/worker", status=ImageStatus.FAILED)
    _stale(store, both, "1")  # still seen as "latest": not stale
    _stale(store, gone, "0")  # seen nowhere any more: stale
    queries = ResultQueries(store.engine)
    assert set(_digests(queries.images(stale=True).items)) == {str(gone)}
    fresh = {str(both), str(worker), str(broken)}
    assert set(_digests(queries.images(stale=False).items)) == fresh
    assert queries.images(stale=True).items[0].stale_since is not None
    workers = queries.images(repository="team/worker")
    assert set(_digests(workers.items)) == {str(worker), str(broken)}
    assert _digests(queries.images(status="failed").items) == [str(broken)]
    assert queries.images(registry="elsewhere.test").total == 0
    summary = next(s for s in queries.images().items if s.digest == str(both))
    assert summary.tags == ["1", "latest"]
    assert summary.stale_since is None


def test_a_page_costs_the_same_queries_for_3_or_40_images(store: ResultStore) -> None:
    queries = ResultQueries(store.engine)

    def statements_for_a_page() -> int:
        counted: list[str] = []

        def count(*args: object) -> None:
            counted.append(str(args[2]))

        event.listen(store.engine, "before_cursor_execute", count)
        try:
            queries.images(limit=50)
        finally:
            event.remove(store.engine, "before_cursor_execute", count)
        return len(counted)

    for number in range(3):
        _save(store, f"image {number}")
    few = statements_for_a_page()
    for number in range(3, 40):
        _save(store, f"image {number}")
    assert statements_for_a_page() == few


def test_repository_totals_count_each_image_once(store: ResultStore) -> None:
    shared = _save(store, "shared", tags=("1", "latest"))  # two tags, one image
    _save(store, "shared", repository="team/worker")  # the same image in a second repository
    _save(store, "other", repository="team/worker", tags=("2",))
    store.save_findings(shared, [finding("CVE-2026-1"), finding("CVE-2026-2", "5.2.16")], [])
    views = {view.name: view for view in ResultQueries(store.engine).repositories("registry.test")}
    assert views["team/app"].images == 1
    assert views["team/app"].vulnerabilities.high == 2
    assert views["team/worker"].images == 2
    assert views["team/worker"].vulnerabilities.high == 2
    assert ResultQueries(store.engine).repositories("elsewhere.test") == []
