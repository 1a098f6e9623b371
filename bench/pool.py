"""Benchmark: the same job on a pool of 1, then 2 scanner processes.

    .venv/bin/python -m bench.pool [--images 60] [--layer-mb 30] [--concurrency 1]

A local docker-registry holds ``--images`` images, each with its own compressible layer
of about ``--layer-mb`` MB made of many files, so the job is dominated by layer work
(inflating, hashing, walking the tar). Each round starts from an empty PostgreSQL schema
(nothing reused from an earlier round), starts the scanners (``regsentry scanner``, Redis
broker), waits until they are online, then times ``regsentry scan`` submitting the job to
the pool. Printed: images/s for 1 and 2 scanners and their ratio (goal >= 1.6x on two
cores), with the in-process scan of the same job for reference, and the share of the
machine's cores that was busy.

Each scanner analyses one image at a time (``--concurrency 1``) so that a scanner is one
unit of capacity; it still overlaps the download (event loop) with inflating and walking
(a worker thread). The registry, PostgreSQL, Redis and the console run on the same cores,
so the ratio cannot exceed cores / (cores busy during the one-scanner round): that bound
is printed too. The rounds are repeated with each scanner pinned to a core of its own
(``taskset``), as when every scanner has a host of its own.

Needs Debian's docker-registry, PostgreSQL on 127.0.0.1:5432 and Redis on 6379.
Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import base64
import os
import random
import secrets
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import psycopg
from tests.service.scan_support import OS_RELEASE, stanza
from tests.support.images import Pusher, gzip_layer, image_from_layers
from tests.support.postgres import PG_URL
from tests.support.registry_server import RunningRegistry, start_registry

from bench.timing import compile_bytecode

REDIS_URL = os.environ.get("REGSENTRY_BENCH_REDIS_URL", "redis://127.0.0.1:6379/13")


def populate(registry: RunningRegistry, images: int, layer_mb: float) -> None:
    """Images whose one layer is ``layer_mb`` MB of base64 text in 64 KB files (and a
    Debian os-release and dpkg status, so that each is scanned, not failed)."""
    rng = random.Random(11)
    files_per_layer = max(1, int(layer_mb * 1_000_000 / 65_536))
    pusher = Pusher(registry.url)
    for number in range(images):
        files = {
            f"srv/app{number}/file{index}.txt": base64.b64encode(rng.randbytes(49_152))
            for index in range(files_per_layer)
        }
        files["etc/os-release"] = OS_RELEASE
        files["var/lib/dpkg/status"] = stanza("bash", "5.2.15-2+b2", "bash (5.2.15-2)")
        pusher.push(f"bench/app{number}", image_from_layers((gzip_layer(files),)), "v1")
    pusher.close()


@dataclass(frozen=True)
class Schema:
    """An empty PostgreSQL schema of one round: the URL regsentry uses, and its name."""

    url: str
    name: str

    def job_seconds(self) -> float:
        """The job's own duration as the store recorded it (created → finished): planning,
        dispatching, the scanners' work and reading the results back, without the
        ``regsentry scan`` process's start-up."""
        with psycopg.connect(PLAIN_PG_URL, autocommit=True) as connection:
            connection.execute(f"SET search_path = {self.name}")
            row = connection.execute("SELECT created_at, finished_at FROM scan_jobs").fetchone()
        if row is None or row[1] is None:
            raise SystemExit("the job did not finish")
        return float((row[1] - row[0]).total_seconds())


PLAIN_PG_URL = PG_URL.replace("postgresql+psycopg://", "postgresql://")


@contextmanager
def fresh_schema() -> Iterator[Schema]:
    """An empty PostgreSQL schema for one round, dropped afterwards."""
    name = f"bench_{secrets.token_hex(4)}"
    with psycopg.connect(PLAIN_PG_URL, autocommit=True) as connection:
        connection.execute(f"CREATE SCHEMA {name}")
    try:
        yield Schema(f"{PG_URL}?options=-csearch_path%3D{name}", name)
    finally:
        with psycopg.connect(PLAIN_PG_URL, autocommit=True) as connection:
            connection.execute(f"DROP SCHEMA {name} CASCADE")


def environment(home: Path, db_url: str, broker: str) -> dict[str, str]:
    return {
        **os.environ,
        "REGSENTRY_HOME": str(home),
        "REGSENTRY_DB_URL": db_url,
        "REGSENTRY_BROKER_URL": broker,
        "REGSENTRY_SCANNER_HEARTBEAT": "1",
    }


def online(env: dict[str, str], count: int) -> bool:
    listing = subprocess.run(
        [sys.executable, "-m", "regsentry", "scanners", "--json"],
        env=env, capture_output=True, text=True, check=True,
    )  # fmt: skip
    return listing.stdout.count('"online": true') >= count


