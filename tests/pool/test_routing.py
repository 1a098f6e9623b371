"""Where the dispatcher sends a job: a named scanner, one scanner (``scanners: 1``), only
scanners of the rule's OS; and a job with no usable scanner waits, saying why."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from regsentry.config import Settings
from regsentry.db.store import ResultStore
from regsentry.model.rule import ScanRule
from regsentry.service.plan import client_options
from regsentry.service.pool.dispatch import PoolDispatcher
from regsentry.service.scan import ScanOutcome, run_scan
from tests.pool.support import REDIS_URL, PoolWorld, make_world, pool_registry, wait_for
from tests.support.registry_server import RunningRegistry

pytestmark = [pytest.mark.registry, pytest.mark.pool]

__all__ = ["pool_registry"]


@pytest.fixture
def world(
    pool_registry: RunningRegistry, postgres_schema_url: Callable[[], str], tmp_path: Path
) -> Iterator[PoolWorld]:
    yield from make_world(pool_registry, postgres_schema_url(), REDIS_URL, tmp_path / "home")


class Pool:
    """Runs scans from this test through the real pool, recording waiting reasons."""

    def __init__(self, world: PoolWorld) -> None:
        self.world = world
        self.settings = Settings(
            home=world.home,
            db_url=world.db_url,
            broker_url=world.broker_url,
            scanner_heartbeat=0.5,
            advisory_max_age_days=100000,
        )
        self.reasons: list[str | None] = []

    async def scan(self, **fields: object) -> ScanOutcome:
        rule = ScanRule.build(registry=self.world.registry.url, cap=0, **fields)
        options = client_options(self.settings, credentials=None, ca_file=None, insecure=True)
        dispatcher = PoolDispatcher.from_settings(self.settings, on_wait=self.reasons.append)
        store = ResultStore.open(self.settings.store_url)
        try:
            return await run_scan(rule, options, self.settings, store, dispatcher=dispatcher)
        finally:
            store.close()

    def scanners_of(self, job_id: int) -> set[object]:
        rows = self.world.query("SELECT scanner FROM job_images WHERE job_id = :j", j=job_id)
        return {row[0] for row in rows}

    async def waiting_reason(self) -> str:
        for _ in range(3000):
            rows = self.world.query("SELECT waiting_reason FROM scan_jobs WHERE status = 'running'")
            if rows and rows[0][0]:
                return str(rows[0][0])
            await asyncio.sleep(0.02)
        raise AssertionError("the job never said why it waits")


async def test_a_named_scanner_runs_the_whole_job(world: PoolWorld) -> None:
    world.start_scanner("a")
    named = world.start_scanner("b")
    pool = Pool(world)
    outcome = await pool.scan(repository="pool/app1,pool/app2", scanner=named, scanners=2)
    assert len(outcome.results) == 6
    assert {r.status.value for r in outcome.results} == {"scanned"}
    assert pool.scanners_of(outcome.job_id) == {named}


async def test_scanners_one_keeps_the_job_on_one_scanner(world: PoolWorld) -> None:
    first = world.start_scanner("a")
    second = world.start_scanner("b")
    pool = Pool(world)
    outcome = await pool.scan(repository="pool/app3,pool/app4,pool/app5", scanners=1)
    assert len(outcome.results) == 9
    used = pool.scanners_of(outcome.job_id)
    assert len(used) == 1
    assert used <= {first, second}
    assert outcome.stats.analysed == 9


async def test_a_windows_rule_waits_for_a_windows_scanner_and_only_it_scans(
    world: PoolWorld,
) -> None:
    linux = world.start_scanner("linux")
    pool = Pool(world)
    job = asyncio.create_task(pool.scan(repository="pool/windows", os="windows"))
    reason = await pool.waiting_reason()
    assert reason == "no live windows scanner; the job waits for one"
    assert pool.reasons == [reason]
    assert not job.done()
    windows = await asyncio.to_thread(world.start_scanner, "win", "windows")
    outcome = await job
    assert pool.reasons == [reason, None]
    assert pool.scanners_of(outcome.job_id) == {windows}
    assert linux != windows
    (result,) = outcome.results
    assert result.target.platform is not None
    assert result.target.platform.os == "windows"
    # The image went to the Windows scanner; it is analysed, never reported clean blindly.
    assert result.status.value in ("scanned", "failed")
    assert world.query("SELECT waiting_reason FROM scan_jobs") == [(None,)]


async def test_a_job_bound_to_an_offline_scanner_waits_for_it(world: PoolWorld) -> None:
    world.start_scanner("other")
    pool = Pool(world)
    late = world.name("late")
    job = asyncio.create_task(pool.scan(repository="pool/app6", scanner=late))
    reason = await pool.waiting_reason()
    assert reason.startswith(f"scanner {late!r} is offline; the rule names it, so the job waits")
    await asyncio.to_thread(world.start_scanner, "late")
    outcome = await job
    assert pool.scanners_of(outcome.job_id) == {late}
    assert {r.status.value for r in outcome.results} == {"scanned"}


def test_the_image_command_runs_on_the_pool(world: PoolWorld) -> None:
    name = world.start_scanner("only")
    reference = f"{world.registry.host}/pool/app9:v1"
    done = subprocess.run(
        [sys.executable, "-m", "regsentry", "image", reference, "--insecure", "--format", "json"],
        env=world.env(), capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    (image,) = json.loads(done.stdout)["images"]
    assert image["status"] == "scanned"
    assert image["repository"] == "pool/app9"
    assert {p["name"] for p in image["packages"]} == {"bash", "libc6"}
    assert [v["id"] for v in image["vulnerabilities"]] == ["DEBIAN-CVE-2024-2961"]
    assert world.query("SELECT scanner, status FROM job_images") == [(name, "scanned")]
    assert world.query("SELECT status FROM scan_jobs") == [("completed",)]


def test_a_scanner_without_the_consoles_secret_key_fails_images_with_the_reason(
    world: PoolWorld, tmp_path: Path
) -> None:
    # Its own key cannot open the job's sealed registry access: every image it takes
    # ends failed, saying why, and the scan exits 3; nothing is reported clean.
    name = world.name("wrongkey")
    log = (world.home / "wrongkey.log").open("wb")
    world.scanners[name] = subprocess.Popen(
        [sys.executable, "-m", "regsentry", "scanner", "--name", name],
        env=world.env(REGSENTRY_SECRET_KEY="not the console's key"),
        stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    wait_for(f"scanner {name} online", lambda: world.online(name), timeout=60)
    report = tmp_path / "report.json"
    done = subprocess.run(
        [sys.executable, "-m", "regsentry", "scan", world.registry.url, "--insecure",
         "--repo", "pool/app0", "--cap", "0", "--format", "json", "--output", str(report)],
        env=world.env(), capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert done.returncode == 3, done.stderr
    images = json.loads(report.read_text())["images"]
    assert len(images) == 3
    for image in images:
        assert image["status"] == "failed"
        assert image["error"].startswith(f"scanner {name}: a stored secret cannot be decrypted")
        assert not image.get("packages")


def test_a_second_scanner_under_a_live_name_is_refused(world: PoolWorld) -> None:
    name = world.start_scanner("twin")
    second = subprocess.run(
        [sys.executable, "-m", "regsentry", "scanner", "--name", name],
        env=world.env(), capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert second.returncode == 2
    assert f"a scanner named {name!r} is already running" in second.stderr
    assert world.online(name)  # the running one is untouched


def test_a_scanner_without_a_broker_says_what_it_needs(world: PoolWorld) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "regsentry", "scanner"],
        env=world.env(REGSENTRY_BROKER_URL=""), capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 2
    assert "regsentry scanner needs a broker: set REGSENTRY_BROKER_URL" in done.stderr
