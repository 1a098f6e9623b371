"""``regsentry scan`` end to end against the real registry: stored results, no layer
fetched twice, resumption after SIGKILL, re-matching, and retention."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from regsentry.config import Settings
from regsentry.db.store import ResultStore
from regsentry.model.image import ImageStatus
from regsentry.model.rule import ScanRule
from regsentry.registry.client import ClientOptions
from regsentry.registry.errors import RegistryUnreachableError
from regsentry.service.advisories import import_into_database
from regsentry.service.plan import client_options
from regsentry.service.rematch import rematch_stored
from regsentry.service.scan import run_scan
from tests.service.scan_support import app_image, base_layer, osv_record, stanza, write_records
from tests.support.images import Pusher
from tests.support.registry_server import RunningRegistry, start_registry

pytestmark = pytest.mark.registry


@dataclass
class Fixture:
    registry: RunningRegistry
    home: Path
    shared_base_digest: str

    def blob_gets(self) -> int:
        return len(self.registry.access_log_lines(r'"GET /v2/[^ ]+/blobs/sha256:'))

    def base_gets(self) -> int:
        return len(
            self.registry.access_log_lines(rf"GET /v2/[^ ]+/blobs/{self.shared_base_digest}")
        )


@pytest.fixture
def fixture(tmp_path: Path) -> Iterator[Fixture]:
    registry = start_registry(tmp_path / "registry")
    base = base_layer("shared")
    other_base = base_layer("other")
    pusher = Pusher(registry.url)
    pusher.push("team/api", app_image(base, "api", stanza("curl", "7.88.1-10+deb12u4")), "1.0")
    pusher.push("team/web", app_image(base, "web"), "2.0", "latest")
    pusher.push("team/worker", app_image(other_base, "worker"), "3.1")
    pusher.close()
    from tests.support.images import sha256

    yield Fixture(registry, tmp_path / "home", sha256(base))
    registry.stop()


def settings_for(home: Path) -> Settings:
    return Settings(home=home)


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 3, 1, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


async def scan(fixture: Fixture, store: ResultStore, **fields: object) -> Any:
    rule = ScanRule.build(registry=fixture.registry.url, repository="team/*", cap=0, **fields)
    settings = settings_for(fixture.home)
    options = client_options(settings, credentials=None, ca_file=None, insecure=False)
    return await run_scan(rule, options, settings, store)


def open_store(fixture: Fixture, clock: Clock | None = None) -> ResultStore:
    return ResultStore.open(settings_for(fixture.home).store_url, clock=clock or Clock())


async def test_scan_stores_results_and_never_fetches_a_layer_twice(fixture: Fixture) -> None:
    settings = settings_for(fixture.home)
    write_records(
        fixture.home / "records",
        osv_record("DEBIAN-CVE-2024-2961", "glibc", "2.36-9+deb12u7", aliases=["CVE-2024-2961"]),
        osv_record("DEBIAN-CVE-2024-2398", "curl", "7.88.1-10+deb12u5", aliases=["CVE-2024-2398"]),
    )
    import_into_database(settings, fixture.home / "records")
    store = open_store(fixture)
    outcome = await scan(fixture, store)
    results = {r.target.repository: r for r in outcome.results}
    assert {r.status for r in results.values()} == {ImageStatus.SCANNED}
    assert outcome.stats.analysed == 3
    assert fixture.base_gets() == 1  # two images share the base: fetched once
    api = results["team/api"]
    assert api.inventory is not None
    assert sorted(p.name for p in api.inventory.packages) == ["bash", "curl", "libc6"]
    assert api.vulnerabilities is not None
    assert sorted(f.id for f in api.vulnerabilities) == ["CVE-2024-2398", "CVE-2024-2961"]
    web = results["team/web"]
    assert web.target.tags == ("2.0", "latest")
    assert web.vulnerabilities is not None
    assert [f.id for f in web.vulnerabilities] == ["CVE-2024-2961"]
    stored = store.current_findings(web.target.digest)
    assert stored is not None
    assert [f.id for f in stored] == ["CVE-2024-2961"]

    before = fixture.blob_gets()
    again = await scan(fixture, store)
    assert fixture.blob_gets() == before  # unchanged registry: zero blob downloads
    assert again.stats.reused == 3
    assert again.stats.analysed == 0
    assert [r.status for r in again.results] == [ImageStatus.SCANNED] * 3
    assert all(not c.new and not c.resolved for c in again.changes.values())
    assert store.image_count() == 3
    store.close()


async def test_rematch_after_an_advisory_update_needs_no_registry(fixture: Fixture) -> None:
    settings = settings_for(fixture.home)
    write_records(fixture.home / "r1", osv_record("CVE-1", "bash", None))
    import_into_database(settings, fixture.home / "r1")
    store = open_store(fixture)
    await scan(fixture, store)
    fixture.registry.stop()  # no registry from here on
    write_records(fixture.home / "r2", osv_record("CVE-2", "glibc", "2.36-9+deb12u7"))
    import_into_database(settings, fixture.home / "r2")
    report = rematch_stored(settings, store)
    assert report.images == 3
    assert report.new_findings == 3  # CVE-2 in each image's libc6
    assert report.resolved_findings == 0
    import_into_database(settings, fixture.home / "r1")  # r1 again: unchanged
    (fixture.home / "r2" / "CVE-2.json").write_text(
        json.dumps(osv_record("CVE-2", "glibc", "2.36-9+deb12u4"))  # fixed in what is installed
    )
    import_into_database(settings, fixture.home / "r2")
    report = rematch_stored(settings, store)
    assert (report.new_findings, report.resolved_findings) == (0, 3)
    store.close()


async def test_a_vanished_image_and_an_unreachable_registry_turn_stale_then_purge(
    fixture: Fixture,
) -> None:
    clock = Clock()
    store = open_store(fixture, clock)
    first = await scan(fixture, store)
    digests = {r.target.repository: r.target.digest for r in first.results}
    # team/worker loses its tag: gone from the registry's listing.
    Pusher(fixture.registry.url).delete_manifest("team/worker", str(digests["team/worker"]))
    clock.now += timedelta(hours=1)
    await scan(fixture, store)
    assert store.image_staleness(digests["team/worker"]) == clock.now
    assert store.image_staleness(digests["team/api"]) is None
    # The registry goes away: every image turns stale, results are kept.
    fixture.registry.stop()
    clock.now += timedelta(days=1)
    rule = ScanRule.build(registry=fixture.registry.url, repository="team/*", cap=0)
    with pytest.raises(RegistryUnreachableError):
        await run_scan(rule, ClientOptions(retry=_no_retry()), settings_for(fixture.home), store)
    assert store.image_staleness(digests["team/api"]) == clock.now
    assert store.stored_inventory(digests["team/api"], _key()) is not None
    # Purged only after the retention period (30 days).
    clock.now += timedelta(days=29, hours=12)
    assert store.purge_stale(clock.now - timedelta(days=30)) == 1  # worker, stale 30.5 days
    clock.now += timedelta(days=1)
    assert store.purge_stale(clock.now - timedelta(days=30)) == 2
    assert store.image_count() == 0
    store.close()


def _no_retry() -> Any:
    from regsentry.registry.transport import RetryPolicy

    return RetryPolicy(attempts=1)


def _key() -> str:
    from regsentry.analyzer.builtin import builtin_analyzers
    from regsentry.indexer.layer import analyzers_key

    return analyzers_key(builtin_analyzers())


def test_sigkill_part_way_then_rerun_resumes(tmp_path: Path) -> None:
    registry = start_registry(tmp_path / "registry")
    try:
        pusher = Pusher(registry.url)
        base = base_layer("kill", filler=2_000_000)
        images = [app_image(base, f"app{n}", filler=2_000_000) for n in range(16)]
        for number, image in enumerate(images):
            pusher.push("slow/app", image, f"v{number}")
        pusher.close()
        app_layer = {image.digest: image.layers[1].digest for image in images}
        base_digest = images[0].layers[0].digest
        home = tmp_path / "home"
        env = {**os.environ, "REGSENTRY_HOME": str(home), "REGSENTRY_SCAN_IMAGE_CONCURRENCY": "1",
               "REGSENTRY_REGISTRY_CONCURRENCY": "1"}  # fmt: skip
        command = [sys.executable, "-m", "regsentry", "scan", registry.url, "--repo", "slow/app",
                   "--cap", "0", "--format", "json"]  # fmt: skip
        process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        database = home / "results.sqlite"
        finished = _wait_for_finished_images(database, at_least=3, process=process)
        process.send_signal(signal.SIGKILL)
        process.wait()
        assert 3 <= len(finished) < 16
        before = _layer_gets(registry)
        rerun = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)
        assert rerun.returncode == 0, rerun.stderr
        assert "(resumed)" in rerun.stderr
        assert json.loads(rerun.stdout)["summary"]["scanned"] == 16
        with sqlite3.connect(database) as connection:
            assert connection.execute("SELECT COUNT(*) FROM images").fetchone() == (16,)
            assert connection.execute("SELECT COUNT(*) FROM scan_jobs").fetchone() == (1,)
            assert connection.execute(
                "SELECT COUNT(DISTINCT digest) FROM job_images"
            ).fetchone() == (16,)
        after = _layer_gets(registry)
        for digest in finished:  # finished images: not one of their layers fetched again
            assert after.get(app_layer[digest], 0) == before.get(app_layer[digest], 0)
        assert after[base_digest] == 1  # the shared base: once, across both runs
    finally:
        registry.stop()


def _wait_for_finished_images(
    database: Path, *, at_least: int, process: subprocess.Popen[bytes]
) -> set[str]:
    """Poll the store until ``at_least`` images are finished; their manifest digests."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        assert process.poll() is None, "the scan finished before it could be interrupted"
        try:
            with sqlite3.connect(database) as connection:
                rows = connection.execute(
                    "SELECT digest FROM job_images WHERE status = 'scanned'"
                ).fetchall()
        except sqlite3.OperationalError:  # not created yet
            rows = []
        if len(rows) >= at_least:
            return {str(digest) for (digest,) in rows}
        time.sleep(0.005)
    raise AssertionError("the scan never got going")