def busy_cores_seconds() -> float:
    """CPU seconds the whole machine spent busy so far (every process: the registry,
    the scanners, the dispatcher), from /proc/stat."""
    fields = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
    ticks = [int(value) for value in fields]
    idle = ticks[3] + ticks[4]  # idle + iowait
    return (sum(ticks[:8]) - idle) / os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True)
class Round:
    """One timed job: the ``regsentry scan`` process, the job inside it, and how busy the
    machine's cores were meanwhile."""

    command_seconds: float
    job_seconds: float
    busy_cores: float


def timed_scan(registry: RunningRegistry, env: dict[str, str], home: Path, schema: Schema) -> Round:
    busy = busy_cores_seconds()
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "regsentry", "scan", registry.url, "--repo", "bench/*",
         "--cap", "0", "--format", "json", "--output", str(home / "report.json")],
        env=env, check=True, capture_output=True,
    )  # fmt: skip
    seconds = time.perf_counter() - started
    return Round(seconds, schema.job_seconds(), (busy_cores_seconds() - busy) / seconds)


def pool_round(
    registry: RunningRegistry, work: Path, scanners: int, concurrency: int, *, pin: bool
) -> Round:
    """Seconds for the job on ``scanners`` scanner processes (with ``pin``, scanner n
    may use core n only, as if each had a machine of one core)."""
    home = work / f"home-{scanners}-{pin}"
    with fresh_schema() as schema:
        env = environment(home, schema.url, REDIS_URL)
        prefix = secrets.token_hex(3)
        processes = [
            subprocess.Popen(
                [
                    *(["taskset", "-c", str(n % (os.cpu_count() or 1))] if pin else []),
                    sys.executable,
                    "-m",
                    "regsentry",
                    "scanner",
                    "--name",
                    f"{prefix}-{n}",
                    "--concurrency",
                    str(concurrency),
                ],
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            for n in range(scanners)
        ]
        try:
            deadline = time.monotonic() + 60
            while not online(env, scanners):
                if time.monotonic() > deadline:
                    raise SystemExit("the scanners did not come online")
                time.sleep(0.5)
            return timed_scan(registry, env, home, schema)
        finally:
            for process in processes:
                process.send_signal(signal.SIGTERM)
            for process in processes:
                process.wait(timeout=60)


def in_process_round(registry: RunningRegistry, work: Path) -> Round:
    home = work / "home-local"
    with fresh_schema() as schema:
        env = environment(home, schema.url, "")
        return timed_scan(registry, env, home, schema)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=60)
    parser.add_argument("--layer-mb", type=float, default=30.0)
    parser.add_argument("--concurrency", type=int, default=1, help="Images per scanner at once.")
    args = parser.parse_args()
    compile_bytecode()
    with tempfile.TemporaryDirectory(prefix="regsentry-bench-pool-") as directory:
        work = Path(directory)
        registry = start_registry(work / "registry")
        try:
            print(f"pushing {args.images} images of ~{args.layer_mb} MB …", flush=True)
            populate(registry, args.images, args.layer_mb)
            local = in_process_round(registry, work)
            one = pool_round(registry, work, 1, args.concurrency, pin=False)
            two = pool_round(registry, work, 2, args.concurrency, pin=False)
            one_pinned = pool_round(registry, work, 1, args.concurrency, pin=True)
            two_pinned = pool_round(registry, work, 2, args.concurrency, pin=True)
        finally:
            registry.stop()
    print(f"cores: {os.cpu_count()}; {args.images} images, one ~{args.layer_mb} MB layer each; "
          f"{args.concurrency} image(s) at once per scanner")  # fmt: skip
    print("                         command  job (store)  images/s (job)  cores busy")
    show("in-process (no pool)", local, args.images)
    compare("pool", one, two, args.images)
    print("each scanner pinned to a core of its own (as when every scanner has its own host):")
    compare("pool", one_pinned, two_pinned, args.images)


def show(label: str, measured: Round, images: int) -> None:
    print(f"{label:22} {measured.command_seconds:7.2f} s  {measured.job_seconds:9.2f} s  "
          f"{images / measured.job_seconds:14.2f}  {measured.busy_cores:10.2f}")  # fmt: skip


def compare(label: str, one: Round, two: Round, images: int) -> None:
    """Both rounds, the ratio of their job throughputs, and the bound this machine sets."""
    show(f"{label}, 1 scanner", one, images)
    show(f"{label}, 2 scanners", two, images)
    cores = os.cpu_count() or 1
    print(f"  2 scanners / 1 scanner: {one.job_seconds / two.job_seconds:.2f}x by job time, "
          f"{one.command_seconds / two.command_seconds:.2f}x by command time (goal >= 1.6x); "
          f"at most {cores / one.busy_cores:.2f}x here ({cores} cores / {one.busy_cores:.2f} "
          f"busy with one scanner)")  # fmt: skip


if __name__ == "__main__":
    main()
