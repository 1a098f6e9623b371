"""The scanner pool for real: scanner processes (``regsentry scanner``) on PostgreSQL and
Redis or RabbitMQ, a real registry with about thirty images, and the database as the
witness of who did what."""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

import pytest
from sqlalchemy import Engine, text

from tests.service.scan_support import base_layer, osv_record, write_records
from tests.support.images import Pusher, build_image, gzip_layer, image_from_layers
from tests.support.registry_server import RunningRegistry, start_registry

REDIS_URL = os.environ.get("REGSENTRY_TEST_REDIS_URL", "redis://127.0.0.1:6379/14")
RABBIT_URL = os.environ.get("REGSENTRY_TEST_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672//")
#: Heartbeat of test scanners: three missed (1.5 s) and a scanner is offline.
HEARTBEAT = "0.5"
IMAGES = 30

T = TypeVar("T")


def wait_for(what: str, probe: Callable[[], T | None], timeout: float = 120.0) -> T:
    """Poll ``probe`` until it returns something true; a guard, not a timing assertion."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = probe()
        if value:
            return value
        time.sleep(0.02)
    raise AssertionError(f"timed out waiting for {what}")


def push_pool_images(registry: RunningRegistry) -> None:
    """``IMAGES`` images in ``IMAGES // 3`` repositories over three shared bases; each
    has an application layer of incompressible data so that layer work dominates."""
    bases = [base_layer(f"base{i}", filler=300_000) for i in range(3)]
    pusher = Pusher(registry.url)
    for number in range(IMAGES):
        files = {
            f"srv/app{number}/payload": os.urandom(1_500_000),
        }
        layers = (bases[number % 3], gzip_layer(files))
        pusher.push(f"pool/app{number // 3}", image_from_layers(layers), f"v{number % 3}")
    pusher.push("pool/windows", build_image({"Windows/System32/x": b"x"}, os="windows"), "ltsc")
    pusher.close()


@dataclass
class PoolWorld:
    """One test's pool: its database, broker, home (shared key file) and scanners."""

    registry: RunningRegistry
    db_url: str
    broker_url: str
    home: Path
    engine: Engine
    scanners: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    prefix: str = field(default_factory=lambda: f"t{secrets.token_hex(3)}")

    def env(self, **extra: str) -> dict[str, str]:
        """The environment of any regsentry process of this pool."""
        return {
            **os.environ,
            "REGSENTRY_HOME": str(self.home),
            "REGSENTRY_DB_URL": self.db_url,
            "REGSENTRY_BROKER_URL": self.broker_url,
            "REGSENTRY_SCANNER_HEARTBEAT": HEARTBEAT,
            "REGSENTRY_ADVISORY_MAX_AGE_DAYS": "100000",
            **extra,
        }

    def name(self, short: str) -> str:
        """A scanner name unique to this test (its queue is this test's alone)."""
        return f"{self.prefix}-{short}"

    def start_scanner(self, short: str, os_name: str = "linux", concurrency: int = 2) -> str:
        """Start a scanner process and wait until it is online; returns its name."""
        name = self.name(short)
        log = (self.home / f"scanner-{name}.log").open("wb")
        self.scanners[name] = subprocess.Popen(
            [sys.executable, "-m", "regsentry", "scanner", "--name", name, "--os", os_name,
             "--concurrency", str(concurrency)],
            env=self.env(), stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        wait_for(f"scanner {name} online", lambda: self.online(name), timeout=60)
        return name

    def kill(self, name: str) -> None:
        """SIGKILL a scanner: no goodbye, its heartbeats just stop."""
        process = self.scanners[name]
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)

    def online(self, name: str) -> bool:
        """Whether the scanner's heartbeat is fresh (the same rule the dispatcher uses)."""
        from datetime import UTC, datetime

        with self.engine.connect() as connection:
            row = connection.execute(
                text("SELECT last_seen, stopped_at FROM scanners WHERE name = :n"), {"n": name}
            ).first()
        if row is None or row.stopped_at is not None:
            return False
        last_seen: datetime = row.last_seen
        if last_seen.tzinfo is None:
            last_seen = last_seen.replace(tzinfo=UTC)
        return (datetime.now(UTC) - last_seen).total_seconds() <= 3 * float(HEARTBEAT)

    def query(self, sql: str, **params: object) -> list[tuple[object, ...]]:
        """Rows of a read-only query on the pool's database."""
        with self.engine.connect() as connection:
            return [tuple(row) for row in connection.execute(text(sql), params)]

    def stop(self) -> None:
        """Stop every scanner still running (SIGTERM: Celery's warm shutdown)."""
        for process in self.scanners.values():
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in self.scanners.values():
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()


@pytest.fixture(scope="session")
def pool_registry(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningRegistry]:
    """A registry with the pool's images (shared by every pool test; read-only)."""
    registry = start_registry(tmp_path_factory.mktemp("pool-registry"))
    push_pool_images(registry)
    yield registry
    registry.stop()


def make_world(
    registry: RunningRegistry, db_url: str, broker_url: str, home: Path
) -> Iterator[PoolWorld]:
    """A pool on ``db_url`` and ``broker_url``, with advisories imported under ``home``."""
    from regsentry.config import Settings
    from regsentry.db.engine import open_engine
    from regsentry.service.advisories import import_into_database

    home.mkdir(parents=True, exist_ok=True)
    advisories = write_records(
        home / "osv", osv_record("DEBIAN-CVE-2024-2961", "glibc", "2.36-9+deb12u7")
    )
    import_into_database(Settings(home=home), advisories)
    engine = open_engine(db_url)
    world = PoolWorld(registry, db_url, broker_url, home, engine)
    try:
        yield world
    finally:
        world.stop()
        engine.dispose()
