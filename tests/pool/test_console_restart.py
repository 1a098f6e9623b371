"""The console dies mid-job (SIGKILL) and starts again: its scheduler resumes the job,
the scanners' finished images are kept, and the job completes once, every image stored
once and matched."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.pool.support import IMAGES, REDIS_URL, PoolWorld, make_world, pool_registry, wait_for
from tests.support.ports import free_port
from tests.support.registry_server import RunningRegistry

pytestmark = [pytest.mark.registry, pytest.mark.pool]

__all__ = ["pool_registry"]

PASSWORD = "pool-admin-password"


@pytest.fixture
def world(
    pool_registry: RunningRegistry, postgres_schema_url: Callable[[], str], tmp_path: Path
) -> Iterator[PoolWorld]:
    yield from make_world(pool_registry, postgres_schema_url(), REDIS_URL, tmp_path / "home")


def start_console(world: PoolWorld, port: int) -> subprocess.Popen[bytes]:
    log = (world.home / f"console-{port}.log").open("ab")
    process = subprocess.Popen(
        [sys.executable, "-m", "regsentry", "console", "--port", str(port)],
        env=world.env(REGSENTRY_ADMIN_PASSWORD=PASSWORD), stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip

    def up() -> bool:
        try:
            return httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200
        except httpx.HTTPError:
            return False

    wait_for("the console to answer", up, timeout=60)
    return process


def test_a_console_restarted_mid_job_resumes_it(world: PoolWorld) -> None:
    world.start_scanner("only", concurrency=1)
    port = free_port()
    console = start_console(world, port)
    api = httpx.Client(base_url=f"http://127.0.0.1:{port}/api/v1", auth=("admin", PASSWORD))
    rule = api.post(
        "/registries",
        json={"name": "pool", "registry": world.registry.url, "repository": "pool/app*", "cap": 0},
    )
    assert rule.status_code == 201, rule.text
    job = api.post(f"/registries/{rule.json()['id']}/scan").json()

    def some_done() -> bool:
        rows = world.query("SELECT count(*) FROM job_images WHERE status <> 'pending'")
        return bool(rows) and isinstance(rows[0][0], int) and 3 <= rows[0][0] < IMAGES

    wait_for("a few images of the job", some_done)
    console.send_signal(signal.SIGKILL)
    console.wait(timeout=30)
    api.close()
    assert world.query("SELECT status FROM scan_jobs") == [("running",)]

    restarted = start_console(world, port)
    try:
        api = httpx.Client(base_url=f"http://127.0.0.1:{port}/api/v1", auth=("admin", PASSWORD))

        def finished() -> dict[str, Any] | None:
            view: dict[str, Any] = api.get(f"/scans/{job['id']}").json()
            return view if view["status"] != "running" else None

        view = wait_for("the resumed job to finish", finished, timeout=300)
        assert view["status"] == "completed", view
        assert view["progress"]["scanned"] == IMAGES
        assert world.query("SELECT count(*) FROM scan_jobs") == [(1,)]
        assert world.query("SELECT count(*), count(DISTINCT digest) FROM images") == [
            (IMAGES, IMAGES)
        ]
        # Matched after resumption: every image has the glibc finding, once.
        assert world.query("SELECT count(*), count(DISTINCT image_id) FROM findings") == [
            (IMAGES, IMAGES)
        ]
        api.close()
    finally:
        restarted.send_signal(signal.SIGTERM)
        restarted.wait(timeout=30)


def test_the_console_and_the_command_line_say_why_a_job_waits(world: PoolWorld) -> None:
    port = free_port()
    console = start_console(world, port)
    try:
        api = httpx.Client(base_url=f"http://127.0.0.1:{port}/api/v1", auth=("admin", PASSWORD))
        assert api.get("/scanners").json() == []
        rule = api.post(
            "/registries",
            json={"name": "few", "registry": world.registry.url, "repository": "pool/app7",
                  "cap": 0},
        ).json()  # fmt: skip
        job = api.post(f"/registries/{rule['id']}/scan").json()

        def reason() -> str | None:
            value: str | None = api.get(f"/scans/{job['id']}").json()["waiting_reason"]
            return value

        assert wait_for("the job's waiting reason", reason) == (
            "no live linux scanner; the job waits for one"
        )
        # The command line, on the same pool, says the same while it waits.
        cli = subprocess.Popen(
            [sys.executable, "-m", "regsentry", "scan", world.registry.url, "--insecure",
             "--repo", "pool/app8", "--cap", "0", "--format", "json"],
            env=world.env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        )  # fmt: skip
        assert cli.stderr is not None
        line = cli.stderr.readline().decode()
        assert line.strip() == "waiting: no live linux scanner; the job waits for one"

        name = world.start_scanner("late")
        stdout, _ = cli.communicate(timeout=300)
        assert cli.returncode == 0
        assert len(json.loads(stdout)["images"]) == 3

        def finished() -> dict[str, Any] | None:
            view: dict[str, Any] = api.get(f"/scans/{job['id']}").json()
            return view if view["status"] != "running" else None

        view = wait_for("the job to finish", finished)
        assert view["status"] == "completed"
        assert view["waiting_reason"] is None
        (scanner,) = api.get("/scanners").json()
        assert scanner["name"] == name
        assert scanner["alive"] is True
        assert scanner["concurrency"] == 2
        api.close()
    finally:
        console.send_signal(signal.SIGTERM)
        console.wait(timeout=30)
