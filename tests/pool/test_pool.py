"""The scanner pool on real PostgreSQL, Redis and RabbitMQ, with scanner processes that
are killed part-way: no image is lost, none is stored twice, and the dead scanner shows
offline."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from regsentry.model.image import ImageStatus
from tests.pool.support import (
    IMAGES,
    RABBIT_URL,
    REDIS_URL,
    PoolWorld,
    make_world,
    pool_registry,
    wait_for,
)
from tests.support.registry_server import RunningRegistry

pytestmark = [pytest.mark.registry, pytest.mark.pool]

__all__ = ["pool_registry"]


@pytest.fixture(params=["redis", "rabbitmq"])
def world(
    request: pytest.FixtureRequest,
    pool_registry: RunningRegistry,
    postgres_schema_url: Callable[[], str],
    tmp_path: Path,
) -> Iterator[PoolWorld]:
    broker = REDIS_URL if request.param == "redis" else RABBIT_URL
    yield from make_world(pool_registry, postgres_schema_url(), broker, tmp_path / "home")


def scan_command(world: PoolWorld, report: Path, *extra: str) -> list[str]:
    return [
        sys.executable, "-m", "regsentry", "scan", world.registry.url, "--insecure",
        "--repo", "pool/app*", "--cap", "0", "--format", "json", "--output", str(report),
        *extra,
    ]  # fmt: skip


def test_a_scanner_killed_part_way_loses_no_image_and_stores_none_twice(
    world: PoolWorld, tmp_path: Path
) -> None:
    first = world.start_scanner("a")
    second = world.start_scanner("b")
    report = tmp_path / "report.json"
    scan = subprocess.Popen(
        scan_command(world, report), env=world.env(), stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )  # fmt: skip

    def first_is_midway() -> list[int] | None:
        done = world.query(
            "SELECT count(*) FROM job_images WHERE scanner = :s AND status <> 'pending'",
            s=first,
        )[0][0]
        held = [
            int(str(row[0]))
            for row in world.query(
                "SELECT id FROM job_images WHERE scanner = :s AND status = 'pending'", s=first
            )
        ]
        return held if isinstance(done, int) and done >= 2 and held else None

    held = wait_for("scanner a to be part-way through its share", first_is_midway)
    world.kill(first)
    _, stderr = scan.communicate(timeout=300)
    assert scan.returncode == 0, stderr.decode()

    images = json.loads(report.read_text())["images"]
    assert len(images) == IMAGES
    assert {image["status"] for image in images} == {ImageStatus.SCANNED.value}
    assert all({p["name"] for p in image["packages"]} == {"bash", "libc6"} for image in images)
    rows = world.query("SELECT id, scanner, status FROM job_images")
    assert len(rows) == IMAGES
    assert {row[2] for row in rows} == {"scanned"}
    by_id = {row[0]: row[1] for row in rows}
    # What the dead scanner held was finished by the live one.
    assert {by_id[image_id] for image_id in held} == {second}
    assert {row[1] for row in rows} == {first, second}
    # Stored exactly once: one image row per digest, each with its two packages once.
    assert world.query("SELECT count(*), count(DISTINCT digest) FROM images") == [(IMAGES, IMAGES)]
    assert world.query("SELECT count(*) FROM packages GROUP BY image_id HAVING count(*) <> 2") == []
    assert world.query("SELECT status, waiting_reason FROM scan_jobs") == [("completed", None)]
    assert world.query("SELECT count(*) FROM job_access") == [(0,)]

    listing = subprocess.run(
        [sys.executable, "-m", "regsentry", "scanners", "--all", "--json"],
        env=world.env(), capture_output=True, text=True, check=True,
    )  # fmt: skip
    states = {entry["name"]: entry["online"] for entry in json.loads(listing.stdout)}
    assert states[first] is False
    assert states[second] is True
    live = subprocess.run(
        [sys.executable, "-m", "regsentry", "scanners"],
        env=world.env(), capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert second in live.stdout
    assert first not in live.stdout