def _layer_gets(registry: RunningRegistry) -> dict[str, int]:
    counts: dict[str, int] = {}
    for line in registry.access_log_lines(r'"GET /v2/slow/app/blobs/sha256:'):
        digest = line.split("/blobs/")[1].split(" ")[0]
        counts[digest] = counts.get(digest, 0) + 1
    return counts


def test_cli_scan_formats_fail_on_and_since_last(fixture: Fixture) -> None:
    home = fixture.home
    records = write_records(
        home / "records",
        osv_record("DEBIAN-CVE-2024-2961", "glibc", "2.36-9+deb12u7", aliases=["CVE-2024-2961"],
                   severity=[{"type": "CVSS_V3",
                              "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}]),
    )  # fmt: skip
    env = {**os.environ, "REGSENTRY_HOME": str(home), "COLUMNS": "250"}

    def regsentry(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "regsentry", *args], env=env,
                              capture_output=True, text=True, timeout=300)  # fmt: skip

    assert regsentry("db", "import", str(records)).returncode == 0
    base = ["scan", fixture.registry.url, "--repo", "team/*", "--cap", "0"]
    table = regsentry(*base)
    assert table.returncode == 0, table.stderr
    assert "team/api" in table.stdout
    assert "3 analysed" in table.stderr
    assert regsentry(*base, "--fail-on", "critical").returncode == 1
    assert regsentry(*base, "--fail-on", "critical", "--repo", "nothing/*").returncode == 0
    for output_format, key in (("sarif", "runs"), ("cyclonedx", "vulnerabilities"),
                               ("spdx", "packages"), ("json", "images")):  # fmt: skip
        out = home / f"report.{output_format}"
        result = regsentry(*base, "--format", output_format, "--output", str(out))
        assert result.returncode == 0, result.stderr
        assert key in json.loads(out.read_text())
    sarif = json.loads((home / "report.sarif").read_text())
    assert {r["ruleId"] for r in sarif["runs"][0]["results"]} == {"CVE-2024-2961"}
    # A new advisory: the re-match at import time records it, --since-last shows it.
    write_records(records, osv_record("CVE-2099-1", "bash", None))
    imported = regsentry("db", "import", str(records))
    assert "re-matched 3 stored images" in imported.stderr
    assert "3 new findings" in imported.stderr
    report = json.loads(regsentry(*base, "--format", "json").stdout)
    assert all(image["changes"] == {"new": [], "resolved": []} for image in report["images"])
    since = regsentry(*base, "--since-last")
    assert since.returncode == 0
