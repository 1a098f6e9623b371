"""The result store on SQLite and PostgreSQL: migrations, images, findings history, layer
cache, retention and scan jobs."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

import pytest
from sqlalchemy import inspect

from regsentry.analyzer.base import FileAnalysis
from regsentry.db.store import ResultStore
from regsentry.indexer.layer import LayerAnalysis, LayerFile, LayerLink
from regsentry.model.advisory import Finding, MatchDetail
from regsentry.model.digest import Digest
from regsentry.model.image import ImageResult, ImageStatus, ImageTarget
from regsentry.model.inventory import AnalysedFile, Inventory
from regsentry.model.package import Distro, Package, PackageType
from regsentry.model.platform import Platform
from regsentry.model.rule import ScanRule
from tests.db.conftest import Clock

LAYER = Digest.of(b"layer")
IMAGE = Digest.of(b"image")
BASH = Package(PackageType.DEB, "bash", "5.2.15-2+b2", "amd64", "bash", "5.2.15-2",
               path="var/lib/dpkg/status", layer=LAYER)  # fmt: skip
INVENTORY = Inventory(
    distro=Distro("debian", "12", "bookworm"),
    packages=(BASH,),
    files=(AnalysedFile("var/lib/dpkg/status", "dpkg", LAYER),),
    analyzers=(("dpkg", 1), ("os-release", 1)),
)


def target(tags: tuple[str, ...] = ("12",), digest: Digest = IMAGE) -> ImageTarget:
    return ImageTarget("registry.test", "team/app", tags, digest, None,
                       Platform.of("linux", "amd64"), None)  # fmt: skip


def finding(vulnerability: str, fixed: str | None = None) -> Finding:
    return Finding(
        id=vulnerability, aliases=(), package="bash", package_version="5.2.15-2+b2",
        package_type="deb", source_name="bash", installed_version="5.2.15-2+b2",
        fixed_version=fixed, severity="high", cvss_score=7.5, known_exploited=False,
        summary="s", match=MatchDetail((vulnerability,), "Debian:12", "package", "bash",
                                       "ecosystem range: introduced 0", ("osv",)),
    )  # fmt: skip


def scanned(tags: tuple[str, ...] = ("12",)) -> ImageResult:
    return ImageResult(target(tags), ImageStatus.SCANNED, inventory=INVENTORY)


def test_schema_is_created_and_migrations_are_idempotent(
    store: ResultStore, store_url: str
) -> None:
    tables = set(inspect(store.engine).get_table_names())
    assert {"images", "tags", "packages", "findings", "layer_analyses", "scan_jobs",
            "job_images", "match_runs", "alembic_version"} <= tables  # fmt: skip
    ResultStore.open(store_url).close()  # a second opener migrates nothing and breaks nothing


def test_inventory_round_trip_and_analyzer_key(store: ResultStore) -> None:
    store.save_image(scanned(), "key-1")
    assert store.stored_inventory(IMAGE, "key-1") == INVENTORY
    assert store.stored_inventory(IMAGE, "key-2") is None  # other analyzer versions: redo
    store.save_image(scanned(("12", "latest")), "key-1")  # same digest, more tags
    assert store.image_count() == 1
    assert [s.digest for s in store.stored_images()] == [IMAGE]


def test_many_inventories_read_at_once_equal_the_one_by_one_reads(store: ResultStore) -> None:
    second_digest = Digest.of(b"second image")
    curl = Package(PackageType.DEB, "curl", "7.88.1-10", "amd64", "curl", "7.88.1-10",
                   path="var/lib/dpkg/status", layer=LAYER)  # fmt: skip
    second = dataclasses.replace(INVENTORY, packages=(curl, BASH))
    store.save_image(scanned(), "key-1")
    store.save_image(
        ImageResult(target(digest=second_digest), ImageStatus.SCANNED, inventory=second), "key-1"
    )
    other_key = Digest.of(b"other analyzers")
    store.save_image(
        ImageResult(target(digest=other_key), ImageStatus.SCANNED, inventory=INVENTORY), "key-2"
    )
    absent = Digest.of(b"never stored")
    found = store.stored_inventories([IMAGE, second_digest, other_key, absent, IMAGE], "key-1")
    assert found == {IMAGE: INVENTORY, second_digest: second}
    assert found[second_digest] == store.stored_inventory(second_digest, "key-1")
    assert store.stored_inventories([], "key-1") == {}


def test_failed_image_without_inventory_is_not_reused(store: ResultStore) -> None:
    store.save_image(ImageResult(target(), ImageStatus.FAILED, "layer truncated"), "key-1")
    assert store.stored_inventory(IMAGE, "key-1") is None


def test_layer_cache(store: ResultStore) -> None:
    analysis = LayerAnalysis(
        digest=LAYER,
        files=(
            LayerFile("dpkg", "var/lib/dpkg/status", FileAnalysis(packages=(BASH,))),
            LayerFile("rpm", "var/lib/rpm/rpmdb.sqlite", error="corrupt"),
            LayerFile("os-release", "etc/os-release",
                      FileAnalysis(distro=Distro("debian", "12", "bookworm"))),
        ),
        links=(LayerLink("etc/os-release", "usr/lib/os-release", ("os-release",)),),
        whiteouts=("tmp/x",),
        opaque_dirs=("var/cache",),
        entries=42,
    )  # fmt: skip
    assert store.get("k") is None
    store.put("k", analysis)
    store.put("k", analysis)  # idempotent
    assert store.get("k") == analysis


def test_findings_history(store: ResultStore, clock: Clock) -> None:
    store.save_image(scanned(), "key")
    first = clock.now
    changes = store.save_findings(IMAGE, [finding("CVE-1"), finding("CVE-2", "5.3")], ["note"])
    assert [f.id for f in changes.new] == ["CVE-1", "CVE-2"]
    clock.advance(days=1)
    second = clock.now
    changes = store.save_findings(IMAGE, [finding("CVE-2", "5.3"), finding("CVE-3")], [])
    assert [f.id for f in changes.new] == ["CVE-3"]
    assert [f.id for f in changes.resolved] == ["CVE-1"]
    current = store.current_findings(IMAGE)
    assert current is not None
    assert sorted(f.id for f in current) == ["CVE-2", "CVE-3"]
    since = store.changes_since(IMAGE, second)
    assert ([f.id for f in since.new], [f.id for f in since.resolved]) == (["CVE-3"], ["CVE-1"])
    assert [f.id for f in store.changes_since(IMAGE, first).new] == ["CVE-2", "CVE-3"]
    # A finding that comes back is new again.
    clock.advance(days=1)
    assert [f.id for f in store.save_findings(IMAGE, [finding("CVE-1")], []).new] == ["CVE-1"]


def test_findings_of_many_images_in_one_transaction(store: ResultStore) -> None:
    other = Digest.of(b"other image")
    store.save_image(scanned(), "key")
    store.save_image(ImageResult(target(digest=other), ImageStatus.SCANNED, inventory=INVENTORY),
                     "key")  # fmt: skip
    store.save_findings(IMAGE, [finding("CVE-1")], [])
    changes = store.save_many_findings(
        [(IMAGE, [finding("CVE-2")], ["a note"]), (other, [finding("CVE-1")], [])]
    )
    assert [([f.id for f in c.new], [f.id for f in c.resolved]) for c in changes] == [
        (["CVE-2"], ["CVE-1"]),
        (["CVE-1"], []),
    ]
    # An unknown image fails the whole batch: nothing of it is written.
    unknown = Digest.of(b"never stored")
    with pytest.raises(KeyError, match="is not stored"):
        store.save_many_findings([(IMAGE, [finding("CVE-9")], []), (unknown, [], [])])
    current = store.current_findings(IMAGE)
    assert current is not None
    assert [f.id for f in current] == ["CVE-2"]


def test_stored_images_in_any_batch_size(store: ResultStore) -> None:
    digests = [Digest.of(f"image {n}".encode()) for n in range(5)]
    for digest in digests:
        store.save_image(
            ImageResult(target(digest=digest), ImageStatus.SCANNED, inventory=INVENTORY), "key"
        )
    store.save_image(ImageResult(target(digest=Digest.of(b"failed")), ImageStatus.FAILED,
                                 "layer truncated"), "key")  # fmt: skip
    for batch in (1, 2, 100):
        stored = list(store.stored_images(batch=batch))
        assert [s.digest for s in stored] == digests
        assert all(s.inventory == INVENTORY for s in stored)


def test_never_matched_image_has_no_findings_rather_than_none_found(store: ResultStore) -> None:
    store.save_image(scanned(), "key")
    assert store.current_findings(IMAGE) is None
    store.save_findings(IMAGE, [], [])
    assert store.current_findings(IMAGE) == ()


def test_listing_staleness_and_retention(store: ResultStore, clock: Clock) -> None:
    other = Digest.of(b"other image")
    store.save_image(scanned(("12",)), "key")
    store.save_image(dataclasses.replace(scanned(), target=target(("11",), other)), "key")
    clock.advance(hours=1)
    assert store.record_listing("registry.test", {"team/app": {"12"}}) == 1
    assert store.image_staleness(IMAGE) is None
    assert store.image_staleness(other) == clock.now
    clock.advance(days=29)
    assert store.purge_stale(clock.now - _days(30)) == 0  # not yet
    clock.advance(days=2)
    assert store.purge_stale(clock.now - _days(30)) == 1
    assert store.stored_inventory(other, "key") is None
    assert store.stored_inventory(IMAGE, "key") == INVENTORY


def test_unreachable_registry_turns_images_stale_and_relisting_revives(
    store: ResultStore, clock: Clock
) -> None:
    store.save_image(scanned(), "key")
    assert store.mark_registry_unreachable("registry.test", "connection refused") == 1
    assert store.image_staleness(IMAGE) == clock.now
    clock.advance(days=1)
    store.save_image(scanned(), "key")  # seen again
    assert store.image_staleness(IMAGE) is None


def test_jobs_resume_only_the_same_rule(store: ResultStore) -> None:
    rule = ScanRule.build(registry="registry.test", repository="team/*")
    job, resumed = store.start_job(rule)
    assert not resumed
    planned = ImageResult(target(), ImageStatus.PLANNED)
    store.add_job_images(job, [planned, planned])
    assert store.job_states(job) == {("team/app", str(IMAGE)): ("pending", None)}
    again, resumed = store.start_job(rule)
    assert (again, resumed) == (job, True)
    store.finish_job_image(job, scanned())
    assert store.job_states(job) == {("team/app", str(IMAGE)): ("scanned", None)}
    store.finish_job(job, "completed")
    fresh, resumed = store.start_job(rule)
    assert fresh != job
    assert not resumed
    other_rule = ScanRule.build(registry="registry.test", repository="team/*", cap=1)
    assert store.start_job(other_rule)[0] != fresh


def _days(count: int) -> timedelta:
    return timedelta(days=count)


def test_head_revision_constant_matches_the_migrations() -> None:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    from regsentry.db.engine import HEAD_REVISION, MIGRATIONS

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    assert ScriptDirectory.from_config(config).get_current_head() == HEAD_REVISION


def test_every_migration_in_order_gives_exactly_the_models_schema(store_url: str) -> None:
    # An empty database is created from the models directly (no Alembic on a first run);
    # replaying the migrations must give the same schema, or upgraded stores would differ.
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from regsentry.db.engine import HEAD_REVISION, current_revision, open_engine, upgrade
    from regsentry.db.tables import Base

    engine = open_engine(store_url, migrate=False)
    try:
        upgrade(engine, create_fresh=False)
        assert current_revision(engine) == HEAD_REVISION
        with engine.connect() as connection:
            context = MigrationContext.configure(connection)
            assert compare_metadata(context, Base.metadata) == []
    finally:
        engine.dispose()


def test_a_fresh_store_is_stamped_with_the_head_revision(store_url: str) -> None:
    from regsentry.db.engine import HEAD_REVISION, current_revision

    opened = ResultStore.open(store_url)
    try:
        assert current_revision(opened.engine) == HEAD_REVISION
    finally:
        opened.close()
